package dnsserver_test

import (
	"net/netip"
	"testing"

	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/dns/resolver"
	"github.com/miekg/dns"
)

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
	for b.Loop() {
		ask()
	}
}
