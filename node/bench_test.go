package node_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
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

// BenchmarkForwardChain sends 1000-byte UDP datagrams across 10 routers
// (11 links) and reports packet-hops per wall-clock second: one hop is one
// link crossed, with the router work (checksum check, TTL decrement,
// route lookup) at its far end.
func BenchmarkForwardChain(b *testing.B) {
	const routers = 10
	w := build(b, chainYAML(routers))
	src, dst := w.Node("a"), w.Node("b")
	got := 0
	dst.ListenUDP(9, func(now sim.Time, d *node.Datagram) { got++ })
	c, _ := src.ListenUDP(0, nil)
	to := netip.AddrPortFrom(dst.Addr(), 9)
	payload := make([]byte, 972)
	// Warm up pools and slabs.
	for i := 0; i < 256; i++ {
		c.SendTo(to, payload)
	}
	w.Kernel.Run()
	got = 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.SendTo(to, payload); err != nil {
			b.Fatal(err)
		}
		if i%128 == 127 {
			w.Kernel.Run()
		}
	}
	w.Kernel.Run()
	b.StopTimer()
	if got != b.N {
		b.Fatalf("delivered %d of %d", got, b.N)
	}
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
