package ospf

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

// spfWorld builds an engine whose database holds n router-LSAs of a
// random connected graph: a ring plus 2n random chords, metrics 1–4 (so
// equal-cost paths are common), every link with its /30 as a stub.
type edge struct{ a, b, m int }

func spfWorld(tb testing.TB, n int, seed uint64) (*Engine, []edge) {
	rng := rand.New(rand.NewPCG(seed, 1))
	var edges []edge
	for i := range n {
		edges = append(edges, edge{i, (i + 1) % n, 1 + rng.IntN(4)})
	}
	for range 2 * n {
		a, b := rng.IntN(n), rng.IntN(n)
		if a != b {
			edges = append(edges, edge{a, b, 1 + rng.IntN(4)})
		}
	}
	e, _ := New(Config{RouterID: routerID(0)})
	links := make([][]RouterLink, n)
	for k, ed := range edges {
		pa, pb := linkPrefix(k, 0), linkPrefix(k, 1)
		add := func(me, peer int, mine, theirs netip.Prefix) {
			links[me] = append(links[me],
				RouterLink{LinkID: routerID(peer), LinkData: IDFrom(mine.Addr()), Type: LinkPointToPoint, Metric: uint16(ed.m)},
				RouterLink{LinkID: IDFrom(mine.Masked().Addr()), LinkData: IDFrom(maskAddr(30)), Type: LinkStub, Metric: uint16(ed.m)})
			if me == 0 {
				i, _ := e.AddInterface(0, InterfaceConfig{Addr: mine, Cost: uint16(ed.m)})
				e.ifs[i].nbr = neighbor{state: NbrFull, id: routerID(peer), addr: theirs.Addr()}
			}
		}
		add(ed.a, ed.b, pa, pb)
		add(ed.b, ed.a, pb, pa)
	}
	e.db = lsdb{m: map[LSKey]*lsaEntry{}}
	for r := range n {
		h := LSAHeader{Options: OptE, Type: LSTypeRouter, ID: routerID(r), AdvRouter: routerID(r), Seq: InitialSequenceNumber}
		raw := AppendLSA(nil, h, (&RouterLSA{Links: links[r]}).AppendTo(nil))
		e.install(0, raw, LSA(raw).Header())
	}
	return e, edges
}

func BenchmarkSPF1000(b *testing.B) {
	e, _ := spfWorld(b, 1000, 1)
	var routes []Route
	for b.Loop() {
		routes = e.spf()
	}
	ecmp := 0
	for _, r := range routes {
		if len(r.NextHops) > 1 {
			ecmp++
		}
	}
	b.ReportMetric(float64(len(routes)), "routes")
	b.ReportMetric(float64(ecmp), "ecmp-routes")
}

// BenchmarkFloodRing: a ring of 20 routers refreshing their LSAs every
// 10 s of virtual time for an hour; reports LSAs flooded per wall second.
func BenchmarkFloodRing(b *testing.B) {
	var flooded uint64
	start := time.Now()
	for b.Loop() {
		tn := newTestNet(b, 20, ring(20), Config{LSRefreshTime: 10 * time.Second, MinLSInterval: time.Second})
		tn.run(sim.Time(time.Hour))
		for _, e := range tn.rs {
			flooded += e.Stats.LSAsFlooded
		}
	}
	b.ReportMetric(float64(flooded)/time.Since(start).Seconds(), "LSAs/s")
	b.ReportMetric(float64(flooded)/float64(b.N), "LSAs/op")
}

// TestSPFWorld checks SPF on a random graph against Bellman-Ford over
// the same edges: every link's /30 at the cost of its nearer end plus
// its metric, and at least one next hop.
func TestSPFWorld(t *testing.T) {
	const n = 300
	e, edges := spfWorld(t, n, 7)
	dist := make([]int, n)
	for i := range dist {
		dist[i] = 1 << 30
	}
	dist[0] = 0
	for changed := true; changed; {
		changed = false
		for _, ed := range edges {
			for _, p := range [2][2]int{{ed.a, ed.b}, {ed.b, ed.a}} {
				if d := dist[p[0]] + ed.m; d < dist[p[1]] {
					dist[p[1]], changed = d, true
				}
			}
		}
	}
	want := map[netip.Prefix]int{}
	for k, ed := range edges {
		p := linkPrefix(k, 0).Masked()
		c := min(dist[ed.a], dist[ed.b]) + ed.m
		if w, ok := want[p]; !ok || c < w {
			want[p] = c
		}
	}
	routes := e.spf()
	if len(routes) != len(want) {
		t.Fatalf("%d routes, want %d", len(routes), len(want))
	}
	ecmp := 0
	for _, r := range routes {
		if int(r.Cost) != want[r.Prefix] || len(r.NextHops) == 0 {
			t.Fatalf("route %+v, want cost %d", r, want[r.Prefix])
		}
		if len(r.NextHops) > 1 {
			ecmp++
		}
	}
	if ecmp == 0 {
		t.Fatal("no equal-cost routes in a random graph with small metrics")
	}
}
