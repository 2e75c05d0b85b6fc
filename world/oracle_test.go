package world

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"regexp"
	"testing"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/world/gen"
)

// referenceRoutes computes every node's table the way the oracle first
// did, eagerly and by brute force: an array-scan Dijkstra per node over
// the links' states of the moment. Nodes with a DHCP interface are left
// out (their leases add routes the reference does not know).
func referenceRoutes(w *World) map[int]*node.RouteTable {
	out := map[int]*node.RouteTable{}
	subnets := w.subnets()
	for s, n := range w.Nodes {
		if w.dynamic[s] {
			continue
		}
		t := &node.RouteTable{}
		out[s] = t
		for _, i := range n.Ifaces() {
			if i.Prefix.IsValid() {
				t.Insert(node.Route{Prefix: i.Prefix.Masked(), Iface: i.Index})
			}
		}
		if w.ospfOn != nil && w.ospfOn[s] {
			continue
		}
		if !n.Forwarding && len(n.Ifaces()) == 1 {
			if e := w.gateway(s); e != nil {
				t.Insert(node.Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Iface: e.iface.Index, NextHop: e.peer.Addr()})
			}
			continue
		}
		dist, first := referencePaths(w, s)
		route := func(prefix netip.Prefix, owners []int) {
			best, bestEdge := -1, -1
			for _, o := range owners {
				if dist[o] >= 0 && first[o] >= 0 && (best < 0 || dist[o] < best) {
					best, bestEdge = dist[o], first[o]
				}
			}
			if bestEdge >= 0 {
				e := &w.adj[s][bestEdge]
				t.Insert(node.Route{Prefix: prefix, Iface: e.iface.Index, NextHop: e.peer.Addr(), Metric: best})
			}
		}
		for _, sub := range subnets {
			if connected(n, sub.prefix) || (sub.hidden && !sub.has(s)) {
				continue
			}
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
	return out
}

// referencePaths is the textbook O(N²) Dijkstra: the unsettled node of
// least distance, the lowest index first, over the links up now.
func referencePaths(w *World, s int) (dist, first []int) {
	nn := len(w.Nodes)
	dist, first = make([]int, nn), make([]int, nn)
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
			continue
		}
		for k := range w.adj[u] {
			e := &w.adj[u][k]
			if !e.up() {
				continue
			}
			if d := dist[u] + e.cost; dist[e.to] < 0 || d < dist[e.to] {
				dist[e.to] = d
				if u == s {
					first[e.to] = k
				} else {
					first[e.to] = first[u]
				}
			}
		}
	}
}

// checkAgainstReference compares the tables of the nodes picked by want
// (nil: all) with the reference, building them if they are lazy: route
// for route, or, for a table the oracle aggregated, lookup for lookup
// (see sameForwarding).
func checkAgainstReference(t *testing.T, w *World, step string, want func(s int) bool) {
	t.Helper()
	ref := referenceRoutes(w)
	for s, n := range w.Nodes {
		rt, ok := ref[s]
		if !ok || want != nil && !want(s) {
			continue
		}
		got, r := n.Routes.Routes(), rt.Routes()
		computed := 0
		for _, x := range r {
			if x.NextHop.IsValid() {
				computed++
			}
		}
		if computed > aggregateAbove {
			sameForwarding(t, step, n, rt)
			continue
		}
		if len(got) != len(r) {
			t.Fatalf("%s: %s holds %d routes, the reference %d", step, n.Name, len(got), len(r))
		}
		for i := range got {
			if !got[i].Equal(r[i]) {
				t.Fatalf("%s: %s: route %d is %v, the reference's %v", step, n.Name, i, got[i], r[i])
			}
		}
	}
}

// sameForwarding checks that n's table sends every address the way the
// reference table does: the first and last address of each reference
// route and of each of n's routes, and the addresses just outside them.
func sameForwarding(t *testing.T, step string, n *node.Node, ref *node.RouteTable) {
	t.Helper()
	var probes []netip.Addr
	for _, tab := range []*node.RouteTable{ref, &n.Routes} {
		for _, r := range tab.Routes() {
			first := r.Prefix.Addr()
			last := lastAddr(r.Prefix)
			probes = append(probes, first, last, first.Prev(), last.Next())
		}
	}
	for _, a := range probes {
		if !a.IsValid() {
			continue
		}
		got, gok := n.Routes.Lookup(a)
		want, wok := ref.Lookup(a)
		if gok != wok || gok && (got.Iface != want.Iface || got.NextHop != want.NextHop) {
			t.Fatalf("%s: %s sends %v by %v (%v), the reference by %v (%v)", step, n.Name, a, got, gok, want, wok)
		}
	}
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	if p.Bits() == 0 {
		host = ^uint32(0)
	}
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// TestOracleMatchesReference: on generated worlds and the default one,
// the lazy heap-based oracle gives every node exactly the routes of the
// brute-force reference, ties and metrics included, at the start and
// after each of a series of random link cuts and repairs, whether the
// tables were built before the change (and kept or dropped by
// treeChanged) or only after it; and, with every table aggregated, the
// same forwarding.
func TestOracleMatchesReference(t *testing.T) {
	generated := func(routers, ases int, seed uint64) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			b, err := gen.Internet(gen.Config{Routers: routers, ASes: ases, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	for _, tc := range []struct {
		name  string
		yaml  func(t *testing.T) []byte
		cuts  int
		conv  time.Duration
		batch int  // link changes per convergence
		long  bool // left out under -short
	}{
		{"default", func(*testing.T) []byte { return DefaultYAML() }, 12, 0, 1, false},
		{"gen-40-4", generated(40, 4, 1), 30, 0, 1, false},
		{"gen-120-12", generated(120, 12, 7), 30, 100 * time.Millisecond, 3, false},
		{"gen-200-15", generated(200, 15, 11), 15, 0, 2, true},
		{"gen-ring-1-as", generated(25, 1, 5), 20, 0, 1, false},
		{"multihomed", func(*testing.T) []byte { return []byte(multihomedYAML) }, 10, 0, 1, false},
		// Every link alike: ties everywhere, settled by node order.
		{"gen-ties", func(t *testing.T) []byte {
			return sameDelay.ReplaceAll(generated(100, 10, 3)(t), []byte("delay: 1ms"))
		}, 40, 0, 1, false},
	} {
		for _, agg := range []int{aggregateAbove, 0} {
			name := tc.name
			if agg == 0 {
				name += "/aggregated"
			}
			t.Run(name, func(t *testing.T) {
				if tc.long && testing.Short() {
					t.Skip("a long case, under -short")
				}
				defer func(was int) { aggregateAbove = was }(aggregateAbove)
				aggregateAbove = agg
				w, err := FromYAML(tc.name, tc.yaml(t), 1, Options{Convergence: tc.conv})
				if err != nil {
					t.Fatal(err)
				}
				r := rand.New(rand.NewPCG(uint64(len(tc.name)), 99))
				checkAgainstReference(t, w, "start", func(s int) bool { return s%2 == 0 })
				checkAgainstReference(t, w, "start", nil)
				now := w.Kernel.Now()
				for c := 0; c < tc.cuts; c++ {
					for b := 0; b < tc.batch; b++ {
						l := w.Links[r.IntN(len(w.Links))]
						l.SetUp(!l.Up() || r.IntN(4) == 0)
					}
					now = now.Add(tc.conv + time.Millisecond)
					w.Kernel.RunUntil(now)
					step := fmt.Sprintf("change %d", c)
					if c%3 == 2 {
						// Only a part built: the rest stays lazy until later.
						checkAgainstReference(t, w, step, func(s int) bool { return r.IntN(3) == 0 })
						continue
					}
					checkAgainstReference(t, w, step, nil)
				}
			})
		}
	}
}

var sameDelay = regexp.MustCompile(`delay: [0-9]+ms`)

// multihomedYAML has what generated worlds lack: a host on two links, a
// link between two hosts (host routes), and a router off to the side.
const multihomedYAML = `
nodes:
  - {name: r1, role: router}
  - {name: r2, role: router}
  - {name: r3, role: router}
  - {name: h1, role: host}
  - {name: h2, role: host}
  - {name: h3, role: server}
links:
  - {a: r1 10.0.0.1/30, b: r2 10.0.0.2/30, delay: 1ms}
  - {a: r2 10.0.0.5/30, b: r3 10.0.0.6/30, delay: 1ms}
  - {a: r1 10.0.0.9/30, b: r3 10.0.0.10/30, delay: 3ms}
  - {a: h1 10.1.0.2/24, b: r1 10.1.0.1/24, delay: 1ms}
  - {a: h1 10.2.0.2/24, b: r3 10.2.0.1/24, delay: 1ms}
  - {a: h1 10.3.0.1/30, b: h2 10.3.0.2/30, delay: 1ms}
  - {a: h3 10.4.0.2/24, b: r2 10.4.0.1/24, delay: 2ms}
`

// TestOracleIsLazy: building a large generated world builds no router's
// table; a datagram across it builds only the tables on its way; a link
// change builds nothing, and one undone before convergence drops nothing.
func TestOracleIsLazy(t *testing.T) {
	b, err := gen.Internet(gen.Config{Routers: 400, ASes: 20, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	w, err := FromYAML("gen.yaml", b, 1, Options{Convergence: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	built := func() (n int) {
		for _, x := range w.Nodes {
			if x.Forwarding && x.Routes.Built() {
				n++
			}
		}
		return n
	}
	if n := built(); n != 0 {
		t.Fatalf("%d router tables built by Build, want 0", n)
	}
	src, dst := w.Node("as19-server"), w.Node("as0-server")
	if _, err := src.SendIP(17, dst.Addr(), make([]byte, 8), node.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	w.Kernel.RunUntil(w.Kernel.Now().Add(2 * time.Second))
	n := built()
	if n == 0 || n > 40 {
		t.Fatalf("%d router tables built by one datagram across the world, want a path's worth", n)
	}
	// A link that goes down and comes back before the routes converge
	// changes nothing: every built table stays.
	l := w.Link(w.Scenario.Links[0].Name)
	l.SetUp(false)
	w.Kernel.RunUntil(w.Kernel.Now().Add(time.Millisecond))
	l.SetUp(true)
	w.Kernel.RunUntil(w.Kernel.Now().Add(time.Second))
	if m := built(); m != n {
		t.Fatalf("a cut repaired before convergence left %d of %d built tables", m, n)
	}
	// A real cut drops tables, and builds none.
	l.SetUp(false)
	w.Kernel.RunUntil(w.Kernel.Now().Add(time.Second))
	if m := built(); m > n {
		t.Fatalf("a cut built tables: %d built, %d before", m, n)
	}
	checkAgainstReference(t, w, "after the cut", nil)
}

// TestDistHeapOrder: the heap hands out (distance, node) pairs in order,
// ties by node index, whatever the order they went in.
func TestDistHeapOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h distHeap
	for i := 0; i < 500; i++ {
		h.push(r.IntN(50), int32(r.IntN(100)))
	}
	pd, pv := -1, int32(-1)
	for len(h.items) > 0 {
		d, v := h.pop()
		if d < pd || d == pd && v < pv {
			t.Fatalf("(%d, %d) after (%d, %d)", d, v, pd, pv)
		}
		pd, pv = d, v
	}
}

// TestOracleSnapshot: a table built between a link's change and the
// routes' convergence, or after a change under StaticRoutes, is the table
// of the links' states at the last convergence (here: every link up),
// not of the moment it is built.
func TestOracleSnapshot(t *testing.T) {
	y, err := gen.Internet(gen.Config{Routers: 80, ASes: 8, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"before convergence", Options{Convergence: time.Second}},
		{"static routes", Options{StaticRoutes: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := FromYAML("gen.yaml", y, 1, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			// Cut the links of a router in the middle of the first AS.
			var cut []int
			for i, sl := range w.Scenario.Links {
				if sl.A.Node == "as0-r4" || sl.B.Node == "as0-r4" {
					cut = append(cut, i)
					w.Links[i].SetUp(false)
				}
			}
			w.Kernel.RunUntil(w.Kernel.Now().Add(500 * time.Millisecond))
			got := map[int][]node.Route{}
			for s, n := range w.Nodes {
				got[s] = n.Routes.Routes()
			}
			for _, i := range cut {
				w.Links[i].SetUp(true) // back as at the last convergence
			}
			for s, want := range referenceRoutes(w) {
				g, r := got[s], want.Routes()
				if len(g) != len(r) {
					t.Fatalf("%s: %d routes, the reference (all links up) %d", w.Nodes[s].Name, len(g), len(r))
				}
				for i := range g {
					if !g[i].Equal(r[i]) {
						t.Fatalf("%s: route %d is %v, the reference's (all links up) %v", w.Nodes[s].Name, i, g[i], r[i])
					}
				}
			}
		})
	}
}
