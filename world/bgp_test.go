package world_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/world"
)

// bgpWorld is the default world routed by BGP, settled.
func bgpWorld(t *testing.T) *world.World {
	t.Helper()
	sc, err := world.Default()
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.Build(sc, 1, world.Options{Routing: world.RoutingBGP})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Settle(); err != nil {
		t.Fatal(err)
	}
	return w
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
	var hops []uint32
	for i, as := range ases {
		if g.rs[as] && i > 0 && i < len(ases)-1 {
			continue
		}
		hops = append(hops, as)
	}
	phase := 0 // 0 climbing, 1 after the peering or the top, 2 descending
	for i := 1; i < len(hops); i++ {
		a, b := hops[i-1], hops[i]
		r := g.rel[a][b]
		if r == "" && g.viaRS(a, b) {
			r = "peer" // two clients of a route server, joined through it
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
