package h1

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/hopsnet/hops/sim"
)

// Handler answers requests. ServeHTTP fills resp, which the engine hands
// it with Status 200 and no fields; the engine adds Date, Server,
// Content-Length or Transfer-Encoding and Connection, and drops the body
// where HTTP has none (HEAD, 1xx, 204, 304). req and resp are valid only
// during the call.
type Handler interface {
	ServeHTTP(now sim.Time, req *Request, resp *Response)
}

// HandlerFunc is a function as a Handler.
type HandlerFunc func(now sim.Time, req *Request, resp *Response)

// ServeHTTP calls f.
func (f HandlerFunc) ServeHTTP(now sim.Time, req *Request, resp *Response) { f(now, req, resp) }

// DefaultEpoch is the wall-clock date of virtual time zero, for the Date
// field: runs are deterministic, so it is a constant.
var DefaultEpoch = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)

// TimeFormat is the IMF-fixdate format of the Date field (RFC 9110
// section 5.6.7).
const TimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// ServerConfig configures a ServerConn. Zero fields take defaults.
type ServerConfig struct {
	Limits Limits
	Server string    // the Server field; default "hops"
	Epoch  time.Time // the date of virtual time zero; default DefaultEpoch
	// IdleTimeout closes a connection that sent nothing for this long
	// (with 408 if a request was under way), or whose request head is
	// not whole this long after its first byte (408). Default 60 s.
	IdleTimeout time.Duration
	// MaxOutputBytes is the unsent output past which the engine stops
	// taking input (pipelined requests wait). Default 256 KiB.
	MaxOutputBytes int
	// ChunkBytes is the chunk size of chunked responses. Default 16 KiB.
	ChunkBytes int
	// H2CUpgrade accepts a request's offer to go on in HTTP/2 (RFC 7540
	// section 3.2, "Upgrade: h2c" with HTTP2-Settings): the engine
	// answers 101 Switching Protocols and stops; the caller hands the
	// request (Upgraded) to an HTTP/2 engine, which answers it on
	// stream 1. Without it such requests are served in HTTP/1.1.
	H2CUpgrade bool
}

// ServerConn is the server's end of one connection.
type ServerConn struct {
	cfg      ServerConfig
	h        Handler
	p        *Parser
	out      []byte // out[off:] waits to be sent
	off      int
	body     []byte // the request body being collected
	inReq    bool   // a head arrived and its message has not ended
	closing  bool   // no more requests: close once out is sent
	deadline sim.Time
	headFrom sim.Time // the first byte of a head still incomplete, or sim.Never
	resp     Response
	hdr      Header // scratch for a response's fields
	date     string // cached Date value
	dateSec  int64  // the virtual second date is for
	served   int
	// After an accepted h2c upgrade: the request and its HTTP2-Settings.
	upgraded   bool
	upReq      Request
	upSettings []byte
}

// NewServerConn returns the engine for a connection accepted at now.
func NewServerConn(now sim.Time, cfg ServerConfig, h Handler) *ServerConn {
	if cfg.Server == "" {
		cfg.Server = "hops"
	}
	if cfg.Epoch.IsZero() {
		cfg.Epoch = DefaultEpoch
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 60 * time.Second
	}
	if cfg.MaxOutputBytes <= 0 {
		cfg.MaxOutputBytes = 256 << 10
	}
	if cfg.ChunkBytes <= 0 {
		cfg.ChunkBytes = 16 << 10
	}
	s := &ServerConn{cfg: cfg, h: h, p: NewRequestParser(cfg.Limits), dateSec: -1, headFrom: sim.Never}
	s.deadline = now.Add(cfg.IdleTimeout)
	return s
}

// Served returns how many requests the connection has answered.
func (s *ServerConn) Served() int { return s.served }

func (s *ServerConn) backlog() int { return len(s.out) - s.off }

// Room returns how many bytes Receive takes now: 0 while too much output
// waits (back-pressure reaches the client through TCP's window).
func (s *ServerConn) Room() int {
	switch {
	case s.upgraded:
		return 0 // what follows belongs to HTTP/2
	case s.closing:
		return 64 << 10 // drained and dropped, so closing never resets
	case s.backlog() >= s.cfg.MaxOutputBytes:
		return 0
	}
	return s.p.Room()
}

// Receive hands the engine bytes from the client and returns how many it
// took. After the engine decided to close, input is read and dropped.
func (s *ServerConn) Receive(now sim.Time, b []byte) int {
	n := s.receive(now, b)
	// The idle timeout counts from the last bytes, but a request head
	// must be whole within it of its first byte: a head sent a byte at
	// a time (slowloris) gets its 408 as a silent one does.
	if !s.inReq && s.p.Buffered() > 0 {
		if s.headFrom == sim.Never {
			s.headFrom = now
		}
	} else {
		s.headFrom = sim.Never
	}
	s.deadline = now.Add(s.cfg.IdleTimeout)
	if s.headFrom != sim.Never {
		s.deadline = min(s.deadline, s.headFrom.Add(s.cfg.IdleTimeout))
	}
	return n
}

func (s *ServerConn) receive(now sim.Time, b []byte) int {
	taken := 0
	for {
		if s.upgraded {
			return taken
		}
		if s.closing {
			return len(b)
		}
		if s.backlog() < s.cfg.MaxOutputBytes {
			taken += s.p.Write(b[taken:])
		}
		s.process(now)
		if taken == len(b) || s.backlog() >= s.cfg.MaxOutputBytes {
			return taken
		}
	}
}

// ReceiveEOF says the client closed its side.
func (s *ServerConn) ReceiveEOF(now sim.Time) {
	s.p.CloseInput()
	s.process(now)
	s.closing = true
}

// Output returns the bytes waiting to be sent.
func (s *ServerConn) Output() []byte { return s.out[s.off:] }

// Consume marks n bytes of Output sent.
func (s *ServerConn) Consume(n int) {
	s.off += n
	if s.off == len(s.out) {
		s.out, s.off = s.out[:0], 0
	}
}

// Done reports that the connection should be closed: the engine will
// answer nothing more and its output is sent.
func (s *ServerConn) Done() bool { return s.closing && s.backlog() == 0 }

// NextDeadline returns when Advance must be called: the idle timeout.
func (s *ServerConn) NextDeadline() sim.Time {
	if s.closing {
		return sim.Never
	}
	return s.deadline
}

// Advance wakes the engine at now: past the idle timeout it closes, with
// 408 Request Timeout if a request had begun (a slow client, or
// slowloris, is bounded by it).
func (s *ServerConn) Advance(now sim.Time) {
	if s.closing || now < s.deadline {
		return
	}
	if s.inReq || s.p.Buffered() > 0 {
		s.reject(now, errorf(408, "no complete request within the idle timeout"))
		return
	}
	s.closing = true
}

// process runs the parser's events until it needs input.
func (s *ServerConn) process(now sim.Time) {
	for !s.closing && !s.upgraded && s.backlog() < s.cfg.MaxOutputBytes {
		ev := s.p.Next()
		switch ev.Kind {
		case EvNone:
			return
		case EvHead:
			s.head(now)
		case EvData:
			s.body = append(s.body, ev.Data...) // bounded by MaxBodyBytes
		case EvEnd:
			s.serve(now)
		case EvEOF:
			s.closing = true
		case EvError:
			s.reject(now, ev.Err)
		}
	}
}

// head starts a request: it answers Expect (RFC 9110 section 10.1.1).
func (s *ServerConn) head(now sim.Time) {
	r := s.p.Request()
	s.inReq, s.body = true, s.body[:0]
	exp := r.Header.Get("Expect")
	switch {
	case exp == "":
	case !strings.EqualFold(exp, "100-continue"):
		s.reject(now, errorf(417, "unknown expectation "+exp))
	case r.Minor == 1 && (r.ContentLength > 0 || r.Chunked):
		s.out = append(s.out, "HTTP/1.1 100 Continue\r\n\r\n"...)
	}
}

// serve calls the handler for a complete request and writes its answer.
func (s *ServerConn) serve(now sim.Time) {
	r := s.p.Request()
	r.Body = s.body
	s.inReq = false
	if settings, ok := s.h2cOffer(r); ok {
		// RFC 7540 section 3.2: "101 (Switching Protocols)", then the
		// connection speaks HTTP/2 and the request is answered on
		// stream 1.
		s.out = append(s.out, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"...)
		s.upgraded, s.upSettings = true, settings
		s.upReq = Request{Method: r.Method, Target: r.Target, Minor: r.Minor, Body: append([]byte(nil), r.Body...)}
		for _, f := range r.Header {
			switch strings.ToLower(f.Name) {
			case "connection", "upgrade", "http2-settings", "keep-alive", "transfer-encoding":
				continue // connection-specific, RFC 9113 section 8.2.2
			}
			s.upReq.Header.Add(f.Name, f.Value)
		}
		s.served++
		return
	}
	s.resp = Response{Minor: 1, Status: 200, Header: s.resp.Header[:0]}
	s.h.ServeHTTP(now, r, &s.resp)
	s.served++
	s.write(now, r.Method, r.Minor, r.Close, &s.resp)
}

// h2cOffer reports whether r offers an upgrade to h2c that the engine
// accepts, with the SETTINGS payload of its HTTP2-Settings.
func (s *ServerConn) h2cOffer(r *Request) ([]byte, bool) {
	if !s.cfg.H2CUpgrade || r.Minor != 1 || !strings.EqualFold(strings.TrimSpace(r.Header.Get("Upgrade")), "h2c") {
		return nil, false
	}
	var hasUpgrade, hasSettings bool
	for _, v := range r.Header.Values("Connection") {
		for _, t := range strings.Split(v, ",") {
			switch strings.ToLower(strings.TrimSpace(t)) {
			case "upgrade":
				hasUpgrade = true
			case "http2-settings":
				hasSettings = true
			}
		}
	}
	vals := r.Header.Values("HTTP2-Settings")
	if !hasUpgrade || !hasSettings || len(vals) != 1 {
		return nil, false
	}
	// token68 in base64url without padding (RFC 7540 section 3.2.1).
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(strings.TrimSpace(vals[0]), "="))
	if err != nil || len(b)%6 != 0 {
		return nil, false
	}
	return b, true
}

// Upgraded returns, after the engine accepted an h2c upgrade, the request
// to answer on HTTP/2's stream 1, the client's SETTINGS payload, and the
// bytes that followed the request (the start of HTTP/2: the client
// preface). ok is false otherwise.
func (s *ServerConn) Upgraded() (req *Request, settings, rest []byte, ok bool) {
	if !s.upgraded {
		return nil, nil, nil, false
	}
	return &s.upReq, s.upSettings, s.p.TakeBuffered(), true
}

// reject answers a request that cannot be served and closes.
func (s *ServerConn) reject(now sim.Time, e *Error) {
	s.resp = Response{Minor: 1, Status: e.Status, Header: s.resp.Header[:0]}
	s.resp.Header.Add("Content-Type", "text/plain; charset=utf-8")
	s.resp.Body = append(s.resp.Body[:0], strconv.Itoa(e.Status)+" "+StatusText(e.Status)+": "+e.Reason+"\n"...)
	s.write(now, "", 1, true, &s.resp)
}

// write frames resp for a request with method and version and appends it.
func (s *ServerConn) write(now sim.Time, method string, minor int, closeAfter bool, resp *Response) {
	// Server and Date lead, as most servers send them; the handler's
	// fields follow, then the framing.
	s.hdr = s.hdr[:0]
	if !resp.Header.Has("Server") && s.cfg.Server != "" {
		s.hdr = append(s.hdr, Field{"Server", s.cfg.Server})
	}
	if !resp.Header.Has("Date") {
		s.hdr = append(s.hdr, Field{"Date", s.dateValue(now)})
	}
	s.hdr = append(s.hdr, resp.Header...)
	// The head is framed in the engine's own scratch slice; the handler's
	// Header (which it may share) is left as it was.
	orig := resp.Header
	resp.Header = s.hdr
	defer func() { s.hdr, resp.Header = resp.Header, orig }()
	h := &resp.Header
	h.Del("Transfer-Encoding")
	chunked := resp.Chunked && minor == 1 && !bodyless(method, resp.Status)
	switch {
	case resp.Status/100 == 1 || resp.Status == 204:
		h.Del("Content-Length") // RFC 9110 section 8.6: MUST NOT send
	case resp.Status == 304:
	case chunked:
		h.Del("Content-Length")
		h.Add("Transfer-Encoding", "chunked")
	default:
		h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	}
	if resp.Close || closeAfter || (resp.Chunked && minor == 0) {
		closeAfter = true
		h.Set("Connection", "close")
	} else if minor == 0 {
		h.Set("Connection", "keep-alive")
	}
	resp.Minor = 1
	s.out = AppendResponseHead(s.out, resp)
	switch {
	case bodyless(method, resp.Status):
	case chunked:
		s.out = appendChunked(s.out, resp.Body, s.cfg.ChunkBytes, resp.Trailer)
	default:
		s.out = append(s.out, resp.Body...)
	}
	if closeAfter {
		s.closing = true
	}
}

// dateValue returns the Date value for now, made once per second.
func (s *ServerConn) dateValue(now sim.Time) string {
	sec := int64(now) / int64(time.Second)
	if sec != s.dateSec {
		s.dateSec = sec
		s.date = s.cfg.Epoch.Add(time.Duration(sec) * time.Second).UTC().Format(TimeFormat)
	}
	return s.date
}
