package node_test

import (
	"maps"
	"net/netip"
	"strings"
	"testing"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// A /24 on a point-to-point link: only the peer's address is reachable.
const wideLAN = `
nodes: [{name: a, role: host}, {name: r1, role: router}, {name: r2, role: router}, {name: b, role: host}]
links:
  - {a: a 10.0.1.2/24, b: r1 10.0.1.1/24}
  - {a: r1 10.0.0.1/24, b: r2 10.0.0.2/24}
  - {a: r2 10.0.2.1/24, b: b 10.0.2.2/24}
`

func TestOnLinkAddressNobodyOwns(t *testing.T) {
	w := build(t, wideLAN)
	got := icmpFrom(w.Node("a"))
	log := watch(w)
	c, _ := w.Node("a").ListenUDP(0, nil)
	// r1 routes 10.0.0.77 onto its /24 towards r2, which does not own it:
	// host unreachable at once, not a loop until the TTL runs out.
	if _, err := c.SendTo(netip.MustParseAddrPort("10.0.0.77:9"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	w.Kernel.Run()
	if len(*got) != 1 || (*got)[0] != "host unreachable from 10.0.1.1" {
		t.Fatalf("ICMP %q", *got)
	}
	if n := strings.Count(strings.Join(log.events, ";"), "forward"); n != 0 {
		t.Fatalf("%d forwards for an unowned on-link address", n)
	}
	// The host itself refuses to send to an unowned address on its link.
	if _, err := c.SendTo(netip.MustParseAddrPort("10.0.1.50:9"), []byte("x")); err == nil || !strings.Contains(err.Error(), "host unreachable") {
		t.Fatalf("err = %v", err)
	}
}

func TestICMPErrorSourceAddress(t *testing.T) {
	w := build(t, chain)
	got := icmpFrom(w.Node("a"))
	c, _ := w.Node("a").ListenUDP(0, nil)
	// r3's far address 10.0.2.1 is reached through its 10.0.23.2
	// interface; the port unreachable comes from the address probed.
	c.SendTo(netip.MustParseAddrPort("10.0.2.1:33434"), []byte("x"))
	w.Kernel.Run()
	if len(*got) != 1 || (*got)[0] != "port unreachable from 10.0.2.1" {
		t.Fatalf("ICMP %q", *got)
	}
}

func TestICMPQuoteLength(t *testing.T) {
	w := build(t, chain)
	var quoted int
	w.Node("a").ListenICMP(func(now sim.Time, m *node.ICMPPacket) { quoted = len(m.Msg.Data) })
	c, _ := w.Node("a").ListenUDP(0, nil)
	c.TTL = 1
	c.SendTo(netip.MustParseAddrPort("10.0.2.2:9"), make([]byte, 1000))
	w.Kernel.Run()
	// RFC 1812: as much as fits in 576 bytes: 576 - 20 (IP) - 8 (ICMP).
	if quoted != 548 {
		t.Fatalf("quoted %d bytes, want 548", quoted)
	}
}

func TestNoICMPErrorAboutBroadcastOrBadSource(t *testing.T) {
	tests := []struct {
		name     string
		src, dst string
	}{
		{"limited broadcast destination", "10.0.1.2", "255.255.255.255"},
		{"multicast destination", "10.0.1.2", "224.0.0.9"},
		{"broadcast source", "255.255.255.255", "10.0.2.2"},
		{"loopback source", "127.0.0.1", "10.0.2.2"},
		{"class E source", "240.0.0.1", "10.0.2.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := build(t, chain)
			r1 := w.Node("r1")
			src, dst := mustAddr(tt.src), mustAddr(tt.dst)
			udp := wire.AppendUDP(nil, src, dst, 1, 9, []byte("x"))
			h := wire.IPv4Header{TTL: 1, Protocol: wire.ProtoUDP, Src: src, Dst: dst}
			pkt := append(h.AppendTo(nil, len(udp)), udp...)
			// Hand it to r1 as if it came from a, so the TTL or port rules
			// would apply.
			p := w.Pool.Get(len(pkt))
			copy(p.Data, pkt)
			r1.Ifaces()[0].Receive(0, p)
			w.Kernel.Run()
			if s := r1.Stats(); s.ICMPSent != 0 {
				t.Fatalf("r1 sent %d ICMP errors", s.ICMPSent)
			}
		})
	}
}

func TestReassemblyTimeoutFollowsErrorRules(t *testing.T) {
	tests := []struct {
		name  string
		dst   string
		proto uint8
		body  []byte
	}{
		// The first fragment of an ICMP error: no error about an error.
		{"about an ICMP error", "10.0.1.1", wire.ProtoICMP, []byte{wire.ICMPDestUnreachable, 0, 0, 0, 0, 0, 0, 0}},
		// Sent to the broadcast address: no error, and never from it.
		{"to broadcast", "255.255.255.255", wire.ProtoUDP, make([]byte, 8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := build(t, chain)
			r1 := w.Node("r1")
			h := wire.IPv4Header{ID: 3, MoreFragments: true, TTL: 64, Protocol: tt.proto, Src: mustAddr("10.0.1.2"), Dst: mustAddr(tt.dst)}
			pkt := append(h.AppendTo(nil, len(tt.body)), tt.body...)
			p := w.Pool.Get(len(pkt))
			copy(p.Data, pkt)
			r1.Ifaces()[0].Receive(0, p)
			w.Kernel.Run()
			if s := r1.Stats(); s.ReasmTimeouts != 1 || s.ICMPSent != 0 {
				t.Fatalf("timeouts %d, ICMP errors sent %d; want 1 and 0", s.ReasmTimeouts, s.ICMPSent)
			}
		})
	}
}

func TestICMPErrorTypes(t *testing.T) {
	// A timestamp request (13) is a query: its TTL running out deserves a
	// time exceeded. A redirect (5) is an error: it gets none.
	for typ, want := range map[uint8]int{13: 1, 5: 0, 200: 0} {
		w := build(t, chain)
		got := icmpFrom(w.Node("a"))
		m := wire.ICMPMessage{Type: typ, Data: make([]byte, 12)}
		w.Node("a").SendICMP(mustAddr("10.0.2.2"), &m, node.SendOptions{TTL: 1})
		w.Kernel.Run()
		if len(*got) != want {
			t.Errorf("type %d with TTL 1: %q, want %d errors", typ, *got, want)
		}
	}
}

// frag builds a fragment of a UDP datagram from a to b.
func frag(id uint16, off int, mf bool, n int) []byte {
	h := wire.IPv4Header{ID: id, FragOffset: off, MoreFragments: mf, TTL: 64, Protocol: wire.ProtoUDP,
		Src: mustAddr("10.0.1.2"), Dst: mustAddr("10.0.2.2")}
	return append(h.AppendTo(nil, n), make([]byte, n)...)
}

func TestReassemblyRules(t *testing.T) {
	type f struct {
		off int
		mf  bool
		n   int
	}
	tests := []struct {
		name        string
		frags       []f
		reassembled uint64
		reason      string // a drop reason that must appear
	}{
		{"in order", []f{{0, true, 16}, {16, false, 8}}, 1, ""},
		{"reversed", []f{{16, false, 8}, {0, true, 16}}, 1, ""},
		{"exact duplicate ignored", []f{{0, true, 16}, {0, true, 16}, {16, false, 8}}, 1, "fragment-duplicate"},
		{"overlap discards", []f{{0, true, 16}, {8, true, 16}, {24, false, 8}}, 0, "fragment-overlap"},
		{"end moves back", []f{{0, true, 16}, {16, true, 8}, {8, false, 0}}, 0, "fragment-overlap"},
		{"two different ends", []f{{16, false, 8}, {0, true, 8}, {8, false, 8}}, 0, "fragment-overlap"},
		{"beyond the end", []f{{16, false, 8}, {24, true, 8}, {0, true, 16}}, 0, "fragment-overlap"},
		{"unaligned middle fragment", []f{{0, true, 13}}, 0, "malformed"},
		{"too long", []f{{65520, false, 100}}, 0, "malformed"},
		{"repeat that claims to be last", []f{{0, true, 8}, {8, true, 8}, {16, true, 8}, {8, false, 8}, {24, false, 8}}, 0, "fragment-overlap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := build(t, chain)
			log := watch(w)
			a, b := w.Node("a"), w.Node("b")
			for _, fr := range tt.frags {
				if _, err := a.SendRaw(frag(7, fr.off, fr.mf, fr.n)); err != nil {
					t.Fatal(err)
				}
			}
			w.Kernel.Run()
			if got := b.Stats().Reassembled; got != tt.reassembled {
				t.Fatalf("reassembled %d, want %d; events %v", got, tt.reassembled, log.events)
			}
			if tt.reason != "" && !strings.Contains(strings.Join(log.events, ";"), "drop b "+tt.reason) {
				t.Fatalf("no %q drop in %v", tt.reason, log.events)
			}
			if w.Pool.Live() != 0 {
				t.Fatalf("%d packets leaked", w.Pool.Live())
			}
		})
	}
}

// tosLog records the TOS of ICMP datagrams as they are sent.
type tosLog map[string]uint8

func (l tosLog) Observe(e *trace.Event) {
	ip := wire.IPv4(e.Data)
	if e.Kind == trace.Send && ip.Protocol() == wire.ProtoICMP {
		l[e.Node+" "+wire.ICMPText(ip.Payload()[0], ip.Payload()[1], 0)] = ip.TOS()
	}
}

// Linux sends ICMP errors with precedence internetwork control (0xc0)
// plus the TOS bits of the offending datagram, and echo replies with the
// request's TOS.
func TestICMPTOS(t *testing.T) {
	w := build(t, chain)
	log := tosLog{}
	w.Bus.Subscribe(log)
	a, b := w.Node("a"), w.Node("b")
	a.SendICMP(b.Addr(), &wire.ICMPMessage{Type: wire.ICMPEchoRequest, ID: 1, Seq: 1}, node.SendOptions{TOS: 0x10})
	c, _ := a.ListenUDP(0, nil)
	c.TTL = 1
	c.SendTo(netip.AddrPortFrom(b.Addr(), 9), []byte("x"))
	w.Kernel.Run()
	want := tosLog{"a echo request": 0x10, "b echo reply": 0x10, "r1 time exceeded": 0xc0}
	if !maps.Equal(log, want) {
		t.Fatalf("TOS %v, want %v", log, want)
	}
}
