package resolver

import (
	"testing"

	"github.com/miekg/dns"
)

// BenchmarkResolveCold: a whole iteration (root, com., example.com.)
// against in-memory dns/auth servers, a fresh resolver each time.
func BenchmarkResolveCold(b *testing.B) {
	b.ReportAllocs()
	n := newTestNet(b, Config{}, defaultZones()...)
	for b.Loop() {
		n.r = New(n.r.cfg)
		n.resolve("www.example.com", dns.TypeA)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "resolutions/s")
}

// BenchmarkResolveWarm: a client query answered from the cache.
func BenchmarkResolveWarm(b *testing.B) {
	b.ReportAllocs()
	n := newTestNet(b, Config{}, defaultZones()...)
	n.resolve("www.example.com", dns.TypeA)
	m := new(dns.Msg)
	m.SetQuestion("www.example.com.", dns.TypeA)
	m.SetEdns0(1232, false)
	q, _ := m.Pack()
	var out []Result
	for b.Loop() {
		n.r.HandleQuery(n.now, 1, false, q)
		out = n.r.AppendResults(out[:0])
		if len(out) != 1 || len(out[0].Wire) == 0 {
			b.Fatal("no answer from the cache")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "resolutions/s")
}
