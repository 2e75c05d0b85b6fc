package world

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/hopsnet/hops/app/dhcpapp"
	"github.com/hopsnet/hops/dhcp"
	"github.com/hopsnet/hops/lan"
	"github.com/hopsnet/hops/link"
	"github.com/hopsnet/hops/nat"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/world/scenario"
)

// The home network: LANs (a switch and a cable per member), DHCP
// servers and clients, and NAT on routers.

type ifaceKey struct{ node, iface string }

// DefaultLeaseTime is the lease a dhcp service gives when the scenario
// names none (dnsmasq's default).
const DefaultLeaseTime = time.Hour

// LANLinkName is the name of the link that joins member nodeName to LAN
// lanName: "LAN/NODE" (a name no scenario link can have).
func LANLinkName(lanName, nodeName string) string { return lanName + "/" + nodeName }

// buildLANs creates each LAN's switch and a link from every member to a
// port of it.
func (w *World) buildLANs() error {
	for _, sl := range w.Scenario.LANs {
		sw := lan.New(w.Kernel, w.Pool, w.Bus, sl.Name, lan.Config{})
		w.Switches = append(w.Switches, sw)
		type member struct {
			n    int
			i    *node.Iface
			l    *link.Link
			cost int
		}
		var ms []member
		for _, ep := range sl.Members {
			ni, ok := w.nodeIndex[ep.Node]
			if !ok {
				return fmt.Errorf("%s: LAN %s names an unknown node %q", w.Scenario.File, sl.Name, ep.Node)
			}
			name := LANLinkName(sl.Name, ep.Node)
			cfg := link.Config{RateBps: sl.RateBps, Delay: sl.Delay, Jitter: sl.Jitter, Loss: sl.Loss, MTU: sl.MTU, Ethernet: true}
			l := link.New(w.Kernel, w.Pool, w.Bus, w.Kernel.Rand("link:"+name), name, cfg)
			i := w.Nodes[ni].AddIface(ep.Iface, ep.Addr, l, 0)
			sw.AddPort(l, 1)
			w.linkIndex[name] = len(w.Links)
			w.Links = append(w.Links, l)
			l.Watch(w.linkChanged)
			ms = append(ms, member{ni, i, l, int(sl.Delay/(10*time.Microsecond)) + 1})
		}
		for _, a := range ms {
			for _, b := range ms {
				if a.n != b.n {
					w.adj[a.n] = append(w.adj[a.n], edge{iface: a.i, to: b.n, peer: b.i, links: []*link.Link{a.l, b.l}, cost: a.cost + b.cost})
				}
			}
		}
	}
	return nil
}

// markDynamic notes the nodes with an interface addressed by DHCP.
func (w *World) markDynamic() {
	mark := func(ep scenario.Endpoint) {
		if ep.DHCP {
			w.dynamic[w.nodeIndex[ep.Node]] = true
		}
	}
	for _, sl := range w.Scenario.Links {
		mark(sl.A)
		mark(sl.B)
	}
	for _, sl := range w.Scenario.LANs {
		for _, ep := range sl.Members {
			mark(ep)
		}
	}
}

// startHome starts the DHCP servers, then the NATs on interfaces with
// a fixed address, then the DHCP clients (their DISCOVERs leave at once;
// a NAT whose public side is addressed by DHCP starts when the lease
// comes).
func (w *World) startHome() error {
	sc := w.Scenario
	for _, sn := range sc.Nodes {
		var srv *dhcpapp.Server
		for _, svc := range sn.Services {
			if svc.Kind != scenario.ServiceDHCP {
				continue
			}
			n := w.Node(sn.Name)
			i := n.Iface(svc.Iface)
			if i == nil || !i.Prefix.IsValid() {
				return fmt.Errorf("%s:%s: %s: dhcp serves %q, which is not an interface with a fixed address", sc.File, svc.Pos, sn.Name, svc.Iface)
			}
			if srv == nil {
				var err error
				if srv, err = dhcpapp.NewServer(n); err != nil {
					return fmt.Errorf("%s:%s: %s: %v", sc.File, svc.Pos, sn.Name, err)
				}
				w.DHCPServers = append(w.DHCPServers, srv)
			}
			cfg := dhcp.ServerConfig{PoolStart: svc.PoolStart, PoolEnd: svc.PoolEnd, Router: []netip.Addr{i.Addr()}, LeaseTime: svc.Lease}
			if cfg.LeaseTime == 0 {
				cfg.LeaseTime = DefaultLeaseTime
			}
			if a, _, ok := w.ResolverFor(sn.Name); ok {
				cfg.DNS = []netip.Addr{a}
			}
			if err := srv.Serve(i, cfg); err != nil {
				return fmt.Errorf("%s:%s: %v", sc.File, svc.Pos, err)
			}
		}
	}
	dhcpIfaces := map[ifaceKey]bool{}
	var clients []ifaceKey
	add := func(ep scenario.Endpoint) {
		if ep.DHCP {
			k := ifaceKey{ep.Node, ep.Iface}
			dhcpIfaces[k] = true
			clients = append(clients, k)
		}
	}
	for _, sl := range sc.Links {
		add(sl.A)
		add(sl.B)
	}
	for _, sl := range sc.LANs {
		for _, ep := range sl.Members {
			add(ep)
		}
	}
	nats := map[string]*scenario.NAT{}
	for _, sn := range sc.Nodes {
		if sn.NAT == nil {
			continue
		}
		nats[sn.Name] = sn.NAT
		if !dhcpIfaces[ifaceKey{sn.Name, sn.NAT.Outside}] {
			if err := w.startNAT(sn.Name, sn.NAT, w.Node(sn.Name).Iface(sn.NAT.Outside).Addr()); err != nil {
				return fmt.Errorf("%s:%s: %s: nat: %v", sc.File, sn.Pos, sn.Name, err)
			}
		}
	}
	for _, k := range clients {
		n := w.Node(k.node)
		i := n.Iface(k.iface)
		cfg := dhcpapp.ClientConfig{Hostname: k.node}
		if nc := nats[k.node]; nc != nil && nc.Outside == k.iface {
			nodeName := k.node
			cfg.OnChange = func(now sim.Time, ev dhcp.Event) {
				if ev.Kind == dhcp.EvBound || ev.Kind == dhcp.EvRenewed {
					if cur := w.Node(nodeName).NAT(); cur == nil || cur.Config().Public != ev.Binding.Addr {
						w.startNAT(nodeName, nc, ev.Binding.Addr)
					}
				} else {
					w.Node(nodeName).SetNAT(nil, nil, nil)
				}
			}
		}
		c, err := dhcpapp.StartClient(n, i, cfg)
		if err != nil {
			return fmt.Errorf("%s: %v", sc.File, err)
		}
		w.DHCPClients = append(w.DHCPClients, c)
	}
	return nil
}

// startNAT gives node nodeName a translator for public address pub.
func (w *World) startNAT(nodeName string, nc *scenario.NAT, pub netip.Addr) error {
	n := w.Node(nodeName)
	in, out := n.Iface(nc.Inside), n.Iface(nc.Outside)
	if in == nil || out == nil || !in.Prefix.IsValid() {
		return fmt.Errorf("inside %q and outside %q must be interfaces of %s, the inside one with a fixed address", nc.Inside, nc.Outside, nodeName)
	}
	cfg := nat.Config{
		Inside:         in.Prefix.Masked(),
		Public:         pub,
		UDPTimeout:     nc.UDPTimeout,
		TCPEstablished: nc.TCPEstablished,
		TCPTransitory:  nc.TCPTransitory,
		ICMPTimeout:    nc.ICMPTimeout,
	}
	if nc.Filtering == "address-dependent" {
		cfg.Filtering = nat.AddressDependent
	}
	for _, f := range nc.Forwards {
		proto := uint8(6)
		if f.Proto == "udp" {
			proto = 17
		}
		cfg.Forwards = append(cfg.Forwards, nat.Forward{Proto: proto, PublicPort: f.Port, Inside: f.To})
	}
	t, err := nat.New(cfg, n.AppStream("nat"))
	if err != nil {
		return err
	}
	n.SetNAT(t, in, out)
	return nil
}

// DHCPClient returns the DHCP client of node nodeName (its first), or
// nil.
func (w *World) DHCPClient(nodeName string) *dhcpapp.Client {
	for _, c := range w.DHCPClients {
		if c.Node().Name == nodeName {
			return c
		}
	}
	return nil
}

// SettleLimit bounds how long Settle waits for DHCP.
const SettleLimit = 2 * time.Minute

// Settle runs the world until every DHCP client holds a lease and, in a
// world routed by OSPF, every router has a route to every subnet (at most
// SettleLimit of virtual time; a DISCOVER unanswered is retried after
// 4 s, 8 s …), so that a command starts on a configured network. Then
// it starts the world's clock (Start): the scenario's link events are
// scheduled from that instant, so "at: 1.5s" means 1.5 s into what runs
// after the network came up. It returns an error naming the interfaces
// still without an address (the clock starts anyway). A world without
// DHCP returns at once; its clock started at 0. Subscribe observers
// first to see the exchanges.
func (w *World) Settle() error {
	defer w.startClock()
	bound := func() bool {
		for _, c := range w.DHCPClients {
			if _, ok := c.Binding(); !ok {
				return false
			}
		}
		return true
	}
	// The routing's full check costs every router's table and database:
	// run it only every 100 ms of virtual time, once the routers have been
	// quiet for a while.
	converged := w.ospfOn == nil
	next := w.Kernel.Now()
	deadline := w.Kernel.Now().Add(SettleLimit)
	for !(bound() && converged) && w.Kernel.Now() < deadline {
		if !w.Kernel.Step() {
			break
		}
		if now := w.Kernel.Now(); !converged && now >= next {
			next = now.Add(100 * time.Millisecond)
			converged = w.routingQuiet(now) && func() bool { ok, _ := w.RoutingConverged(); return ok }()
		}
	}
	if ok, why := w.RoutingConverged(); !ok {
		return fmt.Errorf("routing has not converged after %v: %s", SettleLimit, why)
	}
	if !bound() {
		var missing string
		for _, c := range w.DHCPClients {
			if _, ok := c.Binding(); !ok {
				missing += " " + c.Node().Name + ":" + c.Iface().Name
			}
		}
		return fmt.Errorf("no DHCP lease after %v for:%s", SettleLimit, missing)
	}
	return nil
}

// LinksNamed returns the link called name, or, for a LAN of that name,
// the links of all its members (a LAN goes down and up as a whole).
func (w *World) LinksNamed(name string) []*link.Link {
	if l := w.Link(name); l != nil {
		return []*link.Link{l}
	}
	var out []*link.Link
	for _, sl := range w.Scenario.LANs {
		if sl.Name != name {
			continue
		}
		for _, ep := range sl.Members {
			out = append(out, w.Link(LANLinkName(sl.Name, ep.Node)))
		}
	}
	return out
}
