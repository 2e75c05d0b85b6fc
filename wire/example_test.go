package wire_test

import (
	"fmt"
	"net/netip"

	"github.com/hopsnet/hops/wire"
)

// Build a TCP SYN inside an IPv4 packet with the header structs, then
// parse it back.
func Example() {
	src := netip.MustParseAddr("10.0.0.1")
	dst := netip.MustParseAddr("10.0.0.2")

	syn := wire.TCPHeader{
		SrcPort: 40000, DstPort: 80, Seq: 1, Flags: wire.SYN, Window: 64240,
		Options: wire.TCPOptions{
			MSS: 1460, SACKPermitted: true,
			HasTimestamps: true, TSVal: 1000,
			HasWindowScale: true, WindowScale: 7,
		},
	}
	seg := syn.AppendTo(nil, src, dst, nil)
	ip := wire.IPv4Header{ID: 1, DontFragment: true, TTL: 64, Protocol: wire.ProtoTCP, Src: src, Dst: dst}
	pkt := append(ip.AppendTo(nil, len(seg)), seg...)

	ih, payload, err := wire.ParseIPv4(pkt)
	if err != nil {
		panic(err)
	}
	th, _, err := wire.ParseTCP(payload)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(pkt), ih.Src, "->", ih.Dst, th.Flags, "MSS", th.Options.MSS, "WS", th.Options.WindowScale)
	fmt.Println("TCP checksum ok:", wire.VerifyTCPChecksum(ih.Src, ih.Dst, payload))
	// Output:
	// 60 10.0.0.1 -> 10.0.0.2 SYN MSS 1460 WS 7
	// TCP checksum ok: true
}

// A router forwards a packet in place through the IPv4 view: DecTTL
// updates the header checksum incrementally (RFC 1624).
func ExampleIPv4_DecTTL() {
	h := wire.IPv4Header{TTL: 64, Protocol: wire.ProtoUDP,
		Src: netip.MustParseAddr("192.168.0.1"), Dst: netip.MustParseAddr("192.168.0.199")}
	pkt := h.AppendTo(nil, 0)

	v := wire.IPv4(pkt)
	if err := v.Check(); err != nil {
		panic(err)
	}
	fmt.Printf("TTL %d checksum %#04x\n", v.TTL(), v.HeaderChecksum())
	v.DecTTL()
	fmt.Printf("TTL %d checksum %#04x valid %v\n", v.TTL(), v.HeaderChecksum(), v.ChecksumValid())
	// Output:
	// TTL 64 checksum 0xf8c0
	// TTL 63 checksum 0xf9c0 valid true
}

// An ICMP "fragmentation needed" error quotes the offending datagram.
func ExampleQuoteDatagram() {
	src := netip.MustParseAddr("10.0.0.1")
	dst := netip.MustParseAddr("10.0.0.2")
	udp := wire.AppendUDP(nil, src, dst, 5000, 53, make([]byte, 1400))
	orig := wire.IPv4Header{DontFragment: true, TTL: 64, Protocol: wire.ProtoUDP, Src: src, Dst: dst}
	dgram := append(orig.AppendTo(nil, len(udp)), udp...)

	msg := wire.ICMPMessage{
		Type: wire.ICMPDestUnreachable, Code: wire.ICMPFragNeeded, MTU: 1280,
		Data: wire.QuoteDatagram(nil, dgram),
	}
	icmp := msg.AppendTo(nil)
	m, err := wire.ParseICMP(icmp)
	fmt.Println(len(dgram), len(m.Data), m.MTU, err)
	// Output: 1428 28 1280 <nil>
}
