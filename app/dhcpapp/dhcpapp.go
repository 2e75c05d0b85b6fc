// Package dhcpapp runs the DHCP engines of package dhcp on nodes: a
// server on a router's LAN interfaces and a client on a host's (or a
// home router's WAN) interface, which configures the interface's address
// and routes from its lease.
//
// Before an interface has an address the engines' datagrams travel as
// a DHCP daemon's packet socket sends them: broadcast frames from
// 0.0.0.0, and the server's replies to the client's hardware address
// (node.SendIPOn). Both ends listen on their UDP port (67, 68) and take
// only what arrives on the interface they serve.
package dhcpapp

import (
	"fmt"
	"net/netip"

	"github.com/hopsnet/hops/dhcp"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// Server is the DHCP server of one node, serving one or more of its
// interfaces, each with its own engine (pool, options, leases).
type Server struct {
	n       *node.Node
	sock    *node.UDPConn
	engines map[*node.Iface]*dhcp.Server
	order   []*node.Iface
	out     []dhcp.Datagram
	udp     []byte
}

// NewServer binds UDP port 67 on n for a server that serves no interface
// yet (Serve adds them).
func NewServer(n *node.Node) (*Server, error) {
	s := &Server{n: n, engines: map[*node.Iface]*dhcp.Server{}}
	sock, err := n.ListenUDP(dhcp.ServerPort, s.datagram)
	if err != nil {
		return nil, err
	}
	s.sock = sock
	return s, nil
}

// Serve starts serving interface i with cfg (ServerID defaults to i's
// address, Subnet to its prefix).
func (s *Server) Serve(i *node.Iface, cfg dhcp.ServerConfig) error {
	if !i.Ethernet() {
		return fmt.Errorf("%s:%s: DHCP needs an Ethernet interface", s.n.Name, i.Name)
	}
	if !cfg.ServerID.IsValid() {
		cfg.ServerID = i.Addr()
	}
	if !cfg.Subnet.IsValid() {
		cfg.Subnet = i.Prefix.Masked()
	}
	eng, err := dhcp.NewServer(cfg)
	if err != nil {
		return fmt.Errorf("%s:%s: %w", s.n.Name, i.Name, err)
	}
	s.engines[i] = eng
	s.order = append(s.order, i)
	return nil
}

// Node returns the node the server runs on.
func (s *Server) Node() *node.Node { return s.n }

// Ifaces returns the interfaces served, in the order Serve was called.
func (s *Server) Ifaces() []*node.Iface { return s.order }

// Leases returns the leases of interface i's pool.
func (s *Server) Leases(i *node.Iface) []dhcp.Lease {
	if eng := s.engines[i]; eng != nil {
		return eng.Leases(s.n.Now())
	}
	return nil
}

func (s *Server) datagram(now sim.Time, d *node.Datagram) {
	eng := s.engines[d.In]
	if eng == nil {
		return
	}
	eng.Handle(now, dhcp.Datagram{Src: d.Src, Dst: d.Dst, Payload: d.Payload})
	s.out = eng.Output(s.out[:0])
	for _, o := range s.out {
		s.send(d.In, o)
	}
}

// send puts a reply on the wire the way RFC 2131 section 4.1 asks.
func (s *Server) send(i *node.Iface, o dhcp.Datagram) {
	dst := o.Dst.Addr()
	switch {
	case o.ToHW:
		s.udp = wire.AppendUDP(s.udp[:0], o.Src.Addr(), dst, o.Src.Port(), o.Dst.Port(), o.Payload)
		s.n.SendIPOn(i, wire.MAC(o.HW), wire.ProtoUDP, o.Src.Addr(), dst, s.udp)
	case dst == dhcp.Broadcast:
		s.udp = wire.AppendUDP(s.udp[:0], o.Src.Addr(), dst, o.Src.Port(), o.Dst.Port(), o.Payload)
		s.n.SendIPOn(i, wire.BroadcastMAC, wire.ProtoUDP, o.Src.Addr(), dst, s.udp)
	default:
		s.sock.SendTo(o.Dst, o.Payload)
	}
}

// Event is something that happened to a client's lease, for the
// narration: a message sent or received, or a change of binding.
type Event struct {
	At      sim.Time
	Sent    bool             // a message the client sent (else one it received, or a lease change)
	Message dhcp.MessageType // the message's type; 0 for a lease change
	Peer    netip.Addr       // where a sent message went, or where a received one came from
	// Addr is the address a message is about: offered or acknowledged
	// (yiaddr), requested (option 50, or ciaddr when renewing).
	Addr    netip.Addr
	Kind    string       // for a lease change: "bound", "renewed", "expired" …
	Binding dhcp.Binding // the lease, for a lease change
}

// ClientConfig configures a Client.
type ClientConfig struct {
	Hostname string // option 12
	// OnChange, if set, is called after the interface has been
	// configured (or unconfigured) from a lease change.
	OnChange func(now sim.Time, ev dhcp.Event)
}

// Client keeps interface i of a node configured from a DHCP lease: the
// address and prefix, a connected route and a default route through
// the lease's first router; it announces the address with a gratuitous
// ARP once bound.
type Client struct {
	n       *node.Node
	i       *node.Iface
	cfg     ClientConfig
	eng     *dhcp.Client
	sock    *node.UDPConn
	timer   *node.Timer
	bound   bool
	started bool // the engine has started (on the first timer firing)
	bind    dhcp.Binding
	routes  []node.Route
	log     []Event
	out     []dhcp.Datagram
	evs     []dhcp.Event
	udp     []byte
}

// StartClient binds UDP port 68 on n and starts the client on i at this
// instant (its first DISCOVER goes out when the kernel next runs). Transaction IDs and retransmission
// jitter come from the node's stream "dhcp:IFACE".
func StartClient(n *node.Node, i *node.Iface, cfg ClientConfig) (*Client, error) {
	if !i.Ethernet() {
		return nil, fmt.Errorf("%s:%s: DHCP needs an Ethernet interface", n.Name, i.Name)
	}
	c := &Client{n: n, i: i, cfg: cfg}
	c.eng = dhcp.NewClient(dhcp.ClientConfig{HW: i.MAC(), Hostname: cfg.Hostname}, n.Stream("dhcp:"+i.Name))
	sock, err := n.ListenUDP(dhcp.ClientPort, c.datagram)
	if err != nil {
		return nil, err
	}
	c.sock = sock
	c.timer = n.NewTimer(c.fire)
	// The engine starts when the kernel next runs, at this instant: what
	// subscribes to the bus between now and then sees the first DISCOVER.
	c.timer.ResetAt(n.Now())
	return c, nil
}

// Iface returns the interface the client configures.
func (c *Client) Iface() *node.Iface { return c.i }

// Node returns the client's node.
func (c *Client) Node() *node.Node { return c.n }

// State returns the engine's state (INIT, SELECTING, BOUND …).
func (c *Client) State() dhcp.ClientState { return c.eng.State() }

// Binding returns the lease the interface is configured with.
func (c *Client) Binding() (dhcp.Binding, bool) { return c.bind, c.bound }

// Log returns what the client sent and received and its lease changes,
// in order.
func (c *Client) Log() []Event { return c.log }

// Release gives the lease back to the server and unconfigures the
// interface.
func (c *Client) Release() {
	c.eng.Release(c.n.Now())
	c.pump(c.n.Now())
}

// Reinstall puts the lease's routes back into the node's table, for a
// route computation that cleared it.
func (c *Client) Reinstall() {
	for _, r := range c.routes {
		c.n.Routes.Insert(r)
	}
}

func (c *Client) datagram(now sim.Time, d *node.Datagram) {
	if d.In != c.i {
		return
	}
	if m, err := dhcp.ParseMessage(d.Payload); err == nil && m.Op == dhcp.BootReply {
		c.log = append(c.log, Event{At: now, Message: m.Type, Peer: d.Src.Addr(), Addr: m.YIAddr})
	}
	c.eng.Handle(now, dhcp.Datagram{Src: d.Src, Dst: d.Dst, Payload: d.Payload})
	c.pump(now)
}

func (c *Client) fire(now sim.Time) {
	if !c.started {
		c.started = true
		c.eng.Start(now)
	} else {
		c.eng.Advance(now)
	}
	c.pump(now)
}

// pump sends what the engine has to send, applies its lease changes and
// re-arms the timer.
func (c *Client) pump(now sim.Time) {
	c.out = c.eng.Output(c.out[:0])
	for _, o := range c.out {
		if m, err := dhcp.ParseMessage(o.Payload); err == nil {
			a := m.RequestedIP
			if !a.IsValid() && !m.CIAddr.IsUnspecified() {
				a = m.CIAddr
			}
			c.log = append(c.log, Event{At: now, Sent: true, Message: m.Type, Peer: o.Dst.Addr(), Addr: a})
		}
		c.send(o)
	}
	c.evs = c.eng.Events(c.evs[:0])
	for _, ev := range c.evs {
		c.apply(now, ev)
	}
	if due := c.eng.NextDeadline(); due != sim.Never {
		c.timer.ResetAt(due)
	} else {
		c.timer.Stop()
	}
}

func (c *Client) send(o dhcp.Datagram) {
	src, dst := o.Src.Addr(), o.Dst.Addr()
	if dst == dhcp.Broadcast || !c.bound {
		c.udp = wire.AppendUDP(c.udp[:0], src, dst, o.Src.Port(), o.Dst.Port(), o.Payload)
		c.n.SendIPOn(c.i, wire.BroadcastMAC, wire.ProtoUDP, src, dst, c.udp)
		return
	}
	c.sock.SendTo(o.Dst, o.Payload)
}

// apply configures or unconfigures the interface after a lease change.
func (c *Client) apply(now sim.Time, ev dhcp.Event) {
	c.log = append(c.log, Event{At: now, Kind: ev.Kind.String(), Binding: ev.Binding})
	switch ev.Kind {
	case dhcp.EvBound, dhcp.EvRenewed:
		b := ev.Binding
		if !c.bound || b.Prefix != c.bind.Prefix || !sameRouters(b.Router, c.bind.Router) {
			c.unconfigure()
			c.configure(b)
		}
		c.bind, c.bound = b, true
	default:
		c.unconfigure()
		c.bind, c.bound = dhcp.Binding{}, false
	}
	if c.cfg.OnChange != nil {
		c.cfg.OnChange(now, ev)
	}
}

func (c *Client) configure(b dhcp.Binding) {
	c.i.SetPrefix(b.Prefix)
	c.routes = append(c.routes[:0], node.Route{Prefix: b.Prefix.Masked(), Iface: c.i.Index})
	if len(b.Router) > 0 && b.Prefix.Contains(b.Router[0]) {
		c.routes = append(c.routes, node.Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Iface: c.i.Index, NextHop: b.Router[0]})
	}
	c.Reinstall()
	c.i.AnnounceARP()
}

func (c *Client) unconfigure() {
	for _, r := range c.routes {
		c.n.Routes.Remove(r.Prefix)
	}
	c.routes = c.routes[:0]
	if c.i.Prefix.IsValid() {
		c.i.SetPrefix(netip.Prefix{})
	}
}

func sameRouters(a, b []netip.Addr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
