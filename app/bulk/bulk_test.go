package bulk_test

import (
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/bulk"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/tcp"
	"github.com/hopsnet/hops/world"
)

const chain = `
nodes: [{name: a, role: host}, {name: r1, role: router}, {name: r2, role: router}, {name: b, role: host}]
links:
  - {a: a 10.0.0.1/30, b: r1 10.0.0.2/30, rate: 100Mbps, delay: 5ms, queue: 100 packets%s}
  - {a: r1 10.0.1.1/30, b: r2 10.0.1.2/30, rate: 100Mbps, delay: 5ms, queue: 100 packets%s}
  - {a: r2 10.0.2.1/30, b: b 10.0.2.2/30, rate: 100Mbps, delay: 5ms, queue: 100 packets}
`

func run(t *testing.T, first, middle string, seed uint64, cfg bulk.Config) (*bulk.Result, *world.World) {
	t.Helper()
	src := strings.Replace(strings.Replace(chain, "%s", first, 1), "%s", middle, 1)
	w, err := world.FromYAML("t.yaml", []byte(src), seed, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var res *bulk.Result
	if _, err := bulk.Start(w.Node("a"), "b", w.Node("b"), w.Node("b").Addr(), cfg, func(r *bulk.Result) { res = r }); err != nil {
		t.Fatal(err)
	}
	w.Kernel.RunUntil(w.Kernel.Now().Add(time.Hour))
	if res == nil {
		t.Fatal("the transfer never finished")
	}
	return res, w
}

// chaosSeeds is how many seeds each case of the chaos matrix runs
// with; more compare the congestion controls better (go test -run
// ChaosMatrix -v ./app/bulk -args -chaos.seeds=50).
var chaosSeeds = flag.Int("chaos.seeds", 3, "seeds per chaos matrix case")

// congestionControls are the controllers the chaos matrix runs with.
var congestionControls = []string{"cubic", "newreno"}

func withCC(t *testing.T, name string, cfg bulk.Config) bulk.Config {
	t.Helper()
	f, err := tcp.CongestionByName(name)
	if err != nil {
		t.Fatal(err)
	}
	cfg.TCP.Congestion = f
	return cfg
}

// matrixTotals sums a congestion control's runs of the chaos matrix.
type matrixTotals struct {
	runs, errors                      int
	retransmits, timeouts, fast, segs uint64
	elapsed                           time.Duration
}

func (m *matrixTotals) add(r *bulk.Result) {
	m.runs++
	m.retransmits += r.Sender.Retransmits
	m.timeouts += r.Sender.Timeouts
	m.fast += r.Sender.FastRetransmits
	m.segs += r.Sender.SegmentsOut
	m.elapsed += r.Elapsed
}

// The chaos matrix: whatever the network does, a transfer either delivers
// exactly the bytes sent (SHA-256 equal) or ends with a clear error, in
// bounded virtual time, and leaves nothing behind; with each congestion
// control. Run with -v for each case's and each controller's
// retransmissions, timeouts and virtual completion time.
func TestChaosMatrix(t *testing.T) {
	tests := []struct {
		name          string
		first, middle string
	}{
		{"clean", "", ""},
		{"loss 1%", ", loss: 1%", ""},
		{"loss 5%", ", loss: 5%", ""},
		{"loss 20%", "", ", loss: 20%"},
		{"bursty loss", "", ", burst-loss: {p: 1%, r: 30%}"},
		{"reordering", ", reorder: 5%, reorder-delay: 3ms", ""},
		{"duplication", ", duplicate: 5%", ""},
		{"corruption", "", ", corrupt: 2%"},
		{"small MTU mid-path", "", ", mtu: 700"},
		{"everything", ", loss: 2%, duplicate: 2%, reorder: 2%", ", corrupt: 1%, mtu: 1000"},
	}
	totals := map[string]*matrixTotals{}
	for _, cc := range congestionControls {
		totals[cc] = &matrixTotals{}
		for _, tt := range tests {
			var sum matrixTotals
			for seed := uint64(1); seed <= uint64(*chaosSeeds); seed++ {
				t.Run(cc+"/"+tt.name, func(t *testing.T) {
					res, w := run(t, tt.first, tt.middle, seed, withCC(t, cc, bulk.Config{Size: 1 << 20, Deadline: 30 * time.Minute}))
					if res.Err != nil && *chaosSeeds > 3 && errors.Is(res.Err, tcp.ErrTimeout) {
						// Many seeds find runs where the channel stays
						// bad (Gilbert-Elliott moves per packet, and
						// backed-off retransmissions are few) for all
						// DataRetries: a clear error, which the matrix
						// allows but the three default seeds never hit.
						t.Logf("seed %d: %v (sent %d, received %d)", seed, res.Err, res.BytesSent, res.BytesReceived)
						totals[cc].errors++
						return
					}
					if res.Err != nil {
						t.Fatalf("seed %d: %v (sent %d, received %d)", seed, res.Err, res.BytesSent, res.BytesReceived)
					}
					if !res.Match {
						t.Fatalf("seed %d: received %d of %d bytes, SHA-256 %s want %s", seed, res.BytesReceived, res.Size, res.ReceivedSHA256, res.SentSHA256)
					}
					if got := res.Sender.Congestion; got != cc {
						t.Fatalf("seed %d: congestion control %q, want %q", seed, got, cc)
					}
					sum.add(res)
					t.Logf("seed %d: %d retransmits (%d timeouts, %d fast), %.3fs virtual", seed, res.Sender.Retransmits, res.Sender.Timeouts, res.Sender.FastRetransmits, res.Elapsed.Seconds())
					totals[cc].add(res)
					w.Kernel.Run() // TIME-WAIT ends
					for _, n := range []*node.Node{w.Node("a"), w.Node("b")} {
						if h := n.Open(); h != (node.Handles{}) {
							t.Fatalf("seed %d: %s still holds %+v", seed, n.Name, h)
						}
					}
					if w.Pool.Live() != 0 {
						t.Fatalf("seed %d: %d packets leaked", seed, w.Pool.Live())
					}
				})
			}
			t.Logf("%-7s %-19s %d seeds: %5d retransmits (%3d timeouts, %3d fast), %5d segments, %8.3fs virtual",
				cc, tt.name, *chaosSeeds, sum.retransmits, sum.timeouts, sum.fast, sum.segs, sum.elapsed.Seconds())
		}
	}
	for _, cc := range congestionControls {
		m := totals[cc]
		t.Logf("%-7s all %d runs (and %d timed out): %d retransmits (%d timeouts, %d fast), %d segments, %.3fs virtual",
			cc, m.runs, m.errors, m.retransmits, m.timeouts, m.fast, m.segs, m.elapsed.Seconds())
	}
}

// A link down for 2 s in the middle of the transfer: TCP retransmits
// through the outage and finishes, with each congestion control.
func TestLinkDownAndBack(t *testing.T) {
	for _, cc := range congestionControls {
		t.Run(cc, func(t *testing.T) {
			src := strings.Replace(strings.Replace(chain, "%s", "", 1), "%s", "", 1) + "events:\n  - {at: 300ms, down: r1--r2}\n  - {at: 2300ms, up: r1--r2}\n"
			w, err := world.FromYAML("t.yaml", []byte(src), 1, world.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var res *bulk.Result
			bulk.Start(w.Node("a"), "b", w.Node("b"), w.Node("b").Addr(), withCC(t, cc, bulk.Config{Size: 4 << 20}), func(r *bulk.Result) { res = r })
			w.Kernel.Run()
			if res == nil || res.Err != nil || !res.Match {
				t.Fatalf("%+v", res)
			}
			if res.Sender.Timeouts == 0 || res.Elapsed < 2*time.Second {
				t.Fatalf("elapsed %v, %d timeouts: the outage did not show", res.Elapsed, res.Sender.Timeouts)
			}
			t.Logf("%s: %d retransmits (%d timeouts, %d fast), %.3fs virtual", cc, res.Sender.Retransmits, res.Sender.Timeouts, res.Sender.FastRetransmits, res.Elapsed.Seconds())
		})
	}
}

// Nobody listening and nobody answering: clear errors in bounded time.
func TestTransferErrors(t *testing.T) {
	res, _ := run(t, "", ", loss: 100%", 1, bulk.Config{Size: 1 << 20})
	if !errors.Is(res.Err, bulk.ErrDeadline) && !strings.Contains(res.Error, "timed out") {
		t.Fatalf("a dead path: %v", res.Err)
	}
}

// HyStart++ (RFC 9406) leaves slow start when the RTT rises, before the
// bottleneck's queue overflows: with buffers large enough for slow
// start to overshoot, CUBIC (with HyStart++) loses far fewer segments
// than NewReno (standard slow start) and never times out.
func TestHyStartBottleneck(t *testing.T) {
	for _, rate := range []string{"10Mbps", "20Mbps"} {
		var got [2]tcp.Stats
		for i, cc := range []string{"cubic", "newreno"} {
			src := strings.Replace(strings.Replace(chain, "%s", "", 1), "rate: 100Mbps, delay: 5ms, queue: 100 packets%s", "rate: "+rate+", delay: 5ms, queue: 100 packets", 1)
			w, err := world.FromYAML("t.yaml", []byte(src), 1, world.Options{})
			if err != nil {
				t.Fatal(err)
			}
			cfg := withCC(t, cc, bulk.Config{Size: 8 << 20})
			cfg.TCP.SendBufSize, cfg.TCP.RecvBufSize = 4<<20, 4<<20
			var res *bulk.Result
			bulk.Start(w.Node("a"), "b", w.Node("b"), w.Node("b").Addr(), cfg, func(r *bulk.Result) { res = r })
			w.Kernel.Run()
			if res == nil || res.Err != nil || !res.Match {
				t.Fatalf("%s %s: %+v", rate, cc, res)
			}
			got[i] = res.Sender
			t.Logf("%s %-7s: %4d retransmits (%d timeouts, %d fast), %.3fs virtual", rate, cc, res.Sender.Retransmits, res.Sender.Timeouts, res.Sender.FastRetransmits, res.Elapsed.Seconds())
		}
		if got[0].Timeouts != 0 || 2*got[0].Retransmits > got[1].Retransmits {
			t.Errorf("%s: CUBIC %d retransmits (%d timeouts), NewReno %d: HyStart++ did not leave slow start early", rate, got[0].Retransmits, got[0].Timeouts, got[1].Retransmits)
		}
	}
}
