package dnsserver_test

import (
	"net/netip"
	"testing"

	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/dns/resolver"
	"github.com/miekg/dns"
)

// The benchmarks of a resolution in the default world report
// resolutions per wall-clock second (resolutions/s) beside ns/op and
// allocs/op (allocations per resolution). Each counts everything the
// simulation does for it: the packets crossing links, routers, the NAT
// and the Wi-Fi, and the engines at both ends.

// BenchmarkWorldResolveCold: www.example.com resolved from the root over
// the default world's simulated network, by a resolver with an empty
// cache on resolver.isp-a.net (3 queries, real packets, virtual time).
func BenchmarkWorldResolveCold(b *testing.B) {
	b.ReportAllocs()
	w := defaultWorld(b)
	n := w.Node(dnsserver.DefaultResolverNode)
	for b.Loop() {
		r := dnsserver.NewResolver(n, resolver.Config{})
		done := false
		r.Lookup("www.example.com.", dns.TypeA, func(res resolver.Result) {
			done = len(res.Msg.Answer) == 1
		})
		for !done && w.Kernel.Step() {
		}
		if !done {
			b.Fatal("no answer")
		}
		r.Close()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "resolutions/s")
}

// BenchmarkWorldStubCold: the laptop asks resolver.isp-a.net (a stub
// query through the home's Wi-Fi and NAT), and the resolver, started
// afresh for each query, iterates from the root: the whole path of a
// first lookup.
func BenchmarkWorldStubCold(b *testing.B) {
	b.ReportAllocs()
	w := defaultWorld(b)
	n := w.Node(dnsserver.DefaultResolverNode)
	w.Resolvers[0].Close()
	q := new(dns.Msg)
	q.SetQuestion("www.example.com.", dns.TypeA)
	msg, _ := q.Pack()
	cfg := dnsserver.ExchangeConfig{Server: netip.AddrPortFrom(n.Addr(), 53)}
	laptop := w.Node("laptop")
	for b.Loop() {
		r, err := dnsserver.StartResolver(n, resolver.Config{Roots: w.RootHints()})
		if err != nil {
			b.Fatal(err)
		}
		done := false
		dnsserver.Exchange(laptop, cfg, msg, func(rep dnsserver.Reply) { done = rep.Err == nil })
		for !done && w.Kernel.Step() {
		}
		if !done || r.Engine().Stats().Queries != 3 {
			b.Fatalf("no answer (done %v), or not from the root: %+v", done, r.Engine().Stats())
		}
		r.Close()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "resolutions/s")
}

// BenchmarkWorldResolveWarm: the laptop asks the resolver (a stub query
// over the simulated network) and the answer comes from its cache.
func BenchmarkWorldResolveWarm(b *testing.B) {
	b.ReportAllocs()
	w := defaultWorld(b)
	q := new(dns.Msg)
	q.SetQuestion("www.example.com.", dns.TypeA)
	msg, _ := q.Pack()
	cfg := dnsserver.ExchangeConfig{Server: netip.AddrPortFrom(w.Node(dnsserver.DefaultResolverNode).Addr(), 53)}
	laptop := w.Node("laptop")
	ask := func() {
		done := false
		dnsserver.Exchange(laptop, cfg, msg, func(r dnsserver.Reply) { done = r.Err == nil })
		for !done && w.Kernel.Step() {
		}
		if !done {
			b.Fatal("no answer")
		}
	}
	ask()
	hits := w.Resolvers[0].Engine().Stats().CacheHits
	for b.Loop() {
		ask()
	}
	if got := w.Resolvers[0].Engine().Stats().CacheHits - hits; got != uint64(b.N) {
		b.Fatalf("%d of %d answers from the cache", got, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "resolutions/s")
}
