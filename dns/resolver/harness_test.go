package resolver

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/dns/auth"
	"github.com/hopsnet/hops/sim"
	"github.com/miekg/dns"
)

// testNet is a world of authoritative servers (dns/auth engines) by
// address, a resolver, and a virtual clock: the conversation-style
// harness. Every answer takes delay to come back; a dead address never
// answers.
type testNet struct {
	t       testing.TB
	r       *Resolver
	now     sim.Time
	servers map[netip.Addr]*auth.Server
	delay   map[netip.Addr]time.Duration
	dead    map[netip.Addr]bool
	// tamper, when set, may change or add to an answer before it arrives
	// (a spoofer racing the server): it returns the datagrams to deliver.
	tamper  func(q Query, resp []byte) [][]byte
	pending []arrival
	sent    []Query // every query sent, in order
}

type arrival struct {
	at   sim.Time
	tx   TxID
	from netip.Addr
	msg  []byte
}

// zoneSpec is one zone in zone-file syntax served at addrs.
type zoneSpec struct {
	origin string
	text   string
	addrs  []string
}

func newTestNet(t testing.TB, cfg Config, zones ...zoneSpec) *testNet {
	t.Helper()
	byAddr := map[netip.Addr][]*auth.Zone{}
	var order []netip.Addr
	for _, zs := range zones {
		z, err := auth.ParseZoneString(zs.text, zs.origin, zs.origin+"zone")
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range zs.addrs {
			ad := netip.MustParseAddr(a)
			if byAddr[ad] == nil {
				order = append(order, ad)
			}
			byAddr[ad] = append(byAddr[ad], z)
		}
	}
	n := &testNet{t: t, servers: map[netip.Addr]*auth.Server{}, delay: map[netip.Addr]time.Duration{},
		dead: map[netip.Addr]bool{}}
	for _, a := range order {
		s, err := auth.NewServer(byAddr[a]...)
		if err != nil {
			t.Fatal(err)
		}
		n.servers[a] = s
	}
	if cfg.Roots == nil {
		cfg.Roots = []Hint{{"a.root-servers.net.", netip.MustParseAddr("192.0.2.1")}}
	}
	if cfg.Rand == nil {
		cfg.Rand = sim.NewRand(1, "resolver")
	}
	n.r = New(cfg)
	return n
}

// pump sends the engine's queries to the servers.
func (n *testNet) pump() {
	for _, q := range n.r.AppendQueries(nil) {
		if q.Forget {
			continue
		}
		n.sent = append(n.sent, q)
		s := n.servers[q.Server]
		if s == nil || n.dead[q.Server] {
			continue
		}
		tr := auth.UDP
		if q.TCP {
			tr = auth.TCP
		}
		resp, err := s.Respond(nil, q.Msg, tr)
		if err != nil {
			continue
		}
		d := n.delay[q.Server]
		if d == 0 {
			d = 10 * time.Millisecond
		}
		msgs := [][]byte{resp}
		if n.tamper != nil {
			msgs = n.tamper(q, resp)
		}
		for i, m := range msgs {
			n.pending = append(n.pending, arrival{at: n.now.Add(d + time.Duration(i)), tx: q.Tx, from: q.Server, msg: m})
		}
	}
}

// run drives the engine until a result comes out (or a bound is hit).
func (n *testNet) run() Result {
	n.t.Helper()
	for i := 0; i < 10000; i++ {
		n.pump()
		if res := n.r.AppendResults(nil); len(res) > 0 {
			return res[0]
		}
		next, ok := n.r.NextDeadline()
		idx := -1
		for j, a := range n.pending {
			if a.at < next || (!ok && idx < 0) {
				if idx < 0 || a.at < n.pending[idx].at {
					idx = j
				}
			}
		}
		if idx >= 0 && (!ok || n.pending[idx].at <= next) {
			a := n.pending[idx]
			n.pending = append(n.pending[:idx], n.pending[idx+1:]...)
			n.now = max(n.now, a.at)
			n.r.HandleResponse(n.now, a.tx, a.from, a.msg)
			continue
		}
		if !ok {
			n.t.Fatal("resolver is stuck: no query in flight and no result")
		}
		n.now = next
		n.r.HandleTimers(n.now)
	}
	n.t.Fatal("no result after 10000 steps")
	return Result{}
}

// resolve asks the engine name and type and waits for the answer.
func (n *testNet) resolve(name string, qtype uint16) Result {
	n.t.Helper()
	n.r.Resolve(n.now, name, qtype)
	return n.run()
}

// ask sends a client query (RD set, EDNS0 with size) and waits.
func (n *testNet) ask(name string, qtype uint16, size uint16) Result {
	n.t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.Id = 4242
	if size > 0 {
		m.SetEdns0(size, false)
	}
	b, _ := m.Pack()
	if _, err := n.r.HandleQuery(n.now, 7, false, b); err != nil {
		n.t.Fatal(err)
	}
	return n.run()
}

// sentSince lists the queries sent from index i on as "server name TYPE".
func (n *testNet) sentSince(i int) []string {
	var out []string
	for _, q := range n.sent[i:] {
		var m dns.Msg
		m.Unpack(q.Msg)
		s := q.Server.String() + " " + m.Question[0].Name + " " + dns.Type(m.Question[0].Qtype).String()
		if q.TCP {
			s += " tcp"
		}
		out = append(out, s)
	}
	return out
}

// answer is the answer section, one record a line.
func answer(res Result) string {
	var lines []string
	for _, rr := range res.Msg.Answer {
		lines = append(lines, strings.ReplaceAll(rr.String(), "\t", " "))
	}
	return strings.Join(lines, "\n")
}

// ede is the extended error's text, or "".
func ede(res Result) string {
	if o := res.Msg.IsEdns0(); o != nil {
		for _, op := range o.Option {
			if e, ok := op.(*dns.EDNS0_EDE); ok {
				return dns.ExtendedErrorCodeToString[e.InfoCode] + ": " + e.ExtraText
			}
		}
	}
	return ""
}

// The test world: a root, com. and net. on one TLD server, example.com
// on two servers (192.0.2.53 and 198.51.100.53), and example.net,
// delegated without glue to ns1.example.com.
var (
	rootZone = zoneSpec{".", `
$TTL 86400
. IN SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400
. 518400 IN NS a.root-servers.net.
a.root-servers.net. IN A 192.0.2.1
com. 172800 IN NS a.gtld-servers.net.
net. 172800 IN NS a.gtld-servers.net.
org. 172800 IN NS a.gtld-servers.net.
a.gtld-servers.net. IN A 192.0.2.9
`, []string{"192.0.2.1"}}
	comZone = zoneSpec{"com.", `
$TTL 86400
@ IN SOA a.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 900
@ 172800 IN NS a.gtld-servers.net.
example 172800 IN NS ns1.example.com.
example 172800 IN NS ns2.example.com.
ns1.example 172800 IN A 203.0.113.53
ns2.example 172800 IN A 198.51.100.53
`, []string{"192.0.2.9"}}
	netZone = zoneSpec{"net.", `
$TTL 86400
@ IN SOA a.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 900
@ 172800 IN NS a.gtld-servers.net.
example 172800 IN NS ns1.example.com.
a.gtld-servers 172800 IN A 192.0.2.9
a.root-servers 172800 IN A 192.0.2.1
`, []string{"192.0.2.9"}}
	exampleCom = zoneSpec{"example.com.", `
$TTL 3600
@ IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
@ IN NS ns1.example.com.
@ IN NS ns2.example.com.
ns1 IN A 203.0.113.53
ns2 IN A 198.51.100.53
www 300 IN A 203.0.113.10
web IN CNAME www
alias IN CNAME www.example.net.
loop1 IN CNAME loop2.example.net.
*.wild IN A 203.0.113.99
`, []string{"203.0.113.53", "198.51.100.53"}}
	exampleNet = zoneSpec{"example.net.", `
$TTL 3600
@ IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 60
@ IN NS ns1.example.com.
www IN CNAME www.example.com.
loop2 IN CNAME loop1.example.com.
`, []string{"203.0.113.53"}}
)

func defaultZones() []zoneSpec { return []zoneSpec{rootZone, comZone, netZone, exampleCom, exampleNet} }
