package wire_test

import (
	"fmt"
	"net/netip"

	"github.com/hopsnet/hops/wire"
)

// A home router's NAT rewrites an outgoing segment's source address and
// port in place. The IPv4 setter fixes the header checksum; the TCP
// checksum covers the address through the pseudo header, so the NAT
// adjusts it with UpdatePseudoAddr before setting the port.
func ExampleTCP_UpdatePseudoAddr() {
	laptop := netip.MustParseAddr("192.168.1.10")
	server := netip.MustParseAddr("192.0.2.80")
	public := netip.MustParseAddr("203.0.113.5")

	syn := wire.TCPHeader{SrcPort: 51000, DstPort: 80, Seq: 1, Flags: wire.SYN, Window: 64240}
	seg := syn.AppendTo(nil, laptop, server, nil)
	ih := wire.IPv4Header{TTL: 64, Protocol: wire.ProtoTCP, Src: laptop, Dst: server}
	pkt := wire.IPv4(append(ih.AppendTo(nil, len(seg)), seg...))

	tcp := wire.TCP(pkt.Payload())
	pkt.SetSrc(public)
	tcp.UpdatePseudoAddr(laptop, public)
	tcp.SetSrcPort(61000)

	fmt.Println(pkt.Src(), tcp.SrcPort(), "->", pkt.Dst(), tcp.DstPort())
	fmt.Println("IP checksum ok:", pkt.ChecksumValid())
	fmt.Println("TCP checksum ok:", wire.VerifyTCPChecksum(pkt.Src(), pkt.Dst(), tcp))
	// Output:
	// 203.0.113.5 61000 -> 192.0.2.80 80
	// IP checksum ok: true
	// TCP checksum ok: true
}
