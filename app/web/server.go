// Package web runs HTTP/1.1 on nodes: a server app that binds the
// http/h1 server engine to TCP sockets and serves static sites and a
// small REST API, and a client app that sends requests over pooled
// connections. Everything runs on the simulation's thread in virtual
// time; the protocol lives in http/h1, this package only moves bytes
// between sockets and engines.
package web

import (
	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
)

// DefaultPort is HTTP's port.
const DefaultPort = 80

// Config configures a server.
type Config struct {
	Port uint16 // default 80
	TCP  tcp.Config
	HTTP h1.ServerConfig
}

// Server is a web server listening on a node.
type Server struct {
	n     *node.Node
	cfg   Config
	h     h1.Handler
	l     *node.TCPListener
	buf   []byte // read scratch, shared by the server's connections
	conns int    // open connections
	reqs  int    // requests answered
}

// Serve listens on n and answers requests with h.
func Serve(n *node.Node, cfg Config, h h1.Handler) (*Server, error) {
	if cfg.Port == 0 {
		cfg.Port = DefaultPort
	}
	s := &Server{n: n, cfg: cfg, h: h, buf: make([]byte, 16<<10)}
	l, err := n.ListenTCP(cfg.Port, cfg.TCP, s.accept)
	if err != nil {
		return nil, err
	}
	s.l = l
	return s, nil
}

// Close stops listening; open connections go on.
func (s *Server) Close() { s.l.Close() }

// Requests returns how many requests the server has answered.
func (s *Server) Requests() int { return s.reqs }

// conn binds one accepted socket to its engine.
type conn struct {
	s     *Server
	tc    *node.TCPConn
	e     *h1.ServerConn
	timer *node.Timer
	eof   bool // the client's FIN was handed to the engine
	done  bool
}

func (s *Server) accept(tc *node.TCPConn) node.TCPHandler {
	c := &conn{s: s, tc: tc, e: h1.NewServerConn(s.n.Now(), s.cfg.HTTP, s.h)}
	c.timer = s.n.NewTimer(c.fire)
	c.timer.ResetAt(c.e.NextDeadline())
	s.conns++
	return node.TCPHandler{Readable: c.pump, Writable: c.pump, Closed: c.closed}
}

// pump moves bytes both ways until neither moves: input while the engine
// has room, output while the socket takes it.
func (c *conn) pump(tc *node.TCPConn) {
	if c.done {
		return
	}
	now := c.s.n.Now()
	for {
		moved := false
		if out := c.e.Output(); len(out) > 0 {
			if k := tc.Write(out); k > 0 {
				c.e.Consume(k)
				moved = true
			}
		}
		if room := c.e.Room(); room > 0 {
			if k := tc.Read(c.s.buf[:min(room, len(c.s.buf))]); k > 0 {
				before := c.e.Served()
				c.e.Receive(now, c.s.buf[:k])
				c.s.reqs += c.e.Served() - before
				moved = true
			} else if tc.EOF() && !c.eof {
				c.eof = true
				c.e.ReceiveEOF(now)
				moved = true
			}
		}
		if !moved {
			break
		}
	}
	if c.e.Done() {
		c.done = true
		c.timer.Stop()
		tc.Close()
		return
	}
	c.timer.ResetAt(c.e.NextDeadline())
}

func (c *conn) fire(now sim.Time) {
	c.e.Advance(now)
	c.pump(c.tc)
}

func (c *conn) closed(tc *node.TCPConn, err error) {
	c.done = true
	c.timer.Stop()
	c.s.conns--
}
