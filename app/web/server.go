// Package web runs HTTP on nodes: a server app that binds the http/h1
// and http/h2 server engines to TCP sockets (HTTP/2 by prior knowledge,
// "h2c": a connection that opens with the HTTP/2 preface) and serves
// static sites and a small REST API, and an HTTP/1.1 client app that
// sends requests over pooled connections. Everything runs on the simulation's thread in virtual
// time; the protocol lives in http/h1, this package only moves bytes
// between sockets and engines.
package web

import (
	"fmt"
	"time"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/http/h2"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
	"github.com/hopsnet/hops/trace"
)

// DefaultPort is HTTP's port.
const DefaultPort = 80

// Config configures a server.
type Config struct {
	Port  uint16 // default 80
	TCP   tcp.Config
	HTTP  h1.ServerConfig
	HTTP2 h2.ServerConfig
	// NoHTTP2 answers only HTTP/1.1 (a connection opening with the
	// HTTP/2 preface then gets HTTP/1.1's 400 or 505, as such servers do).
	NoHTTP2 bool
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
	h2    int    // connections that spoke HTTP/2
}

// HTTP2Conns returns how many connections spoke HTTP/2.
func (s *Server) HTTP2Conns() int { return s.h2 }

// Serve listens on n and answers requests with h.
func Serve(n *node.Node, cfg Config, h h1.Handler) (*Server, error) {
	if cfg.Port == 0 {
		cfg.Port = DefaultPort
	}
	if !cfg.NoHTTP2 {
		cfg.HTTP.H2CUpgrade = true // RFC 7540 section 3.2
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
	e     h2.ServerEngine // nil until the first bytes tell HTTP/1.1 from HTTP/2
	timer *node.Timer
	eof   bool // the client's FIN was handed to the engine
	done  bool
	sniff []byte // first bytes, while they may still be the HTTP/2 preface
}

// logged wraps the server's handler to write an access-log line per
// request to the event log, in the Common Log Format's spirit: client,
// request line, status, body size.
type logged struct {
	n      *node.Node
	remote string
	proto  string
	h      h1.Handler
}

func (l *logged) ServeHTTP(now sim.Time, req *h1.Request, resp *h1.Response) {
	l.h.ServeHTTP(now, req, resp)
	if l.n.Tracing() {
		status := resp.Status
		if status == 0 {
			status = 200
		}
		l.n.Note(trace.App, nil, fmt.Sprintf("http %s %q %d %d %s", l.remote, req.Method+" "+req.Target+" "+l.proto, status, len(resp.Body), req.Host()))
	}
}

func (s *Server) accept(tc *node.TCPConn) node.TCPHandler {
	c := &conn{s: s, tc: tc}
	c.timer = s.n.NewTimer(c.fire)
	if s.cfg.NoHTTP2 {
		c.e = h1.NewServerConn(s.n.Now(), s.cfg.HTTP, &logged{s.n, tc.RemoteAddr().String(), "HTTP/1.1", s.h})
		c.timer.ResetAt(c.e.NextDeadline())
	} else {
		c.timer.ResetAt(s.n.Now().Add(sniffTimeout))
	}
	s.conns++
	return node.TCPHandler{Readable: c.pump, Writable: c.pump, Closed: c.closed}
}

// choose reads the connection's first bytes until they are the HTTP/2
// preface (RFC 9113 section 3.3: prior knowledge) or cannot be; the
// bytes read go to the chosen engine.
func (c *conn) choose(tc *node.TCPConn) bool {
	now := c.s.n.Now()
	for c.e == nil {
		var b [len(h2.Preface)]byte
		k := tc.Read(b[:len(h2.Preface)-len(c.sniff)])
		c.sniff = append(c.sniff, b[:k]...)
		e, isH2, decided := h2.ChooseServer(now, c.sniff, k == 0 && tc.EOF(), c.s.cfg.HTTP, c.handler(tc, "HTTP/1.1"), c.s.cfg.HTTP2, c.handler(tc, "HTTP/2"))
		if !decided {
			return false // wait for more
		}
		c.e = e
		if isH2 {
			c.s.h2++
			tc.SetNotSentLowat(h2NotSentLowat)
		}
	}
	if len(c.sniff) > 0 {
		before := c.e.Served()
		c.e.Receive(now, c.sniff)
		c.s.reqs += c.e.Served() - before
		c.sniff = nil
	}
	return true
}

// pump moves bytes both ways until neither moves: input while the engine
// has room, output while the socket takes it.
func (c *conn) pump(tc *node.TCPConn) {
	if c.done || !c.choose(tc) {
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
		if c.upgrade(now, tc) {
			moved = true
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

// h2NotSentLowat bounds an HTTP/2 connection's bytes written to TCP but
// not yet sent (TCP_NOTSENT_LOWAT), so that the HTTP/2 scheduler, which
// orders only what TCP has not taken, can let a more urgent stream
// overtake a less urgent one. 16 KiB is the value Cloudflare runs its
// HTTP/2 servers with (net.ipv4.tcp_notsent_lowat).
const h2NotSentLowat = 16 << 10

// sniffTimeout closes a connection that sends too little to tell its
// protocol (the engines' own idle timeouts take over once it is known).
const sniffTimeout = 60 * time.Second

// handler is the server's handler for one connection, writing its
// access-log lines with the protocol's name.
func (c *conn) handler(tc *node.TCPConn, proto string) h1.Handler {
	return &logged{c.s.n, tc.RemoteAddr().String(), proto, c.s.h}
}

// upgrade switches the connection to HTTP/2 once its HTTP/1.1 engine has
// accepted an h2c upgrade and sent its 101 (RFC 7540 section 3.2).
func (c *conn) upgrade(now sim.Time, tc *node.TCPConn) bool {
	e, switched, err := h2.FollowUpgrade(now, c.e, c.s.cfg.HTTP2, c.handler(tc, "HTTP/2"))
	if err != nil {
		c.done = true
		tc.Close()
		return false
	}
	if switched {
		c.s.h2++
		c.e = e
		tc.SetNotSentLowat(h2NotSentLowat)
	}
	return switched
}

func (c *conn) fire(now sim.Time) {
	if c.e == nil {
		c.done = true
		c.tc.Close()
		return
	}
	c.e.Advance(now)
	c.pump(c.tc)
}

func (c *conn) closed(tc *node.TCPConn, err error) {
	c.done = true
	c.timer.Stop()
	c.s.conns--
}
