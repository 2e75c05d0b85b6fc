// Package serve serves HTTP on a real socket with hops' own server
// engines: the same sans-I/O http/h1 and http/h2 connections that run in
// the simulation's virtual time are driven here by a net.Conn and the
// wall clock, so that real clients (curl, a browser, Go's net/http) talk
// to hops' server code. A connection that opens with the HTTP/2 preface
// speaks HTTP/2 (h2c by prior knowledge), any other HTTP/1.1, as the
// simulated web servers decide.
//
// One goroutine owns each connection and its engine; calls into the
// handler are serialized (the sites' handlers are written for one
// thread, as everything in the simulation is). The engines' clock is the
// time since the server started, as a sim.Time.
package serve

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/http/h2"
	"github.com/hopsnet/hops/sim"
)

// Server serves one handler on listeners.
type Server struct {
	Handler h1.Handler
	HTTP    h1.ServerConfig
	HTTP2   h2.ServerConfig
	// Log, if set, gets one line per request answered, like an access log.
	Log func(line string)

	start    time.Time
	once     sync.Once
	mu       sync.Mutex // serializes the handler
	wg       sync.WaitGroup
	connsMu  sync.Mutex
	conns    map[net.Conn]bool
	closed   bool
	requests int
}

func (s *Server) now() sim.Time { return sim.Time(time.Since(s.start)) }

// lockedHandler serializes calls to h.
type lockedHandler struct {
	s *Server
	h h1.Handler
}

func (l lockedHandler) ServeHTTP(now sim.Time, req *h1.Request, resp *h1.Response) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.h.ServeHTTP(now, req, resp)
	l.s.requests++
	if l.s.Log != nil {
		l.s.Log(req.Method + " " + req.Target + " " + resp.Header.Get("Content-Type"))
	}
}

// Requests returns how many requests the server has answered.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Serve accepts connections on ln and serves each until ln is closed or
// the server is closed; it returns nil then, or the listener's error.
func (s *Server) Serve(ln net.Listener) error {
	s.once.Do(func() { s.start, s.conns = time.Now(), map[net.Conn]bool{} })
	for {
		c, err := ln.Accept()
		if err != nil {
			s.connsMu.Lock()
			closed := s.closed
			s.connsMu.Unlock()
			if closed || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		s.connsMu.Lock()
		if s.closed {
			s.connsMu.Unlock()
			c.Close()
			return nil
		}
		s.conns[c] = true
		s.wg.Add(1)
		s.connsMu.Unlock()
		go func() {
			defer s.wg.Done()
			s.serveConn(c)
			s.connsMu.Lock()
			delete(s.conns, c)
			s.connsMu.Unlock()
			c.Close()
		}()
	}
}

// Close closes every open connection and waits for their goroutines
// (the caller closes the listeners).
func (s *Server) Close() {
	s.once.Do(func() { s.start, s.conns = time.Now(), map[net.Conn]bool{} })
	s.connsMu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.connsMu.Unlock()
	s.wg.Wait()
}

// serveConn runs one connection: the first bytes choose the engine, then
// bytes move both ways, the engine woken at its deadlines.
func (s *Server) serveConn(c net.Conn) {
	h := lockedHandler{s, s.Handler}
	buf := make([]byte, 32<<10)
	// Sniff the HTTP/2 preface (RFC 9113 section 3.3).
	var sniff []byte
	var e h2.ServerEngine
	h1cfg := s.HTTP
	h1cfg.H2CUpgrade = true
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for e == nil {
		n, err := c.Read(buf[:len(h2.Preface)-len(sniff)])
		sniff = append(sniff, buf[:n]...)
		if err != nil && len(sniff) == 0 {
			return
		}
		e, _, _ = h2.ChooseServer(s.now(), sniff, err != nil, h1cfg, h, s.HTTP2, h)
	}
	e.Receive(s.now(), sniff)
	eof := false
	for {
		for out := e.Output(); len(out) > 0; out = e.Output() {
			c.SetWriteDeadline(time.Now().Add(30 * time.Second))
			n, err := c.Write(out)
			e.Consume(n)
			if err != nil {
				return
			}
		}
		// An accepted h2c upgrade (RFC 7540 section 3.2): its 101 is sent,
		// HTTP/2 answers the request on stream 1 and takes what follows.
		next, switched, err := h2.FollowUpgrade(s.now(), e, s.HTTP2, h)
		if err != nil {
			return
		}
		if switched {
			e = next
			continue
		}
		if e.Done() {
			return
		}
		if eof {
			return // the client is done sending, and all is written
		}
		if dl := e.NextDeadline(); dl != sim.Never {
			c.SetReadDeadline(s.start.Add(time.Duration(dl)))
		} else {
			c.SetReadDeadline(time.Time{})
		}
		room := min(e.Room(), len(buf))
		if room <= 0 {
			// Full of input it has not answered yet: give it time.
			time.Sleep(time.Millisecond)
			e.Advance(s.now())
			continue
		}
		n, err := c.Read(buf[:room])
		now := s.now()
		if n > 0 {
			e.Receive(now, buf[:n])
		}
		switch {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			e.Advance(now)
		case errors.Is(err, io.EOF):
			e.ReceiveEOF(now)
			eof = true
		default:
			return
		}
	}
}
