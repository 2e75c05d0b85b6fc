// Package world builds a running simulation from a scenario: it creates the
// kernel, the nodes and the links, fills the route tables, and schedules
// the scenario's link failures. It also embeds hops' default internet.
//
// Unless the routers run a routing protocol (routing.go), routes come from an
// oracle (oracle.go): shortest paths over the links that are up, by cost
// (a link's cost, or its delay in units of 10µs when none is given),
// through routers only. A router's table is built when it is first used;
// when a link goes down or up, the tables the change can alter are built
// again from the links' states after Options.Convergence, so a cut either
// reroutes or leaves destinations unreachable, exactly as the remaining
// topology allows.
package world

import (
	_ "embed"
	"fmt"
	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/app/web"
	"net/netip"
	"time"

	"github.com/hopsnet/hops/app/bgpd"
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
	oracle    oracle            // the route oracle's state (oracle.go)
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
	statics    [][]node.Route // per node: its static routes (static-routes)
	bgpIDs     []netip.Addr   // per node: its BGP address (routing bgp), or invalid
	// BGP holds the BGP daemons (routing bgp), in node order.
	BGP       []*bgpd.Daemon
	bgpByNode map[*node.Node]*bgpd.Daemon
	ospfOn    []bool // per node: it runs OSPF
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
		bgpByNode:  map[*node.Node]*bgpd.Daemon{},
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
		l.Watch(func(sim.Time, bool) { w.restatic() })
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
	if err := w.buildStatics(); err != nil {
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
	if err := w.startBGP(); err != nil {
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
