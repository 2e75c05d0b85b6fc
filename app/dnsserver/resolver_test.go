package dnsserver_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/dns/resolver"
	"github.com/hopsnet/hops/world"
	"github.com/miekg/dns"
)

// resolverWorld is the default world with its name servers and its
// resolver started; the links named in down are cut first.
func resolverWorld(t *testing.T, down ...string) (*world.World, *dnsserver.Resolver) {
	t.Helper()
	w := defaultWorld(t)
	for _, l := range down {
		w.Link(l).SetUp(false)
	}
	if len(w.Resolvers) != 1 {
		t.Fatalf("the default world runs %d resolvers, want 1", len(w.Resolvers))
	}
	return w, w.Resolvers[0]
}

// stub asks the resolver from the laptop with RD set.
func stub(t *testing.T, w *world.World, name string, qtype uint16) (dnsserver.Reply, *dns.Msg) {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.SetEdns0(1232, false)
	b, _ := q.Pack()
	cfg := dnsserver.ExchangeConfig{Server: netip.AddrPortFrom(w.Node(dnsserver.DefaultResolverNode).Addr(), 53)}
	var got *dnsserver.Reply
	dnsserver.Exchange(w.Node("laptop"), cfg, b, func(r dnsserver.Reply) { got = &r })
	w.Kernel.RunUntil(w.Kernel.Now().Add(20 * time.Second))
	if got == nil || got.Err != nil {
		t.Fatalf("no answer: %+v", got)
	}
	var m dns.Msg
	if err := m.Unpack(got.Msg); err != nil {
		t.Fatal(err)
	}
	return *got, &m
}

func TestResolverDefaultWorld(t *testing.T) {
	w, r := resolverWorld(t)
	var last resolver.Result
	r.OnResult = func(res resolver.Result) { last = res }
	rep, m := stub(t, w, "www.example.com.", dns.TypeA)
	if !m.RecursionAvailable || m.Authoritative || len(m.Answer) != 1 || m.Answer[0].Header().Ttl != 3600 {
		t.Fatalf("%v", m)
	}
	// Root, com., example.com., each asked the minimised name.
	qs := last.Trace.Queries()
	var got []string
	for _, s := range qs {
		got = append(got, s.Server.String()+" "+s.QName)
	}
	want := "192.0.2.1 com.|192.0.2.9 example.com.|203.0.113.53 www.example.com."
	if strings.Join(got, "|") != want {
		t.Errorf("queries %q\n%s", got, last.Trace)
	}
	cold := rep.RTT
	// 30 seconds later (50 after the first answer, since stub runs 20s):
	// from the cache, the TTL counted down.
	w.Kernel.RunUntil(w.Kernel.Now().Add(30 * time.Second))
	rep, m = stub(t, w, "www.example.com.", dns.TypeA)
	if ttl := m.Answer[0].Header().Ttl; ttl != 3550 || rep.RTT >= cold {
		t.Errorf("second answer TTL %d, RTT %v (cold %v)", ttl, rep.RTT, cold)
	}
	if s := r.Engine().Stats(); s.CacheHits != 1 || s.Requests != 2 {
		t.Errorf("stats %+v", s)
	}
	if h := r.Node().Open(); h.UDPSockets != 1 {
		t.Errorf("resolver holds %+v (want only its port 53)", h)
	}
}

// TestResolverGluelessCNAME: shop.example.com → www.example.net (a
// glueless delegation) → www.example.com.
func TestResolverGluelessCNAME(t *testing.T) {
	w, _ := resolverWorld(t)
	_, m := stub(t, w, "shop.example.com.", dns.TypeA)
	if len(m.Answer) != 3 || m.Answer[2].(*dns.A).A.String() != "203.0.113.10" {
		t.Errorf("%v", m)
	}
	_, m = stub(t, w, "nothere.example.net.", dns.TypeA)
	if m.Rcode != dns.RcodeNameError || len(m.Ns) != 1 {
		t.Errorf("%v", m)
	}
}

// TestResolverDeadServer: with ns1.example.com's link cut the routers
// answer ICMP network unreachable, and the resolver asks ns2 (at ISP B)
// at once. (A server that stays silent is timed out: see
// dns/resolver's TestDeadServer.)
func TestResolverDeadServer(t *testing.T) {
	w, r := resolverWorld(t, "dc-router--ns1.example.com")
	var last resolver.Result
	r.OnResult = func(res resolver.Result) { last = res }
	rep, m := stub(t, w, "api.example.com.", dns.TypeA)
	if len(m.Answer) != 1 || m.Answer[0].(*dns.A).A.String() != "203.0.113.14" {
		t.Fatalf("%v\n%s", m, last.Trace)
	}
	if !strings.Contains(last.Trace.String(), "203.0.113.53 (ns1.example.com.) for example.com.: api.example.com. A → error: network is unreachable") ||
		!strings.Contains(last.Trace.String(), "198.18.100.10 (ns2.example.com.) for example.com.: api.example.com. A → answer") || rep.RTT > time.Second {
		t.Errorf("RTT %v trace:\n%s", rep.RTT, last.Trace)
	}
}

// TestResolverTCPClient: a stub may ask over TCP too.
func TestResolverTCPClient(t *testing.T) {
	w, _ := resolverWorld(t)
	q := new(dns.Msg)
	q.SetQuestion("example.com.", dns.TypeMX)
	b, _ := q.Pack()
	cfg := dnsserver.ExchangeConfig{Server: netip.AddrPortFrom(w.Node(dnsserver.DefaultResolverNode).Addr(), 53), TCP: true}
	var got *dnsserver.Reply
	dnsserver.Exchange(w.Node("laptop"), cfg, b, func(r dnsserver.Reply) { got = &r })
	w.Kernel.RunUntil(w.Kernel.Now().Add(20 * time.Second))
	var m dns.Msg
	if got == nil || got.Err != nil || m.Unpack(got.Msg) != nil || len(m.Answer) != 1 || !got.TCP {
		t.Fatalf("%+v %v", got, &m)
	}
}
