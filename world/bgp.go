package world

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/hopsnet/hops/app/bgpd"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/routing/bgp"
	"github.com/hopsnet/hops/sim"
)

// Routing by BGP (scenario "routing: bgp", or Options.Routing): every
// router with a static address belongs to an autonomous system (its
// "as"). Inside each AS the routers run OSPFv2 (adjacencies only with
// routers of the same AS; links to other ASes are passive, advertised
// as stubs) and a full mesh of iBGP sessions between their BGP
// addresses (see bgpAddr); between ASes, the routers at the two ends of
// a link run an eBGP session over it, with the policies of the ASes'
// relationship (as-relationships: Gao–Rexford). A router marked
// route-server is an IXP's route server (RFC 7947): its clients peer
// with it and it passes their routes among them. Each AS announces its
// own subnets from its border routers, aggregated where two halves of a
// prefix are both its own (the routers inside reach them by OSPF).
// Sessions connect again after 5 s when a connection fails (the RFC's
// ConnectRetry is 120 s; iBGP sessions wait for OSPF's routes) and keep
// the RFC's hold time (90 s); a link that goes down brings its eBGP
// session down at once (fast external fallover).

// RoutingBGP is BGP between autonomous systems, OSPF inside them.
const RoutingBGP = "bgp"

// bgpMRAI is the worlds' MinRouteAdvertisementInterval: a burst of
// UPDATEs is acted on at most once per interval (after a quiet spell at
// once). RFC 4271 suggests 30 s between external peers; hops keeps
// convergence quick, as FRR's 0 s defaults do, while batching.
var bgpMRAI = 100 * time.Millisecond

// bgpConnectRetry is the worlds' ConnectRetry time.
const bgpConnectRetry = 5 * time.Second

// asOf returns node s's AS (0: none).
func (w *World) asOf(s int) uint32 { return uint32(w.Scenario.Nodes[s].AS) }

// sameDomain reports whether OSPF may form an adjacency between nodes a
// and b: always, unless BGP splits the world into ASes.
func (w *World) sameDomain(a, b int) bool {
	return w.routing() != RoutingBGP || w.asOf(a) == w.asOf(b)
}

// bgpAddrs gives every router of an AS its BGP address (bgpAddr), once:
// OSPF advertises it as a host route, BGP uses it.
func (w *World) bgpAddrs() {
	w.bgpIDs = make([]netip.Addr, len(w.Nodes))
	for s := range w.Nodes {
		if w.ospfOn[s] && w.asOf(s) != 0 {
			w.bgpIDs[s] = w.bgpAddr(s)
		}
	}
}

// bgpAddr is a router's BGP identifier and iBGP address. Without
// loopback interfaces, it is the highest address on a link to another
// router of its AS (the link that iBGP most needs), or else its highest
// address: an address on a link to another AS would take the router's
// iBGP sessions down with that link.
func (w *World) bgpAddr(s int) netip.Addr {
	var inside, any netip.Addr
	for k := range w.adj[s] {
		e := &w.adj[s][k]
		a := e.iface.Addr()
		if !a.IsValid() {
			continue
		}
		if !any.IsValid() || any.Less(a) {
			any = a
		}
		if w.ospfOn[e.to] && w.asOf(e.to) == w.asOf(s) && (!inside.IsValid() || inside.Less(a)) {
			inside = a
		}
	}
	if inside.IsValid() {
		return inside
	}
	if !any.IsValid() {
		for _, i := range w.Nodes[s].Ifaces() {
			if a := i.Addr(); a.IsValid() && (!any.IsValid() || any.Less(a)) {
				any = a
			}
		}
	}
	return any
}

// relationship returns what AS b is to AS a.
func (w *World) relationship(a, b uint32) bgp.Relationship {
	for _, r := range w.Scenario.Relationships {
		x, y, peers := r.Pair()
		switch {
		case peers && (uint32(x) == a && uint32(y) == b || uint32(x) == b && uint32(y) == a):
			return bgp.RelPeer
		case uint32(x) == a && uint32(y) == b:
			return bgp.RelCustomer // a provides for b
		case uint32(x) == b && uint32(y) == a:
			return bgp.RelProvider
		}
	}
	return 0
}

// startBGP starts a BGP daemon on every router of an AS.
func (w *World) startBGP() error {
	if w.routing() != RoutingBGP {
		return nil
	}
	ids := w.bgpIDs
	// Each AS announces its subnets (those with one of its routers on
	// them, not behind a NAT), aggregated where two halves of a prefix
	// are both its own, from its border routers.
	own := map[uint32]map[netip.Prefix]bool{}
	for _, sub := range w.subnets() {
		if sub.hidden {
			continue
		}
		for _, o := range sub.owners {
			if as := w.asOf(o); ids[o].IsValid() {
				if own[as] == nil {
					own[as] = map[netip.Prefix]bool{}
				}
				own[as][sub.prefix] = true
			}
		}
	}
	announce := map[uint32][]bgpd.Announce{}
	for as, set := range own {
		for _, p := range aggregatePrefixes(set) {
			a := bgpd.Announce{Prefix: p}
			for _, q := range slices.SortedFunc(maps.Keys(set), netip.Prefix.Compare) {
				if p.Contains(q.Addr()) && q.Bits() >= p.Bits() {
					a.Parts = append(a.Parts, q)
				}
			}
			announce[as] = append(announce[as], a)
		}
	}
	for s, n := range w.Nodes {
		if !ids[s].IsValid() {
			continue
		}
		as := w.asOf(s)
		cfg := bgpd.Config{AS: as, RouterID: ids[s], RouteServer: w.Scenario.Nodes[s].RouteServer, ConnectRetry: bgpConnectRetry,
			MinAdvertisementInterval: bgpMRAI}
		if t := w.Scenario.BGP; t != nil {
			cfg.HoldTime, cfg.ConnectRetry, cfg.MinAdvertisementInterval = t.Hold, t.ConnectRetry, t.MRAI
			cfg.NoHoldTime = t.Hold == 0
		}
		for k := range w.adj[s] {
			e := &w.adj[s][k]
			to := e.to
			if !ids[to].IsValid() || w.asOf(to) == as || len(e.links) != 1 {
				continue
			}
			rel := w.relationship(as, w.asOf(to))
			if rel == 0 {
				return fmt.Errorf("%s: no relationship between AS %d and AS %d (as-relationships)", n.Name, as, w.asOf(to))
			}
			cfg.Peers = append(cfg.Peers, bgpd.Peer{
				Name: w.Nodes[to].Name, Addr: e.peer.Addr(), Local: e.iface.Addr(), AS: w.asOf(to),
				Relationship: rel, Iface: e.iface, RouteServer: w.Scenario.Nodes[to].RouteServer,
			})
		}
		for o, m := range w.Nodes {
			if o != s && ids[o].IsValid() && w.asOf(o) == as {
				cfg.Peers = append(cfg.Peers, bgpd.Peer{Name: m.Name, Addr: ids[o], Local: ids[s], AS: as})
			}
		}
		for _, p := range cfg.Peers {
			if p.AS != as {
				cfg.Originate = announce[as] // a border router
				break
			}
		}
		d, err := bgpd.Start(n, cfg)
		if err != nil {
			return err
		}
		w.BGP = append(w.BGP, d)
		w.bgpByNode[n] = d
		if o := w.ospfByNode[n]; o != nil {
			o.SetOnChange(d.Resolve)
		}
	}
	w.watchCarriers(func(n *node.Node) func(*node.Iface, bool) {
		if d := w.bgpByNode[n]; d != nil {
			return d.SetUp
		}
		return nil
	})
	return nil
}

// BGPDaemon returns the BGP daemon of the node called name, or nil.
func (w *World) BGPDaemon(name string) *bgpd.Daemon {
	if n := w.Node(name); n != nil {
		return w.bgpByNode[n]
	}
	return nil
}

// aggregatePrefixes returns the prefixes of set, two halves of a prefix merged
// into it wherever both are in the set (repeatedly), sorted: the same
// addresses, fewer routes.
func aggregatePrefixes(set map[netip.Prefix]bool) []netip.Prefix {
	cur := maps.Clone(set)
	for merged := true; merged; {
		merged = false
		for _, p := range slices.SortedFunc(maps.Keys(cur), netip.Prefix.Compare) {
			if !cur[p] || p.Bits() == 0 {
				continue
			}
			parent, _ := p.Addr().Prefix(p.Bits() - 1)
			lo := netip.PrefixFrom(parent.Addr(), p.Bits())
			hi := netip.PrefixFrom(prefixLast(lo).Next(), p.Bits())
			if cur[lo] && cur[hi] {
				delete(cur, lo)
				delete(cur, hi)
				cur[parent] = true
				merged = true
			}
		}
	}
	return slices.SortedFunc(maps.Keys(cur), netip.Prefix.Compare)
}

// prefixLast is the last address of prefix p.
func prefixLast(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= uint32(1)<<(32-p.Bits()) - 1
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// bgpConverged reports whether BGP has been quiet for quietSpell (no
// UPDATE, best-route or session change), has nothing held back or in
// flight (Busy), and every session that can be up is Established (the
// external ones over links that are up), naming what is not so.
func (w *World) bgpConverged() (bool, string) {
	now := w.Kernel.Now()
	for _, d := range w.BGP {
		if now.Sub(d.LastChange()) < quietSpell {
			return false, fmt.Sprintf("%s's BGP changed %v ago", d.Node().Name, now.Sub(d.LastChange()))
		}
		if d.Busy() {
			return false, d.Node().Name + "'s BGP has changes held or UPDATEs in flight"
		}
	}
	for _, d := range w.BGP {
		for i, p := range d.Config().Peers {
			if p.Iface != nil && !p.Iface.Up() {
				continue
			}
			if st := d.Speaker().Session(i).State(); st != bgp.Established {
				return false, fmt.Sprintf("%s's BGP session with %s is %v", d.Node().Name, p.Name, st)
			}
		}
	}
	return true, ""
}

// ASOf returns the AS of the node called name (0: none), for hosts the
// AS of the router they hang off.
func (w *World) ASOf(name string) uint32 {
	s, ok := w.nodeIndex[name]
	if !ok {
		return 0
	}
	if as := w.asOf(s); as != 0 {
		return as
	}
	for _, e := range w.adj[s] {
		if as := w.asOf(e.to); as != 0 {
			return as
		}
	}
	return 0
}

// LastRoutingChange returns when a BGP daemon last heard an UPDATE,
// changed a best route, a session's state or a route, or an OSPF daemon
// changed anything: the instant the routing converged, once it has
// (RoutingConverged).
func (w *World) LastRoutingChange() sim.Time {
	var t sim.Time
	for _, d := range w.BGP {
		t = max(t, d.LastChange())
	}
	for _, d := range w.OSPF {
		t = max(t, d.LastActivity()) // OSPF inside the ASes, too
	}
	return t
}
