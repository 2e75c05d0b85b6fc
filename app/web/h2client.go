package web

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/http/h2"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
)

// H2Client sends requests over HTTP/2 by prior knowledge (h2c, RFC 9113
// section 3.3): one connection per address, every request a stream on
// it, as a browser does over HTTP/2. The protocol is http/h2's client
// engine; this only moves bytes and turns its events into Exchanges.
type H2Client struct {
	n      *node.Node
	cfg    ClientConfig
	h2cfg  h2.ClientConfig
	conns  map[netip.AddrPort]*h2conn
	nextID int
	pushed map[string]*pushedEx // by URL, until taken
}

// pushedEx is a pushed response waiting for the request it answers.
type pushedEx struct {
	x       *Exchange
	done    bool
	waiters []func(*Exchange)
}

// TakePush hands the response the server pushed for url
// ("http://authority/path"), if any, to done — at once when it is
// complete, else when it is — and reports whether there was one. A
// pushed response is taken once.
func (c *H2Client) TakePush(url string, done func(*Exchange)) bool {
	pe := c.pushed[url]
	if pe == nil {
		return false
	}
	delete(c.pushed, url)
	if pe.done {
		done(pe.x)
	} else {
		pe.waiters = append(pe.waiters, done)
	}
	return true
}

// NewH2Client returns an HTTP/2 client on n.
func NewH2Client(n *node.Node, cfg ClientConfig, h2cfg h2.ClientConfig) *H2Client {
	return &H2Client{n: n, cfg: cfg, h2cfg: h2cfg, conns: map[netip.AddrPort]*h2conn{}, pushed: map[string]*pushedEx{}}
}

type h2conn struct {
	c         *H2Client
	tc        *node.TCPConn
	e         *h2.ClientConn
	id        int
	addr      netip.AddrPort
	connected sim.Time
	buf       []byte
	streams   map[uint32]*h2stream
	evs       []h2.ClientEvent
	dead      bool
	// up is the HTTP/1.1 engine while the first request offers the h2c
	// upgrade (e is nil until the 101); upX is that request's exchange.
	up     *h1.ClientConn
	upX    *h2stream
	upMeth string
	h1evs  []h1.ClientEvent
}

type h2stream struct {
	x        *Exchange
	progress func(*Exchange)
	done     func(*Exchange)
}

// DoProgress sends req (an HTTP/1.1-style request: its Host becomes
// :authority; Connection and other connection-specific fields are
// dropped, names lower-cased) as a stream of the connection to addr,
// opening it when there is none, and calls progress as the body grows
// and done once.
func (c *H2Client) DoProgress(addr netip.AddrPort, req *h1.Request, progress, done func(*Exchange)) {
	now := c.n.Now()
	x := &Exchange{Start: now, Remote: addr, Proto: "HTTP/2"}
	hc := c.conns[addr]
	if hc != nil && (hc.dead || hc.e == nil || !hc.e.CanTakeRequest()) {
		hc = nil
	}
	if hc == nil {
		hc = &h2conn{c: c, id: c.nextID, addr: addr, buf: make([]byte, 16<<10), streams: map[uint32]*h2stream{}}
		if c.cfg.H2CUpgrade {
			hc.up = h1.NewClientConn(c.cfg.HTTP)
		} else {
			hc.e = h2.NewClientConn(c.h2cfg)
		}
		c.nextID++
		c.conns[addr] = hc
		tc, err := c.n.DialTCP(addr, c.cfg.TCP, node.TCPHandler{Connected: hc.onConnected, Readable: hc.pump, Writable: hc.pump, Closed: hc.closed})
		if err != nil {
			hc.dead = true
			delete(c.conns, addr)
			x.Err, x.Done = err, now
			done(x)
			return
		}
		hc.tc = tc
	} else {
		x.Reused = true
		if hc.connected != 0 {
			x.Connected = now
		}
	}
	x.ConnID, x.Local = hc.id, hc.tc.LocalAddr()
	if hc.up != nil {
		hc.offer(x, req, progress, done)
		return
	}
	r := h2.Request{Method: req.Method, Scheme: "http", Path: req.Target, Body: req.Body}
	for _, f := range req.Header {
		name := strings.ToLower(f.Name)
		switch name {
		case "host":
			r.Authority = f.Value
		case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
		default:
			r.Header = append(r.Header, h1.Field{Name: name, Value: f.Value})
		}
	}
	id, err := hc.e.Send(now, r)
	if err != nil {
		x.Err, x.Done = err, now
		done(x)
		return
	}
	x.Stream = id
	// The head as curl -v shows an HTTP/2 request: a request line with
	// "HTTP/2", Host for :authority, then the fields as given.
	head := fmt.Sprintf("%s %s HTTP/2\r\nHost: %s\r\n", r.Method, r.Path, r.Authority)
	for _, f := range req.Header {
		switch strings.ToLower(f.Name) {
		case "host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
		default:
			head += f.Name + ": " + f.Value + "\r\n"
		}
	}
	x.RequestHead = []byte(head + "\r\n")
	hc.streams[id] = &h2stream{x: x, progress: progress, done: done}
	if hc.connected != 0 {
		hc.pump(hc.tc)
	}
}

func (hc *h2conn) onConnected(tc *node.TCPConn) {
	hc.connected = hc.c.n.Now()
	for _, s := range hc.streams {
		if s.x.Connected == 0 {
			s.x.Connected = hc.connected
			if f := hc.c.cfg.OnConnected; f != nil {
				f(s.x)
			}
		}
	}
	if hc.upX != nil && hc.upX.x.Connected == 0 {
		hc.upX.x.Connected = hc.connected
	}
	hc.pump(tc)
}

// offer sends req in HTTP/1.1 with the h2c upgrade offer (RFC 7540
// section 3.2.1), as curl --http2 writes it.
func (hc *h2conn) offer(x *Exchange, req *h1.Request, progress, done func(*Exchange)) {
	up := *req
	up.Header = req.Header.Clone()
	for _, name := range []string{"Connection", "Upgrade", "HTTP2-Settings"} {
		up.Header.Del(name)
	}
	up.Header.Add("Connection", "Upgrade, HTTP2-Settings")
	up.Header.Add("Upgrade", "h2c")
	up.Header.Add("HTTP2-Settings", h2.UpgradeSettings(hc.c.h2cfg))
	head, err := hc.up.Send(hc.c.n.Now(), &up)
	if err != nil {
		x.Err, x.Done = err, hc.c.n.Now()
		done(x)
		return
	}
	x.Proto, x.RequestHead = "HTTP/1.1", head
	hc.upX, hc.upMeth = &h2stream{x: x, progress: progress, done: done}, req.Method
	if hc.connected != 0 {
		hc.pump(hc.tc)
	}
}

// pumpUpgrade moves the HTTP/1.1 offer's bytes; on 101 it starts the
// HTTP/2 engine with what followed, and reports whether it did.
func (hc *h2conn) pumpUpgrade(now sim.Time, tc *node.TCPConn) (moved bool) {
	if out := hc.up.Output(); len(out) > 0 {
		if k := tc.Write(out); k > 0 {
			hc.up.Consume(k)
			moved = true
		}
	}
	var rest []byte
	if k := tc.Read(hc.buf); k > 0 {
		n := hc.up.Receive(now, hc.buf[:k])
		rest = append(rest, hc.buf[n:k]...)
		moved = true
	} else if tc.EOF() && !hc.dead {
		hc.up.ReceiveEOF(now)
		hc.dead = true
	}
	s := hc.upX
	hc.h1evs = hc.up.Events(hc.h1evs[:0])
	for _, ev := range hc.h1evs {
		switch ev.Kind {
		case h1.ClientSwitched:
			s.x.Interim = append(s.x.Interim, ev.Resp)
			s.x.Proto, s.x.Stream = "HTTP/2", 1
			pre, _ := hc.up.Switched()
			hc.up, hc.upX = nil, nil
			hc.e = h2.NewUpgradedClientConn(hc.c.h2cfg, hc.upMeth)
			hc.streams[1] = s
			if b := append(pre, rest...); len(b) > 0 {
				hc.e.Receive(now, b)
			}
			return true
		case h1.ClientInterim:
			s.x.Interim = append(s.x.Interim, ev.Resp)
		case h1.ClientHead:
			s.x.FirstByte, s.x.Resp = now, ev.Resp
		case h1.ClientDone, h1.ClientError:
			// the server kept to HTTP/1.1: this exchange ends it
			hc.dead = true
			hc.drop()
			s.x.Err, s.x.Done = ev.Err, now
			if ev.Resp != nil {
				s.x.Resp = ev.Resp
			}
			hc.up, hc.upX = nil, nil
			tc.Close()
			s.done(s.x)
			return false
		}
	}
	return moved
}

// pump moves bytes both ways and hands out the engine's events.
func (hc *h2conn) pump(tc *node.TCPConn) {
	now := hc.c.n.Now()
	for hc.up != nil {
		if hc.upX == nil || !hc.pumpUpgrade(now, tc) {
			return
		}
	}
	if hc.e == nil {
		return
	}
	for {
		moved := false
		if out := hc.e.Output(); len(out) > 0 {
			if k := tc.Write(out); k > 0 {
				hc.e.Consume(k)
				moved = true
			}
		}
		if k := tc.Read(hc.buf); k > 0 {
			hc.e.Receive(now, hc.buf[:k])
			moved = true
		} else if tc.EOF() && !hc.dead {
			hc.e.ReceiveEOF(now)
			hc.dead = true
		}
		hc.events(now)
		if !moved {
			break
		}
	}
	if hc.dead && len(hc.streams) == 0 {
		hc.drop()
		tc.Close()
	}
}

func (hc *h2conn) events(now sim.Time) {
	hc.evs = hc.e.Events(hc.evs[:0])
	for _, ev := range hc.evs {
		switch ev.Kind {
		case h2.ClientPushPromise:
			hc.promise(now, ev)
			continue
		case h2.ClientConnError, h2.ClientGoAway:
			if ev.Kind == h2.ClientConnError {
				hc.dead = true
			}
			continue
		}
		s := hc.streams[ev.StreamID]
		if s == nil {
			continue
		}
		x := s.x
		switch ev.Kind {
		case h2.ClientInterim:
			x.Interim = append(x.Interim, &h1.Response{Minor: 1, Status: ev.Status, Header: ev.Header})
		case h2.ClientHead:
			if x.FirstByte == 0 {
				x.FirstByte = now
			}
			x.Resp = &h1.Response{Minor: 1, Status: ev.Status, Header: ev.Header, ContentLength: -1}
		case h2.ClientData:
			if x.FirstByte == 0 {
				x.FirstByte = now
			}
			if x.Resp != nil && len(ev.Data) > 0 {
				x.Resp.Body = append(x.Resp.Body, ev.Data...)
				if s.progress != nil {
					s.progress(x)
				}
			}
		case h2.ClientDone:
			if x.Resp != nil {
				x.Resp.Trailer = ev.Trailer
			}
			x.LeftIntact = true
			hc.finish(ev.StreamID, nil)
		case h2.ClientReset:
			err := ev.Err
			if err == nil {
				err = fmt.Errorf("%w: %v", h2.ErrStreamReset, ev.Code)
			}
			hc.finish(ev.StreamID, err)
		}
	}
}

// promise records a pushed stream: its exchange waits in the client's
// pushed table for the request it answers.
func (hc *h2conn) promise(now sim.Time, ev h2.ClientEvent) {
	authority, path := ev.Header.Get(":authority"), ev.Header.Get(":path")
	x := &Exchange{Start: now, Connected: now, Reused: true, Remote: hc.addr, Local: hc.tc.LocalAddr(), ConnID: hc.id,
		Proto: "HTTP/2", Stream: ev.PromisedID, Pushed: true, PromisedOn: ev.StreamID,
		RequestHead: []byte(fmt.Sprintf("GET %s HTTP/2\r\nHost: %s\r\n\r\n", path, authority))}
	pe := &pushedEx{x: x}
	hc.c.pushed["http://"+authority+path] = pe
	hc.streams[ev.PromisedID] = &h2stream{x: x, done: func(x *Exchange) {
		pe.done = true
		for _, w := range pe.waiters {
			w(x)
		}
		pe.waiters = nil
	}}
}

// finish ends a stream's exchange.
func (hc *h2conn) finish(id uint32, err error) {
	s := hc.streams[id]
	if s == nil {
		return
	}
	delete(hc.streams, id)
	s.x.Err = err
	s.x.Done = hc.c.n.Now()
	s.done(s.x)
}

func (hc *h2conn) drop() {
	if hc.c.conns[hc.addr] == hc {
		delete(hc.c.conns, hc.addr)
	}
}

func (hc *h2conn) closed(tc *node.TCPConn, err error) {
	hc.dead = true
	hc.drop()
	if err == nil {
		err = h2.ErrConnClosed
	}
	if s := hc.upX; s != nil {
		hc.up, hc.upX = nil, nil
		s.x.Err, s.x.Done = err, hc.c.n.Now()
		s.done(s.x)
	}
	ids := make([]uint32, 0, len(hc.streams))
	for id := range hc.streams {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		hc.finish(id, err)
	}
}

// Close closes the client's connections, in address order.
func (c *H2Client) Close() {
	for _, a := range sortedAddrs(c.conns) {
		hc := c.conns[a]
		delete(c.conns, a)
		hc.dead = true
		hc.tc.Close()
	}
}
