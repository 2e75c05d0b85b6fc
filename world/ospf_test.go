package world_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/world"
	"github.com/hopsnet/hops/world/gen"
	"github.com/hopsnet/hops/world/scenario"
)

// ospfWorld is the default world routed by OSPF, settled.
func ospfWorld(t testing.TB, seed uint64) *world.World {
	t.Helper()
	sc, err := world.Default()
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.Build(sc, seed, world.Options{Routing: world.RoutingOSPF})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Settle(); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestOSPFAgreesWithTheOracle: once OSPF has converged in the default
// world, every router forwards every subnet the oracle routes to the same
// next hop: two computations, one by flooding router-LSAs and running SPF
// on each router, one by Dijkstra over the world's graph, agree. The
// costs differ by design: the oracle's metric is the distance to the
// subnet's router, OSPF's adds the stub link's own cost (RFC 2328 16.1,
// "the cost of the stub network is the distance to the router plus the
// link's cost").
func TestOSPFAgreesWithTheOracle(t *testing.T) {
	w := ospfWorld(t, 1)
	t.Logf("converged at %v", time.Duration(w.Start))
	sc, _ := world.Default()
	o, err := world.Build(sc, 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Settle(); err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, d := range w.OSPF {
		n := d.Node()
		on := o.Node(n.Name)
		for _, r := range on.Routes.Routes() {
			if !r.NextHop.IsValid() {
				continue
			}
			got, ok := n.Routes.Lookup(r.Prefix.Addr())
			if !ok || got.Prefix != r.Prefix || got.NextHop != r.NextHop || got.Proto != "ospf" {
				t.Errorf("%s: %v: OSPF %v, oracle %v", n.Name, r.Prefix, got, r)
				continue
			}
			if want := r.Metric + stubCost(t, sc, r.Prefix); got.Metric != want {
				t.Errorf("%s: %v: OSPF cost %d, want the oracle's %d plus the stub's, %d", n.Name, r.Prefix, got.Metric, r.Metric, want)
			}
			compared++
		}
	}
	if compared < 50 {
		t.Fatalf("only %d routes compared", compared)
	}
	t.Logf("%d routes agree", compared)
}

// stubCost is the routing cost of the link whose subnet is p: its cost,
// or its delay in units of 10 µs plus one.
func stubCost(t *testing.T, sc *scenario.Scenario, p netip.Prefix) int {
	for _, l := range sc.Links {
		if l.A.Addr.IsValid() && l.A.Addr.Masked() == p || l.B.Addr.IsValid() && l.B.Addr.Masked() == p {
			if l.Cost > 0 {
				return l.Cost
			}
			return int(l.Delay/(10*time.Microsecond)) + 1
		}
	}
	t.Fatalf("no link for %v", p)
	return 0
}

// TestOSPFReconverges: the IXP link of ISP A goes down; both routers at
// its ends hear of it at once (the carrier), flood new router-LSAs, and
// every router's SPF moves its routes to the carriers within a second.
// When it comes back, the two routers must first become neighbours
// again: their Hellos on the interface's coming up cross, each lists the
// other only in its next Hello, 10 s later (HelloInterval), and then the
// adjacency forms and the routes move back.
func TestOSPFReconverges(t *testing.T) {
	w := ospfWorld(t, 1)
	core := w.Node("isp-a-core")
	dc := netip.MustParseAddr("203.0.113.10")
	via := func() string {
		r, _ := core.Routes.Lookup(dc)
		return r.NextHop.String()
	}
	if got := via(); got != "198.18.100.2" {
		t.Fatalf("before the cut, isp-a-core sends to %s, want the IXP", got)
	}
	l := w.Link("isp-a-core--ixp")
	for _, step := range []struct {
		up    bool
		want  string
		limit time.Duration
	}{{false, "198.18.2.2", time.Second}, {true, "198.18.100.2", 16 * time.Second}} {
		at := w.Kernel.Now()
		l.SetUp(step.up)
		end := at.Add(step.limit)
		for w.Kernel.Now() < end && w.Kernel.Step() {
			if ok, _ := w.RoutingConverged(); ok && via() == step.want {
				break
			}
		}
		ok, why := w.RoutingConverged()
		if !ok || via() != step.want {
			t.Fatalf("link up=%v: after %v isp-a-core sends to %s, want %s (%s)", step.up, time.Duration(w.Kernel.Now()-at), via(), step.want, why)
		}
		t.Logf("link up=%v: converged in %v", step.up, time.Duration(w.Kernel.Now()-at))
		w.Kernel.RunUntil(w.Kernel.Now().Add(30 * time.Second))
	}
}

// TestOSPFDeadInterval: when the IXP's routing process stops (its link
// stays up, so no carrier event), its neighbours stop hearing Hellos and
// declare it dead after the dead interval, 40 s (RFC 2328 10.3,
// InactivityTimer), and route around it.
func TestOSPFDeadInterval(t *testing.T) {
	w := ospfWorld(t, 1)
	core := w.Node("isp-a-core")
	dc := netip.MustParseAddr("203.0.113.10")
	stop := w.Kernel.Now()
	w.OSPFDaemon("ixp").Close()
	var moved sim.Time
	end := stop.Add(time.Minute)
	for w.Kernel.Now() < end && w.Kernel.Step() {
		if r, _ := core.Routes.Lookup(dc); r.NextHop.String() == "198.18.2.2" {
			moved = w.Kernel.Now()
			break
		}
	}
	if moved == 0 {
		t.Fatal("isp-a-core still routes through the IXP a minute after its OSPF stopped")
	}
	// The last Hello came at most one HelloInterval (10 s) before the
	// stop; the neighbour dies 40 s after it.
	if d := time.Duration(moved - stop); d < 30*time.Second || d > 41*time.Second {
		t.Fatalf("rerouted %v after the stop; want 30–40 s (the dead interval)", d)
	}
	t.Logf("rerouted %v after the IXP's OSPF stopped", time.Duration(moved-stop))
}

// TestOSPFEventsDeterministic: when a change removes many routes at once
// (every link down), the routing events come out in the same order in
// every run of the same seed.
func TestOSPFEventsDeterministic(t *testing.T) {
	run := func() string {
		w := ospfWorld(t, 1)
		var b strings.Builder
		w.Bus.Subscribe(trace.ObserverFunc(func(e *trace.Event) {
			if e.Kind == trace.Routing {
				fmt.Fprintf(&b, "%d %s %s\n", e.At, e.Node, e.Reason)
			}
		}))
		for _, l := range w.Links {
			l.SetUp(false)
		}
		w.Kernel.RunUntil(w.Kernel.Now().Add(20 * time.Second))
		return b.String()
	}
	a, b := run(), run()
	if a != b || strings.Count(a, "ospf del") < 20 {
		t.Fatalf("two runs differ (or too few removals: %d)", strings.Count(a, "ospf del"))
	}
}

// A generated world routed by BGP: every router carries its AS, the
// relationships parse, BGP converges (every session Established) and the
// servers of the last and the first AS reach each other.
func TestGeneratedWorldBGP(t *testing.T) {
	src, err := gen.Internet(gen.Config{Routers: 40, ASes: 8, Seed: 3, Routing: "bgp"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.FromYAML("g.yaml", src, 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Settle(); err != nil {
		t.Fatal(err)
	}
	if len(w.BGP) != 40 || len(w.Scenario.Relationships) < 7 {
		t.Fatalf("%d BGP routers, %d relationships", len(w.BGP), len(w.Scenario.Relationships))
	}
	for _, pair := range [][2]string{{"as7-server", "as0-server"}, {"as0-server", "as7-server"}} {
		hops, err := path(w, w.Node(pair[0]), w.Node(pair[1]).Addr())
		if err != nil || len(hops) < 3 {
			t.Errorf("%s → %s: %d hops, %v", pair[0], pair[1], len(hops), err)
		}
	}
}

// The scenario's OSPF timers reach the routers: with Hellos every second
// the default world's OSPF converges in a fraction of the time the RFC's
// 10 s Hellos take; its BGP hold time reaches the sessions.
func TestRoutingTimersFromScenario(t *testing.T) {
	settle := func(extra string) *world.World {
		b := strings.Replace(string(world.DefaultYAML()), "name: default\n", "name: default\n"+extra, 1)
		w, err := world.FromYAML("t.yaml", []byte(b), 1, world.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Settle(); err != nil {
			t.Fatal(err)
		}
		return w
	}
	slow := settle("routing: ospf\n")
	fast := settle("routing: ospf\nospf: {hello: 1s, dead: 4s}\n")
	if s, f := slow.Start, fast.Start; f*3 > s {
		t.Errorf("OSPF settled at %v with 1 s Hellos, %v with 10 s", f, s)
	}
	w := settle("routing: bgp\nbgp: {hold: 9s}\n")
	if h := w.BGPDaemon("isp-a-core").Speaker().Session(0).HoldTime(); h != 9*time.Second {
		t.Errorf("negotiated hold time %v, want 9s", h)
	}
}
