package dnsjudge

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestCompareCatches keeps the judge honest without Knot: compare must
// see every kind of difference the table relies on it to find, and none
// where there is only a change of case or of record order.
func TestCompareCatches(t *testing.T) {
	base := func() *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion("www.example.com.", dns.TypeA)
		m.Id = 7
		m.Response, m.Authoritative = true, true
		a1, _ := dns.NewRR("www.example.com. 3600 IN A 192.0.2.1")
		a2, _ := dns.NewRR("www.example.com. 3600 IN A 192.0.2.2")
		ns, _ := dns.NewRR("example.com. 3600 IN NS ns1.example.com.")
		glue, _ := dns.NewRR("ns1.example.com. 3600 IN A 192.0.2.53")
		m.Answer = []dns.RR{a1, a2}
		m.Ns = []dns.RR{ns}
		m.Extra = []dns.RR{glue}
		m.SetEdns0(1232, false)
		return m
	}
	if d := compare(base(), base()); len(d) != 0 {
		t.Fatalf("equal messages differ: %v", d)
	}
	same := base()
	same.Answer[0], same.Answer[1] = same.Answer[1], same.Answer[0]
	same.Answer[0].Header().Name = "WWW.Example.COM."
	same.Ns[0].(*dns.NS).Ns = "NS1.example.com."
	if d := compare(base(), same); len(d) != 0 {
		t.Errorf("order and case should not count (RFC 4343): %v", d)
	}
	for _, c := range []struct {
		want string
		edit func(m *dns.Msg)
	}{
		{"rcode", func(m *dns.Msg) { m.Rcode = dns.RcodeNameError }},
		{"AA", func(m *dns.Msg) { m.Authoritative = false }},
		{"TC", func(m *dns.Msg) { m.Truncated = true }},
		{"RD", func(m *dns.Msg) { m.RecursionDesired = !m.RecursionDesired }},
		{"RA", func(m *dns.Msg) { m.RecursionAvailable = true }},
		{"CD", func(m *dns.Msg) { m.CheckingDisabled = true }},
		{"question", func(m *dns.Msg) { m.Question[0].Qtype = dns.TypeAAAA }},
		{"OPT", func(m *dns.Msg) { m.Extra = m.Extra[:1] }},
		{"OPT", func(m *dns.Msg) { m.IsEdns0().SetUDPSize(4096) }},
		{"OPT", func(m *dns.Msg) { m.IsEdns0().SetDo() }},
		{"answer", func(m *dns.Msg) { m.Answer[0].Header().Ttl = 60 }},
		{"answer", func(m *dns.Msg) { m.Answer = m.Answer[:1] }},
		{"authority", func(m *dns.Msg) { m.Ns = nil }},
		{"additional", func(m *dns.Msg) { m.Extra = m.Extra[1:] }},
	} {
		m := base()
		c.edit(m)
		d := compare(base(), m)
		if len(d) == 0 || !strings.HasPrefix(d[0], c.want+":") {
			t.Errorf("a change of %s: compare says %q", c.want, d)
		}
	}
}
