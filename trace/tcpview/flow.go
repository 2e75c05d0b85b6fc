// Package tcpview watches one TCP connection on the trace bus and tells
// it as a learner reads it: [Narrator] writes the story of the
// connection (handshake with its initial sequence numbers, data, every
// retransmission and why, out-of-order arrivals put back in order, the
// FIN exchange and TIME-WAIT) and [Recorder] keeps what a time-sequence
// graph draws (trace/tcpplot draws it).
//
// Both are observers: they read the packets' bytes as the bus hands them
// out and never change what happens. Everything they say comes from the
// segments seen at the two ends' interfaces (and the drops seen on the
// way), not from the TCP engine: a reader can check each line against a
// capture of the same run.
package tcpview

import (
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// Conn names the connection to watch: the first connection that Client
// opens to port Port, and its accepted end on Server.
type Conn struct {
	Client string // node that sends the SYN (and the data)
	Server string // node that listens
	Port   uint16 // server's port
}

// where says at which vantage point a segment of the connection was seen.
type where uint8

const (
	clientOut where = iota + 1 // the client sent it
	clientIn                   // it reached the client's stack
	serverOut                  // the server sent it
	serverIn                   // it reached the server's stack
	lostOnWay                  // something dropped it on the way
)

// seg is one decoded segment of the watched connection.
type seg struct {
	at   sim.Time
	h    wire.TCPHeader
	n    int // payload bytes
	link string
	node string
}

func (s *seg) has(f wire.TCPFlags) bool { return s.h.Flags&f != 0 }

// flow finds the watched connection's segments among all events.
type flow struct {
	c          Conn
	clientPort uint16 // client's port, known from its SYN
	peerPort   uint16 // the client's port as the server sees it (after any NAT)
}

// decode returns the segment e carries and where it was seen, if it
// belongs to the watched connection.
func (f *flow) decode(e *trace.Event) (where, seg, bool) {
	var w where
	switch e.Kind {
	case trace.Send:
		switch e.Node {
		case f.c.Client:
			w = clientOut
		case f.c.Server:
			w = serverOut
		default:
			return 0, seg{}, false
		}
	case trace.Deliver:
		switch e.Node {
		case f.c.Client:
			w = clientIn
		case f.c.Server:
			w = serverIn
		default:
			return 0, seg{}, false
		}
	case trace.Drop:
		w = lostOnWay
	default:
		return 0, seg{}, false
	}
	ip := wire.IPv4(e.Data)
	if e.Data == nil || ip.Check() != nil || ip.Protocol() != wire.ProtoTCP || ip.FragOffset() != 0 || ip.MoreFragments() {
		return 0, seg{}, false
	}
	t := wire.TCP(ip.Payload())
	if t.Check() != nil {
		return 0, seg{}, false
	}
	src, dst := t.SrcPort(), t.DstPort()
	switch w {
	case clientOut:
		if f.clientPort == 0 && dst == f.c.Port && t.Flags()&(wire.SYN|wire.ACK) == wire.SYN {
			f.clientPort = src
		}
		if f.clientPort == 0 || src != f.clientPort || dst != f.c.Port {
			return 0, seg{}, false
		}
	case clientIn:
		if f.clientPort == 0 || src != f.c.Port || dst != f.clientPort {
			return 0, seg{}, false
		}
	case serverIn:
		if f.clientPort != 0 && f.peerPort == 0 && dst == f.c.Port && t.Flags()&(wire.SYN|wire.ACK) == wire.SYN {
			f.peerPort = src
		}
		if f.peerPort == 0 || dst != f.c.Port || src != f.peerPort {
			return 0, seg{}, false
		}
	case serverOut:
		if f.peerPort == 0 || src != f.c.Port || dst != f.peerPort {
			return 0, seg{}, false
		}
	case lostOnWay:
		toServer := dst == f.c.Port && (src == f.clientPort || src == f.peerPort)
		toClient := src == f.c.Port && (dst == f.clientPort || dst == f.peerPort)
		if f.clientPort == 0 || !toServer && !toClient {
			return 0, seg{}, false
		}
	}
	h, payload, err := wire.ParseTCP(t)
	if err != nil {
		return 0, seg{}, false
	}
	return w, seg{at: e.At, h: h, n: len(payload), link: e.Link, node: e.Node}, true
}

// unwrap turns a 32-bit sequence number into a byte position counted
// from base (base itself is 0), taking the one nearest prev so that
// transfers beyond 4 GiB keep counting.
func unwrap(seq, base uint32, prev int64) int64 {
	r := int64(seq - base)
	hi := prev &^ (1<<32 - 1)
	v := hi | r
	switch {
	case v-prev > 1<<31:
		v -= 1 << 32
	case prev-v > 1<<31:
		v += 1 << 32
	}
	return v
}
