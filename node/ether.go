package node

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"time"

	"github.com/hopsnet/hops/packet"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// Ethernet interfaces and ARP (RFC 826).
//
// An interface on a link whose Config.Ethernet is set frames every
// datagram in an Ethernet II header and finds the next hop's MAC address
// with ARP, the way Linux's neighbour subsystem does (its defaults from
// net.ipv4.neigh.default, named below):
//
//   - a datagram for a next hop with no entry creates one INCOMPLETE,
//     waits in the entry's queue (at most ARPQueueBytes, oldest dropped
//     first: unres_qlen_bytes) and a broadcast request goes out, repeated
//     every ARPRetransTime up to ARPSolicits times (mcast_solicit); when
//     none is answered the queued datagrams are dropped and each source
//     gets ICMP host unreachable, as Linux's arp_error_report sends;
//   - a reply makes the entry REACHABLE for a random 0.5–1.5 ×
//     ARPReachableTime (base_reachable_time), then STALE; a STALE entry
//     still sends, moves to DELAY for ARPDelayProbe (delay_first_probe_time)
//     and then to PROBE: unicast requests every ARPRetransTime, up to
//     ARPSolicits (ucast_solicit), after which the entry is removed;
//   - a request for one of the interface's addresses is answered and
//     leaves a STALE entry for its sender (neigh_event_ns); any ARP packet
//     updates the entry of its sender if there is one (RFC 826's merge
//     flag), so a gratuitous ARP moves an address to a new MAC;
//   - AnnounceARP sends a gratuitous ARP (a request for one's own
//     address), as DHCP clients do once bound.
//
// Frames shorter than 60 bytes are padded with zeros, as a NIC pads
// them. Frames for another unicast MAC address are dropped on arrival
// (the interface is not promiscuous); broadcast frames are taken.
const (
	ARPReachableTime = 30 * time.Second
	ARPRetransTime   = time.Second
	ARPDelayProbe    = 5 * time.Second
	ARPSolicits      = 3
	ARPQueueBytes    = 212992
)

// Trace reasons of the Ethernet layer.
const (
	ReasonOtherMAC      = "other-mac"             // a unicast frame for another interface
	ReasonEtherType     = "unsupported-ethertype" // neither IPv4 nor ARP
	ReasonARPQueueFull  = "arp-queue-full"        // an unresolved neighbour's queue overflowed
	ReasonARPFailed     = "arp-failed"            // nobody answered for the next hop
	reasonNoHeadroom    = "no-headroom"
	neighbourNever      = sim.Never
	reachableJitterBase = ARPReachableTime / 2
)

// NeighState is the state of an ARP cache entry, named as `ip neigh`
// names Linux's.
type NeighState uint8

// The neighbour states.
const (
	NeighIncomplete NeighState = iota
	NeighReachable
	NeighStale
	NeighDelay
	NeighProbe
)

func (s NeighState) String() string {
	return [...]string{"INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE"}[s]
}

// Neighbour is one entry of an interface's ARP cache.
type Neighbour struct {
	Addr  netip.Addr
	MAC   wire.MAC // zero while INCOMPLETE
	State NeighState
	// Queued counts the datagrams waiting for the address to resolve.
	Queued int
}

type neighbour struct {
	addr   netip.Addr
	mac    wire.MAC
	state  NeighState
	due    sim.Time // when the state's timer runs out; sim.Never for none
	probes int      // requests sent in INCOMPLETE or PROBE
	queue  []*packet.Packet
	qbytes int
}

// ether is the Ethernet side of an interface: its MAC address and ARP
// cache, with one kernel timer for the earliest deadline of any entry.
type ether struct {
	i      *Iface
	mac    wire.MAC
	neigh  map[netip.Addr]*neighbour
	rng    *sim.Rand
	timer  sim.Timer
	timeAt sim.Time
	due    []*neighbour // Fire's scratch list
	stats  EtherStats
}

// EtherStats counts an Ethernet interface's ARP traffic.
type EtherStats struct {
	ARPRequestsSent, ARPRepliesSent         uint64
	ARPRequestsReceived, ARPRepliesReceived uint64
	ARPFailures                             uint64 // resolutions nobody answered
}

// newEther makes i an Ethernet interface with a locally administered MAC
// address drawn from the node's stream "mac:IFACE".
func (n *Node) newEther(i *Iface) {
	r := n.Stream("mac:" + i.Name)
	i.eth = &ether{i: i, mac: wire.LocalMAC(r.Uint64()), neigh: map[netip.Addr]*neighbour{}, rng: r, timeAt: sim.Never}
}

// Ethernet reports whether the interface frames its datagrams in
// Ethernet and resolves next hops with ARP.
func (i *Iface) Ethernet() bool { return i.eth != nil }

// MAC returns the interface's MAC address (zero on a point-to-point IP
// link).
func (i *Iface) MAC() wire.MAC {
	if i.eth == nil {
		return wire.MAC{}
	}
	return i.eth.mac
}

// EtherStats returns the interface's ARP counters.
func (i *Iface) EtherStats() EtherStats {
	if i.eth == nil {
		return EtherStats{}
	}
	return i.eth.stats
}

// Neighbours returns the interface's ARP cache, by address.
func (i *Iface) Neighbours() []Neighbour {
	if i.eth == nil {
		return nil
	}
	out := make([]Neighbour, 0, len(i.eth.neigh))
	for _, nb := range i.eth.neigh {
		out = append(out, Neighbour{Addr: nb.addr, MAC: nb.mac, State: nb.state, Queued: len(nb.queue)})
	}
	slices.SortFunc(out, func(a, b Neighbour) int { return a.Addr.Compare(b.Addr) })
	return out
}

// SetPrefix gives the interface a new address and prefix (the zero
// Prefix removes it), as a DHCP client does. Routes are the caller's to
// change. On an Ethernet interface the ARP cache is flushed.
func (i *Iface) SetPrefix(p netip.Prefix) {
	i.Prefix, i.subnet = p, p.Masked()
	if i.eth != nil {
		for _, nb := range i.eth.neigh {
			i.eth.forget(nb, trace.ReasonHostUnreachable)
		}
	}
}

// AnnounceARP sends a gratuitous ARP for the interface's address: a
// broadcast request whose sender and target are both that address, so
// that neighbours update their caches and switches learn the MAC.
func (i *Iface) AnnounceARP() {
	if i.eth == nil || !i.Addr().IsValid() {
		return
	}
	a := wire.ARP{Op: wire.ARPRequest, SenderMAC: i.eth.mac, SenderIP: i.Addr(), TargetIP: i.Addr()}
	i.node.sendARP(i, wire.BroadcastMAC, &a)
}

// broadcastFor reports whether a datagram to nh leaves i as a broadcast
// frame: the limited broadcast address or i's subnet-directed one.
func (i *Iface) broadcastFor(nh netip.Addr) bool {
	if nh == limitedBroadcast {
		return true
	}
	if i.subnet.Bits() >= 31 || !i.subnet.Contains(nh) {
		return false
	}
	b := nh.As4()
	host := ^uint32(0) >> i.subnet.Bits()
	return binary.BigEndian.Uint32(b[:])&host == host
}

// xmit hands a datagram to out's link towards next hop nh: on a
// point-to-point link as it is, on Ethernet in a frame to nh's MAC
// address, resolving it first when needed (the datagram then waits).
// It returns the reason the link dropped the datagram at once.
func (n *Node) xmit(out *Iface, nh netip.Addr, p *packet.Packet) string {
	e := out.eth
	if e == nil {
		return out.link.Send(out.side, p)
	}
	if out.broadcastFor(nh) {
		return n.sendFrame(out, wire.BroadcastMAC, wire.EtherTypeIPv4, p)
	}
	if nh.IsMulticast() {
		return n.sendFrame(out, wire.IPv4MulticastMAC(nh), wire.EtherTypeIPv4, p)
	}
	nb := e.neigh[nh]
	now := n.k.Now()
	switch {
	case nb == nil:
		nb = &neighbour{addr: nh, state: NeighIncomplete, due: neighbourNever}
		e.neigh[nh] = nb
		e.enqueue(nb, p)
		e.solicit(nb, now)
		return ""
	case nb.state == NeighIncomplete:
		e.enqueue(nb, p)
		return ""
	case nb.state == NeighStale:
		nb.state = NeighDelay
		e.setDue(nb, now+sim.Time(ARPDelayProbe))
	}
	return n.sendFrame(out, nb.mac, wire.EtherTypeIPv4, p)
}

// SendIPOn sends a datagram out of interface i straight to link-layer
// address hw (wire.BroadcastMAC for a broadcast), without a route or
// ARP: what a DHCP client and server need before an address is bound
// (a packet socket on Linux). src may be 0.0.0.0. The interface must be
// an Ethernet one.
func (n *Node) SendIPOn(i *Iface, hw wire.MAC, proto uint8, src, dst netip.Addr, payload []byte) (uint64, error) {
	if i.eth == nil {
		return 0, ErrNotEthernet
	}
	if 20+len(payload) > i.MTU() {
		return 0, ErrTooBig
	}
	p := n.datagram(proto, src, dst, payload, 0, 0, false)
	n.stats.Sent++
	n.emit(trace.Send, i, p, "")
	id := p.ID
	if reason := n.sendFrame(i, hw, wire.EtherTypeIPv4, p); reason != "" {
		return id, n.localDropError(i, reason)
	}
	return id, nil
}

// sendFrame puts p (an IPv4 datagram or an ARP packet) in an Ethernet
// frame to dst and hands it to the link.
func (n *Node) sendFrame(i *Iface, dst wire.MAC, etherType uint16, p *packet.Packet) string {
	b, ok := p.Prepend(wire.EthernetHeaderLen)
	if !ok {
		n.drop(i, p, reasonNoHeadroom)
		return reasonNoHeadroom
	}
	h := wire.EthernetHeader{Dst: dst, Src: i.eth.mac, EtherType: etherType}
	h.PutTo(b)
	if l := len(p.Data); l < wire.EthernetMinFrame {
		p.Data = p.Data[:wire.EthernetMinFrame]
		clear(p.Data[l:])
	}
	return i.link.Send(i.side, p)
}

// sendARP sends ARP packet a in a frame to dst.
func (n *Node) sendARP(i *Iface, dst wire.MAC, a *wire.ARP) {
	p := n.pool.Get(wire.ARPLen)
	p.Data = a.AppendTo(p.Data[:0])
	if a.Op == wire.ARPRequest {
		i.eth.stats.ARPRequestsSent++
	} else {
		i.eth.stats.ARPRepliesSent++
	}
	n.sendFrame(i, dst, wire.EtherTypeARP, p)
}

// receiveFrame is the input path of an Ethernet interface.
func (n *Node) receiveFrame(now sim.Time, in *Iface, p *packet.Packet) {
	n.stats.Received++
	n.emitFrame(trace.Receive, in, p, "")
	h, payload, err := wire.ParseEthernet(p.Data)
	switch {
	case err != nil:
		n.dropFrame(in, p, trace.ReasonMalformed)
	case h.Dst != in.eth.mac && !h.Dst.IsBroadcast() && !(h.Dst.IsMulticast() && n.groupMAC(h.Dst)):
		n.dropFrame(in, p, ReasonOtherMAC)
	case h.EtherType == wire.EtherTypeARP:
		n.receiveARP(now, in, p, payload)
	case h.EtherType == wire.EtherTypeIPv4:
		p.TrimFront(wire.EthernetHeaderLen)
		n.receiveIP(now, in, p)
	default:
		n.dropFrame(in, p, ReasonEtherType)
	}
}

// receiveARP runs RFC 826's packet reception algorithm with Linux's
// states.
func (n *Node) receiveARP(now sim.Time, in *Iface, p *packet.Packet, payload []byte) {
	a, err := wire.ParseARP(payload)
	if err != nil || (a.Op != wire.ARPRequest && a.Op != wire.ARPReply) {
		n.dropFrame(in, p, trace.ReasonMalformed)
		return
	}
	e := in.eth
	if a.Op == wire.ARPRequest {
		e.stats.ARPRequestsReceived++
	} else {
		e.stats.ARPRepliesReceived++
	}
	own := in.Addr()
	forUs := own.IsValid() && a.TargetIP == own
	if a.SenderIP.IsValid() && !a.SenderIP.IsUnspecified() && a.SenderIP != own {
		if nb := e.neigh[a.SenderIP]; nb != nil {
			// The merge flag: refresh what we know of the sender. A
			// reply to our own question confirms it; anything else
			// leaves it to be confirmed (Linux: NUD_STALE on a changed
			// address from a request).
			solicited := a.Op == wire.ARPReply && forUs
			if solicited || nb.state == NeighIncomplete {
				e.confirm(nb, a.SenderMAC, now)
			} else if nb.mac != a.SenderMAC {
				nb.mac, nb.state = a.SenderMAC, NeighStale
				e.setDue(nb, neighbourNever)
			}
		} else if forUs && in.subnet.Contains(a.SenderIP) {
			nb := &neighbour{addr: a.SenderIP, mac: a.SenderMAC, state: NeighStale, due: neighbourNever}
			e.neigh[a.SenderIP] = nb
		}
	}
	if forUs && a.Op == wire.ARPRequest {
		r := wire.ARP{Op: wire.ARPReply, SenderMAC: e.mac, SenderIP: own, TargetMAC: a.SenderMAC, TargetIP: a.SenderIP}
		n.sendARP(in, a.SenderMAC, &r)
	}
	n.stats.Delivered++
	n.emitFrame(trace.Deliver, in, p, "")
	n.pool.Put(p)
}

// confirm makes nb REACHABLE at mac and sends what waited for it.
func (e *ether) confirm(nb *neighbour, mac wire.MAC, now sim.Time) {
	nb.mac, nb.state, nb.probes = mac, NeighReachable, 0
	jitter := time.Duration(e.rng.Int64N(int64(ARPReachableTime)))
	e.setDue(nb, now+sim.Time(reachableJitterBase+jitter))
	q := nb.queue
	nb.queue, nb.qbytes = nil, 0
	for _, p := range q {
		e.i.node.sendFrame(e.i, mac, wire.EtherTypeIPv4, p)
	}
}

// enqueue keeps p until nb resolves, dropping the oldest beyond
// ARPQueueBytes.
func (e *ether) enqueue(nb *neighbour, p *packet.Packet) {
	nb.queue = append(nb.queue, p)
	nb.qbytes += len(p.Data)
	for nb.qbytes > ARPQueueBytes && len(nb.queue) > 1 {
		old := nb.queue[0]
		nb.queue = nb.queue[1:]
		nb.qbytes -= len(old.Data)
		e.i.node.drop(e.i, old, ReasonARPQueueFull)
	}
}

// solicit sends the next request for nb: broadcast while INCOMPLETE,
// unicast to the known MAC in PROBE.
func (e *ether) solicit(nb *neighbour, now sim.Time) {
	nb.probes++
	a := wire.ARP{Op: wire.ARPRequest, SenderMAC: e.mac, SenderIP: e.i.Addr(), TargetIP: nb.addr}
	dst := wire.BroadcastMAC
	if nb.state == NeighProbe {
		dst = nb.mac
	}
	e.i.node.sendARP(e.i, dst, &a)
	e.setDue(nb, now+sim.Time(ARPRetransTime))
}

// forget removes nb, dropping what waits in its queue with reason; for
// a failed resolution every queued datagram's source gets ICMP host
// unreachable.
func (e *ether) forget(nb *neighbour, reason string) {
	delete(e.neigh, nb.addr)
	n := e.i.node
	for _, p := range nb.queue {
		if reason == ReasonARPFailed {
			e.unreachable(p)
		}
		n.drop(e.i, p, reason)
	}
	nb.queue = nil
}

// unreachable answers a datagram whose next hop did not resolve with
// ICMP host unreachable (Linux's arp_error_report). A datagram of the
// node's own is answered from the interface's address, as Linux's ping
// shows "From 10.0.0.1 ... Destination Host Unreachable".
func (e *ether) unreachable(p *packet.Packet) {
	if !errorAllowed(p.Data) {
		return
	}
	n := e.i.node
	ip := wire.IPv4(p.Data)
	m := wire.ICMPMessage{Type: wire.ICMPDestUnreachable, Code: wire.ICMPHostUnreachable}
	m.Data = p.Data[:min(len(p.Data), maxICMPQuote)]
	from := ip.Dst()
	if n.HasAddr(ip.Src()) {
		from = e.i.Addr()
	}
	n.sendError(ip.Src(), from, ip.TOS(), e.i, &m)
}

// setDue sets nb's deadline and moves the interface's timer earlier if
// needed.
func (e *ether) setDue(nb *neighbour, at sim.Time) {
	nb.due = at
	if at < e.timeAt {
		k := e.i.node.k
		k.Cancel(e.timer)
		e.timer, e.timeAt = k.Schedule(at, e, 0), at
	}
}

// Fire runs the ARP cache's timers that are due and re-arms for the
// next.
func (e *ether) Fire(now sim.Time, _ uint64) {
	e.timeAt = sim.Never
	due := e.due[:0]
	for _, nb := range e.neigh {
		if nb.due <= now {
			due = append(due, nb)
		}
	}
	// Map order is random: sort, so that the same seed sends the same
	// solicitations in the same order.
	slices.SortFunc(due, func(a, b *neighbour) int { return a.addr.Compare(b.addr) })
	e.due = due
	for _, nb := range due {
		nb.due = neighbourNever
		switch nb.state {
		case NeighIncomplete:
			if nb.probes < ARPSolicits {
				e.solicit(nb, now)
			} else {
				e.stats.ARPFailures++
				e.forget(nb, ReasonARPFailed)
			}
		case NeighReachable:
			nb.state = NeighStale
		case NeighDelay:
			nb.state, nb.probes = NeighProbe, 0
			e.solicit(nb, now)
		case NeighProbe:
			if nb.probes < ARPSolicits {
				e.solicit(nb, now)
			} else {
				e.stats.ARPFailures++
				e.forget(nb, ReasonARPFailed)
			}
		}
	}
	clear(due) // keep no forgotten neighbour alive
	next := sim.Never
	for _, nb := range e.neigh {
		next = min(next, nb.due)
	}
	if next != sim.Never {
		e.timer, e.timeAt = e.i.node.k.Schedule(next, e, 0), next
	}
}

// emitFrame emits an event about a frame on an Ethernet interface.
func (n *Node) emitFrame(k trace.Kind, i *Iface, p *packet.Packet, reason string) {
	if !n.bus.Active() {
		return
	}
	e := n.bus.Begin(n.k.Now(), k)
	e.Packet = p.ID
	e.Node = n.Name
	e.Iface, e.Link = ifaceNames(i)
	e.Reason = reason
	e.SetBytes(p.Data, true)
	n.bus.Emit()
}

func (n *Node) dropFrame(in *Iface, p *packet.Packet, reason string) {
	n.stats.Dropped++
	n.emitFrame(trace.Drop, in, p, reason)
	n.pool.Put(p)
}
