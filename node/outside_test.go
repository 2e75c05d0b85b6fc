package node_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// An outside stack standing for b takes the datagrams addressed to b (so
// b's own echo responder stays silent), leaves those it declines to b's
// sockets, sees fragments as fragments, and sends datagrams of its own
// making through b's routes with the TTL it chose.
func TestOutsideTakesAndSends(t *testing.T) {
	w := build(t, chain)
	a, b := w.Node("a"), w.Node("b")
	var taken [][]byte
	b.SetOutside(func(in *node.Iface, d []byte) bool {
		if h, p, err := wire.ParseIPv4(d); err == nil && h.Protocol == wire.ProtoUDP && h.FragOffset == 0 && !h.MoreFragments {
			if u, _, err := wire.ParseUDP(p); err == nil && u.DstPort == 9 {
				return false // b's own socket
			}
		}
		taken = append(taken, append([]byte(nil), d...))
		return true
	})
	var atB int
	if _, err := b.ListenUDP(9, func(sim.Time, *node.Datagram) { atB++ }); err != nil {
		t.Fatal(err)
	}
	var replies []wire.ICMPMessage
	var replyTTL []uint8
	a.ListenICMP(func(_ sim.Time, m *node.ICMPPacket) {
		replies = append(replies, m.Msg)
		replyTTL = append(replyTTL, m.IP.TTL)
	})
	bAddr := netip.MustParseAddr("10.0.2.2")
	if _, err := a.SendICMP(bAddr, &wire.ICMPMessage{Type: wire.ICMPEchoRequest, ID: 7, Seq: 1, Data: []byte("hi")}, node.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	c, err := a.DialUDP(netip.AddrPortFrom(bAddr, 9), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Send([]byte("to b itself"))
	// Fragmented by r3 for the 576-byte link (no DF).
	udp := wire.UDPHeader{SrcPort: 5, DstPort: 10}
	if _, err := a.SendIP(wire.ProtoUDP, bAddr, udp.AppendTo(nil, a.Addr(), bAddr, make([]byte, 1000)), node.SendOptions{PMTU: node.PMTUDont}); err != nil {
		t.Fatal(err)
	}
	w.Kernel.RunUntil(sim.Time(time.Second))
	if len(replies) != 0 {
		t.Errorf("b's echo responder answered (%v); the outside should have taken the request", replies)
	}
	if atB != 1 {
		t.Errorf("b's socket got %d datagrams, want the 1 the outside declined", atB)
	}
	if len(taken) != 3 {
		t.Fatalf("the outside took %d datagrams, want 3 (an echo request and two fragments)", len(taken))
	}
	if h, _, _ := wire.ParseIPv4(taken[1]); !h.MoreFragments {
		t.Errorf("second datagram taken: %+v, want a first fragment", h)
	}
	// The outside answers the echo request with a datagram of its own,
	// TTL 9: three routers later it arrives with 6.
	req, _, _ := wire.ParseIPv4(taken[0])
	msg := wire.ICMPMessage{Type: wire.ICMPEchoReply, ID: 7, Seq: 1, Data: []byte("hi")}
	icmp := msg.AppendTo(nil)
	hdr := wire.IPv4Header{TTL: 9, Protocol: wire.ProtoICMP, Src: req.Dst, Dst: req.Src, ID: 42}
	dgm := append(hdr.AppendTo(nil, len(icmp)), icmp...)
	if _, err := b.SendRaw(dgm); err != nil {
		t.Fatal(err)
	}
	w.Kernel.RunUntil(sim.Time(2 * time.Second))
	if len(replies) != 1 || replies[0].ID != 7 || replyTTL[0] != 6 {
		t.Fatalf("a got %v with TTLs %v, want the outside's echo reply with TTL 6", replies, replyTTL)
	}
	b.SetOutside(nil)
	if _, err := a.SendICMP(bAddr, &wire.ICMPMessage{Type: wire.ICMPEchoRequest, ID: 8, Seq: 1}, node.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	w.Kernel.RunUntil(sim.Time(3 * time.Second))
	if len(replies) != 2 || replies[1].ID != 8 {
		t.Errorf("without the outside b's responder should answer: replies %v", replies)
	}
}
