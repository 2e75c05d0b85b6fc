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
	// MaxIdlePerAddr is how many connections to one address are kept
	// open for reuse: 1 (curl's behaviour within a run) by default; a
	// browser keeps up to 6.
	MaxIdlePerAddr int
	// H2CUpgrade makes an H2Client open each connection with its first
	// request in HTTP/1.1 offering Upgrade: h2c (RFC 7540 section 3.2),
	// as curl --http2 does, instead of HTTP/2 by prior knowledge: on 101
	// the connection goes on in HTTP/2, the request's answer on stream 1;
	// a server that ignores the offer answers in HTTP/1.1, and that
	// connection then closes after the exchange.
	H2CUpgrade bool
	// OnConnected, if set, is called when a new connection's handshake
	// completes, with the exchange it was opened for (curl's connect
	// timeout watches it).
	OnConnected func(*Exchange)
}

// Client sends requests from a node, one at a time per connection, and
// keeps connections the server left open for later requests to the same
// address (as curl does within one run, or a browser's pool).
type Client struct {
	n      *node.Node
	cfg    ClientConfig
	idle   map[netip.AddrPort][]*clientConn // most recently used last
	nextID int
}

// NewClient returns a client on n.
func NewClient(n *node.Node, cfg ClientConfig) *Client {
	if cfg.MaxIdlePerAddr <= 0 {
		cfg.MaxIdlePerAddr = 1
	}
	return &Client{n: n, cfg: cfg, idle: map[netip.AddrPort][]*clientConn{}}
}

// takeIdle removes and returns the most recently used idle connection to
// addr that can carry a request, or nil.
func (c *Client) takeIdle(addr netip.AddrPort) *clientConn {
	list := c.idle[addr]
	for len(list) > 0 {
		cc := list[len(list)-1]
		list = list[:len(list)-1]
		if cc.e.Reusable() {
			c.setIdle(addr, list)
			return cc
		}
	}
	c.setIdle(addr, list)
	return nil
}

func (c *Client) setIdle(addr netip.AddrPort, list []*clientConn) {
	if len(list) == 0 {
		delete(c.idle, addr)
		return
	}
	c.idle[addr] = list
}

// dropIdle forgets cc if it is kept idle.
func (c *Client) dropIdle(cc *clientConn) {
	list := c.idle[cc.addr]
	for i, o := range list {
		if o == cc {
			c.setIdle(cc.addr, append(list[:i:i], list[i+1:]...))
			return
		}
	}
}

// keepIdle keeps cc for reuse if there is room, and reports whether it
// did.
func (c *Client) keepIdle(cc *clientConn) bool {
	list := c.idle[cc.addr]
	for _, o := range list {
		if o == cc {
			return true
		}
	}
	if len(list) >= c.cfg.MaxIdlePerAddr {
		return false
	}
	c.idle[cc.addr] = append(list, cc)
	return true
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
	// Proto is "HTTP/1.1" or "HTTP/2"; Stream the HTTP/2 stream's ID.
	Proto  string
	Stream uint32
	// Pushed: the server pushed this response (HTTP/2 PUSH_PROMISE on
	// stream PromisedOn) before anyone asked; Start is the promise.
	Pushed     bool
	PromisedOn uint32
}

// Do sends req to addr and calls done once with the exchange. req's Host
// field is the caller's.
func (c *Client) Do(addr netip.AddrPort, req *h1.Request, done func(*Exchange)) {
	c.DoProgress(addr, req, nil, done)
}

// DoProgress is Do that also calls progress (when not nil) each time
// more of the response's body has arrived: x.Resp holds the head and the
// body so far.
func (c *Client) DoProgress(addr netip.AddrPort, req *h1.Request, progress, done func(*Exchange)) {
	now := c.n.Now()
	x := &Exchange{Start: now, Remote: addr, Proto: "HTTP/1.1"}
	if cc := c.takeIdle(addr); cc != nil {
		x.Reused, x.Connected, x.ConnID, x.Local = true, now, cc.id, cc.tc.LocalAddr()
		cc.progress = progress
		cc.begin(x, req, done)
		return
	}
	cc := &clientConn{c: c, e: h1.NewClientConn(c.cfg.HTTP), id: c.nextID, addr: addr, buf: make([]byte, 16<<10)}
	c.nextID++
	x.ConnID = cc.id
	cc.x, cc.req, cc.done, cc.progress = x, req, done, progress
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
	// In address order, then connection order, so the FINs leave in the
	// same order every run.
	for _, a := range sortedAddrs(c.idle) {
		list := c.idle[a]
		delete(c.idle, a)
		slices.SortFunc(list, func(x, y *clientConn) int { return x.id - y.id })
		for _, cc := range list {
			cc.tc.Close()
		}
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

	progress func(*Exchange) // the exchange in flight's body progress, or nil
	reported int             // body bytes progress has been told of
}

func (cc *clientConn) connected(tc *node.TCPConn) {
	cc.x.Connected = cc.c.n.Now()
	if f := cc.c.cfg.OnConnected; f != nil {
		f(cc.x)
	}
	cc.begin(cc.x, cc.req, cc.done)
}

func (cc *clientConn) begin(x *Exchange, req *h1.Request, done func(*Exchange)) {
	cc.x, cc.req, cc.done = x, req, done
	head, err := cc.e.Send(cc.c.n.Now(), req)
	if err != nil {
		x.Err = err
		cc.c.dropIdle(cc)
		cc.finish()
		cc.tc.Close()
		return
	}
	x.RequestHead = head
	cc.reported = 0
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
			if x := cc.x; x != nil && cc.progress != nil && x.Resp != nil && len(x.Resp.Body) > cc.reported {
				cc.reported = len(x.Resp.Body)
				cc.progress(x)
			}
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
		cc.c.dropIdle(cc)
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
				cc.c.dropIdle(cc)
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
			if cc.e.Reusable() && cc.c.keepIdle(cc) {
				x.LeftIntact = true
			} else {
				// Not reusable, or as many connections to the address
				// as the client keeps are idle already.
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
	cc.c.dropIdle(cc)
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
	cc.x, cc.done, cc.progress = nil, nil, nil
	cc.timer.Stop()
	x.Done = cc.c.n.Now()
	if done != nil {
		done(x)
	}
}

// sortedAddrs returns m's keys in order, so that what is done to each
// happens in the same order every run.
func sortedAddrs[V any](m map[netip.AddrPort]V) []netip.AddrPort {
	addrs := make([]netip.AddrPort, 0, len(m))
	for a := range m {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, func(a, b netip.AddrPort) int { return a.Compare(b) })
	return addrs
}
