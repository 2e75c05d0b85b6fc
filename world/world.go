// Package world builds a running simulation from a scenario: it creates the
// kernel, the nodes and the links, fills the route tables, and schedules
// the scenario's link failures. It also embeds hops' default internet.
//
// Until dynamic routing exists, routes come from an oracle: shortest paths
// over the links that are up, by cost (a link's cost, or its delay in units
// of 10µs when none is given), through routers only. When a link goes down
// or up the oracle recomputes every table after Options.Convergence, so a
// cut either reroutes or leaves destinations unreachable, exactly as the
// remaining topology allows.
package world

import (
	_ "embed"
	"fmt"
	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/app/web"
	"net/netip"
	"sort"
	"time"

	"github.com/hopsnet/hops/app/dhcpapp"
	"github.com/hopsnet/hops/app/ospfd"
	"github.com/hopsnet/hops/lan"
	"github.com/hopsnet/hops/link"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/packet"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/world/scenario"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the text of the embedded default world.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

// Default parses the embedded default world.
func Default() (*scenario.Scenario, error) {
	return scenario.Parse("default.yaml", defaultYAML)
}

// Load parses the scenario at path, or the default world when path is "".
func Load(path string) (*scenario.Scenario, error) {
	if path == "" {
		return Default()
	}
	return scenario.ParseFile(path)
}

// FromYAML parses a scenario held in memory (name is used in error
// messages) and builds it.
func FromYAML(name string, data []byte, seed uint64, opts Options) (*World, error) {
	sc, err := scenario.Parse(name, data)
	if err != nil {
		return nil, err
	}
	return Build(sc, seed, opts)
}

// Options change how a world is built.
type Options struct {
	// StaticRoutes keeps the routes computed at the start: a link that goes
	// down is not routed around, and packets for it are answered with ICMP
	// net unreachable by the router that cannot use it.
	StaticRoutes bool
	// Convergence is how long after a link changes state the new routes
	// take effect (0: at once).
	Convergence time.Duration
	// Routing overrides the scenario's routing: RoutingOracle or
	// RoutingOSPF ("": the scenario's, oracle by default).
	Routing string
}

// World is a built simulation.
type World struct {
	Kernel   *sim.Kernel
	Pool     *packet.Pool
	Bus      *trace.Bus
	Scenario *scenario.Scenario
	Nodes    []*node.Node
	Links    []*link.Link

	opts      Options
	nodeIndex map[string]int
	linkIndex map[string]int
	roles     []scenario.Role
	pending   sim.Timer
	adj       [][]edge          // the route oracle's graph, per node
	dynamic   []bool            // per node: it has an interface addressed by DHCP
	natInside map[ifaceKey]bool // inside interfaces of NATs: their subnets stay home

	// Start is the instant the scenario's times count from: when every
	// DHCP client got its lease (see Settle), or 0 in a world without
	// DHCP. The scenario's link events happen at Start plus their time.
	Start        sim.Time
	clockStarted bool

	// The LANs' switches, by the scenario's order.
	Switches []*lan.Switch
	// OSPF daemons, by node order, when the world routes by OSPF (see
	// routing.go).
	OSPF       []*ospfd.Daemon
	ospfByNode map[*node.Node]*ospfd.Daemon
	ospfOn     []bool // per node: it runs OSPF
	// DHCP servers and clients (see home.go).
	DHCPServers []*dhcpapp.Server
	DHCPClients []*dhcpapp.Client

	// The services the scenario's nodes run (see services.go).
	NameServers []*dnsserver.Server
	Resolvers   []*dnsserver.Resolver
	WebServers  []*web.Server
}

// Build creates the world described by sc with random streams from seed.
func Build(sc *scenario.Scenario, seed uint64, opts Options) (*World, error) {
	w := &World{
		Kernel:     sim.NewKernel(seed),
		Pool:       &packet.Pool{},
		Bus:        &trace.Bus{},
		Scenario:   sc,
		opts:       opts,
		nodeIndex:  map[string]int{},
		ospfByNode: map[*node.Node]*ospfd.Daemon{},
		linkIndex:  map[string]int{},
		natInside:  map[ifaceKey]bool{},
	}
	for _, sn := range sc.Nodes {
		n := node.New(w.Kernel, w.Pool, w.Bus, sn.Name)
		n.Forwarding = sn.Role.IsRouter()
		if sn.ECMP == scenario.ECMPPerPacket {
			n.ECMP = node.ECMPPerPacket
		}
		if l := sn.ICMPLimit; l != nil {
			n.ICMPLimit = node.ICMPRateLimit{
				PerDest: l.PerDest, PerDestBurst: l.Burst,
				MsgsPerSec: l.PerSecond, MsgsBurst: l.GlobalBurst,
				Mask: node.LinuxICMPRateLimit.Mask,
			}
		}
		w.nodeIndex[sn.Name] = len(w.Nodes)
		w.Nodes = append(w.Nodes, n)
		w.roles = append(w.roles, sn.Role)
		if sn.NAT != nil {
			w.natInside[ifaceKey{sn.Name, sn.NAT.Inside}] = true
		}
	}
	w.adj = make([][]edge, len(w.Nodes))
	w.dynamic = make([]bool, len(w.Nodes))
	for _, sl := range sc.Links {
		cfg := link.Config{
			RateBps:      sl.RateBps,
			Delay:        sl.Delay,
			QueuePackets: sl.QueuePackets,
			QueueBytes:   sl.QueueBytes,
			MTU:          sl.MTU,
			Loss:         sl.Loss,
			Duplicate:    sl.Duplicate,
			Reorder:      sl.Reorder,
			ReorderDelay: sl.ReorderDelay,
			Jitter:       sl.Jitter,
			Corrupt:      sl.Corrupt,
			Ethernet:     sl.Ethernet,
		}
		if sl.Burst != nil {
			cfg.Burst = &link.GilbertElliott{P: sl.Burst.P, R: sl.Burst.R, LossGood: sl.Burst.LossGood, LossBad: sl.Burst.LossBad}
		}
		a, okA := w.nodeIndex[sl.A.Node]
		b, okB := w.nodeIndex[sl.B.Node]
		if !okA || !okB {
			return nil, fmt.Errorf("%s: link %s names an unknown node", sc.File, sl.Name)
		}
		l := link.New(w.Kernel, w.Pool, w.Bus, w.Kernel.Rand("link:"+sl.Name), sl.Name, cfg)
		ia := w.Nodes[a].AddIface(sl.A.Iface, sl.A.Addr, l, 0)
		ib := w.Nodes[b].AddIface(sl.B.Iface, sl.B.Addr, l, 1)
		w.linkIndex[sl.Name] = len(w.Links)
		w.Links = append(w.Links, l)
		l.Watch(w.linkChanged)
		cost := w.cost(len(w.Links) - 1)
		w.adj[a] = append(w.adj[a], edge{iface: ia, to: b, peer: ib, links: []*link.Link{l}, cost: cost})
		w.adj[b] = append(w.adj[b], edge{iface: ib, to: a, peer: ia, links: []*link.Link{l}, cost: cost})
	}
	if err := w.buildLANs(); err != nil {
		return nil, err
	}
	for _, ev := range sc.Events {
		if _, ok := w.linkIndex[ev.Link]; !ok {
			return nil, fmt.Errorf("%s: event names unknown link %q", sc.File, ev.Link)
		}
	}
	w.markDynamic()
	if err := w.markOSPF(); err != nil {
		return nil, fmt.Errorf("%s: %v", sc.File, err)
	}
	w.ComputeRoutes()
	if err := w.startServices(); err != nil {
		return nil, err
	}
	if err := w.startHome(); err != nil {
		return nil, err
	}
	if err := w.startOSPF(); err != nil {
		return nil, err
	}
	if len(w.DHCPClients) == 0 && w.ospfOn == nil {
		w.startClock()
	}
	return w, nil
}

// startClock marks the world's start, the instant the scenario's times
// count from, and schedules the scenario's link events from it.
func (w *World) startClock() {
	if w.clockStarted {
		return
	}
	w.clockStarted = true
	w.Start = w.Kernel.Now()
	for _, ev := range w.Scenario.Events {
		l, up := w.Links[w.linkIndex[ev.Link]], ev.Up
		w.Kernel.Schedule(w.Start.Add(ev.At), sim.HandlerFunc(func(sim.Time, uint64) { l.SetUp(up) }), 0)
	}
}

// Node returns the node called name, or nil.
func (w *World) Node(name string) *node.Node {
	if i, ok := w.nodeIndex[name]; ok {
		return w.Nodes[i]
	}
	return nil
}

// Role returns the role of the node called name.
func (w *World) Role(name string) scenario.Role {
	if i, ok := w.nodeIndex[name]; ok {
		return w.roles[i]
	}
	return ""
}

// Iface returns the interface iface of node nodeName, or nil: the handle
// to read its link's counters by name (Iface.LinkStats).
func (w *World) Iface(nodeName, iface string) *node.Iface {
	if n := w.Node(nodeName); n != nil {
		return n.Iface(iface)
	}
	return nil
}

// Link returns the link called name, or nil.
func (w *World) Link(name string) *link.Link {
	if i, ok := w.linkIndex[name]; ok {
		return w.Links[i]
	}
	return nil
}

// NodeByAddr returns the node that owns address a, and its interface.
func (w *World) NodeByAddr(a netip.Addr) (*node.Node, *node.Iface) {
	for _, n := range w.Nodes {
		for _, i := range n.Ifaces() {
			if i.Addr() == a {
				return n, i
			}
		}
	}
	return nil, nil
}

// Resolve turns a destination given by a person into an address: an IPv4
// address as is, or a node's name as that node's primary address.
func (w *World) Resolve(dest string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(dest); err == nil {
		if !a.Is4() {
			return netip.Addr{}, fmt.Errorf("%s: only IPv4 addresses are supported", dest)
		}
		return a, nil
	}
	n := w.Node(dest)
	if n == nil {
		return netip.Addr{}, fmt.Errorf("unknown host %q: not an IPv4 address and no node of that name (try `hops world` for the list)", dest)
	}
	if !n.Addr().IsValid() {
		return netip.Addr{}, fmt.Errorf("node %q has no address", dest)
	}
	return n.Addr(), nil
}

// linkChanged schedules a recomputation of the routes.
func (w *World) linkChanged(now sim.Time, up bool) {
	if w.opts.StaticRoutes || w.ospfOn != nil {
		return // OSPF's daemons hear of it themselves (routing.go)
	}
	w.Kernel.Cancel(w.pending)
	w.pending = w.Kernel.After(w.opts.Convergence, sim.HandlerFunc(func(sim.Time, uint64) { w.ComputeRoutes() }), 0)
}

// cost is a link's routing cost.
func (w *World) cost(i int) int {
	if c := w.Scenario.Links[i].Cost; c > 0 {
		return c
	}
	return int(w.Scenario.Links[i].Delay/(10*time.Microsecond)) + 1
}

// ComputeRoutes fills every node's route table with shortest paths over
// the links that are up. Every node gets a route to each subnet that a
// router on it can reach, and a host route (/32) to each address on a
// link without a router; a host with a single interface gets a default
// route through a router beside it instead. Subnets behind a NAT (on its
// inside interface) are routed only on the nodes attached to them. Nodes
// that take an address from DHCP get only their connected routes here:
// their DHCP client installs the rest from its lease. Ties go to the node
// that Dijkstra settles first (the lower node index), so the result is
// deterministic.
func (w *World) ComputeRoutes() {
	subnets := w.subnets()
	for s, n := range w.Nodes {
		n.Routes.Clear()
		ifaces := n.Ifaces()
		for _, i := range ifaces {
			if i.Prefix.IsValid() {
				n.Routes.Insert(node.Route{Prefix: i.Prefix.Masked(), Iface: i.Index})
			}
		}
		if w.dynamic[s] || w.ospfOn != nil && w.ospfOn[s] {
			continue
		}
		if !n.Forwarding && len(ifaces) == 1 {
			if e := w.gateway(s); e != nil {
				n.Routes.Insert(node.Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Iface: e.iface.Index, NextHop: e.peer.Addr()})
			}
			continue
		}
		dist, first := w.shortestPaths(s)
		route := func(prefix netip.Prefix, owners []int) {
			best, bestEdge := -1, -1
			for _, owner := range owners {
				if dist[owner] >= 0 && first[owner] >= 0 && (best < 0 || dist[owner] < best) {
					best, bestEdge = dist[owner], first[owner]
				}
			}
			if bestEdge >= 0 {
				e := &w.adj[s][bestEdge]
				n.Routes.Insert(node.Route{Prefix: prefix, Iface: e.iface.Index, NextHop: e.peer.Addr(), Metric: best})
			}
		}
		for _, sub := range subnets {
			if connected(n, sub.prefix) || (sub.hidden && !sub.has(s)) {
				continue
			}
			// A subnet is reached through the routers on it; a host on it
			// would drop traffic for its neighbours. A link between two
			// hosts has no router: each host's address there gets a host
			// route towards it.
			var routers []int
			for _, o := range sub.owners {
				if w.Nodes[o].Forwarding {
					routers = append(routers, o)
				}
			}
			route(sub.prefix, routers)
			if len(routers) > 0 {
				continue
			}
			for i, o := range sub.owners {
				if sub.addrs[i].IsValid() {
					route(netip.PrefixFrom(sub.addrs[i], 32), []int{o})
				}
			}
		}
	}
	for _, c := range w.DHCPClients {
		c.Reinstall()
	}
}

func connected(n *node.Node, p netip.Prefix) bool {
	for _, i := range n.Ifaces() {
		if i.Prefix.IsValid() && i.Prefix.Masked() == p {
			return true
		}
	}
	return false
}

type subnet struct {
	prefix netip.Prefix
	owners []int        // nodes attached to it
	addrs  []netip.Addr // their addresses on it (invalid: from DHCP)
	hidden bool         // behind a NAT: routed only where attached
}

func (s *subnet) has(n int) bool {
	for _, o := range s.owners {
		if o == n {
			return true
		}
	}
	return false
}

// subnets lists the world's subnets: one per link and per LAN, with the
// prefix of its statically addressed members.
func (w *World) subnets() []subnet {
	var out []subnet
	add := func(eps []scenario.Endpoint) {
		var sub subnet
		for _, ep := range eps {
			sub.owners = append(sub.owners, w.nodeIndex[ep.Node])
			sub.addrs = append(sub.addrs, ep.Addr.Addr())
			if !sub.prefix.IsValid() && ep.Addr.IsValid() {
				sub.prefix = ep.Addr.Masked()
			}
			if w.natInside[ifaceKey{ep.Node, ep.Iface}] {
				sub.hidden = true
			}
		}
		if sub.prefix.IsValid() {
			out = append(out, sub)
		}
	}
	for _, sl := range w.Scenario.Links {
		add([]scenario.Endpoint{sl.A, sl.B})
	}
	for _, sl := range w.Scenario.LANs {
		add(sl.Members)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].prefix.Addr().Less(out[j].prefix.Addr()) })
	return out
}

// edge is one neighbour of a node for the route oracle: out of iface to
// the node at index to, whose interface there is peer, across links
// (one for a point-to-point link, two cables through a LAN's switch).
type edge struct {
	iface *node.Iface
	to    int
	peer  *node.Iface
	links []*link.Link
	cost  int
}

func (e *edge) up() bool {
	for _, l := range e.links {
		if !l.Up() {
			return false
		}
	}
	return true
}

// gateway returns the edge from host s to a router beside it: its
// default route.
func (w *World) gateway(s int) *edge {
	for k := range w.adj[s] {
		if e := &w.adj[s][k]; w.Nodes[e.to].Forwarding {
			return e
		}
	}
	if len(w.adj[s]) > 0 {
		return &w.adj[s][0]
	}
	return nil
}

// shortestPaths runs Dijkstra from node s over edges that are up, never
// passing through a node that does not forward. It returns each node's
// distance (-1 if unreachable) and the index in w.adj[s] of the first
// edge towards it (-1 for s itself).
func (w *World) shortestPaths(s int) (dist, first []int) {
	nn := len(w.Nodes)
	dist = make([]int, nn)
	first = make([]int, nn)
	done := make([]bool, nn)
	for i := range dist {
		dist[i], first[i] = -1, -1
	}
	dist[s] = 0
	for {
		u := -1
		for i := 0; i < nn; i++ {
			if !done[i] && dist[i] >= 0 && (u < 0 || dist[i] < dist[u]) {
				u = i
			}
		}
		if u < 0 {
			return dist, first
		}
		done[u] = true
		if u != s && !w.Nodes[u].Forwarding {
			continue // hosts are destinations, never transit
		}
		for k := range w.adj[u] {
			e := &w.adj[u][k]
			if !e.up() {
				continue
			}
			v := e.to
			d := dist[u] + e.cost
			if dist[v] < 0 || d < dist[v] {
				dist[v] = d
				if u == s {
					first[v] = k
				} else {
					first[v] = first[u]
				}
			}
		}
	}
}
