package node

import "github.com/hopsnet/hops/wire"

// SetOutside lets a stack outside the simulation stand for the node: a
// bridge to a real network stack (a TUN device in a Linux namespace)
// whose packets carry the node's address.
//
// take sees every datagram addressed to one of the node's own unicast
// addresses, as it arrived (a fragment stays a fragment), before the
// node's protocols do. When it returns true the datagram is the
// outside's: the node counts it delivered, emits a Deliver event and
// recycles the packet, so take must copy what it keeps. When it returns
// false the node handles the datagram itself (its DHCP client's replies,
// say). take runs on the simulation's thread and must not block. nil
// removes the hook.
//
// The outside sends with SendRaw: its datagrams leave through the node's
// route table and interfaces (ARP included) exactly as it built them.
func (n *Node) SetOutside(take func(in *Iface, datagram []byte) bool) { n.outside = take }

// toOutside offers a datagram for local delivery to the outside stack
// and reports whether it took it.
func (n *Node) toOutside(in *Iface, ip wire.IPv4) bool {
	if n.outside == nil || !n.HasAddr(ip.Dst()) {
		return false
	}
	return n.outside(in, ip)
}
