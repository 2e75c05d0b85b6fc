package node

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/hopsnet/hops/wire"
)

// Equal-cost multipath. A route may hold further next hops of the same
// cost (Route.Alt, filled by a routing protocol); a router forwarding a
// datagram on such a route picks one of them:
//
//   - per flow (the default, Linux's fib_multipath_hash_policy=1): a
//     keyed hash of the source and destination addresses, the protocol
//     and, for TCP and UDP, the ports picks the hop, so the datagrams of
//     one connection stay on one path and arrive in order, while other
//     connections spread over the others. Fragments hash on the
//     addresses and protocol only (they do not all carry the ports). The
//     key comes from the node's "secrets" stream, so it depends on the
//     seed, as Linux salts its hash per boot;
//   - per packet: the hops take turns, so consecutive datagrams of one
//     flow take different paths (and may arrive out of order).
//
// Datagrams the router itself sends take the route's first hop.

// ECMPMode says how a router spreads datagrams over equal-cost paths.
type ECMPMode uint8

// The modes.
const (
	ECMPPerFlow ECMPMode = iota
	ECMPPerPacket
)

func (m ECMPMode) String() string {
	switch m {
	case ECMPPerFlow:
		return "per-flow"
	case ECMPPerPacket:
		return "per-packet"
	}
	return fmt.Sprintf("ECMPMode(%d)", uint8(m))
}

// Hop is one next hop of a route.
type Hop struct {
	Iface   int
	NextHop netip.Addr
}

// multipath returns r with the hop the datagram ip takes.
func (n *Node) multipath(r Route, ip wire.IPv4) Route {
	k := uint64(len(r.Alt) + 1)
	var i uint64
	if n.ECMP == ECMPPerPacket {
		i = n.ecmpTurn % k
		n.ecmpTurn++
	} else {
		i = flowHash(n.ids.ecmpSecret, ip) % k
	}
	if i > 0 {
		h := r.Alt[i-1]
		r.Iface, r.NextHop = h.Iface, h.NextHop
	}
	return r
}

// flowHash is the keyed hash of a datagram's flow: addresses and
// protocol, and the ports of an unfragmented TCP or UDP datagram.
func flowHash(secret uint64, ip wire.IPv4) uint64 {
	src, dst := ip.Src().As4(), ip.Dst().As4()
	a := uint64(binary.BigEndian.Uint32(src[:]))<<32 | uint64(binary.BigEndian.Uint32(dst[:]))
	b := uint64(ip.Protocol())
	if p := ip.Protocol(); (p == wire.ProtoTCP || p == wire.ProtoUDP) && !ip.MoreFragments() && ip.FragOffset() == 0 {
		if body := ip.Payload(); len(body) >= 4 {
			b |= uint64(binary.BigEndian.Uint32(body[0:4])) << 8
		}
	}
	return mix(secret, a, b)
}
