package link

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/packet"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
)

// sink records what arrives at one end.
type sink struct {
	onRecv func(p []byte)
	pool   *packet.Pool
	at     []sim.Time
	ids    []uint64
	data   [][]byte
}

func (s *sink) Receive(now sim.Time, p *packet.Packet) {
	s.at = append(s.at, now)
	s.ids = append(s.ids, p.ID)
	s.data = append(s.data, append([]byte(nil), p.Data...))
	if s.onRecv != nil {
		s.onRecv(p.Data)
	}
	s.pool.Put(p)
}

type rig struct {
	k    *sim.Kernel
	pool *packet.Pool
	bus  *trace.Bus
	l    *Link
	a, b *sink
}

func newRig(seed uint64, cfg Config) *rig {
	r := &rig{k: sim.NewKernel(seed), pool: &packet.Pool{}, bus: &trace.Bus{}}
	r.l = New(r.k, r.pool, r.bus, r.k.Rand("link:test"), "test", cfg)
	r.a, r.b = &sink{pool: r.pool}, &sink{pool: r.pool}
	r.l.Attach(0, End{Node: "a", Iface: "eth0", Recv: r.a})
	r.l.Attach(1, End{Node: "b", Iface: "eth0", Recv: r.b})
	return r
}

func (r *rig) send(side, n int, fill byte) *packet.Packet {
	p := r.pool.Get(n)
	for i := range p.Data {
		p.Data[i] = fill
	}
	r.l.Send(side, p)
	return p
}

func TestSerializationAndPropagation(t *testing.T) {
	// 1000 bytes at 8 Mbps = 1ms on the wire, plus 5ms propagation.
	r := newRig(1, Config{RateBps: 8_000_000, Delay: 5 * time.Millisecond})
	r.send(0, 1000, 1)
	r.send(0, 1000, 2) // waits for the first: arrives 1ms later
	r.send(1, 500, 3)  // the other direction is independent
	r.k.Run()
	want := []sim.Time{sim.Time(6 * time.Millisecond), sim.Time(7 * time.Millisecond)}
	if len(r.b.at) != 2 || r.b.at[0] != want[0] || r.b.at[1] != want[1] {
		t.Fatalf("arrivals at b: %v, want %v", r.b.at, want)
	}
	if len(r.a.at) != 1 || r.a.at[0] != sim.Time(5500*time.Microsecond) {
		t.Fatalf("arrival at a: %v, want 5.5ms", r.a.at)
	}
	if r.b.data[0][0] != 1 || r.b.data[1][0] != 2 {
		t.Fatal("order not preserved")
	}
	if r.pool.Live() != 0 {
		t.Fatalf("%d packets leaked", r.pool.Live())
	}
}

func TestDropTailQueue(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		send      int
		delivered int
	}{
		// One packet in transmission plus 3 waiting.
		{"packets", Config{RateBps: 1e6, QueuePackets: 3}, 10, 4},
		// 2500 bytes of queue hold two 1000-byte packets.
		{"bytes", Config{RateBps: 1e6, QueueBytes: 2500}, 10, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(1, tt.cfg)
			for i := 0; i < tt.send; i++ {
				r.send(0, 1000, byte(i))
			}
			r.k.Run()
			st := r.l.Stats(0)
			if len(r.b.at) != tt.delivered || int(st.DroppedQueue) != tt.send-tt.delivered {
				t.Fatalf("delivered %d dropped %d, want %d and %d", len(r.b.at), st.DroppedQueue, tt.delivered, tt.send-tt.delivered)
			}
			if st.QueueHighPkts != tt.delivered-1 {
				t.Fatalf("queue high-water %d packets, want %d", st.QueueHighPkts, tt.delivered-1)
			}
		})
	}
}

// Send tells the sender whether the link took its packet, and why not.
func TestSendReportsDrops(t *testing.T) {
	r := newRig(1, Config{RateBps: 1e6, QueuePackets: 1, MTU: 576})
	send := func(n int) string { return r.l.Send(0, r.pool.Get(n)) }
	if got := send(100); got != "" { // on the wire at once
		t.Fatalf("first packet: %q, want accepted", got)
	}
	if got := send(100); got != "" { // waits in the queue
		t.Fatalf("second packet: %q, want accepted", got)
	}
	if got := send(100); got != trace.ReasonQueueFull {
		t.Fatalf("third packet: %q, want %q", got, trace.ReasonQueueFull)
	}
	if got := send(577); got != trace.ReasonMTUExceeded {
		t.Fatalf("oversized packet: %q, want %q", got, trace.ReasonMTUExceeded)
	}
	r.l.SetUp(false)
	if got := send(100); got != trace.ReasonLinkDown {
		t.Fatalf("packet on a down link: %q, want %q", got, trace.ReasonLinkDown)
	}
	r.k.Run()
	st := r.l.Stats(0)
	if st.Enqueued != 2 || st.DroppedQueue != 1 || st.DroppedMTU != 1 || st.DroppedDown != 3 || r.l.Stats(0).Dropped() != 5 {
		t.Fatalf("stats %+v", st)
	}
	if r.l.Stats(1) != (Stats{}) {
		t.Fatalf("the other direction counted something: %+v", r.l.Stats(1))
	}
	if r.pool.Live() != 0 {
		t.Fatalf("%d packets leaked", r.pool.Live())
	}
}

func TestMTU(t *testing.T) {
	r := newRig(1, Config{MTU: 576})
	r.send(0, 577, 0)
	r.send(0, 576, 0)
	r.k.Run()
	if len(r.b.at) != 1 || r.l.Stats(0).DroppedMTU != 1 {
		t.Fatalf("delivered %d, mtu drops %d", len(r.b.at), r.l.Stats(0).DroppedMTU)
	}
}

func TestImpairmentRates(t *testing.T) {
	const n = 20000
	tests := []struct {
		name string
		cfg  Config
		// expected fraction of packets affected and the counter
		want float64
		got  func(s Stats) uint64
	}{
		{"loss", Config{Loss: 0.1}, 0.1, func(s Stats) uint64 { return s.DroppedLoss }},
		{"duplicate", Config{Duplicate: 0.05}, 0.05, func(s Stats) uint64 { return s.Duplicated }},
		{"corrupt", Config{Corrupt: 0.02}, 0.02, func(s Stats) uint64 { return s.Corrupted }},
		{"reorder", Config{Reorder: 0.03}, 0.03, func(s Stats) uint64 { return s.Reordered }},
		// Stationary bad-state share is P/(P+R) = 0.2; all packets lost there.
		{"gilbert-elliott", Config{Burst: &GilbertElliott{P: 0.05, R: 0.2, LossBad: 1}}, 0.2, func(s Stats) uint64 { return s.DroppedLoss }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(7, tt.cfg)
			for i := 0; i < n; i++ {
				r.send(0, 100, 0)
				r.k.Run()
			}
			got := float64(tt.got(r.l.Stats(0))) / n
			// Five standard deviations of a binomial proportion (wider for
			// the correlated Gilbert–Elliott channel).
			tol := 5 * math.Sqrt(tt.want*(1-tt.want)/n)
			if tt.cfg.Burst != nil {
				tol *= 3
			}
			if math.Abs(got-tt.want) > tol {
				t.Fatalf("rate %.4f, want %.4f ± %.4f", got, tt.want, tol)
			}
			if r.pool.Live() != 0 {
				t.Fatalf("%d packets leaked", r.pool.Live())
			}
		})
	}
}

func TestBurstLossComesInBursts(t *testing.T) {
	r := newRig(3, Config{Burst: &GilbertElliott{P: 0.01, R: 0.1, LossBad: 1}})
	const n = 20000
	for i := 0; i < n; i++ {
		r.send(0, 60, 0)
		r.k.Run()
	}
	// Mean burst length is 1/R = 10 packets: count runs of lost sequence
	// numbers by the gaps between delivered ones.
	lost := n - len(r.b.at)
	if lost == 0 {
		t.Fatal("no loss")
	}
	bursts := 0
	prev := uint64(0)
	for _, id := range r.b.ids {
		if id != prev+1 {
			bursts++
		}
		prev = id
	}
	mean := float64(lost) / float64(bursts)
	if mean < 5 {
		t.Fatalf("mean burst length %.1f, want about 10", mean)
	}
}

func TestCorruptionFlipsOneBit(t *testing.T) {
	r := newRig(1, Config{Corrupt: 1})
	r.send(0, 64, 0)
	r.k.Run()
	bits := 0
	for _, b := range r.b.data[0] {
		for ; b != 0; b &= b - 1 {
			bits++
		}
	}
	if bits != 1 {
		t.Fatalf("%d bits flipped, want 1", bits)
	}
}

func TestJitterBounds(t *testing.T) {
	r := newRig(1, Config{Delay: 10 * time.Millisecond, Jitter: 2 * time.Millisecond})
	for i := 0; i < 1000; i++ {
		start := r.k.Now()
		r.send(0, 100, 0)
		r.k.Run()
		d := r.b.at[i].Sub(start)
		if d < 10*time.Millisecond || d > 12*time.Millisecond {
			t.Fatalf("delay %v outside [10ms, 12ms]", d)
		}
	}
}

// TestSameInstantOrder: events at one instant run in the order they were
// scheduled, even though the link keeps only its first in-flight packet in
// the kernel's queue.
func TestSameInstantOrder(t *testing.T) {
	r := newRig(1, Config{Delay: time.Millisecond})
	var order []string
	r.b.onRecv = func(p []byte) { order = append(order, fmt.Sprintf("pkt%d", p[0])) }
	r.send(0, 20, 1)
	r.send(0, 20, 2)
	r.k.Schedule(sim.Time(500*time.Microsecond), sim.HandlerFunc(func(sim.Time, uint64) {
		r.k.Schedule(sim.Time(time.Millisecond), sim.HandlerFunc(func(sim.Time, uint64) { order = append(order, "timer") }), 0)
	}), 0)
	r.k.Run()
	if got := strings.Join(order, " "); got != "pkt1 pkt2 timer" {
		t.Fatalf("order %s, want pkt1 pkt2 timer", got)
	}
}

func TestJitterKeepsOrder(t *testing.T) {
	r := newRig(1, Config{RateBps: 1e9, Delay: time.Millisecond, Jitter: 5 * time.Millisecond})
	for i := 0; i < 200; i++ {
		r.send(0, 100, byte(i))
	}
	r.k.Run()
	spread := r.b.at[len(r.b.at)-1] - r.b.at[0]
	for i := range r.b.data {
		if r.b.data[i][0] != byte(i) {
			t.Fatalf("packet %d arrived in position %d", r.b.data[i][0], i)
		}
	}
	if spread <= 0 {
		t.Fatal("jitter had no effect")
	}
}

func TestLinkDownDropsQueuedAndInFlight(t *testing.T) {
	r := newRig(1, Config{RateBps: 8_000_000, Delay: 10 * time.Millisecond})
	var states []string
	r.l.Watch(func(now sim.Time, up bool) {
		if up {
			states = append(states, "up")
		} else {
			states = append(states, "down")
		}
	})
	for i := 0; i < 5; i++ {
		r.send(0, 1000, byte(i)) // 1ms each on the wire
	}
	r.k.RunUntil(sim.Time(2500 * time.Microsecond)) // two fully sent, one being serialized
	r.l.SetUp(false)
	r.send(0, 100, 9) // refused while down
	r.k.RunUntil(sim.Time(50 * time.Millisecond))
	r.l.SetUp(true)
	r.send(0, 100, 10)
	r.k.Run()
	if len(r.b.at) != 1 || r.b.data[0][0] != 10 {
		t.Fatalf("delivered %d packets, want only the one sent after recovery", len(r.b.at))
	}
	if got := r.l.Stats(0).DroppedDown; got != 6 {
		t.Fatalf("link-down drops %d, want 6", got)
	}
	if len(states) != 2 || states[0] != "down" || states[1] != "up" {
		t.Fatalf("watch saw %v", states)
	}
	if r.pool.Live() != 0 {
		t.Fatalf("%d packets leaked", r.pool.Live())
	}
}

// A flap while packets are on the wire: they are lost, and a packet sent
// after the link is back arrives on time, untouched by leftover events.
func TestFlapWithPacketsInFlight(t *testing.T) {
	r := newRig(1, Config{RateBps: 8_000_000, Delay: 10 * time.Millisecond}) // 1000 bytes = 1ms
	for i := 0; i < 3; i++ {
		r.send(0, 1000, byte(i))
	}
	r.k.RunUntil(sim.Time(500 * time.Microsecond))
	r.l.SetUp(false)
	r.k.RunUntil(sim.Time(600 * time.Microsecond))
	r.l.SetUp(true)
	r.send(0, 1000, 7)
	r.k.Run()
	want := sim.Time(600*time.Microsecond + time.Millisecond + 10*time.Millisecond)
	if len(r.b.at) != 1 || r.b.data[0][0] != 7 || r.b.at[0] != want {
		t.Fatalf("arrivals %v (first byte %v), want one at %v", r.b.at, r.b.data, want)
	}
	if got := r.l.Stats(0).DroppedDown; got != 3 {
		t.Fatalf("link-down drops %d, want 3", got)
	}
	if r.pool.Live() != 0 {
		t.Fatalf("%d packets leaked", r.pool.Live())
	}
}

// After a flap, a packet queued behind a new transmission starts as soon
// as the wire is free, not when a wake-up left from before the flap fires.
func TestFlapDoesNotDelayTheQueue(t *testing.T) {
	r := newRig(1, Config{RateBps: 8_000_000, Delay: 10 * time.Millisecond}) // 100 B = 100µs
	r.send(0, 1000, 1)                                                       // on the wire 0–1ms
	r.send(0, 1000, 2)                                                       // 1–2ms
	r.send(0, 1000, 5)                                                       // queued behind it: a wake-up is due at 2ms
	r.k.RunUntil(sim.Time(1100 * time.Microsecond))
	r.l.SetUp(false)
	r.l.SetUp(true)
	r.send(0, 100, 3) // on the wire 1.1–1.2ms
	r.send(0, 100, 4) // queued: on the wire 1.2–1.3ms
	r.k.Run()
	want := sim.Time(1300*time.Microsecond + 10*time.Millisecond)
	if n := len(r.b.at); n < 1 || r.b.data[n-1][0] != 4 || r.b.at[n-1] != want {
		t.Fatalf("arrivals %v, want the last (4) at %v", r.b.at, want)
	}
}

func TestFlapDropsReorderedPacketsAtOnce(t *testing.T) {
	r := newRig(1, Config{Delay: time.Millisecond, Reorder: 1, ReorderDelay: 5 * time.Millisecond})
	var dropped []sim.Time
	r.bus.Subscribe(trace.ObserverFunc(func(e *trace.Event) {
		if e.Kind == trace.Drop {
			dropped = append(dropped, e.At)
		}
	}))
	r.send(0, 100, 1)
	r.k.RunUntil(sim.Time(2 * time.Millisecond))
	r.l.SetUp(false)
	r.l.SetUp(true)
	r.send(0, 100, 2)
	r.k.Run()
	if len(dropped) != 1 || dropped[0] != sim.Time(2*time.Millisecond) {
		t.Fatalf("drops at %v, want one at 2ms", dropped)
	}
	if len(r.b.at) != 1 || r.b.data[0][0] != 2 {
		t.Fatalf("delivered %v", r.b.data)
	}
	if r.pool.Live() != 0 {
		t.Fatalf("%d packets leaked", r.pool.Live())
	}
}

func TestSameSeedSameRun(t *testing.T) {
	run := func(seed uint64) []sim.Time {
		r := newRig(seed, Config{RateBps: 1e7, Delay: time.Millisecond, Loss: 0.1, Jitter: time.Millisecond, Duplicate: 0.1, Reorder: 0.1})
		for i := 0; i < 500; i++ {
			r.send(0, 200, 0)
		}
		r.k.Run()
		return r.b.at
	}
	a, b, c := run(5), run(5), run(6)
	if len(a) != len(b) {
		t.Fatal("same seed, different deliveries")
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed, different times")
		}
	}
	same := len(a) == len(c)
	for i := 0; same && i < len(a); i++ {
		same = a[i] == c[i]
	}
	if same {
		t.Fatal("different seeds gave identical runs")
	}
}

func TestTraceEvents(t *testing.T) {
	r := newRig(1, Config{RateBps: 1e6, QueuePackets: 1})
	var kinds []string
	r.bus.Subscribe(trace.ObserverFunc(func(e *trace.Event) {
		kinds = append(kinds, e.Kind.String()+":"+e.Reason)
	}))
	r.send(0, 100, 0)
	r.send(0, 100, 0)
	r.send(0, 100, 0) // queue of 1 is full
	r.k.Run()
	want := "enqueue: transmit: enqueue: drop:queue-full transmit:"
	got := ""
	for i, k := range kinds {
		if i > 0 {
			got += " "
		}
		got += k
	}
	if got != want {
		t.Fatalf("events %q, want %q", got, want)
	}
}

type nullRecv struct{ pool *packet.Pool }

func (n nullRecv) Receive(now sim.Time, p *packet.Packet) { n.pool.Put(p) }

// BenchmarkLinkPacket measures one packet through a link with serialization
// and propagation delay: enqueue, transmit, arrive.
func BenchmarkLinkPacket(b *testing.B) {
	k := sim.NewKernel(1)
	pool := &packet.Pool{}
	l := New(k, pool, &trace.Bus{}, k.Rand("l"), "bench", Config{RateBps: 1e9, Delay: time.Millisecond})
	l.Attach(0, End{Recv: nullRecv{pool}})
	l.Attach(1, End{Recv: nullRecv{pool}})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		l.Send(0, pool.Get(1000))
		if i%64 == 63 {
			k.Run()
		}
	}
	k.Run()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}
