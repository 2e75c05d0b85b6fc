package world

import (
	"net/netip"
	"sort"
	"time"

	"github.com/hopsnet/hops/link"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/world/scenario"
)

// linkChanged schedules a recomputation of the routes.
func (w *World) linkChanged(now sim.Time, up bool) {
	if w.opts.StaticRoutes || w.ospfOn != nil {
		return // OSPF's daemons hear of it themselves (routing.go)
	}
	w.Kernel.Cancel(w.pending)
	w.pending = w.Kernel.After(w.opts.Convergence, sim.HandlerFunc(func(sim.Time, uint64) { w.ComputeRoutes() }), 0)
}

// cost is a link's routing cost.
func (w *World) cost(i int) int {
	if c := w.Scenario.Links[i].Cost; c > 0 {
		return c
	}
	return int(w.Scenario.Links[i].Delay/(10*time.Microsecond)) + 1
}

// ComputeRoutes fills every node's route table with shortest paths over
// the links that are up. Every node gets a route to each subnet that a
// router on it can reach, and a host route (/32) to each address on a
// link without a router; a host with a single interface gets a default
// route through a router beside it instead. Subnets behind a NAT (on its
// inside interface) are routed only on the nodes attached to them. Nodes
// that take an address from DHCP get only their connected routes here:
// their DHCP client installs the rest from its lease. Ties go to the node
// that Dijkstra settles first (the lower node index), so the result is
// deterministic.
func (w *World) ComputeRoutes() {
	subnets := w.subnets()
	for s, n := range w.Nodes {
		n.Routes.Clear()
		ifaces := n.Ifaces()
		for _, i := range ifaces {
			if i.Prefix.IsValid() {
				n.Routes.Insert(node.Route{Prefix: i.Prefix.Masked(), Iface: i.Index})
			}
		}
		if w.dynamic[s] || w.ospfOn != nil && w.ospfOn[s] {
			continue
		}
		if !n.Forwarding && len(ifaces) == 1 {
			if e := w.gateway(s); e != nil {
				n.Routes.Insert(node.Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Iface: e.iface.Index, NextHop: e.peer.Addr()})
			}
			continue
		}
		dist, first := w.shortestPaths(s)
		route := func(prefix netip.Prefix, owners []int) {
			best, bestEdge := -1, -1
			for _, owner := range owners {
				if dist[owner] >= 0 && first[owner] >= 0 && (best < 0 || dist[owner] < best) {
					best, bestEdge = dist[owner], first[owner]
				}
			}
			if bestEdge >= 0 {
				e := &w.adj[s][bestEdge]
				n.Routes.Insert(node.Route{Prefix: prefix, Iface: e.iface.Index, NextHop: e.peer.Addr(), Metric: best})
			}
		}
		for _, sub := range subnets {
			if connected(n, sub.prefix) || (sub.hidden && !sub.has(s)) {
				continue
			}
			// A subnet is reached through the routers on it; a host on it
			// would drop traffic for its neighbours. A link between two
			// hosts has no router: each host's address there gets a host
			// route towards it.
			var routers []int
			for _, o := range sub.owners {
				if w.Nodes[o].Forwarding {
					routers = append(routers, o)
				}
			}
			route(sub.prefix, routers)
			if len(routers) > 0 {
				continue
			}
			for i, o := range sub.owners {
				if sub.addrs[i].IsValid() {
					route(netip.PrefixFrom(sub.addrs[i], 32), []int{o})
				}
			}
		}
	}
	for _, c := range w.DHCPClients {
		c.Reinstall()
	}
}

func connected(n *node.Node, p netip.Prefix) bool {
	for _, i := range n.Ifaces() {
		if i.Prefix.IsValid() && i.Prefix.Masked() == p {
			return true
		}
	}
	return false
}

type subnet struct {
	prefix netip.Prefix
	owners []int        // nodes attached to it
	addrs  []netip.Addr // their addresses on it (invalid: from DHCP)
	hidden bool         // behind a NAT: routed only where attached
}

func (s *subnet) has(n int) bool {
	for _, o := range s.owners {
		if o == n {
			return true
		}
	}
	return false
}

// subnets lists the world's subnets: one per link and per LAN, with the
// prefix of its statically addressed members.
func (w *World) subnets() []subnet {
	var out []subnet
	add := func(eps []scenario.Endpoint) {
		var sub subnet
		for _, ep := range eps {
			sub.owners = append(sub.owners, w.nodeIndex[ep.Node])
			sub.addrs = append(sub.addrs, ep.Addr.Addr())
			if !sub.prefix.IsValid() && ep.Addr.IsValid() {
				sub.prefix = ep.Addr.Masked()
			}
			if w.natInside[ifaceKey{ep.Node, ep.Iface}] {
				sub.hidden = true
			}
		}
		if sub.prefix.IsValid() {
			out = append(out, sub)
		}
	}
	for _, sl := range w.Scenario.Links {
		add([]scenario.Endpoint{sl.A, sl.B})
	}
	for _, sl := range w.Scenario.LANs {
		add(sl.Members)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].prefix.Addr().Less(out[j].prefix.Addr()) })
	return out
}

// edge is one neighbour of a node for the route oracle: out of iface to
// the node at index to, whose interface there is peer, across links
// (one for a point-to-point link, two cables through a LAN's switch).
type edge struct {
	iface *node.Iface
	to    int
	peer  *node.Iface
	links []*link.Link
	cost  int
}

func (e *edge) up() bool {
	for _, l := range e.links {
		if !l.Up() {
			return false
		}
	}
	return true
}

// gateway returns the edge from host s to a router beside it: its
// default route.
func (w *World) gateway(s int) *edge {
	for k := range w.adj[s] {
		if e := &w.adj[s][k]; w.Nodes[e.to].Forwarding {
			return e
		}
	}
	if len(w.adj[s]) > 0 {
		return &w.adj[s][0]
	}
	return nil
}

// shortestPaths runs Dijkstra from node s over edges that are up, never
// passing through a node that does not forward. It returns each node's
// distance (-1 if unreachable) and the index in w.adj[s] of the first
// edge towards it (-1 for s itself).
func (w *World) shortestPaths(s int) (dist, first []int) {
	nn := len(w.Nodes)
	dist = make([]int, nn)
	first = make([]int, nn)
	done := make([]bool, nn)
	for i := range dist {
		dist[i], first[i] = -1, -1
	}
	dist[s] = 0
	for {
		u := -1
		for i := 0; i < nn; i++ {
			if !done[i] && dist[i] >= 0 && (u < 0 || dist[i] < dist[u]) {
				u = i
			}
		}
		if u < 0 {
			return dist, first
		}
		done[u] = true
		if u != s && !w.Nodes[u].Forwarding {
			continue // hosts are destinations, never transit
		}
		for k := range w.adj[u] {
			e := &w.adj[u][k]
			if !e.up() {
				continue
			}
			v := e.to
			d := dist[u] + e.cost
			if dist[v] < 0 || d < dist[v] {
				dist[v] = d
				if u == s {
					first[v] = k
				} else {
					first[v] = first[u]
				}
			}
		}
	}
}
