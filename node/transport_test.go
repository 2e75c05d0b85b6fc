package node_test

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// protoTest is IP protocol 253, set aside for experiments (RFC 3692).
const protoTest = 253

// A tiny request/response transport, played over the node's transport
// API: a message is one kind byte, a two-byte id and data. The server
// answers 'Q' with 'R' and the same data, and refuses 'X' with ICMP port
// unreachable about the request itself.
const (
	kindQuery  = 'Q'
	kindReply  = 'R'
	kindRefuse = 'X'
)

type testServer struct {
	n   *node.Node
	reg *node.Registration
}

func newTestServer(t *testing.T, n *node.Node) *testServer {
	s := &testServer{n: n}
	reg, err := n.RegisterProtocol(protoTest, node.Protocol{Name: "test", Receive: s.receive})
	if err != nil {
		t.Fatal(err)
	}
	s.reg = reg
	return s
}

func (s *testServer) receive(now sim.Time, d *node.Inbound) string {
	if len(d.Payload) < 3 {
		return "malformed"
	}
	switch d.Payload[0] {
	case kindQuery:
		d.Accept()
		reply := append([]byte{kindReply}, d.Payload[1:]...)
		s.n.SendIP(protoTest, d.IP.Src, reply, node.SendOptions{Src: d.IP.Dst})
		return ""
	case kindRefuse:
		d.SendICMPError(wire.ICMPDestUnreachable, wire.ICMPPortUnreachable, 0)
		return "no-listener"
	}
	return "malformed"
}

type testClient struct {
	n       *node.Node
	reg     *node.Registration
	replies map[uint16][]byte
	errs    map[uint16]node.ICMPError
	retries int
	timer   *node.Timer
}

func newTestClient(t *testing.T, n *node.Node) *testClient {
	c := &testClient{n: n, replies: map[uint16][]byte{}, errs: map[uint16]node.ICMPError{}}
	reg, err := n.RegisterProtocol(protoTest, node.Protocol{Name: "test", Receive: c.receive, Error: c.icmpError})
	if err != nil {
		t.Fatal(err)
	}
	c.reg = reg
	c.timer = n.NewTimer(func(sim.Time) { c.retries++ })
	return c
}

func (c *testClient) receive(now sim.Time, d *node.Inbound) string {
	if len(d.Payload) < 3 || d.Payload[0] != kindReply {
		return "malformed"
	}
	id := uint16(d.Payload[1])<<8 | uint16(d.Payload[2])
	c.replies[id] = append([]byte(nil), d.Payload[3:]...)
	c.timer.Stop()
	return ""
}

func (c *testClient) icmpError(now sim.Time, e *node.ICMPError) {
	if len(e.QuotedPayload) < 3 {
		return
	}
	id := uint16(e.QuotedPayload[1])<<8 | uint16(e.QuotedPayload[2])
	e2 := *e
	e2.QuotedPayload = nil // aliases the packet
	c.errs[id] = e2
	c.timer.Stop()
}

func (c *testClient) send(t *testing.T, kind byte, id uint16, dst netip.Addr, data []byte, opt node.SendOptions) {
	t.Helper()
	msg := append([]byte{kind, byte(id >> 8), byte(id)}, data...)
	if _, err := c.n.SendIP(protoTest, dst, msg, opt); err != nil {
		t.Fatalf("send %d: %v", id, err)
	}
	c.timer.Reset(time.Second)
}

func TestTransportAPI(t *testing.T) {
	w := build(t, chain)
	a, b, r1 := w.Node("a"), w.Node("b"), w.Node("r1")
	srv := newTestServer(t, b)
	cli := newTestClient(t, a)
	if _, err := a.RegisterProtocol(protoTest, node.Protocol{Name: "again", Receive: cli.receive}); !errors.Is(err, node.ErrProtoInUse) {
		t.Fatalf("second registration: err = %v, want ErrProtoInUse", err)
	}
	data := bytes.Repeat([]byte("hops"), 100) // 403-byte messages fit the 576 MTU
	cli.send(t, kindQuery, 1, b.Addr(), data, node.SendOptions{})
	cli.send(t, kindQuery, 2, b.Addr(), data, node.SendOptions{TTL: 2})
	cli.send(t, kindQuery, 3, b.Addr(), make([]byte, 700), node.SendOptions{PMTU: node.PMTUDo})
	cli.send(t, kindQuery, 4, r1.Addr(), data, node.SendOptions{})
	cli.send(t, kindRefuse, 5, b.Addr(), data, node.SendOptions{})
	w.Kernel.Run()

	if !bytes.Equal(cli.replies[1], data) || len(cli.replies) != 1 {
		t.Fatalf("replies %d, reply 1 %d bytes; want only reply 1 with the data", len(cli.replies), len(cli.replies[1]))
	}
	tests := []struct {
		id   uint16
		from string
		want error
		typ  uint8
		mtu  uint16
	}{
		{2, "10.0.12.2", node.ErrTTLExceeded, wire.ICMPTimeExceeded, 0},
		{3, "10.0.23.2", node.ErrTooBig, wire.ICMPDestUnreachable, 576},
		{4, "10.0.1.1", node.ErrProtoUnreachable, wire.ICMPDestUnreachable, 0},
		{5, "10.0.2.2", node.ErrConnRefused, wire.ICMPDestUnreachable, 0},
	}
	for _, tt := range tests {
		e, ok := cli.errs[tt.id]
		if !ok {
			t.Errorf("request %d: no ICMP error reached the transport", tt.id)
			continue
		}
		if !errors.Is(&e, tt.want) || e.From != netip.MustParseAddr(tt.from) || e.Type != tt.typ || e.MTU != tt.mtu {
			t.Errorf("request %d: got %v (type %d mtu %d), want %v from %s (type %d mtu %d)", tt.id, &e, e.Type, e.MTU, tt.want, tt.from, tt.typ, tt.mtu)
		}
		if e.Quoted.Protocol != protoTest || e.Quoted.Src != a.Addr() {
			t.Errorf("request %d: quoted header %+v", tt.id, e.Quoted)
		}
	}
	if cli.retries != 0 {
		t.Fatalf("timer fired %d times after it was stopped", cli.retries)
	}

	// Closed registrations: the server's protocol is gone (protocol
	// unreachable comes back), and the closed client hears nothing.
	srv.reg.Close()
	srv.reg.Close() // twice is harmless
	cli.send(t, kindQuery, 6, b.Addr(), data, node.SendOptions{})
	cli.reg.Close()
	w.Kernel.Run()
	if _, ok := cli.errs[6]; ok {
		t.Fatal("a closed transport got an ICMP error")
	}
	if cli.retries != 1 {
		t.Fatalf("retransmission timer fired %d times, want 1 (nothing answered request 6)", cli.retries)
	}
	for _, n := range []*node.Node{a, b} {
		if h := n.Open(); h != (node.Handles{}) {
			t.Fatalf("%s: still open after cleanup: %+v", n.Name, h)
		}
	}
	if w.Pool.Live() != 0 {
		t.Fatalf("%d packets leaked", w.Pool.Live())
	}
}

func TestListenerAndTimerClosedNeverFire(t *testing.T) {
	w := build(t, chain)
	a, b := w.Node("a"), w.Node("b")
	heard := 0
	l := a.ListenICMP(func(sim.Time, *node.ICMPPacket) { heard++ })
	// A second listener that closes the first while a message is being
	// delivered: the first must not hear it.
	var l2 *node.ICMPListener
	l2 = a.ListenICMP(func(sim.Time, *node.ICMPPacket) { l.Close(); l2.Close() })
	first := a.ListenICMP(func(sim.Time, *node.ICMPPacket) {})
	first.Close()
	a.SendICMP(b.Addr(), &wire.ICMPMessage{Type: wire.ICMPEchoRequest, ID: 1, Seq: 1}, node.SendOptions{})
	fired := 0
	tm := a.NewTimer(func(sim.Time) { fired++ })
	tm.Reset(time.Millisecond)
	tm.Reset(2 * time.Millisecond) // moves it: fires once
	stopped := a.NewTimer(func(sim.Time) { fired += 100 })
	stopped.Reset(time.Millisecond)
	if !stopped.Stop() || stopped.Pending() {
		t.Fatal("Stop of a pending timer")
	}
	w.Kernel.Run()
	if heard != 1 {
		t.Fatalf("listener heard %d messages, want 1 (the reply, delivered after the closing listener)", heard)
	}
	if fired != 1 {
		t.Fatalf("timers fired %d, want 1", fired)
	}
	if h := a.Open(); h != (node.Handles{}) {
		t.Fatalf("still open: %+v", h)
	}
}

func TestUDPSocketGetsICMPErrors(t *testing.T) {
	w := build(t, chain)
	a, b := w.Node("a"), w.Node("b")
	c, _ := a.ListenUDP(0, nil)
	var got []error
	c.OnError(func(now sim.Time, e *node.ICMPError) { got = append(got, e.Err) })
	other, _ := a.ListenUDP(0, nil) // must not hear c's errors
	other.OnError(func(sim.Time, *node.ICMPError) { t.Error("error delivered to the wrong socket") })
	c.SendTo(netip.AddrPortFrom(b.Addr(), 9), []byte("anyone?"))
	c.TTL = 1
	c.SendTo(netip.AddrPortFrom(b.Addr(), 9), []byte("too far"))
	w.Kernel.Run()
	if len(got) != 2 || !errors.Is(got[0], node.ErrTTLExceeded) || !errors.Is(got[1], node.ErrConnRefused) {
		t.Fatalf("errors %v, want [time to live exceeded, connection refused]", got)
	}
	c.Close()
	other.Close()
	c.TTL = 0
	if _, err := c.SendTo(netip.AddrPortFrom(b.Addr(), 9), nil); !errors.Is(err, node.ErrClosed) {
		t.Fatalf("send on a closed socket: %v", err)
	}
}

// A sender learns when its first link drops its datagram at once, and the
// drop shows in the interface's counters, read by node and interface name.
func TestLocalDropReported(t *testing.T) {
	w := build(t, `
name: slow
nodes: [{name: a, role: host}, {name: b, role: host}]
links:
  - {a: a 10.0.0.1/30, b: b 10.0.0.2/30, rate: 1Mbps, delay: 1ms, queue: 2 packets}
`)
	a, b := w.Node("a"), w.Node("b")
	c, _ := a.ListenUDP(0, nil)
	var errs []error
	for range 5 {
		_, err := c.SendTo(netip.AddrPortFrom(b.Addr(), 9), make([]byte, 1000))
		errs = append(errs, err)
	}
	// One on the wire, two queued, two refused.
	for i, err := range errs {
		if want := i >= 3; want != errors.Is(err, node.ErrNoBufferSpace) {
			t.Fatalf("datagram %d: err %v", i+1, err)
		}
	}
	w.Kernel.Run()
	tx, rx := w.Iface("a", "eth0").LinkStats()
	if tx.DroppedQueue != 2 || tx.Sent != 3 || rx.Sent != 3 {
		t.Fatalf("a:eth0 tx %+v rx %+v; want 3 sent, 2 queue drops out, 3 port unreachables in", tx, rx)
	}
	if w.Iface("a", "nope") != nil || w.Iface("nobody", "eth0") != nil {
		t.Fatal("unknown names must give nil")
	}
}

// A node timer re-armed per packet or per period allocates nothing.
func TestTimerDoesNotAllocate(t *testing.T) {
	w := build(t, chain)
	a := w.Node("a")
	fired := 0
	tm := a.NewTimer(func(sim.Time) { fired++ })
	if n := testing.AllocsPerRun(1000, func() {
		tm.Reset(time.Millisecond)
		w.Kernel.Step()
	}); n != 0 {
		t.Fatalf("%v allocations per re-arm and fire", n)
	}
	if fired < 1000 {
		t.Fatalf("fired %d times", fired)
	}
}

// A connected socket hears only errors about datagrams to its peer, as in
// Linux; a PMTUDont socket is not told about fragmentation needed.
func TestConnectedSocketErrors(t *testing.T) {
	w := build(t, chain)
	a, b, r1 := w.Node("a"), w.Node("b"), w.Node("r1")
	c, _ := a.DialUDP(netip.AddrPortFrom(b.Addr(), 9), nil)
	var got []string
	c.OnError(func(now sim.Time, e *node.ICMPError) { got = append(got, e.Error()) })
	c.SendTo(netip.AddrPortFrom(r1.Addr(), 5), []byte("elsewhere")) // refused by r1: not c's business
	c.Send([]byte("to the peer"))                                   // refused by b
	w.Kernel.Run()
	if len(got) != 1 || got[0] != "connection refused from 10.0.2.2" {
		t.Fatalf("errors %q, want only b's refusal", got)
	}
	got = nil
	c.PMTU = node.PMTUDont
	if mtu, _ := a.PathMTU(b.Addr()); mtu != 1500 {
		t.Fatal(mtu)
	}
	u := wire.AppendUDP(nil, a.Addr(), b.Addr(), c.LocalPort(), 9, make([]byte, 1000))
	h := wire.IPv4Header{TTL: 64, DontFragment: true, Protocol: wire.ProtoUDP, Src: a.Addr(), Dst: b.Addr()}
	a.SendRaw(append(h.AppendTo(nil, len(u)), u...))
	w.Kernel.Run()
	if len(got) != 0 {
		t.Fatalf("a PMTUDont socket was told %q", got)
	}
	if mtu, _ := a.PathMTU(b.Addr()); mtu != 576 {
		t.Fatalf("path MTU %d: the node must still learn it", mtu)
	}
	c.Close()
	if l := a.ListenICMP(nil); true {
		l.Close()
	}
	tm := a.NewTimer(func(sim.Time) {})
	tm.Reset(time.Second)
	if h := a.Open(); h.Timers != 1 || h.ICMPListeners != 0 {
		t.Fatalf("open %+v, want one timer and no listener", h)
	}
	tm.Stop()
	if h := a.Open(); h != (node.Handles{}) {
		t.Fatalf("open %+v", h)
	}
}
