package bgp

// The judge: GoBGP (github.com/osrg/gobgp/v3, its server package) runs in
// the test process, listening on 127.0.0.1 on a free port, and our
// speaker talks to it over a real TCP connection from 127.0.0.2. A small
// adapter (liveSpeaker) pumps bytes between the net.Conn and the engine
// and wakes the engine at its deadlines with time from the real clock.

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	gobgplog "github.com/osrg/gobgp/v3/pkg/log"
	"github.com/osrg/gobgp/v3/pkg/server"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/hopsnet/hops/sim"
)

// judgeLog keeps GoBGP's warnings and errors (printed if a test fails)
// and drops the rest.
type judgeLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *judgeLog) add(level, msg string, f gobgplog.Fields) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%s: %s %v", level, msg, f))
}

func (l *judgeLog) has(substr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.ContainsFunc(l.lines, func(s string) bool { return strings.Contains(s, substr) })
}

func (l *judgeLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func (l *judgeLog) Panic(msg string, f gobgplog.Fields) { l.add("PANIC", msg, f); panic(msg) }
func (l *judgeLog) Fatal(msg string, f gobgplog.Fields) { l.add("FATAL", msg, f) }
func (l *judgeLog) Error(msg string, f gobgplog.Fields) { l.add("ERROR", msg, f) }
func (l *judgeLog) Warn(msg string, f gobgplog.Fields)  { l.add("WARN", msg, f) }
func (l *judgeLog) Info(string, gobgplog.Fields)        {}
func (l *judgeLog) Debug(string, gobgplog.Fields)       {}
func (l *judgeLog) SetLevel(gobgplog.LogLevel)          {}
func (l *judgeLog) GetLevel() gobgplog.LogLevel         { return gobgplog.WarnLevel }

// judge is one GoBGP instance.
type judge struct {
	t    *testing.T
	s    *server.BgpServer
	addr string // host:port it listens on
	log  *judgeLog
}

var ipv4Unicast = &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}

// startJudge starts GoBGP in AS as on 127.0.0.1 and a free port, with one
// passive eBGP neighbour at peerAddr in AS peerAS.
func startJudge(t *testing.T, as uint32, peerAddr string, peerAS uint32) *judge {
	t.Helper()
	j := startGoBGP(t, as, "10.255.255.1", "127.0.0.1")
	j.addPeer(&api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: peerAddr, PeerAsn: peerAS},
		Transport: &api.Transport{PassiveMode: true, LocalAddress: "127.0.0.1"},
	})
	return j
}

// startGoBGP starts GoBGP in AS as, with BGP Identifier routerID, on
// ip and a free port, with no neighbours yet.
func startGoBGP(t *testing.T, as uint32, routerID, ip string) *judge {
	t.Helper()
	ctx := context.Background()
	jl := &judgeLog{}
	s := server.NewBgpServer(server.LoggerOption(jl))
	go s.Serve()
	var err error
	var port int
	for range 5 {
		port = freePort(t, ip)
		err = s.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{
			Asn: as, RouterId: routerID, ListenPort: int32(port), ListenAddresses: []string{ip},
		}})
		if err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("GoBGP could not start on %s: %v\n%s", ip, err, jl)
	}
	j := &judge{t: t, s: s, addr: net.JoinHostPort(ip, strconv.Itoa(port)), log: jl}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("GoBGP (AS %d) log:\n%s", as, jl)
		}
	})
	return j
}

// addPeer adds a neighbour for IPv4 unicast.
func (j *judge) addPeer(p *api.Peer) {
	j.t.Helper()
	p.AfiSafis = []*api.AfiSafi{{Config: &api.AfiSafiConfig{Family: ipv4Unicast, Enabled: true}}}
	if err := j.s.AddPeer(context.Background(), &api.AddPeerRequest{Peer: p}); err != nil {
		j.t.Fatalf("GoBGP AddPeer: %v", err)
	}
}

func freePort(t *testing.T, ip string) int {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("no free port on %s: %v", ip, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// peerState returns GoBGP's session state towards addr.
func (j *judge) peerState(addr string) api.PeerState_SessionState {
	var st api.PeerState_SessionState
	err := j.s.ListPeer(context.Background(), &api.ListPeerRequest{Address: addr}, func(p *api.Peer) {
		st = p.GetState().GetSessionState()
	})
	if err != nil {
		j.t.Fatalf("GoBGP ListPeer: %v", err)
	}
	return st
}

// waitActive waits until GoBGP listens for addr: a connection that
// arrives while its side of the session is still Idle is closed.
func (j *judge) waitActive(addr string) {
	j.t.Helper()
	waitFor(j.t, 5*time.Second, "GoBGP's session to leave Idle", func() bool { return j.peerState(addr) == api.PeerState_ACTIVE })
}

// judgeRoute is a route in GoBGP's global RIB, decoded.
type judgeRoute struct {
	prefix  string
	asPath  []uint32
	nextHop string
	origin  uint32
	med     uint32
	hasMED  bool
	from    string
}

// rib returns GoBGP's paths to prefix.
func (j *judge) rib(prefix string) []judgeRoute {
	var rs []judgeRoute
	err := j.s.ListPath(context.Background(), &api.ListPathRequest{
		TableType: api.TableType_GLOBAL, Family: ipv4Unicast,
		Prefixes: []*api.TableLookupPrefix{{Prefix: prefix}},
	}, func(d *api.Destination) {
		for _, p := range d.Paths {
			r := judgeRoute{prefix: d.Prefix, from: p.NeighborIp}
			for _, a := range p.Pattrs {
				m, err := a.UnmarshalNew()
				if err != nil {
					j.t.Fatalf("GoBGP attribute: %v", err)
				}
				switch m := m.(type) {
				case *api.OriginAttribute:
					r.origin = m.Origin
				case *api.AsPathAttribute:
					for _, s := range m.Segments {
						r.asPath = append(r.asPath, s.Numbers...)
					}
				case *api.NextHopAttribute:
					r.nextHop = m.NextHop
				case *api.MultiExitDiscAttribute:
					r.med, r.hasMED = m.Med, true
				}
			}
			rs = append(rs, r)
		}
	})
	if err != nil {
		j.t.Fatalf("GoBGP ListPath: %v", err)
	}
	return rs
}

// judgePath builds a GoBGP path for prefix originated by GoBGP itself.
func judgePath(t *testing.T, prefix netip.Prefix, origin uint32, med uint32, asPath []uint32) *api.Path {
	mk := func(m proto.Message) *anypb.Any {
		a, err := anypb.New(m)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	attrs := []*anypb.Any{
		mk(&api.OriginAttribute{Origin: origin}),
		mk(&api.NextHopAttribute{NextHop: "0.0.0.0"}),
		mk(&api.MultiExitDiscAttribute{Med: med}),
	}
	if len(asPath) > 0 {
		attrs = append(attrs, mk(&api.AsPathAttribute{Segments: []*api.AsSegment{{Type: api.AsSegment_AS_SEQUENCE, Numbers: asPath}}}))
	}
	return &api.Path{
		Family: ipv4Unicast,
		Nlri:   mk(&api.IPAddressPrefix{Prefix: prefix.Addr().String(), PrefixLen: uint32(prefix.Bits())}),
		Pattrs: attrs,
	}
}

func (j *judge) addPath(p *api.Path) {
	if _, err := j.s.AddPath(context.Background(), &api.AddPathRequest{TableType: api.TableType_GLOBAL, Path: p}); err != nil {
		j.t.Fatalf("GoBGP AddPath: %v", err)
	}
}

func (j *judge) deletePath(p *api.Path) {
	if err := j.s.DeletePath(context.Background(), &api.DeletePathRequest{TableType: api.TableType_GLOBAL, Family: ipv4Unicast, Path: p}); err != nil {
		j.t.Fatalf("GoBGP DeletePath: %v", err)
	}
}

// liveSpeaker runs a Speaker whose peers are each over a real TCP
// connection: a goroutine reads each connection, another wakes the engine at its
// deadlines; every call into the engine holds mu and then writes the
// output and acts on the events (dial, close).
type liveSpeaker struct {
	t      *testing.T
	mu     sync.Mutex
	sp     *Speaker
	start  time.Time
	peers  []*livePeer // by the speaker's peer index
	events []Event
	stop   chan struct{}
	wg     sync.WaitGroup
}

// livePeer is one peer's connection.
type livePeer struct {
	local  string // address to dial from
	remote string // address to dial
	conn   net.Conn
}

// newLiveSpeaker makes a speaker with one peer, pc, dialled from local to
// remote (host:port).
func newLiveSpeaker(t *testing.T, cfg SpeakerConfig, pc PeerConfig, local, remote string) *liveSpeaker {
	sp, err := NewSpeaker(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l := &liveSpeaker{t: t, sp: sp, start: time.Now(), stop: make(chan struct{})}
	l.addPeer(pc, local, remote)
	l.wg.Add(1)
	go l.timers()
	t.Cleanup(func() {
		close(l.stop)
		l.mu.Lock()
		for _, p := range l.peers {
			if p.conn != nil {
				p.conn.Close()
			}
		}
		l.mu.Unlock()
		l.wg.Wait()
		if t.Failed() {
			t.Logf("our events:\n%s\nour table:\n%s", l.eventLog(), l.sp.Show())
		}
	})
	return l
}

// addPeer adds a peer dialled from local to remote and returns its index.
func (l *liveSpeaker) addPeer(pc PeerConfig, local, remote string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	i, err := l.sp.AddPeer(pc)
	if err != nil {
		l.t.Fatal(err)
	}
	l.peers = append(l.peers, &livePeer{local: local, remote: remote})
	return i
}

func (l *liveSpeaker) now() sim.Time { return sim.Time(time.Since(l.start)) }

// do runs f on the engine with the current time, then writes the output
// and handles the events.
func (l *liveSpeaker) do(f func(now sim.Time, sp *Speaker)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f(l.now(), l.sp)
	l.flushLocked()
}

func (l *liveSpeaker) flushLocked() {
	for i, p := range l.peers {
		if out := l.sp.AppendOutput(nil, i); len(out) > 0 && p.conn != nil {
			if _, err := p.conn.Write(out); err != nil {
				l.t.Logf("write to %s: %v", p.remote, err)
			}
		}
	}
	evs := l.sp.AppendEvents(nil)
	l.events = append(l.events, evs...)
	for _, e := range evs {
		if e.Peer < 0 {
			continue
		}
		switch p := l.peers[e.Peer]; e.Kind {
		case EventDial:
			l.wg.Add(1)
			go l.dial(e.Peer)
		case EventClose:
			if p.conn != nil {
				p.conn.Close()
				p.conn = nil
			}
		}
	}
}

func (l *liveSpeaker) dial(i int) {
	defer l.wg.Done()
	l.mu.Lock()
	p := l.peers[i]
	l.mu.Unlock()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(p.local)}, Timeout: 2 * time.Second}
	conn, err := d.Dial("tcp", p.remote)
	l.do(func(now sim.Time, sp *Speaker) {
		if err != nil {
			l.t.Logf("dial %s: %v", p.remote, err)
			sp.Closed(now, i)
			return
		}
		p.conn = conn
		if err := sp.Connected(now, i); err != nil {
			conn.Close()
			p.conn = nil
			return
		}
		l.wg.Add(1)
		go l.read(i, conn)
	})
}

func (l *liveSpeaker) read(i int, conn net.Conn) {
	defer l.wg.Done()
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		l.do(func(now sim.Time, sp *Speaker) {
			p := l.peers[i]
			if p.conn != conn {
				return // closed by us
			}
			if n > 0 {
				sp.Receive(now, i, buf[:n])
			}
			if err != nil && p.conn == conn {
				p.conn = nil
				conn.Close()
				sp.Closed(now, i)
			}
		})
		if err != nil {
			return
		}
	}
}

func (l *liveSpeaker) timers() {
	defer l.wg.Done()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
			l.do(func(now sim.Time, sp *Speaker) {
				if sp.NextDeadline() <= now {
					sp.Advance(now)
				}
			})
		}
	}
}

func (l *liveSpeaker) state() State {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sp.Session(0).State()
}

func (l *liveSpeaker) best(p string) (Route, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sp.Best(pfx(p))
}

func (l *liveSpeaker) eventLog() string {
	var b strings.Builder
	for _, e := range l.events {
		fmt.Fprintln(&b, e)
	}
	return b.String()
}

// notifications returns the NOTIFICATIONs received.
func (l *liveSpeaker) notifications() []*Notification {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ns []*Notification
	for _, e := range l.events {
		if e.Kind == EventNotification && !e.Sent {
			ns = append(ns, e.Notification)
		}
	}
	return ns
}

// fellFromEstablished reports whether the session ever left Established.
func (l *liveSpeaker) fellFromEstablished() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.ContainsFunc(l.events, func(e Event) bool { return e.Kind == EventState && e.Prev == Established })
}

// sendRaw writes a message of our own making on the connection.
func (l *liveSpeaker) sendRaw(msg []byte) {
	l.do(func(now sim.Time, sp *Speaker) { sp.Session(0).SendRaw(msg) })
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestGoBGP is the judge. Two sessions run one after the other, each
// against its own GoBGP (not in parallel: GoBGP's StartBgp writes
// package-level route selection options that its running servers read):
//
//   - four-octet: both speakers in 4-octet ASes (RFC 6793): session up on
//     both sides, keepalives on a 3 s hold time, routes each way with
//     their attributes, withdrawals each way, then two malformed UPDATEs
//     of ours and what GoBGP does about them.
//   - two-octet: our speaker leaves the 4-octet capability out (an OLD
//     speaker) while GoBGP's AS needs 4 octets: GoBGP must send AS_TRANS
//     and AS4_PATH, and we must rebuild the real path from them.
func TestGoBGP(t *testing.T) {
	t.Run("four-octet", testGoBGPFourOctet)
	t.Run("two-octet", testGoBGPTwoOctet)
	t.Run("route-server", testGoBGPRouteServer)
	t.Run("our-route-server", testOurRouteServer)
}

const (
	judgeAS4 = 4200000001 // GoBGP's AS: needs 4 octets
	ourAS4   = 65546      // ours: 65536+10, needs 4 octets too
	ourAddr  = "127.0.0.2"
	judgeIP  = "127.0.0.1"
)

func testGoBGPFourOctet(t *testing.T) {
	j := startJudge(t, judgeAS4, ourAddr, ourAS4)
	l := newLiveSpeaker(t, SpeakerConfig{AS: ourAS4, RouterID: addr("10.255.255.2")}, PeerConfig{
		Relationship: RelCustomer,
		Session: SessionConfig{PeerAS: judgeAS4, LocalAddr: addr(ourAddr), PeerAddr: addr(judgeIP),
			HoldTime: 3 * time.Second, IdleHoldTime: -1, ConnectRetryTime: time.Second},
	}, ourAddr, j.addr)
	j.waitActive(ourAddr)
	l.do(func(now sim.Time, sp *Speaker) { sp.Start(now, 0) })

	waitFor(t, 5*time.Second, "Established on our side", func() bool { return l.state() == Established })
	waitFor(t, 5*time.Second, "Established on GoBGP's side", func() bool { return j.peerState(ourAddr) == api.PeerState_ESTABLISHED })
	l.mu.Lock()
	s := l.sp.Session(0)
	if !s.FourOctet() || s.HoldTime() != 3*time.Second || s.PeerID() != addr("10.255.255.1") {
		t.Errorf("negotiated: four-octet %v, hold time %v, peer ID %v", s.FourOctet(), s.HoldTime(), s.PeerID())
	}
	l.mu.Unlock()

	// Our route reaches GoBGP with AS_PATH [ourAS4], NEXT_HOP our address,
	// ORIGIN and MED as originated.
	l.do(func(now sim.Time, sp *Speaker) {
		sp.Originate(now, pfx("198.51.100.0/24"), Origination{Origin: OriginIncomplete, MED: 42, HasMED: true})
	})
	waitFor(t, 5*time.Second, "our route in GoBGP's RIB", func() bool { return len(j.rib("198.51.100.0/24")) == 1 })
	got := j.rib("198.51.100.0/24")[0]
	want := judgeRoute{prefix: "198.51.100.0/24", asPath: []uint32{ourAS4}, nextHop: ourAddr, origin: 2, med: 42, hasMED: true, from: ourAddr}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("GoBGP has\n %+v\nwant\n %+v", got, want)
	}
	t.Logf("GoBGP's RIB: %+v", got)

	// GoBGP's route reaches our Loc-RIB: AS_PATH [GoBGP's AS, the AS it was
	// given], NEXT_HOP GoBGP's address, ORIGIN EGP, MED 7 (GoBGP keeps the
	// MED of its own routes, as RFC 4271 5.1.4 allows), LOCAL_PREF from our
	// import policy (a customer: 200).
	jp := judgePath(t, pfx("203.0.113.0/24"), 1, 7, []uint32{4200000099})
	j.addPath(jp)
	waitFor(t, 5*time.Second, "GoBGP's route in our Loc-RIB", func() bool { _, ok := l.best("203.0.113.0/24"); return ok })
	r, _ := l.best("203.0.113.0/24")
	t.Logf("our Loc-RIB: %v", r.Path)
	if r.Path.ASPath.String() != "4200000001 4200000099" || r.Path.NextHop != addr(judgeIP) || r.Path.Origin != OriginEGP ||
		!r.Path.HasMED || r.Path.MED != 7 || r.Path.LocalPref != LocalPrefCustomer || r.PeerAddr != addr(judgeIP) {
		t.Errorf("our Loc-RIB has %v from %v", r.Path, r.PeerAddr)
	}

	// The session outlives its 3 s hold time, so keepalives (every 1 s)
	// flow both ways and each side takes the other's.
	time.Sleep(3500 * time.Millisecond)
	l.mu.Lock()
	in, out := s.Stats.In[TypeKeepalive], s.Stats.Out[TypeKeepalive]
	l.mu.Unlock()
	if in < 3 || out < 3 || l.fellFromEstablished() || j.peerState(ourAddr) != api.PeerState_ESTABLISHED {
		t.Errorf("keepalives in %d out %d; session reset %v; GoBGP state %v", in, out, l.fellFromEstablished(), j.peerState(ourAddr))
	}

	// Withdrawals, each way.
	l.do(func(now sim.Time, sp *Speaker) { sp.Unoriginate(now, pfx("198.51.100.0/24")) })
	waitFor(t, 5*time.Second, "our withdrawal in GoBGP's RIB", func() bool { return len(j.rib("198.51.100.0/24")) == 0 })
	j.deletePath(jp)
	waitFor(t, 5*time.Second, "GoBGP's withdrawal in our Loc-RIB", func() bool { _, ok := l.best("203.0.113.0/24"); return !ok })

	// Malformed UPDATE 1: a MULTI_EXIT_DISC of 3 octets for a prefix GoBGP
	// has from us. RFC 7606 7.4: "If the MULTI_EXIT_DISC attribute is
	// malformed (its length is not 4), treat-as-withdraw": GoBGP must drop
	// the prefix and keep the session, sending no NOTIFICATION.
	l.do(func(now sim.Time, sp *Speaker) { sp.Originate(now, pfx("192.0.2.0/24"), Origination{}) })
	waitFor(t, 5*time.Second, "192.0.2.0/24 in GoBGP's RIB", func() bool { return len(j.rib("192.0.2.0/24")) == 1 })
	good := (&Path{ASPath: ASPath{{Type: ASSequence, ASNs: []uint32{ourAS4}}}, NextHop: addr(ourAddr)}).Attrs(true)
	badMED := append(slices.Clone(good), Attr{Flags: FlagOptional, Code: AttrMED, Value: []byte{0, 0, 1}})
	l.sendRaw(AppendMessage(nil, &Update{Attrs: badMED, NLRI: []netip.Prefix{pfx("192.0.2.0/24")}}))
	waitFor(t, 5*time.Second, "GoBGP to treat 192.0.2.0/24 as withdrawn", func() bool { return len(j.rib("192.0.2.0/24")) == 0 })
	time.Sleep(100 * time.Millisecond)
	if l.state() != Established || len(l.notifications()) != 0 || j.peerState(ourAddr) != api.PeerState_ESTABLISHED {
		t.Errorf("after a bad MED: our state %v, NOTIFICATIONs %v, GoBGP state %v", l.state(), l.notifications(), j.peerState(ourAddr))
	}
	if !j.log.has("treated as withdraw") {
		t.Errorf("GoBGP did not log a treat-as-withdraw")
	}

	// Malformed UPDATE 2: an NLRI prefix of length 33. RFC 4271 6.3: "If
	// the field is syntactically incorrect, then the Error Subcode MUST be
	// set to Invalid Network Field" (10), and RFC 7606 5.3 keeps the
	// session reset for NLRI that cannot be parsed. GoBGP resets the
	// session as RFC 7606 5.3 says, but with subcode 1, Malformed Attribute
	// List: its prefix decoder (pkg/packet/bgp, decodePrefix) uses that
	// subcode for every prefix error. The RFC backs 10; we assert what
	// GoBGP does so a change in it shows up here.
	upd := AppendMessage(nil, &Update{Attrs: good})
	upd = append(upd, 33, 192, 0, 2, 0, 0)
	upd[16], upd[17] = byte(len(upd)>>8), byte(len(upd))
	l.sendRaw(upd)
	waitFor(t, 5*time.Second, "GoBGP's NOTIFICATION", func() bool { return len(l.notifications()) > 0 })
	n := l.notifications()[0]
	t.Logf("GoBGP's NOTIFICATION: %v", n)
	if n.Code != CodeUpdate || n.Subcode != SubMalformedAttrList {
		t.Errorf("GoBGP sent %v, want UPDATE Message Error / Malformed Attribute List", n)
	}
	waitFor(t, 5*time.Second, "our session to drop", func() bool { return l.state() == Idle })
	// And our own parser, given the same bytes, says what RFC 4271 says.
	if _, _, err := ParseMessage(upd); !isCode(err, CodeUpdate, SubInvalidNetwork, SessionReset) {
		t.Errorf("our parser on the same UPDATE: %v", err)
	}
}

func isCode(err error, code, sub uint8, act Action) bool {
	e, ok := err.(*Error)
	return ok && e.Code == code && e.Subcode == sub && e.Action == act
}

func testGoBGPTwoOctet(t *testing.T) {
	const ourAS2 = 65010
	const ourAddr2 = "127.0.0.3"
	j := startJudge(t, judgeAS4, ourAddr2, ourAS2)
	l := newLiveSpeaker(t, SpeakerConfig{AS: ourAS2, RouterID: addr("10.255.255.3")}, PeerConfig{
		Relationship: RelPeer,
		Session: SessionConfig{PeerAS: judgeAS4, LocalAddr: addr(ourAddr2), PeerAddr: addr(judgeIP),
			HoldTime: 9 * time.Second, IdleHoldTime: -1, ConnectRetryTime: time.Second, TwoOctetAS: true},
	}, ourAddr2, j.addr)
	j.waitActive(ourAddr2)
	l.do(func(now sim.Time, sp *Speaker) { sp.Start(now, 0) })
	waitFor(t, 5*time.Second, "Established on our side", func() bool { return l.state() == Established })
	waitFor(t, 5*time.Second, "Established on GoBGP's side", func() bool { return j.peerState(ourAddr2) == api.PeerState_ESTABLISHED })
	l.mu.Lock()
	if l.sp.Session(0).FourOctet() {
		t.Error("4-octet AS numbers negotiated without our capability")
	}
	l.mu.Unlock()

	// GoBGP sends AS_PATH [23456 23456] and AS4_PATH [4200000001
	// 4200000099]; RFC 6793 4.2.3 rebuilds the real path.
	jp := judgePath(t, pfx("203.0.113.0/24"), 0, 5, []uint32{4200000099})
	j.addPath(jp)
	waitFor(t, 5*time.Second, "GoBGP's route in our Loc-RIB", func() bool { _, ok := l.best("203.0.113.0/24"); return ok })
	r, _ := l.best("203.0.113.0/24")
	if r.Path.ASPath.String() != "4200000001 4200000099" || r.Path.LocalPref != LocalPrefPeer {
		t.Errorf("our Loc-RIB has %v", r.Path)
	}
	if len(r.Path.Other) != 0 {
		t.Errorf("AS4_PATH kept as an unknown attribute: %v", r.Path.Other)
	}

	// Our route in 2-octet encoding.
	l.do(func(now sim.Time, sp *Speaker) { sp.Originate(now, pfx("198.51.100.0/24"), Origination{}) })
	waitFor(t, 5*time.Second, "our route in GoBGP's RIB", func() bool { return len(j.rib("198.51.100.0/24")) == 1 })
	if got := j.rib("198.51.100.0/24")[0]; fmt.Sprint(got.asPath) != "[65010]" || got.nextHop != ourAddr2 {
		t.Errorf("GoBGP has %+v", got)
	}
	j.deletePath(jp)
	waitFor(t, 5*time.Second, "GoBGP's withdrawal in our Loc-RIB", func() bool { _, ok := l.best("203.0.113.0/24"); return !ok })
	if l.fellFromEstablished() {
		t.Error("session reset")
	}

	// We stop: GoBGP gets Cease / Administrative Shutdown (RFC 4486),
	// leaves Established and forgets our route.
	l.do(func(now sim.Time, sp *Speaker) { sp.Stop(now, 0) })
	waitFor(t, 5*time.Second, "GoBGP to drop the session", func() bool { return j.peerState(ourAddr2) != api.PeerState_ESTABLISHED })
	waitFor(t, 5*time.Second, "GoBGP to forget our route", func() bool { return len(j.rib("198.51.100.0/24")) == 0 })
	if !j.log.has("received notification map[Code:6") || !j.log.has("Subcode:2") {
		t.Errorf("GoBGP did not log our Cease")
	}
}

// testGoBGPRouteServer: GoBGP is an IXP's route server (RFC 7947) with two
// clients, our speaker and a second GoBGP. Each client's route reaches the
// other through the route server as RFC 7947 2.2 says: the server's AS is
// not in the AS_PATH and the NEXT_HOP is the originating client's. Our
// client takes such routes only because its session sets NoFirstASCheck
// (the leftmost AS is not the route server's); the second GoBGP, which
// does not enforce the first AS, takes ours.
func testGoBGPRouteServer(t *testing.T) {
	const (
		rsAS, peerAS, ourAS = 65000, 65003, 65005
		peerIP, ourIP       = "127.0.0.4", "127.0.0.5"
	)
	rs := startGoBGP(t, rsAS, "10.255.255.1", judgeIP)
	for _, c := range []struct {
		addr string
		as   uint32
	}{{ourIP, ourAS}, {peerIP, peerAS}} {
		rs.addPeer(&api.Peer{
			Conf:        &api.PeerConf{NeighborAddress: c.addr, PeerAsn: c.as},
			Transport:   &api.Transport{PassiveMode: true, LocalAddress: "127.0.0.1"},
			RouteServer: &api.RouteServer{RouteServerClient: true},
		})
	}
	_, port, _ := net.SplitHostPort(rs.addr)
	rsPort, _ := strconv.Atoi(port)
	other := startGoBGP(t, peerAS, "10.255.255.4", judgeIP)
	rs.waitActive(peerIP)
	other.addPeer(&api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: judgeIP, PeerAsn: rsAS},
		Transport: &api.Transport{LocalAddress: peerIP, RemotePort: uint32(rsPort)},
	})
	l := newLiveSpeaker(t, SpeakerConfig{AS: ourAS, RouterID: addr("10.255.255.5")}, PeerConfig{
		Relationship: RelPeer,
		Session: SessionConfig{PeerAS: rsAS, LocalAddr: addr(ourIP), PeerAddr: addr(judgeIP),
			HoldTime: 9 * time.Second, IdleHoldTime: -1, ConnectRetryTime: time.Second, NoFirstASCheck: true},
	}, ourIP, rs.addr)
	rs.waitActive(ourIP)
	l.do(func(now sim.Time, sp *Speaker) { sp.Start(now, 0) })
	waitFor(t, 5*time.Second, "Established with the route server", func() bool { return l.state() == Established })
	waitFor(t, 5*time.Second, "the other client Established", func() bool { return rs.peerState(peerIP) == api.PeerState_ESTABLISHED })

	// Ours, through the route server, at the other client.
	l.do(func(now sim.Time, sp *Speaker) { sp.Originate(now, pfx("198.51.100.0/24"), Origination{}) })
	waitFor(t, 5*time.Second, "our route at the other client", func() bool { return len(other.rib("198.51.100.0/24")) == 1 })
	got := other.rib("198.51.100.0/24")[0]
	want := judgeRoute{prefix: "198.51.100.0/24", asPath: []uint32{ourAS}, nextHop: ourIP, origin: 0, from: judgeIP}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the other client has\n %+v\nwant\n %+v", got, want)
	}

	// The other client's, through the route server, in our Loc-RIB.
	other.addPath(judgePath(t, pfx("203.0.113.0/24"), 0, 5, nil))
	waitFor(t, 5*time.Second, "the other client's route in our Loc-RIB", func() bool { _, ok := l.best("203.0.113.0/24"); return ok })
	r, _ := l.best("203.0.113.0/24")
	t.Logf("our Loc-RIB: %v from %v", r.Path, r.PeerAddr)
	if r.Path.ASPath.String() != "65003" || r.Path.NextHop != addr(peerIP) || r.PeerAddr != addr(judgeIP) {
		t.Errorf("our Loc-RIB has %v from %v; want AS_PATH 65003, NEXT_HOP %s, from the route server", r.Path, r.PeerAddr, peerIP)
	}
}

// testOurRouteServer: our speaker is the route server, two GoBGPs its
// clients. Each client's route reaches the other with the AS_PATH and MED
// as they came (RFC 7947 2.2: the server's AS absent) and, as hops'
// documented deviation (SpeakerConfig.RouteServer), our address as
// NEXT_HOP; GoBGP, which does not enforce the first AS, takes them.
// A client's withdrawal reaches the other.
func testOurRouteServer(t *testing.T) {
	const (
		rsAS, aAS, bAS = 65020, 65021, 65022
		rsIP, aIP, bIP = "127.0.0.6", "127.0.0.7", "127.0.0.8"
	)
	a := startGoBGP(t, aAS, "10.255.255.7", aIP)
	b := startGoBGP(t, bAS, "10.255.255.8", bIP)
	var l *liveSpeaker
	for i, c := range []struct {
		j  *judge
		ip string
		as uint32
	}{{a, aIP, aAS}, {b, bIP, bAS}} {
		c.j.addPeer(&api.Peer{
			Conf:      &api.PeerConf{NeighborAddress: rsIP, PeerAsn: rsAS},
			Transport: &api.Transport{PassiveMode: true, LocalAddress: c.ip},
		})
		c.j.waitActive(rsIP)
		pc := PeerConfig{Relationship: RelPeer, Session: SessionConfig{PeerAS: c.as, LocalAddr: addr(rsIP), PeerAddr: addr(c.ip),
			HoldTime: 9 * time.Second, IdleHoldTime: -1, ConnectRetryTime: time.Second}}
		if i == 0 {
			l = newLiveSpeaker(t, SpeakerConfig{AS: rsAS, RouterID: addr("10.255.255.6"), RouteServer: true}, pc, rsIP, c.j.addr)
		} else {
			l.addPeer(pc, rsIP, c.j.addr)
		}
	}
	l.do(func(now sim.Time, sp *Speaker) { sp.Start(now, 0); sp.Start(now, 1) })
	waitFor(t, 5*time.Second, "both clients Established", func() bool {
		return a.peerState(rsIP) == api.PeerState_ESTABLISHED && b.peerState(rsIP) == api.PeerState_ESTABLISHED
	})

	pa := judgePath(t, pfx("198.51.100.0/24"), 0, 11, nil)
	a.addPath(pa)
	b.addPath(judgePath(t, pfx("203.0.113.0/24"), 1, 22, nil))
	for _, c := range []struct {
		j    *judge
		want judgeRoute
	}{
		{b, judgeRoute{prefix: "198.51.100.0/24", asPath: []uint32{aAS}, nextHop: rsIP, origin: 0, med: 11, hasMED: true, from: rsIP}},
		{a, judgeRoute{prefix: "203.0.113.0/24", asPath: []uint32{bAS}, nextHop: rsIP, origin: 1, med: 22, hasMED: true, from: rsIP}},
	} {
		waitFor(t, 5*time.Second, c.want.prefix+" through our route server", func() bool { return len(c.j.rib(c.want.prefix)) == 1 })
		if got := c.j.rib(c.want.prefix)[0]; fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("GoBGP client has\n %+v\nwant\n %+v", got, c.want)
		}
	}
	a.deletePath(pa)
	waitFor(t, 5*time.Second, "the withdrawal through our route server", func() bool { return len(b.rib("198.51.100.0/24")) == 0 })
}
