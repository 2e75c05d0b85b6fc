package resolver

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestLameNotAuthoritative: ns2.example.com answers for example.com
// without the AA bit (a server that is delegated the zone but answers
// from a cache or a forwarder, the classic lame server of RFC 1912
// section 2.8). Its answer is not believed and not cached: the resolver
// marks it lame, asks ns1, and the answer it returns is ns1's.
func TestLameNotAuthoritative(t *testing.T) {
	n := newTestNet(t, Config{}, defaultZones()...)
	ns2 := netip.MustParseAddr("198.51.100.53")
	n.tamper = func(q Query, resp []byte) [][]byte {
		if q.Server != ns2 {
			return [][]byte{resp}
		}
		var m dns.Msg
		if err := m.Unpack(resp); err != nil {
			t.Fatal(err)
		}
		m.Authoritative = false
		// A value ns1 would never give, to tell the two answers apart.
		for _, rr := range m.Answer {
			if a, ok := rr.(*dns.A); ok {
				a.A = netip.MustParseAddr("198.51.100.66").AsSlice()
			}
		}
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		return [][]byte{b}
	}
	// ns2 looks faster, so it is asked first.
	n.r.infra.sample(ns2, time.Millisecond)
	res := n.resolve("www.example.com", dns.TypeA)
	if got := answer(res); got != "www.example.com. 300 IN A 203.0.113.10" {
		t.Fatalf("answer %q, want ns1's\n%s", got, res.Trace)
	}
	var steps []string
	for _, s := range res.Trace.Steps {
		if s.Zone == "example.com." {
			steps = append(steps, s.Event+" "+s.Server.String()+" "+s.Note)
		}
	}
	want := []string{
		"lame 198.51.100.53 not authoritative and no referral below the zone",
		"answer 203.0.113.53 1 A record(s) for www.example.com.",
	}
	if !slices.Equal(steps, want) {
		t.Errorf("example.com steps %q, want %q\n%s", steps, want, res.Trace)
	}
	if s := n.r.Stats(); s.LameServer != 1 {
		t.Errorf("lame answers counted %d, want 1", s.LameServer)
	}
	// Nothing of the lame answer stayed in the cache.
	if e := n.r.cache.get(n.now, "www.example.com.", dns.TypeA); e == nil || !strings.Contains(e.rrs[0].String(), "203.0.113.10") {
		t.Errorf("cached %v", e)
	}
}

// TestAllLame: when every server of a zone is lame the request fails with
// SERVFAIL, and the extended error says which server was lame and why.
func TestAllLame(t *testing.T) {
	n := newTestNet(t, Config{}, defaultZones()...)
	n.tamper = func(q Query, resp []byte) [][]byte {
		var m dns.Msg
		if err := m.Unpack(resp); err != nil {
			t.Fatal(err)
		}
		if dns.IsSubDomain("example.com.", m.Question[0].Name) && (q.Server.String() == "203.0.113.53" || q.Server.String() == "198.51.100.53") {
			m.Rcode, m.Answer, m.Ns, m.Authoritative = dns.RcodeRefused, nil, nil, false
		}
		b, _ := m.Pack()
		return [][]byte{b}
	}
	res := n.resolve("www.example.com", dns.TypeA)
	e := ede(res)
	if res.Msg.Rcode != dns.RcodeServerFailure ||
		!strings.HasPrefix(e, "No Reachable Authority: no name server for example.com. answered:") ||
		!strings.Contains(e, "ns1.example.com. (203.0.113.53) is lame (REFUSED)") ||
		!strings.Contains(e, "ns2.example.com. (198.51.100.53) is lame (REFUSED)") {
		t.Errorf("rcode %s, ede %q\n%s", dns.RcodeToString[res.Msg.Rcode], e, res.Trace)
	}
	// A lame server is asked once per request, not MaxTries times.
	if got := len(n.sent); got != 4 {
		t.Errorf("%d queries, want 4 (root, com., ns1, ns2)\n%s", got, res.Trace)
	}
}

// TestGluelessCycle: cyc1.com. is served only by ns.cyc2.net. and
// cyc2.net. only by ns.cyc1.com., neither with glue: each server's
// address needs the other's. The resolver notices the cycle instead of
// looking the names up forever, and ends in SERVFAIL saying that no
// server had an address, after a bounded number of queries.
func TestGluelessCycle(t *testing.T) {
	com := comZone
	com.text += "cyc1 172800 IN NS ns.cyc2.net.\n"
	net := netZone
	net.text += "cyc2 172800 IN NS ns.cyc1.com.\n"
	cyc1 := zoneSpec{"cyc1.com.", `
@ IN SOA ns.cyc2.net. h.cyc1.com. 1 1 1 1 60
@ IN NS ns.cyc2.net.
ns IN A 198.51.100.71
www IN A 198.51.100.80
`, []string{"198.51.100.72"}}
	cyc2 := zoneSpec{"cyc2.net.", `
@ IN SOA ns.cyc1.com. h.cyc2.net. 1 1 1 1 60
@ IN NS ns.cyc1.com.
ns IN A 198.51.100.72
`, []string{"198.51.100.71"}}
	n := newTestNet(t, Config{}, rootZone, com, net, cyc1, cyc2)
	res := n.resolve("www.cyc1.com", dns.TypeA)
	e := ede(res)
	if res.Msg.Rcode != dns.RcodeServerFailure || !strings.Contains(e, "no name server for cyc1.com. answered: ns.cyc2.net. has no address") {
		t.Errorf("rcode %s, ede %q\n%s", dns.RcodeToString[res.Msg.Rcode], e, res.Trace)
	}
	if len(n.sent) > 10 {
		t.Errorf("%d queries for a cycle of two names\n%s", len(n.sent), res.Trace)
	}
	// The trace shows both glueless lookups giving up, one inside the other.
	for _, want := range []string{
		"\n    0.040000000s fail ns.cyc1.com. A: no name server for cyc1.com. answered: ns.cyc2.net. has no address\n",
		"\n  0.040000000s fail ns.cyc2.net. A: no name server for cyc2.net. answered: ns.cyc1.com. has no address\n",
	} {
		if !strings.Contains(res.Trace.String(), want) {
			t.Errorf("no %q in the trace:\n%s", want, res.Trace)
		}
	}
	// Nothing was asked of the two servers: no address was ever known.
	for _, q := range n.sent {
		if a := q.Server.String(); a == "198.51.100.71" || a == "198.51.100.72" {
			t.Errorf("asked %s\n%s", a, res.Trace)
		}
	}
}
