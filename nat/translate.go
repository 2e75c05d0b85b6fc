package nat

import (
	"encoding/binary"
	"net/netip"

	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// check validates pkt before any rewrite: IPv4 structure and header
// checksum, not a fragment, and a transport header whose checksum
// verifies. A translated packet's checksums are then valid by
// construction, since every rewrite updates them incrementally.
func check(pkt []byte) (wire.IPv4, Verdict) {
	ip := wire.IPv4(pkt)
	if ip.Check() != nil {
		return nil, DropMalformed
	}
	if !ip.ChecksumValid() {
		return nil, DropChecksum
	}
	if ip.MoreFragments() || ip.FragOffset() != 0 {
		return nil, DropFragment
	}
	seg := ip.Payload()
	switch ip.Protocol() {
	case udpProto:
		if wire.UDP(seg).Check() != nil {
			return nil, DropMalformed
		}
		if !wire.VerifyUDPChecksum(ip.Src(), ip.Dst(), seg) {
			return nil, DropChecksum
		}
	case tcpProto:
		if wire.TCP(seg).Check() != nil {
			return nil, DropMalformed
		}
		if !wire.VerifyTCPChecksum(ip.Src(), ip.Dst(), seg) {
			return nil, DropChecksum
		}
	case icmpProto:
		if wire.ICMP(seg).Check() != nil {
			return nil, DropMalformed
		}
		if !wire.ICMP(seg).ChecksumValid() {
			return nil, DropChecksum
		}
	}
	return ip, Translated
}

// ports returns the source and destination ports of a TCP or UDP
// segment (they sit alike in both headers).
func ports(seg []byte) (src, dst uint16) {
	return binary.BigEndian.Uint16(seg[0:2]), binary.BigEndian.Uint16(seg[2:4])
}

// Outbound translates pkt, an IPv4 datagram leaving the inside network
// through the public interface, in place. Datagrams from outside the
// Inside prefix (the router's own) pass unchanged.
func (n *NAT) Outbound(now sim.Time, pkt []byte) Verdict {
	ip, v := check(pkt)
	if v != Translated {
		return v
	}
	if !n.cfg.Inside.Contains(ip.Src()) {
		return Pass
	}
	switch ip.Protocol() {
	case udpProto, tcpProto:
		return n.outTransport(now, ip)
	case icmpProto:
		return n.outICMP(now, ip)
	}
	return DropProtocol
}

// Inbound translates pkt, an IPv4 datagram arriving on the public
// interface, in place. Datagrams for another address pass unchanged;
// datagrams for the public address that match no mapping come back as
// NoMapping, unchanged, for the router's own stack.
func (n *NAT) Inbound(now sim.Time, pkt []byte) Verdict {
	ip, v := check(pkt)
	if v != Translated {
		return v
	}
	if as4(ip.Dst()) != n.public {
		return Pass
	}
	switch ip.Protocol() {
	case udpProto, tcpProto:
		return n.inTransport(now, ip)
	case icmpProto:
		return n.inICMP(now, ip)
	}
	return NoMapping
}

func as4(a netip.Addr) [4]byte { return a.As4() }

// mappingFor returns the mapping of the inside endpoint k, creating it
// with endpoint-independent mapping: one public port per inside
// endpoint, whatever the destination (RFC 4787 REQ-1, RFC 5382 REQ-1).
func (n *NAT) mappingFor(now sim.Time, k intKey) *mapping {
	if m := n.tab.byInside(now, k); m != nil {
		return m
	}
	ext, ok := n.allocPort(now, k.proto, k.port)
	if !ok {
		return nil
	}
	return n.tab.insert(now, k, ext, false)
}

// allocPort picks the public port for a new mapping: the inside port
// itself when it is in range and free (port preservation, RFC 4787
// section 4.2.1), otherwise a port drawn from the seeded stream and
// probed upward (RFC 6056 algorithm 1 with linear probing).
func (n *NAT) allocPort(now sim.Time, proto uint8, want uint16) (uint16, bool) {
	lo, hi := int(n.cfg.PortMin), int(n.cfg.PortMax)
	if proto == icmpProto { // echo identifiers have no reserved range
		lo, hi = 1, 0xffff
	}
	if int(want) >= lo && int(want) <= hi && !n.tab.portUsed(now, proto, want) {
		return want, true
	}
	span := hi - lo + 1
	start := n.rng.IntN(span)
	for i := range min(span, n.tab.max+1) {
		p := uint16(lo + (start+i)%span)
		if !n.tab.portUsed(now, proto, p) {
			return p, true
		}
	}
	return 0, false
}

// outTransport translates an outbound TCP or UDP datagram.
func (n *NAT) outTransport(now sim.Time, ip wire.IPv4) Verdict {
	seg := ip.Payload()
	sport, dport := ports(seg)
	dst := as4(ip.Dst())
	if dst == n.public {
		return n.hairpin(now, ip, sport, dport)
	}
	m := n.mappingFor(now, intKey{ip.Protocol(), as4(ip.Src()), sport})
	if m == nil {
		return DropTableFull
	}
	p := m.session(now, dst, dport)
	if ip.Protocol() == tcpProto {
		p.tcp = p.tcp.out(wire.TCP(seg).Flags())
	}
	m.refresh(now, p, &n.cfg)
	rewriteSrc(ip, n.cfg.Public, m.ext)
	return Translated
}

// inTransport translates an inbound TCP or UDP datagram to its mapping.
func (n *NAT) inTransport(now sim.Time, ip wire.IPv4) Verdict {
	seg := ip.Payload()
	sport, dport := ports(seg)
	m := n.tab.byPublic(now, extKey{ip.Protocol(), dport})
	if m == nil {
		return NoMapping
	}
	src := as4(ip.Src())
	if !n.allows(now, m, src) {
		return DropFiltered
	}
	n.touchIn(now, m, src, sport, seg)
	rewriteDst(ip, netip.AddrFrom4(m.in.addr), m.in.port)
	return Translated
}

// allows applies the filtering behaviour to a datagram from src. A
// static (port-forward) mapping accepts anyone.
func (n *NAT) allows(now sim.Time, m *mapping, src [4]byte) bool {
	return m.static || n.cfg.Filtering == EndpointIndependent || m.knowsAddr(now, src)
}

// touchIn records an inbound datagram from src:sport on m's session.
func (n *NAT) touchIn(now sim.Time, m *mapping, src [4]byte, sport uint16, seg []byte) {
	p := m.session(now, src, sport)
	p.replied = true
	if m.in.proto == tcpProto {
		p.tcp = p.tcp.in(wire.TCP(seg).Flags())
	}
	m.refresh(now, p, &n.cfg)
}

// hairpin handles an inside host sending to the public address: if a
// mapping answers there, the datagram goes back inside with the
// sender's public endpoint as its source (RFC 4787 REQ-9, RFC 5382
// REQ-8). Otherwise it is for the router itself and passes untouched.
func (n *NAT) hairpin(now sim.Time, ip wire.IPv4, sport, dport uint16) Verdict {
	proto := ip.Protocol()
	target := n.tab.byPublic(now, extKey{proto, dport})
	if target == nil {
		return Pass
	}
	from := n.mappingFor(now, intKey{proto, as4(ip.Src()), sport})
	if from == nil {
		return DropTableFull
	}
	// The sender's session opens even if the target filters it out, as
	// an outbound datagram opens address-dependent filters for hole
	// punching.
	seg := ip.Payload()
	p := from.session(now, n.public, dport)
	if proto == tcpProto {
		p.tcp = p.tcp.out(wire.TCP(seg).Flags())
	}
	from.refresh(now, p, &n.cfg)
	target = n.tab.byPublic(now, extKey{proto, dport}) // insert may have evicted it
	if target == nil {
		return Pass
	}
	if !n.allows(now, target, n.public) {
		return DropFiltered
	}
	n.touchIn(now, target, n.public, from.ext, seg)
	rewriteSrc(ip, n.cfg.Public, from.ext)
	rewriteDst(ip, netip.AddrFrom4(target.in.addr), target.in.port)
	return Hairpin
}

// rewriteSrc sets the source address and port of a TCP or UDP datagram,
// fixing the IPv4 header checksum and the transport checksum (through
// its pseudo header) incrementally.
func rewriteSrc(ip wire.IPv4, a netip.Addr, port uint16) {
	old := ip.Src()
	ip.SetSrc(a)
	if seg := ip.Payload(); ip.Protocol() == tcpProto {
		wire.TCP(seg).UpdatePseudoAddr(old, a)
		wire.TCP(seg).SetSrcPort(port)
	} else {
		wire.UDP(seg).UpdatePseudoAddr(old, a)
		wire.UDP(seg).SetSrcPort(port)
	}
}

// rewriteDst is rewriteSrc for the destination.
func rewriteDst(ip wire.IPv4, a netip.Addr, port uint16) {
	old := ip.Dst()
	ip.SetDst(a)
	if seg := ip.Payload(); ip.Protocol() == tcpProto {
		wire.TCP(seg).UpdatePseudoAddr(old, a)
		wire.TCP(seg).SetDstPort(port)
	} else {
		wire.UDP(seg).UpdatePseudoAddr(old, a)
		wire.UDP(seg).SetDstPort(port)
	}
}

// out and in fold a segment's flags into the session state. A SYN
// without ACK after the session closed starts a new connection.
func (t tcpSeen) out(f wire.TCPFlags) tcpSeen {
	return t.fold(f, synOut, finOut)
}

func (t tcpSeen) in(f wire.TCPFlags) tcpSeen {
	return t.fold(f, synIn, finIn)
}

func (t tcpSeen) fold(f wire.TCPFlags, syn, fin tcpSeen) tcpSeen {
	if f.Has(wire.SYN) && !f.Has(wire.ACK) && t&(finOut|finIn|rstSeen) != 0 {
		t = 0
	}
	if f.Has(wire.SYN) {
		t |= syn
	}
	if f.Has(wire.FIN) {
		t |= fin
	}
	if f.Has(wire.RST) {
		t |= rstSeen
	}
	return t
}
