package tcp

import (
	"testing"

	"github.com/hopsnet/hops/sim"
)

// memPair is two established Conns wired back to back in memory: what
// one sends, the other handles at once. It allocates nothing per
// segment: segment slices are reused and payloads alias the sender's
// buffer until the receiver copies them.
type memPair struct {
	a, b       *Conn
	outA, outB []Segment
	now        sim.Time
	segments   uint64
}

func newMemPair(cfgA, cfgB Config) *memPair {
	p := &memPair{outA: make([]Segment, 0, 512), outB: make([]Segment, 0, 512)}
	p.a = Dial(cfgA, 0)
	p.outA = p.a.AppendOutput(p.outA[:0], 0)
	p.b = Accept(cfgB, 0, &p.outA[0])
	p.exchange()
	return p
}

// exchange passes segments back and forth until both sides are quiet,
// at most rounds times.
func (p *memPair) exchange() {
	for range 64 {
		p.outA = p.a.AppendOutput(p.outA[:0], p.now)
		for i := range p.outA {
			p.b.Handle(p.now, &p.outA[i])
		}
		p.outB = p.b.AppendOutput(p.outB[:0], p.now)
		for i := range p.outB {
			p.a.Handle(p.now, &p.outB[i])
		}
		p.segments += uint64(len(p.outA) + len(p.outB))
		if len(p.outA) == 0 && len(p.outB) == 0 {
			return
		}
	}
}

// tick moves time on by dt and fires due timers.
func (p *memPair) tick(dt sim.Time) {
	p.now += dt
	for _, c := range [2]*Conn{p.a, p.b} {
		if d, ok := c.NextDeadline(); ok && d <= p.now {
			c.Advance(p.now)
		}
	}
}

// BenchmarkBulkTransfer moves 1 MiB per operation from one Conn to
// another through memory, with delayed ACKs, Nagle, timestamps and
// SACK on: the engine's cost per segment, with nothing else around it.
func BenchmarkBulkTransfer(b *testing.B) {
	p := newMemPair(Config{ISS: 1000}, Config{ISS: 5000})
	if p.a.State() != Established || p.b.State() != Established {
		b.Fatalf("handshake: %v %v", p.a.State(), p.b.State())
	}
	src := make([]byte, 64<<10)
	dst := make([]byte, 64<<10)
	const perOp = 1 << 20
	b.SetBytes(perOp)
	b.ReportAllocs()
	b.ResetTimer()
	start := p.segments
	for range b.N {
		moved := 0
		for moved < perOp {
			p.a.Write(src)
			p.exchange()
			moved += p.b.Read(dst)
			p.exchange()
			p.tick(100_000) // 100 µs
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(p.segments-start)/b.Elapsed().Seconds(), "segments/s")
}

// TestBulkTransferAllocs checks that a transfer allocates nothing per
// segment once the connections exist.
func TestBulkTransferAllocs(t *testing.T) {
	p := newMemPair(Config{ISS: 1000}, Config{ISS: 5000})
	src := make([]byte, 64<<10)
	dst := make([]byte, 64<<10)
	allocs := testing.AllocsPerRun(20, func() {
		for range 16 {
			p.a.Write(src)
			p.exchange()
			p.b.Read(dst)
			p.exchange()
			p.tick(100_000)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
	if p.b.Stats().BytesReceived < 1<<20 {
		t.Errorf("only %d bytes moved", p.b.Stats().BytesReceived)
	}
}
