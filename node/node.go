// Package node is a host or a router: interfaces with addresses, a route
// table with longest-prefix match, the IPv4 forwarding path (checksum
// verification, TTL decrement with an incremental checksum update, ICMP
// time exceeded and destination unreachable, rate-limited as in Linux),
// fragmentation and reassembly, path-MTU discovery, a built-in ICMP echo
// responder, and the one API that transports and apps build on.
//
// Every step a packet takes through a node is reported on the trace bus.
//
// The transport and app API (all on the simulation's single thread,
// event-driven, and every handle closable):
//
//   - Transports register for an IP protocol with RegisterProtocol: Receive
//     gets each datagram as an *Inbound (header, payload, incoming
//     interface), which can Accept it or answer it with SendICMPError;
//     Error gets each ICMP error about a datagram the transport sent,
//     parsed once into an *ICMPError (type, code, MTU, the quoted
//     header, and the errno-like Err). They send with SendIP, whose
//     SendOptions.PMTU chooses DF and local fragmentation like Linux's
//     IP_MTU_DISCOVER, and size segments by PathMTU.
//   - UDP apps bind sockets with ListenUDP (any peer) or DialUDP (one peer,
//     an RFC 6056 port); OnError gets ICMP errors about their datagrams.
//   - ICMP apps (ping) listen with ListenICMP, like a raw socket, and send
//     with SendICMP.
//   - Timers come from the node: After for a one-shot, NewTimer for a
//     timer re-armed without allocating. Random numbers come from
//     AppStream (one stream per app instance) or Stream.
//   - A send that the first link refuses at once returns an error
//     (ErrNoBufferSpace for a full queue); Open counts what is still held.
//
// Datagrams to the node's own addresses take the loopback path.
package node

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/hopsnet/hops/link"
	"github.com/hopsnet/hops/packet"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// DefaultTTL is the TTL of datagrams a node originates (Linux's default).
const DefaultTTL = 64

// maxICMPQuote is how much of an offending datagram an ICMP error quotes:
// 576 bytes less the IP and ICMP headers.
const maxICMPQuote = 576 - 20 - 8

// ReassemblyTimeout is how long a destination keeps fragments of an
// incomplete datagram (Linux's ipfrag_time).
const ReassemblyTimeout = 30 * time.Second

// Errors returned by the sending API; test them with errors.Is.
var (
	ErrNoRoute         = errors.New("no route to host")
	ErrHostUnreachable = errors.New("host unreachable")
	ErrLinkDown        = errors.New("network is down")
	ErrTooBig          = errors.New("message too long")
	ErrPortInUse       = errors.New("address already in use")
	ErrNoPorts         = errors.New("no ephemeral port free")
	ErrClosed          = errors.New("socket closed")
	ErrNoBufferSpace   = errors.New("no buffer space available") // the first link's queue is full (ENOBUFS)
	ErrBadDatagram     = errors.New("datagram too large for IPv4")
	ErrNotEthernet     = errors.New("not an Ethernet interface")
	errNotIPv4Source   = errors.New("source address is not IPv4")
)

// Iface is one interface of a node: an address with its prefix, attached to
// one side of a point-to-point link.
type Iface struct {
	Name   string
	Prefix netip.Prefix // the interface's address and the subnet's length
	Index  int
	node   *Node
	link   *link.Link
	side   int
	subnet netip.Prefix // Prefix, masked
	eth    *ether       // the MAC address and ARP cache on an Ethernet link; nil on a point-to-point IP link
}

// PeerAddr returns the address of the interface at the other end of the
// link, if it is a node's.
func (i *Iface) PeerAddr() netip.Addr {
	if pi, ok := i.link.End(1 - i.side).Recv.(*Iface); ok {
		return pi.Addr()
	}
	return netip.Addr{}
}

// noNeighbour reports whether dst, routed by r out of i, is an address of i's
// own subnet that the peer does not have: on a point-to-point link nobody
// would answer for it.
func (i *Iface) noNeighbour(r Route, dst netip.Addr) bool {
	return i.eth == nil && r.Prefix == i.subnet && dst != i.PeerAddr()
}

// Addr returns the interface's address.
func (i *Iface) Addr() netip.Addr { return i.Prefix.Addr() }

// Link returns the link the interface is attached to.
func (i *Iface) Link() *link.Link { return i.link }

// MTU returns the MTU of the interface's link.
func (i *Iface) MTU() int { return i.link.MTU() }

// LinkStats returns the counters of the interface's link: tx for the
// direction leaving this interface, rx for the one arriving at it.
func (i *Iface) LinkStats() (tx, rx link.Stats) {
	return i.link.Stats(i.side), i.link.Stats(1 - i.side)
}

// Up reports whether the interface's link is up.
func (i *Iface) Up() bool { return i.link.Up() }

// Peer returns the node and interface at the other end of the link.
func (i *Iface) Peer() (node, iface string) {
	e := i.link.End(1 - i.side)
	return e.Node, e.Iface
}

// Receive is called by the link when a packet arrives.
func (i *Iface) Receive(now sim.Time, p *packet.Packet) {
	if i.eth != nil {
		i.node.receiveFrame(now, i, p)
		return
	}
	i.node.receive(now, i, p)
}

// Stats counts what a node did with packets.
type Stats struct {
	Received      uint64
	Forwarded     uint64
	Delivered     uint64
	Sent          uint64
	Dropped       uint64
	ICMPSent      uint64
	Fragmented    uint64
	FragsCreated  uint64
	Reassembled   uint64
	ReasmTimeouts uint64
	// ICMPRateLimited counts ICMP errors not sent because of ICMPLimit.
	ICMPRateLimited uint64
}

// Node is a host or a router.
type Node struct {
	Name string
	// Forwarding makes the node a router: it forwards datagrams that are
	// not addressed to it instead of dropping them.
	Forwarding bool
	// Routes is the forwarding table.
	Routes RouteTable
	// ECMP says how the router spreads forwarded datagrams over the equal
	// next hops of a multipath route: per flow (the default) or per packet.
	ECMP     ECMPMode
	ecmpTurn uint64 // per-packet ECMP's counter
	// ICMPLimit limits the ICMP errors the node sends; New sets Linux's
	// defaults (LinuxICMPRateLimit), the zero value limits nothing.
	ICMPLimit ICMPRateLimit

	k     *sim.Kernel
	pool  *packet.Pool
	bus   *trace.Bus
	ports *sim.Rand      // ephemeral ports of unconnected sockets
	apps  map[string]int // instances started per app kind (AppStream)
	// timersArmed counts NewTimer timers pending (Open().Timers).
	timersArmed int
	tcp         tcpState
	ifaces      []*Iface
	ids         idents
	pmtu        pmtuCache
	limit       rateLimiter
	stats       Stats

	protos      map[uint8]*Protocol
	groups      map[netip.Addr]bool // joined link-local multicast groups (multicast.go)
	udp         map[uint16]*UDPConn
	icmpListen  []*ICMPListener
	reasm       reassembler
	nat         *natGateway               // nil unless SetNAT
	outside     func(*Iface, []byte) bool // SetOutside's hook, or nil
	loop        loopback
	scratch     []byte // SendICMP's message
	icmpBuf     []byte // ICMP errors and echo replies
	natQuoteBuf []byte // a quote a NAT translated back (natQuote)
	quoteBuf    []byte // a truncated quote, fixed up for parsing
	// Per-delivery scratch values handed to handlers by pointer, so that
	// delivering a datagram does not allocate.
	inbound Inbound
	curDgm  Datagram
	curICMP ICMPPacket
	curErr  ICMPError
	rib     map[netip.Prefix][]ribEntry // routing sources' candidates (rib.go)
}

// New returns a node with no interfaces. Its random streams are the
// kernel's "node:NAME/secrets" (the keys of its IP ID and port hashes) and
// "node:NAME/ports" (ports of unconnected sockets); apps and transports
// on it get their own with Stream.
func New(k *sim.Kernel, pool *packet.Pool, bus *trace.Bus, name string) *Node {
	n := &Node{
		Name:      name,
		k:         k,
		pool:      pool,
		bus:       bus,
		ports:     k.Rand("node:" + name + "/ports"),
		ICMPLimit: LinuxICMPRateLimit,
		protos:    map[uint8]*Protocol{},
		udp:       map[uint16]*UDPConn{},
	}
	secrets := k.Rand("node:" + name + "/secrets")
	n.ids.ipSecret, n.ids.portSecret = secrets.Uint64(), secrets.Uint64()
	n.ids.ecmpSecret = secrets.Uint64()
	n.loop.n = n
	n.inbound.n = n
	n.reasm.init(n)
	n.protos[wire.ProtoICMP] = &Protocol{Name: "icmp", Receive: n.handleICMP}
	n.protos[wire.ProtoUDP] = &Protocol{Name: "udp", Receive: n.handleUDP, Error: n.udpError}
	n.tcpInit()
	return n
}

// Now returns the current virtual time.
func (n *Node) Now() sim.Time { return n.k.Now() }

// After calls f once after d of virtual time: the one-shot half of the
// timer API (apps are event-driven: datagram, ICMP and timer callbacks,
// all on the simulation's single thread). It allocates; a timer armed
// again and again (per packet, periodic) is a NewTimer.
func (n *Node) After(d time.Duration, f func()) sim.Timer { return n.k.AfterFunc(d, f) }

// Cancel stops a timer from After; it reports whether it was pending.
func (n *Node) Cancel(t sim.Timer) bool { return n.k.Cancel(t) }

// AppStream returns the random stream of a new instance of an app of the
// given kind on this node: Stream("KIND#N"), N counting the instances of
// that kind started on the node from 1. Instances of other kinds never
// shift it.
func (n *Node) AppStream(kind string) *sim.Rand {
	if n.apps == nil {
		n.apps = map[string]int{}
	}
	n.apps[kind]++
	return n.Stream(kind + "#" + strconv.Itoa(n.apps[kind]))
}

// Stream returns the random stream called name for one consumer on this
// node (an app instance, a transport): the kernel's "node:NODE/NAME".
// Each consumer gets its own, so adding one never shifts the numbers
// another draws. Name app instances by kind and a count of that kind
// ("ping#1", "ping#2") so their streams stay put when other apps come
// and go.
func (n *Node) Stream(name string) *sim.Rand { return n.k.Rand("node:" + n.Name + "/" + name) }

// Stats returns the node's counters.
func (n *Node) Stats() Stats { return n.stats }

// AddIface attaches the node to side of l with the given address and
// prefix length, and returns the new interface.
func (n *Node) AddIface(name string, prefix netip.Prefix, l *link.Link, side int) *Iface {
	i := &Iface{Name: name, Prefix: prefix, Index: len(n.ifaces), node: n, link: l, side: side, subnet: prefix.Masked()}
	n.ifaces = append(n.ifaces, i)
	l.Attach(side, link.End{Node: n.Name, Iface: name, Recv: i})
	if l.Config().Ethernet {
		n.newEther(i)
	}
	return i
}

// Ifaces returns the node's interfaces in the order they were added.
func (n *Node) Ifaces() []*Iface { return n.ifaces }

// Iface returns the interface called name, or nil.
func (n *Node) Iface(name string) *Iface {
	for _, i := range n.ifaces {
		if i.Name == name {
			return i
		}
	}
	return nil
}

// Addr returns the node's primary address: its first interface's.
func (n *Node) Addr() netip.Addr {
	if len(n.ifaces) == 0 {
		return netip.Addr{}
	}
	return n.ifaces[0].Addr()
}

// HasAddr reports whether a is one of the node's addresses.
func (n *Node) HasAddr(a netip.Addr) bool {
	for _, i := range n.ifaces {
		if i.Prefix.Addr() == a {
			return true
		}
	}
	return false
}

// SendOptions are per-datagram settings; the zero value means defaults.
type SendOptions struct {
	Src netip.Addr // zero: the outgoing interface's address
	TTL uint8      // zero: DefaultTTL
	TOS uint8
	// PMTU says when to set DF and whether to fragment locally; the zero
	// value is Linux's default, PMTUWant.
	PMTU PMTUDisc
}

// SendIP builds one IPv4 datagram around payload and sends it towards dst.
// When the first link drops it at once (its queue is full:
// ErrNoBufferSpace), SendIP returns the packet ID with the error.
// As Linux does, it sets DF and fragments locally according to opt.PMTU and
// the path MTU it knows (PathMTU): a datagram too big for a PMTUDo or
// PMTUProbe sender is refused with a *TooBigError. It returns the packet ID
// of the datagram (fragments are new packets whose trace events name it as
// their parent).
func (n *Node) SendIP(proto uint8, dst netip.Addr, payload []byte, opt SendOptions) (uint64, error) {
	if 20+len(payload) > 65535 {
		return 0, ErrBadDatagram
	}
	if n.HasAddr(dst) {
		return n.sendLocal(proto, dst, payload, opt), nil
	}
	r, out, err := n.route(dst)
	if err != nil {
		return 0, err
	}
	src := opt.Src
	if !src.IsValid() {
		src = out.Addr()
	}
	if !src.Is4() {
		return 0, errNotIPv4Source
	}
	mode := opt.PMTU
	// Linux's __ip_make_skb and ip_dont_fragment: DO and PROBE always set
	// DF; WANT sets it when the datagram fits the path MTU and the path
	// is not locked below PMTUMin; DONT never does. Locally the datagram
	// is fragmented to the path MTU (PROBE: the interface's).
	mtu := out.MTU()
	e, learned := n.pmtu.lookup(n.k.Now(), dst)
	if learned && mode != PMTUProbe && e.mtu < mtu {
		mtu = e.mtu
	}
	size := 20 + len(payload)
	df := false
	switch mode {
	case PMTUDo, PMTUProbe:
		if size > mtu {
			return 0, &TooBigError{Node: n.Name, Size: size, MTU: mtu}
		}
		df = true
	case PMTUWant:
		df = size <= mtu && !(learned && e.locked)
	}
	p := n.datagram(proto, src, dst, payload, opt.TOS, opt.TTL, df)
	n.stats.Sent++
	n.emit(trace.Send, out, p, "")
	id := p.ID
	if reason := n.output(out, r.via(dst), p, mtu); reason != "" {
		return id, n.localDropError(out, reason)
	}
	return id, nil
}

// route finds the route and interface for dst, with the errors a socket
// would report.
func (n *Node) route(dst netip.Addr) (Route, *Iface, error) {
	r, ok := n.Routes.Lookup(dst)
	if !ok {
		return r, nil, fmt.Errorf("%s: sending to %v: %w", n.Name, dst, ErrNoRoute)
	}
	out := n.ifaces[r.Iface]
	if !out.Up() {
		return r, nil, fmt.Errorf("%s: sending to %v via %s: %w", n.Name, dst, out.Name, ErrLinkDown)
	}
	if out.noNeighbour(r, dst) {
		return r, nil, fmt.Errorf("%s: sending to %v on %s: %w", n.Name, dst, out.Name, ErrHostUnreachable)
	}
	return r, out, nil
}

// lookupOut is route without the errors: the interface towards dst, if
// the node can send there now. It does not allocate.
func (n *Node) lookupOut(dst netip.Addr) (*Iface, bool) {
	r, ok := n.Routes.Lookup(dst)
	if !ok {
		return nil, false
	}
	out := n.ifaces[r.Iface]
	return out, out.Up() && !out.noNeighbour(r, dst)
}

// SourceFor returns the address the node sends from when it talks to dst:
// dst itself for the node's own addresses, else the outgoing interface's.
func (n *Node) SourceFor(dst netip.Addr) (netip.Addr, error) {
	if n.HasAddr(dst) {
		return dst, nil
	}
	_, out, err := n.route(dst)
	if err != nil {
		return netip.Addr{}, err
	}
	return out.Addr(), nil
}

// datagram builds an IPv4 datagram in a pooled packet.
func (n *Node) datagram(proto uint8, src, dst netip.Addr, payload []byte, tos, ttl uint8, df bool) *packet.Packet {
	if ttl == 0 {
		ttl = DefaultTTL
	}
	id := n.ids.ipID(src, dst, proto)
	h := wire.IPv4Header{TOS: tos, ID: id, DontFragment: df, TTL: ttl, Protocol: proto, Src: src, Dst: dst}
	p := n.pool.Get(h.HeaderLen() + len(payload))
	p.Data = h.AppendTo(p.Data[:0], len(payload))
	p.Data = append(p.Data, payload...)
	return p
}

// sendLocal delivers a datagram addressed to the node itself through the
// loopback path: no link, no MTU, delivered as a new event at the same
// instant (as Linux's lo interface does).
func (n *Node) sendLocal(proto uint8, dst netip.Addr, payload []byte, opt SendOptions) uint64 {
	src := opt.Src
	if !src.IsValid() {
		src = dst
	}
	p := n.datagram(proto, src, dst, payload, opt.TOS, opt.TTL, opt.PMTU != PMTUDont)
	n.stats.Sent++
	n.emit(trace.Send, nil, p, "")
	n.emit(trace.Transmit, nil, p, "")
	n.loop.push(p)
	n.k.After(0, &n.loop, 0)
	return p.ID
}

// loopback is the node's lo: a FIFO of datagrams to deliver to itself.
type loopback struct {
	n    *Node
	q    []*packet.Packet
	head int
}

func (l *loopback) push(p *packet.Packet) {
	if l.head == len(l.q) {
		l.q, l.head = l.q[:0], 0
	}
	l.q = append(l.q, p)
}

// Fire delivers the oldest looped-back datagram.
func (l *loopback) Fire(now sim.Time, _ uint64) {
	p := l.q[l.head]
	l.q[l.head] = nil
	l.head++
	l.n.stats.Received++
	l.n.emit(trace.Receive, nil, p, "")
	l.n.deliver(now, nil, p)
}

// SendRaw sends a datagram exactly as given (header and all) towards its
// destination address, without checking or changing it. It is for tests
// and tools that inject hand-made or broken packets.
func (n *Node) SendRaw(datagram []byte) (uint64, error) {
	ip := wire.IPv4(datagram)
	if ip.Check() != nil {
		return 0, fmt.Errorf("%s: SendRaw: not an IPv4 datagram", n.Name)
	}
	r, ok := n.Routes.Lookup(ip.Dst())
	if !ok {
		return 0, fmt.Errorf("%s: sending to %v: %w", n.Name, ip.Dst(), ErrNoRoute)
	}
	out := n.ifaces[r.Iface]
	p := n.pool.Get(len(datagram))
	copy(p.Data, datagram)
	n.stats.Sent++
	n.emit(trace.Send, out, p, "")
	id := p.ID
	if reason := n.xmit(out, r.via(ip.Dst()), p); reason != "" {
		return id, n.localDropError(out, reason)
	}
	return id, nil
}

// output sends a complete datagram out of iface, fragmenting it to mtu
// (the interface's, or a smaller path MTU) as needed. It returns the
// reason the link dropped it (or one of its fragments) at once, "" when
// the link took it.
func (n *Node) output(out *Iface, nh netip.Addr, p *packet.Packet, mtu int) (dropReason string) {
	if len(p.Data) > mtu {
		return n.fragment(out, nh, p, mtu)
	}
	return n.xmit(out, nh, p)
}

// localDropError is the error a sender gets when its own link drops its
// datagram at once, as a socket would report it.
func (n *Node) localDropError(out *Iface, reason string) error {
	switch reason {
	case trace.ReasonQueueFull:
		return fmt.Errorf("%s: %s queue full: %w", n.Name, out.Name, ErrNoBufferSpace)
	case trace.ReasonLinkDown:
		return fmt.Errorf("%s: %s: %w", n.Name, out.Name, ErrLinkDown)
	case trace.ReasonMTUExceeded:
		return fmt.Errorf("%s: %s: %w", n.Name, out.Name, ErrTooBig)
	}
	return fmt.Errorf("%s: %s: dropped (%s)", n.Name, out.Name, reason)
}

// limitedBroadcast is 255.255.255.255.
var limitedBroadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// receive is the input path of every packet arriving at a point-to-point
// interface.
func (n *Node) receive(now sim.Time, in *Iface, p *packet.Packet) {
	n.stats.Received++
	n.emit(trace.Receive, in, p, "")
	n.receiveIP(now, in, p)
}

// receiveIP is the IP input path, after the link layer.
func (n *Node) receiveIP(now sim.Time, in *Iface, p *packet.Packet) {
	ip := wire.IPv4(p.Data)
	if ip.Check() != nil {
		n.drop(in, p, trace.ReasonMalformed)
		return
	}
	if !ip.ChecksumValid() {
		n.drop(in, p, trace.ReasonBadChecksum)
		return
	}
	// Anything after TotalLen is link padding; drop it.
	p.Data = p.Data[:ip.TotalLen()]
	hairpin := false
	if g := n.nat; g != nil && (in == g.inside || in == g.outside) {
		// Reassemble before translating, as Linux's nf_defrag does:
		// only the first fragment has the ports.
		if ip.MoreFragments() || ip.FragOffset() != 0 {
			whole := n.reasm.add(now, in, p)
			if whole == nil {
				return
			}
			p, ip = whole, wire.IPv4(whole.Data)
		}
		ok, hp := n.natIn(now, in, p)
		if !ok {
			return
		}
		hairpin = hp
	}
	dst := ip.Dst()
	// An Ethernet interface without an address takes what is sent to
	// its MAC address, as a DHCP client's packet socket does before it
	// has a lease.
	if !hairpin && (n.HasAddr(dst) || dst == limitedBroadcast || (in.eth != nil && (!in.Prefix.IsValid() || in.broadcastFor(dst))) || dst.IsMulticast() && n.groups[dst]) {
		if n.toOutside(in, ip) {
			n.stats.Delivered++
			n.emit(trace.Deliver, in, p, "")
			n.pool.Put(p)
			return
		}
		n.deliver(now, in, p)
		return
	}
	if !n.Forwarding {
		n.drop(in, p, trace.ReasonNotForUs)
		return
	}
	n.forward(now, in, p)
}

// forward is the router's fast path: route lookup, TTL, MTU, send.
func (n *Node) forward(now sim.Time, in *Iface, p *packet.Packet) {
	ip := wire.IPv4(p.Data)
	// The routing decision comes first, as in Linux (ip_route_input runs
	// before ip_forward looks at the TTL): a datagram with nowhere to go is
	// net unreachable whatever its TTL.
	r, ok := n.Routes.Lookup(ip.Dst())
	if !ok {
		n.icmpError(in, p, wire.ICMPDestUnreachable, wire.ICMPNetUnreachable, 0)
		n.drop(in, p, trace.ReasonNoRoute)
		return
	}
	if ip.TTL() <= 1 {
		n.icmpError(in, p, wire.ICMPTimeExceeded, wire.ICMPTTLExceeded, 0)
		n.drop(in, p, trace.ReasonTTLExceeded)
		return
	}
	if len(r.Alt) > 0 {
		r = n.multipath(r, ip)
	}
	out := n.ifaces[r.Iface]
	if !out.Up() {
		n.icmpError(in, p, wire.ICMPDestUnreachable, wire.ICMPNetUnreachable, 0)
		n.drop(in, p, trace.ReasonLinkDown)
		return
	}
	if len(p.Data) > out.MTU() && ip.DontFragment() {
		// RFC 1191: report the next-hop MTU.
		n.icmpError(in, p, wire.ICMPDestUnreachable, wire.ICMPFragNeeded, uint16(out.MTU()))
		n.drop(in, p, trace.ReasonFragNeeded)
		return
	}
	if out.noNeighbour(r, ip.Dst()) {
		// On a point-to-point link only the peer can answer: Linux's
		// neighbour resolution would fail here and report host unreachable.
		n.icmpError(in, p, wire.ICMPDestUnreachable, wire.ICMPHostUnreachable, 0)
		n.drop(in, p, trace.ReasonHostUnreachable)
		return
	}
	ip.DecTTL() // RFC 1624 incremental checksum update
	n.stats.Forwarded++
	n.emit(trace.Forward, out, p, "")
	if n.nat != nil && !n.natOut(now, in, out, p) {
		return
	}
	n.output(out, r.via(ip.Dst()), p, out.MTU())
}

// deliver hands a datagram addressed to this node to its protocol, after
// reassembly if it is a fragment.
func (n *Node) deliver(now sim.Time, in *Iface, p *packet.Packet) {
	ip := wire.IPv4(p.Data)
	if ip.MoreFragments() || ip.FragOffset() != 0 {
		whole := n.reasm.add(now, in, p)
		if whole == nil {
			return
		}
		p = whole
	}
	h, payload, err := wire.ParseIPv4(p.Data)
	if err != nil {
		n.drop(in, p, trace.ReasonMalformed)
		return
	}
	proto := n.protos[h.Protocol]
	if proto == nil {
		n.icmpError(in, p, wire.ICMPDestUnreachable, wire.ICMPProtoUnreachable, 0)
		n.drop(in, p, trace.ReasonNoListener)
		return
	}
	d := &n.inbound
	d.IP, d.Payload, d.In, d.p, d.accepted = h, payload, in, p, false
	reason := proto.Receive(now, d)
	accepted := d.accepted
	d.IP, d.Payload, d.In, d.p = wire.IPv4Header{}, nil, nil, nil
	if reason != "" {
		n.drop(in, p, reason)
		return
	}
	if !accepted {
		n.stats.Delivered++
		n.emit(trace.Deliver, in, p, "")
	}
	n.pool.Put(p)
}

// icmpError sends an ICMP error about packet p, which arrived on in (nil:
// the loopback path), back to its source. It follows RFC 1812 4.3.2.7 and
// RFC 1122 3.2.2: no error about an ICMP error, a fragment other than the
// first, a datagram to a broadcast or multicast address, or one whose
// source is not a unicast address.
func (n *Node) icmpError(in *Iface, p *packet.Packet, typ, code uint8, mtu uint16) {
	if !errorAllowed(p.Data) {
		return
	}
	ip := wire.IPv4(p.Data)
	m := wire.ICMPMessage{Type: typ, Code: code, MTU: mtu}
	// RFC 1812 4.3.2.3: quote as much of the datagram as fits in a
	// 576-byte ICMP datagram (as Linux does), at least the header and 8
	// bytes (RFC 792).
	m.Data = n.natQuote(in, p.Data[:min(len(p.Data), maxICMPQuote)])
	n.sendError(ip.Src(), wire.IPv4(m.Data).Dst(), ip.TOS(), in, &m)
}

// errorAllowed reports whether datagram may be answered with an ICMP
// error (RFC 1812 4.3.2.7, RFC 1122 3.2.2): not a fragment other than the
// first, not sent to a broadcast or multicast address, not from anything
// but a unicast address, and not itself an ICMP error.
func errorAllowed(datagram []byte) bool {
	ip := wire.IPv4(datagram)
	dst := ip.Dst()
	if ip.FragOffset() != 0 || !unicast(ip.Src()) || dst == limitedBroadcast || dst.IsMulticast() {
		return false
	}
	if ip.Protocol() == wire.ProtoICMP {
		body := ip.Payload()
		if len(body) < 1 || icmpIsError(body[0]) {
			return false // never answer an error with an error
		}
	}
	return true
}

// sendError sends ICMP error m about a datagram from src to dst, which
// arrived on in. As in Linux's __icmp_send, the error comes from dst when
// the datagram was for this node, and otherwise from the address of the
// interface the error leaves by (icmp_errors_use_inbound_ifaddr=0).
//
// The rate limits apply in Linux's order (since 6.12, "icmp: change the
// order of rate limits"): the global bucket is checked without spending,
// then the route back is looked up (no route: nothing is sent, nothing
// spent), then the per-destination bucket, and only an error that passes
// both spends global credit. Errors to the node itself are not limited.
func (n *Node) sendError(src, dst netip.Addr, tos uint8, in *Iface, m *wire.ICMPMessage) {
	local := n.HasAddr(src)
	from := dst
	if !local {
		out, ok := n.lookupOut(src)
		if !ok {
			return // no route back (and no allocation for an error nobody gets)
		}
		if !n.HasAddr(dst) {
			from = out.Addr()
		}
	}
	now := n.k.Now()
	limited := !local && n.ICMPLimit.applies(m.Type, m.Code)
	if limited && (!n.limit.globalAllow(&n.ICMPLimit, now) || !n.limit.destAllow(&n.ICMPLimit, now, src)) {
		n.stats.ICMPRateLimited++
		return
	}
	if limited {
		n.limit.globalConsume(&n.ICMPLimit)
	}
	n.icmpBuf = m.AppendTo(n.icmpBuf[:0])
	// Linux's icmp_send: errors go with precedence "internetwork control"
	// (0xc0) plus the TOS bits of the datagram they are about, from a
	// socket that never sets DF (IP_PMTUDISC_DONT).
	if _, err := n.SendIP(wire.ProtoICMP, src, n.icmpBuf, SendOptions{Src: from, TOS: tosInternetControl | tos&tosMask, PMTU: PMTUDont}); err == nil {
		n.stats.ICMPSent++
	}
}

// TOS bits of ICMP errors (RFC 1812 4.3.2.5; Linux's IPTOS_PREC_INTERNETCONTROL
// and IPTOS_TOS_MASK).
const (
	tosInternetControl = 0xc0
	tosMask            = 0x1e
)

// unicast reports whether a can be the source of a datagram that deserves
// an ICMP error: not unspecified, broadcast, multicast, loopback or class E.
func unicast(a netip.Addr) bool {
	if !a.Is4() || a.IsUnspecified() || a.IsMulticast() || a.IsLoopback() || a == limitedBroadcast {
		return false
	}
	return a.As4()[0] < 240
}

// icmpIsError reports whether ICMP type t is an error message, or a type
// unknown to RFC 792 and its successors (both get no ICMP error in reply,
// as in Linux's icmp_pointers table).
func icmpIsError(t uint8) bool {
	switch t {
	case wire.ICMPDestUnreachable, 4, 5, wire.ICMPTimeExceeded, 12:
		return true
	}
	return t > 18
}

func (n *Node) drop(in *Iface, p *packet.Packet, reason string) {
	n.stats.Dropped++
	n.emit(trace.Drop, in, p, reason)
	n.pool.Put(p)
}

func (n *Node) emit(k trace.Kind, i *Iface, p *packet.Packet, reason string) {
	if !n.bus.Active() {
		return
	}
	e := n.bus.Begin(n.k.Now(), k)
	e.Packet = p.ID
	e.Node = n.Name
	e.Iface, e.Link = ifaceNames(i)
	e.Reason = reason
	e.Data = p.Data
	n.bus.Emit()
}
