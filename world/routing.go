package world

import (
	"fmt"
	"maps"
	"net/netip"
	"time"

	"github.com/hopsnet/hops/app/ospfd"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/routing/ospf"
	"github.com/hopsnet/hops/sim"
)

// Routing by OSPF (scenario "routing: ospf", or Options.Routing): every
// router with a static address runs OSPFv2 in one area (app/ospfd) on
// all its interfaces, active (Hellos, adjacencies) on a point-to-point
// link to another OSPF router and passive elsewhere (links to hosts, to
// a home router, LANs), so every subnet is advertised. Costs are the
// links' routing costs, as the oracle uses them. Hosts keep a default
// route to their router, DHCP clients their lease's. A link that goes
// down or up is reported to the daemons at both ends at once (a
// point-to-point link's carrier); a link that silently stops carrying
// packets is noticed when the neighbour's dead interval runs out.

// Routing protocols a world can use.
const (
	RoutingOracle = "oracle"
	RoutingOSPF   = "ospf"
)

// routing returns the protocol the world routes with.
func (w *World) routing() string {
	if w.opts.Routing != "" {
		return w.opts.Routing
	}
	if w.Scenario.Routing != "" {
		return string(w.Scenario.Routing)
	}
	return RoutingOracle
}

// markOSPF decides which nodes run OSPF: the routers with no DHCP
// interface.
func (w *World) markOSPF() error {
	switch r := w.routing(); r {
	case RoutingOracle:
		return nil
	case RoutingOSPF, RoutingBGP:
	default:
		return fmt.Errorf("routing %q: want %s, %s or %s", r, RoutingOracle, RoutingOSPF, RoutingBGP)
	}
	w.ospfOn = make([]bool, len(w.Nodes))
	for s, n := range w.Nodes {
		w.ospfOn[s] = n.Forwarding && !w.dynamic[s]
		if w.ospfOn[s] && w.routing() == RoutingBGP && w.asOf(s) == 0 {
			return fmt.Errorf("routing bgp: router %q has no as (every router with a static address belongs to an autonomous system)", n.Name)
		}
	}
	if w.routing() == RoutingBGP {
		w.bgpAddrs()
	}
	return nil
}

// startOSPF starts a daemon on every OSPF router and has the links
// report their state to them.
func (w *World) startOSPF() error {
	if w.ospfOn == nil {
		return nil
	}
	for s, n := range w.Nodes {
		if !w.ospfOn[s] {
			continue
		}
		var ifs []ospfd.Iface
		for _, i := range n.Ifaces() {
			if !i.Prefix.IsValid() {
				continue
			}
			c := ospfd.Iface{Iface: i, Passive: true}
			var edges []*edge
			for k := range w.adj[s] {
				if e := &w.adj[s][k]; e.iface == i {
					edges = append(edges, e)
				}
			}
			if len(edges) == 1 && len(edges[0].links) == 1 && w.ospfOn[edges[0].to] && w.sameDomain(s, edges[0].to) {
				c.Passive = false
			}
			if len(edges) > 0 {
				c.Cost = uint16(min(edges[0].cost, 65535))
			}
			ifs = append(ifs, c)
		}
		oc := ospfd.Config{Ifaces: ifs}
		if w.bgpIDs != nil && w.bgpIDs[s].IsValid() {
			// The iBGP address stays reachable whatever its link does,
			// as a loopback's would.
			oc.HostRoutes = []netip.Addr{w.bgpIDs[s]}
		}
		if t := w.Scenario.OSPF; t != nil {
			oc.HelloInterval, oc.DeadInterval = t.Hello, t.Dead
		}
		d, err := ospfd.Start(n, oc)
		if err != nil {
			return err
		}
		w.OSPF = append(w.OSPF, d)
		w.ospfByNode[n] = d
	}
	w.watchCarriers(func(n *node.Node) func(*node.Iface, bool) {
		if d := w.ospfByNode[n]; d != nil {
			return d.SetUp
		}
		return nil
	})
	return nil
}

// watchCarriers tells routing daemons when their links go down and up,
// as a point-to-point link's carrier does: for each end of each link,
// daemon returns the function its node's daemon wants told (nil: none).
func (w *World) watchCarriers(daemon func(n *node.Node) func(i *node.Iface, up bool)) {
	for _, l := range w.Links {
		for side := 0; side < 2; side++ {
			end := l.End(side)
			n := w.Node(end.Node)
			if n == nil {
				continue
			}
			set, i := daemon(n), n.Iface(end.Iface)
			if set == nil || i == nil {
				continue
			}
			l.Watch(func(now sim.Time, up bool) { set(i, up) })
		}
	}
}

// OSPFDaemon returns the OSPF daemon of the node called name, or nil.
func (w *World) OSPFDaemon(name string) *ospfd.Daemon {
	if n := w.Node(name); n != nil {
		return w.ospfByNode[n]
	}
	return nil
}

// quietSpell is how long the routers must have changed nothing before
// Settle checks their convergence in full.
const quietSpell = 500 * time.Millisecond

// routingQuiet reports, cheaply, whether every OSPF adjacency is full and
// no router's database, neighbours or routes changed for quietSpell.
func (w *World) routingQuiet(now sim.Time) bool {
	for _, d := range w.OSPF {
		if now.Sub(d.LastActivity()) < quietSpell || !d.Adjacent() {
			return false
		}
	}
	return true // BGP's quiet spell is part of RoutingConverged (bgpConverged)
}

// RoutingConverged reports whether the world's routing protocol has
// converged (always, for the oracle): for OSPF, every adjacency is full,
// every router holds the same database and has a route to every subnet
// that an OSPF router advertises (not hidden behind a NAT). When not, it
// names what is missing.
func (w *World) RoutingConverged() (bool, string) {
	if w.ospfOn == nil {
		return true, ""
	}
	// Each OSPF domain (the whole world, or one AS under BGP): its
	// subnets, and the first router's database.
	type domain struct {
		subnets []netip.Prefix
		ref     map[ospf.LSKey]int32
		first   string
	}
	domains := map[uint32]*domain{}
	dom := func(s int) *domain {
		k := uint32(0)
		if w.routing() == RoutingBGP {
			k = w.asOf(s)
		}
		d := domains[k]
		if d == nil {
			d = &domain{}
			domains[k] = d
		}
		return d
	}
	for _, sub := range w.subnets() {
		if sub.hidden {
			continue
		}
		// Advertised: an OSPF router of the domain has its interface on
		// it up.
		seen := map[*domain]bool{}
		for _, o := range sub.owners {
			if d := dom(o); w.ospfOn[o] && !seen[d] && ifaceUpOn(w.Nodes[o], sub.prefix) {
				d.subnets = append(d.subnets, sub.prefix)
				seen[d] = true
			}
		}
	}
	// Every adjacency up, and every router's database the same as the
	// others' of its domain.
	for _, d := range w.OSPF {
		if !d.Adjacent() {
			return false, d.Node().Name + " has an interface without a full adjacency"
		}
		db := map[ospf.LSKey]int32{}
		for _, l := range d.Engine().LSDB(w.Kernel.Now()) {
			h := l.Header()
			db[h.Key()] = h.Seq
		}
		do := dom(w.nodeIndex[d.Node().Name])
		if do.ref == nil {
			do.ref, do.first = db, d.Node().Name
		} else if !maps.Equal(do.ref, db) {
			return false, d.Node().Name + "'s database differs from " + do.first + "'s"
		}
	}
	for _, d := range w.OSPF {
		n := d.Node()
		for _, p := range dom(w.nodeIndex[n.Name]).subnets {
			if connected(n, p) {
				continue
			}
			// OSPF's route, whether or not the table took it (a static
			// route or an eBGP one may win: administrative distance).
			if _, ok := n.Offered(p, "ospf"); !ok {
				return false, n.Name + " has no OSPF route to " + p.String()
			}
		}
	}
	return w.bgpConverged()
}

// ifaceUpOn reports whether n has an interface on subnet p whose link is
// up.
func ifaceUpOn(n *node.Node, p netip.Prefix) bool {
	for _, i := range n.Ifaces() {
		if i.Prefix.IsValid() && i.Prefix.Masked() == p && i.Up() {
			return true
		}
	}
	return false
}
