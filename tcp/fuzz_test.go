package tcp

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/fuzz/FuzzConnSegments from fuzzSeeds")

// FuzzConnSegments feeds arbitrary segments, app calls and clock steps
// to a pair of Conns that starts in one of several states. Nothing may
// panic, and the invariants (checkInvariants, timers never in the past)
// must hold after every step.
//
// The input is a scenario byte followed by steps of the form
// [ctrl][len][len bytes]: ctrl's bit 0 picks the Conn; bits 1 and 2
// move the segment's seq and ack next to the Conn's RCV.NXT and SND.UNA
// (so that it lands in the window); bits 3-5 advance the clock; bit 6
// lets the pair exchange what they send; bit 7 makes an app call. The
// bytes are parsed with wire.ParseTCP; an unparsable one is an app call.
func FuzzConnSegments(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		p := fuzzPair(data[0])
		data = data[1:]
		for steps := 0; len(data) >= 2 && steps < 256; steps++ {
			ctrl, n := data[0], int(data[1])
			data = data[2:]
			body := data[:min(n, len(data))]
			data = data[len(body):]
			p.fuzzStep(t, ctrl, body)
		}
	})
}

// fuzzPair builds the starting state the scenario byte names.
func fuzzPair(scenario byte) *memPair {
	cfgA := Config{ISS: 0xfffffff0, NoDelay: scenario&0x10 != 0}
	cfgB := Config{ISS: 0x7ffffff0, RecvBufSize: 4096, SendBufSize: 4096, NoSACK: scenario&0x20 != 0}
	p := &memPair{outA: make([]Segment, 0, 64), outB: make([]Segment, 0, 64)}
	p.a = Dial(cfgA, 0)
	if scenario%8 == 0 {
		p.b = Accept(cfgB, 0, &Segment{Seq: 77, Flags: wire.SYN}) // two unrelated half-open Conns
		return p
	}
	p.outA = p.a.AppendOutput(p.outA[:0], 0)
	p.b = Accept(cfgB, 0, &p.outA[0])
	if scenario%8 == 1 {
		return p
	}
	p.exchange()
	switch scenario % 8 {
	case 3:
		p.a.Write(make([]byte, 3000))
	case 4:
		p.a.CloseWrite()
	case 5:
		p.a.CloseWrite()
		p.exchange()
		p.b.Close()
	case 6:
		p.b.Write(make([]byte, 5000)) // more than B's 4 KiB buffer takes
		p.a.Write(make([]byte, 9000))
	}
	p.exchange()
	return p
}

func (p *memPair) fuzzStep(t *testing.T, ctrl byte, body []byte) {
	c, other := p.a, p.b
	if ctrl&1 != 0 {
		c, other = other, c
	}
	p.now += sim.Time([8]int64{0, 1e6, 10e6, 40e6, 200e6, 1e9, 30e9, 120e9}[ctrl>>3&7])
	for _, x := range [2]*Conn{c, other} {
		if d, ok := x.NextDeadline(); ok && d <= p.now {
			x.Advance(p.now)
			if d2, ok := x.NextDeadline(); ok && d2 <= p.now {
				t.Fatalf("timer at %v still due after Advance(%v)", d2, p.now)
			}
		}
	}
	h, payload, err := wire.ParseTCP(body)
	switch {
	case ctrl&0x80 != 0 || err != nil:
		fuzzApp(c, body)
	default:
		seg := FromWire(&h, payload)
		if ctrl&2 != 0 {
			seg.Seq = c.rcvNxt + seq.Value(int16(h.Seq))
		}
		if ctrl&4 != 0 {
			seg.Ack = c.sndUna + seq.Value(int16(h.Ack))
		}
		c.Handle(p.now, &seg)
	}
	if ctrl&0x40 != 0 {
		p.exchange()
	} else {
		p.outA = p.a.AppendOutput(p.outA[:0], p.now)
		p.outB = p.b.AppendOutput(p.outB[:0], p.now)
	}
	for i, x := range [2]*Conn{p.a, p.b} {
		if err := x.checkInvariants(); err != nil {
			t.Fatalf("conn %d in %v: %v", i, x.State(), err)
		}
	}
}

// fuzzApp makes the app call the first byte names.
func fuzzApp(c *Conn, body []byte) {
	var op byte
	if len(body) > 0 {
		op = body[0]
	}
	var buf [2048]byte
	switch op % 8 {
	case 0, 1:
		c.Write(buf[:len(body)*int(op)%len(buf)])
	case 2, 3:
		c.Read(buf[:int(op)*16%len(buf)])
	case 4:
		c.CloseWrite()
	case 5:
		c.Close()
	case 6:
		c.Abort()
	case 7:
		c.SetPathMTU(int(op) * 8)
	}
}

// fuzzSeeds are the seed corpus: every scenario, with a few real
// segments in and around the window.
func fuzzSeeds() [][]byte {
	seg := func(flags wire.TCPFlags, seqOff, ackOff int16, n int, opts wire.TCPOptions) []byte {
		h := wire.TCPHeader{Seq: uint32(uint16(seqOff)), Ack: uint32(uint16(ackOff)), Flags: flags, Window: 1000, Options: opts}
		a := netip.AddrFrom4([4]byte{192, 0, 2, 1})
		return h.AppendTo(nil, a, a, make([]byte, n))
	}
	step := func(ctrl byte, body []byte) []byte { return append([]byte{ctrl, byte(len(body))}, body...) }
	ts := wire.TCPOptions{HasTimestamps: true, TSVal: 5, TSEcr: 1}
	sack := wire.TCPOptions{NumSACK: 1, SACK: [4]wire.SACKBlock{{Left: 100, Right: 200}}}
	var seeds [][]byte
	for sc := range byte(8) {
		s := []byte{sc}
		s = append(s, step(0x06, seg(wire.ACK|wire.PSH, 0, 0, 100, ts))...)
		s = append(s, step(0x07, seg(wire.ACK, 0, 0, 0, sack))...)
		s = append(s, step(0x46, seg(wire.ACK|wire.FIN, 10, 0, 50, ts))...)
		s = append(s, step(0x2e, seg(wire.RST, 3, 0, 0, wire.TCPOptions{}))...)
		s = append(s, step(0x80, []byte{0, 1, 2, 3})...)
		s = append(s, step(0x0e, seg(wire.SYN, 0, 0, 0, wire.TCPOptions{MSS: 100}))...)
		s = append(s, step(0x7f, seg(wire.ACK, -5, 20, 0, ts))...)
		seeds = append(seeds, s)
	}
	return seeds
}

// TestFuzzSeedCorpus keeps testdata/fuzz/FuzzConnSegments in step with
// fuzzSeeds; run with -update-corpus to rewrite it.
func TestFuzzSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzConnSegments")
	for i, s := range fuzzSeeds() {
		name := filepath.Join(dir, fmt.Sprintf("seed-%d", i))
		text := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if *updateCorpus {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(name)
		if err != nil || string(got) != text {
			t.Errorf("%s is missing or stale; run go test -run TestFuzzSeedCorpus -update-corpus", name)
		}
	}
}
