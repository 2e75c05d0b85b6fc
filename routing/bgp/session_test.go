package bgp

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

func sessionConfig(local, peer uint32) SessionConfig {
	return SessionConfig{LocalAS: local, PeerAS: peer, RouterID: addr("10.255.0.1"),
		LocalAddr: addr("10.0.0.1"), PeerAddr: addr("10.0.0.2")}
}

func newSession(t *testing.T, cfg SessionConfig) *Session {
	t.Helper()
	s, err := NewSession(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// messages parses a session's output into messages.
func messages(t *testing.T, s *Session) []Message {
	t.Helper()
	var ms []Message
	b := s.AppendOutput(nil)
	for len(b) > 0 {
		m, n, err := ParseMessage(b)
		if err != nil {
			t.Fatalf("our own output: %v", err)
		}
		ms = append(ms, m)
		b = b[n:]
	}
	return ms
}

func kinds(ms []Message) string {
	var s []string
	for _, m := range ms {
		s = append(s, m.Type().String())
	}
	return strings.Join(s, " ")
}

// states lists the states a session went through, from its events.
func states(evs []Event) string {
	var s []string
	for i, e := range evs {
		if e.Kind == EventState {
			if len(s) == 0 || i == 0 {
				s = append(s, e.Prev.String())
			}
			s = append(s, e.State.String())
		}
	}
	return strings.Join(s, " ")
}

func has(evs []Event, k EventKind) bool {
	return slices.ContainsFunc(evs, func(e Event) bool { return e.Kind == k })
}

// sessionPair wires two sessions back to back: whatever one writes the
// other reads at once (or split into pieces of split octets).
type sessionPair struct {
	t          *testing.T
	a, b       *Session
	now        sim.Time
	evA, evB   []Event
	split      int
	cut        bool // the wire from a to b is cut: a's bytes are lost
	up         bool
	aInB, bInA int
}

func (p *sessionPair) pump() {
	for range 1000 {
		moved := false
		for _, dir := range []struct {
			from, to *Session
			ev       *[]Event
			cut      bool
		}{{p.a, p.b, &p.evA, p.cut}, {p.b, p.a, &p.evB, false}} {
			evs := dir.from.AppendEvents(nil)
			*dir.ev = append(*dir.ev, evs...)
			out := dir.from.AppendOutput(nil)
			if len(out) > 0 && p.up && !dir.cut {
				moved = true
				for len(out) > 0 {
					n := len(out)
					if p.split > 0 {
						n = min(n, p.split)
					}
					dir.to.Receive(p.now, out[:n])
					out = out[n:]
				}
			}
			for _, e := range evs {
				switch e.Kind {
				case EventDial:
					if !p.up {
						p.up = true
						moved = true
						if err := p.a.Connected(p.now); err != nil {
							p.t.Fatal(err)
						}
						if err := p.b.Connected(p.now); err != nil {
							p.t.Fatal(err)
						}
					}
				case EventClose:
					if p.up {
						p.up = false
						moved = true
						// Deliver what is left, then the close.
						dir.to.Receive(p.now, dir.from.AppendOutput(nil))
						dir.to.Closed(p.now)
					}
				}
			}
		}
		if !moved {
			return
		}
	}
	p.t.Fatal("pump: no quiescence")
}

// advance moves time forward to t, waking both sessions at their
// deadlines on the way.
func (p *sessionPair) advance(d time.Duration) {
	end := p.now.Add(d)
	for {
		next := min(p.a.NextDeadline(), p.b.NextDeadline())
		if next > end {
			p.now = end
			return
		}
		p.now = next
		p.a.Advance(p.now)
		p.b.Advance(p.now)
		p.pump()
	}
}

func newPair(t *testing.T, tweakA, tweakB func(*SessionConfig)) *sessionPair {
	ca := sessionConfig(65001, 65002)
	cb := SessionConfig{LocalAS: 65002, PeerAS: 65001, RouterID: addr("10.255.0.2"), LocalAddr: addr("10.0.0.2"), PeerAddr: addr("10.0.0.1"), Passive: true}
	if tweakA != nil {
		tweakA(&ca)
	}
	if tweakB != nil {
		tweakB(&cb)
	}
	p := &sessionPair{t: t, a: newSession(t, ca), b: newSession(t, cb)}
	p.b.Start(p.now)
	p.a.Start(p.now)
	p.pump()
	return p
}

func TestSessionEstablish(t *testing.T) {
	for _, split := range []int{0, 1, 7} {
		t.Run(fmt.Sprint("split-", split), func(t *testing.T) {
			p := newPair(t, nil, func(c *SessionConfig) { c.HoldTime = 30 * time.Second })
			p.split = split
			p.pump()
			if got := states(p.evA); got != "Idle Connect OpenSent OpenConfirm Established" {
				t.Errorf("active side: %s", got)
			}
			if got := states(p.evB); got != "Idle Active OpenSent OpenConfirm Established" {
				t.Errorf("passive side: %s", got)
			}
			for _, s := range []*Session{p.a, p.b} {
				// RFC 4271 4.2: the smaller of the two hold times.
				if s.HoldTime() != 30*time.Second || !s.FourOctet() {
					t.Errorf("hold time %v, four-octet %v", s.HoldTime(), s.FourOctet())
				}
			}
			if p.a.PeerID() != addr("10.255.0.2") || p.b.PeerID() != addr("10.255.0.1") {
				t.Errorf("peer IDs %v %v", p.a.PeerID(), p.b.PeerID())
			}
		})
	}
}

// TestKeepaliveAndHold: keepalives every hold/3; a silent peer is
// dropped when the hold timer expires (Hold Timer Expired), and the
// session starts again after the idle hold time.
func TestKeepaliveAndHold(t *testing.T) {
	p := newPair(t, func(c *SessionConfig) { c.HoldTime = 30 * time.Second }, nil)
	if p.a.State() != Established {
		t.Fatal(states(p.evA))
	}
	ka0 := p.a.Stats.Out[TypeKeepalive]
	p.advance(60 * time.Second)
	// Keepalive interval 10 s: six more in a minute, the session up.
	if n := p.a.Stats.Out[TypeKeepalive] - ka0; n != 6 || p.a.State() != Established || p.b.State() != Established {
		t.Fatalf("%d keepalives in 60 s; states %v %v", n, p.a.State(), p.b.State())
	}
	// Cut a's bytes to b: b's hold timer runs out 30 s after the last
	// keepalive it got.
	p.cut = true
	last := p.now
	p.evB = nil
	p.advance(29 * time.Second)
	if p.b.State() != Established {
		t.Fatal("hold timer expired early")
	}
	p.advance(2 * time.Second)
	if p.b.State() != Idle {
		t.Fatalf("b is %v at %v after the last keepalive", p.b.State(), p.now.Sub(last))
	}
	var sent *Notification
	for _, e := range p.evB {
		if e.Kind == EventNotification && e.Sent {
			sent = e.Notification
		}
	}
	if sent == nil || sent.Code != CodeHoldTimer {
		t.Fatalf("b sent %v", sent)
	}
	if !has(p.evB, EventClose) {
		t.Error("no close")
	}
	// a got the NOTIFICATION (b→a still works) and dropped too.
	if p.a.State() != Idle {
		t.Errorf("a is %v", p.a.State())
	}
	// Both start again after the idle hold time and meet again.
	p.cut = false
	p.advance(DefaultIdleHoldTime + time.Second)
	if p.a.State() != Established || p.b.State() != Established {
		t.Fatalf("after restart: %v %v", p.a.State(), p.b.State())
	}
}

func TestHoldTimeZero(t *testing.T) {
	p := newPair(t, func(c *SessionConfig) { c.HoldTime = NoHoldTime }, nil)
	if p.a.State() != Established || p.a.HoldTime() != 0 || p.b.HoldTime() != 0 {
		t.Fatalf("%v hold %v %v", p.a.State(), p.a.HoldTime(), p.b.HoldTime())
	}
	if p.a.NextDeadline() != sim.Never || p.b.NextDeadline() != sim.Never {
		t.Fatal("timers running with a zero hold time")
	}
	ka := p.a.Stats.Out[TypeKeepalive]
	p.advance(time.Hour)
	if p.a.Stats.Out[TypeKeepalive] != ka || p.a.State() != Established {
		t.Fatal("keepalives sent with a zero hold time")
	}
}

// openSent returns a session that has sent its OPEN and waits for the
// peer's.
func openSent(t *testing.T, cfg SessionConfig) *Session {
	t.Helper()
	s := newSession(t, cfg)
	s.Start(0)
	if err := s.Connected(0); err != nil {
		t.Fatal(err)
	}
	if ms := messages(t, s); kinds(ms) != "OPEN" {
		t.Fatalf("sent %s", kinds(ms))
	}
	s.AppendEvents(nil)
	return s
}

// sentNotification returns the NOTIFICATION s wrote, and checks that it
// dropped to Idle and asked for the connection to close.
func sentNotification(t *testing.T, s *Session) *Notification {
	t.Helper()
	ms := messages(t, s)
	if len(ms) != 1 {
		t.Fatalf("sent %s", kinds(ms))
	}
	n, ok := ms[0].(*Notification)
	if !ok {
		t.Fatalf("sent %s", kinds(ms))
	}
	evs := s.AppendEvents(nil)
	if s.State() != Idle || !has(evs, EventClose) {
		t.Fatalf("state %v, events %v", s.State(), evs)
	}
	return n
}

// TestOpenChecks: RFC 4271 6.2.
func TestOpenChecks(t *testing.T) {
	good := func() *Open {
		return NewOpen(65002, 90, addr("10.255.0.2"), MultiprotocolCap(AFIIPv4, SAFIUnicast), FourOctetASCap(65002))
	}
	for _, tc := range []struct {
		name     string
		internal bool
		open     func() *Open
		sub      uint8
		data     []byte
	}{
		{"version", false, func() *Open { o := good(); o.Version = 3; return o }, SubUnsupportedVersion, []byte{0, 4}},
		{"peer-as", false, func() *Open { return NewOpen(65009, 90, addr("10.255.0.2"), FourOctetASCap(65009)) }, SubBadPeerAS, nil},
		{"peer-as-4octet-cap", false, func() *Open { return NewOpen(65002, 90, addr("10.255.0.2"), FourOctetASCap(70000)) }, SubBadPeerAS, nil},
		{"hold-1", false, func() *Open { o := good(); o.HoldTime = 1; return o }, SubUnacceptableHold, nil},
		{"hold-2", false, func() *Open { o := good(); o.HoldTime = 2; return o }, SubUnacceptableHold, nil},
		{"id-zero", false, func() *Open { o := good(); o.ID = addr("0.0.0.0"); return o }, SubBadBGPIdentifier, nil},
		{"id-multicast", false, func() *Open { o := good(); o.ID = addr("224.0.0.1"); return o }, SubBadBGPIdentifier, nil},
		{"id-same-internal", true, func() *Open {
			return NewOpen(65001, 90, addr("10.255.0.1"), FourOctetASCap(65001))
		}, SubBadBGPIdentifier, nil},
		{"param-type", false, func() *Open { o := good(); o.Params = append(o.Params, Param{Type: 1, Value: []byte{0}}); return o }, SubUnsupportedParam, nil},
		{"cap-length", false, func() *Open {
			o := good()
			o.Params = append(o.Params, Param{Type: ParamCapabilities, Value: []byte{CapFourOctetAS, 2, 0, 1}})
			return o
		}, subcodeUnspecific, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := sessionConfig(65001, 65002)
			if tc.internal {
				cfg.PeerAS = 65001
			}
			s := openSent(t, cfg)
			s.Receive(1, AppendMessage(nil, tc.open()))
			n := sentNotification(t, s)
			if n.Code != CodeOpen || n.Subcode != tc.sub || string(n.Data) != string(tc.data) {
				t.Fatalf("sent %v, want OPEN error subcode %d data %x", n, tc.sub, tc.data)
			}
		})
	}
	// Hold time 3 is fine; a peer without the 4-octet capability in a
	// 2-octet AS too, and then AS numbers travel in 2 octets.
	s := openSent(t, sessionConfig(65001, 65002))
	s.Receive(1, AppendMessage(nil, NewOpen(65002, 3, addr("10.255.0.2"))))
	if ms := messages(t, s); kinds(ms) != "KEEPALIVE" || s.State() != OpenConfirm || s.FourOctet() || s.HoldTime() != 3*time.Second {
		t.Fatalf("sent %s, state %v, four %v, hold %v", kinds(ms), s.State(), s.FourOctet(), s.HoldTime())
	}
}

// TestUnexpectedMessages: RFC 6608 subcodes for messages in the wrong
// state.
func TestUnexpectedMessages(t *testing.T) {
	ka := AppendMessage(nil, &Keepalive{})
	open := AppendMessage(nil, NewOpen(65002, 90, addr("10.255.0.2"), FourOctetASCap(65002)))
	upd := AppendMessage(nil, &Update{})

	s := openSent(t, sessionConfig(65001, 65002))
	s.Receive(1, ka)
	if n := sentNotification(t, s); n.Code != CodeFSM || n.Subcode != SubFSMOpenSent {
		t.Errorf("KEEPALIVE in OpenSent: %v", n)
	}

	s = openSent(t, sessionConfig(65001, 65002))
	s.Receive(1, open)
	messages(t, s)
	s.Receive(1, upd)
	if n := sentNotification(t, s); n.Code != CodeFSM || n.Subcode != SubFSMOpenConfirm {
		t.Errorf("UPDATE in OpenConfirm: %v", n)
	}

	s = openSent(t, sessionConfig(65001, 65002))
	s.Receive(1, append(open, ka...))
	messages(t, s)
	if s.State() != Established {
		t.Fatal(s.State())
	}
	s.Receive(1, open)
	if n := sentNotification(t, s); n.Code != CodeFSM || n.Subcode != SubFSMEstablished {
		t.Errorf("OPEN in Established: %v", n)
	}
}

// established returns a session that is Established with a scripted eBGP
// peer in AS 65002.
func established(t *testing.T, cfg SessionConfig) *Session {
	t.Helper()
	s := openSent(t, cfg)
	s.Receive(1, AppendMessage(AppendMessage(nil, NewOpen(cfg.PeerAS, 90, addr("10.255.0.2"), FourOctetASCap(cfg.PeerAS))), &Keepalive{}))
	messages(t, s)
	s.AppendEvents(nil)
	if s.State() != Established {
		t.Fatal(s.State())
	}
	return s
}

func TestConnectRetry(t *testing.T) {
	cfg := sessionConfig(65001, 65002)
	s := newSession(t, cfg)
	s.Start(0)
	evs := s.AppendEvents(nil)
	if s.State() != Connect || !has(evs, EventDial) {
		t.Fatalf("%v %v", s.State(), evs)
	}
	// The connection attempt hangs: after ConnectRetryTime the session
	// drops it and tries again (Event 9 in Connect).
	if s.NextDeadline() != sim.Time(DefaultConnectRetryTime) {
		t.Fatalf("deadline %v", s.NextDeadline())
	}
	s.Advance(sim.Time(DefaultConnectRetryTime))
	evs = s.AppendEvents(nil)
	if s.State() != Connect || !has(evs, EventClose) || !has(evs, EventDial) {
		t.Fatalf("%v %v", s.State(), evs)
	}
	// The attempt fails: Idle (RFC 4271 8.2.2, Connect state, Event 18),
	// then an automatic start after the idle hold time.
	now := sim.Time(DefaultConnectRetryTime + time.Second)
	s.Closed(now)
	if s.State() != Idle || s.ConnectRetryCounter != 1 {
		t.Fatalf("%v counter %d", s.State(), s.ConnectRetryCounter)
	}
	s.AppendEvents(nil)
	s.Advance(now.Add(DefaultIdleHoldTime))
	if evs = s.AppendEvents(nil); s.State() != Connect || !has(evs, EventDial) {
		t.Fatalf("%v %v", s.State(), evs)
	}
	// A connection accepted while Idle is refused.
	s.Stop(now)
	if err := s.Connected(now); err != ErrNotStarted {
		t.Fatalf("Connected in Idle: %v", err)
	}
}

func TestClosedInOpenSent(t *testing.T) {
	s := openSent(t, sessionConfig(65001, 65002))
	s.Closed(1)
	if s.State() != Active {
		t.Fatalf("%v", s.State())
	}
	// Active, not passive: ConnectRetry expiry dials again.
	s.Advance(sim.Time(1).Add(DefaultConnectRetryTime))
	if evs := s.AppendEvents(nil); s.State() != Connect || !has(evs, EventDial) {
		t.Fatalf("%v %v", s.State(), evs)
	}
}

func TestStop(t *testing.T) {
	s := established(t, sessionConfig(65001, 65002))
	s.Stop(5)
	if n := sentNotification(t, s); n.Code != CodeCease || n.Subcode != SubCeaseAdminShutdown {
		t.Fatalf("%v", n)
	}
	if s.NextDeadline() != sim.Never {
		t.Fatal("a stopped session restarts")
	}
	if err := s.Connected(6); err != ErrNotStarted {
		t.Fatal(err)
	}
}

func TestNotificationReceived(t *testing.T) {
	s := established(t, sessionConfig(65001, 65002))
	s.Receive(2, AppendMessage(nil, &Notification{Code: CodeCease, Subcode: SubCeaseAdminReset}))
	evs := s.AppendEvents(nil)
	if s.State() != Idle || !has(evs, EventClose) || len(s.AppendOutput(nil)) != 0 {
		t.Fatalf("%v %v", s.State(), evs)
	}
	if !slices.ContainsFunc(evs, func(e Event) bool {
		return e.Kind == EventNotification && !e.Sent && e.Notification.Subcode == SubCeaseAdminReset
	}) {
		t.Fatalf("%v", evs)
	}
}

func updateEvents(evs []Event) []Event {
	return slices.DeleteFunc(evs, func(e Event) bool { return e.Kind != EventUpdate })
}

// TestSessionUpdates: routes in, treat-as-withdraw on the session, and
// the checks that depend on it (RFC 4271 6.3 and 5.1.5, RFC 7606).
func TestSessionUpdates(t *testing.T) {
	s := established(t, sessionConfig(65001, 65002))
	p := &Path{ASPath: ASPath{{Type: ASSequence, ASNs: []uint32{65002, 7}}}, NextHop: addr("10.0.0.2"), LocalPref: 500, HasLocalPref: true}
	send := func(u *Update) []Event {
		s.Receive(3, AppendMessage(nil, u))
		return updateEvents(s.AppendEvents(nil))
	}
	one := []netip.Prefix{pfx("192.0.2.0/24")}
	evs := send(&Update{Attrs: p.Attrs(true), NLRI: one})
	if len(evs) != 1 || !slices.Equal(evs[0].NLRI, one) || evs[0].Path.ASPath.String() != "65002 7" || evs[0].Err != nil {
		t.Fatalf("%v", evs)
	}
	// LOCAL_PREF from an external peer is ignored.
	if evs[0].Path.HasLocalPref {
		t.Error("LOCAL_PREF kept from an eBGP peer")
	}
	// Treat-as-withdraw: a bad MED.
	bad := append(p.Attrs(true), Attr{Flags: FlagOptional, Code: AttrMED, Value: []byte{1}})
	evs = send(&Update{Attrs: bad, NLRI: one})
	if len(evs) != 1 || len(evs[0].NLRI) != 0 || !slices.Equal(evs[0].Withdrawn, one) || evs[0].Err == nil || s.State() != Established {
		t.Fatalf("%v %v", evs, s.State())
	}
	if len(s.AppendOutput(nil)) != 0 {
		t.Fatal("output after treat-as-withdraw")
	}
	// Leftmost AS not the peer's, and NEXT_HOP our own address.
	for _, q := range []*Path{
		{ASPath: ASPath{{Type: ASSequence, ASNs: []uint32{7}}}, NextHop: addr("10.0.0.2")},
		{ASPath: ASPath{{Type: ASSequence, ASNs: []uint32{65002}}}, NextHop: addr("10.0.0.1")},
	} {
		evs = send(&Update{Attrs: q.Attrs(true), NLRI: one})
		if len(evs) != 1 || len(evs[0].NLRI) != 0 || !slices.Equal(evs[0].Withdrawn, one) {
			t.Fatalf("%v: %v", q, evs)
		}
	}
	// An empty UPDATE (End-of-RIB) is no news.
	if evs = send(&Update{}); len(evs) != 0 {
		t.Fatalf("%v", evs)
	}
	// Session reset: an NLRI of length 33.
	raw := AppendMessage(nil, &Update{Attrs: p.Attrs(true)})
	raw = append(raw, 33, 1, 2, 3, 4, 5)
	raw[16], raw[17] = byte(len(raw)>>8), byte(len(raw))
	s.Receive(4, raw)
	if n := sentNotification(t, s); n.Code != CodeUpdate || n.Subcode != SubInvalidNetwork {
		t.Fatalf("%v", n)
	}
}

func TestAnnouncePacking(t *testing.T) {
	s := established(t, sessionConfig(65001, 65002))
	var nlri []netip.Prefix
	for i := range 2000 {
		nlri = append(nlri, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24))
	}
	p := &Path{ASPath: ASPath{{Type: ASSequence, ASNs: []uint32{65001}}}, NextHop: addr("10.0.0.1")}
	if err := s.Announce(5, p, nlri); err != nil {
		t.Fatal(err)
	}
	s.Withdraw(5, nlri)
	out := s.AppendOutput(nil)
	var got, gotW []netip.Prefix
	msgs := 0
	for len(out) > 0 {
		m, n, err := ParseMessage(out)
		if err != nil {
			t.Fatal(err)
		}
		if n > MaxMessageLen {
			t.Fatalf("message of %d octets", n)
		}
		msgs++
		got = append(got, m.(*Update).NLRI...)
		gotW = append(gotW, m.(*Update).Withdrawn...)
		out = out[n:]
	}
	if !slices.Equal(got, nlri) || !slices.Equal(gotW, nlri) || msgs != 4 {
		t.Fatalf("%d messages, %d announced, %d withdrawn", msgs, len(got), len(gotW))
	}
	// A path too large for any message is refused.
	huge := &Path{NextHop: addr("10.0.0.1"), Other: []Attr{{Flags: FlagOptional | FlagTransitive, Code: 99, Value: make([]byte, 5000)}}}
	if err := s.Announce(5, huge, nlri[:1]); err != ErrTooLarge {
		t.Fatal(err)
	}
}

func TestNewSessionErrors(t *testing.T) {
	for _, tweak := range []func(*SessionConfig){
		func(c *SessionConfig) { c.LocalAS = 0 },
		func(c *SessionConfig) { c.RouterID = netip.Addr{} },
		func(c *SessionConfig) { c.LocalAddr = addr("::1") },
		func(c *SessionConfig) { c.HoldTime = 2 * time.Second },
		func(c *SessionConfig) { c.HoldTime = 1500 * time.Millisecond },
		func(c *SessionConfig) { c.TwoOctetAS, c.LocalAS = true, 70000 },
	} {
		c := sessionConfig(65001, 65002)
		tweak(&c)
		if _, err := NewSession(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
