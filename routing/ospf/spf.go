package ospf

import (
	"cmp"
	"container/heap"
	"net/netip"
	"slices"
)

// NextHop is one way towards a destination: out interface Iface to the
// neighbour at Addr (the zero Addr for a directly connected network).
type NextHop struct {
	Iface int
	Addr  netip.Addr
}

// Route is one entry of the routing table that SPF computes.
type Route struct {
	Prefix   netip.Prefix
	Cost     uint32
	NextHops []NextHop // equal-cost paths, sorted by interface then address
}

// RoutesStale reports whether the database changed since Routes last
// ran SPF: a caller that throttles SPF (as routers do: an SPF run costs
// the whole graph) waits before calling Routes.
func (e *Engine) RoutesStale() bool { return e.spfDirty }

// Routes returns the routing table, recomputing it if the database
// changed since the last call. The slice is shared: do not modify it.
func (e *Engine) Routes() []Route {
	if e.spfDirty {
		e.spfDirty = false
		e.routes = e.spf()
		e.Stats.SPFRuns++
	}
	return e.routes
}

// vertex is a router in the shortest-path tree (16.1).
type vertex struct {
	id   ID
	lsa  *RouterLSA
	cost uint32
	hops []NextHop
	done bool
	idx  int // heap index, -1 when not in the candidate list
}

type candidates []*vertex

func (c candidates) Len() int { return len(c) }
func (c candidates) Less(i, j int) bool {
	if c[i].cost != c[j].cost {
		return c[i].cost < c[j].cost
	}
	return c[i].id < c[j].id // ties broken by router ID: deterministic
}
func (c candidates) Swap(i, j int) {
	c[i], c[j] = c[j], c[i]
	c[i].idx, c[j].idx = i, j
}
func (c *candidates) Push(x any) { v := x.(*vertex); v.idx = len(*c); *c = append(*c, v) }
func (c *candidates) Pop() any {
	old := *c
	v := old[len(old)-1]
	*c, v.idx = old[:len(old)-1], -1
	return v
}

// spf is Dijkstra's algorithm over the router-LSAs (16.1, first stage,
// point-to-point links only), then the stub networks (second stage).
func (e *Engine) spf() []Route {
	rootEnt := e.db.m[LSKey{LSTypeRouter, e.cfg.RouterID, e.cfg.RouterID}]
	if rootEnt == nil || rootEnt.router == nil {
		return nil
	}
	vs := map[ID]*vertex{}
	root := &vertex{id: e.cfg.RouterID, lsa: rootEnt.router, idx: -1}
	vs[root.id] = root
	var cand candidates
	var tree []*vertex
	for v := root; v != nil; {
		v.done = true
		tree = append(tree, v)
		for i := range v.lsa.Links {
			if l := &v.lsa.Links[i]; l.Type == LinkPointToPoint {
				e.relax(vs, &cand, v, root, l)
			}
		}
		v = nil
		if cand.Len() > 0 {
			v = heap.Pop(&cand).(*vertex)
		}
	}
	return e.stubRoutes(tree, root)
}

// relax is step (2) of 16.1 for the link l of the vertex v.
func (e *Engine) relax(vs map[ID]*vertex, cand *candidates, v, root *vertex, l *RouterLink) {
	w := vs[l.LinkID]
	if w == nil {
		ent := e.db.m[LSKey{LSTypeRouter, l.LinkID, l.LinkID}]
		// (2b) "If the LSA does not exist, or its LS age is equal to
		// MaxAge, or it does not have a link back to vertex V, examine the
		// next link in V's LSA."
		if ent == nil || ent.router == nil || ent.hdr.Age >= MaxAge || !linksBack(ent.router, v.id) {
			return
		}
		w = &vertex{id: l.LinkID, lsa: ent.router, cost: ^uint32(0), idx: -1}
		vs[w.id] = w
	}
	// (2c) "If vertex W is already on the shortest-path tree, examine the
	// next link in the LSA."
	if w.done {
		return
	}
	d := v.cost + uint32(l.Metric)
	// (2d) "If D is: Greater than the value that already appears for vertex
	// W on the candidate list, then examine the next link. Equal to ...
	// calculate the set of next hops ... and add them to the set of next
	// hops that already appear. Less than ... reset".
	if d > w.cost {
		return
	}
	hops := v.hops
	if v == root {
		nh, ok := e.directHop(l, w)
		if !ok {
			return
		}
		hops = []NextHop{nh}
	}
	if d < w.cost {
		w.cost, w.hops = d, slices.Clone(hops)
	} else {
		w.hops = mergeHops(w.hops, hops)
	}
	if w.idx < 0 {
		heap.Push(cand, w)
	} else {
		heap.Fix(cand, w.idx)
	}
}

func linksBack(r *RouterLSA, to ID) bool {
	for i := range r.Links {
		if r.Links[i].Type == LinkPointToPoint && r.Links[i].LinkID == to {
			return true
		}
	}
	return false
}

// directHop is the next hop over the root's own link l to w (16.1.1):
// the interface whose address is the link's Link Data, and the
// neighbour's address learned from its Hellos.
func (e *Engine) directHop(l *RouterLink, w *vertex) (NextHop, bool) {
	for _, ifc := range e.ifs {
		if ifc.up && IDFrom(ifc.cfg.Addr.Addr()) == l.LinkData {
			nh := NextHop{Iface: ifc.idx}
			if ifc.nbr.id == w.id {
				nh.Addr = ifc.nbr.addr
			}
			return nh, true
		}
	}
	return NextHop{}, false
}

func mergeHops(a, b []NextHop) []NextHop {
	r := slices.Clone(a)
	for _, h := range b {
		if !slices.Contains(r, h) {
			r = append(r, h)
		}
	}
	slices.SortFunc(r, func(x, y NextHop) int {
		return cmp.Or(cmp.Compare(x.Iface, y.Iface), x.Addr.Compare(y.Addr))
	})
	return r
}

// stubRoutes is the second stage of 16.1: "the stub networks are added to
// the tree", each at the cost of its router plus the link's metric,
// keeping the cheapest and merging equal-cost next hops.
func (e *Engine) stubRoutes(tree []*vertex, root *vertex) []Route {
	best := map[netip.Prefix]*Route{}
	for _, v := range tree {
		for i := range v.lsa.Links {
			l := &v.lsa.Links[i]
			p, ok := l.StubPrefix()
			if l.Type != LinkStub || !ok {
				continue
			}
			hops := v.hops
			if v == root {
				hops = e.connectedHops(p)
			}
			d := v.cost + uint32(l.Metric)
			r := best[p]
			switch {
			case r == nil || d < r.Cost:
				best[p] = &Route{Prefix: p, Cost: d, NextHops: mergeHops(nil, hops)}
			case d == r.Cost:
				r.NextHops = mergeHops(r.NextHops, hops)
			}
		}
	}
	routes := make([]Route, 0, len(best))
	for _, r := range best {
		routes = append(routes, *r)
	}
	slices.SortFunc(routes, func(a, b Route) int {
		return cmp.Or(a.Prefix.Addr().Compare(b.Prefix.Addr()), cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits()))
	})
	return routes
}

func (e *Engine) connectedHops(p netip.Prefix) []NextHop {
	var hops []NextHop
	for _, ifc := range e.ifs {
		if ifc.up && ifc.cfg.Addr.Masked() == p {
			hops = append(hops, NextHop{Iface: ifc.idx})
		}
	}
	return hops
}
