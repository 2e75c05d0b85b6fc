package main

import (
	"net/netip"
	"strings"

	"github.com/hopsnet/hops/dns/resolver"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// pktRec is one packet's life as the browse narration needs it: who sent
// it, the routers that forwarded it, who took it, and its bytes as sent.
type pktRec struct {
	id      uint64
	sent    sim.Time
	from    string
	hops    []string // routers that forwarded it, in order
	to      string   // the node whose stack accepted it ("" if none)
	arrived sim.Time
	ttlIn   uint8 // TTL on arrival
	data    []byte
	dropped string   // why it was dropped, or ""
	nat     []natRec // the rewrites NATs made on its way, in order
}

// natRec is one NAT rewrite of a packet.
type natRec struct {
	node string // the router that rewrote it
	kind string // "snat", "dnat" or "hairpin"
	data []byte // the packet after the rewrite
}

// delivered returns the packet as its receiver got it: after the last
// NAT rewrite, if any.
func (p *pktRec) delivered() wire.IPv4 {
	if n := len(p.nat); n > 0 {
		return p.nat[n-1].data
	}
	return p.data
}

// views returns the packet as sent and after each rewrite.
func (p *pktRec) views() []wire.IPv4 {
	out := []wire.IPv4{p.data}
	for _, n := range p.nat {
		out = append(out, n.data)
	}
	return out
}

func (p *pktRec) ip() wire.IPv4 { return wire.IPv4(p.data) }

// tcp returns the packet's TCP segment, if it is one.
func (p *pktRec) tcp() (wire.TCP, bool) {
	ip := p.ip()
	if ip.Check() != nil || ip.Protocol() != wire.ProtoTCP || ip.FragOffset() != 0 {
		return nil, false
	}
	t := wire.TCP(ip.Payload())
	return t, t.Check() == nil
}

// udp returns the packet's UDP datagram, if it is one.
func (p *pktRec) udp() (wire.UDP, bool) {
	ip := p.ip()
	if ip.Check() != nil || ip.Protocol() != wire.ProtoUDP || ip.FragOffset() != 0 || len(ip.Payload()) < 8 {
		return nil, false
	}
	return wire.UDP(ip.Payload()), true
}

// maxRecorded bounds the packets a browse run keeps for its story.
const maxRecorded = 200_000

// dnsResult is an answer a resolver of the world gave, with its trace.
type dnsResult struct {
	at   sim.Time
	node string
	res  resolver.Result
}

// recorder watches the bus and the world's resolvers during a browse run.
type recorder struct {
	byID    map[uint64]*pktRec
	order   []*pktRec
	dns     []dnsResult
	links   []linkEvent
	routing []routingEvent
}

// routingEvent is a routing protocol's change on a node.
type routingEvent struct {
	at   sim.Time
	node string
	what string // the event's reason, e.g. "ospf change 10.0.2.0/24 via …"
}

// linkEvent is a link going down or up.
type linkEvent struct {
	at   sim.Time
	link string
	up   bool
}

func newRecorder() *recorder { return &recorder{byID: map[uint64]*pktRec{}} }

// Observe implements trace.Observer.
func (r *recorder) Observe(e *trace.Event) {
	switch e.Kind {
	case trace.Send:
		if len(r.order) >= maxRecorded {
			return
		}
		p := &pktRec{id: e.Packet, sent: e.At, from: e.Node, data: append([]byte(nil), e.Data...)}
		r.byID[e.Packet] = p
		r.order = append(r.order, p)
	case trace.Forward:
		if p := r.byID[e.Packet]; p != nil {
			p.hops = append(p.hops, e.Node)
		}
	case trace.Deliver:
		if p := r.byID[e.Packet]; p != nil && p.to == "" {
			p.to, p.arrived = e.Node, e.At
			if len(e.Data) > 8 {
				p.ttlIn = e.Data[8]
			}
		}
	case trace.Translate:
		if p := r.byID[e.Packet]; p != nil {
			kind, _, _ := strings.Cut(e.Reason, " ")
			p.nat = append(p.nat, natRec{node: e.Node, kind: kind, data: append([]byte(nil), e.Data...)})
		}
	case trace.Routing:
		r.routing = append(r.routing, routingEvent{at: e.At, node: e.Node, what: e.Reason})
	case trace.LinkState:
		r.links = append(r.links, linkEvent{at: e.At, link: e.Link, up: e.Reason == "up"})
	case trace.Drop:
		if p := r.byID[e.Packet]; p != nil && p.dropped == "" {
			p.dropped = e.Reason + " at " + e.Node
		}
	}
}

// flow returns the TCP packets between a and b (either way), in the
// order they were sent. A packet belongs to the flow if it does as sent
// or after a NAT rewrote it: behind a home router, the server's replies
// leave it addressed to the router's public address.
func (r *recorder) flow(a, b netip.AddrPort) []*pktRec {
	var out []*pktRec
	for _, p := range r.order {
		if _, ok := p.tcp(); !ok {
			continue
		}
		for _, ip := range p.views() {
			if ip.Check() != nil || ip.Protocol() != wire.ProtoTCP || len(ip.Payload()) < 4 {
				continue
			}
			t := wire.TCP(ip.Payload())
			src := netip.AddrPortFrom(ip.Src(), t.SrcPort())
			dst := netip.AddrPortFrom(ip.Dst(), t.DstPort())
			if src == a && dst == b || src == b && dst == a {
				out = append(out, p)
				break
			}
		}
	}
	return out
}
