package bench_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/bulk"
	"github.com/hopsnet/hops/world/bench"
)

// run builds and runs a scenario at a small scale.
func run(t *testing.T, name string, scale float64) (*bench.Run, bench.Outcome) {
	t.Helper()
	s := bench.Lookup(name)
	if s == nil {
		t.Fatalf("no scenario %q", name)
	}
	r, err := s.Build(1, scale)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	if !r.RunToEnd(nil) {
		t.Fatalf("%s did not finish", name)
	}
	return r, r.Outcome()
}

// Every scenario runs at a small scale, its traffic arrives whole, and
// its packets cross four links each way.
func TestScenarios(t *testing.T) {
	scales := map[string]float64{"tcp-chain": 0.005, "tcp-dumbbell": 0.005, "udp-chain": 0.01, "ping": 0.01}
	for _, s := range bench.All() {
		t.Run(s.Name, func(t *testing.T) {
			scale, ok := scales[s.Name]
			if !ok {
				t.Fatalf("no test scale for %s", s.Name)
			}
			r, o := run(t, s.Name, scale)
			if !o.OK() || o.Bytes == 0 || o.Elapsed <= 0 {
				t.Fatalf("%+v", o)
			}
			pk, _ := r.LinkPackets()
			if pk == 0 || r.World.Kernel.Fired() < pk {
				t.Fatalf("%d link packets, %d events", pk, r.World.Kernel.Fired())
			}
			switch o.Kind {
			case "tcp":
				if o.Bytes != o.Size || o.Matched != o.Flows || o.MSS != 1448 {
					t.Fatalf("%+v", o)
				}
			case "udp", "ping":
				if o.Lost != 0 || o.Corrupt != 0 || o.Bytes == 0 {
					t.Fatalf("%+v", o)
				}
				// Every datagram or request crosses 4 links, its reply 4
				// more; a UDP stream has no replies.
				per := uint64(4)
				if o.Kind == "ping" {
					per = 8
				}
				if n := uint64(o.Size); o.Kind == "ping" && pk != n*per {
					t.Fatalf("ping: %d link packets for %d requests", pk, n)
				}
			}
		})
	}
}

// The same seed gives the same run, to the event.
func TestDeterministic(t *testing.T) {
	r1, o1 := run(t, "tcp-dumbbell", 0.002)
	r2, o2 := run(t, "tcp-dumbbell", 0.002)
	p1, _ := r1.LinkPackets()
	p2, _ := r2.LinkPackets()
	if o1 != o2 || p1 != p2 || r1.World.Kernel.Fired() != r2.World.Kernel.Fired() || r1.World.Kernel.Now() != r2.World.Kernel.Now() {
		t.Fatalf("%+v %d\n%+v %d", o1, p1, o2, p2)
	}
}

func TestLookupSuggest(t *testing.T) {
	for in, want := range map[string]string{
		"tcp-chian": "tcp-chain", "tcpchain": "tcp-chain", "dumbbell": "tcp-dumbbell",
		"udp": "udp-chain", "pnig": "ping", "nothing-like-it": "", "dumbell": "tcp-dumbbell", "chain": "tcp-chain",
	} {
		if got := bench.Suggest(in); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
	if bench.Lookup("tcp-chain") == nil || bench.Lookup("tcp") != nil {
		t.Fatal("Lookup")
	}
	if _, err := bench.Lookup("ping").Build(1, 0); err == nil {
		t.Fatal("scale 0 accepted")
	}
}

// BenchmarkScenario runs one whole scenario per iteration, for profiling:
//
//	HOPS_BENCH=tcp-chain go test -run '^$' -bench Scenario -benchtime 1x -cpuprofile cpu.out ./world/bench/
//
// HOPS_BENCH_SCALE scales it (default 1); TCP scenarios compare the
// streams byte for byte, as hops bench does, unless HOPS_BENCH_CHECK=sha256.
func BenchmarkScenario(b *testing.B) {
	name := os.Getenv("HOPS_BENCH")
	if name == "" {
		name = "tcp-chain"
	}
	scale := 1.0
	if v := os.Getenv("HOPS_BENCH_SCALE"); v != "" {
		var err error
		if scale, err = strconv.ParseFloat(v, 64); err != nil {
			b.Fatal(err)
		}
	}
	s := bench.Lookup(name)
	if s == nil {
		b.Fatalf("no scenario %q", name)
	}
	b.ReportAllocs()
	var packets uint64
	var wall time.Duration
	for b.Loop() {
		b.StopTimer()
		r, err := s.Build(1, scale)
		if err != nil {
			b.Fatal(err)
		}
		if os.Getenv("HOPS_BENCH_CHECK") != "sha256" {
			r.Check = bulk.CheckStream
		}
		b.StartTimer()
		t0 := time.Now()
		if err := r.Start(); err != nil {
			b.Fatal(err)
		}
		if !r.RunToEnd(nil) {
			b.Fatal("did not finish")
		}
		wall += time.Since(t0)
		p, _ := r.LinkPackets()
		packets += p
		if o := r.Outcome(); !o.OK() {
			b.Fatalf("%+v", o)
		}
	}
	b.ReportMetric(float64(packets)/wall.Seconds(), "link-packets/s")
}
