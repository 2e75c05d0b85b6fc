// Package dnsserver runs hops' authoritative DNS engine (dns/auth) on a
// node: UDP port 53, and TCP port 53 with the 2-byte length framing of
// RFC 7766 section 8. It also ships the zones of the default world
// (root, com., net., example.com., example.net.; and org., example.org.
// and the reverse zones of its addresses, see zones.go), a resolver and
// a stub (resolver.go, stub.go), and Exchange, the client side that
// hops dig uses: one query over UDP, retried, and again over TCP when the
// answer comes truncated.
//
// Everything runs on the simulation's thread from node callbacks; the
// engine is handed each message and hands back the answer's bytes.
package dnsserver

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/hopsnet/hops/dns/auth"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
)

// Port is DNS's port.
const Port = 53

// Limits on a TCP client, after what NSD and BIND allow.
const (
	// TCPIdle closes a connection with no complete query for this long
	// (RFC 7766 section 6.2.3: "on the order of seconds").
	TCPIdle = 10 * time.Second
	// maxTCPQueued bounds the answer bytes waiting for room in one
	// connection's send buffer; a client that reads nothing is cut off.
	maxTCPQueued = 256 << 10
	// maxFrame is the largest DNS message on TCP.
	maxFrame = 0xffff
)

// Stats counts what a server did.
type Stats struct {
	UDPQueries, TCPQueries uint64 // messages received
	Responses              uint64 // answers sent
	Dropped                uint64 // messages the engine would not answer
	TCPConns               uint64 // connections accepted
}

// A Server is the engine bound to a node's port 53.
type Server struct {
	n     *node.Node
	eng   *auth.Server
	udp   *node.UDPConn
	tcp   *node.TCPListener
	buf   []byte
	stats Stats
}

// Start serves eng on n's UDP and TCP port 53.
func Start(n *node.Node, eng *auth.Server) (*Server, error) {
	s := &Server{n: n, eng: eng, buf: make([]byte, 0, 4096)}
	u, err := n.ListenUDP(Port, s.datagram)
	if err != nil {
		return nil, fmt.Errorf("dns server on %s: %w", n.Name, err)
	}
	l, err := n.ListenTCP(Port, tcp.Config{}, s.accept)
	if err != nil {
		u.Close()
		return nil, fmt.Errorf("dns server on %s: %w", n.Name, err)
	}
	s.udp, s.tcp = u, l
	return s, nil
}

// Node returns the node the server runs on.
func (s *Server) Node() *node.Node { return s.n }

// Close stops listening; connections already open finish their answers.
func (s *Server) Close() {
	s.udp.Close()
	s.tcp.Close()
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats { return s.stats }

// Engine returns the engine the server runs.
func (s *Server) Engine() *auth.Server { return s.eng }

// datagram answers one UDP query.
func (s *Server) datagram(now sim.Time, d *node.Datagram) {
	s.stats.UDPQueries++
	resp, err := s.eng.Respond(s.buf[:0], d.Payload, auth.UDP)
	s.buf = resp[:0]
	if err != nil {
		s.stats.Dropped++
		return
	}
	s.stats.Responses++
	s.udp.SendTo(d.Src, resp)
}

// tcpClient is one TCP connection's framing state.
type tcpClient struct {
	s    *Server
	c    *node.TCPConn
	in   []byte // bytes read, not yet a whole frame
	out  []byte // framed answers waiting for room in the send buffer
	idle *node.Timer
	// closing: the client closed its side; close ours once out is sent.
	closing bool
	chunk   [4096]byte
}

// accept takes a new connection.
func (s *Server) accept(c *node.TCPConn) node.TCPHandler {
	s.stats.TCPConns++
	t := &tcpClient{s: s, c: c}
	t.idle = s.n.NewTimer(func(sim.Time) { t.c.Close() })
	t.idle.Reset(TCPIdle)
	return node.TCPHandler{
		Readable: t.readable,
		Writable: func(*node.TCPConn) { t.flush() },
		Closed:   func(*node.TCPConn, error) { t.idle.Stop() },
	}
}

// readable reads what arrived and answers every whole frame in it.
func (t *tcpClient) readable(c *node.TCPConn) {
	for {
		k := c.Read(t.chunk[:])
		if k == 0 {
			break
		}
		t.in = append(t.in, t.chunk[:k]...)
	}
	for len(t.in) >= 2 {
		size := int(binary.BigEndian.Uint16(t.in))
		if len(t.in) < 2+size {
			break
		}
		t.query(t.in[2 : 2+size])
		t.in = t.in[2+size:]
		t.idle.Reset(TCPIdle)
	}
	if len(t.in) == 0 {
		t.in = nil
	}
	if c.EOF() {
		// The client is done asking (RFC 7766 section 6.2.3): close our
		// side once the answers are out.
		t.closing = true
		t.flush()
	}
}

// query answers one framed message.
func (t *tcpClient) query(msg []byte) {
	s := t.s
	s.stats.TCPQueries++
	resp, err := s.eng.Respond(s.buf[:0], msg, auth.TCP)
	s.buf = resp[:0]
	if err != nil || len(resp) > maxFrame {
		s.stats.Dropped++
		return
	}
	if len(t.out)+2+len(resp) > maxTCPQueued {
		t.c.Abort()
		return
	}
	s.stats.Responses++
	t.out = binary.BigEndian.AppendUint16(t.out, uint16(len(resp)))
	t.out = append(t.out, resp...)
	t.flush()
}

// flush writes the queued answers as far as the send buffer takes them.
func (t *tcpClient) flush() {
	if len(t.out) > 0 {
		k := t.c.Write(t.out)
		t.out = t.out[k:]
	}
	if len(t.out) == 0 {
		t.out = nil
		if t.closing {
			t.c.Close()
		}
	}
}
