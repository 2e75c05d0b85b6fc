package node

import (
	"fmt"
	"net/netip"
	"sort"
)

// Route sends packets for Prefix out of interface Iface (an index into the
// node's interfaces), towards NextHop when it is valid (on a point-to-point
// link the next hop is simply the far end).
type Route struct {
	Prefix  netip.Prefix
	Iface   int
	NextHop netip.Addr
	Metric  int
}

// String formats the route like `ip route`: "10.0.0.0/8 via 198.18.0.2 dev 1 metric 10".
func (r Route) String() string {
	s := r.Prefix.String()
	if r.NextHop.IsValid() {
		s += " via " + r.NextHop.String()
	}
	return fmt.Sprintf("%s dev %d metric %d", s, r.Iface, r.Metric)
}

// RouteTable is an IPv4 forwarding table with longest-prefix match, stored
// as a binary trie: a lookup walks at most 32 nodes and never allocates.
// The zero value is an empty table.
type RouteTable struct {
	root *trieNode
	n    int
}

type trieNode struct {
	child [2]*trieNode
	route Route
	has   bool
}

func addrBits(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// Insert adds r, replacing any route for the same prefix. The prefix is
// masked first. Non-IPv4 prefixes are rejected.
func (t *RouteTable) Insert(r Route) error {
	if !r.Prefix.IsValid() || !r.Prefix.Addr().Is4() {
		return fmt.Errorf("node: route prefix %v is not IPv4", r.Prefix)
	}
	r.Prefix = r.Prefix.Masked()
	if t.root == nil {
		t.root = &trieNode{}
	}
	n := t.root
	bits := addrBits(r.Prefix.Addr())
	for i := 0; i < r.Prefix.Bits(); i++ {
		b := (bits >> (31 - i)) & 1
		if n.child[b] == nil {
			n.child[b] = &trieNode{}
		}
		n = n.child[b]
	}
	if !n.has {
		t.n++
	}
	n.route, n.has = r, true
	return nil
}

// Remove deletes the route for prefix and reports whether there was one.
// Empty branches stay; tables are rebuilt rather than churned.
func (t *RouteTable) Remove(prefix netip.Prefix) bool {
	n := t.find(prefix)
	if n == nil || !n.has {
		return false
	}
	n.has, n.route = false, Route{}
	t.n--
	return true
}

func (t *RouteTable) find(prefix netip.Prefix) *trieNode {
	if !prefix.IsValid() || !prefix.Addr().Is4() {
		return nil
	}
	prefix = prefix.Masked()
	n := t.root
	bits := addrBits(prefix.Addr())
	for i := 0; n != nil && i < prefix.Bits(); i++ {
		n = n.child[(bits>>(31-i))&1]
	}
	return n
}

// Lookup returns the route with the longest prefix that contains dst.
func (t *RouteTable) Lookup(dst netip.Addr) (Route, bool) {
	if !dst.Is4() {
		return Route{}, false
	}
	bits := addrBits(dst)
	var best *trieNode
	n := t.root
	for i := 0; n != nil; i++ {
		if n.has {
			best = n
		}
		if i == 32 {
			break
		}
		n = n.child[(bits>>(31-i))&1]
	}
	if best == nil {
		return Route{}, false
	}
	return best.route, true
}

// Len returns the number of routes.
func (t *RouteTable) Len() int { return t.n }

// Clear removes every route.
func (t *RouteTable) Clear() { *t = RouteTable{} }

// Routes returns every route, most specific prefixes last within an
// address, sorted by prefix address then length.
func (t *RouteTable) Routes() []Route {
	var out []Route
	var walk func(n *trieNode)
	walk = func(n *trieNode) {
		if n == nil {
			return
		}
		if n.has {
			out = append(out, n.route)
		}
		walk(n.child[0])
		walk(n.child[1])
	}
	walk(t.root)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Prefix, out[j].Prefix
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c < 0
		}
		return a.Bits() < b.Bits()
	})
	return out
}
