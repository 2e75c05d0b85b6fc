package dnsserver_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/dns/auth"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/world"
	"github.com/miekg/dns"
)

func defaultWorld(t testing.TB) *world.World {
	t.Helper()
	w, err := world.FromYAML("default.yaml", world.DefaultYAML(), 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.NameServers) != 4 {
		t.Fatalf("the default world runs %d name servers, want 4", len(w.NameServers))
	}
	if err := w.Settle(); err != nil { // the laptop's address comes by DHCP
		t.Fatal(err)
	}
	return w
}

func ask(t *testing.T, w *world.World, server string, cfg dnsserver.ExchangeConfig, name string, qtype uint16, edns bool) (dnsserver.Reply, *dns.Msg) {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.Id = 7
	if edns {
		q.SetEdns0(1232, false)
	}
	b, _ := q.Pack()
	cfg.Server = netip.AddrPortFrom(w.Node(server).Addr(), 53)
	var got *dnsserver.Reply
	dnsserver.Exchange(w.Node("laptop"), cfg, b, func(r dnsserver.Reply) { got = &r })
	for got == nil && w.Kernel.Step() {
	}
	if got == nil {
		t.Fatal("exchange never finished")
	}
	if got.Err != nil {
		return *got, nil
	}
	var m dns.Msg
	if err := m.Unpack(got.Msg); err != nil {
		t.Fatal(err)
	}
	return *got, &m
}

// TestDefaultWorldDelegation follows www.example.com from the root down
// over the simulated network.
func TestDefaultWorldDelegation(t *testing.T) {
	w := defaultWorld(t)
	_, m := ask(t, w, "a.root-servers.net", dnsserver.ExchangeConfig{}, "www.example.com.", dns.TypeA, true)
	if m.Authoritative || len(m.Answer) != 0 || len(m.Ns) != 1 || m.Ns[0].(*dns.NS).Ns != "a.gtld-servers.net." {
		t.Errorf("root: %v", m)
	}
	_, m = ask(t, w, "a.gtld-servers.net", dnsserver.ExchangeConfig{}, "www.example.com.", dns.TypeA, true)
	if m.Authoritative || len(m.Ns) != 2 || len(m.Extra) != 3 || m.Extra[0].(*dns.A).A.String() != "203.0.113.53" {
		t.Errorf("com: %v", m)
	}
	r, m := ask(t, w, "ns1.example.com", dnsserver.ExchangeConfig{}, "www.example.com.", dns.TypeA, true)
	if !m.Authoritative || len(m.Answer) != 1 || m.Answer[0].(*dns.A).A.String() != "203.0.113.10" {
		t.Errorf("example.com: %v", m)
	}
	if r.TCP || r.Tries != 1 || r.RTT <= 0 {
		t.Errorf("reply %+v", r)
	}
	_, m = ask(t, w, "ns1.example.com", dnsserver.ExchangeConfig{TCP: true}, "www.example.com.", dns.TypeA, true)
	if !m.Authoritative || len(m.Answer) != 1 {
		t.Errorf("over TCP: %v", m)
	}
}

// TestTruncatedRetriedOverTCP: a UDP answer over 512 bytes comes with TC,
// and the exchange asks again over TCP and gets it whole.
func TestTruncatedRetriedOverTCP(t *testing.T) {
	w, err := world.FromYAML("default.yaml", world.DefaultYAML(), 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Settle(); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 203.0.113.53\n")
	for i := range 40 {
		b.WriteString("big TXT \"" + strings.Repeat(string(rune('a'+i%26)), 60) + "\"\n")
	}
	z, err := auth.ParseZoneString(b.String(), "example.com.", "big.zone")
	if err != nil {
		t.Fatal(err)
	}
	eng, _ := auth.NewServer(z)
	for _, s := range w.NameServers { // make room on ns1 for this zone
		if s.Node() == w.Node("ns1.example.com") {
			s.Close()
		}
	}
	srv, err := dnsserver.Start(w.Node("ns1.example.com"), eng)
	if err != nil {
		t.Fatal(err)
	}
	before := w.Node("laptop").Open() // the DHCP client's socket and timer
	r, m := ask(t, w, "ns1.example.com", dnsserver.ExchangeConfig{}, "big.example.com.", dns.TypeTXT, false)
	w.Kernel.RunUntil(w.Kernel.Now().Add(2 * time.Minute)) // past TIME-WAIT
	if r.Err != nil || !r.Truncated || !r.TCP || m.Truncated || len(m.Answer) != 40 {
		t.Fatalf("reply %+v, msg truncated=%v answers=%d", r, m != nil && m.Truncated, len(m.Answer))
	}
	st := srv.Stats()
	if st.UDPQueries != 1 || st.TCPQueries != 1 || st.TCPConns != 1 || st.Responses != 2 {
		t.Errorf("stats %+v", st)
	}
	if h := w.Node("laptop").Open(); h.UDPSockets != before.UDPSockets || h.TCPConns != 0 {
		t.Errorf("the exchange left sockets open: %+v", h)
	}
}

// TestNoServer: a query to a node with no DNS server ends with the ICMP
// port unreachable error, at once.
func TestNoServer(t *testing.T) {
	w := defaultWorld(t)
	r, _ := ask(t, w, "www.example.com", dnsserver.ExchangeConfig{}, "www.example.com.", dns.TypeA, true)
	if !errors.Is(r.Err, node.ErrConnRefused) || r.Tries != 1 {
		t.Errorf("reply %+v, want connection refused after one try", r)
	}
}
