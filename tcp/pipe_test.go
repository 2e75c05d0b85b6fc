package tcp

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// The pipe harness joins two Conns by a deterministic impaired channel
// that carries real bytes: every segment is encoded with
// wire.TCPHeader.AppendTo and checksummed, maybe lost, duplicated,
// delayed or reordered, then verified and parsed back with
// wire.ParseTCP. Side 0 dials, side 1 accepts the first SYN. Each side
// writes its data, closes its side, and reads to EOF.
type pipeConfig struct {
	loss, dup, reorder float64       // per-packet probabilities
	delay              time.Duration // one way
	jitter             time.Duration // extra delay of a reordered packet, up to
	bytes              int           // to send each way
	pauseEvery         int           // the reader stops after this many bytes (0: never) ...
	pause              time.Duration // ... for this long, so the window closes
	mtuDropAt          time.Duration // from then on packets above mtu are dropped (0: never)
	mtu                int
	cfg                func(side int, c *Config)
	seed               uint64
	limit              time.Duration // virtual time bound
}

type pipePacket struct {
	at   sim.Time
	to   int
	data []byte
}

type pipeEnd struct {
	c         *Conn
	cfg       Config
	data      []byte // what this side sends
	written   int
	got       []byte
	pausedTil sim.Time
	readSince int
	addr      netip.Addr
	port      uint16
	edge      seq.Value // the right edge of the window this side advertised
	edgeSet   bool
}

type pipe struct {
	t      *testing.T
	pc     pipeConfig
	rng    *rand.Rand
	now    sim.Time
	ends   [2]*pipeEnd
	flight []pipePacket // in arrival order (stable for equal times)
	outBuf []Segment
	sent   int
}

func newPipe(t *testing.T, pc pipeConfig) *pipe {
	p := &pipe{t: t, pc: pc, rng: rand.New(rand.NewPCG(pc.seed, 0x5eed))}
	for i := range p.ends {
		e := &pipeEnd{addr: netip.AddrFrom4([4]byte{192, 0, 2, byte(1 + i)}), port: uint16(40000 + i)}
		e.cfg.ISS = seq.Value(p.rng.Uint32()) | 0xfff00000 // near the wrap
		if pc.cfg != nil {
			pc.cfg(i, &e.cfg)
		}
		e.data = make([]byte, pc.bytes)
		gen := rand.New(rand.NewPCG(pc.seed, uint64(i)))
		for j := range e.data {
			e.data[j] = byte(gen.Uint32())
		}
		p.ends[i] = e
	}
	p.ends[0].c = Dial(p.ends[0].cfg, 0)
	return p
}

// run moves the simulation until both sides are done or the bound is
// reached, and reports an error if the transfer did not finish cleanly.
func (p *pipe) run() error {
	limit := sim.Time(p.pc.limit)
	for step := 0; step < 50_000_000; step++ {
		p.apps()
		for i := range p.ends {
			p.output(i)
		}
		if p.done() {
			return p.check()
		}
		next, ok := p.next()
		if !ok {
			return fmt.Errorf("stuck at %v: no timer, nothing in flight (%s)", time.Duration(p.now), p.describe())
		}
		if next > limit {
			return fmt.Errorf("not done after %v (%s)", p.pc.limit, p.describe())
		}
		p.now = next
		p.deliver()
		for _, e := range p.ends {
			if e.c != nil {
				if d, ok := e.c.NextDeadline(); ok && d <= p.now {
					e.c.Advance(p.now)
				}
			}
		}
	}
	return fmt.Errorf("step bound reached (%s)", p.describe())
}

// apps writes what the send buffers take, closes after the last byte,
// and reads unless the reader is pausing.
func (p *pipe) apps() {
	for _, e := range p.ends {
		c := e.c
		if c == nil {
			continue
		}
		if e.written < len(e.data) {
			e.written += c.Write(e.data[e.written:])
			if e.written == len(e.data) {
				c.CloseWrite()
			}
		}
		if p.now < e.pausedTil {
			continue
		}
		var buf [4096]byte
		for range 1000 {
			n := c.Read(buf[:])
			if n == 0 {
				break
			}
			e.got = append(e.got, buf[:n]...)
			e.readSince += n
			if p.pc.pauseEvery > 0 && e.readSince >= p.pc.pauseEvery {
				e.readSince = 0
				e.pausedTil = p.now.Add(p.pc.pause)
				break
			}
		}
	}
}

// output encodes each segment the side sends and puts it on the channel.
func (p *pipe) output(i int) {
	e, peer := p.ends[i], p.ends[1-i]
	if e.c == nil {
		return
	}
	p.outBuf = e.c.AppendOutput(p.outBuf[:0], p.now)
	if err := e.c.checkInvariants(); err != nil {
		p.t.Fatalf("side %d at %v: invariant: %v", i, time.Duration(p.now), err)
	}
	for k := range p.outBuf {
		if sg := &p.outBuf[k]; sg.Flags&wire.ACK != 0 && sg.Flags&(wire.SYN|wire.RST) == 0 {
			// RFC 9293 section 3.8.6.2.1: the receiver SHOULD NOT
			// shrink the window (move its right edge left).
			edge := sg.Ack.Add(seq.Size(int(sg.Window) << e.c.rcvShift))
			if e.edgeSet && edge.LessThan(e.edge) {
				p.t.Fatalf("side %d at %v: window right edge moved left, %d → %d", i, time.Duration(p.now), e.edge, edge)
			}
			if !e.edgeSet || e.edge.LessThan(edge) {
				e.edge, e.edgeSet = edge, true
			}
		}
		h := p.outBuf[k].Header(e.port, peer.port)
		b := h.AppendTo(nil, e.addr, peer.addr, p.outBuf[k].Payload)
		p.sent++
		p.send(1-i, b)
	}
}

// send applies the impairments and schedules the arrival.
func (p *pipe) send(to int, b []byte) {
	if p.pc.mtuDropAt > 0 && p.now >= sim.Time(p.pc.mtuDropAt) && len(b)+20 > p.pc.mtu {
		// A router says "fragmentation needed" (RFC 1191).
		p.ends[1-to].c.SetPathMTU(p.pc.mtu)
		return
	}
	lost := p.rng.Float64() < p.pc.loss
	if lost {
		return
	}
	copies := 1
	if p.rng.Float64() < p.pc.dup {
		copies = 2
	}
	for range copies {
		at := p.now.Add(p.pc.delay)
		if p.pc.jitter > 0 && p.rng.Float64() < p.pc.reorder {
			at = at.Add(time.Duration(p.rng.Int64N(int64(p.pc.jitter))))
		}
		i := len(p.flight)
		for i > 0 && p.flight[i-1].at > at {
			i--
		}
		p.flight = append(p.flight, pipePacket{})
		copy(p.flight[i+1:], p.flight[i:])
		p.flight[i] = pipePacket{at: at, to: to, data: b}
	}
}

// deliver hands every packet due now to its Conn.
func (p *pipe) deliver() {
	for len(p.flight) > 0 && p.flight[0].at <= p.now {
		pk := p.flight[0]
		p.flight = p.flight[1:]
		e, peer := p.ends[pk.to], p.ends[1-pk.to]
		if !wire.VerifyTCPChecksum(peer.addr, e.addr, pk.data) {
			p.t.Fatalf("bad checksum on the wire")
		}
		h, payload, err := wire.ParseTCP(pk.data)
		if err != nil {
			p.t.Fatalf("our own segment does not parse: %v", err)
		}
		seg := FromWire(&h, payload)
		if e.c == nil {
			if seg.Flags&(wire.SYN|wire.ACK) != wire.SYN {
				continue // a listener would answer with RSTFor
			}
			e.c = Accept(e.cfg, p.now, &seg)
			continue
		}
		e.c.Handle(p.now, &seg)
	}
}

func (p *pipe) next() (sim.Time, bool) {
	t := sim.Never
	if len(p.flight) > 0 {
		t = p.flight[0].at
	}
	for _, e := range p.ends {
		if e.c != nil {
			if d, ok := e.c.NextDeadline(); ok {
				t = min(t, d)
			}
		}
		if e.pausedTil > p.now {
			t = min(t, e.pausedTil)
		}
	}
	return t, t != sim.Never
}

func (p *pipe) done() bool {
	for _, e := range p.ends {
		if e.c == nil {
			return false
		}
		if e.c.State() == Closed && e.c.Err() != nil {
			return true // check reports it
		}
		if !e.c.EOF() || e.written < len(e.data) {
			return false
		}
		if s := e.c.State(); s != Closed && s != TimeWait {
			return false
		}
	}
	return true
}

func (p *pipe) check() error {
	for i, e := range p.ends {
		if err := e.c.Err(); err != nil {
			return fmt.Errorf("side %d: %v (%s)", i, err, p.describe())
		}
		want := sha256.Sum256(p.ends[1-i].data)
		if got := sha256.Sum256(e.got); got != want || len(e.got) != len(p.ends[1-i].data) {
			return fmt.Errorf("side %d received %d bytes, hash %x, want %d bytes, %x", i, len(e.got), got[:4], len(p.ends[1-i].data), want[:4])
		}
	}
	return nil
}

func (p *pipe) describe() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "t=%v sent=%d", time.Duration(p.now), p.sent)
	for i, e := range p.ends {
		if e.c == nil {
			continue
		}
		st := e.c.Stats()
		fmt.Fprintf(&b, "; side %d %v err=%v wrote=%d got=%d retrans=%d rto=%d fast=%d cwnd=%d srtt=%v",
			i, e.c.State(), e.c.Err(), e.written, len(e.got), st.Retransmits, st.Timeouts, st.FastRetransmits, st.Cwnd, st.SRTT)
	}
	return b.String()
}

func TestPipeTransfer(t *testing.T) {
	const mb = 1 << 20
	small := func(side int, c *Config) {
		c.SendBufSize, c.RecvBufSize, c.MSS = 8<<10, 6<<10, 536
	}
	plain := func(side int, c *Config) {
		c.NoTimestamps, c.NoSACK, c.NoWindowScale = true, true, true
	}
	mixed := func(side int, c *Config) { // only one side offers the options
		if side == 1 {
			plain(side, c)
		}
		c.NoDelay = side == 0
	}
	cases := []struct {
		name string
		pc   pipeConfig
	}{
		{"clean", pipeConfig{delay: 10 * time.Millisecond}},
		{"loss-1%", pipeConfig{delay: 10 * time.Millisecond, loss: 0.01}},
		{"loss-5%", pipeConfig{delay: 10 * time.Millisecond, loss: 0.05}},
		{"loss-20%", pipeConfig{delay: 10 * time.Millisecond, loss: 0.20}},
		{"reorder", pipeConfig{delay: 10 * time.Millisecond, reorder: 0.3, jitter: 15 * time.Millisecond}},
		{"duplicate", pipeConfig{delay: 10 * time.Millisecond, dup: 0.2}},
		{"all-faults", pipeConfig{delay: 5 * time.Millisecond, loss: 0.05, dup: 0.05, reorder: 0.2, jitter: 10 * time.Millisecond}},
		{"zero-window", pipeConfig{delay: 10 * time.Millisecond, pauseEvery: 200 << 10, pause: 3 * time.Second}},
		{"zero-window-lossy", pipeConfig{delay: 10 * time.Millisecond, loss: 0.05, pauseEvery: 100 << 10, pause: 2 * time.Second}},
		{"small-buffers-lossy", pipeConfig{delay: 2 * time.Millisecond, loss: 0.05, reorder: 0.1, jitter: 5 * time.Millisecond, cfg: small}},
		{"no-options-lossy", pipeConfig{delay: 10 * time.Millisecond, loss: 0.05, reorder: 0.1, jitter: 10 * time.Millisecond, cfg: plain}},
		{"mixed-options", pipeConfig{delay: 10 * time.Millisecond, loss: 0.02, cfg: mixed}},
		{"path-mtu-drop", pipeConfig{delay: 10 * time.Millisecond, loss: 0.01, mtuDropAt: 300 * time.Millisecond, mtu: 1000}},
		// Big buffers (window scale 7) and a reader that pauses: while
		// receiver SWS avoidance holds the window, its right edge must
		// not move left when rounded to the scale.
		{"big-window-paused-reader", pipeConfig{delay: 15 * time.Millisecond, loss: 0.001, pauseEvery: 300 << 10, pause: 200 * time.Millisecond, bytes: 8 << 20,
			cfg: func(side int, c *Config) { c.SendBufSize, c.RecvBufSize = 4<<20, 4<<20 }}},
		{"autotuned-paused-reader", pipeConfig{delay: 15 * time.Millisecond, loss: 0.001, pauseEvery: 300 << 10, pause: 200 * time.Millisecond, bytes: 8 << 20,
			cfg: func(side int, c *Config) { c.SendBufSize, c.RecvBufSize, c.RecvBufMax = 4<<20, 128<<10, 6<<20 }}},
	}
	for _, tc := range cases {
		for _, seed := range []uint64{1, 2} {
			t.Run(fmt.Sprintf("%s/seed%d", tc.name, seed), func(t *testing.T) {
				pc := tc.pc
				pc.seed = seed
				if pc.bytes == 0 {
					pc.bytes = mb
				}
				if pc.limit == 0 {
					pc.limit = time.Hour
				}
				p := newPipe(t, pc)
				if err := p.run(); err != nil {
					t.Fatal(err)
				}
				t.Log(p.describe())
			})
		}
	}
}
