// Package ospfd runs the OSPFv2 engine (routing/ospf) on a router, as a
// routing daemon does: it takes IP protocol 89 (OSPF packets to the
// router's addresses and to AllSPFRouters, 224.0.0.5), sends the engine's
// packets out of their interface with TTL 1 and the precedence of
// internetwork control (RFC 2328 A.1), wakes the engine at its deadlines,
// tells it when a link goes down or up (a point-to-point link's carrier),
// and offers the routes SPF computes to the node's table ("proto ospf",
// metric the path cost, administrative distance 110: node.Offer), and
// withdraws those it no longer computes.
//
// SPF is throttled as routers do it (FRR's "timers throttle spf 0 50
// 5000"): a change after a quiet spell is computed at once, and while
// changes keep coming the runs are held at least SPFHold apart, the hold
// doubling up to SPFMaxHold, so that a burst of LSAs (a network coming
// up) costs a few SPF runs rather than one per LSA.
//
// Equal-cost paths: the engine keeps all of them, sorted by interface
// then next hop; the route gets the first as its hop and the others as
// Alt, and the router spreads datagrams over them (node's ECMP mode).
package ospfd

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/routing/ospf"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
)

// ProtoOSPF is OSPF's IP protocol number.
const ProtoOSPF = 89

// SPF throttling.
const (
	SPFHold    = 50 * time.Millisecond
	SPFMaxHold = 5 * time.Second
)

// AllSPFRouters is the multicast group every OSPF router listens to.
var AllSPFRouters = netip.MustParseAddr("224.0.0.5")

// Iface is one interface the daemon runs on.
type Iface struct {
	Iface *node.Iface
	Cost  uint16 // output cost; 0: the engine's default (10)
	// Passive interfaces send no Hello; their subnet is advertised (the
	// link to a host, or to a router that does not speak OSPF).
	Passive bool
}

// Config configures a daemon. Zero timers take the RFC's defaults.
type Config struct {
	RouterID      ospf.ID // 0: the highest interface address
	Area          ospf.ID
	HelloInterval time.Duration
	DeadInterval  time.Duration
	Ifaces        []Iface
	// OnChange, if set, is called after the daemon changed the node's
	// routes (BGP resolves its next hops again then).
	OnChange func()
	// HostRoutes are the router's addresses advertised as /32 host routes
	// whatever the state of their interfaces, as loopback addresses are
	// (a BGP router's iBGP address).
	HostRoutes []netip.Addr
}

// Daemon is OSPF on one router.
type Daemon struct {
	n         *node.Node
	eng       *ospf.Engine
	ifs       []*node.Iface // by engine interface index
	byIface   map[*node.Iface]int
	passive   []bool // by engine interface index
	reg       *node.Registration
	timer     *node.Timer
	out       []ospf.Output
	installed map[netip.Prefix]node.Route
	nbrs      []ospf.NbrState     // last reported state per engine interface
	nbrInfo   []ospf.NeighborInfo // last known neighbour per engine interface
	spfRuns   uint64
	spfTimer  *node.Timer
	spfHold   time.Duration // current hold between SPF runs
	lastSPF   sim.Time      // when SPF last ran (Never: not yet)
	installs  uint64        // the engine's LSAsInstalled when last seen
	active    sim.Time      // last change of database, neighbours or routes
	onChange  func()
}

// Start runs OSPF on n with cfg.
func Start(n *node.Node, cfg Config) (*Daemon, error) {
	if len(cfg.Ifaces) == 0 {
		return nil, fmt.Errorf("%s: ospf: no interface", n.Name)
	}
	if cfg.RouterID == 0 {
		var hi netip.Addr
		for _, i := range n.Ifaces() {
			if a := i.Addr(); a.IsValid() && (!hi.IsValid() || hi.Less(a)) {
				hi = a
			}
		}
		if !hi.IsValid() {
			return nil, fmt.Errorf("%s: ospf: no address for a router ID", n.Name)
		}
		cfg.RouterID = ospf.IDFrom(hi)
	}
	mtu := 65535
	for _, c := range cfg.Ifaces {
		mtu = min(mtu, c.Iface.MTU())
	}
	eng, err := ospf.New(ospf.Config{RouterID: cfg.RouterID, AreaID: cfg.Area, HelloInterval: cfg.HelloInterval,
		RouterDeadInterval: cfg.DeadInterval, MTU: mtu, HostRoutes: cfg.HostRoutes})
	if err != nil {
		return nil, fmt.Errorf("%s: %v", n.Name, err)
	}
	d := &Daemon{n: n, eng: eng, byIface: map[*node.Iface]int{}, installed: map[netip.Prefix]node.Route{},
		spfHold: SPFHold, lastSPF: sim.Never, onChange: cfg.OnChange}
	now := n.Now()
	for _, c := range cfg.Ifaces {
		idx, err := eng.AddInterface(now, ospf.InterfaceConfig{Name: c.Iface.Name, Addr: c.Iface.Prefix, Cost: c.Cost, Passive: c.Passive})
		if err != nil {
			return nil, fmt.Errorf("%s: %v", n.Name, err)
		}
		d.ifs = append(d.ifs, c.Iface)
		d.passive = append(d.passive, c.Passive)
		d.nbrs = append(d.nbrs, ospf.NbrDown)
		d.nbrInfo = append(d.nbrInfo, ospf.NeighborInfo{})
		d.byIface[c.Iface] = idx
		if !c.Iface.Up() {
			eng.SetInterfaceUp(now, idx, false)
		}
	}
	if err := n.JoinGroup(AllSPFRouters); err != nil {
		return nil, err
	}
	d.reg, err = n.RegisterProtocol(ProtoOSPF, node.Protocol{Name: "ospf", Receive: d.receive})
	if err != nil {
		return nil, err
	}
	d.timer = n.NewTimer(d.fire)
	d.spfTimer = n.NewTimer(d.runSPF)
	// The first Hellos go out when the kernel next runs, at this instant.
	d.timer.ResetAt(now)
	return d, nil
}

// Engine returns the daemon's OSPF engine (its neighbours, database and
// routes).
func (d *Daemon) Engine() *ospf.Engine { return d.eng }

// Node returns the router the daemon runs on.
func (d *Daemon) Node() *node.Node { return d.n }

// Adjacent reports whether every active interface whose link is up has a
// fully adjacent neighbour (state Full).
func (d *Daemon) Adjacent() bool {
	full := map[int]bool{}
	for _, nb := range d.eng.Neighbors() {
		if nb.State == ospf.NbrFull {
			full[nb.Iface] = true
		}
	}
	for idx, i := range d.ifs {
		if !d.passive[idx] && i.Up() && !full[idx] {
			return false
		}
	}
	return true
}

// SetUp tells the daemon that interface i's link went down or up.
func (d *Daemon) SetUp(i *node.Iface, up bool) {
	idx, ok := d.byIface[i]
	if !ok {
		return
	}
	now := d.n.Now()
	d.eng.SetInterfaceUp(now, idx, up)
	d.pump(now)
}

func (d *Daemon) receive(now sim.Time, in *node.Inbound) string {
	idx, ok := d.byIface[in.In]
	if !ok {
		return "ospf-not-enabled"
	}
	in.Accept()
	if err := d.eng.Handle(now, idx, in.IP.Src, in.Payload); err != nil {
		// The engine counts what it drops; the datagram was delivered.
		_ = err
	}
	d.pump(now)
	return ""
}

func (d *Daemon) fire(now sim.Time) { d.pump(now) }

// runSPF runs the throttled SPF and installs its routes.
func (d *Daemon) runSPF(now sim.Time) {
	if d.lastSPF != sim.Never && time.Duration(now-d.lastSPF) <= 2*d.spfHold {
		d.spfHold = min(2*d.spfHold, SPFMaxHold)
	} else {
		d.spfHold = SPFHold
	}
	d.lastSPF = now
	d.install(now)
}

// LastActivity returns when the daemon's database, neighbours or routes
// last changed.
func (d *Daemon) LastActivity() sim.Time { return d.active }

// pump sends what the engine has to send, installs its routes and
// re-arms the timer.
func (d *Daemon) pump(now sim.Time) {
	d.out = d.eng.AppendOutput(d.out[:0], now)
	for _, o := range d.out {
		i := d.ifs[o.Iface]
		// Errors (a link that went down under the packet) are the
		// engine's to recover from, as a lost packet is.
		d.n.SendIPVia(i, ProtoOSPF, o.Dst, o.Packet, node.SendOptions{TTL: 1, TOS: 0xc0})
	}
	clear(d.out)
	d.reportNeighbours()
	if st := d.eng.Stats.LSAsInstalled; st != d.installs {
		d.installs, d.active = st, now
	}
	if d.eng.RoutesStale() && !d.spfTimer.Pending() {
		at := now
		if d.lastSPF != sim.Never {
			at = max(now, d.lastSPF.Add(d.spfHold))
		}
		d.spfTimer.ResetAt(at)
	}
	if at, ok := d.eng.NextDeadline(); ok {
		d.timer.ResetAt(max(at, now))
	} else {
		d.timer.Stop()
	}
}

// reportNeighbours emits a routing event for each neighbour whose state
// changed.
func (d *Daemon) reportNeighbours() {
	now := make([]ospf.NbrState, len(d.nbrs))
	for _, nb := range d.eng.Neighbors() {
		now[nb.Iface] = nb.State
		d.nbrInfo[nb.Iface] = nb
	}
	for i, st := range now {
		if st == d.nbrs[i] {
			continue
		}
		if d.n.Tracing() {
			who := "neighbour"
			if nb := d.nbrInfo[i]; nb.ID != 0 {
				who = fmt.Sprintf("neighbour %v (router %v)", nb.Addr, nb.ID)
			}
			d.n.Note(trace.Routing, d.ifs[i], fmt.Sprintf("ospf %s on %s: %v -> %v", who, d.ifs[i].Name, d.nbrs[i], st))
		}
		d.nbrs[i] = st
		d.active = d.n.Now()
	}
}

// install brings the node's table in line with the engine's routes.
func (d *Daemon) install(now sim.Time) {
	want := map[netip.Prefix]node.Route{}
	routes := d.eng.Routes()
	if runs := d.eng.Stats.SPFRuns; runs != d.spfRuns {
		d.spfRuns = runs
		if d.n.Tracing() {
			d.n.Note(trace.Routing, nil, fmt.Sprintf("ospf spf run %d: %d routes from %d LSAs", runs, len(routes), len(d.eng.LSDB(now))))
		}
	}
	for _, r := range routes {
		if len(r.NextHops) == 0 || d.connected(r.Prefix) {
			continue
		}
		nh := r.NextHops[0]
		if !nh.Addr.IsValid() {
			continue // the router's own stub network: a connected route
		}
		rt := node.Route{Prefix: r.Prefix, Iface: d.ifs[nh.Iface].Index, NextHop: nh.Addr, Metric: int(r.Cost), Proto: "ospf"}
		for _, alt := range r.NextHops[1:] {
			if alt.Addr.IsValid() {
				rt.Alt = append(rt.Alt, node.Hop{Iface: d.ifs[alt.Iface].Index, NextHop: alt.Addr})
			}
		}
		want[r.Prefix] = rt
	}
	changed := false
	var gone []netip.Prefix
	for p := range d.installed {
		if _, ok := want[p]; !ok {
			gone = append(gone, p)
		}
	}
	// In prefix order, not the map's: the events must not depend on it.
	slices.SortFunc(gone, func(a, b netip.Prefix) int { return a.Compare(b) })
	for _, p := range gone {
		d.n.Withdraw(p, "ospf")
		d.emitRoute("del", d.installed[p])
		delete(d.installed, p)
		changed = true
	}
	keys := make([]netip.Prefix, 0, len(want))
	for p := range want {
		keys = append(keys, p)
	}
	slices.SortFunc(keys, func(a, b netip.Prefix) int { return a.Compare(b) })
	for _, p := range keys {
		r := want[p]
		if old, ok := d.installed[p]; ok && old.Equal(r) {
			continue
		}
		d.n.Offer(r, node.DistanceOSPF) // a static route, say, may still win
		verb := "add"
		if _, ok := d.installed[p]; ok {
			verb = "change"
		}
		d.emitRoute(verb, r)
		d.installed[p] = r
		changed = true
	}
	if changed {
		d.active = now
		if d.onChange != nil {
			d.onChange()
		}
	}
}

// emitRoute reports a route the daemon added, changed or removed, in
// ip route's words.
func (d *Daemon) emitRoute(verb string, r node.Route) {
	if !d.n.Tracing() {
		return
	}
	ifs := d.n.Ifaces()
	s := fmt.Sprintf("ospf %s %v via %v dev %s metric %d", verb, r.Prefix, r.NextHop, ifs[r.Iface].Name, r.Metric)
	for _, h := range r.Alt {
		s += fmt.Sprintf(", via %v dev %s", h.NextHop, ifs[h.Iface].Name)
	}
	d.n.Note(trace.Routing, nil, s)
}

// connected reports whether p is the subnet of one of the node's
// interfaces.
func (d *Daemon) connected(p netip.Prefix) bool {
	for _, i := range d.n.Ifaces() {
		if i.Prefix.IsValid() && i.Prefix.Masked() == p {
			return true
		}
	}
	return false
}

// SetOnChange sets the function called after the daemon changed the
// node's routes (Config.OnChange).
func (d *Daemon) SetOnChange(f func()) { d.onChange = f }

// Close stops the daemon: it leaves the group, gives up protocol 89 and
// removes its routes.
func (d *Daemon) Close() {
	d.timer.Stop()
	d.spfTimer.Stop()
	d.reg.Close()
	d.n.LeaveGroup(AllSPFRouters)
	for p := range d.installed {
		d.n.Withdraw(p, "ospf")
	}
	clear(d.installed)
}
