package bgp

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/hopsnet/hops/sim"
)

// Relationship is what an external neighbour is to us, for the
// Gao–Rexford policy.
type Relationship uint8

// Relationships.
const (
	// RelCustomer: the neighbour pays us; we carry its routes to everyone
	// and give it every route.
	RelCustomer Relationship = iota + 1
	// RelPeer: settlement-free peering; it gets our own and our customers'
	// routes only.
	RelPeer
	// RelProvider: we pay the neighbour; it gets our own and our
	// customers' routes only.
	RelProvider
)

// String names the relationship; 0 is "own".
func (r Relationship) String() string {
	switch r {
	case 0:
		return "own"
	case RelCustomer:
		return "customer"
	case RelPeer:
		return "peer"
	case RelProvider:
		return "provider"
	}
	return fmt.Sprintf("Relationship(%d)", uint8(r))
}

// LOCAL_PREF values of the import policy: customers' routes are
// preferred to peers', peers' to providers'. Own routes carry
// LocalPrefCustomer towards internal peers.
const (
	LocalPrefCustomer = 200
	LocalPrefPeer     = 100
	LocalPrefProvider = 50
	// DefaultLocalPref is assumed for an internal route without LOCAL_PREF.
	DefaultLocalPref = 100
)

func localPrefOf(r Relationship) uint32 {
	switch r {
	case RelCustomer:
		return LocalPrefCustomer
	case RelPeer:
		return LocalPrefPeer
	}
	return LocalPrefProvider
}

// classOf recovers where an internal route entered the AS from its
// LOCAL_PREF, which the border router set by the same policy.
func classOf(lp uint32) Relationship {
	switch {
	case lp >= LocalPrefCustomer:
		return RelCustomer
	case lp >= LocalPrefPeer:
		return RelPeer
	}
	return RelProvider
}

// SpeakerConfig configures a speaker.
type SpeakerConfig struct {
	AS       uint32
	RouterID netip.Addr
	// RouteServer makes the speaker an IXP's route server (RFC 7947):
	// every external neighbour is a client, and gets the best routes
	// learned from the other clients whatever their relationships, with
	// the AS_PATH and MULTI_EXIT_DISC as they came (our AS is not
	// prepended to clients' routes; our own routes carry it). Unlike RFC
	// 7947 2.2.2, which leaves NEXT_HOP alone because clients share the
	// exchange's LAN, NEXT_HOP is our address: hops' exchange is a router
	// on point-to-point links, in the path. Clients' sessions to a route
	// server need NoFirstASCheck.
	RouteServer bool
	// MinAdvertisementInterval spaces the runs of the decision process
	// and the UPDATEs they send (RFC 4271 9.2.1.1's
	// MinRouteAdvertisementIntervalTimer, here one for the speaker and
	// for withdrawals too): a change after a quiet spell is acted on at
	// once, later ones are gathered until the interval has passed, so
	// that a burst of UPDATEs costs one run. 0 acts on every change at
	// once.
	MinAdvertisementInterval time.Duration
}

// PeerConfig configures one neighbour of a speaker. Session.LocalAS and
// Session.RouterID are taken from the speaker when zero.
type PeerConfig struct {
	Session SessionConfig
	// Relationship of an external neighbour; internal ones (same AS)
	// ignore it.
	Relationship Relationship
	// NextHopSelf: towards an internal peer, routes learned over eBGP
	// carry our address as NEXT_HOP instead of the external one.
	NextHopSelf bool
}

// Origination describes a prefix the speaker originates.
type Origination struct {
	Origin Origin
	MED    uint32
	HasMED bool
}

type peer struct {
	idx    int
	cfg    PeerConfig
	s      *Session
	adjIn  map[netip.Prefix]*candidate
	adjOut map[netip.Prefix]*Path
	full   bool // send the whole table at the next flush
	up     bool // Established as far as the RIBs know
}

// Speaker is a BGP speaker: sessions to its peers, their Adj-RIBs-In,
// the Loc-RIB and decision process, and per-peer Adj-RIBs-Out filled by
// the export policy:
//
//   - import: a route whose AS_PATH holds our AS is dropped (RFC 4271
//     9.1.2); an external route gets LOCAL_PREF by the neighbour's
//     relationship (customer 200, peer 100, provider 50); an internal one
//     keeps its own.
//   - export (Gao–Rexford, valley-free): own routes and customers' go to
//     every neighbour; peers' and providers' go to customers only. A
//     route is never sent back to the peer it came from, nor to an
//     external peer whose AS is already in its path, nor, if learned over
//     iBGP, to another internal peer (RFC 4271 9.2).
//   - towards an external peer we prepend our AS and set NEXT_HOP to our
//     address; LOCAL_PREF is not sent and MULTI_EXIT_DISC only on our own
//     routes (RFC 4271 5.1.4). Towards an internal peer the AS_PATH and
//     NEXT_HOP are kept (but our own routes, and all with NextHopSelf,
//     carry our address) and LOCAL_PREF is sent.
//   - unrecognized optional transitive attributes are passed on with the
//     Partial bit set, non-transitive ones dropped (RFC 4271 5).
//
// The calls that feed a session (Start, Stop, Connected, Closed,
// Receive, Advance) run the decision process and queue the resulting
// UPDATEs on every affected session before they return.
type Speaker struct {
	cfg       SpeakerConfig
	nextFlush sim.Time // MinAdvertisementInterval: the earliest next run
	held      bool     // a run is due at nextFlush
	peers     []*peer
	rib       map[netip.Prefix]*dest
	own       map[netip.Prefix]*candidate
	dirty     map[netip.Prefix]struct{}
	events    []Event
	scr       []Event
}

// NewSpeaker returns a speaker with no peers.
func NewSpeaker(cfg SpeakerConfig) (*Speaker, error) {
	if cfg.AS == 0 {
		return nil, errors.New("bgp: AS number 0")
	}
	if !cfg.RouterID.Is4() || cfg.RouterID.IsUnspecified() {
		return nil, fmt.Errorf("bgp: router ID %v: want a non-zero IPv4 address", cfg.RouterID)
	}
	return &Speaker{cfg: cfg, rib: map[netip.Prefix]*dest{}, own: map[netip.Prefix]*candidate{}, dirty: map[netip.Prefix]struct{}{}}, nil
}

// Config returns the configuration.
func (sp *Speaker) Config() SpeakerConfig { return sp.cfg }

// AddPeer adds a neighbour, its session Idle, and returns its index.
func (sp *Speaker) AddPeer(cfg PeerConfig) (int, error) {
	sc := &cfg.Session
	if sc.LocalAS == 0 {
		sc.LocalAS = sp.cfg.AS
	}
	if !sc.RouterID.IsValid() {
		sc.RouterID = sp.cfg.RouterID
	}
	if sc.LocalAS != sp.cfg.AS || sc.RouterID != sp.cfg.RouterID {
		return 0, errors.New("bgp: peer's local AS or router ID differs from the speaker's")
	}
	if sc.PeerAS != sp.cfg.AS && (cfg.Relationship < RelCustomer || cfg.Relationship > RelProvider) {
		return 0, fmt.Errorf("bgp: external peer %v needs a relationship", sc.PeerAddr)
	}
	s, err := NewSession(*sc)
	if err != nil {
		return 0, err
	}
	cfg.Session = s.Config()
	p := &peer{idx: len(sp.peers), cfg: cfg, s: s, adjIn: map[netip.Prefix]*candidate{}, adjOut: map[netip.Prefix]*Path{}}
	sp.peers = append(sp.peers, p)
	return p.idx, nil
}

// Peers returns the number of peers.
func (sp *Speaker) Peers() int { return len(sp.peers) }

// Session returns peer i's session, for inspection; drive it through the
// speaker.
func (sp *Speaker) Session(i int) *Session { return sp.peers[i].s }

// PeerConfig returns peer i's configuration with defaults filled in.
func (sp *Speaker) PeerConfig(i int) PeerConfig { return sp.peers[i].cfg }

// Start starts peer i's session (see [Session.Start]).
func (sp *Speaker) Start(now sim.Time, i int) {
	sp.peers[i].s.Start(now)
	sp.sync(now)
}

// Stop stops peer i's session (see [Session.Stop]); its routes are
// withdrawn.
func (sp *Speaker) Stop(now sim.Time, i int) {
	sp.peers[i].s.Stop(now)
	sp.sync(now)
}

// Connected reports peer i's connection up (see [Session.Connected]).
func (sp *Speaker) Connected(now sim.Time, i int) error {
	err := sp.peers[i].s.Connected(now)
	sp.sync(now)
	return err
}

// Closed reports peer i's connection down (see [Session.Closed]).
func (sp *Speaker) Closed(now sim.Time, i int) {
	sp.peers[i].s.Closed(now)
	sp.sync(now)
}

// Receive hands peer i's session bytes from its connection.
func (sp *Speaker) Receive(now sim.Time, i int, b []byte) {
	sp.peers[i].s.Receive(now, b)
	sp.sync(now)
}

// Advance runs every session's timers due at or before now.
func (sp *Speaker) Advance(now sim.Time) {
	for _, p := range sp.peers {
		p.s.Advance(now)
	}
	sp.sync(now)
}

// Held reports whether changes wait for the minimum advertisement
// interval: the decision process will run, and UPDATEs may go, at
// NextDeadline.
func (sp *Speaker) Held() bool { return sp.held }

// NextDeadline returns when Advance must next be called, or sim.Never.
func (sp *Speaker) NextDeadline() sim.Time {
	t := sim.Never
	if sp.held {
		t = sp.nextFlush
	}
	for _, p := range sp.peers {
		t = min(t, p.s.NextDeadline())
	}
	return t
}

// AppendOutput appends the bytes to write to peer i's connection.
func (sp *Speaker) AppendOutput(dst []byte, i int) []byte { return sp.peers[i].s.AppendOutput(dst) }

// AppendEvents appends what happened since the last call, sessions'
// events with their peer index and EventBest for Loc-RIB changes, and
// forgets it.
func (sp *Speaker) AppendEvents(dst []Event) []Event {
	dst = append(dst, sp.events...)
	clear(sp.events)
	sp.events = sp.events[:0]
	return dst
}

// Originate makes the speaker originate prefix (masked) with o.
func (sp *Speaker) Originate(now sim.Time, prefix netip.Prefix, o Origination) error {
	if !prefix.IsValid() || !prefix.Addr().Is4() {
		return fmt.Errorf("bgp: prefix %v: want IPv4", prefix)
	}
	prefix = prefix.Masked()
	c := &candidate{peer: -1, path: &Path{Origin: o.Origin, MED: o.MED, HasMED: o.HasMED,
		LocalPref: LocalPrefCustomer, HasLocalPref: true}}
	sp.own[prefix] = c
	sp.dest(prefix).set(c)
	sp.dirty[prefix] = struct{}{}
	sp.sync(now)
	return nil
}

// Unoriginate stops originating prefix.
func (sp *Speaker) Unoriginate(now sim.Time, prefix netip.Prefix) {
	prefix = prefix.Masked()
	if _, ok := sp.own[prefix]; !ok {
		return
	}
	delete(sp.own, prefix)
	sp.dest(prefix).remove(-1)
	sp.dirty[prefix] = struct{}{}
	sp.sync(now)
}

func (sp *Speaker) dest(p netip.Prefix) *dest {
	d := sp.rib[p]
	if d == nil {
		d = &dest{}
		sp.rib[p] = d
	}
	return d
}

// sync takes the sessions' events, updates the RIBs, and sends what
// changed.
func (sp *Speaker) sync(now sim.Time) {
	for _, p := range sp.peers {
		sp.scr = p.s.AppendEvents(sp.scr[:0])
		for _, e := range sp.scr {
			e.Peer = p.idx
			sp.events = append(sp.events, e)
			sp.sessionEvent(p, e)
		}
	}
	clear(sp.scr)
	if iv := sp.cfg.MinAdvertisementInterval; iv > 0 {
		full := slices.ContainsFunc(sp.peers, func(p *peer) bool { return p.full && p.s.State() == Established })
		if len(sp.dirty) == 0 && !full {
			return
		}
		if now < sp.nextFlush {
			sp.held = true
			return
		}
		sp.held = false
		sp.nextFlush = now.Add(iv)
	}
	sp.flush(now)
}

func (sp *Speaker) sessionEvent(p *peer, e Event) {
	switch e.Kind {
	case EventState:
		if e.State == Established {
			p.up, p.full = true, true
		} else if p.up {
			p.up = false
			for pfx := range p.adjIn {
				sp.rib[pfx].remove(p.idx)
				sp.dirty[pfx] = struct{}{}
			}
			clear(p.adjIn)
			clear(p.adjOut)
		}
	case EventUpdate:
		for _, pfx := range e.Withdrawn {
			if _, ok := p.adjIn[pfx]; ok {
				delete(p.adjIn, pfx)
				sp.rib[pfx].remove(p.idx)
				sp.dirty[pfx] = struct{}{}
			}
		}
		if len(e.NLRI) == 0 {
			return
		}
		c := sp.importRoute(p, e.Path)
		for _, pfx := range e.NLRI {
			sp.dirty[pfx] = struct{}{}
			if c == nil {
				// An implicit withdraw of the route this one replaces.
				if _, ok := p.adjIn[pfx]; ok {
					delete(p.adjIn, pfx)
					sp.rib[pfx].remove(p.idx)
				}
				continue
			}
			p.adjIn[pfx] = c
			sp.dest(pfx).set(c)
		}
	}
}

// importRoute applies the import policy; nil means the route is dropped.
func (sp *Speaker) importRoute(p *peer, path *Path) *candidate {
	if path.ASPath.Contains(sp.cfg.AS) {
		return nil
	}
	q := *path
	c := &candidate{peer: p.idx, external: p.s.External(), peerID: p.s.PeerID(), peerAddr: p.cfg.Session.PeerAddr}
	if c.external {
		c.class = p.cfg.Relationship
		q.LocalPref, q.HasLocalPref = localPrefOf(c.class), true
	} else {
		if !q.HasLocalPref {
			q.LocalPref, q.HasLocalPref = DefaultLocalPref, true
		}
		c.class = classOf(q.LocalPref)
	}
	c.path = &q
	c.neighborAS = q.ASPath.Neighbor()
	if c.neighborAS == 0 {
		c.neighborAS = sp.cfg.AS
	}
	return c
}

// flush runs the decision process for every changed prefix and sends
// each Established peer the difference between its Adj-RIB-Out and what
// the export policy now gives it.
func (sp *Speaker) flush(now sim.Time) {
	full := slices.ContainsFunc(sp.peers, func(p *peer) bool { return p.full && p.s.State() == Established })
	if len(sp.dirty) == 0 && !full {
		return
	}
	changed := slices.SortedFunc(maps.Keys(sp.dirty), comparePrefix)
	clear(sp.dirty)
	for _, pfx := range changed {
		d := sp.rib[pfx]
		if d == nil {
			continue
		}
		best := selectBest(d.cands)
		same := best == d.best || best != nil && d.best != nil && best.peer == d.best.peer && best.path.Equal(d.best.path)
		if !same {
			e := Event{Kind: EventBest, Peer: -1, Prefix: pfx}
			if best != nil {
				r := best.route(pfx, true)
				e.Best = &r
			}
			sp.events = append(sp.events, e)
		}
		d.best = best
		if len(d.cands) == 0 {
			delete(sp.rib, pfx)
		}
	}
	for _, p := range sp.peers {
		if p.s.State() != Established {
			continue
		}
		list := changed
		if p.full {
			p.full = false
			list = slices.SortedFunc(maps.Keys(sp.rib), comparePrefix)
		}
		sp.export(now, p, list)
	}
}

func (sp *Speaker) export(now sim.Time, p *peer, list []netip.Prefix) {
	type group struct {
		path *Path
		nlri []netip.Prefix
	}
	var groups []*group
	byKey := map[string]*group{}
	var withdrawn []netip.Prefix
	for _, pfx := range list {
		np := sp.exportPath(p, pfx)
		op := p.adjOut[pfx]
		switch {
		case np == nil && op != nil:
			delete(p.adjOut, pfx)
			withdrawn = append(withdrawn, pfx)
		case np != nil && !np.Equal(op):
			p.adjOut[pfx] = np
			k := string(np.key())
			g := byKey[k]
			if g == nil {
				g = &group{path: np}
				byKey[k] = g
				groups = append(groups, g)
			}
			g.nlri = append(g.nlri, pfx)
		}
	}
	p.s.Withdraw(now, withdrawn)
	for _, g := range groups {
		if err := p.s.Announce(now, g.path, g.nlri); err != nil {
			for _, pfx := range g.nlri {
				delete(p.adjOut, pfx)
			}
		}
	}
}

// exportPath returns the path peer p gets for prefix, or nil.
func (sp *Speaker) exportPath(p *peer, pfx netip.Prefix) *Path {
	d := sp.rib[pfx]
	if d == nil || d.best == nil {
		return nil
	}
	c := d.best
	if c.peer == p.idx {
		return nil
	}
	external := p.s.External()
	own := c.peer < 0
	if !external && !own && !c.external {
		return nil
	}
	if external {
		if !sp.cfg.RouteServer && p.cfg.Relationship != RelCustomer && !own && c.class != RelCustomer {
			return nil
		}
		if c.path.ASPath.Contains(p.cfg.Session.PeerAS) {
			return nil
		}
	}
	src := c.path
	q := &Path{Origin: src.Origin, AtomicAggregate: src.AtomicAggregate, Aggregator: src.Aggregator}
	for _, a := range src.Other {
		if a.Flags&FlagTransitive != 0 {
			a.Flags |= FlagPartial
			q.Other = append(q.Other, a)
		}
	}
	local := p.cfg.Session.LocalAddr
	if external {
		q.ASPath = src.ASPath.Prepend(sp.cfg.AS)
		if sp.cfg.RouteServer && !own {
			q.ASPath = src.ASPath // RFC 7947 2.2.2: transparent
		}
		q.NextHop = local
		if own || sp.cfg.RouteServer {
			q.MED, q.HasMED = src.MED, src.HasMED // RFC 7947 2.2: passed on unchanged
		}
		return q
	}
	q.ASPath = src.ASPath
	q.NextHop = src.NextHop
	if own || p.cfg.NextHopSelf {
		q.NextHop = local
	}
	q.MED, q.HasMED = src.MED, src.HasMED
	q.LocalPref, q.HasLocalPref = src.LocalPref, true
	return q
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// Table returns the Loc-RIB: every path to every prefix, prefixes in
// order, the best path of each first and the others by peer index.
func (sp *Speaker) Table() []Route {
	var rs []Route
	for _, pfx := range slices.SortedFunc(maps.Keys(sp.rib), comparePrefix) {
		d := sp.rib[pfx]
		if d.best != nil {
			rs = append(rs, d.best.route(pfx, true))
		}
		for _, c := range d.cands {
			if c != d.best {
				rs = append(rs, c.route(pfx, false))
			}
		}
	}
	return rs
}

// Best returns the best route to prefix.
func (sp *Speaker) Best(prefix netip.Prefix) (Route, bool) {
	d := sp.rib[prefix.Masked()]
	if d == nil || d.best == nil {
		return Route{}, false
	}
	return d.best.route(prefix.Masked(), true), true
}

// AdjRIBIn returns the routes peer i sent that passed the import policy,
// prefixes in order.
func (sp *Speaker) AdjRIBIn(i int) []Route {
	p := sp.peers[i]
	var rs []Route
	for _, pfx := range slices.SortedFunc(maps.Keys(p.adjIn), comparePrefix) {
		c := p.adjIn[pfx]
		rs = append(rs, c.route(pfx, sp.rib[pfx].best == c))
	}
	return rs
}

// AdjRIBOut returns the routes last advertised to peer i, with the
// attributes sent, prefixes in order. Peer is the receiver's index.
func (sp *Speaker) AdjRIBOut(i int) []Route {
	p := sp.peers[i]
	var rs []Route
	for _, pfx := range slices.SortedFunc(maps.Keys(p.adjOut), comparePrefix) {
		rs = append(rs, Route{Prefix: pfx, Path: p.adjOut[pfx], Peer: i, PeerAddr: p.cfg.Session.PeerAddr,
			PeerID: p.s.PeerID(), External: p.s.External()})
	}
	return rs
}

// Show returns the Loc-RIB as `show ip bgp` prints it.
func (sp *Speaker) Show() string {
	var b strings.Builder
	fmt.Fprintf(&b, "BGP table, local router ID is %v, local AS %d\n", sp.cfg.RouterID, sp.cfg.AS)
	fmt.Fprintf(&b, "Status codes: * valid, > best; Origin codes: i - IGP, e - EGP, ? - incomplete\n\n")
	b.WriteString(FormatRoutes(sp.Table()))
	return b.String()
}
