package node

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/hopsnet/hops/packet"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// Errors that ICMP errors about a node's own datagrams stand for, as a
// socket would report them (Linux's errno for each type and code); test
// them with errors.Is on ICMPError.Err. ErrHostUnreachable and ErrTooBig
// (fragmentation needed) are shared with the sending API.
var (
	ErrNetUnreachable   = errors.New("network is unreachable")
	ErrProtoUnreachable = errors.New("protocol not available")
	ErrConnRefused      = errors.New("connection refused") // ICMP port unreachable
	ErrTTLExceeded      = errors.New("time to live exceeded")
	ErrReassemblyTime   = errors.New("fragment reassembly time exceeded")
	ErrICMPOther        = errors.New("ICMP error")
	ErrProtoInUse       = errors.New("protocol already registered")
)

// Inbound is the datagram a node is delivering to a transport: its header,
// its payload (after reassembly) and the interface it arrived on. A
// transport's Receive gets a pointer to a per-node value; it and the
// slices in it are valid only during the call.
type Inbound struct {
	IP      wire.IPv4Header
	Payload []byte
	In      *Iface // nil when the datagram came by the loopback path

	n        *Node
	p        *packet.Packet
	accepted bool
}

// Accept tells the node that the transport takes the datagram, before it
// hands the data to an app: the delivery is then counted and traced before
// whatever the app does in response. A Receive that returns no drop reason
// without calling Accept is accepted when it returns.
func (d *Inbound) Accept() {
	if d.p == nil || d.accepted {
		return
	}
	d.accepted = true
	d.n.stats.Delivered++
	d.n.emit(trace.Deliver, d.In, d.p, "")
}

// SendICMPError answers the datagram with an ICMP error of type typ and
// code code (mtu is the next-hop MTU of a fragmentation-needed message):
// port unreachable for a UDP datagram no socket wants, protocol
// unreachable, and so on. The node applies the rules of RFC 1812 4.3.2.7
// and RFC 1122 3.2.2 and its rate limits, so the error may not be sent.
func (d *Inbound) SendICMPError(typ, code uint8, mtu uint16) {
	if d.p == nil {
		return
	}
	d.n.icmpError(d.In, d.p, typ, code, mtu)
}

// ICMPError is an ICMP error about a datagram this node sent, as the node
// hands it to the transport (and the transport to the socket) that sent
// the datagram. The value is the node's own scratch space, reused for the
// next error, and its slices alias the packet: both are valid only during
// the call. To keep the error, copy it (e2 := *e) and its QuotedPayload.
type ICMPError struct {
	From       netip.Addr // the router or host that sent the error
	Type, Code uint8
	MTU        uint16 // the next-hop MTU of fragmentation needed (RFC 1191), else 0
	// Err is what the error means to a socket: ErrNetUnreachable,
	// ErrHostUnreachable, ErrProtoUnreachable, ErrConnRefused, ErrTooBig,
	// ErrTTLExceeded, ErrReassemblyTime or ErrICMPOther.
	Err error
	// Quoted is the header of the datagram the error is about, as the node
	// sent it (TotalLen is the original length even when the quote is cut
	// short), and QuotedPayload the first bytes of its payload (at least 8
	// by RFC 792; a Linux router quotes up to 548 bytes in all).
	Quoted        wire.IPv4Header
	QuotedPayload []byte
	// TTL is the TTL of the datagram that carried the error, which tells
	// how far away From is.
	TTL uint8
}

// Error words the ICMP error like a socket error: "time to live exceeded
// from 198.18.1.2".
func (e *ICMPError) Error() string {
	s := e.Err.Error() + " from " + e.From.String()
	if e.Type == wire.ICMPDestUnreachable && e.Code == wire.ICMPFragNeeded {
		s += fmt.Sprintf(" (mtu %d)", e.MTU)
	}
	return s
}

// Unwrap returns Err, so errors.Is(e, node.ErrConnRefused) works.
func (e *ICMPError) Unwrap() error { return e.Err }

// icmpErrorMeaning maps an ICMP error's type and code to the error a
// socket reports (Linux's icmp_err_convert table).
func icmpErrorMeaning(typ, code uint8) error {
	switch typ {
	case wire.ICMPTimeExceeded:
		if code == wire.ICMPFragReassemblyExceeded {
			return ErrReassemblyTime
		}
		return ErrTTLExceeded
	case wire.ICMPDestUnreachable:
		switch code {
		case wire.ICMPNetUnreachable, 6, 11: // net, net unknown, net for TOS
			return ErrNetUnreachable
		case wire.ICMPHostUnreachable, 7, 8, 12: // host, host unknown, isolated, host for TOS
			return ErrHostUnreachable
		case wire.ICMPProtoUnreachable:
			return ErrProtoUnreachable
		case wire.ICMPPortUnreachable:
			return ErrConnRefused
		case wire.ICMPFragNeeded:
			return ErrTooBig
		}
	}
	return ErrICMPOther
}

// Protocol is a transport's registration with a node for one IP protocol
// number.
type Protocol struct {
	// Name names the transport in error messages ("udp", "tcp").
	Name string
	// Receive gets every datagram of the protocol addressed to the node,
	// after reassembly. It returns "" when it takes the datagram, or the
	// reason it drops it (a trace reason such as trace.ReasonBadChecksum).
	Receive func(now sim.Time, d *Inbound) (dropReason string)
	// Error, if set, gets every ICMP error that quotes a datagram of this
	// protocol sent from one of the node's addresses: unreachable, time
	// exceeded, fragmentation needed with its MTU. It is parsed once by
	// the node; the transport finds the socket from the quoted ports. The
	// *ICMPError is valid only during the call.
	Error func(now sim.Time, e *ICMPError)
}

// Registration is a transport's hold on an IP protocol number at a node;
// Close gives it up.
type Registration struct {
	n     *Node
	proto uint8
	p     *Protocol
}

// RegisterProtocol makes p the transport for IP protocol proto at the
// node. ICMP (1), TCP (6) and UDP (17) are the node's own; another transport may
// take any other number, once (ErrProtoInUse).
func (n *Node) RegisterProtocol(proto uint8, p Protocol) (*Registration, error) {
	if p.Receive == nil {
		return nil, fmt.Errorf("%s: protocol %d: Receive must be set", n.Name, proto)
	}
	if n.protos[proto] != nil {
		return nil, fmt.Errorf("%s: registering %s for IP protocol %d: %s holds it: %w", n.Name, p.Name, proto, n.protos[proto].Name, ErrProtoInUse)
	}
	r := &Registration{n: n, proto: proto, p: &p}
	n.protos[proto] = r.p
	return r, nil
}

// Close unregisters the transport: from now on datagrams of its protocol
// are answered with ICMP protocol unreachable and its Error is not called.
// Closing twice does nothing.
func (r *Registration) Close() {
	if r.p == nil {
		return
	}
	if r.n.protos[r.proto] == r.p {
		delete(r.n.protos, r.proto)
	}
	r.p = nil
}

// dispatchError hands an ICMP error to the transport whose datagram it
// quotes, if the quote parses and names one of the node's addresses as
// its source.
func (n *Node) dispatchError(m *ICMPPacket) {
	if !m.HasQuote || !n.HasAddr(m.Quoted.Src) {
		return
	}
	p := n.protos[m.Quoted.Protocol]
	if p == nil || p.Error == nil {
		return
	}
	n.curErr = ICMPError{
		From: m.IP.Src, Type: m.Msg.Type, Code: m.Msg.Code, MTU: m.Msg.MTU,
		Err:    icmpErrorMeaning(m.Msg.Type, m.Msg.Code),
		Quoted: m.Quoted, QuotedPayload: m.QuotedPayload, TTL: m.IP.TTL,
	}
	p.Error(n.k.Now(), &n.curErr)
}

// Handles counts what apps and transports hold open at a node; a test that
// cleans up expects all zero.
type Handles struct {
	Transports    int // registered with RegisterProtocol (ICMP, UDP and TCP are built in)
	UDPSockets    int
	TCPConns      int // connections, TIME-WAIT included
	TCPListeners  int
	ICMPListeners int
	Timers        int // NewTimer timers armed and not yet fired or stopped
}

// Open returns what apps and transports hold open at the node.
func (n *Node) Open() Handles {
	return Handles{
		Transports:    len(n.protos) - 3,
		UDPSockets:    len(n.udp),
		TCPConns:      len(n.tcp.conns),
		TCPListeners:  len(n.tcp.listeners),
		ICMPListeners: len(n.icmpListen),
		Timers:        n.timersArmed,
	}
}
