package node

import (
	"fmt"
	"net/netip"
	"slices"
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
	// Proto is who installed the route, as `ip route` shows it ("ospf");
	// empty for connected routes and routes the world computed.
	Proto string
	// Alt holds further next hops of the same cost (equal-cost multipath):
	// a router spreads the datagrams it forwards over Iface/NextHop and
	// these, as the node's ECMP mode says (ecmp.go).
	Alt []Hop
}

// Equal reports whether r and o are the same route, next hops included.
func (r Route) Equal(o Route) bool {
	return r.Prefix == o.Prefix && r.Iface == o.Iface && r.NextHop == o.NextHop && r.Metric == o.Metric &&
		r.Proto == o.Proto && slices.Equal(r.Alt, o.Alt)
}

// via returns the next hop of a datagram to dst on this route: the
// gateway, or dst itself on a connected route.
func (r Route) via(dst netip.Addr) netip.Addr {
	if r.NextHop.IsValid() {
		return r.NextHop
	}
	return dst
}

// String formats the route like `ip route`: "10.0.0.0/8 via 198.18.0.2 dev 1 metric 10".
func (r Route) String() string {
	s := r.Prefix.String()
	if r.NextHop.IsValid() {
		s += " via " + r.NextHop.String()
	}
	if r.Proto != "" {
		return fmt.Sprintf("%s dev %d proto %s metric %d", s, r.Iface, r.Proto, r.Metric)
	}
	return fmt.Sprintf("%s dev %d metric %d", s, r.Iface, r.Metric)
}

// RouteTable is an IPv4 forwarding table with longest-prefix match, stored
// as a multibit trie with a stride of 8 bits and controlled prefix
// expansion: a prefix of length L is written into every slot it covers at
// level ceil(L/8), so a lookup reads at most four 256-slot arrays, one per
// address byte, and never allocates. The zero value is an empty table.
//
// A table may be filled lazily (SetFill): its routes are then built by a
// function the first time the table is read or changed, and again after
// each Invalidate, so a world of many routers pays only for the tables
// that are used.
type RouteTable struct {
	index  map[netip.Prefix]int32 // prefix → position in routes
	routes []Route
	free   []int32
	def    int32 // index of the default route, or -1 (when index is set up)
	root   *stride
	fill   func(*RouteTable) // builds the routes of a lazy table (SetFill)
	stale  bool              // fill must run before the table is used
}

// SetFill makes t lazy: its routes are dropped, and fill builds them
// (by calling Insert on the empty table) when t is next read or changed.
// A nil fill makes t an ordinary, empty table.
func (t *RouteTable) SetFill(fill func(*RouteTable)) {
	*t = RouteTable{fill: fill, stale: fill != nil}
}

// Invalidate drops the routes of a lazy table, and any route inserted
// into it since it was built; its fill function builds them again when
// the table is next used. A caller that has read a large lazy table can
// release its memory this way. On a table without a fill function it
// does nothing.
func (t *RouteTable) Invalidate() {
	if t.fill != nil {
		t.SetFill(t.fill)
	}
}

// Built reports whether the table holds its routes now: false for a lazy
// table that has not been built since it was made or invalidated.
func (t *RouteTable) Built() bool { return !t.stale }

// build runs the fill function of a stale table.
func (t *RouteTable) build() {
	t.stale = false
	t.fill(t)
}

// stride is one level of the trie: one slot per value of an address
// byte. A slot holds the route of the longest prefix written there, as
// (prefix length + 1) << 24 | route index, or 0 when none; next, made
// when the first longer prefix needs it, holds the level below. So a
// stride of the last level, the most numerous, takes 1 KB.
type stride struct {
	slot [256]uint32
	next *[256]*stride
}

// maxRoutes bounds a table: a slot holds a route's index in 24 bits.
const maxRoutes = 1 << 24

func slotBits(e uint32) int { return int(e>>24) - 1 }

func newStride() *stride { return &stride{} }

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
	if t.stale {
		t.build()
	}
	r.Prefix = r.Prefix.Masked()
	if t.index == nil {
		t.index = map[netip.Prefix]int32{}
		t.def = -1
	}
	if i, ok := t.index[r.Prefix]; ok {
		t.routes[i] = r // same prefix: the slots already point here
		return nil
	}
	var i int32
	if len(t.free) == 0 && len(t.routes) >= maxRoutes {
		return fmt.Errorf("node: more than %d routes", maxRoutes)
	}
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
		t.routes[i] = r
	} else {
		i = int32(len(t.routes))
		t.routes = append(t.routes, r)
	}
	t.index[r.Prefix] = i
	t.place(r.Prefix, i)
	return nil
}

// level returns the stride array that holds prefixes of p's length, and
// the span of slots p covers there; create makes missing levels.
func (t *RouteTable) level(p netip.Prefix, create bool) (s *stride, first, span int) {
	l := p.Bits()
	if t.root == nil {
		if !create {
			return nil, 0, 0
		}
		t.root = newStride()
	}
	bits := addrBits(p.Addr())
	s = t.root
	lv := (l - 1) / 8
	for i := 0; i < lv; i++ {
		b := byte(bits >> (24 - 8*i))
		if s.next == nil || s.next[b] == nil {
			if !create {
				return nil, 0, 0
			}
			if s.next == nil {
				s.next = new([256]*stride)
			}
			s.next[b] = newStride()
		}
		s = s.next[b]
	}
	return s, int(byte(bits >> (24 - 8*lv))), 1 << (8*(lv+1) - l)
}

// place writes route i for p into the trie, over slots held by shorter
// prefixes only.
func (t *RouteTable) place(p netip.Prefix, i int32) {
	l := p.Bits()
	if l == 0 {
		t.def = i
		return
	}
	s, first, span := t.level(p, true)
	for j := first; j < first+span; j++ {
		if slotBits(s.slot[j]) <= l {
			s.slot[j] = uint32(l+1)<<24 | uint32(i)
		}
	}
}

// Remove deletes the route for prefix and reports whether there was one.
// The slots it held are cleared and then refilled by the prefixes that
// contain it (at most one per shorter length).
func (t *RouteTable) Remove(prefix netip.Prefix) bool {
	if !prefix.IsValid() || !prefix.Addr().Is4() {
		return false
	}
	if t.stale {
		t.build()
	}
	prefix = prefix.Masked()
	i, ok := t.index[prefix]
	if !ok {
		return false
	}
	delete(t.index, prefix)
	t.routes[i] = Route{}
	t.free = append(t.free, i)
	l := prefix.Bits()
	if l == 0 {
		t.def = -1
		return true
	}
	s, first, span := t.level(prefix, false)
	for j := first; j < first+span; j++ {
		if slotBits(s.slot[j]) == l {
			s.slot[j] = 0
		}
	}
	// Shorter prefixes that live at the same level refill the cleared
	// slots; those at upper levels are found on the way down by Lookup.
	for sl := ((l - 1) / 8) * 8; sl < l; sl++ {
		if sl == 0 {
			continue
		}
		q := netip.PrefixFrom(prefix.Addr(), sl).Masked()
		if k, ok := t.index[q]; ok {
			t.place(q, k)
		}
	}
	return true
}

// Lookup returns the route with the longest prefix that contains dst.
func (t *RouteTable) Lookup(dst netip.Addr) (Route, bool) {
	if !dst.Is4() {
		return Route{}, false
	}
	if t.stale {
		t.build()
	}
	b := dst.As4()
	best := int32(-1)
	s := t.root
	for i := 0; s != nil && i < 4; i++ {
		if e := s.slot[b[i]]; e != 0 {
			best = int32(e & (maxRoutes - 1))
		}
		if s.next == nil {
			break
		}
		s = s.next[b[i]]
	}
	if best < 0 {
		if t.index == nil || t.def < 0 {
			return Route{}, false
		}
		best = t.def
	}
	return t.routes[best], true
}

// Len returns the number of routes.
func (t *RouteTable) Len() int {
	if t.stale {
		t.build()
	}
	return len(t.index)
}

// Clear removes every route, and the fill function of a lazy table.
func (t *RouteTable) Clear() { *t = RouteTable{} }

// Routes returns every route, sorted by prefix address, then by length.
func (t *RouteTable) Routes() []Route {
	if t.stale {
		t.build()
	}
	out := make([]Route, 0, len(t.index))
	for _, i := range t.index {
		out = append(out, t.routes[i])
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Prefix, out[j].Prefix
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c < 0
		}
		return a.Bits() < b.Bits()
	})
	return out
}
