package node

import (
	"fmt"
	"net/netip"

	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// Link-local multicast, as routing protocols use it: a node that joins a
// group (224.0.0.5, AllSPFRouters, for OSPF) takes datagrams sent to it
// on any interface, and SendIPVia sends out of one chosen interface
// without a route lookup. Groups are never forwarded (hops routes no
// multicast, as Linux does without a multicast routing daemon).

// JoinGroup makes the node take datagrams for the link-local multicast
// group g (224.0.0.0/24) on every interface. Joining twice is harmless.
func (n *Node) JoinGroup(g netip.Addr) error {
	if !g.Is4() || !g.IsLinkLocalMulticast() {
		return fmt.Errorf("%s: %v is not an IPv4 link-local multicast group (224.0.0.0/24)", n.Name, g)
	}
	if n.groups == nil {
		n.groups = map[netip.Addr]bool{}
	}
	n.groups[g] = true
	return nil
}

// LeaveGroup undoes JoinGroup.
func (n *Node) LeaveGroup(g netip.Addr) { delete(n.groups, g) }

// inGroup reports whether the node joined group g.
func (n *Node) inGroup(g netip.Addr) bool { return n.groups[g] }

// groupMAC reports whether m is the Ethernet address of a joined group.
func (n *Node) groupMAC(m wire.MAC) bool {
	for g := range n.groups {
		if wire.IPv4MulticastMAC(g) == m {
			return true
		}
	}
	return false
}

// SendIPVia sends a datagram out of interface i to dst, a neighbour on
// the link or a multicast group, without looking up a route: what a
// routing protocol does (OSPF's packets to 224.0.0.5 with TTL 1). The
// source is the interface's address unless opt.Src says otherwise. A
// datagram larger than the interface's MTU is refused (ErrTooBig).
func (n *Node) SendIPVia(i *Iface, proto uint8, dst netip.Addr, payload []byte, opt SendOptions) (uint64, error) {
	if i == nil || i.node != n {
		return 0, fmt.Errorf("%s: SendIPVia: not an interface of this node", n.Name)
	}
	if 20+len(payload) > i.MTU() {
		return 0, ErrTooBig
	}
	src := opt.Src
	if !src.IsValid() {
		src = i.Addr()
	}
	p := n.datagram(proto, src, dst, payload, opt.TOS, opt.TTL, false)
	n.stats.Sent++
	n.emit(trace.Send, i, p, "")
	id := p.ID
	if reason := n.xmit(i, dst, p); reason != "" {
		return id, n.localDropError(i, reason)
	}
	return id, nil
}

// Note writes an event without a packet to the event log: a routing
// protocol's change (trace.Routing: a neighbour's state, an SPF run, a
// route) or an application's note (trace.App: an access-log line). i is
// the interface concerned, or nil.
func (n *Node) Note(k trace.Kind, i *Iface, what string) {
	if !n.bus.Active() {
		return
	}
	e := n.bus.Begin(n.k.Now(), k)
	e.Node = n.Name
	if i != nil {
		e.Iface, e.Link = ifaceNames(i)
	}
	e.Reason = what
	n.bus.Emit()
}

// Tracing reports whether anyone observes the node's events, so that a
// caller can skip building descriptions nobody reads.
func (n *Node) Tracing() bool { return n.bus.Active() }
