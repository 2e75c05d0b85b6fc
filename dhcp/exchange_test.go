package dhcp

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

var laptopAddr = netip.MustParseAddr("192.168.1.100")

// bound runs a fresh client against srv until it holds a lease.
func bound(t *testing.T, srv *Server) (*lan, *Client) {
	t.Helper()
	c := testClient(1, 7)
	l := newLAN(t, srv, c)
	c.Start(0)
	l.runUntil(at(1))
	if c.State() != BoundState {
		t.Fatalf("state %v after the exchange", c.State())
	}
	return l, c
}

// TestExchange: DISCOVER, OFFER, REQUEST, ACK, with the fields and
// destinations of RFC 2131 section 4.
func TestExchange(t *testing.T) {
	l, c := bound(t, testServer(t, nil))
	if got, want := l.types(0), []MessageType{Discover, Offer, Request, Ack}; !slices.Equal(got, want) {
		t.Fatalf("exchange %v, want %v", got, want)
	}
	d, o, r, a := l.log[0], l.log[1], l.log[2], l.log[3]
	bcast := netip.AddrPortFrom(Broadcast, ServerPort)
	if d.d.Src != netip.MustParseAddrPort("0.0.0.0:68") || d.d.Dst != bcast || r.d.Dst != bcast {
		t.Errorf("client datagrams %v -> %v, request to %v", d.d.Src, d.d.Dst, r.d.Dst)
	}
	if o.d.Dst != netip.AddrPortFrom(laptopAddr, ClientPort) || !o.d.ToHW || o.d.HW != hw(1) {
		t.Errorf("offer to %v (ToHW %v %x), want unicast to chaddr", o.d.Dst, o.d.ToHW, o.d.HW)
	}
	if r.m.ServerID != srvAddr || r.m.RequestedIP != laptopAddr || !r.m.CIAddr.IsUnspecified() {
		t.Errorf("request: server %v, requested %v, ciaddr %v", r.m.ServerID, r.m.RequestedIP, r.m.CIAddr)
	}
	if a.m.YIAddr != laptopAddr || a.m.LeaseSecs != 3600 || a.m.T1Secs != 1800 || a.m.T2Secs != 3150 {
		t.Errorf("ack: %v lease %d T1 %d T2 %d", a.m.YIAddr, a.m.LeaseSecs, a.m.T1Secs, a.m.T2Secs)
	}
	b, ok := c.Binding()
	want := Binding{Addr: laptopAddr, Prefix: netip.MustParsePrefix("192.168.1.100/24"),
		Router: []netip.Addr{srvAddr}, DNS: []netip.Addr{dnsAddr}, Server: srvAddr, LeaseTime: time.Hour,
		T1: at(1800), T2: at(3150), Expires: at(3600)}
	if !ok || b.Addr != want.Addr || b.Prefix != want.Prefix || !slices.Equal(b.Router, want.Router) ||
		!slices.Equal(b.DNS, want.DNS) || b.T1 != want.T1 || b.T2 != want.T2 || b.Expires != want.Expires {
		t.Errorf("binding %+v\nwant %+v", b, want)
	}
	if len(l.events) != 1 || l.events[0].Kind != EvBound {
		t.Errorf("events %+v", l.events)
	}
	ls := l.srv.Leases(at(1))
	if len(ls) != 1 || ls[0].State != Bound || ls[0].Addr != laptopAddr || ls[0].Hostname != "laptop" {
		t.Errorf("server leases %+v", ls)
	}
}

// TestRenewal: at T1 the client renews by unicast to its server and the
// lease moves on by its length.
func TestRenewal(t *testing.T) {
	l, c := bound(t, testServer(t, nil))
	n := len(l.log)
	l.runUntil(at(1800))
	if got := l.types(n); !slices.Equal(got, []MessageType{Request, Ack}) {
		t.Fatalf("at T1: %v", got)
	}
	r := l.log[n]
	if r.at != at(1800) || r.d.Dst != netip.AddrPortFrom(srvAddr, ServerPort) ||
		r.d.Src != netip.AddrPortFrom(laptopAddr, ClientPort) || r.m.CIAddr != laptopAddr ||
		r.m.ServerID.IsValid() || r.m.RequestedIP.IsValid() {
		t.Errorf("renewal %v -> %v at %v: ciaddr %v server %v requested %v", r.d.Src, r.d.Dst, r.at,
			r.m.CIAddr, r.m.ServerID, r.m.RequestedIP)
	}
	if b, _ := c.Binding(); c.State() != BoundState || b.T1 != at(3600) || b.Expires != at(5400) {
		t.Errorf("after renewal: %v T1 %v expires %v", c.State(), b.T1, b.Expires)
	}
	if ev := l.events[len(l.events)-1]; ev.Kind != EvRenewed {
		t.Errorf("event %v", ev.Kind)
	}
}

// TestRebinding: with the server gone, the client retries by unicast
// until T2 (RFC 2131 4.4.5 spacing), then broadcasts; a server that
// answers then extends the lease; none at all lets it expire.
func TestRebinding(t *testing.T) {
	l, c := bound(t, testServer(t, nil))
	l.up = false
	n := len(l.log)
	l.runUntil(at(3149))
	var times []float64
	for _, x := range l.log[n:] {
		if x.d.Dst.Addr() != srvAddr {
			t.Errorf("renewal at %v to %v, want unicast", x.at, x.d.Dst)
		}
		times = append(times, x.at.Seconds())
	}
	if want := []float64{1800, 2475, 2812.5, 2981.25, 3065.625, 3125.625}; !slices.Equal(times, want) {
		t.Errorf("renewals at %v, want %v", times, want)
	}
	if c.State() != Renewing {
		t.Errorf("state %v before T2", c.State())
	}
	l.runUntil(at(3150))
	last := l.log[len(l.log)-1]
	if c.State() != Rebinding || last.at != at(3150) || last.d.Dst.Addr() != Broadcast || last.m.CIAddr != laptopAddr {
		t.Fatalf("at T2: %v, request to %v at %v", c.State(), last.d.Dst, last.at)
	}
	// A server answers the next rebinding broadcast.
	l.up = true
	l.runUntil(at(3600))
	if b, ok := c.Binding(); !ok || c.State() != BoundState || b.Expires <= at(3600) {
		t.Errorf("after rebinding: %v %+v", c.State(), b)
	}
}

func TestLeaseExpiry(t *testing.T) {
	l, c := bound(t, testServer(t, nil))
	l.up = false
	l.runUntil(at(3600))
	if c.State() != Selecting || l.log[len(l.log)-1].m.Type != Discover {
		t.Fatalf("state %v after expiry", c.State())
	}
	if ev := l.events[len(l.events)-1]; ev.Kind != EvExpired || ev.At != at(3600) || ev.Binding.Addr != laptopAddr {
		t.Errorf("event %+v", ev)
	}
}

// TestNakAfterLostLease: a restarted (authoritative) server has lost
// the lease and NAKs the renewal; the client starts over and binds again.
func TestNakAfterLostLease(t *testing.T) {
	l, c := bound(t, testServer(t, nil))
	l.srv = testServer(t, nil) // the router rebooted with an empty table
	n := len(l.log)
	l.runUntil(at(1800))
	want := []MessageType{Request, Nak, Discover, Offer, Request, Ack}
	if got := l.types(n); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if l.log[n+1].d.Dst.Addr() != Broadcast {
		t.Errorf("NAK to %v, want broadcast", l.log[n+1].d.Dst)
	}
	kinds := []EventKind{}
	for _, e := range l.events {
		kinds = append(kinds, e.Kind)
	}
	if !slices.Equal(kinds, []EventKind{EvBound, EvNak, EvBound}) || c.State() != BoundState {
		t.Errorf("events %v, state %v", kinds, c.State())
	}
}

// TestBackoff: with no server, DISCOVERs go out at 4, 8, 16, 32, 64, 64
// s intervals, each within ±1 s (RFC 2131 section 4.1), the same for
// the same seed.
func TestBackoff(t *testing.T) {
	run := func() []sim.Time {
		c := testClient(1, 99)
		l := newLAN(t, testServer(t, nil), c)
		l.up = false
		c.Start(0)
		l.runUntil(at(240))
		var ts []sim.Time
		for _, x := range l.log {
			ts = append(ts, x.at)
		}
		return ts
	}
	ts := run()
	base := []float64{4, 8, 16, 32, 64, 64}
	if len(ts) != 7 {
		t.Fatalf("%d DISCOVERs by 240 s: %v", len(ts), ts)
	}
	for i, b := range base {
		gap := (ts[i+1] - ts[i]).Seconds()
		if gap < b-1 || gap > b+1 || gap == b {
			t.Errorf("retransmission %d after %.3f s, want %v±1 (randomized)", i+1, gap, b)
		}
	}
	if !slices.Equal(ts, run()) {
		t.Error("same seed, different times")
	}
}

// TestRequestGivesUp: REQUESTs unanswered go back to INIT.
func TestRequestGivesUp(t *testing.T) {
	c := testClient(1, 3)
	srv := testServer(t, nil)
	l := newLAN(t, srv, c)
	c.Start(0)
	// Only the DISCOVER reaches the server.
	l.up = true
	c.Advance(0)
	var out []Datagram
	out = c.Output(out)
	srv.Handle(0, out[0])
	for _, d := range srv.Output(nil) {
		c.Handle(0, d)
	}
	l.up = false
	l.runUntil(at(200))
	if got := l.types(0); !slices.Equal(got[:6], []MessageType{Request, Request, Request, Request, Request, Discover}) {
		t.Errorf("got %v", got)
	}
}

func TestReleaseAndReturn(t *testing.T) {
	l, c := bound(t, testServer(t, nil))
	c.Release(at(10))
	l.now = at(10)
	l.flush()
	r := l.log[len(l.log)-1]
	if r.m.Type != Release || r.d.Dst != netip.AddrPortFrom(srvAddr, ServerPort) || r.m.CIAddr != laptopAddr {
		t.Fatalf("release %+v to %v", r.m.Type, r.d.Dst)
	}
	if c.State() != Stopped || len(l.srv.Leases(at(10))) != 0 {
		t.Errorf("state %v, leases %v", c.State(), l.srv.Leases(at(10)))
	}
	// Another client comes, then the laptop again: it gets its old address.
	other := testClient(2, 8)
	l.clients = append(l.clients, other)
	other.Start(at(20))
	c.Start(at(20))
	l.runUntil(at(21))
	b1, _ := c.Binding()
	b2, _ := other.Binding()
	if b1.Addr != laptopAddr || b2.Addr == laptopAddr || !b2.Addr.IsValid() {
		t.Errorf("laptop %v, other %v", b1.Addr, b2.Addr)
	}
}

// TestDecline: the client declines an address in use; the server rests
// it and offers another ten seconds later.
func TestDecline(t *testing.T) {
	l, c := bound(t, testServer(t, nil))
	c.Decline(at(1))
	l.now = at(1)
	l.runUntil(at(12))
	b, ok := c.Binding()
	if !ok || b.Addr == laptopAddr {
		t.Fatalf("after decline bound to %v", b.Addr)
	}
	ls := l.srv.Leases(at(12))
	if len(ls) != 2 || ls[0].Addr != laptopAddr || ls[0].State != Declined {
		t.Errorf("leases %+v", ls)
	}
	if i := slices.IndexFunc(l.log, func(x logged) bool { return x.m.Type == Decline }); i < 0 ||
		l.log[i+1].at != at(11) {
		t.Error("DISCOVER not 10 s after DECLINE")
	}
}

// TestServerRules covers server decisions the exchanges do not reach.
func TestServerRules(t *testing.T) {
	req := func(mod func(*Message)) Datagram {
		m := Message{Op: BootRequest, HType: 1, HLen: 6, XID: 1, Type: Request}
		copy(m.CHAddr[:], []byte{2, 0, 0, 0, 0, 9})
		mod(&m)
		return Datagram{Payload: m.AppendTo(nil)}
	}
	s := testServer(t, func(c *ServerConfig) {
		c.PoolEnd = c.PoolStart // a pool of one
		c.Authoritative = false
	})
	s.Handle(0, req(func(m *Message) { m.Type = Discover }))
	if o := s.Output(nil); len(o) != 1 {
		t.Fatal("no offer")
	}
	// A client choosing another server frees the offer.
	s.Handle(0, req(func(m *Message) { m.ServerID, m.RequestedIP = dnsAddr, laptopAddr }))
	if len(s.Leases(0)) != 0 {
		t.Error("offer kept after the client chose another server")
	}
	// The only address is offered to another client: the pool is exhausted.
	s.Handle(0, req(func(m *Message) { m.Type = Discover }))
	s.Output(nil)
	s.Handle(0, req(func(m *Message) { m.Type = Discover; m.CHAddr[5] = 10 }))
	if o := s.Output(nil); len(o) != 0 {
		t.Error("offer from an exhausted pool")
	}
	// INIT-REBOOT on the wrong network: NAK; unknown lease, not authoritative: silence.
	s.Handle(0, req(func(m *Message) { m.RequestedIP = netip.MustParseAddr("10.0.0.5") }))
	s.Handle(0, req(func(m *Message) { m.RequestedIP = netip.MustParseAddr("192.168.1.150"); m.CHAddr[5] = 11 }))
	o := s.Output(nil)
	if len(o) != 1 {
		t.Fatalf("%d replies, want one NAK", len(o))
	}
	if m, _ := ParseMessage(o[0].Payload); m.Type != Nak || o[0].Dst.Addr() != Broadcast {
		t.Errorf("reply %v to %v", m.Type, o[0].Dst)
	}
	// INFORM: options, no lease, unicast to ciaddr.
	s.Handle(0, req(func(m *Message) { m.Type, m.CIAddr = Inform, netip.MustParseAddr("192.168.1.50") }))
	o = s.Output(nil)
	if m, _ := ParseMessage(o[0].Payload); m.Type != Ack || m.LeaseSecs != 0 || o[0].Dst.Addr().String() != "192.168.1.50" {
		t.Errorf("inform reply %+v to %v", m, o[0].Dst)
	}
	if _, err := NewServer(ServerConfig{ServerID: srvAddr, Subnet: homeNet, PoolStart: dnsAddr, PoolEnd: dnsAddr}); err == nil {
		t.Error("pool outside the subnet accepted")
	}
}
