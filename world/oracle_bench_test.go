package world

import (
	"fmt"
	"testing"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/world/gen"
)

// oracleSizes are the generated worlds of the oracle's benchmarks: 20
// routers per AS; the 10,000-router one is left out under -short.
var oracleSizes = []int{1000, 10000}

func genWorld(b *testing.B, routers int) []byte {
	b.Helper()
	if routers > 1000 && testing.Short() {
		b.Skip("a 10,000-router world under -short")
	}
	y, err := gen.Internet(gen.Config{Routers: routers, ASes: routers / 20, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return y
}

// BenchmarkOracleBuild builds a generated world and the one router table
// that a first datagram needs: what a run pays for routes before its
// first packet.
func BenchmarkOracleBuild(b *testing.B) {
	for _, n := range oracleSizes {
		b.Run(fmt.Sprintf("routers=%d", n), func(b *testing.B) {
			y := genWorld(b, n)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				w, err := FromYAML("gen.yaml", y, 1, Options{})
				if err != nil {
					b.Fatal(err)
				}
				w.Node("as0-r0").Routes.Len()
			}
		})
	}
}

// BenchmarkOracleTable builds one router's whole table: one Dijkstra
// over the world and a route per subnet.
func BenchmarkOracleTable(b *testing.B) {
	for _, n := range oracleSizes {
		b.Run(fmt.Sprintf("routers=%d", n), func(b *testing.B) {
			w, err := FromYAML("gen.yaml", genWorld(b, n), 1, Options{})
			if err != nil {
				b.Fatal(err)
			}
			t := &w.Node("as0-r0").Routes
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t.Invalidate()
				t.Len()
			}
			b.ReportMetric(float64(t.Len()), "routes")
		})
	}
}

// BenchmarkOracleLinkEvent: on a world whose tables along a path across
// it are built, a link on that path goes down, the routes converge and
// a datagram crosses the world again (building the dropped tables anew);
// then the link comes back and the same again. One op is the cut and the
// repair.
func BenchmarkOracleLinkEvent(b *testing.B) {
	for _, n := range oracleSizes {
		b.Run(fmt.Sprintf("routers=%d", n), func(b *testing.B) {
			w, err := FromYAML("gen.yaml", genWorld(b, n), 1, Options{})
			if err != nil {
				b.Fatal(err)
			}
			src, dst := w.Node(fmt.Sprintf("as%d-server", n/20-1)), w.Node("as0-server")
			cross := func() {
				if _, err := src.SendIP(17, dst.Addr(), make([]byte, 8), node.SendOptions{}); err != nil {
					b.Fatal(err)
				}
				w.Kernel.RunUntil(w.Kernel.Now().Add(2 * time.Second))
			}
			cross()
			// The link by which the first router forwards the datagram.
			first, _ := src.Routes.Lookup(dst.Addr())
			gw, _ := w.NodeByAddr(first.NextHop)
			hop, _ := gw.Routes.Lookup(dst.Addr())
			l := gw.Ifaces()[hop.Iface].Link()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				l.SetUp(false)
				cross()
				l.SetUp(true)
				cross()
			}
			built := 0
			for _, x := range w.Nodes {
				if x.Forwarding && x.Routes.Built() {
					built++
				}
			}
			b.ReportMetric(float64(built), "built-tables")
		})
	}
}
