package node_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
	"github.com/hopsnet/hops/world"
)

// chain is a host, three routers and a host in a line; the last link has a
// small MTU.
const chain = `
name: chain
nodes:
  - {name: a, role: host}
  - {name: r1, role: router}
  - {name: r2, role: router}
  - {name: r3, role: router}
  - {name: b, role: host}
links:
  - {a: a 10.0.1.2/24, b: r1 10.0.1.1/24, rate: 100Mbps, delay: 1ms}
  - {a: r1 10.0.12.1/30, b: r2 10.0.12.2/30, rate: 1Gbps, delay: 2ms}
  - {a: r2 10.0.23.1/30, b: r3 10.0.23.2/30, rate: 1Gbps, delay: 2ms}
  - {a: r3 10.0.2.1/24, b: b 10.0.2.2/24, rate: 100Mbps, delay: 1ms, mtu: 576}
`

func build(t testing.TB, yaml string) *world.World {
	t.Helper()
	w, err := world.FromYAML("test.yaml", []byte(yaml), 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// hopLog records, per packet, where it was received and with what TTL.
type hopLog struct {
	events []string
	ttls   map[uint64][]uint8
	bad    []string
}

func (h *hopLog) Observe(e *trace.Event) {
	if e.Kind == trace.Receive {
		ip := wire.IPv4(e.Data)
		if !ip.ChecksumValid() {
			h.bad = append(h.bad, fmt.Sprintf("packet %d at %s: bad header checksum", e.Packet, e.Node))
		}
		h.ttls[e.Packet] = append(h.ttls[e.Packet], ip.TTL())
	}
	h.events = append(h.events, fmt.Sprintf("%s %s %s", e.Kind, e.Node, e.Reason))
}

func watch(w *world.World) *hopLog {
	h := &hopLog{ttls: map[uint64][]uint8{}}
	w.Bus.Subscribe(h)
	return h
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestForwardingDecrementsTTLWithValidChecksum(t *testing.T) {
	w := build(t, chain)
	log := watch(w)
	a, b := w.Node("a"), w.Node("b")
	var got []byte
	var gotTTL uint8
	var at sim.Time
	if _, err := b.ListenUDP(9, func(now sim.Time, d *node.Datagram) {
		got, gotTTL, at = append([]byte(nil), d.Payload...), d.TTL, now
	}); err != nil {
		t.Fatal(err)
	}
	c, _ := a.ListenUDP(0, nil)
	id, err := c.SendTo(netip.AddrPortFrom(b.Addr(), 9), []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	w.Kernel.Run()
	if string(got) != "hello" || gotTTL != 61 {
		t.Fatalf("got %q ttl %d, want hello ttl 61", got, gotTTL)
	}
	if want := []uint8{64, 63, 62, 61}; !bytes.Equal(log.ttls[id], want) {
		t.Fatalf("TTL per hop %v, want %v", log.ttls[id], want)
	}
	if len(log.bad) > 0 {
		t.Fatal(log.bad)
	}
	// One-way latency: 1+2+2+1 ms propagation plus serialization of the
	// 33-byte datagram at 100 Mbps (2640ns), 1 Gbps (264ns) twice, 100 Mbps.
	if want := sim.Time(6*time.Millisecond + 5808); at != want {
		t.Fatalf("arrived at %v, want %v", at, want)
	}
	if w.Pool.Live() != 0 {
		t.Fatalf("%d packets leaked", w.Pool.Live())
	}
}

// icmpFrom collects ICMP messages a node receives.
func icmpFrom(n *node.Node) *[]string {
	var got []string
	n.ListenICMP(func(now sim.Time, m *node.ICMPPacket) {
		got = append(got, fmt.Sprintf("%s from %s", m, m.IP.Src))
	})
	return &got
}

func TestICMPErrors(t *testing.T) {
	tests := []struct {
		name string
		send func(w *world.World) error
		want string
	}{
		{"ttl exceeded at the second router", func(w *world.World) error {
			c, _ := w.Node("a").ListenUDP(0, nil)
			c.TTL = 2
			_, err := c.SendTo(netip.MustParseAddrPort("10.0.2.2:9"), []byte("x"))
			return err
		}, "time exceeded from 10.0.12.2"},
		{"port unreachable at the destination", func(w *world.World) error {
			c, _ := w.Node("a").ListenUDP(0, nil)
			_, err := c.SendTo(netip.MustParseAddrPort("10.0.2.2:9"), []byte("x"))
			return err
		}, "port unreachable from 10.0.2.2"},
		{"net unreachable from the first router", func(w *world.World) error {
			c, _ := w.Node("a").ListenUDP(0, nil)
			_, err := c.SendTo(netip.MustParseAddrPort("172.16.0.1:9"), []byte("x"))
			return err
		}, "net unreachable from 10.0.1.1"},
		{"fragmentation needed with DF at the small-MTU hop", func(w *world.World) error {
			c, _ := w.Node("a").ListenUDP(0, nil)
			c.PMTU = node.PMTUDo
			_, err := c.SendTo(netip.MustParseAddrPort("10.0.2.2:9"), make([]byte, 1000))
			return err
		}, "fragmentation needed, mtu 576 from 10.0.23.2"},
		{"protocol unreachable", func(w *world.World) error {
			_, err := w.Node("a").SendIP(99, mustAddr("10.0.2.2"), []byte("x"), node.SendOptions{})
			return err
		}, "protocol unreachable from 10.0.2.2"},
		{"echo reply", func(w *world.World) error {
			_, err := w.Node("a").SendICMP(mustAddr("10.0.23.2"), &wire.ICMPMessage{Type: wire.ICMPEchoRequest, ID: 7, Seq: 1, Data: []byte("ping")}, node.SendOptions{})
			return err
		}, "echo reply id 7 seq 1 from 10.0.23.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := build(t, chain)
			got := icmpFrom(w.Node("a"))
			if err := tt.send(w); err != nil {
				t.Fatal(err)
			}
			w.Kernel.Run()
			if len(*got) != 1 || (*got)[0] != tt.want {
				t.Fatalf("ICMP at a: %q, want [%q]", *got, tt.want)
			}
			if w.Pool.Live() != 0 {
				t.Fatalf("%d packets leaked", w.Pool.Live())
			}
		})
	}
}

func TestLoopback(t *testing.T) {
	w := build(t, chain)
	log := watch(w)
	a := w.Node("a")
	var got []string
	a.ListenUDP(9, func(now sim.Time, d *node.Datagram) {
		got = append(got, fmt.Sprintf("%s %s ttl %d at %v", d.Src, d.Payload, d.TTL, now))
	})
	c, _ := a.ListenUDP(0, nil)
	w.Kernel.RunUntil(sim.Time(time.Second))
	if _, err := c.SendTo(netip.AddrPortFrom(a.Addr(), 9), make([]byte, 20000)); err != nil {
		t.Fatal(err) // no fragmentation on the loopback path
	}
	if _, err := c.SendTo(netip.AddrPortFrom(a.Addr(), 9), []byte("hi")); err != nil {
		t.Fatal(err)
	}
	w.Kernel.Run()
	if len(got) != 2 || !strings.HasSuffix(got[1], "hi ttl 64 at 1.000000000s") {
		t.Fatalf("got %q", got)
	}
	if w.Node("r1").Stats().Received != 0 {
		t.Fatal("a datagram to the node itself left the node")
	}
	if !strings.Contains(strings.Join(log.events, ";"), "deliver a ") {
		t.Fatalf("events %v", log.events)
	}
}

func TestNoICMPErrorAboutICMPError(t *testing.T) {
	w := build(t, chain)
	got := icmpFrom(w.Node("a"))
	// A time-exceeded message whose own TTL runs out must not cause another.
	m := wire.ICMPMessage{Type: wire.ICMPTimeExceeded, Data: make([]byte, 28)}
	log := watch(w)
	if _, err := w.Node("a").SendICMP(mustAddr("10.0.2.2"), &m, node.SendOptions{TTL: 1}); err != nil {
		t.Fatal(err)
	}
	w.Kernel.Run()
	if len(*got) != 0 {
		t.Fatalf("got %q, want no ICMP", *got)
	}
	if !strings.Contains(strings.Join(log.events, ";"), "drop r1 ttl-exceeded") {
		t.Fatalf("the error was not TTL-expired at r1: %v", log.events)
	}
}

func TestFragmentationAndReassembly(t *testing.T) {
	w := build(t, chain)
	log := watch(w)
	a, b := w.Node("a"), w.Node("b")
	payload := make([]byte, 3000)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	var got []byte
	b.ListenUDP(9, func(now sim.Time, d *node.Datagram) { got = append([]byte(nil), d.Payload...) })
	c, _ := a.ListenUDP(0, nil)
	if _, err := c.SendTo(netip.AddrPortFrom(b.Addr(), 9), payload); err != nil {
		t.Fatal(err)
	}
	w.Kernel.Run()
	if sha256.Sum256(got) != sha256.Sum256(payload) {
		t.Fatalf("payload differs after reassembly (%d bytes)", len(got))
	}
	// a fragments 3028 bytes for its 1500-byte link (3 fragments); r3
	// refragments the two 1500-byte ones (3 each) for the 576-byte link.
	if s := a.Stats(); s.FragsCreated != 3 {
		t.Fatalf("a made %d fragments, want 3", s.FragsCreated)
	}
	if s := w.Node("r3").Stats(); s.Fragmented != 2 || s.FragsCreated != 6 {
		t.Fatalf("r3 fragmented %d datagrams into %d, want 2 into 6", s.Fragmented, s.FragsCreated)
	}
	if s := b.Stats(); s.Reassembled != 1 {
		t.Fatalf("b reassembled %d, want 1", s.Reassembled)
	}
	if len(log.bad) > 0 {
		t.Fatal(log.bad)
	}
	if w.Pool.Live() != 0 {
		t.Fatalf("%d packets leaked", w.Pool.Live())
	}
}

func TestReassemblyTimeout(t *testing.T) {
	w := build(t, chain)
	a, b := w.Node("a"), w.Node("b")
	got := icmpFrom(a)
	// Hand-make the first of two fragments; the second never comes.
	udp := wire.AppendUDP(nil, a.Addr(), b.Addr(), 1000, 9, make([]byte, 400))
	h := wire.IPv4Header{ID: 99, MoreFragments: true, TTL: 64, Protocol: wire.ProtoUDP, Src: a.Addr(), Dst: b.Addr()}
	frag := append(h.AppendTo(nil, 200), udp[:200]...)
	if _, err := a.SendRaw(frag); err != nil {
		t.Fatal(err)
	}
	w.Kernel.RunUntil(sim.Time(29 * time.Second))
	if len(*got) != 0 {
		t.Fatalf("ICMP before the timeout: %q", *got)
	}
	w.Kernel.Run()
	// RFC 792 code 1, from the destination, after 30 seconds.
	want := "fragment reassembly time exceeded from 10.0.2.2"
	if len(*got) != 1 || (*got)[0] != want {
		t.Fatalf("got %q, want %q", *got, want)
	}
	if b.Stats().ReasmTimeouts != 1 {
		t.Fatalf("reassembly timeouts %d, want 1", b.Stats().ReasmTimeouts)
	}
	if w.Pool.Live() != 0 {
		t.Fatalf("%d packets leaked", w.Pool.Live())
	}
}

func TestBadChecksumDropped(t *testing.T) {
	w := build(t, chain)
	log := watch(w)
	a, b := w.Node("a"), w.Node("b")
	h := wire.IPv4Header{TTL: 64, Protocol: wire.ProtoUDP, Src: a.Addr(), Dst: b.Addr()}
	udp := wire.AppendUDP(nil, a.Addr(), b.Addr(), 1, 9, []byte("x"))
	pkt := append(h.AppendTo(nil, len(udp)), udp...)
	pkt[10] ^= 0xff // break the header checksum
	if _, err := a.SendRaw(pkt); err != nil {
		t.Fatal(err)
	}
	w.Kernel.Run()
	if got := strings.Join(log.events, "; "); !strings.Contains(got, "drop r1 bad-checksum") {
		t.Fatalf("events: %s", got)
	}
	if w.Node("r1").Stats().Forwarded != 0 {
		t.Fatal("a packet with a bad checksum was forwarded")
	}
}

func TestSendErrors(t *testing.T) {
	w := build(t, `
nodes: [{name: a, role: host}, {name: b, role: host}]
links: [{a: a 10.0.0.1/30, b: b 10.0.0.2/30}]
`)
	a := w.Node("a")
	w.Links[0].SetUp(false)
	if _, err := a.SendIP(wire.ProtoUDP, mustAddr("10.0.0.2"), nil, node.SendOptions{}); !errors.Is(err, node.ErrLinkDown) {
		t.Fatalf("err = %v, want ErrLinkDown", err)
	}
	if _, err := a.ListenUDP(5, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ListenUDP(5, nil); !errors.Is(err, node.ErrPortInUse) {
		t.Fatalf("err = %v, want ErrPortInUse", err)
	}
	if _, err := a.SendIP(wire.ProtoUDP, mustAddr("10.0.0.2"), make([]byte, 70000), node.SendOptions{}); !errors.Is(err, node.ErrBadDatagram) {
		t.Fatalf("err = %v, want ErrBadDatagram", err)
	}
}

func TestRouteTableLongestPrefixMatch(t *testing.T) {
	var rt node.RouteTable
	for i, p := range []string{"0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "192.168.0.0/16"} {
		if err := rt.Insert(node.Route{Prefix: netip.MustParsePrefix(p), Iface: i}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		addr string
		want int
	}{
		{"8.8.8.8", 0}, {"10.9.9.9", 1}, {"10.1.9.9", 2}, {"10.1.2.4", 3}, {"10.1.2.3", 4},
		{"192.168.1.1", 5}, {"11.0.0.0", 0}, {"255.255.255.255", 0},
	}
	for _, tt := range tests {
		r, ok := rt.Lookup(mustAddr(tt.addr))
		if !ok || r.Iface != tt.want {
			t.Errorf("Lookup(%s) = %v %v, want iface %d", tt.addr, r, ok, tt.want)
		}
	}
	if !rt.Remove(netip.MustParsePrefix("0.0.0.0/0")) || rt.Len() != 5 {
		t.Fatal("remove default failed")
	}
	if _, ok := rt.Lookup(mustAddr("8.8.8.8")); ok {
		t.Fatal("lookup succeeded without a default route")
	}
	if err := rt.Insert(node.Route{Prefix: netip.MustParsePrefix("::/0")}); err == nil {
		t.Fatal("IPv6 prefix accepted")
	}
	if got := len(rt.Routes()); got != 5 {
		t.Fatalf("Routes() has %d entries, want 5", got)
	}
}

// TestRouteTableMatchesLinearScan compares the trie with the obvious
// linear longest-prefix search over random tables and addresses, with
// removals in between.
func TestRouteTableMatchesLinearScan(t *testing.T) {
	r := sim.NewRand(1, "lpm")
	for round := 0; round < 50; round++ {
		var rt node.RouteTable
		var list []netip.Prefix
		for i := 0; i < 200; i++ {
			bits := r.IntN(33)
			a := netip.AddrFrom4([4]byte{10, byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256))})
			if r.IntN(4) == 0 {
				a = netip.AddrFrom4([4]byte{byte(r.IntN(256)), byte(r.IntN(256)), 0, 0})
			}
			p := netip.PrefixFrom(a, bits).Masked()
			rt.Insert(node.Route{Prefix: p, Metric: i})
			list = append(list, p)
		}
		for i := 0; i < 20; i++ {
			p := list[r.IntN(len(list))]
			rt.Remove(p)
			for j := 0; j < len(list); j++ {
				if list[j] == p {
					list = append(list[:j], list[j+1:]...)
					j--
				}
			}
		}
		for i := 0; i < 500; i++ {
			a := netip.AddrFrom4([4]byte{10, byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256))})
			if i%5 == 0 {
				a = netip.AddrFrom4([4]byte{byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), 1})
			}
			want, found := netip.Prefix{}, false
			for _, p := range list {
				if p.Contains(a) && (!found || p.Bits() > want.Bits()) {
					want, found = p, true
				}
			}
			got, ok := rt.Lookup(a)
			if ok != found || (ok && got.Prefix != want) {
				t.Fatalf("round %d: Lookup(%v) = %v %v, want %v %v", round, a, got.Prefix, ok, want, found)
			}
		}
	}
}
