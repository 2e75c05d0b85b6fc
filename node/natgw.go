package node

import (
	"net/netip"

	"github.com/hopsnet/hops/nat"
	"github.com/hopsnet/hops/packet"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// NAT on a router (Linux's MASQUERADE with conntrack, in the order
// netfilter runs it):
//
//   - a datagram arriving on the outside interface goes through
//     nat.Inbound before the routing decision (PREROUTING): a reply or a
//     port-forwarded datagram is rewritten to its inside destination and
//     routed there; one that matches no mapping stays as it is and is
//     delivered to the router itself if it is for its address and one of
//     the router's own sockets wants it (an ICMP message, a reply to the
//     router's DHCP client, a listener), and dropped silently otherwise,
//     as a home router's firewall drops unsolicited input on its WAN
//     side (nat-unsolicited); one the filter refuses is dropped too;
//   - a forwarded datagram leaving by the outside interface goes through
//     nat.Outbound after the routing decision (POSTROUTING) and leaves
//     with the public address and port;
//   - a datagram from the inside for the router's public address goes
//     through nat.Outbound too: a mapping there sends it back inside
//     (hairpinning), otherwise it is for the router.
//
// Datagrams are reassembled before translation, as Linux's nf_defrag
// does: only the first fragment carries the ports.

// Trace reasons of the NAT.
const (
	ReasonNATFiltered = "nat-filtered" // the inbound filter refused it
	ReasonNATRefused  = "nat-refused"  // no mapping could be made, or it cannot be translated
	// ReasonNATUnsolicited: from outside, for the public address, matching
	// no mapping, no port forward and no socket of the router.
	ReasonNATUnsolicited = "nat-unsolicited"
)

// natGateway is a node's NAT: the engine and the interfaces it joins.
type natGateway struct {
	t       *nat.NAT
	inside  *Iface
	outside *Iface
}

// SetNAT makes the node translate between inside and outside with t
// (nil turns translation off). The engine's public address is the
// outside interface's; the caller makes a new engine when it changes.
func (n *Node) SetNAT(t *nat.NAT, inside, outside *Iface) {
	if t == nil {
		n.nat = nil
		return
	}
	n.nat = &natGateway{t: t, inside: inside, outside: outside}
}

// NAT returns the node's translator, or nil.
func (n *Node) NAT() *nat.NAT {
	if n.nat == nil {
		return nil
	}
	return n.nat.t
}

// natVerdictReason turns a refusing verdict into a trace reason.
func natVerdictReason(v nat.Verdict) string {
	switch v {
	case nat.DropFiltered:
		return ReasonNATFiltered
	case nat.DropMalformed:
		return trace.ReasonMalformed
	case nat.DropChecksum:
		return trace.ReasonBadChecksum
	}
	return ReasonNATRefused
}

// natIn runs PREROUTING for a datagram that arrived on in. It reports
// whether the datagram goes on (rewritten or not); when it does not, p
// has been dropped.
func (n *Node) natIn(now sim.Time, in *Iface, p *packet.Packet) (ok, hairpin bool) {
	g := n.nat
	ip := wire.IPv4(p.Data)
	switch in {
	case g.outside:
		before := n.natBefore(p)
		v := g.t.Inbound(now, p.Data)
		switch v {
		case nat.Translated:
			n.emitNAT(in, p, "dnat", before)
		case nat.NoMapping:
			if !n.wantsLocally(ip) {
				n.drop(in, p, ReasonNATUnsolicited)
				return false, false
			}
		case nat.Pass, nat.DropFragment:
		default:
			n.drop(in, p, natVerdictReason(v))
			return false, false
		}
	case g.inside:
		if ip.Dst() != g.outside.Addr() {
			return true, false
		}
		before := n.natBefore(p)
		v := g.t.Outbound(now, p.Data)
		switch v {
		case nat.Hairpin:
			n.emitNAT(in, p, "hairpin", before)
			return true, true
		case nat.Pass, nat.Translated, nat.DropFragment:
		default:
			n.drop(in, p, natVerdictReason(v))
			return false, false
		}
	}
	return true, false
}

// wantsLocally reports whether the node itself takes ip (for one of its
// addresses): ICMP always (echo requests, errors about what it sent);
// UDP and TCP when one of its sockets takes it (a bound socket, a
// connected one from its peer, a TCP connection, a listener for a SYN);
// another protocol when the node registered it.
func (n *Node) wantsLocally(ip wire.IPv4) bool {
	if ip.Check() != nil || ip.FragOffset() != 0 {
		return true // the ordinary input path judges it
	}
	body := ip.Payload()
	switch ip.Protocol() {
	case wire.ProtoUDP:
		if len(body) < 8 {
			return true
		}
		// A socket bound to the port takes it, a connected one only from
		// its peer (as handleUDP decides).
		c := n.udp[uint16(body[2])<<8|uint16(body[3])]
		src := netip.AddrPortFrom(ip.Src(), uint16(body[0])<<8|uint16(body[1]))
		return c != nil && c.handler != nil && (!c.peer.IsValid() || c.peer == src)
	case wire.ProtoTCP:
		if len(body) < 14 {
			return true
		}
		sport, dport := uint16(body[0])<<8|uint16(body[1]), uint16(body[2])<<8|uint16(body[3])
		key := tcpKey{netip.AddrPortFrom(ip.Dst(), dport), netip.AddrPortFrom(ip.Src(), sport)}
		if n.tcp.conns[key] != nil {
			return true
		}
		return n.tcp.listeners[dport] != nil
	case wire.ProtoICMP:
		return true
	}
	// Another protocol: only if the router speaks it.
	return n.protos[ip.Protocol()] != nil
}

// natQuote returns the quote for an ICMP error the router sends about
// datagram, which arrived on in: when a port forward rewrote its
// destination to an inside host (PREROUTING came first), the quote gets
// back the public address and port the sender used, as Linux's
// nf_nat_icmp_reply_translation does, so that the sender can match the
// error and no private address leaves the home. The rewritten copy lives
// in the node's buffer; other quotes come back unchanged.
func (n *Node) natQuote(in *Iface, quote []byte) []byte {
	g := n.nat
	if g == nil || in != g.outside || len(quote) < wire.IPv4HeaderLen {
		return quote
	}
	ip := wire.IPv4(quote)
	cfg := g.t.Config()
	hl := ip.HeaderLen()
	if !cfg.Inside.Contains(ip.Dst()) || ip.FragOffset() != 0 || len(quote) < hl+4 {
		return quote
	}
	proto := ip.Protocol()
	if proto != wire.ProtoUDP && proto != wire.ProtoTCP {
		return quote
	}
	t := quote[hl:]
	inside := netip.AddrPortFrom(ip.Dst(), uint16(t[2])<<8|uint16(t[3]))
	m, ok := g.t.Lookup(n.k.Now(), proto, inside)
	if !ok {
		return quote
	}
	n.natQuoteBuf = append(n.natQuoteBuf[:0], quote...)
	q := wire.IPv4(n.natQuoteBuf)
	q.SetDst(m.Public.Addr())
	t = n.natQuoteBuf[hl:]
	switch {
	case proto == wire.ProtoUDP && len(t) >= wire.UDPHeaderLen:
		u := wire.UDP(t)
		u.UpdatePseudoAddr(inside.Addr(), m.Public.Addr())
		u.SetDstPort(m.Public.Port())
	case proto == wire.ProtoTCP && len(t) >= 18: // the checksum quoted too
		s := wire.TCP(t)
		s.UpdatePseudoAddr(inside.Addr(), m.Public.Addr())
		s.SetDstPort(m.Public.Port())
	default:
		t[2], t[3] = byte(m.Public.Port()>>8), byte(m.Public.Port())
	}
	return n.natQuoteBuf
}

// natOut runs POSTROUTING for a forwarded datagram leaving by out. It
// reports whether the datagram goes on; when it does not, p has been
// dropped.
func (n *Node) natOut(now sim.Time, in, out *Iface, p *packet.Packet) bool {
	g := n.nat
	if out != g.outside || in == g.outside {
		return true
	}
	before := n.natBefore(p)
	v := g.t.Outbound(now, p.Data)
	switch v {
	case nat.Translated:
		n.emitNAT(out, p, "snat", before)
		return true
	case nat.Pass:
		return true
	}
	n.drop(in, p, natVerdictReason(v))
	return false
}

// natBefore keeps a copy of the addresses and ports of p before a
// rewrite, for the trace (only when someone listens).
func (n *Node) natBefore(p *packet.Packet) string {
	if !n.bus.Active() {
		return ""
	}
	return trace.Summary(p.Data)
}

// emitNAT reports a rewrite: Reason is "snat", "dnat" or "hairpin",
// then " " and the datagram's summary before it; Data is the datagram
// after.
func (n *Node) emitNAT(i *Iface, p *packet.Packet, what, before string) {
	if !n.bus.Active() {
		return
	}
	e := n.bus.Begin(n.k.Now(), trace.Translate)
	e.Packet = p.ID
	e.Node = n.Name
	e.Iface, e.Link = ifaceNames(i)
	e.Reason = what + " " + before
	e.Data = p.Data
	n.bus.Emit()
}
