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

// The route oracle: shortest paths over the links that are up, by cost
// (a link's cost, or its delay in units of 10µs when none is given),
// through routers only, without any protocol on the wire.
//
// It scales to worlds of many thousands of routers by never computing
// what nobody asks for. A router's table is lazy (node.RouteTable's
// SetFill): it is built when the router first forwards, sends or is
// asked for its routes, by one Dijkstra from that router (a binary heap:
// O(E log V)). When a link goes down or up, the oracle takes a new
// snapshot of the links' states after Options.Convergence and drops only
// the built tables that the change can alter (see treeChanged); each is
// built again, from that snapshot, the next time it is used. Building
// from the snapshot, never from the links' states of the moment, is what
// makes a lazy table the same as one computed at the convergence instant.
// A table of many routes is aggregated (aggregate.go) without changing
// where any address goes.
//
// Nodes whose tables hold no computed routes (DHCP clients, routers that
// run a routing protocol, hosts with a single interface) are filled at
// once, at the start and at each convergence.

// oracle is the route oracle's state.
type oracle struct {
	subnets []subnet                 // the world's subnets, sorted by address (static)
	fills   []func(*node.RouteTable) // per node: builds its table, or nil when not lazy
	trees   []*spt                   // per node: the tree its built table came from, or nil

	// fillRoutes' scratch space: the computed routes, and each one's
	// position by prefix.
	routes  []node.Route
	routeAt map[netip.Prefix]int

	// Dijkstra's scratch space, reused by every run.
	dist  []int
	first []int32
	done  []bool
	heap  distHeap
}

// edgeRef names an edge: w.adj[from][k].
type edgeRef struct{ from, k int32 }

// spt is what a built table was computed from: the distance to every
// node and, per node, the edge that last lowered it in the tree (-1 for
// the root and for nodes out of reach).
type spt struct {
	dist   []int32
	parent []edgeRef
}

// linkChanged notes that a link went down or up, and schedules the
// routes' update after the convergence delay.
func (w *World) linkChanged(now sim.Time, up bool) {
	if w.opts.StaticRoutes || w.ospfOn != nil {
		return // OSPF's daemons hear of it themselves (routing.go)
	}
	w.Kernel.Cancel(w.pending)
	w.pending = w.Kernel.After(w.opts.Convergence, sim.HandlerFunc(func(sim.Time, uint64) { w.updateRoutes() }), 0)
}

// cost is a link's routing cost.
func (w *World) cost(i int) int {
	if c := w.Scenario.Links[i].Cost; c > 0 {
		return c
	}
	return int(w.Scenario.Links[i].Delay/(10*time.Microsecond)) + 1
}

// ComputeRoutes fills every node's route table with shortest paths over
// the links that are up now. Every node gets a route to each subnet that
// a router on it can reach, and a host route (/32) to each address on a
// link without a router; a host with a single interface gets a default
// route through a router beside it instead. Subnets behind a NAT (on its
// inside interface) are routed only on the nodes attached to them. Nodes
// that take an address from DHCP get only their connected routes here:
// their DHCP client installs the rest from its lease. Ties go to the node
// that Dijkstra settles first (the lower node index), so the result is
// deterministic.
//
// The tables of routers (and of hosts on several links) are lazy: each
// is built from the links' states as they are now when it is first used.
func (w *World) ComputeRoutes() {
	o := &w.oracle
	if o.fills == nil {
		w.setupOracle()
	}
	w.snapshot()
	for s, n := range w.Nodes {
		if o.fills[s] != nil {
			o.trees[s] = nil
			n.Routes.SetFill(o.fills[s])
			continue
		}
		w.fillAtOnce(s)
	}
	for _, c := range w.DHCPClients {
		c.Reinstall()
	}
}

// updateRoutes brings the routes up to date after links changed state:
// a new snapshot, and the built tables that the change can alter dropped
// (to be built again when used). Nodes filled at once are filled again.
func (w *World) updateRoutes() {
	o := &w.oracle
	if o.fills == nil {
		w.ComputeRoutes()
		return
	}
	var down, up, readdr []edgeRef
	for s := range w.adj {
		for k := range w.adj[s] {
			e := &w.adj[s][k]
			was, peer := e.snapUp, e.snapPeer
			e.snapUp, e.snapPeer = e.up(), e.peer.Addr()
			r := edgeRef{int32(s), int32(k)}
			switch {
			case was && !e.snapUp:
				down = append(down, r)
			case !was && e.snapUp:
				up = append(up, r)
			}
			if peer != e.snapPeer {
				readdr = append(readdr, r)
			}
		}
	}
	for s, n := range w.Nodes {
		if o.fills[s] == nil {
			w.fillAtOnce(s)
			continue
		}
		if t := o.trees[s]; t != nil && w.treeChanged(s, t, down, up, readdr) {
			o.trees[s] = nil
			n.Routes.SetFill(o.fills[s])
		}
	}
	for _, c := range w.DHCPClients {
		c.Reinstall()
	}
}

// treeChanged reports whether the table built from tree t of node s may
// differ after the edges down went down, the edges up came up and the
// edges readdr got a new far-end address. A table stays valid when no
// edge that went down is in its tree (the tree, and so every distance
// and first hop, survives), and no edge that came up offers a path as
// short as one it has (not even a tie, which Dijkstra's order could
// settle differently).
func (w *World) treeChanged(s int, t *spt, down, up, readdr []edgeRef) bool {
	for _, r := range readdr {
		if int(r.from) == s {
			return true
		}
	}
	for _, r := range down {
		to := w.adj[r.from][r.k].to
		if t.parent[to] == r {
			return true
		}
	}
	for _, r := range up {
		e := &w.adj[r.from][r.k]
		du := t.dist[r.from]
		if du < 0 || (int(r.from) != s && !w.Nodes[r.from].Forwarding) {
			continue // the edge starts where no path goes on from
		}
		if dv := t.dist[e.to]; dv < 0 || int(du)+e.cost <= int(dv) {
			return true
		}
	}
	return false
}

// setupOracle prepares the oracle's static state: the subnets and the
// fill function of every lazy node.
func (w *World) setupOracle() {
	o := &w.oracle
	nn := len(w.Nodes)
	o.subnets = w.subnets()
	// Subnets whose routes may share a prefix (two subnets alike, a /32
	// beside a host route) go through fillRoutes' map, so that the later
	// one wins, as when each was inserted in turn.
	seen := make(map[netip.Prefix]int, len(o.subnets))
	for _, sub := range o.subnets {
		seen[sub.prefix]++
	}
	for k := range o.subnets {
		sub := &o.subnets[k]
		sub.dup = seen[sub.prefix] > 1 || sub.prefix.Bits() == 32
	}
	o.fills = make([]func(*node.RouteTable), nn)
	o.trees = make([]*spt, nn)
	for s, n := range w.Nodes {
		if w.connectedOnly(s) || !n.Forwarding && len(n.Ifaces()) == 1 {
			continue
		}
		o.fills[s] = func(t *node.RouteTable) { w.fillRoutes(s, t) }
	}
	o.routeAt = map[netip.Prefix]int{}
	o.dist = make([]int, nn)
	o.first = make([]int32, nn)
	o.done = make([]bool, nn)
}

// snapshot records every edge's state and far-end address: the oracle
// computes from these, not from the links of the moment.
func (w *World) snapshot() {
	for s := range w.adj {
		for k := range w.adj[s] {
			e := &w.adj[s][k]
			e.snapUp, e.snapPeer = e.up(), e.peer.Addr()
		}
	}
}

// connectedOnly reports whether the oracle gives node s its connected
// routes only: the rest come from elsewhere (a DHCP lease, a routing
// protocol).
func (w *World) connectedOnly(s int) bool {
	return w.dynamic[s] || w.ospfOn != nil && w.ospfOn[s]
}

// fillAtOnce fills the table of a node that is not lazy: its connected
// routes and, for a host on one link, a default route to a router there.
func (w *World) fillAtOnce(s int) {
	n := w.Nodes[s]
	n.Routes.Clear()
	w.connectedRoutes(n)
	defer w.insertStatics(s, &n.Routes)
	if w.connectedOnly(s) {
		return
	}
	if e := w.gateway(s); e != nil {
		n.Routes.Insert(node.Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Iface: e.iface.Index, NextHop: e.snapPeer})
	}
}

// connectedRoutes installs a route to the subnet of each of n's
// addressed interfaces.
func (w *World) connectedRoutes(n *node.Node) {
	for _, i := range n.Ifaces() {
		if i.Prefix.IsValid() {
			n.Routes.Insert(node.Route{Prefix: i.Prefix.Masked(), Iface: i.Index})
		}
	}
}

// fillRoutes builds the table t of lazy node s: its connected routes and
// a route to every subnet it can reach, by one Dijkstra.
func (w *World) fillRoutes(s int, t *node.RouteTable) {
	n := w.Nodes[s]
	for _, i := range n.Ifaces() {
		if i.Prefix.IsValid() {
			t.Insert(node.Route{Prefix: i.Prefix.Masked(), Iface: i.Index})
		}
	}
	o := &w.oracle
	tree := w.shortestPaths(s)
	o.trees[s] = tree
	dist, first := o.dist, o.first
	rs := o.routes[:0]
	at := o.routeAt
	clear(at)
	route := func(prefix netip.Prefix, owners []int, dup bool) {
		best, bestEdge := -1, int32(-1)
		for _, owner := range owners {
			if dist[owner] >= 0 && first[owner] >= 0 && (best < 0 || dist[owner] < best) {
				best, bestEdge = dist[owner], first[owner]
			}
		}
		if bestEdge >= 0 {
			e := &w.adj[s][bestEdge]
			if dup {
				if k, ok := at[prefix]; ok {
					rs[k].Prefix = netip.Prefix{} // a later subnet of the same prefix replaces it
				}
				at[prefix] = len(rs)
			}
			rs = append(rs, node.Route{Prefix: prefix, Iface: e.iface.Index, NextHop: e.snapPeer, Metric: best})
		}
	}
	for k := range o.subnets {
		sub := &o.subnets[k]
		if connected(n, sub.prefix) || (sub.hidden && !sub.has(s)) {
			continue
		}
		// A subnet is reached through the routers on it; a host on it
		// would drop traffic for its neighbours. A link between two
		// hosts has no router: each host's address there gets a host
		// route towards it.
		if len(sub.routers) > 0 {
			route(sub.prefix, sub.routers, sub.dup)
			continue
		}
		for i := range sub.owners {
			if sub.addrs[i].IsValid() {
				route(netip.PrefixFrom(sub.addrs[i], 32), sub.owners[i:i+1], true)
			}
		}
	}
	live := rs[:0]
	for _, r := range rs {
		if r.Prefix.IsValid() {
			live = append(live, r)
		}
	}
	if len(live) > aggregateAbove {
		live = aggregate(live, func(p netip.Prefix) bool { return connected(n, p) })
	}
	for _, r := range live {
		t.Insert(r)
	}
	w.insertStatics(s, t)
	o.routes = live[:0]
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
	prefix  netip.Prefix
	owners  []int        // nodes attached to it
	addrs   []netip.Addr // their addresses on it (invalid: from DHCP)
	hidden  bool         // behind a NAT: routed only where attached
	routers []int        // the owners that forward
	dup     bool         // its route may share its prefix with another's
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
		for _, o := range sub.owners {
			if w.Nodes[o].Forwarding {
				sub.routers = append(sub.routers, o)
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

	// The oracle's snapshot (see snapshot): whether every link was up,
	// and peer's address.
	snapUp   bool
	snapPeer netip.Addr
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

// shortestPaths runs Dijkstra from node s over the edges that were up
// at the snapshot, never passing through a node that does not forward.
// It leaves in w.oracle.dist each node's distance (-1 if unreachable)
// and in w.oracle.first the index in w.adj[s] of the first edge towards
// it (-1 for s itself), and returns the tree. Nodes are settled by
// distance, then by index, and a distance is lowered only by a strictly
// shorter path, so ties go to the node settled first.
func (w *World) shortestPaths(s int) *spt {
	o := &w.oracle
	nn := len(w.Nodes)
	dist, first, done := o.dist, o.first, o.done
	t := &spt{dist: make([]int32, nn), parent: make([]edgeRef, nn)}
	for i := range dist {
		dist[i], first[i], done[i] = -1, -1, false
		t.parent[i] = edgeRef{-1, -1}
	}
	dist[s] = 0
	h := &o.heap
	h.items = h.items[:0]
	h.push(0, int32(s))
	for len(h.items) > 0 {
		d, u := h.pop()
		if done[u] || d != dist[u] {
			continue // a stale entry: u was lowered since
		}
		done[u] = true
		if int(u) != s && !w.Nodes[u].Forwarding {
			continue // hosts are destinations, never transit
		}
		for k := range w.adj[u] {
			e := &w.adj[u][k]
			if !e.snapUp {
				continue
			}
			v := e.to
			nd := d + e.cost
			if dist[v] < 0 || nd < dist[v] {
				dist[v] = nd
				t.parent[v] = edgeRef{u, int32(k)}
				if int(u) == s {
					first[v] = int32(k)
				} else {
					first[v] = first[u]
				}
				h.push(nd, int32(v))
			}
		}
	}
	for i, d := range dist {
		t.dist[i] = int32(d)
	}
	return t
}

// distHeap is a binary min-heap of (distance, node), the node index
// breaking ties, so nodes leave it in the order the array scan of a
// textbook Dijkstra would pick them.
type distHeap struct {
	items []heapItem
}

type heapItem struct {
	d int
	v int32
}

func (a heapItem) less(b heapItem) bool { return a.d < b.d || a.d == b.d && a.v < b.v }

func (h *distHeap) push(d int, v int32) {
	h.items = append(h.items, heapItem{d, v})
	i := len(h.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.items[i].less(h.items[p]) {
			break
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

func (h *distHeap) pop() (int, int32) {
	top := h.items[0]
	last := len(h.items) - 1
	h.items[0] = h.items[last]
	h.items = h.items[:last]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < last && h.items[l].less(h.items[m]) {
			m = l
		}
		if r := l + 1; r < last && h.items[r].less(h.items[m]) {
			m = r
		}
		if m == i {
			break
		}
		h.items[i], h.items[m] = h.items[m], h.items[i]
		i = m
	}
	return top.d, top.v
}
