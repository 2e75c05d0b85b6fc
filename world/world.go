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

	// The services the scenario's nodes run (see services.go).
	NameServers []*dnsserver.Server
	Resolvers   []*dnsserver.Resolver
	WebServers  []*web.Server
}

// Build creates the world described by sc with random streams from seed.
func Build(sc *scenario.Scenario, seed uint64, opts Options) (*World, error) {
	w := &World{
		Kernel:    sim.NewKernel(seed),
		Pool:      &packet.Pool{},
		Bus:       &trace.Bus{},
		Scenario:  sc,
		opts:      opts,
		nodeIndex: map[string]int{},
		linkIndex: map[string]int{},
	}
	for _, sn := range sc.Nodes {
		n := node.New(w.Kernel, w.Pool, w.Bus, sn.Name)
		n.Forwarding = sn.Role.IsRouter()
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
	}
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
		w.Nodes[a].AddIface(sl.A.Iface, sl.A.Addr, l, 0)
		w.Nodes[b].AddIface(sl.B.Iface, sl.B.Addr, l, 1)
		w.linkIndex[sl.Name] = len(w.Links)
		w.Links = append(w.Links, l)
		l.Watch(w.linkChanged)
	}
	for _, ev := range sc.Events {
		i, ok := w.linkIndex[ev.Link]
		if !ok {
			return nil, fmt.Errorf("%s: event names unknown link %q", sc.File, ev.Link)
		}
		l, up := w.Links[i], ev.Up
		w.Kernel.Schedule(sim.Time(ev.At), sim.HandlerFunc(func(sim.Time, uint64) { l.SetUp(up) }), 0)
	}
	w.ComputeRoutes()
	if err := w.startServices(); err != nil {
		return nil, err
	}
	return w, nil
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
	if w.opts.StaticRoutes {
		return
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
// the links that are up. Every node gets a route to each link's subnet
// that a router on it can reach, and a host route (/32) to each address on
// a link without a router; a host with a single interface gets a default
// route through it instead. Ties go to the
// node that Dijkstra settles first (the lower node index), so the result is
// deterministic.
func (w *World) ComputeRoutes() {
	subnets := w.subnets()
	for s, n := range w.Nodes {
		n.Routes.Clear()
		ifaces := n.Ifaces()
		for _, i := range ifaces {
			n.Routes.Insert(node.Route{Prefix: i.Prefix.Masked(), Iface: i.Index})
		}
		if !n.Forwarding && len(ifaces) == 1 {
			peer := w.peerAddr(ifaces[0])
			n.Routes.Insert(node.Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Iface: 0, NextHop: peer})
			continue
		}
		dist, first := w.shortestPaths(s)
		route := func(prefix netip.Prefix, owners []int) {
			best, bestIface := -1, -1
			for _, owner := range owners {
				if dist[owner] >= 0 && first[owner] >= 0 && (best < 0 || dist[owner] < best) {
					best, bestIface = dist[owner], first[owner]
				}
			}
			if bestIface >= 0 {
				n.Routes.Insert(node.Route{Prefix: prefix, Iface: bestIface, NextHop: w.peerAddr(ifaces[bestIface]), Metric: best})
			}
		}
		for _, sub := range subnets {
			if connected(n, sub.prefix) {
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
				route(netip.PrefixFrom(sub.addrs[i], 32), []int{o})
			}
		}
	}
}

func connected(n *node.Node, p netip.Prefix) bool {
	for _, i := range n.Ifaces() {
		if i.Prefix.Masked() == p {
			return true
		}
	}
	return false
}

type subnet struct {
	prefix netip.Prefix
	owners []int        // nodes attached to it
	addrs  []netip.Addr // their addresses on it
}

func (w *World) subnets() []subnet {
	var out []subnet
	for _, sl := range w.Scenario.Links {
		out = append(out, subnet{
			prefix: sl.A.Addr.Masked(),
			owners: []int{w.nodeIndex[sl.A.Node], w.nodeIndex[sl.B.Node]},
			addrs:  []netip.Addr{sl.A.Addr.Addr(), sl.B.Addr.Addr()},
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].prefix.Addr().Less(out[j].prefix.Addr()) })
	return out
}

func (w *World) peerAddr(i *node.Iface) netip.Addr {
	name, iface := i.Peer()
	if p := w.Node(name); p != nil {
		if pi := p.Iface(iface); pi != nil {
			return pi.Addr()
		}
	}
	return netip.Addr{}
}

// shortestPaths runs Dijkstra from node s over links that are up, never
// passing through a node that does not forward. It returns each node's
// distance (-1 if unreachable) and the index of s's interface on the first
// hop towards it (-1 for s itself).
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
		for _, i := range w.Nodes[u].Ifaces() {
			if !i.Up() {
				continue
			}
			peerName, _ := i.Peer()
			v := w.nodeIndex[peerName]
			li := w.linkIndex[i.Link().Name()]
			d := dist[u] + w.cost(li)
			if dist[v] < 0 || d < dist[v] {
				dist[v] = d
				if u == s {
					first[v] = i.Index
				} else {
					first[v] = first[u]
				}
			}
		}
	}
}
