package node

import (
	"net/netip"
	"slices"
)

// Administrative distances, as FRR's zebra uses them: of the routes the
// routing sources offer for one prefix, the table holds the one of least
// distance. A connected subnet (0) is never replaced.
const (
	DistanceStatic = 1
	DistanceEBGP   = 20
	DistanceOSPF   = 110
	DistanceIBGP   = 200
)

// ribEntry is one source's route for a prefix.
type ribEntry struct {
	r    Route
	dist int
}

// Offer makes r (from the source r.Proto names) a candidate for its
// prefix at administrative distance dist, replacing that source's
// earlier one, and puts the best candidate in the node's table (Routes),
// unless the table holds a connected route there (Proto ""). It reports
// whether the table changed.
func (n *Node) Offer(r Route, dist int) bool {
	p := r.Prefix.Masked()
	r.Prefix = p
	if n.rib == nil {
		n.rib = map[netip.Prefix][]ribEntry{}
	}
	es := n.rib[p]
	if i := slices.IndexFunc(es, func(e ribEntry) bool { return e.r.Proto == r.Proto }); i >= 0 {
		es[i] = ribEntry{r, dist}
	} else {
		es = append(es, ribEntry{r, dist})
	}
	n.rib[p] = es
	return n.ribInstall(p)
}

// Withdraw removes source proto's candidate for prefix, and puts the next
// best in the table (or none). It reports whether the table changed.
func (n *Node) Withdraw(prefix netip.Prefix, proto string) bool {
	p := prefix.Masked()
	es := slices.DeleteFunc(n.rib[p], func(e ribEntry) bool { return e.r.Proto == proto })
	if len(es) == 0 {
		delete(n.rib, p)
	} else {
		n.rib[p] = es
	}
	return n.ribInstall(p)
}

// Offered returns source proto's candidate for prefix.
func (n *Node) Offered(prefix netip.Prefix, proto string) (Route, bool) {
	for _, e := range n.rib[prefix.Masked()] {
		if e.r.Proto == proto {
			return e.r, true
		}
	}
	return Route{}, false
}

// ribInstall brings the table's route for p in line with the candidates:
// the least distance wins (ties: the first offered).
func (n *Node) ribInstall(p netip.Prefix) bool {
	cur, has := n.Routes.Get(p)
	if has && cur.Proto == "" {
		return false // a connected subnet (or a route the world computed)
	}
	es := n.rib[p]
	if len(es) == 0 {
		if has {
			n.Routes.Remove(p)
			return true
		}
		return false
	}
	best := es[0]
	for _, e := range es[1:] {
		if e.dist < best.dist {
			best = e
		}
	}
	if has && cur.Equal(best.r) {
		return false
	}
	n.Routes.Insert(best.r)
	return true
}
