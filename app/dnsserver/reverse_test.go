package dnsserver_test

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/app/traceroute"
	"github.com/hopsnet/hops/dns/auth"
	"github.com/hopsnet/hops/dns/resolver"
	"github.com/hopsnet/hops/world"
	"github.com/miekg/dns"
)

// The zones hops ships for the org. TLD and for reverse DNS, and the
// servers of the default world that are to serve them (world/default.yaml
// names each node's zones; these tests start them on those nodes
// themselves until it does):
//
//	a.root-servers.net  .  in-addr.arpa.
//	a.gtld-servers.net  com.  net.  org.
//	ns1.example.com     example.com.  example.net.  example.org.  and the four reverse zones
//	isp-b-core (ns2)    example.com.  example.org.  and the four reverse zones
var (
	reverseZones = []dnsserver.ZoneFile{
		{Origin: "2.0.192.in-addr.arpa.", File: "2.0.192.in-addr.arpa.zone"},
		{Origin: "18.198.in-addr.arpa.", File: "18.198.in-addr.arpa.zone"},
		{Origin: "100.51.198.in-addr.arpa.", File: "100.51.198.in-addr.arpa.zone"},
		{Origin: "113.0.203.in-addr.arpa.", File: "113.0.203.in-addr.arpa.zone"},
	}
	plannedServers = []struct {
		node  string
		zones []dnsserver.ZoneFile
	}{
		{"a.root-servers.net", []dnsserver.ZoneFile{{Origin: ".", File: "root.zone"}, {Origin: "in-addr.arpa.", File: "in-addr.arpa.zone"}}},
		{"a.gtld-servers.net", []dnsserver.ZoneFile{{Origin: "com.", File: "com.zone"}, {Origin: "net.", File: "net.zone"}, {Origin: "org.", File: "org.zone"}}},
		{"ns1.example.com", append([]dnsserver.ZoneFile{{Origin: "example.com.", File: "example.com.zone"}, {Origin: "example.net.", File: "example.net.zone"},
			{Origin: "example.org.", File: "example.org.zone"}}, reverseZones...)},
		{"isp-b-core", append([]dnsserver.ZoneFile{{Origin: "example.com.", File: "example.com.zone"}, {Origin: "example.org.", File: "example.org.zone"}}, reverseZones...)},
	}
	// rootDelegations are the lines root.zone needs for org. and
	// in-addr.arpa. (added here while it does not hold them).
	rootDelegations = []string{
		"org.                  172800 IN NS a.gtld-servers.net.",
		"in-addr.arpa.         172800 IN NS a.root-servers.net.",
	}
)

// loadPlanned builds the engine for zs from the embedded zone files, the
// root zone with rootDelegations.
func loadPlanned(t *testing.T, zs []dnsserver.ZoneFile) *auth.Server {
	t.Helper()
	var zones []*auth.Zone
	for _, zf := range zs {
		b, err := dnsserver.ZoneText(zf.File)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if zf.Origin == "." {
			for _, d := range rootDelegations {
				if owner := strings.Fields(d)[0]; !strings.Contains(text, "\n"+owner+" ") {
					text += d + "\n"
				}
			}
		}
		z, err := auth.ParseZoneString(text, zf.Origin, zf.File)
		if err != nil {
			t.Fatal(err)
		}
		zones = append(zones, z)
	}
	s, err := auth.NewServer(zones...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// plannedWorld is the default world with its name servers serving the
// planned zones; servers holds them by node name.
func plannedWorld(t *testing.T) (w *world.World, servers map[string]*dnsserver.Server) {
	t.Helper()
	w = defaultWorld(t)
	servers = map[string]*dnsserver.Server{}
	for _, p := range plannedServers {
		n := w.Node(p.node)
		for _, s := range w.NameServers {
			if s.Node() == n {
				s.Close()
			}
		}
		s, err := dnsserver.Start(n, loadPlanned(t, p.zones))
		if err != nil {
			t.Fatal(err)
		}
		servers[p.node] = s
	}
	return w, servers
}

// ptrNames are the names the reverse zones give the routers of the
// default world (a node named like a host has its own name).
var ptrNames = map[string]string{
	"home-router": "198-51-100-2.customers.isp-a.net.",
	"isp-a-edge":  "edge.isp-a.net.",
	"isp-a-core":  "core.isp-a.net.",
	"isp-b-core":  "core.isp-b.net.",
	"ixp":         "gw.ixp.net.",
	"carrier-1":   "core.carrier-1.net.",
	"carrier-2":   "core.carrier-2.net.",
	"dc-router":   "dc-router.example.com.",
}

// TestReverseZonesCoverTheWorld: every public IPv4 address of the
// default world (all but the home's 192.168.1.0/24) has exactly one PTR
// record, naming its node; the zones hold no PTR for an address nobody
// has; and the new zones' delegations are in place.
func TestReverseZonesCoverTheWorld(t *testing.T) {
	w := defaultWorld(t)
	eng := loadPlanned(t, reverseZones)
	home := netip.MustParsePrefix("192.168.0.0/16")
	ptr := func(name string, qtype uint16) *dns.Msg {
		q := new(dns.Msg)
		q.SetQuestion(name, qtype)
		b, _ := q.Pack()
		resp, err := eng.Respond(nil, b, auth.UDP)
		if err != nil {
			t.Fatal(err)
		}
		m := new(dns.Msg)
		if err := m.Unpack(resp); err != nil {
			t.Fatal(err)
		}
		return m
	}
	public := 0
	for _, sn := range w.Scenario.Nodes {
		n := w.Node(sn.Name)
		want := ptrNames[sn.Name]
		if want == "" {
			want = sn.Name + "."
		}
		for _, i := range n.Ifaces() {
			a := i.Addr()
			if !a.IsValid() || !a.Is4() || a.IsLoopback() || home.Contains(a) {
				continue
			}
			public++
			m := ptr(dnsserver.ReverseName(a), dns.TypePTR)
			if m.Rcode != dns.RcodeSuccess || !m.Authoritative || len(m.Answer) != 1 || m.Answer[0].(*dns.PTR).Ptr != want {
				t.Errorf("%s (%s): PTR answer %v, want %s (each public address of the default world needs its PTR in app/dnsserver/zones/*.in-addr.arpa.zone)", a, sn.Name, m.Answer, want)
			}
		}
	}
	// No more PTR records than addresses: none for an address not in use.
	var ptrs int
	for _, zf := range reverseZones {
		text, _ := dnsserver.ZoneText(zf.File)
		for _, l := range strings.Split(string(text), "\n") {
			if f := strings.Fields(l); len(f) >= 3 && f[len(f)-2] == "PTR" {
				ptrs++
			}
		}
	}
	if public == 0 || ptrs != public {
		t.Errorf("%d PTR records for %d public addresses", ptrs, public)
	}
	// The delegations the lookups go through.
	parent := loadPlanned(t, plannedServers[0].zones)
	for _, c := range []struct {
		s          *auth.Server
		name, want string
	}{
		{parent, "10.113.0.203.in-addr.arpa.", "113.0.203.in-addr.arpa."},
		{parent, "www.example.org.", "org."},
		{loadPlanned(t, plannedServers[1].zones), "www.example.org.", "example.org."},
	} {
		q := new(dns.Msg)
		q.SetQuestion(c.name, dns.TypeA)
		b, _ := q.Pack()
		resp, _ := c.s.Respond(nil, b, auth.UDP)
		m := new(dns.Msg)
		if err := m.Unpack(resp); err != nil || m.Authoritative || len(m.Ns) == 0 || m.Ns[0].Header().Name != c.want {
			t.Errorf("%s: want a referral to %s, got %v", c.name, c.want, m)
		}
	}
}

// stubPTR runs one reverse lookup of s to its end.
func stubPTR(t *testing.T, w *world.World, s *dnsserver.Stub, a string) dnsserver.StubAnswer {
	t.Helper()
	var got *dnsserver.StubAnswer
	s.LookupPTR(netip.MustParseAddr(a), func(r dnsserver.StubAnswer) { got = &r })
	w.Kernel.RunUntil(w.Kernel.Now().Add(20 * time.Second))
	if got == nil {
		t.Fatalf("PTR %s: the lookup never ended", a)
	}
	return *got
}

// TestReverseLookupInTheWorld: with the planned zones served, the
// laptop's stub names the routers on its traceroute to www.example.com
// by their PTR records: the resolver goes root → in-addr.arpa. (on the
// root server) → the /24's or /16's zone, whose servers it first looks up
// itself (a glueless delegation); the home router's LAN address has no
// public reverse zone. The answers are cached; www.example.org resolves
// through org.; and with ns1 cut off, ns2 at ISP B answers.
func TestReverseLookupInTheWorld(t *testing.T) {
	w, _ := plannedWorld(t)
	r := w.Resolvers[0]
	var traces []string
	var first *resolver.Trace // the lookup of 198.51.100.1, the first public address
	r.OnResult = func(res resolver.Result) {
		traces = append(traces, res.Trace.String())
		if res.Trace.Name == "1.100.51.198.in-addr.arpa." {
			first = res.Trace
		}
	}
	laptop := w.Node("laptop")
	var hops []netip.Addr
	if _, err := traceroute.Start(laptop, "www.example.com", netip.MustParseAddr("203.0.113.10"), traceroute.Config{Queries: 1, MaxTTL: 8},
		func(res *traceroute.Result) {
			for _, h := range res.Hops {
				hops = append(hops, h.Probes[0].From)
			}
		}); err != nil {
		t.Fatal(err)
	}
	w.Kernel.RunUntil(w.Kernel.Now().Add(time.Minute))
	s := dnsserver.NewStub(laptop, w.Node(dnsserver.DefaultResolverNode).Addr())
	var names []string
	for _, a := range hops {
		ans := stubPTR(t, w, s, a.String())
		switch {
		case ans.Err == nil:
			names = append(names, ans.Name)
		case errors.Is(ans.Err, dnsserver.ErrNotFound):
			names = append(names, a.String())
		default:
			t.Fatalf("PTR %s: %v\n%s", a, ans.Err, strings.Join(traces, "\n"))
		}
	}
	want := []string{"192.168.1.1", "edge.isp-a.net.", "core.isp-a.net.", "gw.ixp.net.", "dc-router.example.com.", "www.example.com."}
	if !slices.Equal(names, want) {
		t.Fatalf("the hops are named %q, want %q\n%s", names, want, strings.Join(traces, "\n"))
	}
	if first == nil {
		t.Fatal("no lookup of 1.100.51.198.in-addr.arpa. reached the resolver")
	}
	var steps []string
	for _, st := range first.Steps {
		if st.Server.IsValid() {
			steps = append(steps, fmt.Sprintf("%d %s for %s: %s %s → %s", st.Depth, st.ServerName, st.Zone, st.QName, dns.Type(st.QType), st.Event))
		}
	}
	wantSteps := []string{
		"0 a.root-servers.net. for .: arpa. A → nodata", // QNAME minimisation, one label at a time
		"0 a.root-servers.net. for .: in-addr.arpa. A → nodata",
		"0 a.root-servers.net. for .: 198.in-addr.arpa. A → nodata",
		"0 a.root-servers.net. for .: 51.198.in-addr.arpa. A → nodata",
		"0 a.root-servers.net. for .: 100.51.198.in-addr.arpa. A → referral",
		// The delegation has no glue: the resolver looks ns1.example.com up.
		"1 a.root-servers.net. for .: com. A → referral",
		"1 a.gtld-servers.net. for com.: example.com. A → referral",
		"0 ns1.example.com. for 100.51.198.in-addr.arpa.: 1.100.51.198.in-addr.arpa. PTR → answer",
	}
	if !slices.Equal(steps, wantSteps) {
		t.Errorf("the resolver's steps for 198.51.100.1:\n%s\nwant:\n%s\n%s", strings.Join(steps, "\n"), strings.Join(wantSteps, "\n"), first)
	}
	if a := stubPTR(t, w, s, "198.18.100.2"); a.Err != nil || a.Name != "gw.ixp.net." || !a.Cached {
		t.Errorf("198.18.100.2 again: %+v, want gw.ixp.net. from the stub's cache", a)
	}
	var got *dnsserver.StubAnswer
	s.LookupA("www.example.org", func(a dnsserver.StubAnswer) { got = &a })
	w.Kernel.RunUntil(w.Kernel.Now().Add(20 * time.Second))
	if got == nil || got.Err != nil || got.Addr != netip.MustParseAddr("203.0.113.10") {
		t.Errorf("www.example.org: %+v", got)
	}
	if last := traces[len(traces)-1]; !strings.Contains(last, "for org.: example.org. A → referral to example.org.") {
		t.Errorf("www.example.org not resolved through org.:\n%s", last)
	}

	w.Link("dc-router--ns1.example.com").SetUp(false)
	s2 := dnsserver.NewStub(w.Node("phone"), w.Node(dnsserver.DefaultResolverNode).Addr())
	if a := stubPTR(t, w, s2, "203.0.113.14"); a.Err != nil || a.Name != "api.example.com." {
		t.Errorf("203.0.113.14 with ns1 cut off: %+v\n%s", a, traces[len(traces)-1])
	}
	if last := traces[len(traces)-1]; !strings.Contains(last, "198.18.100.10 (ns2.example.com.) for 113.0.203.in-addr.arpa.: 14.113.0.203.in-addr.arpa. PTR → answer") {
		t.Errorf("not answered by ns2:\n%s", last)
	}
}

func TestReverseName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"203.0.113.10", "10.113.0.203.in-addr.arpa."},
		{"::ffff:192.0.2.1", "1.2.0.192.in-addr.arpa."},
		{"2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
	} {
		if got := dnsserver.ReverseName(netip.MustParseAddr(c.in)); got != c.want {
			t.Errorf("ReverseName(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}

// TestReversePTRThroughCNAME: a reverse name may be a CNAME into a zone
// of its own (RFC 2317, classless delegation); the stub follows it to
// the PTR record, as glibc does.
func TestReversePTRThroughCNAME(t *testing.T) {
	w, servers := plannedWorld(t)
	text, err := dnsserver.ZoneText("113.0.203.in-addr.arpa.zone")
	if err != nil {
		t.Fatal(err)
	}
	z, err := auth.ParseZoneString(string(text)+"99 IN CNAME 99.64-26\n99.64-26 IN PTR classless.example.com.\n", "113.0.203.in-addr.arpa.", "t.zone")
	if err != nil {
		t.Fatal(err)
	}
	eng, _ := auth.NewServer(z)
	for _, name := range []string{"ns1.example.com", "isp-b-core"} { // the zone's two servers
		servers[name].Close()
		if _, err := dnsserver.Start(w.Node(name), eng); err != nil {
			t.Fatal(err)
		}
	}
	s := dnsserver.NewStub(w.Node("laptop"), w.Node(dnsserver.DefaultResolverNode).Addr())
	if a := stubPTR(t, w, s, "203.0.113.99"); a.Err != nil || a.Name != "classless.example.com." {
		t.Errorf("203.0.113.99: %+v, want classless.example.com. through the CNAME", a)
	}
	if a := stubPTR(t, w, s, "203.0.113.99"); !a.Cached || a.Name != "classless.example.com." {
		t.Errorf("203.0.113.99 again: %+v, want it from the cache", a)
	}
	if a := stubPTR(t, w, s, "203.0.113.98"); !errors.Is(a.Err, dnsserver.ErrNotFound) {
		t.Errorf("203.0.113.98 (no PTR): %+v, want not found", a)
	}
}
