package auth

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// loadTestZone loads testdata/example.com.zone.
func loadTestZone(t testing.TB) *Server {
	t.Helper()
	z, err := LoadZoneFile("testdata/example.com.zone", "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(z)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// query builds a query message: edns 0 means no OPT record.
func query(t testing.TB, name string, qtype uint16, edns uint16, rd bool) []byte {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.Id = 4242
	m.RecursionDesired = rd
	if edns != 0 {
		m.SetEdns0(edns, false)
	}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// want is an expected response: records in zone-file syntax.
type want struct {
	rcode       int
	aa, tc      bool
	ans, ns, ex []string
}

// norm parses zone-file lines into miekg's canonical text, sorted.
func norm(t *testing.T, lines []string) []string {
	t.Helper()
	var out []string
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatalf("bad want record %q: %v", l, err)
		}
		out = append(out, rr.String())
	}
	slices.Sort(out)
	return out
}

func texts(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeOPT {
			continue
		}
		out = append(out, rr.String())
	}
	slices.Sort(out)
	return out
}

func check(t *testing.T, resp []byte, w want) *dns.Msg {
	t.Helper()
	var m dns.Msg
	if err := m.Unpack(resp); err != nil {
		t.Fatalf("response does not parse: %v", err)
	}
	if m.Id != 4242 || !m.Response {
		t.Errorf("id %d response %v", m.Id, m.Response)
	}
	if m.Rcode != w.rcode {
		t.Errorf("rcode %s, want %s", dns.RcodeToString[m.Rcode], dns.RcodeToString[w.rcode])
	}
	if m.Authoritative != w.aa {
		t.Errorf("aa %v, want %v", m.Authoritative, w.aa)
	}
	if m.Truncated != w.tc {
		t.Errorf("tc %v, want %v", m.Truncated, w.tc)
	}
	for _, sec := range []struct {
		name      string
		got, want []string
	}{{"answer", texts(m.Answer), norm(t, w.ans)}, {"authority", texts(m.Ns), norm(t, w.ns)}, {"additional", texts(m.Extra), norm(t, w.ex)}} {
		if !slices.Equal(sec.got, sec.want) {
			t.Errorf("%s section:\n got  %s\n want %s", sec.name, strings.Join(sec.got, "\n      "), strings.Join(sec.want, "\n      "))
		}
	}
	return &m
}

const negSOA = "example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2026120101 7200 3600 1209600 300"

// TestAnswerPaths runs every resolution rule against the test zone.
func TestAnswerPaths(t *testing.T) {
	s := loadTestZone(t)
	tests := []struct {
		name  string
		qname string
		qtype uint16
		want  want
	}{
		{"A answer", "www.example.com.", dns.TypeA, want{aa: true,
			ans: []string{"www.example.com. 3600 IN A 203.0.113.10"}}},
		{"case insensitive", "WWW.Example.COM.", dns.TypeAAAA, want{aa: true,
			ans: []string{"www.example.com. 3600 IN AAAA 2001:db8::10"}}},
		{"TXT", "txt.example.com.", dns.TypeTXT, want{aa: true,
			ans: []string{`txt.example.com. 3600 IN TXT "hello world"`}}},
		{"PTR", "ptr.example.com.", dns.TypePTR, want{aa: true,
			ans: []string{"ptr.example.com. 3600 IN PTR www.example.com."}}},
		{"SOA", "example.com.", dns.TypeSOA, want{aa: true,
			ans: []string{"example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2026120101 7200 3600 1209600 300"}}},
		{"NS with addresses", "example.com.", dns.TypeNS, want{aa: true,
			ans: []string{"example.com. 3600 IN NS ns1.example.com.", "example.com. 3600 IN NS ns2.example.com."},
			ex:  []string{"ns1.example.com. 3600 IN A 203.0.113.53", "ns2.example.com. 3600 IN A 203.0.113.54"}}},
		{"MX with addresses", "example.com.", dns.TypeMX, want{aa: true,
			ans: []string{"example.com. 3600 IN MX 10 mail.example.com."},
			ex:  []string{"mail.example.com. 3600 IN A 203.0.113.25", "mail.example.com. 3600 IN AAAA 2001:db8::25"}}},
		{"NXDOMAIN", "nope.example.com.", dns.TypeA, want{rcode: dns.RcodeNameError, aa: true,
			ns: []string{negSOA}}},
		{"NODATA", "www.example.com.", dns.TypeMX, want{aa: true, ns: []string{negSOA}}},
		{"empty non-terminal is NODATA", "a.b.example.com.", dns.TypeA, want{aa: true, ns: []string{negSOA}}},
		{"CNAME", "alias.example.com.", dns.TypeA, want{aa: true,
			ans: []string{"alias.example.com. 3600 IN CNAME www.example.com.", "www.example.com. 3600 IN A 203.0.113.10"}}},
		{"CNAME asked for", "alias.example.com.", dns.TypeCNAME, want{aa: true,
			ans: []string{"alias.example.com. 3600 IN CNAME www.example.com."}}},
		{"CNAME chain", "chain1.example.com.", dns.TypeA, want{aa: true,
			ans: []string{"chain1.example.com. 3600 IN CNAME chain2.example.com.", "chain2.example.com. 3600 IN CNAME www.example.com.", "www.example.com. 3600 IN A 203.0.113.10"}}},
		{"CNAME chain to NODATA", "alias.example.com.", dns.TypeTXT, want{aa: true,
			ans: []string{"alias.example.com. 3600 IN CNAME www.example.com."}, ns: []string{negSOA}}},
		{"CNAME to nothing is NXDOMAIN (RFC 6604)", "dangling.example.com.", dns.TypeA, want{rcode: dns.RcodeNameError, aa: true,
			ans: []string{"dangling.example.com. 3600 IN CNAME nothere.example.com."}, ns: []string{negSOA}}},
		{"CNAME out of the zone stops", "outside.example.com.", dns.TypeA, want{aa: true,
			ans: []string{"outside.example.com. 3600 IN CNAME www.example.net."}}},
		{"CNAME loop ends", "loop1.example.com.", dns.TypeA, want{aa: true,
			ans: []string{"loop1.example.com. 3600 IN CNAME loop2.example.com.", "loop2.example.com. 3600 IN CNAME loop1.example.com."}}},
		{"wildcard", "foo.wild.example.com.", dns.TypeA, want{aa: true,
			ans: []string{"foo.wild.example.com. 3600 IN A 203.0.113.99"}}},
		{"wildcard deeper", "x.y.wild.example.com.", dns.TypeTXT, want{aa: true,
			ans: []string{`x.y.wild.example.com. 3600 IN TXT "wildcard"`}}},
		{"wildcard NODATA", "foo.wild.example.com.", dns.TypeMX, want{aa: true, ns: []string{negSOA}}},
		{"wildcard owner itself", "*.wild.example.com.", dns.TypeA, want{aa: true,
			ans: []string{"*.wild.example.com. 3600 IN A 203.0.113.99"}}},
		{"existing name beats wildcard", "a.b.wild.example.com.", dns.TypeA, want{aa: true,
			ans: []string{"a.b.wild.example.com. 3600 IN A 203.0.113.98"}}},
		{"wildcard blocked by empty non-terminal (RFC 4592 2.2.2)", "x.b.wild.example.com.", dns.TypeA, want{rcode: dns.RcodeNameError, aa: true,
			ns: []string{negSOA}}},
		{"empty non-terminal under a wildcard is NODATA", "b.wild.example.com.", dns.TypeA, want{aa: true, ns: []string{negSOA}}},
		{"wildcard CNAME", "q.cn.example.com.", dns.TypeA, want{aa: true,
			ans: []string{"q.cn.example.com. 3600 IN CNAME www.example.com.", "www.example.com. 3600 IN A 203.0.113.10"}}},
		{"referral with glue", "www.sub.example.com.", dns.TypeA, want{
			ns: []string{"sub.example.com. 3600 IN NS ns1.sub.example.com.", "sub.example.com. 3600 IN NS ns.elsewhere.net."},
			ex: []string{"ns1.sub.example.com. 3600 IN A 203.0.113.77"}}},
		{"referral at the cut", "sub.example.com.", dns.TypeA, want{
			ns: []string{"sub.example.com. 3600 IN NS ns1.sub.example.com.", "sub.example.com. 3600 IN NS ns.elsewhere.net."},
			ex: []string{"ns1.sub.example.com. 3600 IN A 203.0.113.77"}}},
		{"glue is not an answer", "ns1.sub.example.com.", dns.TypeA, want{
			ns: []string{"sub.example.com. 3600 IN NS ns1.sub.example.com.", "sub.example.com. 3600 IN NS ns.elsewhere.net."},
			ex: []string{"ns1.sub.example.com. 3600 IN A 203.0.113.77"}}},
		{"DS at the cut is the parent's (NODATA)", "sub.example.com.", dns.TypeDS, want{aa: true, ns: []string{negSOA}}},
		{"zone not served", "www.example.net.", dns.TypeA, want{rcode: dns.RcodeRefused}},
		{"parent of zone not served", "com.", dns.TypeNS, want{rcode: dns.RcodeRefused}},
		{"AXFR refused", "example.com.", dns.TypeAXFR, want{rcode: dns.RcodeRefused}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := s.Respond(nil, query(t, tc.qname, tc.qtype, 1232, false), UDP)
			if err != nil {
				t.Fatal(err)
			}
			m := check(t, resp, tc.want)
			if o := m.IsEdns0(); o == nil || o.UDPSize() != DefaultUDPSize {
				t.Errorf("OPT %v, want one with udp size %d", o, DefaultUDPSize)
			}
		})
	}
}

var bigTXT = func() []string {
	var out []string
	for i := range 6 {
		out = append(out, `big.example.com. 3600 IN TXT "`+string(rune('0'+i))+`123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"`)
	}
	return out
}()

// TestTruncation: an answer too big for 512 bytes sets TC over UDP
// without EDNS0, and comes whole over TCP and over UDP with EDNS0.
func TestTruncation(t *testing.T) {
	s := loadTestZone(t)
	resp, _ := s.Respond(nil, query(t, "big.example.com.", dns.TypeTXT, 0, true), UDP)
	if len(resp) > 512 {
		t.Errorf("UDP answer is %d bytes, over 512", len(resp))
	}
	m := check(t, resp, want{aa: true, tc: true})
	if len(m.Question) != 1 || m.IsEdns0() != nil || !m.RecursionDesired {
		t.Errorf("truncated answer lost its question or grew an OPT: %v", m)
	}
	resp, _ = s.Respond(nil, query(t, "big.example.com.", dns.TypeTXT, 0, true), TCP)
	if len(resp) <= 512 {
		t.Errorf("TCP answer is %d bytes", len(resp))
	}
	check(t, resp, want{aa: true, ans: bigTXT})
	resp, _ = s.Respond(nil, query(t, "big.example.com.", dns.TypeTXT, 1232, true), UDP)
	check(t, resp, want{aa: true, ans: bigTXT})
	// A client asking for less than 512 gets 512 (RFC 6891 6.2.5).
	resp, _ = s.Respond(nil, query(t, "big.example.com.", dns.TypeTXT, 100, true), UDP)
	check(t, resp, want{aa: true, tc: true})
}

// TestOptionalAdditionalDropped: when only the optional additional
// records overflow, they go and TC stays clear (RFC 2181 section 9).
func TestOptionalAdditionalDropped(t *testing.T) {
	var b strings.Builder
	b.WriteString("@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n")
	for i := range 20 {
		b.WriteString("@ MX 10 mx" + string(rune('a'+i)) + "\n")
		b.WriteString("mx" + string(rune('a'+i)) + " AAAA 2001:db8::1\n")
	}
	z, err := ParseZoneString(b.String(), "example.org.", "t.zone")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := NewServer(z)
	resp, _ := s.Respond(nil, query(t, "example.org.", dns.TypeMX, 0, false), UDP)
	var m dns.Msg
	if err := m.Unpack(resp); err != nil {
		t.Fatal(err)
	}
	if m.Truncated || len(m.Answer) != 20 || len(m.Extra) != 0 || len(resp) > 512 {
		t.Errorf("tc=%v answers=%d extra=%d size=%d", m.Truncated, len(m.Answer), len(m.Extra), len(resp))
	}
}

// TestMessageErrors covers what is not a normal query.
func TestMessageErrors(t *testing.T) {
	s := loadTestZone(t)
	if _, err := s.Respond(nil, []byte{1, 2, 3}, UDP); err != ErrDrop {
		t.Errorf("short message: err %v, want ErrDrop", err)
	}
	q := query(t, "www.example.com.", dns.TypeA, 0, false)
	r := slices.Clone(q)
	r[2] |= 0x80
	if _, err := s.Respond(nil, r, UDP); err != ErrDrop {
		t.Errorf("a response: err %v, want ErrDrop", err)
	}
	garbage := append(slices.Clone(q[:12]), 0xc0, 0x0c) // a pointer to itself
	resp, err := s.Respond(nil, garbage, UDP)
	if err != nil {
		t.Fatal(err)
	}
	check(t, resp, want{rcode: dns.RcodeFormatError})

	m := new(dns.Msg)
	m.SetQuestion("www.example.com.", dns.TypeA)
	m.Id, m.Opcode = 4242, dns.OpcodeStatus
	b, _ := m.Pack()
	resp, _ = s.Respond(nil, b, UDP)
	check(t, resp, want{rcode: dns.RcodeNotImplemented})

	m.Opcode = dns.OpcodeQuery
	m.SetEdns0(1232, false)
	m.IsEdns0().SetVersion(1)
	b, _ = m.Pack()
	resp, _ = s.Respond(nil, b, UDP)
	got := check(t, resp, want{rcode: dns.RcodeBadVers})
	if got.IsEdns0() == nil {
		t.Error("BADVERS without OPT")
	}

	m = new(dns.Msg)
	m.Id = 4242
	m.Question = []dns.Question{{Name: "a.example.com.", Qtype: dns.TypeA, Qclass: dns.ClassINET}, {Name: "b.example.com.", Qtype: dns.TypeA, Qclass: dns.ClassINET}}
	b, _ = m.Pack()
	resp, _ = s.Respond(nil, b, UDP)
	check(t, resp, want{rcode: dns.RcodeFormatError})
}

// TestZoneErrors: mistakes in zone files come as file:line:col: message.
func TestZoneErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nwww A 300.1.1.1\n", "bad.zone:3:7: bad A A (at \"300.1.1.1\")"},
		{"@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nwww BOGUS 1.2.3.4\n", "bad.zone:3:5:"},
		{"@ NS ns1\n", "bad.zone: no SOA record at the apex example.org."},
		{"@ SOA ns1 h 1 2 3 4 5\n", "bad.zone: no NS records at the apex example.org."},
		{"@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nwww.example.net. A 1.2.3.4\n", "bad.zone: www.example.net. A is outside the zone example.org."},
		{"@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nw CNAME x\nw A 1.2.3.4\n", "bad.zone: w.example.org. has a CNAME and other data"},
		{"$INCLUDE /etc/passwd\n", "bad.zone:1:"},
		{"@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nwww  MX x y\n", "bad.zone:3:9: bad MX Pref (at \"x\")"},
		{"@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nwww A 1.2.3.4 extra\n", "bad.zone:3:15: garbage after rdata (at \"extra\")"},
	}
	for _, tc := range tests {
		_, err := ParseZoneString(tc.text, "example.org.", "bad.zone")
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q:\n got  %v\n want %s...", tc.text, err, tc.want)
		}
	}
}

// TestShippedZonesLoad keeps the testdata zone loadable.
func TestShippedZonesLoad(t *testing.T) {
	if _, err := os.Stat("testdata/example.com.zone"); err != nil {
		t.Fatal(err)
	}
	loadTestZone(t)
}
