package bgp

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

// TestValleyFree: three ASes; P is C's provider, and X peers with both.
//
//	P (65001) ------ peer ------ X (65003)
//	    |                          |
//	customer of P                 peer
//	    |                          |
//	C (65002) ---------------------+
//
// Gao–Rexford export: routes from customers (and own routes) go to
// everyone; routes from peers and providers go to customers only.
func TestValleyFree(t *testing.T) {
	n := newTestNet(t)
	p := n.speaker("P", 65001)
	c := n.speaker("C", 65002)
	x := n.speaker("X", 65003)
	n.link(p, c, RelCustomer, RelProvider, nil)
	pToX, _ := n.link(p, x, RelPeer, RelPeer, nil)
	n.link(c, x, RelPeer, RelPeer, nil)
	n.startAll()
	n.run(5 * time.Second)
	n.established()

	n.originate(p, "10.1.0.0/16", Origination{})
	n.originate(c, "10.2.0.0/16", Origination{})
	n.originate(x, "10.3.0.0/16", Origination{})
	n.run(time.Second)
	t.Log(n.dump())

	// Every path each speaker holds, best first.
	paths := func(at int, prefix string) string {
		var s []string
		for _, r := range n.sps[at].Table() {
			if r.Prefix == pfx(prefix) {
				s = append(s, r.Path.ASPath.String())
			}
		}
		return strings.Join(s, ", ")
	}
	for _, tc := range []struct {
		at     int
		prefix string
		want   string
	}{
		// P's own prefix: to its customer C and its peer X. C must not
		// pass a provider's route on to its peer X (a valley), so X has
		// only the direct path.
		{c, "10.1.0.0/16", "65001"},
		{x, "10.1.0.0/16", "65001"},
		// C's prefix: a customer route, so P gives it to its peer X too;
		// X prefers the direct one (shorter).
		{p, "10.2.0.0/16", "65002"},
		{x, "10.2.0.0/16", "65002, 65001 65002"},
		// X's prefix reaches P and C over peering. C does not give P a
		// peer's route (P is its provider); P gives it to its customer C,
		// which prefers X's own announcement (LOCAL_PREF 100 from a peer
		// over 50 from a provider).
		{p, "10.3.0.0/16", "65003"},
		{c, "10.3.0.0/16", "65003, 65001 65003"},
		{x, "10.3.0.0/16", ""},
	} {
		if got := paths(tc.at, tc.prefix); got != tc.want {
			t.Errorf("%s's paths to %s: %q, want %q", n.names[tc.at], tc.prefix, got, tc.want)
		}
	}
	if r, _ := n.sps[c].Best(pfx("10.3.0.0/16")); r.Path.LocalPref != LocalPrefPeer || r.Learned != RelPeer {
		t.Errorf("C's best to X's prefix: %+v", r)
	}

	// C stops originating: everyone forgets its prefix.
	n.unoriginate(c, "10.2.0.0/16")
	n.run(time.Second)
	for _, at := range []int{p, x} {
		if got := paths(at, "10.2.0.0/16"); got != "" {
			t.Errorf("%s still has C's prefix: %q", n.names[at], got)
		}
	}
	// The P–X peering goes down. X loses P's prefix altogether (C may
	// not give it a provider's route), and P loses X's (C may not give
	// its provider a peer's route).
	n.sps[p].Stop(n.now, pToX)
	n.pump(p)
	n.run(time.Second)
	if got := paths(x, "10.1.0.0/16"); got != "" {
		t.Errorf("X reaches P's prefix via %q after the peering went down", got)
	}
	if got := paths(p, "10.3.0.0/16"); got != "" {
		t.Errorf("P reaches X's prefix via %q after the peering went down", got)
	}
	// C still reaches both.
	if got := paths(c, "10.1.0.0/16") + "; " + paths(c, "10.3.0.0/16"); got != "65001; 65003" {
		t.Errorf("C: %q", got)
	}
}

// TestIBGP: AS 65001 is three routers in a line, R1 – R2 – R3, over
// iBGP (not a full mesh). R1 has a customer C, R3 a provider P.
//
// R2 learns C's prefix over iBGP from R1 and must not pass it to R3 (RFC
// 4271 9.2: no iBGP-learned route to another internal peer), so R3 never
// hears of it. Within a full mesh that rule is what makes iBGP loop-free;
// here it leaves R3 blind, as it would a real router.
func TestIBGP(t *testing.T) {
	n := newTestNet(t)
	r1 := n.speaker("R1", 65001)
	r2 := n.speaker("R2", 65001)
	r3 := n.speaker("R3", 65001)
	c := n.speaker("C", 65002)
	p := n.speaker("P", 65003)
	// R2 sets itself as NEXT_HOP towards R1; R1 does not towards R2.
	n.link(r1, r2, 0, 0, func(end int, pc *PeerConfig) { pc.NextHopSelf = end == 1 })
	n.link(r2, r3, 0, 0, nil)
	n.link(r1, c, RelCustomer, RelProvider, nil)
	n.link(r2, p, RelProvider, RelCustomer, nil)
	n.startAll()
	n.run(5 * time.Second)
	n.established()
	n.originate(c, "10.2.0.0/16", Origination{})
	n.originate(p, "10.3.0.0/16", Origination{})
	n.run(time.Second)
	t.Log(n.dump())

	// R2 has C's route from R1 over iBGP: no prepend, LOCAL_PREF 200 kept,
	// NEXT_HOP still C's address (R1 has no next-hop-self).
	r, ok := n.sps[r2].Best(pfx("10.2.0.0/16"))
	if !ok || r.External || r.Path.ASPath.String() != "65002" || r.Path.LocalPref != LocalPrefCustomer || r.Path.NextHop != addr("10.0.2.2") {
		t.Fatalf("R2's route to C's prefix: %+v %v", r, r.Path)
	}
	// R2 gives it to its provider P: a customer route, as LOCAL_PREF 200
	// tells. P sees 65001 65002 with R2's address as NEXT_HOP.
	if got := n.bestPath(p, "10.2.0.0/16"); got != "65001 65002" {
		t.Errorf("P's path to C's prefix: %q", got)
	}
	if r, _ := n.sps[p].Best(pfx("10.2.0.0/16")); r.Path.NextHop != addr("10.0.3.1") {
		t.Errorf("P's next hop: %v", r.Path.NextHop)
	}
	// R3 hears nothing from R2 that R2 learned over iBGP.
	if got := n.bestPath(r3, "10.2.0.0/16"); got != "-" {
		t.Errorf("R3 has C's prefix via %q", got)
	}
	// P's prefix: R2 learns it (LOCAL_PREF 50) and gives it to R1 with
	// NEXT_HOP self, as configured; R1 gives a provider route to its
	// customer C.
	if r, _ := n.sps[r1].Best(pfx("10.3.0.0/16")); r.Path.LocalPref != LocalPrefProvider || r.Path.NextHop != addr("10.0.0.2") {
		t.Errorf("R1's route to P's prefix: %v", r.Path)
	}
	if got := n.bestPath(c, "10.3.0.0/16"); got != "65001 65003" {
		t.Errorf("C's path to P's prefix: %q", got)
	}
	// R2 learned P's prefix over eBGP, so it does give it to R3.
	if got := n.bestPath(r3, "10.3.0.0/16"); got != "65003" {
		t.Errorf("R3's path to P's prefix: %q", got)
	}
}

// scripted returns a speaker in AS 65001 whose peer 0 (AS 65002, the
// given relationship) is Established with a scripted peer, with
// functions to feed it UPDATEs and to read what it sends that peer.
func scripted(t *testing.T, rel Relationship) (*Speaker, func(*Update), func() []*Update) {
	t.Helper()
	sp, err := NewSpeaker(SpeakerConfig{AS: 65001, RouterID: addr("10.255.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sp.AddPeer(PeerConfig{Relationship: rel, Session: SessionConfig{PeerAS: 65002,
		LocalAddr: addr("10.0.0.1"), PeerAddr: addr("10.0.0.2")}}); err != nil {
		t.Fatal(err)
	}
	sp.Start(0, 0)
	if err := sp.Connected(0, 0); err != nil {
		t.Fatal(err)
	}
	sp.Receive(0, 0, AppendMessage(AppendMessage(nil, NewOpen(65002, 90, addr("10.255.0.2"), FourOctetASCap(65002))), &Keepalive{}))
	if sp.Session(0).State() != Established {
		t.Fatal(sp.Session(0).State())
	}
	var now sim.Time
	feed := func(u *Update) {
		now++
		sp.Receive(now, 0, AppendMessage(nil, u))
	}
	read := func() []*Update {
		var us []*Update
		b := sp.AppendOutput(nil, 0)
		for len(b) > 0 {
			m, n, err := ParseMessage(b)
			if err != nil {
				t.Fatal(err)
			}
			if u, ok := m.(*Update); ok {
				us = append(us, u)
			}
			b = b[n:]
		}
		return us
	}
	read()
	return sp, feed, read
}

func seqPath(nextHop string, asns ...uint32) *Path {
	return &Path{ASPath: ASPath{{Type: ASSequence, ASNs: asns}}, NextHop: addr(nextHop)}
}

// TestImportPolicy: LOCAL_PREF by relationship, loops dropped (and an
// earlier path withdrawn implicitly), best-path events.
func TestImportPolicy(t *testing.T) {
	sp, feed, _ := scripted(t, RelProvider)
	one := []netip.Prefix{pfx("192.0.2.0/24")}
	feed(&Update{Attrs: seqPath("10.0.0.2", 65002, 7).Attrs(true), NLRI: one})
	r, ok := sp.Best(one[0])
	if !ok || r.Path.LocalPref != LocalPrefProvider || r.Learned != RelProvider || !r.External || r.PeerID != addr("10.255.0.2") {
		t.Fatalf("%+v", r)
	}
	evs := sp.AppendEvents(nil)
	if i := slices.IndexFunc(evs, func(e Event) bool { return e.Kind == EventBest }); i < 0 || evs[i].Best == nil || evs[i].Prefix != one[0] {
		t.Fatalf("no best event: %v", evs)
	}
	// The same prefix again, with our AS in the path: dropped, and the
	// earlier path goes with it (the new announcement replaces it).
	feed(&Update{Attrs: seqPath("10.0.0.2", 65002, 65001, 7).Attrs(true), NLRI: one})
	if _, ok := sp.Best(one[0]); ok || len(sp.AdjRIBIn(0)) != 0 {
		t.Fatalf("looped path kept: %v", sp.Table())
	}
	evs = sp.AppendEvents(nil)
	if i := slices.IndexFunc(evs, func(e Event) bool { return e.Kind == EventBest }); i < 0 || evs[i].Best != nil {
		t.Fatalf("no withdrawal event: %v", evs)
	}
	// An explicit withdrawal of something never announced is harmless.
	feed(&Update{Withdrawn: []netip.Prefix{pfx("10.9.0.0/16")}})
	if len(sp.Table()) != 0 {
		t.Fatal(sp.Table())
	}
}

// TestExportAttributes: what a route looks like when it leaves, towards
// an external customer.
func TestExportAttributes(t *testing.T) {
	sp, feed, read := scripted(t, RelCustomer)
	if _, err := sp.AddPeer(PeerConfig{Relationship: RelCustomer, Session: SessionConfig{PeerAS: 65003,
		LocalAddr: addr("10.0.1.1"), PeerAddr: addr("10.0.1.2")}}); err != nil {
		t.Fatal(err)
	}
	sp.Start(0, 1)
	sp.Connected(0, 1)
	sp.Receive(0, 1, AppendMessage(AppendMessage(nil, NewOpen(65003, 90, addr("10.255.0.3"), FourOctetASCap(65003))), &Keepalive{}))
	sp.AppendOutput(nil, 1)

	in := seqPath("10.0.0.2", 65002)
	in.MED, in.HasMED = 5, true
	in.Other = []Attr{
		{Flags: FlagOptional | FlagTransitive, Code: 99, Value: []byte{1}},
		{Flags: FlagOptional, Code: 98, Value: []byte{2}},
	}
	feed(&Update{Attrs: in.Attrs(true), NLRI: []netip.Prefix{pfx("192.0.2.0/24")}})
	sp.Originate(9, pfx("198.51.100.0/24"), Origination{Origin: OriginIGP, MED: 7, HasMED: true})

	out := sp.AdjRIBOut(1)
	if len(out) != 2 {
		t.Fatalf("%v", out)
	}
	// From peer 0: our AS prepended, NEXT_HOP our address on that link,
	// no MED (RFC 4271 5.1.4), no LOCAL_PREF, the unknown transitive
	// attribute with the Partial bit, the non-transitive one dropped.
	got := out[0].Path
	want := &Path{ASPath: ASPath{{Type: ASSequence, ASNs: []uint32{65001, 65002}}}, NextHop: addr("10.0.1.1"),
		Other: []Attr{{Flags: FlagOptional | FlagTransitive | FlagPartial, Code: 99, Value: []byte{1}}}}
	if out[0].Prefix != pfx("192.0.2.0/24") || !got.Equal(want) {
		t.Errorf("exported\n %v %v\nwant\n %v %v", got, got.Other, want, want.Other)
	}
	// Our own route keeps its MED.
	if got := out[1].Path; got.ASPath.String() != "65001" || !got.HasMED || got.MED != 7 || got.NextHop != addr("10.0.1.1") {
		t.Errorf("own route exported as %v", got)
	}
	// Peer 0 gets our own route but not its own back.
	if back := sp.AdjRIBOut(0); len(back) != 1 || back[0].Prefix != pfx("198.51.100.0/24") {
		t.Errorf("to peer 0: %v", back)
	}
	ups := read()
	if len(ups) != 1 || len(ups[0].NLRI) != 1 || ups[0].NLRI[0] != pfx("198.51.100.0/24") {
		t.Errorf("UPDATEs to peer 0: %+v", ups)
	}
	// Peer 0 withdraws: peer 1 is told.
	sp.AppendOutput(nil, 1)
	feed(&Update{Withdrawn: []netip.Prefix{pfx("192.0.2.0/24")}})
	b := sp.AppendOutput(nil, 1)
	m, _, err := ParseMessage(b)
	if err != nil || len(m.(*Update).Withdrawn) != 1 {
		t.Errorf("withdrawal to peer 1: %v %v", m, err)
	}
	// Peer 0 goes down: its routes go from peer 1's Adj-RIB-Out.
	feed(&Update{Attrs: in.Attrs(true), NLRI: []netip.Prefix{pfx("192.0.2.0/24")}})
	sp.Closed(20, 0)
	if out := sp.AdjRIBOut(1); len(out) != 1 || out[0].Prefix != pfx("198.51.100.0/24") {
		t.Errorf("after peer 0 went down: %v", out)
	}
}

func TestShow(t *testing.T) {
	sp, feed, _ := scripted(t, RelCustomer)
	p := seqPath("10.0.0.2", 65002, 4200000001)
	p.MED, p.HasMED, p.Origin = 30, true, OriginIncomplete
	feed(&Update{Attrs: p.Attrs(true), NLRI: []netip.Prefix{pfx("192.0.2.0/24")}})
	sp.Originate(1, pfx("198.51.100.0/24"), Origination{})
	sp.Originate(1, pfx("192.0.2.0/24"), Origination{})
	got := sp.Show()
	want := `BGP table, local router ID is 10.255.0.1, local AS 65001
Status codes: * valid, > best; Origin codes: i - IGP, e - EGP, ? - incomplete

   Network            Next Hop            Metric LocPrf From            Path
*> 192.0.2.0/24       0.0.0.0                       200 local           i
*  192.0.2.0/24       10.0.0.2                30    200 10.0.0.2        65002 4200000001 ?
*> 198.51.100.0/24    0.0.0.0                       200 local           i
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestSpeakerConfigErrors(t *testing.T) {
	if _, err := NewSpeaker(SpeakerConfig{AS: 1}); err == nil {
		t.Error("no router ID accepted")
	}
	sp, _ := NewSpeaker(SpeakerConfig{AS: 1, RouterID: addr("1.1.1.1")})
	if _, err := sp.AddPeer(PeerConfig{Session: SessionConfig{PeerAS: 2, LocalAddr: addr("10.0.0.1"), PeerAddr: addr("10.0.0.2")}}); err == nil {
		t.Error("external peer without a relationship accepted")
	}
	if _, err := sp.AddPeer(PeerConfig{Session: SessionConfig{LocalAS: 5, PeerAS: 2, LocalAddr: addr("10.0.0.1"), PeerAddr: addr("10.0.0.2")}, Relationship: RelPeer}); err == nil {
		t.Error("peer with another local AS accepted")
	}
	if err := sp.Originate(0, netip.MustParsePrefix("2001:db8::/32"), Origination{}); err == nil {
		t.Error("IPv6 prefix originated")
	}
}

// TestRIBOwnsAttributes: attributes kept in the RIB do not alias the
// receive buffer, which the next message overwrites.
func TestRIBOwnsAttributes(t *testing.T) {
	sp, feed, _ := scripted(t, RelCustomer)
	mk := func(v byte, prefix string) *Update {
		p := seqPath("10.0.0.2", 65002)
		p.Other = []Attr{{Flags: FlagOptional | FlagTransitive, Code: 99, Value: []byte{v, v, v}}}
		return &Update{Attrs: p.Attrs(true), NLRI: []netip.Prefix{pfx(prefix)}}
	}
	feed(mk(1, "192.0.2.0/24"))
	feed(mk(2, "198.51.100.0/24"))
	r, _ := sp.Best(pfx("192.0.2.0/24"))
	if got := r.Path.Other[0].Value; string(got) != "\x01\x01\x01" {
		t.Fatalf("attribute value changed to %x", got)
	}
}

// TestRouteServer: clients A and B peer only with an IXP's route server
// RS (RFC 7947), and A is also a customer of provider P. RS passes A's
// routes to B and B's to A without its own AS in the path and with itself
// as the next hop; its own prefix carries its AS; A does not pass B's
// routes (a peer's, through RS) to its provider P, nor P's to RS.
func TestRouteServer(t *testing.T) {
	n := newTestNet(t)
	a := n.speaker("A", 65001)
	b := n.speaker("B", 65002)
	rs := n.speaker("RS", 65010)
	p := n.speaker("P", 65020)
	n.sps[rs].cfg.RouteServer = true
	client := func(end int, pc *PeerConfig) {
		if end == 0 {
			pc.Session.NoFirstASCheck = true // the client's end
		}
	}
	n.link(a, rs, RelPeer, RelPeer, client)
	n.link(b, rs, RelPeer, RelPeer, client)
	n.link(p, a, RelCustomer, RelProvider, nil)
	n.startAll()
	n.run(5 * time.Second)
	n.established()
	n.originate(a, "10.1.0.0/16", Origination{})
	n.originate(b, "10.2.0.0/16", Origination{})
	n.originate(rs, "10.10.0.0/16", Origination{})
	n.originate(p, "10.20.0.0/16", Origination{})
	n.run(time.Second)
	t.Log(n.dump())
	for _, tc := range []struct {
		at     int
		prefix string
		want   string
	}{
		{b, "10.1.0.0/16", "65001"},  // A's, through RS: RS's AS not in it
		{a, "10.2.0.0/16", "65002"},  // B's likewise
		{a, "10.10.0.0/16", "65010"}, // RS's own prefix carries its AS
		{p, "10.2.0.0/16", ""},       // A keeps a peer's route from its provider
		{b, "10.20.0.0/16", ""},      // and its provider's from its peers
		{p, "10.1.0.0/16", "65001"},  // A's own goes to its provider
		{rs, "10.1.0.0/16", "65001"}, // RS holds A's route
		{rs, "10.20.0.0/16", ""},     // never P's
		{a, "10.20.0.0/16", "65020"}, // A reaches P's prefix directly
		{b, "10.10.0.0/16", "65010"}, // and B RS's
	} {
		var got []string
		for _, r := range n.sps[tc.at].Table() {
			if r.Prefix == pfx(tc.prefix) {
				got = append(got, r.Path.ASPath.String())
			}
		}
		if g := strings.Join(got, ", "); g != tc.want {
			t.Errorf("%s's paths to %s: %q, want %q", n.names[tc.at], tc.prefix, g, tc.want)
		}
	}
	// The next hop B uses for A's prefix is RS's address on the B–RS link.
	r, ok := n.sps[b].Best(pfx("10.1.0.0/16"))
	if !ok || r.Path.NextHop != n.sps[b].PeerConfig(0).Session.PeerAddr {
		t.Errorf("B's next hop for A's prefix: %+v, want RS's address %v", r.Path, n.sps[b].PeerConfig(0).Session.PeerAddr)
	}
	// Without NoFirstASCheck a client treats RS's transparent routes as
	// withdrawn (RFC 7606: leftmost AS not the peer's).
	n2 := newTestNet(t)
	a2, b2, rs2 := n2.speaker("A", 65001), n2.speaker("B", 65002), n2.speaker("RS", 65010)
	n2.sps[rs2].cfg.RouteServer = true
	n2.link(a2, rs2, RelPeer, RelPeer, nil)
	n2.link(b2, rs2, RelPeer, RelPeer, client)
	n2.startAll()
	n2.run(5 * time.Second)
	n2.originate(b2, "10.2.0.0/16", Origination{})
	n2.run(time.Second)
	if _, ok := n2.sps[a2].Best(pfx("10.2.0.0/16")); ok {
		t.Error("a client checking the first AS accepted a route server's transparent route")
	}
}

// TestMinAdvertisementInterval: B, between A and C, acts on a change at
// once after a quiet spell, then gathers further changes until its
// interval has passed: A's second prefix reaches C only a second after
// the first run, and both then stand.
func TestMinAdvertisementInterval(t *testing.T) {
	n := newTestNet(t)
	a, b, c := n.speaker("A", 65001), n.speaker("B", 65002), n.speaker("C", 65003)
	n.sps[b].cfg.MinAdvertisementInterval = time.Second
	n.link(a, b, RelCustomer, RelProvider, nil)
	n.link(b, c, RelCustomer, RelProvider, nil)
	n.startAll()
	n.run(5 * time.Second)
	n.established()
	n.run(2 * time.Second) // a quiet spell
	n.originate(a, "10.1.0.0/16", Origination{})
	n.run(100 * time.Millisecond)
	if got := n.bestPath(c, "10.1.0.0/16"); got != "65002 65001" {
		t.Fatalf("C's path to the first prefix right after it: %q", got)
	}
	n.originate(a, "10.2.0.0/16", Origination{})
	n.run(500 * time.Millisecond)
	if got := n.bestPath(c, "10.2.0.0/16"); got != "-" {
		t.Fatalf("C has the second prefix (%q) within B's interval", got)
	}
	n.run(time.Second)
	if got := n.bestPath(c, "10.2.0.0/16"); got != "65002 65001" {
		t.Fatalf("C's path to the second prefix after B's interval: %q", got)
	}
}
