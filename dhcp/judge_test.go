package dhcp

// The independent judge: github.com/insomniacslk/dhcp's dhcpv4 codec,
// its nclient4 client and its server4 transport, exchanging with our
// engines over an in-memory net.PacketConn. The goroutines and the wall
// clock (their client's timeouts) stay in this test file; our engines
// run on virtual time, advanced one second per datagram.

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/nclient4"
	"github.com/insomniacslk/dhcp/dhcpv4/server4"
)

// pipeConn is one end of an in-memory datagram pipe: what the judge
// writes comes out of out, and what the test puts in in is read.
type pipeConn struct {
	in, out chan packet
	done    chan struct{}
	once    sync.Once
}

type packet struct {
	b    []byte
	addr net.Addr
}

func newPipe() *pipeConn {
	return &pipeConn{in: make(chan packet, 16), out: make(chan packet, 16), done: make(chan struct{})}
}

func (p *pipeConn) ReadFrom(b []byte) (int, net.Addr, error) {
	select {
	case x := <-p.in:
		return copy(b, x.b), x.addr, nil
	case <-p.done:
		return 0, nil, net.ErrClosed
	}
}

func (p *pipeConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	select {
	case p.out <- packet{bytes.Clone(b), addr}:
		return len(b), nil
	case <-p.done:
		return 0, net.ErrClosed
	}
}

func (p *pipeConn) Close() error                     { p.once.Do(func() { close(p.done) }); return nil }
func (p *pipeConn) LocalAddr() net.Addr              { return &net.UDPAddr{Port: ClientPort} }
func (p *pipeConn) SetDeadline(time.Time) error      { return nil }
func (p *pipeConn) SetReadDeadline(time.Time) error  { return nil }
func (p *pipeConn) SetWriteDeadline(time.Time) error { return nil }

func udpAddr(a netip.AddrPort) *net.UDPAddr { return net.UDPAddrFromAddrPort(a) }

// judgeCheck parses b with the judge's codec and compares the fields
// our codec decoded.
func judgeCheck(t *testing.T, b []byte) {
	t.Helper()
	j, err := dhcpv4.FromBytes(b)
	if err != nil {
		t.Fatalf("judge cannot parse our message: %v\n%x", err, b)
	}
	m, err := ParseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	ip := func(a netip.Addr) net.IP {
		if !a.IsValid() {
			return nil
		}
		return net.IP(a.AsSlice())
	}
	eq := func(what string, got, want net.IP) {
		if !got.Equal(want) && !(got == nil && want == nil) {
			t.Errorf("%v %s: judge %v, ours %v", m.Type, what, got, want)
		}
	}
	if uint8(j.MessageType()) != uint8(m.Type) || uint32(j.TransactionID[0])<<24|uint32(j.TransactionID[1])<<16|
		uint32(j.TransactionID[2])<<8|uint32(j.TransactionID[3]) != m.XID {
		t.Errorf("judge type %v xid %v, ours %v %x", j.MessageType(), j.TransactionID, m.Type, m.XID)
	}
	eq("yiaddr", j.YourIPAddr, ip(m.YIAddr))
	eq("ciaddr", j.ClientIPAddr, ip(m.CIAddr))
	eq("server id", j.ServerIdentifier(), ip(m.ServerID))
	eq("requested", j.RequestedIPAddress(), ip(m.RequestedIP))
	if len(m.Router) > 0 {
		eq("router", j.Router()[0], ip(m.Router[0]))
	}
	if len(m.DNS) > 0 {
		eq("dns", j.DNS()[0], ip(m.DNS[0]))
	}
	if m.SubnetMask.IsValid() {
		eq("mask", net.IP(j.SubnetMask()), ip(m.SubnetMask))
	}
	if j.IPAddressLeaseTime(0) != time.Duration(m.LeaseSecs)*time.Second || j.HostName() != m.Hostname ||
		!bytes.Equal(j.ClientHWAddr, m.HWAddr()) || j.IsBroadcast() != m.Broadcast {
		t.Errorf("judge lease %v host %q hw %v bcast %v; ours %+v", j.IPAddressLeaseTime(0), j.HostName(),
			j.ClientHWAddr, j.IsBroadcast(), m)
	}
}

// TestJudgeParsesOurs: every message of the exchanges above, each type
// included, parses with the judge's codec to the same fields.
func TestJudgeParsesOurs(t *testing.T) {
	for _, f := range []func(*testing.T){TestExchange, TestRenewal, TestNakAfterLostLease, TestReleaseAndReturn,
		TestDecline, TestServerRules} {
		f(t)
	}
	seen := map[MessageType]bool{}
	for _, b := range judged {
		judgeCheck(t, b)
		m, _ := ParseMessage(b)
		seen[m.Type] = true
	}
	for _, ty := range []MessageType{Discover, Offer, Request, Decline, Ack, Nak, Release, Inform} {
		if !seen[ty] && ty != Inform {
			t.Errorf("no %v judged", ty)
		}
	}
}

// TestOursParsesJudge: the judge's messages parse with our codec, and
// our re-encoding parses with theirs to the same message.
func TestOursParsesJudge(t *testing.T) {
	hwa := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	disc, _ := dhcpv4.NewDiscovery(hwa, dhcpv4.WithOption(dhcpv4.OptHostName("judge")),
		dhcpv4.WithOption(dhcpv4.OptClientIdentifier([]byte{1, 2, 0, 0, 0, 0, 1})))
	offer, _ := dhcpv4.NewReplyFromRequest(disc, dhcpv4.WithMessageType(dhcpv4.MessageTypeOffer),
		dhcpv4.WithYourIP(net.IPv4(192, 168, 1, 100)), dhcpv4.WithServerIP(net.IPv4(192, 168, 1, 1)),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.IPv4(192, 168, 1, 1))),
		dhcpv4.WithNetmask(net.CIDRMask(24, 32)), dhcpv4.WithRouter(net.IPv4(192, 168, 1, 1)),
		dhcpv4.WithDNS(net.IPv4(192, 0, 2, 53), net.IPv4(192, 0, 2, 54)), dhcpv4.WithLeaseTime(3600),
		dhcpv4.WithOption(dhcpv4.OptRenewTimeValue(1800*time.Second)))
	req, _ := dhcpv4.NewRequestFromOffer(offer)
	ack, _ := dhcpv4.NewReplyFromRequest(req, dhcpv4.WithMessageType(dhcpv4.MessageTypeAck),
		dhcpv4.WithYourIP(net.IPv4(192, 168, 1, 100)), dhcpv4.WithLeaseTime(3600))
	renew, _ := dhcpv4.NewRenewFromAck(ack)
	rel, _ := dhcpv4.NewReleaseFromACK(ack)
	for _, j := range []*dhcpv4.DHCPv4{disc, offer, req, ack, renew, rel} {
		b := j.ToBytes()
		m, err := ParseMessage(b)
		if err != nil {
			t.Fatalf("%v: %v", j.MessageType(), err)
		}
		judgeCheck(t, b)
		again := m.AppendTo(nil)
		judgeCheck(t, again)
		j2, err := dhcpv4.FromBytes(again)
		if err != nil || j2.Summary() != j.Summary() {
			t.Errorf("re-encoded %v differs:\n%s\n%s", j.MessageType(), j2.Summary(), j.Summary())
		}
	}
	if m, _ := ParseMessage(offer.ToBytes()); len(m.DNS) != 2 || m.T1Secs != 1800 || m.SubnetMask.String() != "255.255.255.0" {
		t.Errorf("offer decoded as %+v", m)
	}
}

// TestJudgeClientOurServer: nclient4 gets, renews and releases a lease
// from our server engine.
func TestJudgeClientOurServer(t *testing.T) {
	srv := testServer(t, nil)
	conn := newPipe()
	defer conn.Close()
	var mu sync.Mutex // guards srv between the pump and the checks
	go func() {
		now := at(0)
		for {
			select {
			case p := <-conn.out:
				mu.Lock()
				now += at(1)
				judged = append(judged, p.b)
				dst, _ := netip.AddrFromSlice(p.addr.(*net.UDPAddr).IP.To4())
				srv.Handle(now, Datagram{Src: netip.MustParseAddrPort("0.0.0.0:68"),
					Dst: netip.AddrPortFrom(dst, ServerPort), Payload: p.b})
				for _, d := range srv.Output(nil) {
					conn.in <- packet{d.Payload, udpAddr(d.Src)}
				}
				mu.Unlock()
			case <-conn.done:
				return
			}
		}
	}()
	hwa := net.HardwareAddr{2, 0x6a, 0x75, 0x64, 0x67, 0x65}
	cl, err := nclient4.NewWithConn(conn, hwa, nclient4.WithTimeout(2*time.Second), nclient4.WithRetry(2))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	lease, err := cl.Request(ctx, dhcpv4.WithOption(dhcpv4.OptHostName("judge")))
	if err != nil {
		t.Fatalf("judge client: %v", err)
	}
	if got := lease.ACK.YourIPAddr.String(); got != "192.168.1.100" || lease.ACK.IPAddressLeaseTime(0) != time.Hour {
		t.Errorf("judge got %v for %v", got, lease.ACK.IPAddressLeaseTime(0))
	}
	if lease, err = cl.Renew(ctx, lease); err != nil {
		t.Fatalf("judge renew: %v", err)
	}
	if err := cl.Release(lease); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // let the pump deliver the release (no answer to wait for)
	mu.Lock()
	defer mu.Unlock()
	if ls := srv.Leases(at(100)); len(ls) != 0 {
		t.Errorf("leases after the judge's release: %+v", ls)
	}
}

// TestOurClientJudgeServer: our client engine gets, renews and
// releases a lease from a server written with the judge's library
// (server4 transport, dhcpv4 messages; the lease logic is the test's).
func TestOurClientJudgeServer(t *testing.T) {
	conn := newPipe()
	yi, sid := net.IPv4(10, 0, 0, 42), net.IPv4(10, 0, 0, 1)
	var released sync.WaitGroup
	released.Add(1)
	handler := func(c net.PacketConn, peer net.Addr, m *dhcpv4.DHCPv4) {
		typ := map[dhcpv4.MessageType]dhcpv4.MessageType{dhcpv4.MessageTypeDiscover: dhcpv4.MessageTypeOffer,
			dhcpv4.MessageTypeRequest: dhcpv4.MessageTypeAck}[m.MessageType()]
		if m.MessageType() == dhcpv4.MessageTypeRelease {
			released.Done()
		}
		if typ == dhcpv4.MessageTypeNone {
			return
		}
		r, err := dhcpv4.NewReplyFromRequest(m, dhcpv4.WithMessageType(typ), dhcpv4.WithYourIP(yi),
			dhcpv4.WithOption(dhcpv4.OptServerIdentifier(sid)), dhcpv4.WithNetmask(net.CIDRMask(8, 32)),
			dhcpv4.WithRouter(sid), dhcpv4.WithDNS(sid), dhcpv4.WithLeaseTime(600))
		if err != nil {
			t.Error(err)
			return
		}
		c.WriteTo(r.ToBytes(), peer)
	}
	s, err := server4.NewServer("", nil, handler, server4.WithConn(conn))
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	defer s.Close()

	cl := testClient(9, 11)
	exchange := func(now float64, want MessageType) {
		t.Helper()
		for _, d := range cl.Output(nil) {
			judgeCheck(t, d.Payload)
			conn.in <- packet{d.Payload, udpAddr(d.Src)}
			select {
			case p := <-conn.out:
				cl.Handle(at(now), Datagram{Payload: p.b})
			case <-time.After(5 * time.Second):
				t.Fatal("judge server did not answer")
			}
		}
		if want == 0 {
			return
		}
		if len(cl.out) != 1 {
			t.Fatalf("%d datagrams queued, want a %v", len(cl.out), want)
		}
		if m, _ := ParseMessage(cl.out[0].Payload); m.Type != want {
			t.Fatalf("queued %v, want %v", m.Type, want)
		}
	}
	cl.Start(0)
	exchange(0, Request) // DISCOVER -> OFFER, queues the REQUEST
	exchange(0, 0)       // REQUEST -> ACK
	b, ok := cl.Binding()
	if !ok || b.Addr.String() != "10.0.0.42" || b.Prefix.Bits() != 8 || b.T1 != at(300) {
		t.Fatalf("bound %v: %+v", ok, b)
	}
	cl.Advance(at(300)) // T1: renew by unicast
	exchange(300, 0)
	var evs []Event
	evs = cl.Events(evs)
	if b, _ := cl.Binding(); b.Expires != at(900) || !slices.Equal(kinds(evs), []EventKind{EvBound, EvRenewed}) {
		t.Errorf("after renewal: expires %v, events %v", b.Expires, kinds(evs))
	}
	cl.Release(at(400))
	for _, d := range cl.Output(nil) {
		conn.in <- packet{d.Payload, udpAddr(d.Src)}
	}
	released.Wait()
}

func kinds(evs []Event) []EventKind {
	var ks []EventKind
	for _, e := range evs {
		ks = append(ks, e.Kind)
	}
	return ks
}
