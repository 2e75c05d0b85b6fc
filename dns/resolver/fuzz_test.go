package resolver

import (
	"testing"
	"time"

	"github.com/hopsnet/hops/dns/auth"
	"github.com/miekg/dns"
)

// fuzzSetup warms a resolver (example.com's NS set cached) and starts a
// lookup whose first query goes to ns1.example.com for example.com.
func fuzzSetup(t testing.TB) (*testNet, Query) {
	n := newTestNet(t, Config{}, defaultZones()...)
	n.resolve("www.example.com", dns.TypeA)
	n.r.Resolve(n.now, "api.example.com", dns.TypeA)
	qs := n.r.AppendQueries(nil)
	if len(qs) != 1 {
		t.Fatalf("queries %v", qs)
	}
	return n, qs[0]
}

// FuzzHandleResponse feeds arbitrary answers to a query in flight (with
// the query's ID written in, so parsing goes deep): the resolver must
// not panic, must cache nothing outside the zone it asked, and must
// still finish the request.
func FuzzHandleResponse(f *testing.F) {
	n, q := fuzzSetup(f)
	s := n.servers[q.Server]
	for _, seed := range []struct {
		name  string
		qtype uint16
	}{{"api.example.com.", dns.TypeA}, {"nope.example.com.", dns.TypeA}, {"web.example.com.", dns.TypeA},
		{"api.example.com.", dns.TypeMX}, {"example.com.", dns.TypeNS}} {
		m := new(dns.Msg)
		m.SetQuestion(seed.name, seed.qtype)
		m.SetEdns0(1232, false)
		b, _ := m.Pack()
		resp, _ := s.Respond(nil, b, auth.UDP)
		f.Add(resp)
	}
	real, _ := s.Respond(nil, q.Msg, auth.UDP)
	f.Add(real)
	// A referral for another zone's name, a poisoning attempt.
	p := new(dns.Msg)
	p.SetQuestion("api.example.com.", dns.TypeA)
	p.Response = true
	p.Ns = []dns.RR{mustRR("com. 86400 IN NS evil.example.org.")}
	p.Extra = []dns.RR{mustRR("evil.example.org. 86400 IN A 6.6.6.6")}
	b, _ := p.Pack()
	f.Add(b)
	// A compression pointer to itself, and counts larger than the message.
	f.Add([]byte{0, 0, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1})
	f.Add([]byte{0, 0, 0x84, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		n, q := fuzzSetup(t)
		msg := append([]byte(nil), data...)
		if len(msg) >= 2 {
			copy(msg, q.Msg[:2])
		}
		before := map[cacheKey]bool{}
		for k := range n.r.cache.entries {
			before[k] = true
		}
		n.now = n.now.Add(5 * time.Millisecond)
		n.r.HandleResponse(n.now, q.Tx, q.Server, msg)
		for k := range n.r.cache.entries {
			if !before[k] && !dns.IsSubDomain("example.com.", k.name) {
				t.Fatalf("cached %s %s from a server for example.com.", k.name, dns.Type(k.qtype))
			}
		}
		res := n.run()
		if res.Msg == nil {
			t.Fatal("no answer")
		}
	})
}
