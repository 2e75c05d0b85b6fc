// Package bgpd runs the BGP-4 engine (routing/bgp) on a router, as a
// routing daemon does: it listens on TCP port 179 and connects to its
// neighbours over hops' TCP, carries the engine's bytes both ways, wakes
// it at its deadlines, brings an external session down at once when its
// link loses carrier (fast external fallover, as routers do by default)
// and starts it again when the link comes back, and offers the best
// routes to the node's table ("proto bgp", node.Offer).
//
// Routes from external neighbours go through the neighbour's address on
// the shared link; routes from internal neighbours carry the announcing
// border router's router ID as their next hop (next-hop-self), which is
// resolved through the node's other routes (OSPF's, the connected ones):
// the route installed goes out of the interface and to the gateway of
// that route, and is resolved again whenever the IGP's routes change
// (Resolve). The node's table takes, for each prefix, the route of least
// administrative distance (node.Offer: connected 0, static 1, eBGP 20,
// OSPF 110, iBGP 200); BGP's routes carry their distance as their metric,
// as FRR's zebra shows them.
//
// Of two neighbours, the one with the lower address connects and the
// other waits for it (a passive session), so connections never collide.
package bgpd

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/routing/bgp"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
	"github.com/hopsnet/hops/trace"
)

// Port is BGP's TCP port.
const Port = 179

// Peer is one neighbour.
type Peer struct {
	Name  string     // the neighbour's node name, for logs
	Addr  netip.Addr // its address: the far end of the link, or its router ID
	Local netip.Addr // ours: our address on the link, or our router ID
	AS    uint32
	// Relationship is what an external neighbour is to us.
	Relationship bgp.Relationship
	// Iface is the link to an external neighbour, whose carrier brings
	// the session down and up; nil for internal ones.
	Iface *node.Iface
	// RouteServer: the neighbour is an IXP's route server, whose routes
	// do not start with its AS.
	RouteServer bool
}

// Announce is a prefix a router originates and the subnets it covers
// (itself, or the halves of an aggregate): the router announces it while
// it has a connected route on a link that is up, or an OSPF route, to one
// of them, and withdraws it otherwise, as FRR's "bgp network
// import-check" does, so that a router cut off from a subnet does not
// draw its traffic.
type Announce struct {
	Prefix netip.Prefix
	Parts  []netip.Prefix
}

// Config configures a daemon.
type Config struct {
	AS          uint32
	RouterID    netip.Addr
	RouteServer bool // this router is an IXP's route server
	Peers       []Peer
	// Originate lists the prefixes the router announces (origin IGP),
	// each while it reaches one of the subnets it covers.
	Originate []Announce
	// HoldTime and ConnectRetry are the sessions' timers; zero takes
	// the engine's defaults (90 s and 120 s).
	HoldTime, ConnectRetry time.Duration
	// NoHoldTime proposes a hold time of zero: no KEEPALIVEs.
	NoHoldTime bool
	// MinAdvertisementInterval spaces the decision process's runs and
	// UPDATEs (see bgp.SpeakerConfig); 0 acts on every change at once.
	MinAdvertisementInterval time.Duration
	// OnChange, if set, is called after the daemon changed the node's
	// routes.
	OnChange func()
}

// Daemon is BGP running on one node.
type Daemon struct {
	n         *node.Node
	cfg       Config
	sp        *bgp.Speaker
	l         *node.TCPListener
	conns     []*node.TCPConn
	pend      [][]byte // per peer: bytes TCP has not taken yet
	closing   []bool   // per peer: close once pend is written
	timer     *node.Timer
	best      map[netip.Prefix]*bgp.Route
	buf       []byte
	evs       []bgp.Event
	busy      bool
	active    sim.Time
	announced []bool // per cfg.Originate: announced now
	// Stats counts what the daemon did.
	Stats Stats
}

// Stats counts a daemon's work.
type Stats struct {
	Updates       uint64 // UPDATE messages received
	BestChanges   uint64 // best-route changes
	RouteInstalls uint64 // routes added, changed or removed in the table
}

// Start starts BGP on n: it listens on port 179, originates the
// prefixes and starts every session.
func Start(n *node.Node, cfg Config) (*Daemon, error) {
	sp, err := bgp.NewSpeaker(bgp.SpeakerConfig{AS: cfg.AS, RouterID: cfg.RouterID, RouteServer: cfg.RouteServer,
		MinAdvertisementInterval: cfg.MinAdvertisementInterval})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", n.Name, err)
	}
	d := &Daemon{n: n, cfg: cfg, sp: sp, best: map[netip.Prefix]*bgp.Route{},
		buf: make([]byte, 64<<10)}
	hold := cfg.HoldTime
	if cfg.NoHoldTime {
		hold = bgp.NoHoldTime
	}
	for _, p := range cfg.Peers {
		pc := bgp.PeerConfig{
			Relationship: p.Relationship,
			NextHopSelf:  p.AS == cfg.AS,
			Session: bgp.SessionConfig{
				PeerAS: p.AS, LocalAddr: p.Local, PeerAddr: p.Addr,
				HoldTime: hold, ConnectRetryTime: cfg.ConnectRetry,
				Passive:        p.Addr.Less(p.Local),
				NoFirstASCheck: p.RouteServer,
			},
		}
		if _, err := sp.AddPeer(pc); err != nil {
			return nil, fmt.Errorf("%s: peer %s: %w", n.Name, p.Name, err)
		}
	}
	d.conns = make([]*node.TCPConn, len(cfg.Peers))
	d.pend = make([][]byte, len(cfg.Peers))
	d.closing = make([]bool, len(cfg.Peers))
	l, err := n.ListenTCP(Port, tcp.Config{NoDelay: true}, d.accept)
	if err != nil {
		return nil, err
	}
	d.l = l
	d.timer = n.NewTimer(d.fire)
	now := n.Now()
	d.active = now
	d.announced = make([]bool, len(cfg.Originate))
	if err := d.checkOrigins(now); err != nil {
		return nil, err
	}
	for i := range cfg.Peers {
		sp.Start(now, i)
	}
	d.pump(now)
	return d, nil
}

// checkOrigins announces the prefixes the router reaches and withdraws
// those it no longer does (Announce).
func (d *Daemon) checkOrigins(now sim.Time) error {
	for k, a := range d.cfg.Originate {
		reach := false
		for _, p := range a.Parts {
			if r, ok := d.n.Routes.Get(p); ok && r.Proto != "bgp" && d.n.Ifaces()[r.Iface].Up() {
				reach = true
				break
			}
		}
		switch {
		case reach && !d.announced[k]:
			if err := d.sp.Originate(now, a.Prefix, bgp.Origination{Origin: bgp.OriginIGP}); err != nil {
				return fmt.Errorf("%s: originate %v: %w", d.n.Name, a.Prefix, err)
			}
			d.announced[k] = true
		case !reach && d.announced[k]:
			d.sp.Unoriginate(now, a.Prefix)
			d.announced[k] = false
		}
	}
	return nil
}

// Speaker returns the engine, to read its tables.
func (d *Daemon) Speaker() *bgp.Speaker { return d.sp }

// Node returns the daemon's node.
func (d *Daemon) Node() *node.Node { return d.n }

// Config returns the daemon's configuration.
func (d *Daemon) Config() Config { return d.cfg }

// LastChange is when the daemon last heard an UPDATE, changed a best
// route or a session's state.
func (d *Daemon) LastChange() sim.Time { return d.active }

// Busy reports whether the daemon has work under way that will change
// what its neighbours know: changes held for the minimum advertisement
// interval, bytes TCP has not taken yet, or bytes its neighbours have
// not acknowledged.
func (d *Daemon) Busy() bool {
	if d.sp.Held() {
		return true
	}
	for i, c := range d.conns {
		if len(d.pend[i]) > 0 || c != nil && c.Engine().Unacked() > 0 {
			return true
		}
	}
	return false
}

// Established reports how many sessions are Established, of how many.
func (d *Daemon) Established() (up, all int) {
	for i := range d.cfg.Peers {
		if d.sp.Session(i).State() == bgp.Established {
			up++
		}
	}
	return up, len(d.cfg.Peers)
}

// SetUp tells the daemon that iface went down or came up: the external
// sessions over it stop at once (fast external fallover) or start again.
func (d *Daemon) SetUp(iface *node.Iface, up bool) {
	now := d.n.Now()
	for i, p := range d.cfg.Peers {
		if p.Iface != iface {
			continue
		}
		if up {
			d.sp.Start(now, i)
		} else {
			d.sp.Stop(now, i)
			if c := d.conns[i]; c != nil {
				d.conns[i] = nil
				c.Abort()
			}
			d.discard(i) // the NOTIFICATION has no way out
		}
	}
	d.checkOrigins(now)
	d.pump(now)
}

// Resolve installs the best routes again, their next hops looked up
// anew, and announces or withdraws the router's own prefixes as it now
// reaches them: call it when the node's other routes changed.
func (d *Daemon) Resolve() {
	if d.busy {
		return
	}
	now := d.n.Now()
	d.checkOrigins(now)
	d.pump(now)
	// Every prefix BGP offers has a best path (a lost one is withdrawn
	// when its EventBest comes), so the best paths are all to look at.
	changed := false
	for _, p := range slices.SortedFunc(maps.Keys(d.best), netip.Prefix.Compare) {
		changed = d.install(p) || changed
	}
	if changed {
		d.active = now
		if d.cfg.OnChange != nil {
			d.cfg.OnChange()
		}
	}
}

// accept takes a neighbour's connection (called when its handshake
// completes).
func (d *Daemon) accept(c *node.TCPConn) node.TCPHandler {
	remote, local := c.RemoteAddr().Addr(), c.LocalAddr().Addr()
	for i, p := range d.cfg.Peers {
		if p.Addr != remote || p.Local != local {
			continue
		}
		if d.conns[i] != nil {
			break
		}
		// The handler's Connected, called next, tells the engine.
		d.discard(i)
		d.conns[i] = c
		d.closing[i] = false
		return d.handler(i)
	}
	c.Abort() // not a neighbour, or one already connected
	return node.TCPHandler{}
}

// handler is the TCP handler of peer i's connection.
func (d *Daemon) handler(i int) node.TCPHandler {
	return node.TCPHandler{
		Connected: func(c *node.TCPConn) {
			if d.conns[i] != c {
				return
			}
			now := d.n.Now()
			err := d.sp.Connected(now, i)
			if err != nil && d.sp.Session(i).State() == bgp.Idle && d.usable(i) {
				// The neighbour connected before our side of a link that
				// just came back was told: start and take it.
				d.sp.Start(now, i)
				err = d.sp.Connected(now, i)
			}
			if err != nil {
				d.conns[i] = nil
				c.Abort()
			}
			d.pump(now)
		},
		Readable: func(c *node.TCPConn) {
			if d.conns[i] != c {
				return
			}
			now := d.n.Now()
			for {
				k := c.Read(d.buf)
				if k == 0 {
					break
				}
				d.sp.Receive(now, i, d.buf[:k])
			}
			if c.EOF() {
				d.conns[i] = nil
				c.Close()
				d.sp.Closed(now, i)
			}
			d.pump(now)
		},
		Writable: func(c *node.TCPConn) {
			if d.conns[i] == c {
				d.write(i)
			}
		},
		Closed: func(c *node.TCPConn, err error) {
			if d.conns[i] != c {
				return
			}
			now := d.n.Now()
			d.conns[i] = nil
			d.sp.Closed(now, i)
			d.pump(now)
		},
	}
}

// usable reports whether peer i's session may run: internal, or over a
// link that is up.
func (d *Daemon) usable(i int) bool {
	p := d.cfg.Peers[i]
	return p.Iface == nil || p.Iface.Up()
}

// dial connects to peer i.
func (d *Daemon) dial(now sim.Time, i int) {
	p := d.cfg.Peers[i]
	if old := d.conns[i]; old != nil {
		d.conns[i] = nil
		old.Abort()
	}
	d.discard(i)
	c, err := d.n.DialTCPFrom(p.Local, netip.AddrPortFrom(p.Addr, Port), tcp.Config{NoDelay: true}, d.handler(i))
	if err != nil {
		d.sp.Closed(now, i) // no route yet: ConnectRetry tries again
		return
	}
	d.conns[i] = c
	d.closing[i] = false
}

// discard drops what an earlier connection of peer i left unsent: a new
// connection starts with its own OPEN.
func (d *Daemon) discard(i int) {
	d.pend[i] = d.sp.AppendOutput(d.pend[i][:0], i)[:0]
}

// write hands peer i's pending bytes to TCP, and closes the connection
// once they are all taken, if the engine asked to.
func (d *Daemon) write(i int) {
	c := d.conns[i]
	if c == nil {
		return
	}
	for len(d.pend[i]) > 0 {
		k := c.Write(d.pend[i])
		if k == 0 {
			break
		}
		d.pend[i] = d.pend[i][k:]
	}
	if len(d.pend[i]) == 0 {
		d.pend[i] = d.pend[i][:0:0]
		if d.closing[i] {
			d.conns[i], d.closing[i] = nil, false
			c.Close()
		}
	}
}

// fire runs the engine's timers.
func (d *Daemon) fire(now sim.Time) {
	d.sp.Advance(now)
	d.pump(now)
}

// pump moves the engine's output to the connections, acts on its
// events and re-arms the timer, until the engine has nothing more.
func (d *Daemon) pump(now sim.Time) {
	if d.busy {
		return
	}
	d.busy = true
	changed := false
	for {
		for i := range d.cfg.Peers {
			if d.conns[i] != nil {
				d.pend[i] = d.sp.AppendOutput(d.pend[i], i)
				d.write(i)
			}
		}
		d.evs = d.sp.AppendEvents(d.evs[:0])
		if len(d.evs) == 0 {
			break
		}
		for _, e := range d.evs {
			changed = d.event(now, e) || changed
		}
	}
	d.busy = false
	if at := d.sp.NextDeadline(); at != sim.Never {
		d.timer.ResetAt(max(at, now))
	} else {
		d.timer.Stop()
	}
	if changed && d.cfg.OnChange != nil {
		d.cfg.OnChange()
	}
}

// event acts on one of the engine's events; it reports whether the
// node's routes changed.
func (d *Daemon) event(now sim.Time, e bgp.Event) bool {
	name := func() string {
		if e.Peer >= 0 && e.Peer < len(d.cfg.Peers) {
			p := d.cfg.Peers[e.Peer]
			return fmt.Sprintf("%s (%v, AS %d)", p.Name, p.Addr, p.AS)
		}
		return ""
	}
	switch e.Kind {
	case bgp.EventDial:
		d.dial(now, e.Peer)
	case bgp.EventClose:
		if d.conns[e.Peer] != nil {
			d.closing[e.Peer] = true
			d.write(e.Peer)
		}
	case bgp.EventState:
		d.active = now
		if d.n.Tracing() {
			s := fmt.Sprintf("bgp neighbor %s %v -> %v", name(), e.Prev, e.State)
			if e.Err != nil {
				s += ": " + e.Err.Error()
			}
			d.n.Note(trace.Routing, d.cfg.Peers[e.Peer].Iface, s)
		}
	case bgp.EventUpdate:
		d.active = now
		d.Stats.Updates++
		if d.n.Tracing() {
			d.n.Note(trace.Routing, d.cfg.Peers[e.Peer].Iface, fmt.Sprintf("bgp update from %s: %d announced, %d withdrawn", name(), len(e.NLRI), len(e.Withdrawn)))
		}
	case bgp.EventNotification:
		d.active = now
		if d.n.Tracing() {
			verb := "received from"
			if e.Sent {
				verb = "sent to"
			}
			what := ""
			if m := e.Notification; m != nil {
				what = ": " + bgp.CodeText(m.Code, m.Subcode)
			}
			d.n.Note(trace.Routing, d.cfg.Peers[e.Peer].Iface, fmt.Sprintf("bgp notification %s %s%s", verb, name(), what))
		}
	case bgp.EventBest:
		d.active = now
		d.Stats.BestChanges++
		if e.Best == nil {
			delete(d.best, e.Prefix)
		} else {
			r := *e.Best
			d.best[e.Prefix] = &r
		}
		return d.install(e.Prefix)
	}
	return false
}

// install offers the node's table the route the best path to p gives,
// or withdraws BGP's offer when there is none (or its next hop does not
// resolve); it reports whether the offer changed.
func (d *Daemon) install(p netip.Prefix) bool {
	want, ok := d.route(p)
	old, had := d.n.Offered(p, "bgp")
	switch {
	case ok && had && old.Equal(want):
		return false
	case ok:
		d.n.Offer(want, want.Metric) // the metric is the distance
		d.Stats.RouteInstalls++
		d.note(had, want)
		return true
	case had:
		d.n.Withdraw(p, "bgp")
		d.Stats.RouteInstalls++
		if d.n.Tracing() {
			d.n.Note(trace.Routing, nil, fmt.Sprintf("bgp del %v", p))
		}
		return true
	}
	return false
}

// route is the table entry the best route to p gives, if it has one
// whose next hop resolves.
func (d *Daemon) route(p netip.Prefix) (node.Route, bool) {
	b := d.best[p]
	if b == nil || b.Own() {
		return node.Route{}, false
	}
	nh := b.Path.NextHop
	via, ok := d.n.Routes.Lookup(nh)
	if !ok || via.Proto == "bgp" || !d.n.Ifaces()[via.Iface].Up() {
		return node.Route{}, false // not resolvable through the IGP
	}
	gw := via.NextHop
	if !gw.IsValid() {
		gw = nh // on a connected subnet
	}
	metric := node.DistanceIBGP
	if b.External {
		metric = node.DistanceEBGP
	}
	r := node.Route{Prefix: p, Iface: via.Iface, NextHop: gw, Metric: metric, Proto: "bgp"}
	if via.NextHop.IsValid() && len(via.Alt) > 0 {
		// The IGP reaches the next hop over several equal paths: so does
		// the route through it (ECMP, as FRR's recursive next hops).
		r.Alt = append([]node.Hop(nil), via.Alt...)
	}
	return r, true
}

// note reports a route added or changed, in ip route's words.
func (d *Daemon) note(changed bool, r node.Route) {
	if !d.n.Tracing() {
		return
	}
	verb := "add"
	if changed {
		verb = "change"
	}
	b := d.best[r.Prefix]
	d.n.Note(trace.Routing, nil, fmt.Sprintf("bgp %s %v via %v dev %s metric %d as-path [%v]", verb, r.Prefix, r.NextHop,
		d.n.Ifaces()[r.Iface].Name, r.Metric, b.Path.ASPath))
}

// Close stops the daemon: sessions, listener, timer and routes.
func (d *Daemon) Close() {
	now := d.n.Now()
	for i := range d.cfg.Peers {
		d.sp.Stop(now, i)
	}
	d.pump(now)
	for i, c := range d.conns {
		if c != nil {
			d.conns[i] = nil
			c.Abort()
		}
	}
	d.l.Close()
	d.timer.Stop()
	for p := range d.best {
		d.n.Withdraw(p, "bgp")
	}
	clear(d.best)
}
