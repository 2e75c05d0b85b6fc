package nat

import (
	"net/netip"
	"slices"
	"strconv"

	"github.com/hopsnet/hops/sim"
)

// Expire removes the mappings that have expired by now. Lookups ignore
// expired mappings anyway; Expire frees their slots and ports, and keeps
// [NAT.Len] and [NAT.AppendConntrack] exact.
func (n *NAT) Expire(now sim.Time) { n.tab.expire(now) }

// NextDeadline returns when the earliest dynamic mapping expires
// (sim.Never if there is none): the caller calls Expire then. It scans
// the table, which is bounded by MaxMappings.
func (n *NAT) NextDeadline() sim.Time { return n.tab.nextDeadline() }

// Len returns the number of mappings in the table, static ones
// included; expired ones count until Expire or a lookup removes them.
func (n *NAT) Len() int { return n.tab.live }

// Mapping is one binding as [NAT.Mappings] reports it.
type Mapping struct {
	Proto   uint8          // 1 ICMP, 6 TCP, 17 UDP
	Inside  netip.AddrPort // inside endpoint (port: echo identifier for ICMP)
	Public  netip.AddrPort // its public endpoint
	Static  bool           // a port-forward rule
	Expires sim.Time       // sim.Never for static mappings
}

// Lookup returns the live mapping of an inside endpoint, if any.
func (n *NAT) Lookup(now sim.Time, proto uint8, inside netip.AddrPort) (Mapping, bool) {
	m := n.tab.byInside(now, intKey{proto, inside.Addr().As4(), inside.Port()})
	if m == nil {
		return Mapping{}, false
	}
	return n.export(m), true
}

func (n *NAT) export(m *mapping) Mapping {
	return Mapping{
		Proto:   m.in.proto,
		Inside:  netip.AddrPortFrom(netip.AddrFrom4(m.in.addr), m.in.port),
		Public:  netip.AddrPortFrom(n.cfg.Public, m.ext),
		Static:  m.static,
		Expires: m.expires,
	}
}

// Mappings returns the live mappings sorted by protocol, inside address
// and port.
func (n *NAT) Mappings(now sim.Time) []Mapping {
	var out []Mapping
	for i := range n.tab.slots {
		if m := &n.tab.slots[i]; m.live && (m.static || m.expires > now) {
			out = append(out, n.export(m))
		}
	}
	slices.SortFunc(out, func(a, b Mapping) int {
		if a.Proto != b.Proto {
			return int(a.Proto) - int(b.Proto)
		}
		return a.Inside.Compare(b.Inside)
	})
	return out
}

// AppendConntrack appends the live sessions to dst, one line each in the
// format of Linux `conntrack -L`: protocol name and number, seconds
// left, the TCP state, the original tuple (inside to outside), then the
// reply tuple (outside to the public endpoint), "[UNREPLIED]" before
// the reply tuple if nothing came back and "[ASSURED]" after it if
// something did. Lines are sorted by protocol, inside endpoint and peer.
//
//	udp      17 118 src=192.168.1.10 dst=192.0.2.53 sport=51000 dport=53 src=192.0.2.53 dst=203.0.113.5 sport=53 dport=51000 [ASSURED] mark=0 use=1
func (n *NAT) AppendConntrack(dst []byte, now sim.Time) []byte {
	for _, mp := range n.Mappings(now) {
		m := n.tab.byInside(now, intKey{mp.Proto, mp.Inside.Addr().As4(), mp.Inside.Port()})
		ps := make([]peer, 0, maxPeers)
		for _, p := range m.peers {
			if p.live && p.expires > now {
				ps = append(ps, p)
			}
		}
		slices.SortFunc(ps, func(a, b peer) int {
			return netip.AddrPortFrom(netip.AddrFrom4(a.addr), a.port).Compare(
				netip.AddrPortFrom(netip.AddrFrom4(b.addr), b.port))
		})
		for i := range ps {
			dst = n.appendLine(dst, now, m, &ps[i])
		}
	}
	return dst
}

func (n *NAT) appendLine(dst []byte, now sim.Time, m *mapping, p *peer) []byte {
	in, out := netip.AddrFrom4(m.in.addr), netip.AddrFrom4(p.addr)
	name := map[uint8]string{icmpProto: "icmp", tcpProto: "tcp", udpProto: "udp"}[m.in.proto]
	dst = append(dst, name...)
	for range 9 - len(name) {
		dst = append(dst, ' ')
	}
	dst = appendInt(dst, int64(m.in.proto))
	dst = append(dst, ' ')
	dst = appendInt(dst, int64((p.expires-now)/sim.Time(1e9))) // whole seconds left, as conntrack
	if m.in.proto == tcpProto {
		dst = append(dst, ' ')
		dst = append(dst, p.tcp.name()...)
	}
	dst = appendTuple(dst, m.in.proto, true, in, out, m.in.port, p.port)
	if !p.replied {
		dst = append(dst, " [UNREPLIED]"...)
	}
	dst = appendTuple(dst, m.in.proto, false, out, n.cfg.Public, p.port, m.ext)
	if p.replied {
		dst = append(dst, " [ASSURED]"...)
	}
	return append(dst, " mark=0 use=1\n"...)
}

func appendTuple(dst []byte, proto uint8, orig bool, src, to netip.Addr, sport, dport uint16) []byte {
	dst = append(dst, " src="...)
	dst = src.AppendTo(dst)
	dst = append(dst, " dst="...)
	dst = to.AppendTo(dst)
	if proto == icmpProto {
		typ := "8"
		if !orig {
			typ = "0"
		}
		id := sport
		if !orig {
			id = dport
		}
		dst = append(dst, " type="+typ+" code=0 id="...)
		return appendInt(dst, int64(id))
	}
	dst = append(dst, " sport="...)
	dst = appendInt(dst, int64(sport))
	dst = append(dst, " dport="...)
	return appendInt(dst, int64(dport))
}

// name returns the conntrack state name for the flags seen.
func (t tcpSeen) name() string {
	switch {
	case t&rstSeen != 0:
		return "CLOSE"
	case t&finOut != 0 && t&finIn != 0:
		return "TIME_WAIT"
	case t&(finOut|finIn) != 0:
		return "FIN_WAIT"
	case t.established():
		return "ESTABLISHED"
	case t&synIn != 0:
		return "SYN_RECV"
	}
	return "SYN_SENT"
}

func appendInt(dst []byte, v int64) []byte { return strconv.AppendInt(dst, v, 10) }
