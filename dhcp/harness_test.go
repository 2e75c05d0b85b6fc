package dhcp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

var (
	srvAddr = netip.MustParseAddr("192.168.1.1")
	homeNet = netip.MustParsePrefix("192.168.1.0/24")
	dnsAddr = netip.MustParseAddr("192.0.2.53")
)

func testServer(t testing.TB, mod func(*ServerConfig)) *Server {
	t.Helper()
	cfg := ServerConfig{ServerID: srvAddr, Subnet: homeNet,
		PoolStart: netip.MustParseAddr("192.168.1.100"), PoolEnd: netip.MustParseAddr("192.168.1.199"),
		Router: []netip.Addr{srvAddr}, DNS: []netip.Addr{dnsAddr}, LeaseTime: time.Hour, Authoritative: true}
	if mod != nil {
		mod(&cfg)
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func hw(i byte) [6]byte { return [6]byte{0x02, 0x68, 0x6f, 0x70, 0x73, i} }

func testClient(i byte, seed uint64) *Client {
	return NewClient(ClientConfig{HW: hw(i), Hostname: "laptop"}, sim.NewRand(seed, "dhcp-client"))
}

// logged is one datagram seen on the simulated LAN.
type logged struct {
	at   sim.Time
	from string // "server" or "client"
	d    Datagram
	m    Message
}

// lan joins clients and a server on one broadcast segment in memory.
type lan struct {
	t       *testing.T
	now     sim.Time
	srv     *Server
	up      bool // the server answers
	clients []*Client
	log     []logged
	events  []Event
}

func newLAN(t *testing.T, srv *Server, clients ...*Client) *lan {
	return &lan{t: t, srv: srv, up: true, clients: clients}
}

func (l *lan) record(from string, d Datagram) {
	m, err := ParseMessage(d.Payload)
	if err != nil {
		l.t.Fatalf("%s sent an unparsable message: %v", from, err)
	}
	l.log = append(l.log, logged{l.now, from, d, m})
	judged = append(judged, d.Payload) // for the independent judge
}

// flush delivers datagrams until the LAN is quiet.
func (l *lan) flush() {
	for range 100 {
		var toSrv, toCli []Datagram
		for _, c := range l.clients {
			toSrv = c.Output(toSrv)
			l.events = c.Events(l.events)
		}
		toCli = l.srv.Output(toCli)
		if len(toSrv)+len(toCli) == 0 {
			return
		}
		for _, d := range toSrv {
			l.record("client", d)
			if l.up && d.Dst.Port() == ServerPort && (d.Dst.Addr() == Broadcast || d.Dst.Addr() == srvAddr) {
				l.srv.Handle(l.now, d)
			}
		}
		for _, d := range toCli {
			l.record("server", d)
			for _, c := range l.clients {
				c.Handle(l.now, d)
			}
		}
	}
	l.t.Fatal("LAN never went quiet")
}

// runUntil runs the clients' timers up to and including end.
func (l *lan) runUntil(end sim.Time) {
	l.flush()
	for {
		next := sim.Never
		for _, c := range l.clients {
			next = min(next, c.NextDeadline())
		}
		if next > end {
			l.now = end
			return
		}
		l.now = next
		for _, c := range l.clients {
			c.Advance(l.now)
		}
		l.flush()
	}
}

// types returns the message types logged since index i, in order.
func (l *lan) types(i int) []MessageType {
	var ts []MessageType
	for _, x := range l.log[i:] {
		ts = append(ts, x.m.Type)
	}
	return ts
}

// judged collects every message the engines emit in tests, for
// TestJudgeParsesOurs.
var judged [][]byte

func at(s float64) sim.Time { return sim.Time(s * 1e9) }
