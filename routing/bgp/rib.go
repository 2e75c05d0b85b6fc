package bgp

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Route is one path to a prefix in the Loc-RIB: the `show ip bgp` row.
type Route struct {
	Prefix netip.Prefix
	// Path holds the attributes as the decision process saw them:
	// LOCAL_PREF is the one set by the import policy. Read only.
	Path     *Path
	Peer     int        // index of the peer it came from; -1: originated here
	PeerAddr netip.Addr // the peer's address; invalid for own routes
	PeerID   netip.Addr // the peer's BGP Identifier
	External bool       // learned over eBGP
	// Learned is the relationship of the neighbour it came from (for an
	// internal peer, the one LOCAL_PREF implies); 0 for own routes.
	Learned Relationship
	Best    bool
}

// Own reports whether the route is originated by this speaker.
func (r *Route) Own() bool { return r.Peer < 0 }

// candidate is a route in an Adj-RIB-In (or an own route) competing in
// the decision process.
type candidate struct {
	peer       int
	path       *Path
	external   bool
	peerID     netip.Addr
	peerAddr   netip.Addr
	class      Relationship
	neighborAS uint32
}

// dest is the Loc-RIB entry of one prefix: every candidate, own first
// then by peer index, and the one selected.
type dest struct {
	cands []*candidate
	best  *candidate
}

func (d *dest) set(c *candidate) {
	i, found := slices.BinarySearchFunc(d.cands, c.peer, func(x *candidate, p int) int { return cmp.Compare(x.peer, p) })
	if found {
		d.cands[i] = c
		return
	}
	d.cands = slices.Insert(d.cands, i, c)
}

func (d *dest) remove(peer int) bool {
	i, found := slices.BinarySearchFunc(d.cands, peer, func(x *candidate, p int) int { return cmp.Compare(x.peer, p) })
	if found {
		d.cands = slices.Delete(d.cands, i, i+1)
	}
	return found
}

// selectBest runs phase 2 of the decision process (RFC 4271 9.1.2) over
// the candidates of one prefix. Routes with a loop never get here (the
// import policy drops them). Own routes win first, as a router's local
// weight does; then 9.1.2.1 (highest degree of preference, which is
// LOCAL_PREF here) and the tie-breaks of 9.1.2.2: a) shortest AS_PATH,
// b) lowest ORIGIN, c) lowest MULTI_EXIT_DISC among routes from the same
// neighbouring AS (a missing MED is 0), d) eBGP over iBGP, f) lowest BGP
// Identifier, g) lowest peer address. Step e (interior cost to the
// NEXT_HOP) is skipped: the engine has no IGP.
func selectBest(cands []*candidate) *candidate {
	if len(cands) == 0 {
		return nil
	}
	if cands[0].peer < 0 {
		return cands[0]
	}
	set := slices.Clone(cands)
	keepBest := func(key func(*candidate) int64) {
		m := key(set[0])
		for _, c := range set[1:] {
			m = min(m, key(c))
		}
		set = slices.DeleteFunc(set, func(c *candidate) bool { return key(c) != m })
	}
	keepBest(func(c *candidate) int64 { return -int64(c.path.LocalPref) })
	keepBest(func(c *candidate) int64 { return int64(c.path.ASPath.Len()) })
	keepBest(func(c *candidate) int64 { return int64(c.path.Origin) })
	// c) "remove from consideration all routes that are not the best among
	// the routes learned from the same neighboring AS" by MED.
	med := func(c *candidate) uint32 {
		if c.path.HasMED {
			return c.path.MED
		}
		return 0
	}
	all := slices.Clone(set)
	set = slices.DeleteFunc(set, func(c *candidate) bool {
		return slices.ContainsFunc(all, func(o *candidate) bool { return o.neighborAS == c.neighborAS && med(o) < med(c) })
	})
	if slices.ContainsFunc(set, func(c *candidate) bool { return c.external }) {
		set = slices.DeleteFunc(set, func(c *candidate) bool { return !c.external })
	}
	return slices.MinFunc(set, func(a, b *candidate) int {
		if c := a.peerID.Compare(b.peerID); c != 0 {
			return c
		}
		return a.peerAddr.Compare(b.peerAddr)
	})
}

func (c *candidate) route(p netip.Prefix, best bool) Route {
	return Route{Prefix: p, Path: c.path, Peer: c.peer, PeerAddr: c.peerAddr, PeerID: c.peerID,
		External: c.external, Learned: c.class, Best: best}
}

// FormatRoutes lays routes out as `show ip bgp` does: status ("*>" for
// the best path), network, next hop, metric (MED), local preference,
// the peer it came from, and the AS path with the origin code.
func FormatRoutes(routes []Route) string {
	var b strings.Builder
	fmt.Fprintf(&b, "   %-18s %-15s %10s %6s %-15s %s\n", "Network", "Next Hop", "Metric", "LocPrf", "From", "Path")
	for _, r := range routes {
		status := "*  "
		if r.Best {
			status = "*> "
		}
		p := r.Path
		nh := "0.0.0.0"
		if p.NextHop.IsValid() {
			nh = p.NextHop.String()
		}
		medS, lp := "", ""
		if p.HasMED {
			medS = fmt.Sprint(p.MED)
		}
		if p.HasLocalPref {
			lp = fmt.Sprint(p.LocalPref)
		}
		from := "local"
		if !r.Own() {
			from = r.PeerAddr.String()
		}
		path := p.ASPath.String()
		if path != "" {
			path += " "
		}
		fmt.Fprintf(&b, "%s%-18s %-15s %10s %6s %-15s %s%s\n", status, r.Prefix, nh, medS, lp, from, path, p.Origin.Code())
	}
	return b.String()
}
