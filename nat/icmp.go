package nat

import (
	"encoding/binary"
	"net/netip"

	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// ICMP types the NAT translates besides echo (RFC 792).
const (
	icmpParamProblem = 12
	icmpSourceQuench = 4
)

func isICMPError(t uint8) bool {
	switch t {
	case wire.ICMPDestUnreachable, wire.ICMPTimeExceeded, icmpParamProblem, icmpSourceQuench:
		return true
	}
	return false
}

// setICMPID rewrites the identifier of an echo message (bytes 4..5),
// fixing its checksum incrementally.
func setICMPID(icmp []byte, id uint16) {
	old := binary.BigEndian.Uint16(icmp[4:6])
	binary.BigEndian.PutUint16(icmp[4:6], id)
	c := binary.BigEndian.Uint16(icmp[2:4])
	binary.BigEndian.PutUint16(icmp[2:4], wire.ChecksumUpdate16(c, old, id))
}

// outICMP translates an outbound echo request, treating its identifier
// as a port (RFC 5508 REQ-1), or an ICMP error from an inside host.
func (n *NAT) outICMP(now sim.Time, ip wire.IPv4) Verdict {
	icmp := wire.ICMP(ip.Payload())
	switch {
	case icmp.Type() == wire.ICMPEchoRequest:
	case isICMPError(icmp.Type()):
		return n.outError(now, ip, icmp)
	default:
		return DropProtocol
	}
	if as4(ip.Dst()) == n.public {
		return Pass // ping the router's own public address
	}
	m := n.mappingFor(now, intKey{icmpProto, as4(ip.Src()), icmp.ID()})
	if m == nil {
		return DropTableFull
	}
	m.refresh(now, m.session(now, as4(ip.Dst()), 0), &n.cfg)
	ip.SetSrc(n.cfg.Public) // the ICMP checksum has no pseudo header
	setICMPID(icmp, m.ext)
	return Translated
}

// inICMP translates an inbound echo reply to its mapping, or an ICMP
// error about a translated datagram.
func (n *NAT) inICMP(now sim.Time, ip wire.IPv4) Verdict {
	icmp := wire.ICMP(ip.Payload())
	if isICMPError(icmp.Type()) {
		return n.inError(now, ip, icmp)
	}
	if icmp.Type() != wire.ICMPEchoReply {
		return NoMapping // an echo request for the router itself, say
	}
	m := n.tab.byPublic(now, extKey{icmpProto, icmp.ID()})
	if m == nil {
		return NoMapping
	}
	src := as4(ip.Src())
	if !n.allows(now, m, src) {
		return DropFiltered
	}
	p := m.session(now, src, 0)
	p.replied = true
	m.refresh(now, p, &n.cfg)
	ip.SetDst(netip.AddrFrom4(m.in.addr))
	setICMPID(icmp, m.in.port)
	return Translated
}

// quoted is the datagram an ICMP error quotes (RFC 792: its IP header
// and at least the first 8 bytes of its payload), checked enough that
// every offset used below is in bounds.
type quoted struct {
	ip    wire.IPv4 // the quoted header and what follows, to the message end
	hl    int       // its header length
	proto uint8
	sport uint16 // source port, or the echo identifier
	dport uint16 // destination port (0 for ICMP)
}

func parseQuoted(body []byte) (quoted, bool) {
	var q quoted
	if len(body) < wire.IPv4HeaderLen || body[0]>>4 != 4 {
		return q, false
	}
	q.ip, q.hl = wire.IPv4(body), int(body[0]&0x0f)*4
	if q.hl < wire.IPv4HeaderLen || len(body) < q.hl+8 {
		return q, false
	}
	q.proto = q.ip.Protocol()
	t := body[q.hl:]
	switch q.proto {
	case udpProto, tcpProto:
		q.sport, q.dport = ports(t)
	case icmpProto:
		if t[0] != wire.ICMPEchoRequest { // an error about an error is not sent (RFC 1122)
			return q, false
		}
		q.sport = binary.BigEndian.Uint16(t[4:6])
	default:
		return q, false
	}
	return q, true
}

// inError translates an ICMP error arriving for the public address about
// a datagram the NAT sent out: the quoted datagram's source (public
// address and port) goes back to the inside endpoint and the outer
// destination with it (RFC 5508 REQ-3). No filtering applies: the error
// comes from a router on the path, not from the peer (RFC 5508 REQ-5).
func (n *NAT) inError(now sim.Time, ip wire.IPv4, icmp wire.ICMP) Verdict {
	q, ok := parseQuoted(icmp.Body())
	if !ok || as4(q.ip.Src()) != n.public {
		return NoMapping
	}
	m := n.tab.byPublic(now, extKey{q.proto, q.sport})
	if m == nil {
		return NoMapping
	}
	in := netip.AddrFrom4(m.in.addr)
	fixQuoted(icmp, q, func() {
		old := q.ip.Src()
		q.ip.SetSrc(in)
		rewriteQuotedPort(q, old, in, 0, m.in.port)
	})
	ip.SetDst(in)
	return Translated
}

// outError translates an ICMP error an inside host sends about a
// datagram that came in through the NAT: the quoted destination goes
// back to the public endpoint, and the outer source becomes the public
// address (RFC 5508 REQ-4).
func (n *NAT) outError(now sim.Time, ip wire.IPv4, icmp wire.ICMP) Verdict {
	q, ok := parseQuoted(icmp.Body())
	if !ok || q.proto == icmpProto || q.ip.Dst() != ip.Src() {
		return DropFiltered
	}
	m := n.tab.byInside(now, intKey{q.proto, as4(q.ip.Dst()), q.dport})
	if m == nil {
		return DropFiltered
	}
	fixQuoted(icmp, q, func() {
		old := q.ip.Dst()
		q.ip.SetDst(n.cfg.Public)
		rewriteQuotedPort(q, old, n.cfg.Public, 2, m.ext)
	})
	ip.SetSrc(n.cfg.Public)
	return Translated
}

// fixQuoted runs rewrite on the quoted datagram and updates the ICMP
// checksum for the bytes it changed: the one's complement sum of the
// touched range before and after (RFC 1624 applied to a block; the range
// starts at an even offset of the message, so word alignment holds).
func fixQuoted(icmp wire.ICMP, q quoted, rewrite func()) {
	end := min(len(q.ip), q.hl+wire.TCPHeaderLen)
	block := q.ip[:end]
	before := wire.Sum(block, 0)
	rewrite()
	after := wire.Sum(block, 0)
	c := binary.BigEndian.Uint16(icmp[2:4])
	binary.BigEndian.PutUint16(icmp[2:4], wire.ChecksumUpdate16(c, uint16(before), uint16(after)))
}

// rewriteQuotedPort rewrites the quoted transport header after its
// address changed from oldA to newA: the port at offset off (0 source,
// 2 destination) or the echo identifier, and the quoted checksum if the
// quote holds it, so that the inner datagram stays self-consistent.
func rewriteQuotedPort(q quoted, oldA, newA netip.Addr, off int, port uint16) {
	t := q.ip[q.hl:]
	switch {
	case q.proto == icmpProto:
		setICMPID(t, port)
	case q.proto == udpProto:
		u := wire.UDP(t)
		u.UpdatePseudoAddr(oldA, newA)
		if off == 0 {
			u.SetSrcPort(port)
		} else {
			u.SetDstPort(port)
		}
	case len(t) >= 18: // TCP with its checksum quoted
		s := wire.TCP(t)
		s.UpdatePseudoAddr(oldA, newA)
		if off == 0 {
			s.SetSrcPort(port)
		} else {
			s.SetDstPort(port)
		}
	default: // TCP quoted to 8 bytes: the checksum is not there
		binary.BigEndian.PutUint16(t[off:off+2], port)
	}
}
