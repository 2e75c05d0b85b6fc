// Package netsim lets Go programs use the simulated internet: Dial and
// Listen on a node of a running world give a net.Conn and a net.Listener
// backed by hops' own TCP, so net/http servers and clients (or any Go
// code written against package net) talk across the world's routers,
// NAT and impaired links.
//
// The world runs on a [realtime.Driver]: its goroutine is the
// simulation's only thread, and netsim's blocking calls hand their work
// to it (Driver.Call) and wait on channels for the socket's events. With
// the driver running in real time, virtual time follows the wall clock.
// Inside a testing/synctest bubble it follows the bubble's fake clock,
// which jumps ahead whenever every goroutine is durably blocked: the
// world then runs as fast as the machine allows, and timeouts, deadlines
// and http.Server's timers all count virtual time (see the README's
// netsim section).
package netsim

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"

	"github.com/hopsnet/hops/live/realtime"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/tcp"
	"github.com/hopsnet/hops/world"
)

// Net is Go's door into a running world. Its fields may be changed before
// the first Dial or Listen.
type Net struct {
	// World is the world; its kernel must be the driver's.
	World *world.World
	// Driver runs the world.
	Driver *realtime.Driver
	// TCP is the engine configuration for new connections: zero values
	// mean the engine's defaults, except the buffers (see DefaultBufSize);
	// ISS and MSS are chosen per connection.
	TCP tcp.Config
	// Backlog bounds the connections a Listener holds that Accept has not
	// taken yet; more are reset. 0 means 128.
	Backlog int
}

// DefaultBufSize is the send and receive buffer size of netsim's
// connections when Net.TCP sets none: 4 MiB, as `hops transfer` uses,
// standing in for Linux's buffer autotuning (the engine's own default,
// 128 KiB, would cap a connection at 128 KiB per round trip).
const DefaultBufSize = 4 << 20

// tcpConfig returns the engine configuration for a new connection.
func (n *Net) tcpConfig() tcp.Config {
	cfg := n.TCP
	if cfg.SendBufSize == 0 {
		cfg.SendBufSize = DefaultBufSize
	}
	if cfg.RecvBufSize == 0 {
		cfg.RecvBufSize = DefaultBufSize
	}
	return cfg
}

// New returns the Net for w run by d.
func New(w *world.World, d *realtime.Driver) *Net {
	return &Net{World: w, Driver: d}
}

// Host returns the node called name as a place to dial from and listen
// on.
func (n *Net) Host(name string) (*Host, error) {
	nd := n.World.Node(name)
	if nd == nil {
		return nil, fmt.Errorf("netsim: no node %q in the world", name)
	}
	return &Host{net: n, node: nd}, nil
}

// Host is one node of the world, for Dial and Listen.
type Host struct {
	net  *Net
	node *node.Node
}

// Name returns the node's name.
func (h *Host) Name() string { return h.node.Name }

// Addr returns the node's primary address, read on the simulation's
// thread (a DHCP lease may change it).
func (h *Host) Addr() netip.Addr {
	var a netip.Addr
	if h.net.Driver.Call(func() { a = h.node.Addr() }) != nil {
		return netip.Addr{}
	}
	return a
}

// Dial connects to address ("host:port") over network "tcp" or "tcp4".
// The host is an IPv4 address or the name of a node of the world (its
// primary address; there is no DNS lookup).
func (h *Host) Dial(network, address string) (net.Conn, error) {
	return h.DialContext(context.Background(), network, address)
}

// DialContext is Dial with a context that bounds the connection's
// opening; its signature is http.Transport.DialContext's. Errors are
// *net.OpError: a refused connection matches syscall.ECONNREFUSED (and
// tcp.ErrConnRefused), an unanswered one syscall.ETIMEDOUT.
func (h *Host) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if err := checkNetwork(network); err != nil {
		return nil, opError("dial", nil, nil, err)
	}
	remote, err := h.resolve(address)
	if err != nil {
		return nil, opError("dial", nil, nil, err)
	}
	raddr := net.TCPAddrFromAddrPort(remote)
	c := newConn(h.net.Driver)
	c.raddr = raddr
	var dialErr error
	err = h.net.Driver.Call(func() {
		c.tc, dialErr = h.node.DialTCP(remote, h.net.tcpConfig(), c.handler())
		if dialErr == nil {
			c.laddr = net.TCPAddrFromAddrPort(c.tc.LocalAddr())
		}
	})
	if err == nil {
		err = dialErr
	}
	if err != nil {
		return nil, opError("dial", nil, raddr, err)
	}
	select {
	case err = <-c.dialed:
	case <-ctx.Done():
		err = ctx.Err()
		_ = h.net.Driver.Do(func() {
			if !c.ended {
				c.tc.Abort()
			}
		})
	case <-h.net.Driver.Done():
		err = realtime.ErrStopped
	}
	if err != nil {
		return nil, opError("dial", c.laddr, raddr, err)
	}
	return c, nil
}

// Listen listens on address (":port" or "addr:port"; the node accepts on
// all its addresses) over network "tcp" or "tcp4". Port 0 picks a free
// port from 32768 up.
func (h *Host) Listen(network, address string) (net.Listener, error) {
	if err := checkNetwork(network); err != nil {
		return nil, opError("listen", nil, nil, err)
	}
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return nil, opError("listen", nil, nil, err)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, opError("listen", nil, nil, fmt.Errorf("bad port %q", portText))
	}
	var ip netip.Addr
	if host != "" {
		if ip, err = netip.ParseAddr(host); err != nil || !ip.Is4() {
			return nil, opError("listen", nil, nil, fmt.Errorf("listen address %q: want an IPv4 address", host))
		}
	}
	backlog := h.net.Backlog
	if backlog <= 0 {
		backlog = 128
	}
	l := &Listener{h: h, accepted: make(chan *Conn, backlog), closed: make(chan struct{})}
	var lerr error
	cfg := h.net.tcpConfig()
	err = h.net.Driver.Call(func() {
		if !ip.IsValid() {
			ip = h.node.Addr()
		}
		if port != 0 {
			l.tl, lerr = h.node.ListenTCP(uint16(port), cfg, l.accept)
			return
		}
		for p := 32768; p < 65536; p++ {
			if l.tl, lerr = h.node.ListenTCP(uint16(p), cfg, l.accept); lerr == nil {
				return
			}
		}
	})
	if err == nil {
		err = lerr
	}
	if err != nil {
		return nil, opError("listen", nil, nil, err)
	}
	l.addr = net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, l.tl.Port()))
	return l, nil
}

// resolve turns "host:port" into an address.
func (h *Host) resolve(address string) (netip.AddrPort, error) {
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return netip.AddrPort{}, err
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil || port == 0 {
		return netip.AddrPort{}, fmt.Errorf("bad port %q", portText)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		// World.Resolve reads the node's address: on the thread.
		if cerr := h.net.Driver.Call(func() { ip, err = h.net.World.Resolve(host) }); cerr != nil {
			return netip.AddrPort{}, cerr
		}
		if err != nil {
			return netip.AddrPort{}, err
		}
	}
	if !ip.Is4() {
		return netip.AddrPort{}, fmt.Errorf("%s: only IPv4 is simulated", host)
	}
	return netip.AddrPortFrom(ip, uint16(port)), nil
}

// checkNetwork accepts the networks netsim simulates.
func checkNetwork(network string) error {
	if network != "tcp" && network != "tcp4" {
		return net.UnknownNetworkError(network)
	}
	return nil
}

// Listener is a listening TCP socket on a node, as a net.Listener.
type Listener struct {
	h        *Host
	tl       *node.TCPListener // the simulation's thread only
	addr     *net.TCPAddr
	accepted chan *Conn // connections waiting for Accept
	closed   chan struct{}
	once     sync.Once
}

// accept runs on the simulation's thread when a connection completes its
// handshake: it queues the connection for Accept, or resets it when the
// backlog is full.
func (l *Listener) accept(tc *node.TCPConn) node.TCPHandler {
	c := newConn(l.h.net.Driver)
	c.tc = tc
	c.laddr = net.TCPAddrFromAddrPort(tc.LocalAddr())
	c.raddr = net.TCPAddrFromAddrPort(tc.RemoteAddr())
	select {
	case l.accepted <- c:
	default:
		tc.Abort()
	}
	return c.handler()
}

// Accept waits for the next connection.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.accepted:
		return c, nil
	case <-l.closed:
		return nil, opError("accept", nil, l.addr, net.ErrClosed)
	case <-l.h.net.Driver.Done():
		return nil, opError("accept", nil, l.addr, realtime.ErrStopped)
	}
}

// Close stops listening: new connections are refused (RST), those not
// yet accepted are reset, and a blocked Accept returns net.ErrClosed.
func (l *Listener) Close() error {
	first := false
	l.once.Do(func() {
		first = true
		close(l.closed)
		_ = l.h.net.Driver.Call(func() {
			l.tl.Close()
			for {
				select {
				case c := <-l.accepted:
					if !c.ended {
						c.tc.Abort()
					}
				default:
					return
				}
			}
		})
	})
	if !first {
		return opError("close", nil, l.addr, net.ErrClosed)
	}
	return nil
}

// Addr returns the listening address, a *net.TCPAddr.
func (l *Listener) Addr() net.Addr { return l.addr }

var _ net.Listener = (*Listener)(nil)
