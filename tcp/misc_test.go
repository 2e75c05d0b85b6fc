package tcp

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/wire"
)

func TestRSTFor(t *testing.T) {
	tests := []struct {
		name string
		in   Segment
		want Segment
		ok   bool
	}{
		// RFC 9293 section 3.10.7.1.
		{"syn", Segment{Seq: 100, Flags: wire.SYN}, Segment{Ack: 101, Flags: wire.RST | wire.ACK}, true},
		{"data-no-ack", Segment{Seq: 100, Flags: wire.PSH, Payload: make([]byte, 10)}, Segment{Ack: 110, Flags: wire.RST | wire.ACK}, true},
		{"syn-fin-data", Segment{Seq: 100, Flags: wire.SYN | wire.FIN, Payload: make([]byte, 3)}, Segment{Ack: 105, Flags: wire.RST | wire.ACK}, true},
		{"ack", Segment{Seq: 100, Ack: 777, Flags: wire.ACK}, Segment{Seq: 777, Flags: wire.RST}, true},
		{"rst", Segment{Seq: 100, Flags: wire.RST}, Segment{}, false},
	}
	for _, tc := range tests {
		got, ok := RSTFor(&tc.in)
		if ok != tc.ok || got.String() != tc.want.String() {
			t.Errorf("%s: RSTFor = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestISS(t *testing.T) {
	key := [16]byte{1, 2, 3}
	a := netip.MustParseAddrPort("192.0.2.1:40000")
	b := netip.MustParseAddrPort("198.51.100.7:80")
	i0 := ISS(key, a, b, 0)
	// RFC 6528: M ticks every 4 µs, so 1 ms later the ISS is 250 more.
	if d := ISS(key, a, b, 1_000_000).Sub(i0); d != 250 {
		t.Errorf("ISS advanced %d in 1 ms, want 250", d)
	}
	if ISS(key, b, a, 0) == i0 || ISS([16]byte{9}, a, b, 0) == i0 {
		t.Error("ISS does not depend on the endpoints and the key")
	}
	if got := testing.AllocsPerRun(10, func() { ISS(key, a, b, 5) }); got != 0 {
		t.Errorf("ISS allocates %v times", got)
	}
}

func TestStateString(t *testing.T) {
	want := []string{"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
		"FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT"}
	for i, w := range want {
		if got := State(i).String(); got != w {
			t.Errorf("State(%d) = %q, want %q", i, got, w)
		}
	}
	if got := State(42).String(); got != "State(42)" {
		t.Errorf("State(42) = %q", got)
	}
}

func TestAcceptNotSYN(t *testing.T) {
	c := Accept(Config{}, 0, &Segment{Flags: wire.SYN | wire.ACK})
	if c.State() != Closed || !errors.Is(c.Err(), ErrNotSYN) {
		t.Errorf("Accept(SYN-ACK) = %v, %v", c.State(), c.Err())
	}
	if out := c.AppendOutput(nil, 0); len(out) != 0 {
		t.Errorf("a refused Accept sends %v", out)
	}
}

func TestWindowShift(t *testing.T) {
	for _, tc := range []struct{ buf, shift int }{{65535, 0}, {65536, 1}, {128 << 10, 2}, {6 << 20, 7}, {1 << 30, 14}} {
		if got := windowShift(tc.buf); int(got) != tc.shift {
			t.Errorf("windowShift(%d) = %d, want %d", tc.buf, got, tc.shift)
		}
	}
}

// TestSendBufMirror writes across the ring's end and checks that every
// view reads back what was written.
func TestSendBufMirror(t *testing.T) {
	b := newSendBuf(100, 30)
	next := byte(0)
	written := 0
	for round := range 50 {
		p := make([]byte, 7+round%13)
		for i := range p {
			p[i] = next
			next++
		}
		written += b.write(p)
		for off := 0; off+30 <= b.n; off += 11 {
			v := b.view(off, 30)
			for i, x := range v {
				if want := byte(written - b.n + off + i); x != want {
					t.Fatalf("round %d: view(%d)[%d] = %d, want %d", round, off, i, x, want)
				}
			}
		}
		b.consume(min(b.n, 9))
		next = byte(written)
	}
}

// TestRecvBufOutOfOrder stores 10-byte pieces, every other one first
// and then the rest backwards, and checks the in-order delivery and the
// bound on separate runs.
func TestRecvBufOutOfOrder(t *testing.T) {
	b := newRecvBuf(1000)
	base := seq.Value(0xfffffff0) // across the wrap
	b.nxt = base
	data := make([]byte, 800)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for i := 10; i < 800; i += 20 {
		_, ok := b.write(base.Add(seq.Size(i)), data[i:i+10])
		if want := i < 10+20*maxOOORanges; ok != want {
			t.Fatalf("piece at %d stored = %v, want %v (%d runs max)", i, ok, want, maxOOORanges)
		}
	}
	for i := 780; i >= 0; i -= 20 {
		b.write(base.Add(seq.Size(i)), data[i:i+10])
	}
	// The held runs end at 10+20*31+10; the backward piece just above
	// them merges into the last run, and everything above that is lost.
	want := 20*maxOOORanges + 10
	if b.n != want || b.nooo != 0 {
		t.Fatalf("in order %d (want %d), runs %d", b.n, want, b.nooo)
	}
	got := make([]byte, 1000)
	n := b.read(got)
	for i := range n {
		if got[i] != data[i] {
			t.Fatalf("byte %d = %d, want %d", i, got[i], data[i])
		}
	}
}

// TestDeterministic runs the same lossy transfer twice and compares
// every counter.
func TestDeterministic(t *testing.T) {
	run := func() [2]Stats {
		p := newPipe(t, pipeConfig{delay: 5e6, loss: 0.05, dup: 0.05, reorder: 0.2, jitter: 5e6, bytes: 200 << 10, seed: 9, limit: 3600e9})
		if err := p.run(); err != nil {
			t.Fatal(err)
		}
		return [2]Stats{p.ends[0].c.Stats(), p.ends[1].c.Stats()}
	}
	if a, b := run(), run(); a != b {
		t.Errorf("two runs differ:\n%+v\n%+v", a, b)
	}
}

func TestKeepalive(t *testing.T) {
	runScripts(t, []scriptCase{{name: "keepalive-probes-then-timeout", cfg: func(c *Config) {
		c.Keepalive, c.KeepaliveIdle, c.KeepaliveInterval, c.KeepaliveProbes = true, 10e9, 2e9, 2
	}, script: passiveOpen + `
// Idle 10 s after the last segment (at 0.1): a probe below SND.UNA.
10.1  > . 0:0(0) ack 1 win 32768 <TS val 10100 ecr 200>
+0.1  < . 1:1(0) ack 1 win 512 <TS val 10200 ecr 10100>
// Answered: the idle time starts again.
20.2  > . 0:0(0) ack 1 win 32768 <TS val 20200 ecr 10200>
22.2  > . 0:0(0) ack 1 win 32768 <TS val 22200 ecr 10200>
24.2  state CLOSED
+0    err ErrTimeout
`}})
}

// An ICMP error ends an opening connection at once, without an RST; an
// established one only remembers it (tcp_v4_err's hard and soft errors).
func TestICMPErrorWhileOpening(t *testing.T) {
	errNet := errors.New("network is unreachable")
	c := Dial(Config{ISS: 1}, 0)
	if out := c.AppendOutput(nil, 0); len(out) != 1 || out[0].Flags != wire.SYN {
		t.Fatalf("first output %v, want the SYN", out)
	}
	c.ICMPError(errNet)
	if c.State() != Closed || !errors.Is(c.Err(), errNet) {
		t.Fatalf("state %v err %v, want CLOSED with the ICMP error", c.State(), c.Err())
	}
	if out := c.AppendOutput(nil, 0); len(out) != 0 {
		t.Fatalf("sent %v after an ICMP error; Linux sends nothing", out)
	}
	if _, ok := c.NextDeadline(); ok {
		t.Fatal("a timer still runs on a closed connection")
	}
	c.ICMPError(errNet) // harmless once closed
}
