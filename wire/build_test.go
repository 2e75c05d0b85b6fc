package wire

import (
	"encoding/binary"
	"testing"
)

type buildCase struct {
	name string
	pkt  []byte // a whole IPv4 packet
}

// ipPacket encodes h followed by payload.
func ipPacket(h IPv4Header, payload []byte) []byte {
	return append(h.AppendTo(nil, len(payload)), payload...)
}

// buildCases returns whole packets built with this package's encoders and
// view setters. TestTshark feeds them to Wireshark; TestBuildCasesParse
// checks them with this package's own parsers.
func buildCases() []buildCase {
	a, b, r := addr("10.0.0.1"), addr("10.0.0.2"), addr("10.0.0.254")
	ip := func(proto uint8, src, dst string) IPv4Header {
		return IPv4Header{ID: 99, DontFragment: true, TTL: 64, Protocol: proto, Src: addr(src), Dst: addr(dst)}
	}
	var cases []buildCase
	add := func(name string, pkt []byte) { cases = append(cases, buildCase{name, pkt}) }

	echo := ICMPMessage{Type: ICMPEchoRequest, ID: 0xabcd, Seq: 7, Data: []byte("0123456789abcdef")}
	add("echo request", ipPacket(ip(ProtoICMP, "10.0.0.1", "10.0.0.2"), echo.AppendTo(nil)))

	syn := TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 1, Flags: SYN, Window: 64240, Options: TCPOptions{
		MSS: 1460, SACKPermitted: true, HasTimestamps: true, TSVal: 1000, HasWindowScale: true, WindowScale: 7}}
	synPkt := ipPacket(ip(ProtoTCP, "10.0.0.1", "10.0.0.2"), syn.AppendTo(nil, a, b, nil))
	add("syn", synPkt)

	sack4 := TCPHeader{SrcPort: 80, DstPort: 40000, Seq: 2, Ack: 100, Flags: ACK, Window: 501, Options: TCPOptions{
		NumSACK: 4, SACK: [4]SACKBlock{{200, 300}, {400, 500}, {600, 700}, {800, 900}}}}
	add("four sack blocks", ipPacket(ip(ProtoTCP, "10.0.0.2", "10.0.0.1"), sack4.AppendTo(nil, b, a, nil)))

	compact := TCPHeader{SrcPort: 80, DstPort: 40000, Seq: 3, Ack: 100, Flags: ACK | ECE, Window: 501, Options: TCPOptions{
		HasTimestamps: true, TSVal: 5, TSEcr: 6, HasWindowScale: true, WindowScale: 2,
		NumSACK: 3, SACK: [4]SACKBlock{{200, 300}, {400, 500}, {600, 700}}}}
	add("compact options", ipPacket(ip(ProtoTCP, "10.0.0.2", "10.0.0.1"), compact.AppendTo(nil, b, a, nil)))

	data := TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 2, Ack: 1, Flags: PSH | ACK, Window: 502, Options: TCPOptions{
		HasTimestamps: true, TSVal: 1001, TSEcr: 7}}
	add("odd-length data", ipPacket(ip(ProtoTCP, "10.0.0.1", "10.0.0.2"), data.AppendTo(nil, a, b, []byte("GET / HTTP/1.0\r\n\r\n!"))))

	// A router forwards the SYN (DecTTL), then a NAT rewrites the source
	// address, fixing the IP checksum in place and the TCP checksum with
	// ChecksumUpdate32 over the pseudo header.
	fwd := append([]byte(nil), synPkt...)
	v := IPv4(fwd)
	v.DecTTL()
	oldSrc := binary.BigEndian.Uint32(v[12:16])
	v.SetSrc(addr("192.0.2.33"))
	seg := v.Payload()
	binary.BigEndian.PutUint16(seg[16:18], ChecksumUpdate32(TCP(seg).Checksum(), oldSrc, binary.BigEndian.Uint32(v[12:16])))
	add("forwarded and NATed syn", fwd)

	udpPkt := ipPacket(IPv4Header{TOS: 0x2e << 2, TTL: 64, Protocol: ProtoUDP, Src: a, Dst: b,
		Options: mustHex("94040000")}, AppendUDP(nil, a, b, 40001, 9, []byte("odd")))
	add("udp with router alert", udpPkt)
	add("empty udp", ipPacket(ip(ProtoUDP, "10.0.0.1", "10.0.0.2"), AppendUDP(nil, a, b, 1, 9, nil)))
	p := []byte{0, 0}
	binary.BigEndian.PutUint16(p, binary.BigEndian.Uint16(AppendUDP(nil, a, b, 1234, 9, p)[6:]))
	add("udp checksum 0xffff", ipPacket(ip(ProtoUDP, "10.0.0.1", "10.0.0.2"), AppendUDP(nil, a, b, 1234, 9, p)))

	unreach := ICMPMessage{Type: ICMPDestUnreachable, Code: ICMPPortUnreachable, Data: QuoteDatagram(nil, udpPkt)}
	add("port unreachable", ipPacket(IPv4Header{TOS: 0xc0, TTL: 64, Protocol: ProtoICMP, Src: b, Dst: a}, unreach.AppendTo(nil)))
	fragNeeded := ICMPMessage{Type: ICMPDestUnreachable, Code: ICMPFragNeeded, MTU: 1280, Data: QuoteDatagram(nil, synPkt)}
	add("frag needed", ipPacket(IPv4Header{TOS: 0xc0, TTL: 64, Protocol: ProtoICMP, Src: r, Dst: a}, fragNeeded.AppendTo(nil)))
	return cases
}

func TestBuildCasesParse(t *testing.T) {
	for _, c := range buildCases() {
		h, payload, err := ParseIPv4(c.pkt)
		if err != nil {
			t.Errorf("%s: ParseIPv4: %v", c.name, err)
			continue
		}
		switch h.Protocol {
		case ProtoTCP:
			_, _, err = ParseTCP(payload)
			if !VerifyTCPChecksum(h.Src, h.Dst, payload) {
				t.Errorf("%s: bad TCP checksum", c.name)
			}
		case ProtoUDP:
			_, _, err = ParseUDP(payload)
			if !VerifyUDPChecksum(h.Src, h.Dst, payload) {
				t.Errorf("%s: bad UDP checksum", c.name)
			}
		case ProtoICMP:
			_, err = ParseICMP(payload)
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
