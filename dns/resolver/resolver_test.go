package resolver

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestReferralAndGlue(t *testing.T) {
	n := newTestNet(t, Config{NoQNameMin: true}, defaultZones()...)
	res := n.resolve("www.example.com", dns.TypeA)
	if got := answer(res); got != "www.example.com. 300 IN A 203.0.113.10" || res.Msg.Rcode != dns.RcodeSuccess {
		t.Fatalf("answer %q rcode %d\n%s", got, res.Msg.Rcode, res.Trace)
	}
	want := []string{
		"192.0.2.1 www.example.com. A",    // root: referral to com. with glue
		"192.0.2.9 www.example.com. A",    // com.: referral to example.com. with glue
		"203.0.113.53 www.example.com. A", // the first NS (equal RTT: NS order)
	}
	if got := n.sentSince(0); !slices.Equal(got, want) {
		t.Errorf("queries %q, want %q", got, want)
	}
	var events []string
	for _, s := range res.Trace.Steps {
		events = append(events, s.Event)
	}
	if !slices.Equal(events, []string{"referral", "referral", "answer"}) {
		t.Errorf("trace events %v\n%s", events, res.Trace)
	}
}

// TestQNameMinimisation: each server sees only the labels it needs
// (RFC 9156), with type A until the whole name is asked.
func TestQNameMinimisation(t *testing.T) {
	n := newTestNet(t, Config{}, defaultZones()...)
	res := n.resolve("www.example.com", dns.TypeMX)
	want := []string{
		"192.0.2.1 com. A",
		"192.0.2.9 example.com. A",
		"203.0.113.53 www.example.com. MX",
	}
	if got := n.sentSince(0); !slices.Equal(got, want) {
		t.Errorf("queries %q, want %q\n%s", got, want, res.Trace)
	}
	if res.Msg.Rcode != dns.RcodeSuccess || len(res.Msg.Answer) != 0 || len(res.Msg.Ns) != 1 {
		t.Errorf("want NODATA with the SOA:\n%s", res.Msg)
	}
	// The trace shows the minimised names.
	qs := res.Trace.Queries()
	if len(qs) != 3 || qs[0].QName != "com." || qs[0].Zone != "." || qs[1].QName != "example.com." {
		t.Errorf("trace:\n%s", res.Trace)
	}
}

// TestQNameMinEmptyNonTerminal: a minimised name that exists without
// records (an empty non-terminal) makes the resolver ask one label more.
func TestQNameMinEmptyNonTerminal(t *testing.T) {
	n := newTestNet(t, Config{}, defaultZones()...)
	res := n.resolve("a.b.wild.example.com", dns.TypeA)
	if got := answer(res); got != "a.b.wild.example.com. 3600 IN A 203.0.113.99" {
		t.Fatalf("answer %q\n%s", got, res.Trace)
	}
	got := n.sentSince(2)
	want := []string{"203.0.113.53 wild.example.com. A", "203.0.113.53 b.wild.example.com. A", "203.0.113.53 a.b.wild.example.com. A"}
	if !slices.Equal(got, want) {
		t.Errorf("queries %q, want %q", got, want)
	}
}

func TestWildcard(t *testing.T) {
	n := newTestNet(t, Config{NoQNameMin: true}, defaultZones()...)
	res := n.resolve("anything.wild.example.com", dns.TypeA)
	if got := answer(res); got != "anything.wild.example.com. 3600 IN A 203.0.113.99" {
		t.Errorf("answer %q\n%s", got, res.Trace)
	}
}

// TestGlueless: example.net. is delegated to ns1.example.com with no glue
// (net. cannot hold com. addresses); the resolver looks the name up
// itself, then asks it.
func TestGlueless(t *testing.T) {
	n := newTestNet(t, Config{}, defaultZones()...)
	res := n.resolve("www.example.net", dns.TypeCNAME)
	if got := answer(res); got != "www.example.net. 3600 IN CNAME www.example.com." {
		t.Fatalf("answer %q\n%s", got, res.Trace)
	}
	var deep int
	for _, s := range res.Trace.Steps {
		if s.Depth == 1 && s.QName == "ns1.example.com." {
			deep++
		}
	}
	if deep == 0 {
		t.Errorf("no glueless lookup of ns1.example.com in the trace:\n%s", res.Trace)
	}
}

// TestGluelessDepthLimit: with no room for a nested lookup the glueless
// delegation cannot be followed, and the request fails with a reason.
func TestGluelessDepthLimit(t *testing.T) {
	n := newTestNet(t, Config{MaxDepth: 1}, defaultZones()...)
	n.r.cfg.MaxDepth = 0 // below the default: no glueless lookups at all
	res := n.resolve("www.example.net", dns.TypeA)
	if res.Msg.Rcode != dns.RcodeServerFailure || !strings.Contains(ede(res), "ns1.example.com. has no address") {
		t.Errorf("rcode %d, ede %q\n%s", res.Msg.Rcode, ede(res), res.Trace)
	}
}

// TestCNAMEAcrossZones: alias.example.com → www.example.net (another
// zone, glueless) → www.example.com.
func TestCNAMEAcrossZones(t *testing.T) {
	n := newTestNet(t, Config{}, defaultZones()...)
	res := n.resolve("alias.example.com", dns.TypeA)
	want := "alias.example.com. 3600 IN CNAME www.example.net.\nwww.example.net. 3600 IN CNAME www.example.com.\nwww.example.com. 300 IN A 203.0.113.10"
	if got := answer(res); got != want {
		t.Errorf("answer:\n%s\nwant:\n%s\n%s", got, want, res.Trace)
	}
}

func TestCNAMELoop(t *testing.T) {
	n := newTestNet(t, Config{}, defaultZones()...)
	res := n.resolve("loop1.example.com", dns.TypeA)
	if res.Msg.Rcode != dns.RcodeServerFailure || !strings.Contains(ede(res), "CNAME loop") {
		t.Errorf("rcode %d, ede %q\n%s", res.Msg.Rcode, ede(res), res.Trace)
	}
	// The chain limit: loop1 → loop2 → loop1 stops at the loop; with a
	// limit of one the chain is cut first.
	n = newTestNet(t, Config{MaxCNAME: 1}, defaultZones()...)
	res = n.resolve("loop1.example.com", dns.TypeA)
	if !strings.Contains(ede(res), "CNAME chain longer than 1") {
		t.Errorf("ede %q", ede(res))
	}
}

// TestNegativeCaching: NXDOMAIN and NODATA are cached for the SOA's
// MINIMUM (RFC 2308), then asked again.
func TestNegativeCaching(t *testing.T) {
	n := newTestNet(t, Config{}, defaultZones()...)
	res := n.resolve("nope.example.com", dns.TypeA)
	if res.Msg.Rcode != dns.RcodeNameError || len(res.Msg.Ns) != 1 || res.Msg.Ns[0].Header().Ttl != 300 {
		t.Fatalf("want NXDOMAIN with the SOA (TTL 300):\n%s", res.Msg)
	}
	for _, c := range []struct {
		name  string
		qtype uint16
		rcode int
	}{{"nope.example.com", dns.TypeA, dns.RcodeNameError}, {"deeper.nope.example.com", dns.TypeAAAA, dns.RcodeNameError}} {
		before := len(n.sent)
		n.now = n.now.Add(100 * time.Second)
		res = n.resolve(c.name, c.qtype)
		if res.Msg.Rcode != c.rcode || len(n.sent) != before {
			t.Errorf("%s: rcode %d, %d queries; want a cached answer", c.name, res.Msg.Rcode, len(n.sent)-before)
		}
	}
	if ttl := res.Msg.Ns[0].Header().Ttl; ttl != 100 {
		t.Errorf("cached SOA TTL %d, want 100 (300 less 200s)", ttl)
	}
	// NODATA: www.example.com has no MX.
	res = n.resolve("www.example.com", dns.TypeMX)
	before := len(n.sent)
	n.now = n.now.Add(299 * time.Second)
	res = n.resolve("www.example.com", dns.TypeMX)
	if res.Msg.Rcode != dns.RcodeSuccess || len(res.Msg.Answer) != 0 || len(n.sent) != before {
		t.Errorf("NODATA not from the cache:\n%s", res.Trace)
	}
	n.now = n.now.Add(2 * time.Second)
	n.resolve("www.example.com", dns.TypeMX)
	if len(n.sent) == before {
		t.Errorf("NODATA still cached after its TTL")
	}
}

// TestTTLExpiry: a cached answer counts its TTL down, then is asked again.
func TestTTLExpiry(t *testing.T) {
	n := newTestNet(t, Config{}, defaultZones()...)
	n.resolve("www.example.com", dns.TypeA)
	sent := len(n.sent)
	n.now = n.now.Add(30 * time.Second)
	res := n.resolve("www.example.com", dns.TypeA)
	if len(n.sent) != sent || res.Msg.Answer[0].Header().Ttl != 270 {
		t.Fatalf("want a cached answer with TTL 270:\n%s", res.Msg)
	}
	n.now = n.now.Add(271 * time.Second)
	res = n.resolve("www.example.com", dns.TypeA)
	// The example.com NS set is still cached: one query, straight to it.
	if got := n.sentSince(sent); !slices.Equal(got, []string{"203.0.113.53 www.example.com. A"}) {
		t.Errorf("after expiry sent %q", got)
	}
	if res.Msg.Answer[0].Header().Ttl != 300 {
		t.Errorf("fresh TTL %d", res.Msg.Answer[0].Header().Ttl)
	}
}

// TestDeadServer: ns1.example.com does not answer; after its timeout the
// resolver asks ns2, and next time prefers ns2 by its smoothed RTT.
func TestDeadServer(t *testing.T) {
	n := newTestNet(t, Config{}, defaultZones()...)
	n.dead[netip.MustParseAddr("203.0.113.53")] = true
	res := n.resolve("www.example.com", dns.TypeA)
	if answer(res) != "www.example.com. 300 IN A 203.0.113.10" {
		t.Fatalf("answer %q\n%s", answer(res), res.Trace)
	}
	got := n.sentSince(2)
	if !slices.Equal(got, []string{"203.0.113.53 www.example.com. A", "198.51.100.53 www.example.com. A"}) {
		t.Errorf("sent %q\n%s", got, res.Trace)
	}
	if res.Trace.Steps[2].Event != "timeout" {
		t.Errorf("trace:\n%s", res.Trace)
	}
	sent := len(n.sent)
	n.resolve("api.example.com", dns.TypeA)
	if got := n.sentSince(sent); len(got) != 1 || !strings.HasPrefix(got[0], "198.51.100.53 ") {
		t.Errorf("second lookup sent %q; want ns2 first (lower SRTT)", got)
	}
}

// TestAllServersDead: SERVFAIL with the extended error 22.
func TestAllServersDead(t *testing.T) {
	n := newTestNet(t, Config{}, defaultZones()...)
	n.dead[netip.MustParseAddr("203.0.113.53")] = true
	n.dead[netip.MustParseAddr("198.51.100.53")] = true
	res := n.resolve("www.example.com", dns.TypeA)
	e := ede(res)
	if res.Msg.Rcode != dns.RcodeServerFailure || !strings.HasPrefix(e, "No Reachable Authority: no name server for example.com. answered") {
		t.Errorf("rcode %d ede %q", res.Msg.Rcode, e)
	}
	// Each address is tried MaxTries times.
	if got := len(n.sent); got != 2+2*2 {
		t.Errorf("%d queries", got)
	}
}

// TestLameServer: ns2 is delegated example.com but does not serve it
// (REFUSED); the resolver moves to ns1.
func TestLameServer(t *testing.T) {
	lame := exampleCom
	lame.addrs = []string{"203.0.113.53"}
	other := zoneSpec{"other.org.", `
@ IN SOA ns.other.org. h.other.org. 1 1 1 1 60
@ IN NS ns.other.org.
ns IN A 198.51.100.53
`, []string{"198.51.100.53"}}
	orgZone := zoneSpec{"org.", `
@ IN SOA a.gtld-servers.net. x. 1 1 1 1 60
@ IN NS a.gtld-servers.net.
other IN NS ns.other.org.
ns.other IN A 198.51.100.53
`, []string{"192.0.2.9"}}
	n := newTestNet(t, Config{}, rootZone, comZone, netZone, lame, exampleNet, other, orgZone)
	// Make the lame server look faster, so it is asked first.
	n.r.infra.sample(netip.MustParseAddr("198.51.100.53"), time.Millisecond)
	res := n.resolve("www.example.com", dns.TypeA)
	if answer(res) != "www.example.com. 300 IN A 203.0.113.10" {
		t.Fatalf("answer %q\n%s", answer(res), res.Trace)
	}
	var events []string
	for _, s := range res.Trace.Steps {
		events = append(events, s.Event+":"+s.Server.String())
	}
	if !slices.Contains(events, "lame:198.51.100.53") {
		t.Errorf("trace:\n%s", res.Trace)
	}
}

// TestReferralLoop: two servers refer a zone to each other (sideways);
// neither referral goes down, so both are lame and the request ends.
func TestReferralLoop(t *testing.T) {
	a := zoneSpec{"com.", `
@ IN SOA a.gtld-servers.net. x. 1 1 1 1 60
@ IN NS a.gtld-servers.net.
loop IN NS ns.loop.com.
ns.loop IN A 198.51.100.1
`, []string{"192.0.2.9"}}
	// The loop's server claims to be the TLD and refers back up.
	b := zoneSpec{"com.", `
@ IN SOA a.gtld-servers.net. x. 1 1 1 1 60
@ IN NS a.gtld-servers.net.
loop IN NS ns.loop.com.
ns.loop IN A 198.51.100.1
`, []string{"198.51.100.1"}}
	n := newTestNet(t, Config{NoQNameMin: true}, rootZone, a, b)
	res := n.resolve("www.loop.com", dns.TypeA)
	if res.Msg.Rcode != dns.RcodeServerFailure || len(n.sent) > 10 {
		t.Errorf("rcode %d after %d queries\n%s", res.Msg.Rcode, len(n.sent), res.Trace)
	}
}

// TestQueryBudget: a request never sends more than MaxQueries.
func TestQueryBudget(t *testing.T) {
	n := newTestNet(t, Config{MaxQueries: 2}, defaultZones()...)
	res := n.resolve("www.example.com", dns.TypeA)
	if res.Msg.Rcode != dns.RcodeServerFailure || !strings.Contains(ede(res), "gave up after 2 queries") || len(n.sent) != 2 {
		t.Errorf("rcode %d ede %q sent %d", res.Msg.Rcode, ede(res), len(n.sent))
	}
}

// TestTruncationTCP: an answer too big for the resolver's UDP size comes
// truncated and is asked again over TCP.
func TestTruncationTCP(t *testing.T) {
	big := exampleCom
	var txt strings.Builder
	txt.WriteString(big.text)
	for i := 0; i < 20; i++ {
		txt.WriteString("big IN TXT \"" + strings.Repeat("x", 100) + "\"\n")
		txt.WriteString("big IN TXT \"" + strings.Repeat(string(rune('a'+i)), 100) + "\"\n")
	}
	big.text = txt.String()
	n := newTestNet(t, Config{UDPSize: 512}, rootZone, comZone, netZone, big)
	res := n.resolve("big.example.com", dns.TypeTXT)
	if len(res.Msg.Answer) != 40 {
		t.Fatalf("%d records\n%s", len(res.Msg.Answer), res.Trace)
	}
	got := n.sentSince(2)
	if !slices.Equal(got, []string{"203.0.113.53 big.example.com. TXT", "203.0.113.53 big.example.com. TXT tcp"}) {
		t.Errorf("sent %q", got)
	}
	// To a client without EDNS the answer is truncated too.
	res = n.ask("big.example.com.", dns.TypeTXT, 0)
	var m dns.Msg
	if err := m.Unpack(res.Wire); err != nil || !m.Truncated || len(res.Wire) > 512 {
		t.Errorf("client answer: %v tc=%v %d bytes", err, m.Truncated, len(res.Wire))
	}
}

// TestSpoofIgnored: answers from the wrong source, with the wrong ID or
// for another question are dropped before the real one; nothing of
// theirs is cached.
func TestSpoofIgnored(t *testing.T) {
	n := newTestNet(t, Config{NoQNameMin: true}, defaultZones()...)
	evil := func(resp []byte, f func(m *dns.Msg)) []byte {
		var m dns.Msg
		m.Unpack(resp)
		m.Answer = []dns.RR{mustRR("www.example.com. 86400 IN A 6.6.6.6")}
		m.Ns, m.Rcode, m.Authoritative = nil, 0, true
		f(&m)
		b, _ := m.Pack()
		return b
	}
	n.tamper = func(q Query, resp []byte) [][]byte {
		return [][]byte{
			evil(resp, func(m *dns.Msg) { m.Id++ }),
			evil(resp, func(m *dns.Msg) { m.Question[0].Name = "www.example.org." }),
			evil(resp, func(m *dns.Msg) { m.Response = false }),
			[]byte{1, 2, 3},
			resp,
		}
	}
	res := n.resolve("www.example.com", dns.TypeA)
	if answer(res) != "www.example.com. 300 IN A 203.0.113.10" {
		t.Fatalf("answer %q\n%s", answer(res), res.Trace)
	}
	if n.r.Stats().Ignored < 9 {
		t.Errorf("ignored %d", n.r.Stats().Ignored)
	}
	// A datagram from another address, for a query in flight.
	n.tamper = nil
	n.r.Resolve(n.now, "api.example.com", dns.TypeA)
	qs := n.r.AppendQueries(nil)
	if done := n.r.HandleResponse(n.now, qs[0].Tx, netip.MustParseAddr("6.6.6.6"), qs[0].Msg); done {
		t.Error("a datagram from the wrong address ended the query")
	}
}

// TestOutOfBailiwick: a server for example.com that adds records for
// other zones gets them thrown away, never cached.
func TestOutOfBailiwick(t *testing.T) {
	n := newTestNet(t, Config{NoQNameMin: true}, defaultZones()...)
	n.tamper = func(q Query, resp []byte) [][]byte {
		var m dns.Msg
		m.Unpack(resp)
		if q.Server.String() == "203.0.113.53" {
			m.Extra = append(m.Extra, mustRR("www.victim.org. 86400 IN A 6.6.6.6"))
			m.Answer = append(m.Answer, mustRR("evil.net. 86400 IN A 6.6.6.6"))
		}
		b, _ := m.Pack()
		return [][]byte{b}
	}
	n.resolve("www.example.com", dns.TypeA)
	if n.r.Stats().OutOfBailiwick != 2 {
		t.Errorf("scrubbed %d", n.r.Stats().OutOfBailiwick)
	}
	for _, name := range []string{"www.victim.org.", "evil.net."} {
		if e := n.r.cache.get(n.now, name, dns.TypeA); e != nil {
			t.Errorf("%s cached", name)
		}
	}
}

// TestClientQuery: a stub's query gets RA, its ID and question back, and
// the second one is a cache hit.
func TestClientQuery(t *testing.T) {
	n := newTestNet(t, Config{}, defaultZones()...)
	res := n.ask("WWW.example.com.", dns.TypeA, 1232)
	var m dns.Msg
	if err := m.Unpack(res.Wire); err != nil {
		t.Fatal(err)
	}
	if !m.RecursionAvailable || !m.RecursionDesired || m.Id != 4242 || m.Question[0].Name != "WWW.example.com." || len(m.Answer) != 1 || m.IsEdns0() == nil {
		t.Errorf("%s", &m)
	}
	n.ask("www.example.com.", dns.TypeA, 1232)
	if s := n.r.Stats(); s.Requests != 2 || s.CacheHits != 1 {
		t.Errorf("stats %+v", s)
	}
	if _, err := n.r.HandleQuery(n.now, 1, false, []byte{1, 2, 0x80}); err != ErrDrop {
		t.Errorf("short message: %v", err)
	}
}

func mustRR(s string) dns.RR {
	rr, err := dns.NewRR(s)
	if err != nil {
		panic(err)
	}
	return rr
}

// TestNoRecursion: a query with RD clear is answered from the cache only.
func TestNoRecursion(t *testing.T) {
	n := newTestNet(t, Config{}, defaultZones()...)
	ask := func() *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion("www.example.com.", dns.TypeA)
		m.RecursionDesired = false
		b, _ := m.Pack()
		n.r.HandleQuery(n.now, 1, false, b)
		res := n.run()
		var got dns.Msg
		if err := got.Unpack(res.Wire); err != nil {
			t.Fatal(err)
		}
		return &got
	}
	if m := ask(); len(m.Answer) != 0 || m.Rcode != dns.RcodeSuccess || len(n.sent) != 0 {
		t.Errorf("cold: %v, %d queries", m, len(n.sent))
	}
	n.resolve("www.example.com", dns.TypeA)
	if m := ask(); len(m.Answer) != 1 || m.RecursionDesired {
		t.Errorf("warm: %v", m)
	}
}
