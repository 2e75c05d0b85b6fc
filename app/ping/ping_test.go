package ping_test

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/ping"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/world"
)

const line = `
nodes: [{name: a, role: laptop}, {name: r, role: router}, {name: b, role: server}]
links:
  - {a: a 10.0.0.1/30, b: r 10.0.0.2/30, rate: 10Mbps, delay: 5ms}
  - {a: r 10.0.1.1/30, b: b 10.0.1.2/30, rate: 10Mbps, delay: 5ms%s}
`

func run(t *testing.T, extra string, cfg ping.Config) (*ping.Result, string) {
	t.Helper()
	w, err := world.FromYAML("t.yaml", []byte(strings.Replace(line, "%s", extra, 1)), 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var res *ping.Result
	ping.Start(w.Node("a"), "b", w.Node("b").Addr(), cfg, func(r *ping.Result) { res = r })
	w.Kernel.Run()
	if res == nil {
		t.Fatal("ping never finished")
	}
	var out bytes.Buffer
	res.Write(&out)
	return res, out.String()
}

// runWith runs ping with a Handler (a Printer), which prints as it goes,
// and returns the result.
func runWith(t *testing.T, extra string, cfg ping.Config, pr *ping.Printer) *ping.Result {
	t.Helper()
	w, err := world.FromYAML("t.yaml", []byte(strings.Replace(line, "%s", extra, 1)), 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var res *ping.Result
	cfg.Handler = pr
	ping.Start(w.Node("a"), "b", w.Node("b").Addr(), cfg, func(r *ping.Result) { res = r; pr.Summary(r) })
	w.Kernel.Run()
	if res == nil {
		t.Fatal("ping never finished")
	}
	if h := w.Node("a").Open(); h.ICMPListeners != 0 {
		t.Fatalf("ping left %d ICMP listeners open", h.ICMPListeners)
	}
	return res
}

func TestRepliesAndRTT(t *testing.T) {
	res, out := run(t, "", ping.Config{Count: 3, Size: ping.DefaultSize})
	if res.Received != 3 || res.Loss != 0 {
		t.Fatalf("%+v", res)
	}
	// 2 × (5ms + 5ms) propagation + 4 × 84 bytes at 10 Mbps (67.2µs each).
	want := 20*time.Millisecond + 4*67200*time.Nanosecond
	if res.Min != want || res.Max != want {
		t.Fatalf("rtt %v..%v, want %v", res.Min, res.Max, want)
	}
	for _, s := range []string{"64 bytes from 10.0.1.2: icmp_seq=1 ttl=63 time=20.3 ms", "3 packets transmitted, 3 received, 0% packet loss, time 2000ms", "rtt min/avg/max/mdev = 20.269/20.269/20.269/0.000 ms"} {
		if !strings.Contains(out, s) {
			t.Errorf("missing %q in\n%s", s, out)
		}
	}
}

func TestTTLExceeded(t *testing.T) {
	res, out := run(t, "", ping.Config{Count: 2, TTL: 1, Size: ping.DefaultSize})
	if res.Received != 0 || res.Errors != 2 {
		t.Fatalf("%+v", res)
	}
	if !strings.Contains(out, "From 10.0.0.2 icmp_seq=1 Time to live exceeded") ||
		!strings.Contains(out, "2 packets transmitted, 0 received, +2 errors, 100% packet loss") {
		t.Fatalf("output:\n%s", out)
	}
}

func TestDuplicates(t *testing.T) {
	res, out := run(t, ", duplicate: 100%", ping.Config{Count: 2, Size: ping.DefaultSize})
	// Both directions of the second link duplicate every packet: request
	// 1 arrives twice and each reply twice, so 3 of 4 replies are
	// duplicates; ping ends at the second reply to request 2, as with -c.
	if res.Received != 2 || res.Duplicates != 3 || !strings.Contains(out, "icmp_seq=1 ttl=63 time=20.3 ms (DUP!)") || !strings.Contains(out, "+3 duplicates") {
		t.Fatalf("%+v\n%s", res, out)
	}
}

// Path-MTU discovery as iputils ping drives it (ping -M): with "do" the
// router's fragmentation needed comes back once, then the node refuses
// locally with the learned MTU; with "want" (the default) the first
// request carries DF and bounces, the rest are fragmented locally and
// answered; with "dont" nothing carries DF and the router fragments.
func TestPathMTUModes(t *testing.T) {
	tests := []struct {
		mode                node.PMTUDisc
		received, errs      int
		want, stderr, never string
	}{
		{node.PMTUDo, 0, 3, "From 10.0.0.2 icmp_seq=1 Frag needed and DF set (mtu = 576)", "ping: local error: message too long, mtu=576", "icmp_seq=2 Frag"},
		{node.PMTUWant, 2, 1, "From 10.0.0.2 icmp_seq=1 Frag needed and DF set (mtu = 576)", "", "local error"},
		{node.PMTUDont, 3, 0, "1008 bytes from 10.0.1.2: icmp_seq=1", "", "Frag needed"},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			var out, errw strings.Builder
			res := runWith(t, ", mtu: 576", ping.Config{Count: 3, Size: 1000, PMTU: tt.mode}, &ping.Printer{Out: &out, Err: &errw})
			all := out.String() + errw.String()
			if res.Received != tt.received || res.Errors != tt.errs || !strings.Contains(out.String(), tt.want) ||
				!strings.Contains(errw.String(), tt.stderr) || strings.Contains(all, tt.never) {
				t.Fatalf("%+v\nstdout:\n%s\nstderr:\n%s", res, out.String(), errw.String())
			}
		})
	}
}

func TestTotalLoss(t *testing.T) {
	res, out := run(t, ", loss: 100%", ping.Config{Count: 3, Size: ping.DefaultSize, Timeout: time.Second})
	if res.Received != 0 || res.Loss != 1 || strings.Contains(out, "rtt") {
		t.Fatalf("%+v\n%s", res, out)
	}
}

func TestOutputLikeIputils(t *testing.T) {
	// Loss is a C float printed with %g; small requests carry no
	// timestamp, so no times are printed.
	res, out := run(t, ", loss: 40%", ping.Config{Count: 3, Size: 8, Timeout: time.Second})
	if res.Received != 1 || !strings.Contains(out, "3 packets transmitted, 1 received, 66.6667% packet loss") {
		t.Fatalf("%+v\n%s", res, out)
	}
	if strings.Contains(out, "time=") || strings.Contains(out, "rtt") || !strings.Contains(out, "16 bytes from 10.0.1.2: icmp_seq=1 ttl=63\n") {
		t.Fatalf("times printed for 8-byte requests:\n%s", out)
	}
}

func TestRTTFormat(t *testing.T) {
	for us, want := range map[int64]string{
		123: "0.123", 1234: "1.23", 9994: "9.99", 9995: "10.0", 12345: "12.3",
		99949: "99.9", 99950: "100", 123456: "123",
	} {
		if got := ping.FormatRTT(time.Duration(us) * time.Microsecond); got != want {
			t.Errorf("%dµs: %q, want %q", us, got, want)
		}
	}
}

// counter is a Handler that keeps nothing but counts.
type counter struct {
	replies, errors int
	last            ping.Reply
	onReply         func(ping.Reply)
}

func (c *counter) Start(*ping.Result) {}
func (c *counter) Reply(r ping.Reply) {
	c.replies++
	c.last = r
	if c.onReply != nil {
		c.onReply(r)
	}
}
func (c *counter) ICMPError(ping.ICMPError) { c.errors++ }
func (c *counter) SendError(ping.SendError) { c.errors++ }

func newLine(t *testing.T, extra string, seed uint64) *world.World {
	t.Helper()
	w, err := world.FromYAML("t.yaml", []byte(strings.Replace(line, "%s", extra, 1)), seed, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// After its last request ping waits twice the longest round trip seen
// (iputils' __schedule_exit), not the whole -W, when replies have come:
// here the last reply is lost and the run must end 2×max RTT after the
// last request, and "time" counts to the last request only.
func TestLingerIsTwiceMaxRTTAfterReplies(t *testing.T) {
	const count = 10
	interval := 10 * time.Millisecond
	for seed := uint64(1); seed < 200; seed++ {
		w := newLine(t, ", loss: 20%", seed)
		h := &counter{}
		var res *ping.Result
		var end time.Duration
		ping.Start(w.Node("a"), "b", w.Node("b").Addr(), ping.Config{Count: count, Size: ping.DefaultSize, Interval: interval, Handler: h}, func(r *ping.Result) {
			res, end = r, w.Kernel.Now().Duration()
		})
		w.Kernel.Run()
		if res == nil {
			t.Fatal("ping never finished")
		}
		if res.Received == 0 || h.last.Seq == count {
			continue // this seed answered the last request or nothing: try the next
		}
		lastSend := time.Duration(count-1) * interval
		if want := lastSend + 2*res.Max; end != want {
			t.Fatalf("seed %d: run ended at %v, want the last request (%v) + 2×max RTT (%v) = %v", seed, end, lastSend, res.Max, want)
		}
		if res.Elapsed != lastSend {
			t.Fatalf("seed %d: time %v, want %v (first to last request)", seed, res.Elapsed, lastSend)
		}
		return
	}
	t.Fatal("no seed lost the last reply")
}

// With no reply at all, ping waits the linger time -W.
func TestLingerIsTimeoutWithoutReplies(t *testing.T) {
	w := newLine(t, ", loss: 100%", 1)
	var end time.Duration
	ping.Start(w.Node("a"), "b", w.Node("b").Addr(), ping.Config{Count: 2, Size: ping.DefaultSize, Timeout: 3 * time.Second}, func(r *ping.Result) {
		end = w.Kernel.Now().Duration()
	})
	w.Kernel.Run()
	if want := time.Second + 3*time.Second; end != want {
		t.Fatalf("ended at %v, want %v", end, want)
	}
}

// Stop ends a run like Ctrl-C: statistics over what was sent so far.
func TestStop(t *testing.T) {
	w := newLine(t, "", 1)
	var res *ping.Result
	p := ping.Start(w.Node("a"), "b", w.Node("b").Addr(), ping.Config{Count: 100, Size: ping.DefaultSize, Handler: &counter{}}, func(r *ping.Result) { res = r })
	w.Kernel.RunUntil(sim.Time(5500 * time.Millisecond))
	p.Stop()
	if res == nil || !res.Interrupted || res.Transmitted != 6 || res.Received != 6 || res.Elapsed != 5*time.Second {
		t.Fatalf("%+v", res)
	}
	var out bytes.Buffer
	res.WriteSummary(&out)
	if !strings.Contains(out.String(), "6 packets transmitted, 6 received, 0% packet loss, time 5000ms") {
		t.Fatal(out.String())
	}
	p.Stop() // a second Stop does nothing
}

// Lines reach the Handler when the simulation reaches them, and with a
// Handler nothing is kept: memory stays flat over 200,000 requests (the
// old Pinger kept every reply and two maps keyed by sequence number,
// tens of MiB here).
func TestHandlerRunsInConstantMemory(t *testing.T) {
	const count = 200000
	w := newLine(t, "", 1)
	var base, peak runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	h := &counter{}
	h.onReply = func(r ping.Reply) {
		if now := w.Kernel.Now(); r.At != now {
			t.Fatalf("reply at %v handed over at %v", r.At, now)
		}
		if h.replies%20000 == 0 {
			var m runtime.MemStats
			runtime.GC() // count what the run holds on to, not garbage
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.HeapAlloc {
				peak = m
			}
		}
	}
	var res *ping.Result
	ping.Start(w.Node("a"), "b", w.Node("b").Addr(), ping.Config{Count: count, Size: ping.DefaultSize, Interval: time.Millisecond, Handler: h}, func(r *ping.Result) { res = r })
	w.Kernel.Run()
	if res == nil || res.Received != count || h.replies != count || len(res.Replies) != 0 {
		t.Fatalf("received %d, handled %d, kept %d", res.Received, h.replies, len(res.Replies))
	}
	growth := int64(peak.HeapAlloc) - int64(base.HeapAlloc)
	t.Logf("live heap grew by %.2f MiB over %d requests", float64(growth)/(1<<20), count)
	if growth > 2<<20 {
		t.Fatalf("live heap grew by %.1f MiB over %d requests; want < 2 MiB", float64(growth)/(1<<20), count)
	}
}

// Sequence numbers wrap at 65536; replies still match and none is taken
// for a duplicate.
func TestSequenceWrap(t *testing.T) {
	w := newLine(t, "", 1)
	h := &counter{}
	var res *ping.Result
	ping.Start(w.Node("a"), "b", w.Node("b").Addr(), ping.Config{Count: 70000, Size: 0, Interval: time.Millisecond, Handler: h}, func(r *ping.Result) { res = r })
	w.Kernel.Run()
	if res.Received != 70000 || res.Duplicates != 0 || h.last.Seq != 70000 {
		t.Fatalf("%+v, last seq %d", res, h.last.Seq)
	}
}
