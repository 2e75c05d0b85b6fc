package node_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/world"
	"github.com/hopsnet/hops/world/gen"
)

// chainYAML returns a world of host a, n routers in a line, and host b.
func chainYAML(n int) string {
	var b strings.Builder
	b.WriteString("nodes:\n  - {name: a, role: host}\n  - {name: b, role: host}\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - {name: r%d, role: router}\n", i)
	}
	b.WriteString("links:\n")
	fmt.Fprintf(&b, "  - {a: a 10.0.0.2/30, b: r1 10.0.0.1/30, rate: 10Gbps, delay: 10us}\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "  - {a: r%d 10.1.%d.1/30, b: r%d 10.1.%d.2/30, rate: 10Gbps, delay: 10us}\n", i, i, i+1, i)
	}
	fmt.Fprintf(&b, "  - {a: r%d 10.2.0.1/30, b: b 10.2.0.2/30, rate: 10Gbps, delay: 10us}\n", n)
	return b.String()
}

// udpBench sends 972-byte UDP payloads (1000-byte datagrams) from src's
// ports 40000.. (flows of them, in turn) to dst port 9: a warm-up, then
// b.N datagrams timed, the kernel drained every 128 (drain: Run, or a
// bounded RunUntil when routing timers never stop). It fails unless every
// timed datagram arrives, and checks each with see (may be nil).
func udpBench(b *testing.B, w *world.World, src, dst string, flows int, drain func(), see func(d *node.Datagram)) {
	b.Helper()
	got := 0
	w.Node(dst).ListenUDP(9, func(now sim.Time, d *node.Datagram) {
		if see != nil {
			see(d)
		}
		got++
	})
	conns := make([]*node.UDPConn, flows)
	for i := range conns {
		conns[i], _ = w.Node(src).ListenUDP(uint16(40000+i), nil)
	}
	to := netip.AddrPortFrom(w.Node(dst).Addr(), 9)
	payload := make([]byte, 972)
	// Warm up pools, slabs and neighbour caches.
	for i := 0; i < 256; i++ {
		conns[i%flows].SendTo(to, payload)
	}
	drain()
	got = 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := conns[i%flows].SendTo(to, payload); err != nil {
			b.Fatal(err)
		}
		if i%128 == 127 {
			drain()
		}
	}
	drain()
	b.StopTimer()
	if got != b.N {
		b.Fatalf("delivered %d of %d", got, b.N)
	}
}

// BenchmarkForwardChain sends 1000-byte UDP datagrams across 10 routers
// (11 links) and reports packet-hops per wall-clock second: one hop is one
// link crossed, with the router work (checksum check, TTL decrement,
// route lookup) at its far end.
func BenchmarkForwardChain(b *testing.B) {
	const routers = 10
	w := build(b, chainYAML(routers))
	udpBench(b, w, "a", "b", 1, func() { w.Kernel.Run() }, nil)
	hops := float64(b.N) * (routers + 1)
	b.ReportMetric(hops/b.Elapsed().Seconds(), "packet-hops/s")
	b.ReportMetric(float64(w.Kernel.Fired())/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRouteLookup measures longest-prefix match in a table of 1000
// routes.
func BenchmarkRouteLookup(b *testing.B) {
	var rt node.RouteTable
	for i := 0; i < 1000; i++ {
		rt.Insert(node.Route{Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24), Iface: i})
	}
	rt.Insert(node.Route{Prefix: netip.MustParsePrefix("0.0.0.0/0")})
	a := netip.MustParseAddr("10.3.200.7")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, ok := rt.Lookup(a); !ok {
			b.Fatal("no route")
		}
	}
}

// homeYAML is a home: host a on a switched LAN with the NAT router r1,
// whose Ethernet uplink leads to server b.
const homeYAML = `nodes:
  - {name: a, role: host}
  - {name: r1, role: home-router, nat: {inside: lan0, outside: wan0}}
  - {name: b, role: server}
lans:
  - {name: home, members: [a:eth0 192.168.1.2/24, r1:lan0 192.168.1.1/24], rate: 10Gbps, delay: 10us}
links:
  - {a: r1:wan0 198.51.100.2/30, b: b 198.51.100.1/30, rate: 10Gbps, delay: 10us, ethernet: true}
`

// BenchmarkHomeNAT sends 1000-byte UDP datagrams from a host behind a
// NAT to a server: each crosses the host's Ethernet framing and ARP
// cache, the learning switch, the router (checksums, TTL, route lookup,
// NAPT rewrite with incremental checksum updates) and an Ethernet uplink.
// It reports datagrams per wall-clock second; allocations per datagram
// must stay 0.
func BenchmarkHomeNAT(b *testing.B) {
	w := build(b, homeYAML)
	public := netip.MustParseAddr("198.51.100.2")
	udpBench(b, w, "a", "b", 1, func() { w.Kernel.Run() }, func(d *node.Datagram) {
		if d.Src.Addr() != public {
			b.Fatalf("the server saw %v, not the public address", d.Src)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "datagrams/s")
	b.ReportMetric(float64(w.Kernel.Fired())/b.Elapsed().Seconds(), "events/s")
}

// TestHomeNATNoAllocs: once warm, a datagram through the host's ARP
// cache and framing, the switch, the NAT and the uplink allocates
// nothing.
func TestHomeNATNoAllocs(t *testing.T) {
	w := build(t, homeYAML)
	got := 0
	w.Node("b").ListenUDP(9, func(now sim.Time, d *node.Datagram) { got++ })
	c, _ := w.Node("a").ListenUDP(40000, nil)
	to := netip.AddrPortFrom(w.Node("b").Addr(), 9)
	payload := make([]byte, 972)
	for i := 0; i < 64; i++ {
		c.SendTo(to, payload)
	}
	w.Kernel.Run()
	got = 0
	allocs := testing.AllocsPerRun(200, func() {
		for i := 0; i < 16; i++ {
			c.SendTo(to, payload)
		}
		w.Kernel.Run()
	})
	if got != 201*16 {
		t.Fatalf("delivered %d", got)
	}
	if allocs != 0 {
		t.Fatalf("%v allocations per 16 datagrams", allocs)
	}
}

// BenchmarkECMPForward sends UDP datagrams of 64 flows across a router
// that hashes each onto one of two equal-cost paths (4 links, 3 routers).
// It reports datagrams per wall-clock second; allocations stay 0.
func BenchmarkECMPForward(b *testing.B) {
	w := build(b, string(gen.Diamond(gen.DiamondConfig{Delay: "10us", Rate: "10Gbps"})))
	if err := w.Settle(); err != nil {
		b.Fatal(err)
	}
	udpBench(b, w, "h1", "h2", 64, func() { w.Kernel.RunUntil(w.Kernel.Now().Add(time.Millisecond)) }, nil)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "datagrams/s")
}
