package node

import (
	"fmt"
	"net/netip"

	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// Ephemeral port range, as Linux's ip_local_port_range.
const (
	EphemeralMin = 32768
	EphemeralMax = 60999
)

// Datagram is a UDP datagram delivered to a socket. The value is the
// node's scratch space and Payload aliases the packet: both are valid only
// during the call; copy what you keep.
type Datagram struct {
	Src, Dst netip.AddrPort
	TTL      uint8
	Payload  []byte
	// In is the interface the datagram arrived on (nil: the loopback).
	In *Iface
}

// UDPConn is a UDP socket bound to a port on every address of its node.
type UDPConn struct {
	// TTL and PMTU apply to datagrams sent from now on; zero TTL means
	// DefaultTTL, zero PMTU Linux's default (PMTUWant: DF while the
	// datagram fits the path MTU).
	TTL  uint8
	PMTU PMTUDisc

	n       *Node
	port    uint16
	peer    netip.AddrPort // set by DialUDP: the only source it hears
	handler func(now sim.Time, d *Datagram)
	onError func(now sim.Time, e *ICMPError)
	closed  bool
	buf     []byte
}

// ListenUDP binds a UDP socket to port (0 picks a free ephemeral port)
// whose arriving datagrams go to h (h may be nil for a send-only socket).
func (n *Node) ListenUDP(port uint16, h func(now sim.Time, d *Datagram)) (*UDPConn, error) {
	if port == 0 {
		span := EphemeralMax - EphemeralMin + 1
		start := n.ports.IntN(span)
		for i := 0; i < span; i++ {
			p := uint16(EphemeralMin + (start+i)%span)
			if n.udp[p] == nil {
				port = p
				break
			}
		}
		if port == 0 {
			return nil, ErrNoPorts
		}
	}
	if n.udp[port] != nil {
		return nil, fmt.Errorf("%s: udp port %d: %w", n.Name, port, ErrPortInUse)
	}
	c := &UDPConn{n: n, port: port, handler: h}
	n.udp[port] = c
	return c, nil
}

// DialUDP binds a UDP socket connected to peer. It hears only datagrams
// from peer (others get ICMP port unreachable, as in Linux) and only ICMP
// errors about datagrams to peer. Its ephemeral port is chosen per
// destination with RFC 6056 algorithm 4, so other apps' sockets never
// shift it: a deliberate choice for reproducible runs (Linux uses
// algorithm 4 for TCP's connect, but a random port for UDP's). h may be
// nil.
func (n *Node) DialUDP(peer netip.AddrPort, h func(now sim.Time, d *Datagram)) (*UDPConn, error) {
	local, err := n.SourceFor(peer.Addr())
	if err != nil {
		return nil, err
	}
	port, ok := n.ids.port(local, peer, wire.ProtoUDP, func(p uint16) bool { return n.udp[p] == nil })
	if !ok {
		return nil, ErrNoPorts
	}
	c := &UDPConn{n: n, port: port, peer: peer, handler: h}
	n.udp[port] = c
	return c, nil
}

// Send sends payload to the peer of a socket from DialUDP.
func (c *UDPConn) Send(payload []byte) (uint64, error) {
	if !c.peer.IsValid() {
		return 0, fmt.Errorf("%s: udp port %d: Send on a socket with no peer (use DialUDP or SendTo)", c.n.Name, c.port)
	}
	return c.SendTo(c.peer, payload)
}

// OnError makes f receive the ICMP errors about datagrams this socket
// sent (port unreachable: ErrConnRefused; time exceeded; fragmentation
// needed with its MTU, except on a PMTUDont socket, as in Linux's
// __udp4_lib_err), as Linux delivers them with IP_RECVERR. f replaces any
// earlier handler; nil stops the reports. The *ICMPError is valid only
// during the call.
func (c *UDPConn) OnError(f func(now sim.Time, e *ICMPError)) { c.onError = f }

// LocalPort returns the port the socket is bound to.
func (c *UDPConn) LocalPort() uint16 { return c.port }

// Close unbinds the socket; its handlers are not called again. Closing
// twice does nothing.
func (c *UDPConn) Close() {
	if !c.closed {
		c.closed = true
		delete(c.n.udp, c.port)
	}
}

// SendTo sends payload to dst and returns the datagram's packet ID.
func (c *UDPConn) SendTo(dst netip.AddrPort, payload []byte) (uint64, error) {
	if c.closed {
		return 0, ErrClosed
	}
	n := c.n
	src, err := n.SourceFor(dst.Addr())
	if err != nil {
		return 0, err
	}
	c.buf = wire.AppendUDP(c.buf[:0], src, dst.Addr(), c.port, dst.Port(), payload)
	return n.SendIP(wire.ProtoUDP, dst.Addr(), c.buf, SendOptions{Src: src, TTL: c.TTL, PMTU: c.PMTU})
}

// handleUDP demultiplexes UDP datagrams to sockets and answers ICMP port
// unreachable when no socket is bound (which is how traceroute learns it
// has arrived).
func (n *Node) handleUDP(now sim.Time, d *Inbound) string {
	h, payload := &d.IP, d.Payload
	u, data, err := wire.ParseUDP(payload)
	if err != nil {
		return trace.ReasonMalformed
	}
	if !wire.VerifyUDPChecksum(h.Src, h.Dst, payload[:u.Length]) {
		return trace.ReasonBadChecksum
	}
	c := n.udp[u.DstPort]
	if c == nil || c.handler == nil || (c.peer.IsValid() && c.peer != netip.AddrPortFrom(h.Src, u.SrcPort)) {
		d.SendICMPError(wire.ICMPDestUnreachable, wire.ICMPPortUnreachable, 0)
		return trace.ReasonNoListener
	}
	d.Accept()
	n.curDgm = Datagram{
		Src:     netip.AddrPortFrom(h.Src, u.SrcPort),
		Dst:     netip.AddrPortFrom(h.Dst, u.DstPort),
		TTL:     h.TTL,
		Payload: data,
		In:      d.In,
	}
	c.handler(now, &n.curDgm)
	return ""
}

// udpError hands an ICMP error about a UDP datagram the node sent to the
// socket bound to the quoted source port.
func (n *Node) udpError(now sim.Time, e *ICMPError) {
	if len(e.QuotedPayload) < 4 {
		return
	}
	port := uint16(e.QuotedPayload[0])<<8 | uint16(e.QuotedPayload[1])
	c := n.udp[port]
	if c == nil || c.onError == nil {
		return
	}
	if c.peer.IsValid() {
		to := netip.AddrPortFrom(e.Quoted.Dst, uint16(e.QuotedPayload[2])<<8|uint16(e.QuotedPayload[3]))
		if to != c.peer {
			return // about a datagram this connected socket did not send to its peer
		}
	}
	if e.Type == wire.ICMPDestUnreachable && e.Code == wire.ICMPFragNeeded && c.PMTU == PMTUDont {
		return // the path MTU was learned; a DONT socket is not told
	}
	c.onError(now, e)
}
