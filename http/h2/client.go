package h2

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/sim"
)

// ClientConfig configures a ClientConn. Zero fields take defaults.
type ClientConfig struct {
	// EnablePush advertises SETTINGS_ENABLE_PUSH 1 and accepts server
	// push (RFC 9113 section 8.4): each PUSH_PROMISE is reported as a
	// ClientPushPromise event, then the promised stream's response as for
	// a request (ClientHead, ClientData, ClientDone on PromisedID); Cancel
	// refuses it. A promise of an unsafe method, or beyond
	// MaxConcurrentStreams pushed streams, is reset. Without it (the
	// default) a PUSH_PROMISE is a connection PROTOCOL_ERROR.
	EnablePush bool
	// InitialWindowSize is SETTINGS_INITIAL_WINDOW_SIZE, each response
	// stream's receive window. Default 6 MiB (Chromium's).
	InitialWindowSize int
	// ConnWindow is the connection's receive window, opened with a
	// WINDOW_UPDATE after SETTINGS. Default 15 MiB (Chromium's); at least
	// 65535.
	ConnWindow int
	// MaxConcurrentStreams is SETTINGS_MAX_CONCURRENT_STREAMS (streams the
	// server may open: pushes). Default 100.
	MaxConcurrentStreams int
	// AssumeMaxStreams is how many streams the client opens before the
	// server's SETTINGS say how many it allows. Default 100.
	AssumeMaxStreams int
	// MaxStreams caps the streams open at once whatever the server
	// allows. Default 1000.
	MaxStreams int
	// MaxHeaderListSize is SETTINGS_MAX_HEADER_LIST_SIZE; a larger
	// response head resets its stream (CANCEL). Default 64 KiB.
	MaxHeaderListSize int
	// MaxHeaderBlock bounds a header block's encoded bytes and
	// MaxContinuations its CONTINUATION frames: past either the
	// connection ends with ENHANCE_YOUR_CALM (CONTINUATION floods).
	// Defaults 128 KiB and 64.
	MaxHeaderBlock   int
	MaxContinuations int
	// MaxBodyBytes bounds one response body; past it the stream is reset
	// (RST_STREAM CANCEL) with ErrBodyTooLarge. Default 64 MiB.
	MaxBodyBytes int
	// MaxQueued bounds the requests waiting for a stream slot; past it
	// Send fails with ErrTooManyRequests. Default 1000.
	MaxQueued int
	// MaxOutputBytes is the unsent output past which no more request DATA
	// is written (it resumes on Consume). Default 256 KiB.
	MaxOutputBytes int
}

// Request is one HTTP/2 request. Header names must be lowercase and
// must not be pseudo-headers or connection-specific (RFC 9113 section
// 8.2.2), nor host when Authority is set. A content-length field is
// added for a non-empty Body. Body is copied by Send.
type Request struct {
	Method    string // GET, POST ...
	Scheme    string // "http" or "https"; default "http"
	Authority string // host[:port]
	Path      string // "/..."
	Header    h1.Header
	Body      []byte
	// Priority, if set and not DefaultPriority, is sent as the priority
	// field (RFC 9218 section 5) unless Header has one; SetPriority
	// changes it later.
	Priority *PriorityParams
}

// ClientEventKind says what happened on a stream or the connection.
type ClientEventKind uint8

const (
	// ClientInterim: a 1xx response head arrived (Status, Header).
	ClientInterim ClientEventKind = iota
	// ClientHead: the final response head arrived (Status, Header).
	ClientHead
	// ClientData: response body bytes arrived (Data, the event's own copy).
	ClientData
	// ClientDone: the response is complete (Trailer, if any).
	ClientDone
	// ClientReset: the stream ended without a complete response. Code is
	// the RST_STREAM code (sent or received); Err says why; Retryable
	// means the server did not process the request (REFUSED_STREAM, a
	// stream above a GOAWAY's last stream, or never sent) and it may be
	// sent again on another connection.
	ClientReset
	// ClientGoAway: the server sent GOAWAY (LastStreamID, Code, Data is
	// its debug data). Streams above LastStreamID get a retryable
	// ClientReset; no new streams start; those at or below it go on.
	ClientGoAway
	// ClientConnError: the connection failed (Err, a *ConnError for a
	// protocol violation, with Code). A GOAWAY with Code is in Output if
	// the client detected it; every stream gets a ClientReset.
	ClientConnError
	// ClientPushPromise: the server promised a pushed response (push
	// enabled) on StreamID, the request's stream: PromisedID is the
	// pushed stream, Header the promised request's fields, pseudo-headers
	// (:method, :scheme, :authority, :path) included. The pushed
	// response's events follow on PromisedID.
	ClientPushPromise
)

// ClientEvent is one step of a stream or of the connection (StreamID 0).
type ClientEvent struct {
	Kind         ClientEventKind
	At           sim.Time
	StreamID     uint32
	PromisedID   uint32 // ClientPushPromise's pushed stream
	Status       int
	Header       h1.Header // response head fields (no pseudo-headers); a promised request's fields (with them)
	Trailer      h1.Header
	Data         []byte
	Code         ErrCode
	LastStreamID uint32
	Retryable    bool
	Err          error
}

// Client errors.
var (
	ErrBadRequest         = errors.New("h2: malformed request")
	ErrTooManyRequests    = errors.New("h2: too many requests queued")
	ErrConnClosed         = errors.New("h2: connection closed")
	ErrGoAway             = errors.New("h2: server sent GOAWAY")
	ErrStreamIDsExhausted = errors.New("h2: stream ids exhausted")
	ErrBodyTooLarge       = errors.New("h2: response body too large")
	ErrBadResponse        = errors.New("h2: malformed response")
	ErrStreamReset        = errors.New("h2: stream reset by server")
	ErrCanceled           = errors.New("h2: stream canceled")
	ErrRequestTooLarge    = errors.New("h2: request header list above the server's SETTINGS_MAX_HEADER_LIST_SIZE")
)

type cstream struct {
	id        uint32
	req       Request
	hdr       h1.Header // request fields, pseudo-headers first
	sendWin   int64
	recvWin   int64
	bodyOff   int
	localDone bool // END_STREAM sent
	final     bool // final response head received
	clen      int64
	got       int64
}

// ClientConn is the client's end of one HTTP/2 connection (h2c with
// prior knowledge, or after TLS ALPN "h2"). Requests are multiplexed on
// odd stream ids; a request beyond the server's
// SETTINGS_MAX_CONCURRENT_STREAMS waits in a FIFO queue (its stream id
// already given) and starts when a stream closes. Output grows with the
// requests sent and, for control frames (SETTINGS and PING ACKs,
// WINDOW_UPDATE), at most in proportion to the bytes handed to Receive;
// events likewise. The client needs no timer.
type ClientConn struct {
	cfg ClientConfig

	in  []byte // an incomplete frame, at most one frame long
	out []byte
	off int
	evs []ClientEvent

	enc *Encoder
	dec *Decoder

	streams  map[uint32]*cstream
	queue    []*cstream
	order    []uint32 // streams with body to send
	nextID   uint32
	lastSent uint32 // highest stream id whose HEADERS went out
	promised uint32 // highest promised stream id
	pushOpen int    // pushed streams open

	settings     bool // the server's first SETTINGS arrived
	peerMax      int
	peerInitWin  int64
	peerMaxFrame int
	peerMaxList  int
	sendWin      int64
	recvWin      int64

	blockStream  uint32
	blockEnd     bool
	blockPush    bool
	blockPushID  uint32
	blockFrames  int
	block        []byte
	encBuf       []byte // the request header block being written
	hdr          h1.Header
	goaway       bool
	goawayLast   uint32
	closed       bool
	frame        Frame
	now          sim.Time
	LastErr      error // the error that ended the connection, if any
	maxFrameSize uint32
}

// NewClientConn returns a client whose preface, SETTINGS and connection
// WINDOW_UPDATE are already in Output.
func NewClientConn(cfg ClientConfig) *ClientConn {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.InitialWindowSize, 6<<20)
	cfg.InitialWindowSize = min(cfg.InitialWindowSize, MaxWindow)
	def(&cfg.ConnWindow, 15<<20)
	cfg.ConnWindow = min(max(cfg.ConnWindow, DefaultWindow), MaxWindow)
	def(&cfg.MaxConcurrentStreams, 100)
	def(&cfg.AssumeMaxStreams, 100)
	def(&cfg.MaxStreams, 1000)
	def(&cfg.MaxHeaderListSize, 64<<10)
	def(&cfg.MaxHeaderBlock, 128<<10)
	def(&cfg.MaxContinuations, 64)
	def(&cfg.MaxBodyBytes, 64<<20)
	def(&cfg.MaxQueued, 1000)
	def(&cfg.MaxOutputBytes, 256<<10)
	c := &ClientConn{
		cfg:          cfg,
		enc:          NewEncoder(DefaultTableSize),
		dec:          NewDecoder(DefaultTableSize),
		streams:      map[uint32]*cstream{},
		nextID:       1,
		peerMax:      cfg.AssumeMaxStreams,
		peerInitWin:  DefaultWindow,
		peerMaxFrame: DefaultMaxFrameSize,
		sendWin:      DefaultWindow,
		recvWin:      int64(cfg.ConnWindow),
		maxFrameSize: DefaultMaxFrameSize,
	}
	c.dec.MaxHeaderListSize = cfg.MaxHeaderListSize
	push := uint32(0)
	if cfg.EnablePush {
		push = 1
	}
	c.out = append(c.out, Preface...)
	c.frame = Frame{Type: FrameSettings, Data: clientSettings(&cfg, push)}
	c.out = AppendFrame(c.out, &c.frame)
	if inc := cfg.ConnWindow - DefaultWindow; inc > 0 {
		c.frame = Frame{Type: FrameWindowUpdate, Increment: uint32(inc)}
		c.out = AppendFrame(c.out, &c.frame)
	}
	return c
}

func clientSettings(cfg *ClientConfig, push uint32) []byte {
	return AppendSettings(nil,
		Setting{SettingEnablePush, push},
		Setting{SettingMaxConcurrentStreams, uint32(cfg.MaxConcurrentStreams)},
		Setting{SettingInitialWindowSize, uint32(cfg.InitialWindowSize)},
		Setting{SettingMaxHeaderListSize, uint32(cfg.MaxHeaderListSize)},
		Setting{SettingNoRFC7540Priorities, 1})
}

// UpgradeSettings returns the HTTP2-Settings field value (RFC 7540
// section 3.2.1: the SETTINGS payload in base64url without padding) of
// a client with cfg, for an HTTP/1.1 request offering Upgrade: h2c.
func UpgradeSettings(cfg ClientConfig) string {
	c := NewClientConn(cfg)
	f, _, _ := ParseFrame(c.Output()[len(Preface):], MaxFrameSizeLimit)
	return base64.RawURLEncoding.EncodeToString(f.Data)
}

// NewUpgradedClientConn returns the client's HTTP/2 end of a connection
// whose HTTP/1.1 request offering Upgrade: h2c (with UpgradeSettings(cfg))
// was answered 101 (RFC 7540 section 3.2): that request, of method, is
// stream 1, half-closed from the client's side, its response to come as
// HTTP/2 events on stream 1. The preface and SETTINGS are in Output, as
// with NewClientConn; the bytes that followed the 101 go to Receive.
func NewUpgradedClientConn(cfg ClientConfig, method string) *ClientConn {
	c := NewClientConn(cfg)
	x := &cstream{id: 1, req: Request{Method: method}, clen: -1, localDone: true,
		sendWin: c.peerInitWin, recvWin: int64(c.cfg.InitialWindowSize)}
	c.streams[1] = x
	c.lastSent, c.nextID = 1, 3
	return c
}

// Output returns the bytes waiting to be sent.
func (c *ClientConn) Output() []byte { return c.out[c.off:] }

// Consume marks n bytes of Output sent; more request DATA may follow.
func (c *ClientConn) Consume(n int) {
	c.off += n
	if c.off == len(c.out) {
		c.out, c.off = c.out[:0], 0
	}
	if !c.closed {
		c.flush()
	}
}

// Events appends the events since the last call to dst.
func (c *ClientConn) Events(dst []ClientEvent) []ClientEvent {
	dst = append(dst, c.evs...)
	clear(c.evs)
	c.evs = c.evs[:0]
	return dst
}

// NextDeadline returns sim.Never: the client has no timer (timeouts are
// the caller's).
func (c *ClientConn) NextDeadline() sim.Time { return sim.Never }

// Advance does nothing; it is there for the engine shape.
func (c *ClientConn) Advance(now sim.Time) {}

// Active returns how many streams are open.
func (c *ClientConn) Active() int { return len(c.streams) }

// Queued returns how many requests wait for a stream slot.
func (c *ClientConn) Queued() int { return len(c.queue) }

// Done reports that the connection is over (failed, or drained after a
// GOAWAY) and its output sent.
func (c *ClientConn) Done() bool {
	return len(c.out) == c.off && (c.closed || c.goaway && len(c.streams) == 0 && len(c.queue) == 0)
}

// CanTakeRequest reports whether Send would accept a request.
func (c *ClientConn) CanTakeRequest() bool {
	return !c.closed && !c.goaway && len(c.queue) < c.cfg.MaxQueued && c.nextID <= MaxWindow
}

func (c *ClientConn) event(e ClientEvent) {
	e.At = c.now
	c.evs = append(c.evs, e)
}

func badReq(why string) error { return errors.Join(ErrBadRequest, errors.New(why)) }

// checkRequest validates req and builds its header list.
func checkRequest(req *Request) (h1.Header, error) {
	if req.Method == "" || !validToken(req.Method) {
		return nil, badReq("bad method")
	}
	if req.Scheme == "" {
		req.Scheme = "http"
	}
	var hdr h1.Header
	if req.Method == "CONNECT" {
		if req.Authority == "" {
			return nil, badReq("CONNECT without authority")
		}
		hdr = append(hdr, h1.Field{Name: ":method", Value: req.Method}, h1.Field{Name: ":authority", Value: req.Authority})
	} else {
		if req.Path == "" || (req.Path[0] != '/' && req.Path != "*") {
			return nil, badReq("path must start with /")
		}
		hdr = append(hdr, h1.Field{Name: ":method", Value: req.Method}, h1.Field{Name: ":scheme", Value: req.Scheme})
		if req.Authority != "" {
			hdr = append(hdr, h1.Field{Name: ":authority", Value: req.Authority})
		}
		hdr = append(hdr, h1.Field{Name: ":path", Value: req.Path})
	}
	for _, v := range []string{req.Scheme, req.Authority, req.Path} {
		if !validValue(v) || strings.ContainsAny(v, " \t") {
			return nil, badReq("bad pseudo-header value")
		}
	}
	hasLen, hasPrio := false, false
	for _, f := range req.Header {
		hasPrio = hasPrio || f.Name == "priority"
		if f.Name == "" || !validToken(f.Name) || lower(f.Name) != f.Name {
			return nil, badReq("field name " + strconv.Quote(f.Name) + " not a lowercase token")
		}
		if connSpecific(f.Name) || f.Name == "te" && f.Value != "trailers" || f.Name == "host" && req.Authority != "" {
			return nil, badReq("field " + f.Name + " not allowed in HTTP/2")
		}
		if !validValue(f.Value) {
			return nil, badReq("field " + f.Name + " has a bad value")
		}
		if f.Name == "content-length" {
			if n, err := strconv.ParseInt(f.Value, 10, 64); err != nil || n != int64(len(req.Body)) {
				return nil, badReq("content-length differs from the body")
			}
			hasLen = true
		}
		hdr = append(hdr, f)
	}
	if !hasLen && len(req.Body) > 0 {
		hdr = append(hdr, h1.Field{Name: "content-length", Value: strconv.Itoa(len(req.Body))})
	}
	if p := req.Priority; p != nil && !hasPrio && *p != DefaultPriority {
		hdr = append(hdr, h1.Field{Name: "priority", Value: p.String()})
	}
	return hdr, nil
}

func validToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// validValue: no NUL, CR or LF (RFC 9113 section 8.2.1).
func validValue(s string) bool { return !strings.ContainsAny(s, "\x00\r\n") }

// Send queues a request at now and returns its stream id. It starts at
// once if the server's SETTINGS_MAX_CONCURRENT_STREAMS allows (HEADERS,
// then DATA within the flow-control windows), or else waits in a FIFO
// queue until a stream closes. Events for the stream carry the id.
func (c *ClientConn) Send(now sim.Time, req Request) (uint32, error) {
	c.now = now
	hdr, err := checkRequest(&req)
	switch {
	case err != nil:
		return 0, err
	case c.closed:
		return 0, ErrConnClosed
	case c.goaway:
		return 0, ErrGoAway
	case len(c.queue) >= c.cfg.MaxQueued:
		return 0, ErrTooManyRequests
	case c.nextID > MaxWindow:
		return 0, ErrStreamIDsExhausted
	}
	req.Body = append([]byte(nil), req.Body...)
	req.Header = nil
	x := &cstream{id: c.nextID, req: req, hdr: hdr, clen: -1}
	c.nextID += 2
	c.queue = append(c.queue, x)
	c.startQueued()
	return x.id, nil
}

// Cancel resets a stream (RST_STREAM CANCEL), or drops a queued request;
// a ClientReset event with ErrCanceled follows.
func (c *ClientConn) Cancel(now sim.Time, id uint32) {
	c.now = now
	if c.closed {
		return
	}
	for i, x := range c.queue {
		if x.id == id {
			c.queue = append(c.queue[:i], c.queue[i+1:]...)
			c.event(ClientEvent{Kind: ClientReset, StreamID: id, Code: Cancel, Retryable: true, Err: ErrCanceled})
			return
		}
	}
	if c.streams[id] != nil {
		c.reset(id, Cancel, ErrCanceled)
	}
}

// SetPriority changes the priority of the request on stream id (RFC
// 9218): a request still queued will carry it in its priority field; for
// one under way a PRIORITY_UPDATE frame asks the server to change its
// response's (section 7.1). It reports whether the stream was found.
func (c *ClientConn) SetPriority(now sim.Time, id uint32, p PriorityParams) bool {
	c.now = now
	if c.closed {
		return false
	}
	p.Urgency = min(p.Urgency, MaxUrgency)
	for _, x := range c.queue {
		if x.id != id {
			continue
		}
		hdr := x.hdr[:0]
		for _, f := range x.hdr {
			if f.Name != "priority" {
				hdr = append(hdr, f)
			}
		}
		if p != DefaultPriority {
			hdr = append(hdr, h1.Field{Name: "priority", Value: p.String()})
		}
		x.hdr = hdr
		return true
	}
	if c.streams[id] == nil {
		return false
	}
	c.frame = Frame{Type: FramePriorityUpdate, PrioritizedID: id, Data: []byte(p.String())}
	c.out = AppendFrame(c.out, &c.frame)
	return true
}

// startQueued starts queued requests while the peer's limit allows.
func (c *ClientConn) startQueued() {
	for !c.closed && !c.goaway && len(c.queue) > 0 && len(c.streams)-c.pushOpen < min(c.peerMax, c.cfg.MaxStreams) {
		x := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		if c.peerMaxList > 0 {
			size := 0
			for _, f := range x.hdr {
				size += entrySize(f)
			}
			if size > c.peerMaxList {
				c.event(ClientEvent{Kind: ClientReset, StreamID: x.id, Code: Cancel, Err: ErrRequestTooLarge})
				continue
			}
		}
		x.sendWin = c.peerInitWin
		x.recvWin = int64(c.cfg.InitialWindowSize)
		c.streams[x.id] = x
		c.lastSent = x.id
		end := len(x.req.Body) == 0
		x.localDone = end
		c.writeHeaders(x.id, x.hdr, end)
		x.hdr = nil
		if !end {
			c.order = append(c.order, x.id)
		}
	}
	if len(c.queue) == 0 {
		c.queue = nil
	}
	c.flush()
}

// writeHeaders encodes fields into HEADERS and CONTINUATIONs no larger
// than the peer's frame size.
func (c *ClientConn) writeHeaders(id uint32, fields h1.Header, end bool) {
	c.encBuf = c.enc.Encode(c.encBuf[:0], fields)
	enc := c.encBuf
	typ, fl := FrameHeaders, Flags(0)
	if end {
		fl = FlagEndStream
	}
	for first := true; first || len(enc) > 0; first = false {
		k := min(len(enc), c.peerMaxFrame)
		if k == len(enc) {
			fl |= FlagEndHeaders
		}
		c.frame = Frame{Type: typ, Flags: fl, StreamID: id, Data: enc[:k]}
		c.out = AppendFrame(c.out, &c.frame)
		enc = enc[k:]
		typ, fl = FrameContinuation, 0
	}
	if cap(c.encBuf) > 64<<10 {
		c.encBuf = nil
	}
}

// flush writes request DATA round robin within the windows and the
// output bound.
func (c *ClientConn) flush() {
	for progress := true; progress && c.sendWin > 0 && len(c.out)-c.off < c.cfg.MaxOutputBytes; {
		progress = false
		for i := 0; i < len(c.order); i++ {
			x := c.streams[c.order[i]]
			if x == nil || x.localDone {
				c.order = append(c.order[:i], c.order[i+1:]...)
				i--
				continue
			}
			n := min(int64(len(x.req.Body)-x.bodyOff), x.sendWin, c.sendWin, int64(c.peerMaxFrame))
			if n <= 0 || len(c.out)-c.off >= c.cfg.MaxOutputBytes {
				continue
			}
			progress = true
			last := x.bodyOff+int(n) == len(x.req.Body)
			fl := Flags(0)
			if last {
				fl = FlagEndStream
			}
			start := len(c.out)
			c.out = append(c.out, make([]byte, FrameHeaderLen)...)
			putFrameHeader(c.out[start:], int(n), FrameData, fl, x.id)
			c.out = append(c.out, x.req.Body[x.bodyOff:x.bodyOff+int(n)]...)
			x.bodyOff += int(n)
			x.sendWin -= n
			c.sendWin -= n
			if last {
				x.localDone = true
				x.req.Body = nil
				c.order = append(c.order[:i], c.order[i+1:]...)
				i--
			}
		}
	}
}

// closeStream forgets a stream and starts queued requests.
func (c *ClientConn) closeStream(id uint32) {
	if c.streams[id] == nil {
		return
	}
	delete(c.streams, id)
	if id%2 == 0 {
		c.pushOpen--
	}
	c.startQueued()
}

// reset sends RST_STREAM and reports the stream failed.
func (c *ClientConn) reset(id uint32, code ErrCode, err error) {
	c.frame = Frame{Type: FrameRSTStream, StreamID: id, ErrCode: code}
	c.out = AppendFrame(c.out, &c.frame)
	c.event(ClientEvent{Kind: ClientReset, StreamID: id, Code: code, Err: err})
	c.closeStream(id)
}

// fail ends the connection: GOAWAY with e's code when sent is true, a
// ClientConnError, and a ClientReset for every stream.
func (c *ClientConn) fail(err error, code ErrCode, send bool) {
	if c.closed {
		return
	}
	c.closed = true
	c.LastErr = err
	if send {
		c.frame = Frame{Type: FrameGoAway, LastStreamID: 0, ErrCode: code}
		if ce, ok := err.(*ConnError); ok {
			c.frame.Data = []byte(ce.Reason)
		}
		c.out = AppendFrame(c.out, &c.frame)
	}
	c.event(ClientEvent{Kind: ClientConnError, Code: code, Err: err})
	c.failStreams(0, err)
	c.in = nil
	c.block = nil
}

// failStreams ends every stream above last, and every queued request,
// with a ClientReset; streams above a GOAWAY's last (and queued ones)
// are retryable.
func (c *ClientConn) failStreams(last uint32, err error) {
	ids := make([]uint32, 0, len(c.streams))
	for id := range c.streams {
		// a GOAWAY's last stream counts the client's streams: pushed
		// ones go on
		if id > last && (c.closed || id%2 == 1) {
			ids = append(ids, id)
		}
	}
	sortIDs(ids)
	for _, id := range ids {
		c.event(ClientEvent{Kind: ClientReset, StreamID: id, Code: Cancel, Err: err, Retryable: c.goaway && id%2 == 1 && id > c.goawayLast})
		delete(c.streams, id)
		if id%2 == 0 {
			c.pushOpen--
		}
	}
	for _, x := range c.queue {
		c.event(ClientEvent{Kind: ClientReset, StreamID: x.id, Code: Cancel, Err: err, Retryable: true})
	}
	c.queue = nil
}

func sortIDs(a []uint32) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// ReceiveEOF says the server closed the connection: every stream still
// open fails.
func (c *ClientConn) ReceiveEOF(now sim.Time) {
	c.now = now
	if c.closed {
		return
	}
	if c.goaway && len(c.streams) == 0 && len(c.queue) == 0 {
		c.closed = true
		return
	}
	c.fail(ErrConnClosed, NoError, false)
}

// Receive hands the client bytes from the server and returns how many
// it took (all of them).
func (c *ClientConn) Receive(now sim.Time, b []byte) int {
	c.now = now
	if c.closed {
		return len(b)
	}
	buf := b
	if len(c.in) > 0 {
		c.in = append(c.in, b...)
		buf = c.in
	}
	for !c.closed {
		f, n, err := ParseFrame(buf, c.maxFrameSize)
		if n == 0 && err == nil {
			break
		}
		if ce, ok := err.(*ConnError); ok {
			c.fail(ce, ce.Code, true)
			break
		}
		if !c.settings && (f.Type != FrameSettings || f.Flags.Has(FlagAck)) {
			c.fail(connErr(ProtocolError, "server preface not SETTINGS"), ProtocolError, true)
			break
		}
		if se, ok := err.(*StreamError); ok {
			if e := c.streamError(&f, se); e != nil {
				c.fail(e, e.Code, true)
				break
			}
		} else if e := c.handle(&f); e != nil {
			c.fail(e, e.Code, true)
			break
		}
		buf = buf[n:]
	}
	if c.closed {
		c.in = nil
		return len(b)
	}
	c.in = append(c.in[:0], buf...) // copy handles the overlap
	if cap(c.in) > 2*(FrameHeaderLen+int(c.maxFrameSize)) && len(c.in) <= FrameHeaderLen+int(c.maxFrameSize) {
		c.in = append([]byte(nil), c.in...)
	}
	return len(b)
}

// streamError answers a frame the codec found malformed for one stream.
func (c *ClientConn) streamError(f *Frame, se *StreamError) *ConnError {
	if c.blockStream != 0 {
		return connErr(ProtocolError, "frame inside a header block")
	}
	if e := c.checkIdle(f.StreamID, f.Type); e != nil {
		return e
	}
	if f.Type == FrameHeaders {
		if !f.Flags.Has(FlagEndHeaders) {
			return connErr(ProtocolError, se.Reason)
		}
		// keep HPACK in step
		if _, err := c.dec.Decode(c.hdr[:0], f.Data); err != nil && err != ErrHeaderListTooLarge {
			return connErr(CompressionError, err.Error())
		}
	}
	if c.streams[se.StreamID] != nil {
		c.reset(se.StreamID, se.Code, se)
	}
	return nil
}

// checkIdle: frames other than PRIORITY on a stream the client never
// opened (or, with push, never promised) are a PROTOCOL_ERROR.
func (c *ClientConn) checkIdle(id uint32, t FrameType) *ConnError {
	if id == 0 || t == FramePriority {
		return nil
	}
	if id%2 == 1 && id > c.lastSent || id%2 == 0 && id > c.promised {
		return connErr(ProtocolError, t.String()+" on idle stream "+strconv.FormatUint(uint64(id), 10))
	}
	return nil
}

func (c *ClientConn) handle(f *Frame) *ConnError {
	if c.blockStream != 0 && (f.Type != FrameContinuation || f.StreamID != c.blockStream) {
		return connErr(ProtocolError, "expected CONTINUATION")
	}
	if f.Type <= FrameContinuation && f.Type != FramePushPromise {
		if e := c.checkIdle(f.StreamID, f.Type); e != nil {
			return e
		}
	}
	switch f.Type {
	case FrameSettings:
		if f.Flags.Has(FlagAck) {
			return nil
		}
		c.settings = true
		return c.applySettings(f)
	case FramePing:
		if !f.Flags.Has(FlagAck) {
			c.frame = Frame{Type: FramePing, Flags: FlagAck, Data: f.Data}
			c.out = AppendFrame(c.out, &c.frame)
		}
	case FrameGoAway:
		return c.goAway(f)
	case FrameWindowUpdate:
		return c.windowUpdate(f)
	case FrameHeaders:
		return c.startBlock(f, false)
	case FramePushPromise:
		if !c.cfg.EnablePush {
			return connErr(ProtocolError, "PUSH_PROMISE with push disabled")
		}
		if f.StreamID%2 == 0 || f.StreamID > c.lastSent {
			return connErr(ProtocolError, "PUSH_PROMISE on a stream the client did not open")
		}
		if f.PromisedID%2 == 1 || f.PromisedID <= c.promised {
			return connErr(ProtocolError, "PUSH_PROMISE with a bad promised stream id")
		}
		c.promised = f.PromisedID
		return c.startBlock(f, true)
	case FrameContinuation:
		if c.blockStream == 0 {
			return connErr(ProtocolError, "CONTINUATION without HEADERS")
		}
		c.blockFrames++
		if len(c.block)+len(f.Data) > c.cfg.MaxHeaderBlock || c.blockFrames > c.cfg.MaxContinuations {
			return connErr(EnhanceYourCalm, "header block too large")
		}
		c.block = append(c.block, f.Data...)
		if f.Flags.Has(FlagEndHeaders) {
			return c.endBlock()
		}
	case FrameData:
		return c.data(f)
	case FramePriorityUpdate:
		// RFC 9218 section 7.1: servers MUST NOT send it
		return connErr(ProtocolError, "PRIORITY_UPDATE from a server")
	case FrameRSTStream:
		if c.streams[f.StreamID] != nil {
			c.event(ClientEvent{Kind: ClientReset, StreamID: f.StreamID, Code: f.ErrCode,
				Err: ErrStreamReset, Retryable: f.ErrCode == RefusedStream})
			c.closeStream(f.StreamID)
		}
	}
	return nil // PRIORITY and unknown types are ignored
}

func (c *ClientConn) applySettings(f *Frame) *ConnError {
	for i := 0; i < f.NumSettings(); i++ {
		st := f.Setting(i)
		switch st.ID {
		case SettingHeaderTableSize:
			c.enc.SetPeerMaxTableSize(int(min(st.Val, 1<<20)))
		case SettingEnablePush:
			if st.Val != 0 {
				return connErr(ProtocolError, "server sent SETTINGS_ENABLE_PUSH 1")
			}
		case SettingMaxConcurrentStreams:
			c.peerMax = int(min(st.Val, 1<<20))
		case SettingInitialWindowSize:
			delta := int64(st.Val) - c.peerInitWin
			c.peerInitWin = int64(st.Val)
			for _, x := range c.streams {
				x.sendWin += delta
				if x.sendWin > MaxWindow {
					return connErr(FlowControlError, "stream window above 2^31-1")
				}
			}
		case SettingMaxFrameSize:
			c.peerMaxFrame = int(st.Val)
		case SettingMaxHeaderListSize:
			c.peerMaxList = int(min(st.Val, 1<<30))
		}
	}
	c.frame = Frame{Type: FrameSettings, Flags: FlagAck}
	c.out = AppendFrame(c.out, &c.frame)
	c.startQueued()
	return nil
}

func (c *ClientConn) goAway(f *Frame) *ConnError {
	last := f.LastStreamID
	if c.goaway && last > c.goawayLast {
		last = c.goawayLast // a later GOAWAY may not raise it
	}
	c.goaway, c.goawayLast = true, last
	c.event(ClientEvent{Kind: ClientGoAway, LastStreamID: last, Code: f.ErrCode, Data: append([]byte(nil), f.Data...)})
	c.failStreams(last, ErrGoAway)
	return nil
}

func (c *ClientConn) windowUpdate(f *Frame) *ConnError {
	inc := int64(f.Increment)
	if f.StreamID == 0 {
		if c.sendWin+inc > MaxWindow {
			return connErr(FlowControlError, "connection window above 2^31-1")
		}
		c.sendWin += inc
		c.flush()
		return nil
	}
	x := c.streams[f.StreamID]
	if x == nil {
		return nil
	}
	if x.sendWin+inc > MaxWindow {
		c.reset(x.id, FlowControlError, streamErr(x.id, FlowControlError, "stream window above 2^31-1"))
		return nil
	}
	x.sendWin += inc
	c.flush()
	return nil
}

func (c *ClientConn) startBlock(f *Frame, push bool) *ConnError {
	if len(f.Data) > c.cfg.MaxHeaderBlock {
		return connErr(EnhanceYourCalm, "header block too large")
	}
	c.block = append(c.block[:0], f.Data...)
	c.blockStream, c.blockEnd, c.blockPush, c.blockFrames = f.StreamID, f.Flags.Has(FlagEndStream), push, 0
	c.blockPushID = 0
	if push {
		c.blockPushID = f.PromisedID // refused with RST_STREAM once decoded
	}
	if f.Flags.Has(FlagEndHeaders) {
		return c.endBlock()
	}
	return nil
}

// endBlock decodes a complete header block: a response head, an interim
// head, trailers or a refused push.
func (c *ClientConn) endBlock() *ConnError {
	id, end := c.blockStream, c.blockEnd
	assoc := id
	if c.blockPush {
		id = c.blockPushID
	}
	c.blockStream, c.blockPushID = 0, 0
	hdr, err := c.dec.Decode(c.hdr[:0], c.block)
	c.hdr = hdr[:0]
	if len(c.block) > 4096 {
		c.block = nil
	}
	if err != nil && err != ErrHeaderListTooLarge {
		return connErr(CompressionError, err.Error())
	}
	if c.blockPush {
		c.pushPromise(assoc, id, hdr, err)
		return nil
	}
	x := c.streams[id]
	if x == nil {
		return nil // a stream we reset or that ended: ignored
	}
	if err == ErrHeaderListTooLarge {
		c.reset(id, Cancel, err)
		return nil
	}
	if x.final { // trailers
		if !end {
			c.reset(id, ProtocolError, errors.Join(ErrBadResponse, errors.New("HEADERS after the response head without END_STREAM")))
			return nil
		}
		var tr h1.Header
		for _, fl := range hdr {
			if strings.HasPrefix(fl.Name, ":") || !validField(fl) {
				c.reset(id, ProtocolError, errors.Join(ErrBadResponse, errors.New("bad trailer field")))
				return nil
			}
			tr = append(tr, fl)
		}
		return c.finish(x, tr)
	}
	status, fields, why := responseHead(hdr)
	if why != "" {
		c.reset(id, ProtocolError, errors.Join(ErrBadResponse, errors.New(why)))
		return nil
	}
	if status < 200 {
		if end || status == 101 {
			c.reset(id, ProtocolError, errors.Join(ErrBadResponse, errors.New("bad interim response")))
			return nil
		}
		c.event(ClientEvent{Kind: ClientInterim, StreamID: id, Status: status, Header: fields})
		return nil
	}
	x.final = true
	if v := fields.Get("content-length"); v != "" && x.req.Method != "HEAD" && status != 204 && status != 304 {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			c.reset(id, ProtocolError, errors.Join(ErrBadResponse, errors.New("bad content-length")))
			return nil
		}
		x.clen = n
	}
	c.event(ClientEvent{Kind: ClientHead, StreamID: id, Status: status, Header: fields})
	if end {
		return c.finish(x, nil)
	}
	return nil
}

// pushPromise takes a decoded PUSH_PROMISE: the promised stream is
// reserved and reported, or refused with RST_STREAM.
func (c *ClientConn) pushPromise(assoc, id uint32, hdr h1.Header, err error) {
	refuse := func(code ErrCode) {
		c.frame = Frame{Type: FrameRSTStream, StreamID: id, ErrCode: code}
		c.out = AppendFrame(c.out, &c.frame)
	}
	if c.streams[assoc] == nil || err != nil || c.goaway {
		refuse(Cancel) // its request was reset or ended, or too large
		return
	}
	req, ok := promisedRequest(hdr)
	if !ok {
		refuse(ProtocolError)
		return
	}
	if c.pushOpen >= c.cfg.MaxConcurrentStreams {
		refuse(RefusedStream)
		return
	}
	fields := append(h1.Header(nil), hdr...)
	c.streams[id] = &cstream{id: id, req: req, localDone: true, clen: -1,
		sendWin: c.peerInitWin, recvWin: int64(c.cfg.InitialWindowSize)}
	c.pushOpen++
	c.event(ClientEvent{Kind: ClientPushPromise, StreamID: assoc, PromisedID: id, Header: fields})
}

// promisedRequest checks a promised request (RFC 9113 section 8.4.1):
// a safe, cacheable method (GET or HEAD), no body, :scheme and :path,
// well-formed fields.
func promisedRequest(hdr h1.Header) (Request, bool) {
	var r Request
	regular := false
	for _, f := range hdr {
		if !strings.HasPrefix(f.Name, ":") {
			regular = true
			if !validField(f) || f.Name == "te" || f.Name == "content-length" && f.Value != "0" {
				return r, false
			}
			continue
		}
		var dst *string
		switch f.Name {
		case ":method":
			dst = &r.Method
		case ":scheme":
			dst = &r.Scheme
		case ":authority":
			dst = &r.Authority
		case ":path":
			dst = &r.Path
		}
		if regular || dst == nil || *dst != "" || !validValue(f.Value) {
			return r, false
		}
		*dst = f.Value
	}
	if r.Method != "GET" && r.Method != "HEAD" || r.Scheme == "" || r.Path == "" {
		return r, false
	}
	return r, true
}

func validField(f h1.Field) bool {
	return f.Name != "" && validToken(f.Name) && lower(f.Name) == f.Name && validValue(f.Value) && !connSpecific(f.Name)
}

// responseHead checks a response head (RFC 9113 section 8.3.2): :status
// first and only once, three digits; no other pseudo-header; lowercase,
// no connection-specific fields.
func responseHead(hdr h1.Header) (status int, fields h1.Header, why string) {
	for i, f := range hdr {
		if strings.HasPrefix(f.Name, ":") {
			if f.Name != ":status" || i != 0 {
				return 0, nil, "unexpected pseudo-header " + f.Name
			}
			if len(f.Value) != 3 {
				return 0, nil, "bad :status"
			}
			n, err := strconv.Atoi(f.Value)
			if err != nil || n < 100 {
				return 0, nil, "bad :status"
			}
			status = n
			continue
		}
		if !validField(f) {
			return 0, nil, "bad field " + strconv.Quote(f.Name)
		}
		fields = append(fields, f)
	}
	if status == 0 {
		return 0, nil, "no :status"
	}
	return status, fields, ""
}

// finish completes a response.
func (c *ClientConn) finish(x *cstream, trailer h1.Header) *ConnError {
	if x.clen >= 0 && x.got != x.clen {
		c.reset(x.id, ProtocolError, errors.Join(ErrBadResponse, errors.New("body length differs from content-length")))
		return nil
	}
	c.event(ClientEvent{Kind: ClientDone, StreamID: x.id, Trailer: trailer})
	if !x.localDone {
		// the response came before the request's end: stop sending
		// (RFC 9113 section 8.1)
		c.frame = Frame{Type: FrameRSTStream, StreamID: x.id, ErrCode: Cancel}
		c.out = AppendFrame(c.out, &c.frame)
	}
	c.closeStream(x.id)
	return nil
}

func (c *ClientConn) data(f *Frame) *ConnError {
	// flow control counts the whole payload, padding included
	n := int64(f.Length)
	if n > c.recvWin {
		return connErr(FlowControlError, "DATA beyond the connection window")
	}
	c.recvWin -= n
	if c.recvWin < int64(c.cfg.ConnWindow)/2 {
		c.windowUpdateOut(0, int64(c.cfg.ConnWindow)-c.recvWin)
		c.recvWin = int64(c.cfg.ConnWindow)
	}
	x := c.streams[f.StreamID]
	if x == nil {
		return nil // reset or finished: ignored
	}
	if n > x.recvWin {
		c.reset(x.id, FlowControlError, streamErr(x.id, FlowControlError, "DATA beyond the stream window"))
		return nil
	}
	x.recvWin -= n
	if !x.final {
		c.reset(x.id, ProtocolError, errors.Join(ErrBadResponse, errors.New("DATA before the response head")))
		return nil
	}
	x.got += int64(len(f.Data))
	if x.got > int64(c.cfg.MaxBodyBytes) {
		c.reset(x.id, Cancel, ErrBodyTooLarge)
		return nil
	}
	if x.clen >= 0 && x.got > x.clen {
		c.reset(x.id, ProtocolError, errors.Join(ErrBadResponse, errors.New("body longer than content-length")))
		return nil
	}
	if len(f.Data) > 0 {
		c.event(ClientEvent{Kind: ClientData, StreamID: x.id, Data: append([]byte(nil), f.Data...)})
	}
	if f.Flags.Has(FlagEndStream) {
		return c.finish(x, nil)
	}
	if win := int64(c.cfg.InitialWindowSize); x.recvWin < win/2 {
		c.windowUpdateOut(x.id, win-x.recvWin)
		x.recvWin = win
	}
	return nil
}

func (c *ClientConn) windowUpdateOut(id uint32, n int64) {
	c.frame = Frame{Type: FrameWindowUpdate, StreamID: id, Increment: uint32(n)}
	c.out = AppendFrame(c.out, &c.frame)
}
