package world_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/world"
)

// settledYAML builds the world src with seed 1 and settles it.
func settledYAML(t *testing.T, src []byte, opts world.Options) *world.World {
	t.Helper()
	w, err := world.FromYAML("t.yaml", src, 1, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Settle(); err != nil {
		t.Fatal(err)
	}
	return w
}

// bgpWorld is the default world routed by BGP, settled.
func bgpWorld(t *testing.T) *world.World {
	return settledYAML(t, world.DefaultYAML(), world.Options{Routing: world.RoutingBGP})
}

// withStatic is the default world with a static route on isp-a-core.
func withStatic(route string) []byte {
	return []byte(strings.Replace(string(world.DefaultYAML()), "  - {name: isp-a-core, role: isp, as: 64496}",
		`  - {name: isp-a-core, role: isp, as: 64496, static-routes: ["`+route+`"]}`, 1))
}

// path follows the routing tables from node src towards dst, hop by hop,
// as a datagram would: the nodes it crosses, or an error when a table has
// no route or the path loops.
func path(w *world.World, src *node.Node, dst netip.Addr) ([]*node.Node, error) {
	out := []*node.Node{src}
	n := src
	for len(out) < 64 {
		if n.HasAddr(dst) {
			return out, nil
		}
		r, ok := n.Routes.Lookup(dst)
		if !ok {
			return out, fmt.Errorf("%s has no route to %v", n.Name, dst)
		}
		via := r.NextHop
		if !via.IsValid() {
			via = dst
		}
		next, _ := w.NodeByAddr(via)
		if next == nil {
			return out, fmt.Errorf("%s's next hop %v belongs to no node", n.Name, via)
		}
		if next != n && !next.Forwarding && !next.HasAddr(dst) {
			return out, fmt.Errorf("%s sends %v through host %s", n.Name, dst, next.Name)
		}
		out = append(out, next)
		n = next
	}
	return out, fmt.Errorf("the path to %v loops", dst)
}

// asGraph is the relationships of the world's ASes: rel[a][b] is what b
// is to a ("customer", "peer", "provider"); a route server's clients are
// peers of each other through it.
type asGraph struct {
	rel map[uint32]map[uint32]string
	rs  map[uint32]bool
}

func newASGraph(w *world.World) asGraph {
	g := asGraph{rel: map[uint32]map[uint32]string{}, rs: map[uint32]bool{}}
	set := func(a, b uint32, r string) {
		if g.rel[a] == nil {
			g.rel[a] = map[uint32]string{}
		}
		g.rel[a][b] = r
	}
	for _, n := range w.Scenario.Nodes {
		if n.RouteServer {
			g.rs[uint32(n.AS)] = true
		}
	}
	for _, r := range w.Scenario.Relationships {
		a, b, peers := r.Pair()
		if peers {
			set(uint32(a), uint32(b), "peer")
			set(uint32(b), uint32(a), "peer")
		} else {
			set(uint32(a), uint32(b), "customer")
			set(uint32(b), uint32(a), "provider")
		}
	}
	return g
}

// valleyFree reports whether an AS path (no repeats) goes up from
// customers to providers, crosses at most one peering, and then only goes
// down: Gao and Rexford's condition. A route server in the middle of a
// path is transparent (its two neighbours peer through it).
func (g asGraph) valleyFree(ases []uint32) error {
	type hop struct {
		as    uint32
		viaRS bool // reached through a route server: a peering
	}
	var hops []hop
	via := false
	for i, as := range ases {
		if g.rs[as] && i > 0 && i < len(ases)-1 {
			via = true
			continue
		}
		hops = append(hops, hop{as, via})
		via = false
	}
	phase := 0 // 0 climbing, 1 after the peering or the top, 2 descending
	for i := 1; i < len(hops); i++ {
		a, b := hops[i-1].as, hops[i].as
		r := g.rel[a][b]
		if hops[i].viaRS {
			r = "peer" // whatever else a and b are to each other
		}
		switch {
		case r == "provider" && phase == 0:
		case r == "peer" && phase == 0:
			phase = 1
		case r == "customer":
			phase = 2
		default:
			return fmt.Errorf("AS path %v: %d → %d (%s) after the path started %s", ases, a, b, r, map[int]string{1: "peering", 2: "going down"}[phase])
		}
	}
	return nil
}

// viaRS reports whether a and b are both clients of one route server.
func (g asGraph) viaRS(a, b uint32) bool {
	for rs := range g.rs {
		if g.rel[rs][a] == "peer" && g.rel[rs][b] == "peer" {
			return true
		}
	}
	return false
}

// reachable reports whether a valley-free AS path exists from a to b in
// the graph: a breadth-first search over (AS, phase).
func (g asGraph) reachable(a, b uint32) bool {
	type state struct {
		as    uint32
		phase int
	}
	seen := map[state]bool{{a, 0}: true}
	queue := []state{{a, 0}}
	step := func(s state, to uint32, r string) {
		p := s.phase
		switch {
		case r == "provider" && p == 0:
		case r == "peer" && p == 0:
			p = 1
		case r == "customer":
			p = 2
		default:
			return
		}
		if n := (state{to, p}); !seen[n] {
			seen[n] = true
			queue = append(queue, n)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if s.as == b {
			return true
		}
		for to, r := range g.rel[s.as] {
			step(s, to, r)
			if g.rs[to] && r == "peer" && s.phase == 0 {
				// Through the route server to its other clients.
				for c, cr := range g.rel[to] {
					if c != s.as && cr == "peer" {
						step(s, c, "peer")
					}
				}
			}
		}
	}
	return false
}

// TestBGPValleyFree: in the default world routed by BGP, every path
// between two nodes with static public addresses (hosts, and routers'
// addresses for the routers' own traffic) follows the policy: it never
// carries traffic from one provider or peer of an AS to another (no
// valley), and a destination is unreachable exactly when no valley-free
// path exists (here: the root server's exchange buys no transit, so the
// carriers' own networks cannot reach it). The oracle, which knows no
// policy, routes the resolver to a.gtld-servers.net through the
// datacenter's AS, a customer of carrier-2 and a peer of ISP A at the
// exchange, which would carry traffic between its peer and its provider
// for free; BGP goes up through ISP A's provider carrier-1 instead.
func TestBGPValleyFree(t *testing.T) {
	w := bgpWorld(t)
	g := newASGraph(w)
	var ends []*node.Node
	for _, n := range w.Nodes {
		if w.ASOf(n.Name) != 0 && n.Addr().IsValid() && !strings.HasPrefix(n.Addr().String(), "192.168.") {
			ends = append(ends, n)
		}
	}
	checked, unreachable := 0, 0
	for _, src := range ends {
		for _, dst := range ends {
			if src == dst {
				continue
			}
			hops, err := path(w, src, dst.Addr())
			// The last hop delivers the datagram on a subnet of the node
			// before it, which announced that subnet: the path's ASes are
			// those of the nodes up to that one. (A router's address on a
			// link to another AS is in a subnet both ends announce.)
			var ases []uint32
			last := len(hops) - 1
			if err != nil || last == 0 {
				last = len(hops)
			}
			for _, h := range hops[:last] {
				as := w.ASOf(h.Name)
				if len(ases) == 0 || ases[len(ases)-1] != as {
					ases = append(ases, as)
				}
			}
			dstAS := w.ASOf(dst.Name)
			if err == nil && len(ases) > 0 {
				dstAS = ases[len(ases)-1]
			}
			want := g.reachable(w.ASOf(src.Name), dstAS)
			switch {
			case err != nil && want:
				t.Errorf("%s → %s: %v, though a valley-free path exists", src.Name, dst.Name, err)
			case err == nil && !want:
				t.Errorf("%s → %s reachable through %v, though no valley-free path exists", src.Name, dst.Name, ases)
			case err == nil:
				if verr := g.valleyFree(ases); verr != nil {
					t.Errorf("%s → %s: %v", src.Name, dst.Name, verr)
				}
				checked++
			default:
				unreachable++
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d paths checked", checked)
	}
	t.Logf("%d paths valley-free, %d pairs without a valley-free path", checked, unreachable)

	names := func(hops []*node.Node) string {
		var s []string
		for _, h := range hops {
			s = append(s, h.Name)
		}
		return strings.Join(s, " ")
	}
	gtld := w.Node("a.gtld-servers.net").Addr()
	hops, err := path(w, w.Node("resolver.isp-a.net"), gtld)
	if err != nil || names(hops) != "resolver.isp-a.net isp-a-core carrier-1 carrier-2 a.gtld-servers.net" {
		t.Errorf("resolver → gtld by BGP: %s %v", names(hops), err)
	}
	sc, _ := world.Default()
	o, err := world.Build(sc, 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hops, _ = path(o, o.Node("resolver.isp-a.net"), gtld)
	if names(hops) != "resolver.isp-a.net isp-a-core ixp dc-router carrier-2 a.gtld-servers.net" {
		t.Errorf("resolver → gtld by the oracle: %s", names(hops))
	}
	// The checker sees that valley: up is fine, but after peering at the
	// exchange the path climbs to the datacenter's provider.
	if err := g.valleyFree([]uint32{64496, 64510, 64498, 64502}); err == nil {
		t.Error("the oracle's path through the datacenter passed the valley check")
	}
	// A hop across a route server is a peering, whatever else its two
	// clients are to each other: A and B peer at the exchange, B is also
	// A's provider, C is B's; A → RS → B → C climbs after peering.
	h := asGraph{rel: map[uint32]map[uint32]string{
		1: {9: "peer", 2: "provider"}, 2: {9: "peer", 1: "customer", 3: "provider"},
		3: {2: "customer"}, 9: {1: "peer", 2: "peer"}}, rs: map[uint32]bool{9: true}}
	if err := h.valleyFree([]uint32{1, 9, 2, 3}); err == nil {
		t.Error("a path up from a peering through a route server passed the valley check")
	}
	if err := h.valleyFree([]uint32{1, 2, 3}); err != nil {
		t.Errorf("a climb through providers failed the valley check: %v", err)
	}
}

// TestBGPSessions: after settling, every BGP session is Established, the
// eBGP ones over the links and the iBGP one in ISP A between router IDs
// on its inside link; the route server passes routes without its AS;
// the datacenter announces its two server subnets as one /29.
func TestBGPSessions(t *testing.T) {
	w := bgpWorld(t)
	if len(w.BGP) != 7 {
		t.Fatalf("%d BGP routers, want 7", len(w.BGP))
	}
	for _, d := range w.BGP {
		if up, all := d.Established(); up != all || all == 0 {
			t.Errorf("%s: %d of %d sessions Established", d.Node().Name, up, all)
		}
	}
	edge := w.BGPDaemon("isp-a-edge")
	if id := edge.Config().RouterID; id != netip.MustParseAddr("198.18.1.1") {
		t.Errorf("isp-a-edge's router ID %v", id)
	}
	r, ok := w.BGPDaemon("isp-a-core").Speaker().Best(netip.MustParsePrefix("203.0.113.8/29"))
	if !ok || r.Path.ASPath.String() != "64498" || r.Path.NextHop != netip.MustParseAddr("198.18.100.2") {
		t.Errorf("isp-a-core's best to www's subnet: %+v", r)
	}
	if ok, why := w.RoutingConverged(); !ok {
		t.Error(why)
	}
}

// triWorld: AS 64496 is a triangle r1 r2 r3; r1 is its border to AS
// 64497 (x, with host hx). r1's iBGP address is on the r1–r3 link.
const triWorld = `routing: bgp
ospf: {hello: 1s, dead: 4s}
nodes:
  - {name: r1, role: router, as: 64496}
  - {name: r2, role: router, as: 64496}
  - {name: r3, role: router, as: 64496}
  - {name: x, role: router, as: 64497}
  - {name: h3, role: host}
  - {name: hx, role: host}
links:
  - {name: r1r2, a: r1 10.0.12.1/30, b: r2 10.0.12.2/30}
  - {name: r1r3, a: r1 10.0.13.1/30, b: r3 10.0.13.2/30}
  - {name: r2r3, a: r2 10.0.23.1/30, b: r3 10.0.23.2/30}
  - {name: r1x, a: r1 10.0.1.1/30, b: x 10.0.1.2/30}
  - {a: r3 10.3.0.1/24, b: h3 10.3.0.2/24}
  - {a: x 10.9.0.1/24, b: hx 10.9.0.2/24}
as-relationships:
  - {provider: 64497, customer: 64496}
`

// Cutting the link that holds a border router's iBGP address leaves its
// AS connected: the address is advertised as a host route (as a
// loopback's), so the iBGP sessions and next hops go around through r2,
// and r3 reaches hx again; nothing is resolved through a link that is
// down.
func TestBGPInsideLinkCut(t *testing.T) {
	w := settledYAML(t, []byte(triWorld), world.Options{})
	hx := netip.MustParseAddr("10.9.0.2")
	if id := w.BGPDaemon("r1").Config().RouterID; id != netip.MustParseAddr("10.0.13.1") {
		t.Fatalf("r1's iBGP address %v: the test wants it on the r1–r3 link", id)
	}
	w.Link("r1r3").SetUp(false)
	for i := 1; i <= 4; i++ {
		w.Kernel.RunUntil(w.Kernel.Now().Add(30 * time.Second))
		hops, err := path(w, w.Node("h3"), hx)
		var names []string
		for _, h := range hops {
			names = append(names, h.Name)
		}
		if err != nil || strings.Join(names, " ") != "h3 r3 r2 r1 x hx" {
			t.Fatalf("+%ds after the cut, h3 → hx: %v, %v", 30*i, names, err)
		}
		for _, d := range w.BGP {
			if up, all := d.Established(); d.Node().Name != "x" && up != all {
				t.Fatalf("+%ds: %s has %d of %d sessions up", 30*i, d.Node().Name, up, all)
			}
		}
	}
}

// With a long minimum advertisement interval the world is not declared
// converged while changes are held: after Settle, nothing more changes.
func TestBGPConvergedNotHeld(t *testing.T) {
	b := strings.Replace(string(world.DefaultYAML()), "name: default\n", "name: default\nrouting: bgp\nbgp: {min-advertisement-interval: 3s}\n", 1)
	w := settledYAML(t, []byte(b), world.Options{})
	count := func() (n uint64) {
		for _, d := range w.BGP {
			n += d.Stats.RouteInstalls + d.Stats.BestChanges
		}
		return n
	}
	before := count()
	w.Kernel.RunUntil(w.Kernel.Now().Add(2 * time.Minute))
	if after := count(); after != before {
		t.Fatalf("%d route or best changes after Settle declared convergence", after-before)
	}
}

// Where OSPF and iBGP both offer a prefix, the table takes OSPF's (110
// before 200); when the subnet is lost, both withdraw theirs (BGP's
// origin stops announcing what it no longer reaches) and the table holds
// none.
func TestBGPAndOSPFOffers(t *testing.T) {
	w := bgpWorld(t)
	p := netip.MustParsePrefix("198.18.2.0/30") // isp-a-core–carrier-1: inside ISP A's OSPF, and announced by BGP
	edge := w.Node("isp-a-edge")
	_, ospf := edge.Offered(p, "ospf")
	_, bgp := edge.Offered(p, "bgp")
	if r, ok := edge.Routes.Get(p); !ok || r.Proto != "ospf" || !ospf || !bgp {
		t.Fatalf("isp-a-edge's route to %v: %v (offered by OSPF %v, BGP %v), want OSPF's over BGP's", p, r, ospf, bgp)
	}
	w.Link("isp-a-core--carrier-1").SetUp(false)
	w.Kernel.RunUntil(w.Kernel.Now().Add(10 * time.Second))
	_, ospf = edge.Offered(p, "ospf")
	_, bgp = edge.Offered(p, "bgp")
	if r, ok := edge.Routes.Get(p); ok || ospf || bgp {
		t.Fatalf("after the cut isp-a-edge holds %v (offered by OSPF %v, BGP %v), want nothing", r, ospf, bgp)
	}
}

// A static route wins over the oracle's, OSPF's and BGP's routes to the
// same prefix: isp-a-core sends www's subnet to its carrier instead of
// the exchange, whatever the routing. (The others do not know: under the
// oracle and OSPF carrier-1's shortest way back to www is through
// isp-a-core, and the datagram loops until its TTL runs out, as it would
// with the same static route on real routers.)
func TestStaticRoutes(t *testing.T) {
	b := string(withStatic("203.0.113.8/30 via 198.18.2.2"))
	for _, routing := range []string{"oracle", "ospf", "bgp"} {
		w := settledYAML(t, []byte(b), world.Options{Routing: routing})
		core := w.Node("isp-a-core")
		r, ok := core.Routes.Lookup(netip.MustParseAddr("203.0.113.10"))
		if !ok || r.Proto != "static" || r.NextHop != netip.MustParseAddr("198.18.2.2") {
			t.Errorf("%s: isp-a-core's route to www: %v", routing, r)
		}
		hops, err := path(w, w.Node("resolver.isp-a.net"), netip.MustParseAddr("203.0.113.10"))
		var names []string
		for _, h := range hops {
			names = append(names, h.Name)
		}
		if len(names) < 3 || names[1] != "isp-a-core" || names[2] != "carrier-1" {
			t.Errorf("%s: resolver → www: %v %v", routing, names, err)
		}
		if loops := err != nil && strings.Contains(err.Error(), "loops"); loops != (routing != "bgp") {
			t.Errorf("%s: resolver → www: %v, %v (BGP carries it on; the others send it back)", routing, names, err)
		}
	}
	bad := strings.Replace(b, "via 198.18.2.2", "via 10.1.2.3", 1)
	if _, err := world.FromYAML("t.yaml", []byte(bad), 1, world.Options{}); err == nil || !strings.Contains(err.Error(), "10.1.2.3 is on none of its subnets") {
		t.Errorf("a next hop that is no neighbour: %v", err)
	}
}

// diamondAS: AS 64496 is a diamond r1 (r2 | r3) r4 of equal links; r4 is
// its border to AS 64497 (x, host hx); h1 hangs off r1.
const diamondAS = `routing: bgp
nodes:
  - {name: r1, role: router, as: 64496}
  - {name: r2, role: router, as: 64496}
  - {name: r3, role: router, as: 64496}
  - {name: r4, role: router, as: 64496}
  - {name: x, role: router, as: 64497}
  - {name: h1, role: host}
  - {name: hx, role: host}
links:
  - {a: r1 10.0.12.1/30, b: r2 10.0.12.2/30, delay: 1ms}
  - {a: r1 10.0.13.1/30, b: r3 10.0.13.2/30, delay: 1ms}
  - {a: r2 10.0.24.1/30, b: r4 10.0.24.2/30, delay: 1ms}
  - {a: r3 10.0.34.1/30, b: r4 10.0.34.2/30, delay: 1ms}
  - {a: r4 10.0.4.1/30, b: x 10.0.4.2/30, delay: 1ms}
  - {a: r1 10.1.0.1/24, b: h1 10.1.0.2/24}
  - {a: x 10.9.0.1/24, b: hx 10.9.0.2/24}
as-relationships:
  - {provider: 64497, customer: 64496}
`

// An iBGP route whose next hop OSPF reaches over two equal paths takes
// both (ECMP through a recursive next hop).
func TestBGPRecursiveECMP(t *testing.T) {
	w := settledYAML(t, []byte(diamondAS), world.Options{})
	r, ok := w.Node("r1").Routes.Lookup(netip.MustParseAddr("10.9.0.2"))
	if !ok || r.Proto != "bgp" || len(r.Alt) != 1 {
		t.Fatalf("r1's route to hx: %v (%d alternates), want a BGP route over both sides of the diamond", r, len(r.Alt))
	}
	if hops := []netip.Addr{r.NextHop, r.Alt[0].NextHop}; hops[0] == hops[1] {
		t.Fatalf("both paths through %v", hops[0])
	}
}

// A static route whose next hop's link goes down is withdrawn, so the
// computed route takes over, and it comes back with the link; a static
// route to one of the node's own subnets is refused.
func TestStaticRouteLinkDown(t *testing.T) {
	b := string(withStatic("203.0.113.8/30 via 198.18.100.2"))
	www := netip.MustParseAddr("203.0.113.10")
	for _, routing := range []string{"oracle", "ospf", "bgp"} {
		w := settledYAML(t, []byte(b), world.Options{Routing: routing})
		core := w.Node("isp-a-core")
		proto := func() string { r, _ := core.Routes.Lookup(www); return r.Proto }
		if p := proto(); p != "static" {
			t.Fatalf("%s: isp-a-core's route to www is %q before the cut", routing, p)
		}
		w.Link("isp-a-core--ixp").SetUp(false)
		w.Kernel.RunUntil(w.Kernel.Now().Add(time.Second))
		if _, err := path(w, w.Node("resolver.isp-a.net"), www); err != nil || proto() == "static" {
			t.Errorf("%s: after the cut, route %q, path error %v", routing, proto(), err)
		}
		w.Link("isp-a-core--ixp").SetUp(true)
		w.Kernel.RunUntil(w.Kernel.Now().Add(time.Minute))
		if p := proto(); p != "static" {
			t.Errorf("%s: isp-a-core's route to www is %q after the link came back", routing, p)
		}
	}
	own := strings.Replace(b, "203.0.113.8/30 via 198.18.100.2", "192.0.2.52/30 via 198.18.2.2", 1)
	if _, err := world.FromYAML("t.yaml", []byte(own), 1, world.Options{}); err == nil || !strings.Contains(err.Error(), "is the node's own subnet") {
		t.Errorf("a static route to a connected subnet: %v", err)
	}
}
