package world_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/world"
)

func defaultWorld(t *testing.T, opts world.Options) *world.World {
	t.Helper()
	sc, err := world.Default()
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.Build(sc, 1, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Settle(); err != nil {
		t.Fatal(err)
	}
	return w
}

// nextHop returns the name of the node that n forwards dst to.
func nextHop(t *testing.T, w *world.World, n, dst string) string {
	t.Helper()
	a, err := w.Resolve(dst)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := w.Node(n).Routes.Lookup(a)
	if !ok {
		return "(no route)"
	}
	if r.NextHop.IsValid() {
		if p, _ := w.NodeByAddr(r.NextHop); p != nil {
			return p.Name
		}
	}
	peer, _ := w.Node(n).Ifaces()[r.Iface].Peer()
	return peer
}

func TestDefaultWorldRoutes(t *testing.T) {
	w := defaultWorld(t, world.Options{})
	tests := []struct{ from, to, want string }{
		{"laptop", "www.example.com", "home-router"},
		{"home-router", "www.example.com", "isp-a-edge"},
		{"isp-a-core", "www.example.com", "ixp"},
		{"isp-a-core", "a.gtld-servers.net", "ixp"}, // via isp-b-core, shorter than the carriers
		{"dc-router", "198.51.100.2", "ixp"},        // the home's public address; the LAN behind it is private
		{"isp-b-core", "api.example.com", "ixp"},
		{"carrier-2", "www.example.com", "dc-router"},
		{"ixp", "resolver.isp-a.net", "isp-a-core"},
	}
	for _, tt := range tests {
		if got := nextHop(t, w, tt.from, tt.to); got != tt.want {
			t.Errorf("%s → %s: next hop %s, want %s", tt.from, tt.to, got, tt.want)
		}
	}
	// Hosts with one interface use a default route.
	if r, _ := w.Node("laptop").Routes.Lookup(netip.MustParseAddr("8.8.8.8")); r.Prefix.Bits() != 0 || r.NextHop.String() != "192.168.1.1" {
		t.Errorf("laptop default route %v", r)
	}
}

func TestRerouteAfterConvergence(t *testing.T) {
	w := defaultWorld(t, world.Options{Convergence: 200 * time.Millisecond})
	l := w.Link("isp-a-core--ixp")
	w.Kernel.Schedule(sim.Time(time.Second), sim.HandlerFunc(func(sim.Time, uint64) { l.SetUp(false) }), 0)
	w.Kernel.RunUntil(sim.Time(1100 * time.Millisecond))
	// Down, but the routes have not converged yet: still pointing at the IXP.
	if got := nextHop(t, w, "isp-a-core", "www.example.com"); got != "ixp" {
		t.Fatalf("before convergence: %s", got)
	}
	w.Kernel.RunUntil(sim.Time(1300 * time.Millisecond))
	if got := nextHop(t, w, "isp-a-core", "www.example.com"); got != "carrier-1" {
		t.Fatalf("after convergence: %s, want carrier-1", got)
	}
	l.SetUp(true)
	w.Kernel.RunUntil(sim.Time(2 * time.Second))
	if got := nextHop(t, w, "isp-a-core", "www.example.com"); got != "ixp" {
		t.Fatalf("after repair: %s, want ixp", got)
	}
}

func TestPartitionLeavesNoRoute(t *testing.T) {
	w := defaultWorld(t, world.Options{})
	w.Link("home-uplink").SetUp(false)
	w.ComputeRoutes()
	if got := nextHop(t, w, "dc-router", "laptop"); got != "(no route)" {
		t.Fatalf("dc-router → laptop with the home cut off: %s", got)
	}
}

func TestResolve(t *testing.T) {
	w := defaultWorld(t, world.Options{})
	for in, want := range map[string]string{"www.example.com": "203.0.113.10", "198.18.1.2": "198.18.1.2", "laptop": w.Node("laptop").Iface("wlan0").Addr().String()} {
		if a, err := w.Resolve(in); err != nil || a.String() != want {
			t.Errorf("Resolve(%q) = %v, %v; want %s", in, a, err, want)
		}
	}
	for in, want := range map[string]string{"nope": "unknown host", "::1": "only IPv4"} {
		if _, err := w.Resolve(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Resolve(%q) error %v, want %q", in, err, want)
		}
	}
}

// A multi-homed host between two routers must not attract traffic for its
// neighbours: x reaches r1 around through r3.
func TestRoutesNeverTransitHosts(t *testing.T) {
	w, err := world.FromYAML("mh.yaml", []byte(`
nodes:
  - {name: x, role: host}
  - {name: h, role: host}
  - {name: r1, role: router}
  - {name: r2, role: router}
  - {name: r3, role: router}
links:
  - {a: x 10.9.0.1/30, b: r2 10.9.0.2/30}
  - {a: h 10.0.1.2/30, b: r1 10.0.1.1/30, delay: 1ms}
  - {a: h 10.0.2.2/30, b: r2 10.0.2.1/30, delay: 1ms}
  - {a: r2 10.0.3.1/30, b: r3 10.0.3.2/30, delay: 10ms}
  - {a: r3 10.0.4.1/30, b: r1 10.0.4.2/30, delay: 10ms}
`), 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := nextHop(t, w, "r2", "10.0.1.1"); got != "r3" {
		t.Fatalf("r2 → r1's address on h's link: next hop %s, want r3", got)
	}
	if got := nextHop(t, w, "r2", "10.0.1.2"); got != "r3" {
		t.Fatalf("r2 → h's address on r1's link: next hop %s, want r3 (then r1 delivers)", got)
	}
}

// A node's icmp-ratelimit in the scenario reaches the node: with the
// per-destination limit off, a traceroute-like burst of ten probes with
// TTL 1 gets ten answers; with Linux's default, six.
func TestICMPRateLimitFromScenario(t *testing.T) {
	for _, tt := range []struct {
		extra string
		want  int
	}{
		{"", 6},
		{", icmp-ratelimit: {per-destination: 0s}", 10},
		{", icmp-ratelimit: {burst: 2}", 2},
	} {
		src := "nodes:\n  - {name: a, role: host}\n  - {name: r, role: router" + tt.extra + "}\n  - {name: b, role: host}\n" +
			"links:\n  - {a: a 10.0.0.1/30, b: r 10.0.0.2/30}\n  - {a: r 10.0.1.1/30, b: b 10.0.1.2/30}\n"
		w, err := world.FromYAML("t.yaml", []byte(src), 1, world.Options{})
		if err != nil {
			t.Fatal(err)
		}
		a := w.Node("a")
		c, _ := a.ListenUDP(0, nil)
		got := 0
		c.OnError(func(sim.Time, *node.ICMPError) { got++ })
		c.TTL = 1
		for range 10 {
			c.SendTo(netip.AddrPortFrom(w.Node("b").Addr(), 33434), []byte("probe"))
		}
		w.Kernel.Run()
		if got != tt.want {
			t.Errorf("%q: %d answers, want %d", tt.extra, got, tt.want)
		}
	}
}
