package udpstream_test

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/udpstream"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/world"
)

// line is a → r → b with constant delays; extra is appended to the second
// link's settings.
const line = `
nodes: [{name: a, role: laptop}, {name: r, role: router}, {name: b, role: server}]
links:
  - {a: a 10.0.0.1/30, b: r 10.0.0.2/30, rate: 1Gbps, delay: 5ms}
  - {a: r 10.0.1.1/30, b: b 10.0.1.2/30, rate: 1Gbps, delay: 5ms%s}
`

// recorder keeps the intervals.
type recorder struct {
	started   bool
	intervals []udpstream.Interval
}

func (r *recorder) Start(*udpstream.Result)       { r.started = true }
func (r *recorder) Interval(i udpstream.Interval) { r.intervals = append(r.intervals, i) }
func (r *recorder) total() (n int64, bytes int64) { return sumIntervals(r.intervals) }
func sumIntervals(iv []udpstream.Interval) (int64, int64) {
	var n, b int64
	for _, i := range iv {
		n += i.Datagrams
		b += i.Bytes
	}
	return n, b
}

func build(t testing.TB, extra string, seed uint64) *world.World {
	t.Helper()
	w, err := world.FromYAML("t.yaml", []byte(strings.Replace(line, "%s", extra, 1)), seed, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func run(t *testing.T, extra string, seed uint64, cfg udpstream.Config, listen bool) (*udpstream.Result, *recorder, *world.World) {
	t.Helper()
	w := build(t, extra, seed)
	rec := &recorder{}
	cfg.Handler = rec
	var rcv *node.Node
	if listen {
		rcv = w.Node("b")
	}
	var res *udpstream.Result
	if _, err := udpstream.Start(w.Node("a"), "b", w.Node("b").Addr(), rcv, cfg, func(r *udpstream.Result) { res = r }); err != nil {
		t.Fatal(err)
	}
	w.Kernel.Run()
	if res == nil {
		t.Fatal("the stream never finished")
	}
	for _, n := range []string{"a", "b"} {
		if h := w.Node(n).Open(); h.UDPSockets != 0 {
			t.Fatalf("%s: %d UDP sockets left open", n, h.UDPSockets)
		}
	}
	return res, rec, w
}

func TestLosslessInOrderNoJitter(t *testing.T) {
	res, rec, _ := run(t, "", 1, udpstream.Config{Rate: 10e6, Length: 1000, Duration: 3 * time.Second}, true)
	rv := res.Receiver
	// 10 Mbit/s of 1000-byte datagrams: one every 800µs, 1250 a second.
	if res.Sender.Datagrams != 3750 || rv.Datagrams != 3750 || rv.Lost != 0 || rv.OutOfOrder != 0 ||
		rv.Duplicates != 0 || rv.Corrupt != 0 || rv.Jitter != 0 {
		t.Fatalf("sender %+v receiver %+v", res.Sender, rv)
	}
	if res.Sender.Bytes != 3750*1000 || rv.Bytes != res.Sender.Bytes || res.Sender.BitsPerSecond != 10e6 {
		t.Fatalf("sender %+v receiver %+v", res.Sender, rv)
	}
	// Transit: 2 × (5ms + 1000+28 bytes at 1 Gbit/s). The last datagram
	// leaves at 3s - 800µs.
	transit := 2 * (5*time.Millisecond + 8224*time.Nanosecond)
	if want := 3*time.Second - 800*time.Microsecond + transit; rv.Elapsed != want {
		t.Fatalf("receiver elapsed %v, want %v", rv.Elapsed, want)
	}
	// Intervals: 0-1, 1-2, 2-3 and the tail 3.00-3.01.
	if len(rec.intervals) != 4 {
		t.Fatalf("%d intervals: %+v", len(rec.intervals), rec.intervals)
	}
	if n, b := rec.total(); n != 3750 || b != 3750*1000 {
		t.Fatalf("intervals add up to %d datagrams, %d bytes", n, b)
	}
	for _, iv := range rec.intervals {
		if iv.Lost != 0 || iv.Jitter != 0 || iv.Total != iv.Datagrams {
			t.Fatalf("interval %+v", iv)
		}
	}
	// The first interval misses the datagrams still in flight at 1s.
	if got := rec.intervals[0].Datagrams; got != 1238 {
		t.Fatalf("first interval: %d datagrams, want 1238 (sent by 1s - 10.016ms)", got)
	}
}

// TestRatePacingExact: the number of datagrams in a second is exact,
// rounded up where a slot starts before the end.
func TestRatePacingExact(t *testing.T) {
	for _, c := range []struct {
		rate   int64
		length int
		want   int64
	}{
		{90e6, 1460, 7706}, // 129.78µs apart: slots 0 … 7705 start before 1s
		{1e6, 1250, 100},   // 10ms apart exactly: 0 … 990ms
		{100e6, 1000, 12500},
		{1e6, 1460, 86}, // 11.68ms apart: 85 × 11.68 = 992.8ms
	} {
		if got := udpstream.Planned(time.Second, c.rate, c.length); got != uint64(c.want) {
			t.Errorf("Planned(1s, %d, %d) = %d, want %d", c.rate, c.length, got, c.want)
		}
		res, _, _ := run(t, "", 1, udpstream.Config{Rate: c.rate, Length: c.length, Duration: time.Second}, true)
		if res.Sender.Datagrams != c.want || res.Receiver.Datagrams != c.want {
			t.Errorf("rate %d length %d: sent %d, received %d, want %d", c.rate, c.length, res.Sender.Datagrams, res.Receiver.Datagrams, c.want)
		}
	}
}

func TestBytesMode(t *testing.T) {
	res, _, _ := run(t, "", 1, udpstream.Config{Rate: 8e6, Length: 1000, Bytes: 100_500}, true)
	// 101 datagrams (rounded up), 1ms apart: the sender's time runs to
	// the slot after the last, 101ms.
	if res.Sender.Datagrams != 101 || res.Sender.Elapsed != 101*time.Millisecond || res.Sender.BitsPerSecond != 8e6 {
		t.Fatalf("sender %+v", res.Sender)
	}
}

func TestLossBandAndReproducible(t *testing.T) {
	cfg := udpstream.Config{Rate: 10e6, Length: 1000, Duration: 4 * time.Second}
	res, _, _ := run(t, ", loss: 5%", 7, cfg, true)
	rv := res.Receiver
	// 5000 datagrams, 5% loss: the mean is 250 and the standard deviation
	// 15.4; 5 sigma either way.
	if rv.Lost < 173 || rv.Lost > 327 || rv.Lost+rv.Datagrams != 5000 || rv.Corrupt != 0 {
		t.Fatalf("receiver %+v", rv)
	}
	again, _, _ := run(t, ", loss: 5%", 7, cfg, true)
	if *again != *res {
		t.Fatalf("same seed, different results:\n%+v\n%+v", again, res)
	}
	other, _, _ := run(t, ", loss: 5%", 8, cfg, true)
	if other.Receiver.Lost == rv.Lost {
		t.Errorf("seeds 7 and 8 lost the same number (%d): the seed does not reach the loss stream", rv.Lost)
	}
}

func TestReorderCounted(t *testing.T) {
	res, rec, _ := run(t, ", reorder: 10%, reorder-delay: 3ms", 1, udpstream.Config{Rate: 10e6, Length: 1000, Duration: 2 * time.Second}, true)
	rv := res.Receiver
	if rv.OutOfOrder < 150 || rv.Lost != 0 || rv.Datagrams != 2500 {
		t.Fatalf("receiver %+v", rv)
	}
	var ooo, lost int64
	for _, iv := range rec.intervals {
		ooo += iv.OutOfOrder
		lost += iv.Lost
	}
	if ooo != rv.OutOfOrder || lost != 0 {
		t.Fatalf("intervals: %d out of order, %d lost; summary %d", ooo, lost, rv.OutOfOrder)
	}
	if rv.Jitter == 0 {
		t.Fatal("reordering held datagrams back, yet the jitter is 0")
	}
}

func TestDuplicatesNotCountedTwice(t *testing.T) {
	res, _, _ := run(t, ", duplicate: 10%", 1, udpstream.Config{Rate: 10e6, Length: 1000, Duration: time.Second}, true)
	rv := res.Receiver
	if rv.Duplicates < 80 || rv.Datagrams != 1250 || rv.Lost != 0 || rv.OutOfOrder != 0 || rv.Bytes != 1250*1000 {
		t.Fatalf("receiver %+v", rv)
	}
}

// TestCorruptionDroppedByChecksum: corrupted datagrams fail the UDP
// checksum, so none reaches the receiver as corrupt; they are lost.
func TestCorruptionDroppedByChecksum(t *testing.T) {
	res, _, _ := run(t, ", corrupt: 5%", 3, udpstream.Config{Rate: 10e6, Length: 1000, Duration: time.Second}, true)
	rv := res.Receiver
	if rv.Corrupt != 0 || rv.Lost < 20 || rv.Lost+rv.Datagrams != 1250 {
		t.Fatalf("receiver %+v", rv)
	}
}

func TestJitterFromLinkJitter(t *testing.T) {
	res, _, _ := run(t, ", jitter: 1ms", 1, udpstream.Config{Rate: 1e6, Length: 1000, Duration: 2 * time.Second}, true)
	// Uniform extra delay in [0, 1ms]: the mean |D| of two draws is
	// 1/3 ms.
	j := res.Receiver.Jitter
	if j < 200*time.Microsecond || j > 500*time.Microsecond {
		t.Fatalf("jitter %v, want about 333µs", j)
	}
}

func TestRefused(t *testing.T) {
	res, _, _ := run(t, "", 1, udpstream.Config{Rate: 1e6, Length: 1000, Duration: 10 * time.Second}, false)
	if !errors.Is(res.Err, node.ErrConnRefused) || res.ErrFrom.String() != "10.0.1.2" || res.Error != "connection refused" {
		t.Fatalf("err %v from %v", res.Err, res.ErrFrom)
	}
	// The port unreachable comes back after one round trip (about
	// 20ms): the sender stops then, having sent three 8ms-apart datagrams.
	if res.Sender.Datagrams != 3 || res.Receiver.Datagrams != 0 {
		t.Fatalf("sender %+v receiver %+v", res.Sender, res.Receiver)
	}
}

func TestStop(t *testing.T) {
	w := build(t, "", 1)
	var res *udpstream.Result
	st, err := udpstream.Start(w.Node("a"), "b", w.Node("b").Addr(), w.Node("b"), udpstream.Config{Rate: 1e6, Length: 1000}, func(r *udpstream.Result) { res = r })
	if err != nil {
		t.Fatal(err)
	}
	w.Kernel.RunUntil(sim.Time(2500 * time.Millisecond))
	st.Stop()
	st.Stop()
	if res == nil || !res.Interrupted || res.Sender.Datagrams != 313 || res.Sender.Elapsed != 2500*time.Millisecond {
		t.Fatalf("%+v", res)
	}
	w.Kernel.Run()
	if w.Node("a").Open().UDPSockets+w.Node("b").Open().UDPSockets != 0 {
		t.Fatal("sockets left open after Stop")
	}
}

func TestPrinter(t *testing.T) {
	w := build(t, "", 1)
	var out bytes.Buffer
	p := &udpstream.Printer{Out: &out}
	cfg := udpstream.Config{Rate: 90e6, Length: 1460, Duration: 2 * time.Second, Handler: p}
	if _, err := udpstream.Start(w.Node("a"), "b", w.Node("b").Addr(), w.Node("b"), cfg, p.Summary); err != nil {
		t.Fatal(err)
	}
	w.Kernel.Run()
	got := out.String()
	for _, want := range []string{
		"Connecting to host b, port 5201\n",
		"[  5] local 10.0.0.1 port ",
		"[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total Datagrams\n",
		"[  5]   1.00-2.00   sec  10.7 MBytes  90.0 Mbits/sec  0.000 ms  0/7705 (0%)\n",
		"[  5]   0.00-2.00   sec  21.5 MBytes  90.0 Mbits/sec  0.000 ms  0/15411 (0%)  sender\n",
		"[  5]   0.00-2.01   sec  21.5 MBytes  89.6 Mbits/sec  0.000 ms  0/15411 (0%)  receiver\n",
		"[  5] 15411 datagrams delivered, every payload checked against what was sent: 0 corrupt, 0 duplicates\n",
		"\niperf Done.\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestUnits(t *testing.T) {
	for _, c := range []struct {
		v     float64
		bytes bool
		want  string
	}{
		{0, true, "0.00 Byte"},
		{1000, true, "1000 Byte"},
		{11_250_000, true, "10.7 MByte"},
		{112_500_000, true, " 107 MByte"},
		{90e6, false, "90.0 Mbit"},
		{1.05e6, false, "1.05 Mbit"},
		{999, false, " 999 bit"},
	} {
		if got := udpstream.Units(c.v, c.bytes); got != c.want {
			t.Errorf("Units(%v, %v) = %q, want %q", c.v, c.bytes, got, c.want)
		}
	}
}

// BenchmarkDatagram measures one datagram of a stream end to end: paced
// by the sender's timer, filled, sent across a router, checked and
// counted by the receiver. It allocates nothing.
func BenchmarkDatagram(b *testing.B) {
	w := build(b, "", 1)
	st, err := udpstream.Start(w.Node("a"), "b", w.Node("b").Addr(), w.Node("b"),
		udpstream.Config{Rate: 500e6, Length: 1460, Duration: time.Hour, Handler: &recorder{}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	k := w.Kernel
	res := st.Result()
	step := func(n int64) {
		// Receiver.Datagrams is filled in at the end; count sends.
		for target := res.Sender.Datagrams + n; res.Sender.Datagrams < target; {
			k.Step()
		}
	}
	step(10000) // warm up: pools, heap, queues
	b.ReportAllocs()
	b.ResetTimer()
	step(int64(b.N))
	b.StopTimer()
	st.Stop()
	if res.Receiver.Corrupt != 0 {
		b.Fatal("corrupt deliveries")
	}
}

// TestForeignDatagramsCountedCorrupt: datagrams to the receiver's port
// that are not the stream's as sent (too short, wrong length, a sequence
// number not yet sent, a changed byte) are counted corrupt and change no
// other count.
func TestForeignDatagramsCountedCorrupt(t *testing.T) {
	w := build(t, "", 1)
	var res *udpstream.Result
	if _, err := udpstream.Start(w.Node("a"), "b", w.Node("b").Addr(), w.Node("b"),
		udpstream.Config{Rate: 1e6, Length: 100, Duration: time.Second}, func(r *udpstream.Result) { res = r }); err != nil {
		t.Fatal(err)
	}
	c, err := w.Node("r").DialUDP(netipPort(w, "b", udpstream.DefaultPort), nil)
	if err != nil {
		t.Fatal(err)
	}
	w.Kernel.RunUntil(sim.Time(100 * time.Millisecond))
	seq := func(n byte) []byte { p := make([]byte, 100); p[15] = n; return p }
	for _, p := range [][]byte{nil, make([]byte, 19), make([]byte, 100), make([]byte, 101), seq(1), seq(200)} {
		if _, err := c.Send(p); err != nil {
			t.Fatal(err)
		}
	}
	w.Kernel.Run()
	if rv := res.Receiver; rv.Corrupt != 6 || rv.Datagrams != 1250 || rv.Lost != 0 || rv.Duplicates != 0 || rv.OutOfOrder != 0 {
		t.Fatalf("receiver %+v", rv)
	}
}

func netipPort(w *world.World, name string, port uint16) netip.AddrPort {
	return netip.AddrPortFrom(w.Node(name).Addr(), port)
}
