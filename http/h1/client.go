package h1

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/hopsnet/hops/sim"
)

// ClientConfig configures a ClientConn. Zero fields take defaults.
type ClientConfig struct {
	Limits Limits
	// ExpectTimeout is how long a request with "Expect: 100-continue"
	// waits for 100 Continue before sending its body anyway (curl: 1 s).
	ExpectTimeout time.Duration
	// ChunkBytes is the chunk size of chunked request bodies. Default 16 KiB.
	ChunkBytes int
}

// ClientEventKind says what happened to the request in flight.
type ClientEventKind uint8

const (
	// ClientInterim: a 1xx response arrived (Resp has its head).
	ClientInterim ClientEventKind = iota
	// ClientHead: the final response's head arrived (time to first byte
	// of the answer).
	ClientHead
	// ClientDone: the response is complete, body and trailers included.
	ClientDone
	// ClientError: the exchange failed (Err says why); the connection is
	// unusable.
	ClientError
	// ClientSwitched: a 101 (Switching Protocols) answered a request that
	// offered an Upgrade (Resp has its head): the engine takes no more
	// input and Switched hands over the bytes that followed it.
	ClientSwitched
)

// ClientEvent is one step of an exchange. Resp is the engine's own copy
// and stays valid after the event.
type ClientEvent struct {
	Kind ClientEventKind
	At   sim.Time
	Resp *Response
	Err  error
}

// Client errors.
var (
	ErrBusy        = errors.New("http: a request is already in flight on this connection")
	ErrUnusable    = errors.New("http: connection is not reusable")
	ErrEmptyReply  = errors.New("http: empty reply from server")
	ErrUnsolicited = errors.New("http: response bytes without a request")
)

// ClientConn is the client's end of one connection: one request at a
// time, reusable while the server keeps the connection alive.
type ClientConn struct {
	cfg        ClientConfig
	p          *Parser
	out        []byte
	off        int
	busy       bool   // a request is in flight
	got        bool   // bytes of its response arrived
	heldBody   []byte // the body a 100-continue request still holds back
	heldUntil  sim.Time
	closeAfter bool // the connection cannot carry another request
	broken     bool
	final      *Response // the final response being collected
	switched   bool      // a 101 ended HTTP/1.1 on this connection
	upgrade    bool      // the request in flight offers an Upgrade
	events     []ClientEvent
}

// NewClientConn returns the engine for a new connection.
func NewClientConn(cfg ClientConfig) *ClientConn {
	if cfg.ExpectTimeout <= 0 {
		cfg.ExpectTimeout = time.Second
	}
	if cfg.ChunkBytes <= 0 {
		cfg.ChunkBytes = 16 << 10
	}
	return &ClientConn{cfg: cfg, p: NewResponseParser(cfg.Limits), heldUntil: sim.Never}
}

// Send queues req. The engine adds Content-Length (or, with req.Chunked,
// Transfer-Encoding: chunked and the chunks) when there is a body, and
// Connection: close if req.Close; Host is the caller's. It returns the
// request's head as sent, for display.
func (c *ClientConn) Send(now sim.Time, req *Request) ([]byte, error) {
	switch {
	case c.busy:
		return nil, ErrBusy
	case c.broken || c.closeAfter:
		return nil, ErrUnusable
	case !validName(req.Method) || !validTarget(req.Target):
		return nil, errors.New("http: invalid method or request target")
	}
	if err := checkFields(req.Header); err != nil {
		return nil, err
	}
	h := req.Header.Clone()
	h.Del("Content-Length")
	h.Del("Transfer-Encoding")
	switch {
	case req.Chunked:
		h.Add("Transfer-Encoding", "chunked")
	case len(req.Body) > 0 || req.Method == "POST" || req.Method == "PUT":
		h.Add("Content-Length", strconv.Itoa(len(req.Body)))
	}
	if req.Close {
		h.Set("Connection", "close")
		c.closeAfter = true
	}
	wire := *req
	wire.Minor, wire.Header = 1, h
	start := len(c.out)
	c.out = AppendRequestHead(c.out, &wire)
	head := append([]byte(nil), c.out[start:]...)
	body := c.encodeBody(req)
	if strings.EqualFold(h.Get("Expect"), "100-continue") && len(body) > 0 {
		c.heldBody, c.heldUntil = body, now.Add(c.cfg.ExpectTimeout)
	} else {
		c.out = append(c.out, body...)
	}
	c.busy, c.got, c.final = true, false, nil
	c.upgrade = h.Has("Upgrade") // a 101 then switches (RFC 9110 section 7.8)
	c.p.SetMethod(req.Method)
	return head, nil
}

func (c *ClientConn) encodeBody(req *Request) []byte {
	if req.Chunked {
		return appendChunked(nil, req.Body, c.cfg.ChunkBytes, req.Trailer)
	}
	return req.Body
}

// Output returns the bytes waiting to be sent.
func (c *ClientConn) Output() []byte { return c.out[c.off:] }

// Consume marks n bytes of Output sent.
func (c *ClientConn) Consume(n int) {
	c.off += n
	if c.off == len(c.out) {
		c.out, c.off = c.out[:0], 0
	}
}

// Room returns how many bytes Receive takes now.
func (c *ClientConn) Room() int { return c.p.Room() }

// Receive hands the engine bytes from the server and returns how many it
// took (all of them unless the response body exceeds what it collects).
func (c *ClientConn) Receive(now sim.Time, b []byte) int {
	taken := 0
	for !c.switched {
		taken += c.p.Write(b[taken:])
		if len(b) > 0 && !c.busy && !c.broken {
			c.fail(now, ErrUnsolicited)
		}
		if len(b) > 0 {
			c.got = true
		}
		c.process(now)
		if taken == len(b) || c.broken {
			return len(b)
		}
	}
	return taken
}

// Switched returns, once a 101 answered the request (ClientSwitched),
// the bytes that followed its head, to be handed to the new protocol's
// engine with whatever Receive did not take; ok is false otherwise.
func (c *ClientConn) Switched() (rest []byte, ok bool) {
	if !c.switched {
		return nil, false
	}
	return c.p.TakeBuffered(), true
}

// ReceiveEOF says the server closed its side.
func (c *ClientConn) ReceiveEOF(now sim.Time) {
	c.p.CloseInput()
	c.process(now)
	c.closeAfter = true
}

// NextDeadline returns when Advance is due: the end of a 100-continue
// wait, or sim.Never.
func (c *ClientConn) NextDeadline() sim.Time { return c.heldUntil }

// Advance sends a held-back body whose 100 Continue did not come in time
// (RFC 9110 section 10.1.1: a client need not wait indefinitely).
func (c *ClientConn) Advance(now sim.Time) {
	if c.heldBody != nil && now >= c.heldUntil {
		c.release()
	}
}

func (c *ClientConn) release() {
	c.out = append(c.out, c.heldBody...)
	c.heldBody, c.heldUntil = nil, sim.Never
}

// Events appends what happened since the last call to dst.
func (c *ClientConn) Events(dst []ClientEvent) []ClientEvent {
	dst = append(dst, c.events...)
	c.events = c.events[:0]
	return dst
}

// Busy reports whether a request is in flight.
func (c *ClientConn) Busy() bool { return c.busy }

// Reusable reports whether another request may be sent.
func (c *ClientConn) Reusable() bool { return !c.busy && !c.broken && !c.closeAfter }

func (c *ClientConn) fail(now sim.Time, err error) {
	if c.broken {
		return
	}
	c.broken, c.busy = true, false
	c.events = append(c.events, ClientEvent{Kind: ClientError, At: now, Err: err})
}

func (c *ClientConn) process(now sim.Time) {
	for !c.broken && !c.switched {
		ev := c.p.Next()
		switch ev.Kind {
		case EvNone:
			return
		case EvHead:
			if !c.busy {
				c.fail(now, ErrUnsolicited)
				return
			}
			c.head(now)
		case EvData:
			c.final.Body = append(c.final.Body, ev.Data...)
		case EvEnd:
			if c.final != nil {
				c.final.Trailer = c.p.Response().Trailer.Clone()
				c.busy = false
				c.closeAfter = c.closeAfter || c.final.Close
				c.events = append(c.events, ClientEvent{Kind: ClientDone, At: now, Resp: c.final})
				c.final = nil
			}
		case EvEOF:
			if c.busy {
				err := ErrEmptyReply
				if c.got {
					err = ErrTruncated
				}
				c.fail(now, err)
			}
			c.closeAfter = true
			return
		case EvError:
			c.fail(now, ev.Err)
		}
	}
}

func (c *ClientConn) head(now sim.Time) {
	r := *c.p.Response()
	r.Header = r.Header.Clone()
	r.Body, r.Trailer = nil, nil
	if r.Status == 101 && c.upgrade {
		c.switched, c.busy, c.closeAfter = true, false, true
		c.events = append(c.events, ClientEvent{Kind: ClientSwitched, At: now, Resp: &r})
		return
	}
	if r.Status/100 == 1 {
		if r.Status == 100 && c.heldBody != nil {
			c.release()
		}
		c.events = append(c.events, ClientEvent{Kind: ClientInterim, At: now, Resp: &r})
		return
	}
	if c.heldBody != nil {
		// A final answer before the body was sent: the body is not sent,
		// and its announced length makes the connection unusable.
		c.heldBody, c.heldUntil, c.closeAfter = nil, sim.Never, true
	}
	c.final = &r
	c.events = append(c.events, ClientEvent{Kind: ClientHead, At: now, Resp: &r})
}
