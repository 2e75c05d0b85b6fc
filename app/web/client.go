package web

import (
	"net/netip"
	"slices"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
)

// ClientConfig configures a Client.
type ClientConfig struct {
	TCP  tcp.Config
	HTTP h1.ClientConfig
}

// Client sends requests from a node, one at a time per connection, and
// keeps a connection the server left open for the next request to the
// same address (as curl does within one run).
type Client struct {
	n      *node.Node
	cfg    ClientConfig
	idle   map[netip.AddrPort]*clientConn
	nextID int
}

// NewClient returns a client on n.
func NewClient(n *node.Node, cfg ClientConfig) *Client {
	return &Client{n: n, cfg: cfg, idle: map[netip.AddrPort]*clientConn{}}
}

// Exchange is one request's story, times in virtual time.
type Exchange struct {
	ConnID        int  // the connection's number in this client, from 0 (curl's #0)
	Reused        bool // sent on a connection kept from an earlier exchange
	Local, Remote netip.AddrPort
	Start         sim.Time // Do was called
	Connected     sim.Time // the handshake completed (Start when reused)
	FirstByte     sim.Time // the first byte of the response arrived
	Done          sim.Time
	RequestHead   []byte           // the request's head as sent
	Interim       []*h1.Response   // 1xx responses
	Resp          *h1.Response     // the final response, with its body
	Err           error            // the exchange failed (tcp.ErrConnRefused, h1.ErrEmptyReply ...)
	LeftIntact    bool             // the connection stays open for reuse
	Events        []h1.ClientEvent // everything the engine reported
}

// Do sends req to addr and calls done once with the exchange. req's Host
// field is the caller's.
func (c *Client) Do(addr netip.AddrPort, req *h1.Request, done func(*Exchange)) {
	now := c.n.Now()
	x := &Exchange{Start: now, Remote: addr}
	if cc := c.idle[addr]; cc != nil && cc.e.Reusable() {
		delete(c.idle, addr)
		x.Reused, x.Connected, x.ConnID, x.Local = true, now, cc.id, cc.tc.LocalAddr()
		cc.begin(x, req, done)
		return
	}
	cc := &clientConn{c: c, e: h1.NewClientConn(c.cfg.HTTP), id: c.nextID, addr: addr, buf: make([]byte, 16<<10)}
	c.nextID++
	x.ConnID = cc.id
	cc.x, cc.req, cc.done = x, req, done
	cc.timer = c.n.NewTimer(cc.fire)
	tc, err := c.n.DialTCP(addr, c.cfg.TCP, node.TCPHandler{
		Connected: cc.connected, Readable: cc.pump, Writable: cc.pump, Closed: cc.closed})
	if err != nil {
		x.Err = err
		cc.finish()
		return
	}
	cc.tc = tc
	x.Local = tc.LocalAddr()
}

// Close closes the connections kept for reuse.
func (c *Client) Close() {
	// In address order, so the FINs leave in the same order every run.
	addrs := make([]netip.AddrPort, 0, len(c.idle))
	for a := range c.idle {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, func(a, b netip.AddrPort) int { return a.Compare(b) })
	for _, a := range addrs {
		cc := c.idle[a]
		delete(c.idle, a)
		cc.tc.Close()
	}
}

type clientConn struct {
	c     *Client
	tc    *node.TCPConn
	e     *h1.ClientConn
	id    int
	addr  netip.AddrPort
	buf   []byte
	timer *node.Timer
	x     *Exchange // in flight, or nil
	req   *h1.Request
	done  func(*Exchange)
	evs   []h1.ClientEvent
}

func (cc *clientConn) connected(tc *node.TCPConn) {
	cc.x.Connected = cc.c.n.Now()
	cc.begin(cc.x, cc.req, cc.done)
}

func (cc *clientConn) begin(x *Exchange, req *h1.Request, done func(*Exchange)) {
	cc.x, cc.req, cc.done = x, req, done
	head, err := cc.e.Send(cc.c.n.Now(), req)
	if err != nil {
		x.Err = err
		if cc.c.idle[cc.addr] == cc {
			delete(cc.c.idle, cc.addr)
		}
		cc.finish()
		cc.tc.Close()
		return
	}
	x.RequestHead = head
	cc.pump(cc.tc)
}

// pump moves bytes both ways and hands out the engine's events.
func (cc *clientConn) pump(tc *node.TCPConn) {
	now := cc.c.n.Now()
	for {
		moved := false
		if out := cc.e.Output(); len(out) > 0 {
			if k := tc.Write(out); k > 0 {
				cc.e.Consume(k)
				moved = true
			}
		}
		if k := tc.Read(cc.buf[:min(cc.e.Room(), len(cc.buf))]); k > 0 {
			if cc.x != nil && cc.x.FirstByte == 0 {
				cc.x.FirstByte = now
			}
			cc.e.Receive(now, cc.buf[:k])
			moved = true
		} else if tc.EOF() && cc.e.Reusable() || tc.EOF() && cc.e.Busy() {
			cc.e.ReceiveEOF(now)
		}
		cc.events(now)
		if !moved || cc.x == nil {
			break
		}
	}
	if cc.x == nil && tc.EOF() {
		// The server closed a connection kept for reuse (or one no
		// longer kept).
		if cc.c.idle[cc.addr] == cc {
			delete(cc.c.idle, cc.addr)
		}
		tc.Close()
	}
	if d := cc.e.NextDeadline(); d != sim.Never {
		cc.timer.ResetAt(d)
	}
}

func (cc *clientConn) fire(now sim.Time) {
	cc.e.Advance(now)
	cc.pump(cc.tc)
}

func (cc *clientConn) events(now sim.Time) {
	cc.evs = cc.e.Events(cc.evs[:0])
	for _, ev := range cc.evs {
		x := cc.x
		if x == nil {
			if ev.Kind == h1.ClientError {
				// Bytes nobody asked for broke an idle connection.
				if cc.c.idle[cc.addr] == cc {
					delete(cc.c.idle, cc.addr)
				}
				cc.tc.Abort()
			}
			continue
		}
		x.Events = append(x.Events, ev)
		switch ev.Kind {
		case h1.ClientInterim:
			x.Interim = append(x.Interim, ev.Resp)
		case h1.ClientHead:
			x.Resp = ev.Resp
		case h1.ClientDone:
			x.Resp = ev.Resp
			if other := cc.c.idle[cc.addr]; cc.e.Reusable() && (other == nil || other == cc) {
				x.LeftIntact = true
				cc.c.idle[cc.addr] = cc
			} else {
				// Not reusable, or another connection to the address is
				// kept already: one idle connection per address.
				cc.tc.Close()
			}
			cc.finish()
		case h1.ClientError:
			x.Err = ev.Err
			cc.tc.Abort()
			cc.finish()
		}
	}
}

func (cc *clientConn) closed(tc *node.TCPConn, err error) {
	if cc.c.idle[cc.addr] == cc {
		delete(cc.c.idle, cc.addr)
	}
	if cc.x == nil {
		return
	}
	if err == nil {
		err = h1.ErrEmptyReply
	}
	cc.x.Err = err
	cc.finish()
}

// finish ends the exchange in flight.
func (cc *clientConn) finish() {
	x, done := cc.x, cc.done
	if x == nil {
		return
	}
	cc.x, cc.done = nil, nil
	cc.timer.Stop()
	x.Done = cc.c.n.Now()
	if done != nil {
		done(x)
	}
}
