package dnsjudge

import (
	"fmt"

	"github.com/miekg/dns"
)

// The server sets, by name (see serverSets).
const (
	root  = "a.root-servers.net" // root.zone
	tld   = "a.gtld-servers.net" // com.zone and net.zone
	world = "ns1.example.com"    // app/dnsserver's example.com.zone
	test  = "test"               // dns/auth/testdata/example.com.zone and testdata/example.org.zone
)

// A qcase is one query of the table, asked of hops and of Knot.
type qcase struct {
	Name   string
	Server string
	QName  string
	QType  uint16
	QClass uint16 // 0: IN
	RD, CD bool
	EDNS   uint16 // the OPT's UDP size; 0: no OPT record
	DO     bool
	Vers   uint8 // EDNS version
	Opcode int
	TCP    bool
	// WantTC: the answer does not fit, so both must set TC.
	WantTC bool
	// Edit changes the message after it is built (malformed queries).
	Edit func(m *dns.Msg)
	// Diff names the one way hops and Knot differ on purpose; nil: they
	// must agree in everything compare looks at.
	Diff *difference
}

// A difference is a named, explained way hops and Knot answer a query
// differently on purpose (or, for a Bug, a way hops is wrong that the
// judge found and dns/auth's owner is told about). Mask checks that the
// two responses differ exactly that way and removes the difference from
// both; what is left must be equal. KnotSilent: Knot sends no answer at
// all, and Mask gets k == nil.
type difference struct {
	Name       string
	Why        string
	Bug        bool
	KnotSilent bool
	Mask       func(h, k *dns.Msg) error
}

func (c qcase) net() string {
	if c.TCP {
		return "TCP"
	}
	return "UDP"
}

func (c qcase) describe() string {
	s := fmt.Sprintf("%s %s", c.QName, dns.Type(c.QType))
	if c.QClass != 0 && c.QClass != dns.ClassINET {
		s += " " + dns.Class(c.QClass).String()
	}
	if c.EDNS != 0 {
		s += fmt.Sprintf(" +edns=%d/%d", c.Vers, c.EDNS)
	}
	return s + " @" + c.Server
}

// query packs the case's query with id.
func (c qcase) query(id uint16) []byte {
	m := new(dns.Msg)
	m.Id = id
	m.Opcode = c.Opcode
	m.RecursionDesired = c.RD
	m.CheckingDisabled = c.CD
	cl := c.QClass
	if cl == 0 {
		cl = dns.ClassINET
	}
	m.Question = []dns.Question{{Name: c.QName, Qtype: c.QType, Qclass: cl}}
	if c.EDNS != 0 {
		m.SetEdns0(c.EDNS, c.DO)
		m.IsEdns0().SetVersion(c.Vers)
	}
	if c.Edit != nil {
		c.Edit(m)
	}
	b, err := m.Pack()
	if err != nil {
		panic(fmt.Sprintf("case %s: %v", c.Name, err))
	}
	return b
}

// table is the query table.
var table = []qcase{
	// The root zone: answers at the apex, referrals to com. and net.
	{Name: "root/soa", Server: root, QName: ".", QType: dns.TypeSOA},
	{Name: "root/ns", Server: root, QName: ".", QType: dns.TypeNS, EDNS: 1232},
	{Name: "root/referral-com", Server: root, QName: "com.", QType: dns.TypeNS},
	{Name: "root/referral-www", Server: root, QName: "www.example.com.", QType: dns.TypeA, RD: true},
	{Name: "root/referral-glue-below-cut", Server: root, QName: "a.root-servers.net.", QType: dns.TypeA, EDNS: 1232},
	{Name: "root/nxdomain", Server: root, QName: "nosuchtld.", QType: dns.TypeA},
	{Name: "root/ds-at-cut", Server: root, QName: "com.", QType: dns.TypeDS, EDNS: 1232},
	{Name: "root/nodata-apex", Server: root, QName: ".", QType: dns.TypeMX},
	{Name: "root/tcp-soa", Server: root, QName: ".", QType: dns.TypeSOA, TCP: true},

	// com. and net. on one server, as in the default world.
	{Name: "tld/referral-example", Server: tld, QName: "example.com.", QType: dns.TypeNS},
	{Name: "tld/referral-www", Server: tld, QName: "www.example.com.", QType: dns.TypeA, EDNS: 1232},
	{Name: "tld/referral-ns1", Server: tld, QName: "ns1.example.com.", QType: dns.TypeA},
	{Name: "tld/com-soa", Server: tld, QName: "com.", QType: dns.TypeSOA},
	{Name: "tld/com-ns", Server: tld, QName: "com.", QType: dns.TypeNS},
	{Name: "tld/net-ns", Server: tld, QName: "net.", QType: dns.TypeNS},
	{Name: "tld/gtld-a", Server: tld, QName: "a.gtld-servers.net.", QType: dns.TypeA},
	{Name: "tld/root-server-aaaa-nodata", Server: tld, QName: "a.root-servers.net.", QType: dns.TypeAAAA},
	{Name: "tld/ent-nodata", Server: tld, QName: "gtld-servers.net.", QType: dns.TypeA},
	{Name: "tld/nxdomain-com", Server: tld, QName: "nosuch.com.", QType: dns.TypeA},
	{Name: "tld/nxdomain-net", Server: tld, QName: "example.net.", QType: dns.TypeA, EDNS: 4096},
	{Name: "tld/org-referral", Server: tld, QName: "example.org.", QType: dns.TypeA},
	{Name: "tld/refused-info", Server: tld, QName: "example.info.", QType: dns.TypeA},

	// The default world's example.com.
	{Name: "world/apex-a", Server: world, QName: "example.com.", QType: dns.TypeA},
	{Name: "world/apex-mx", Server: world, QName: "example.com.", QType: dns.TypeMX},
	{Name: "world/apex-txt", Server: world, QName: "example.com.", QType: dns.TypeTXT},
	{Name: "world/apex-ns", Server: world, QName: "example.com.", QType: dns.TypeNS},
	{Name: "world/apex-soa", Server: world, QName: "example.com.", QType: dns.TypeSOA, EDNS: 1232},
	{Name: "world/www", Server: world, QName: "www.example.com.", QType: dns.TypeA, RD: true},
	{Name: "world/www-mixed-case", Server: world, QName: "wWw.ExAmPlE.cOm.", QType: dns.TypeA},
	{Name: "world/cname", Server: world, QName: "web.example.com.", QType: dns.TypeA},
	{Name: "world/cname-qtype-cname", Server: world, QName: "web.example.com.", QType: dns.TypeCNAME},
	{Name: "world/nodata-aaaa", Server: world, QName: "api.example.com.", QType: dns.TypeAAAA},
	{Name: "world/nxdomain", Server: world, QName: "nosuch.example.com.", QType: dns.TypeA, EDNS: 1232},
	{Name: "world/refused-other-zone", Server: world, QName: "www.example.net.", QType: dns.TypeA},
	{Name: "world/tcp-www", Server: world, QName: "www.example.com.", QType: dns.TypeA, TCP: true},

	// dns/auth's test zone.
	{Name: "test/www-a", Server: test, QName: "www.example.com.", QType: dns.TypeA},
	{Name: "test/www-aaaa", Server: test, QName: "www.example.com.", QType: dns.TypeAAAA},
	{Name: "test/mail-aaaa", Server: test, QName: "mail.example.com.", QType: dns.TypeAAAA},
	{Name: "test/apex-mx", Server: test, QName: "example.com.", QType: dns.TypeMX, EDNS: 1232},
	{Name: "test/apex-ns", Server: test, QName: "example.com.", QType: dns.TypeNS},
	{Name: "test/txt", Server: test, QName: "txt.example.com.", QType: dns.TypeTXT},
	{Name: "test/ptr", Server: test, QName: "ptr.example.com.", QType: dns.TypePTR},
	{Name: "test/cname", Server: test, QName: "alias.example.com.", QType: dns.TypeA},
	{Name: "test/cname-chain", Server: test, QName: "chain1.example.com.", QType: dns.TypeA},
	{Name: "test/cname-chain-aaaa", Server: test, QName: "chain1.example.com.", QType: dns.TypeAAAA, TCP: true},
	{Name: "test/cname-chain-nodata", Server: test, QName: "chain1.example.com.", QType: dns.TypeMX},
	{Name: "test/cname-dangling", Server: test, QName: "dangling.example.com.", QType: dns.TypeA},
	{Name: "test/cname-outside", Server: test, QName: "outside.example.com.", QType: dns.TypeA},
	{Name: "test/cname-loop", Server: test, QName: "loop1.example.com.", QType: dns.TypeA},
	{Name: "test/wildcard-a", Server: test, QName: "x.wild.example.com.", QType: dns.TypeA},
	{Name: "test/wildcard-txt", Server: test, QName: "x.wild.example.com.", QType: dns.TypeTXT},
	{Name: "test/wildcard-nodata", Server: test, QName: "x.wild.example.com.", QType: dns.TypeMX},
	{Name: "test/wildcard-two-labels", Server: test, QName: "y.x.wild.example.com.", QType: dns.TypeA},
	{Name: "test/wildcard-literal", Server: test, QName: "*.wild.example.com.", QType: dns.TypeA},
	{Name: "test/wildcard-beside-exact", Server: test, QName: "a.b.wild.example.com.", QType: dns.TypeA},
	{Name: "test/wildcard-blocked-by-ent", Server: test, QName: "c.b.wild.example.com.", QType: dns.TypeA},
	{Name: "test/ent-under-wildcard", Server: test, QName: "b.wild.example.com.", QType: dns.TypeA},
	{Name: "test/wildcard-cname", Server: test, QName: "foo.cn.example.com.", QType: dns.TypeA},
	{Name: "test/wildcard-cname-qtype-cname", Server: test, QName: "foo.cn.example.com.", QType: dns.TypeCNAME},
	{Name: "test/ent", Server: test, QName: "a.b.example.com.", QType: dns.TypeA},
	{Name: "test/deep", Server: test, QName: "deep.a.b.example.com.", QType: dns.TypeA},
	{Name: "test/referral", Server: test, QName: "www.sub.example.com.", QType: dns.TypeA},
	{Name: "test/referral-at-cut", Server: test, QName: "sub.example.com.", QType: dns.TypeNS, EDNS: 1232},
	{Name: "test/ds-at-cut", Server: test, QName: "sub.example.com.", QType: dns.TypeDS},
	{Name: "test/ds-below-cut", Server: test, QName: "x.sub.example.com.", QType: dns.TypeDS},
	{Name: "test/unknown-type", Server: test, QName: "www.example.com.", QType: 65280},
	{Name: "test/nxdomain", Server: test, QName: "nosuch.example.com.", QType: dns.TypeAAAA, TCP: true},
	{Name: "test/big-udp-no-edns", Server: test, QName: "big.example.com.", QType: dns.TypeTXT, WantTC: true},
	{Name: "test/big-udp-edns-512", Server: test, QName: "big.example.com.", QType: dns.TypeTXT, EDNS: 512, WantTC: true},
	{Name: "test/big-udp-edns-tiny", Server: test, QName: "big.example.com.", QType: dns.TypeTXT, EDNS: 100, WantTC: true},
	{Name: "test/big-udp-edns-1232", Server: test, QName: "big.example.com.", QType: dns.TypeTXT, EDNS: 1232},
	{Name: "test/big-tcp", Server: test, QName: "big.example.com.", QType: dns.TypeTXT, TCP: true},
	{Name: "test/rd-echoed", Server: test, QName: "www.example.com.", QType: dns.TypeA, RD: true},
	{Name: "test/cd-echoed", Server: test, QName: "www.example.com.", QType: dns.TypeA, RD: true, CD: true, Diff: cdCopied},
	{Name: "test/do-bit", Server: test, QName: "www.example.com.", QType: dns.TypeA, EDNS: 1232, DO: true},
	{Name: "test/do-bit-nxdomain", Server: test, QName: "nosuch.example.com.", QType: dns.TypeA, EDNS: 1232, DO: true, TCP: true},
	{Name: "test/badvers", Server: test, QName: "www.example.com.", QType: dns.TypeA, EDNS: 1232, Vers: 1},
	{Name: "test/class-chaos", Server: test, QName: "version.bind.", QType: dns.TypeTXT, QClass: dns.ClassCHAOS, Diff: chaosIdentity},
	{Name: "test/opcode-status", Server: test, QName: "www.example.com.", QType: dns.TypeA, Opcode: dns.OpcodeStatus},
	{Name: "test/no-question", Server: test, QName: "www.example.com.", QType: dns.TypeA,
		Edit: func(m *dns.Msg) { m.Question = nil }},
	{Name: "test/two-questions", Server: test, QName: "www.example.com.", QType: dns.TypeA,
		Edit: func(m *dns.Msg) { m.Question = append(m.Question, m.Question[0]) }, Diff: twoQuestions},
	{Name: "test/opcode-notify", Server: test, QName: "example.com.", QType: dns.TypeSOA, Opcode: dns.OpcodeNotify, Diff: notifyRefused},
	{Name: "test/axfr-tcp", Server: test, QName: "example.com.", QType: dns.TypeAXFR, TCP: true, Diff: axfrRefused},
	{Name: "test/axfr-udp", Server: test, QName: "example.com.", QType: dns.TypeAXFR, Diff: axfrUDP},
	{Name: "test/any-tcp", Server: test, QName: "www.example.com.", QType: dns.TypeANY, TCP: true, Diff: anyInFull},
	{Name: "test/any-udp", Server: test, QName: "example.com.", QType: dns.TypeANY, Diff: anyInFull},
	{Name: "test/wildcard-mixed-case", Server: test, QName: "X.Wild.Example.COM.", QType: dns.TypeA},

	// example.org, written for the judge.
	{Name: "org/apex-ns", Server: test, QName: "example.org.", QType: dns.TypeNS},
	{Name: "org/apex-mx", Server: test, QName: "example.org.", QType: dns.TypeMX},
	{Name: "org/rrset-of-three", Server: test, QName: "host.example.org.", QType: dns.TypeA},
	{Name: "org/mx-in-and-out", Server: test, QName: "mx.example.org.", QType: dns.TypeMX},
	{Name: "org/srv-in-zone", Server: test, QName: "_sip._tcp.example.org.", QType: dns.TypeSRV},
	{Name: "org/srv-out-of-zone", Server: test, QName: "_sip._udp.example.org.", QType: dns.TypeSRV},
	{Name: "org/apex-wildcard", Server: test, QName: "anything.example.org.", QType: dns.TypeA},
	{Name: "org/apex-wildcard-txt", Server: test, QName: "anything.example.org.", QType: dns.TypeTXT},
	{Name: "org/apex-wildcard-nodata", Server: test, QName: "anything.example.org.", QType: dns.TypeAAAA},
	{Name: "org/ent-blocks-wildcard", Server: test, QName: "q.z.example.org.", QType: dns.TypeA},
	{Name: "org/ent-nodata", Server: test, QName: "y.z.example.org.", QType: dns.TypeA},
	{Name: "org/negative-ttl", Server: test, QName: "ns1.example.org.", QType: dns.TypeMX},
	{Name: "org/referral-glue-and-sibling", Server: test, QName: "www.child.example.org.", QType: dns.TypeA},
	{Name: "org/referral-glueless", Server: test, QName: "glueless.example.org.", QType: dns.TypeA},
	{Name: "org/cname-into-delegation", Server: test, QName: "toref.example.org.", QType: dns.TypeA},
	{Name: "org/cname-to-wildcard-cname", Server: test, QName: "towild.example.org.", QType: dns.TypeA},
	{Name: "org/many-udp-1232", Server: test, QName: "many.example.org.", QType: dns.TypeTXT, EDNS: 1232, WantTC: true},
	{Name: "org/many-udp-4096", Server: test, QName: "many.example.org.", QType: dns.TypeTXT, EDNS: 4096},
	{Name: "org/many-tcp", Server: test, QName: "many.example.org.", QType: dns.TypeTXT, TCP: true},
	{Name: "org/ns-additional-truncated", Server: test, QName: "example.org.", QType: dns.TypeNS, EDNS: 512},
}
