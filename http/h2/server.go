package h2

import (
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/sim"
)

// ServerConfig configures a ServerConn. Zero fields take defaults.
type ServerConfig struct {
	// MaxConcurrentStreams is SETTINGS_MAX_CONCURRENT_STREAMS; a HEADERS
	// past it is refused (RST_STREAM REFUSED_STREAM). Default 100.
	MaxConcurrentStreams int
	// MaxHeaderListSize is SETTINGS_MAX_HEADER_LIST_SIZE; a larger
	// request is answered 431. Default 16 KiB.
	MaxHeaderListSize int
	// MaxHeaderBlock bounds a header block's encoded bytes (HEADERS plus
	// CONTINUATIONs): past it the connection ends with ENHANCE_YOUR_CALM
	// (CONTINUATION floods). Default 64 KiB.
	MaxHeaderBlock int
	// MaxContinuations bounds a header block's CONTINUATION frames: past
	// it the connection ends with ENHANCE_YOUR_CALM (a flood of empty
	// CONTINUATIONs grows no buffer but would hold the connection and
	// its HPACK state forever). Default 64.
	MaxContinuations int
	// MaxBodyBytes bounds a request body; past it the stream is answered
	// 413 and reset. Default 1 MiB.
	MaxBodyBytes int
	// MaxOutputBytes is the unsent output past which the engine takes no
	// input. Default 256 KiB.
	MaxOutputBytes int
	// IdleTimeout ends a connection without streams that sent nothing for
	// this long (GOAWAY NO_ERROR). With streams, a client that sent
	// nothing for this long while every one of them waits on it (for
	// flow-control window to send the response, or for the rest of the
	// request) is stalling them: GOAWAY ENHANCE_YOUR_CALM (zero-window
	// stalls, slow request bodies). Default 60 s.
	IdleTimeout time.Duration
	Server      string // the server field; default "hops"
	// Push, if set, names the paths to push with the response to req
	// (server push, RFC 9113 section 8.4); nil pushes nothing. Each path
	// (starting with "/") is promised with PUSH_PROMISE on req's stream
	// before its response, as a GET with req's scheme and authority, and
	// served on its own even stream by the same handler. Pushes are made
	// only while the client's SETTINGS_ENABLE_PUSH is not 0, and skipped
	// past the client's SETTINGS_MAX_CONCURRENT_STREAMS.
	Push func(req *h1.Request) []string
}

type streamState uint8

const (
	stateOpen             streamState = iota // both directions open
	stateHalfClosedRemote                    // the request is complete; the response is going out
)

type stream struct {
	id      uint32
	state   streamState
	sendWin int64 // our window to send on it
	recvWin int64 // the peer's window to send to us
	req     h1.Request
	scheme  string // the request's :scheme and :authority, for pushes
	auth    string
	body    []byte
	clen    int64  // declared content-length, -1 if none
	out     []byte // response body still to send
	outOff  int
	replied bool // HEADERS of the response sent
	ended   bool // END_STREAM sent
	prio    PriorityParams
}

// ServerConn is the server's end of one HTTP/2 connection (h2c with
// prior knowledge, or after TLS ALPN "h2"): bytes in, frames out, a
// handler called for each complete request.
type ServerConn struct {
	cfg ServerConfig
	h   h1.Handler

	in       []byte // fixed: one frame header plus our max frame size
	inN      int
	preface  int  // bytes of the client preface seen
	settings bool // the client's first SETTINGS arrived

	out []byte
	off int

	dec *Decoder
	enc *Encoder

	streams map[uint32]*stream
	order   []uint32 // streams with output to send, in arrival order
	// pending holds PRIORITY_UPDATEs for streams still idle, until their
	// HEADERS (at most MaxConcurrentStreams, with the open streams).
	pending map[uint32]PriorityParams
	// rr is, per urgency, the incremental stream served last (round
	// robin).
	rr           [MaxUrgency + 1]uint32
	lastClient   uint32 // highest client stream id seen
	sendWin      int64  // connection send window
	recvWin      int64  // connection receive window
	peerInitWin  int64
	peerMaxFrame int
	peerPush     bool
	peerMaxStr   int    // the client's SETTINGS_MAX_CONCURRENT_STREAMS (pushes)
	pushOpen     int    // pushed streams open
	lastPush     uint32 // highest promised (even) stream id
	blockStream  uint32 // a header block is in progress on this stream
	blockEnd     bool   // ... and its HEADERS had END_STREAM
	conts        int    // ... and the CONTINUATIONs it has had
	block        []byte
	goaway       bool // GOAWAY sent: no new streams
	closing      bool // close once output is sent
	peerGoaway   bool
	deadline     sim.Time
	served       int
	resp         h1.Response
	hdr          h1.Header
	frame        Frame
	LastErr      error // the connection error that ended it, if any
	now          sim.Time
}

// NewServerConn returns the engine for a connection accepted at now. Its
// SETTINGS are already in Output (the server preface).
func NewServerConn(now sim.Time, cfg ServerConfig, h h1.Handler) *ServerConn {
	if cfg.MaxConcurrentStreams <= 0 {
		cfg.MaxConcurrentStreams = 100
	}
	if cfg.MaxHeaderListSize <= 0 {
		cfg.MaxHeaderListSize = 16 << 10
	}
	if cfg.MaxHeaderBlock <= 0 {
		cfg.MaxHeaderBlock = 64 << 10
	}
	if cfg.MaxContinuations <= 0 {
		cfg.MaxContinuations = 64
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.MaxOutputBytes <= 0 {
		cfg.MaxOutputBytes = 256 << 10
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 60 * time.Second
	}
	if cfg.Server == "" {
		cfg.Server = "hops"
	}
	s := &ServerConn{
		cfg: cfg, h: h,
		in:           make([]byte, FrameHeaderLen+DefaultMaxFrameSize),
		dec:          NewDecoder(DefaultTableSize),
		enc:          NewEncoder(DefaultTableSize),
		streams:      map[uint32]*stream{},
		sendWin:      DefaultWindow,
		recvWin:      DefaultWindow,
		peerInitWin:  DefaultWindow,
		peerMaxFrame: DefaultMaxFrameSize,
		peerPush:     true,
		peerMaxStr:   1 << 31,
		deadline:     now.Add(cfg.IdleTimeout),
	}
	s.dec.MaxHeaderListSize = cfg.MaxHeaderListSize
	s.frame = Frame{Type: FrameSettings}
	s.frame.Data = AppendSettings(nil,
		Setting{SettingMaxConcurrentStreams, uint32(cfg.MaxConcurrentStreams)},
		Setting{SettingMaxHeaderListSize, uint32(cfg.MaxHeaderListSize)},
		Setting{SettingNoRFC7540Priorities, 1})
	s.out = AppendFrame(s.out, &s.frame)
	return s
}

// Served returns how many requests the connection has answered.
func (s *ServerConn) Served() int { return s.served }

// Streams returns how many streams are open.
func (s *ServerConn) Streams() int { return len(s.streams) }

func (s *ServerConn) backlog() int { return len(s.out) - s.off }

// Room returns how many bytes Receive takes now: 0 while too much output
// waits.
func (s *ServerConn) Room() int {
	switch {
	case s.closing:
		return 64 << 10
	case s.backlog() >= s.cfg.MaxOutputBytes:
		return 0
	}
	return len(s.in) - s.inN
}

// Receive hands the engine bytes from the client and returns how many it
// took (at most Room).
func (s *ServerConn) Receive(now sim.Time, b []byte) int {
	s.now = now
	s.deadline = now.Add(s.cfg.IdleTimeout)
	taken := 0
	for !s.closing && taken < len(b) && s.backlog() < s.cfg.MaxOutputBytes {
		k := copy(s.in[s.inN:], b[taken:])
		s.inN += k
		taken += k
		s.process(now)
		if k == 0 {
			break
		}
	}
	if s.closing {
		return len(b)
	}
	return taken
}

// ReceiveEOF says the client closed its side.
func (s *ServerConn) ReceiveEOF(now sim.Time) { s.closing = true }

// Output returns the bytes waiting to be sent.
func (s *ServerConn) Output() []byte { return s.out[s.off:] }

// Consume marks n bytes of Output sent; the engine may then write more.
func (s *ServerConn) Consume(n int) {
	s.off += n
	if s.off == len(s.out) {
		s.out, s.off = s.out[:0], 0
	}
	if !s.closing {
		s.flush()
		if s.inN > 0 && s.backlog() < s.cfg.MaxOutputBytes {
			s.process(s.now)
		}
	}
}

// Done reports that the connection should be closed.
func (s *ServerConn) Done() bool { return s.closing && s.backlog() == 0 }

// NextDeadline returns when Advance must be called.
func (s *ServerConn) NextDeadline() sim.Time {
	if s.closing {
		return sim.Never
	}
	return s.deadline
}

// Advance wakes the engine at now: idle past the timeout, it says GOAWAY
// and closes; with streams that all wait on the silent client, it ends
// the connection with ENHANCE_YOUR_CALM.
func (s *ServerConn) Advance(now sim.Time) {
	if s.closing || now < s.deadline {
		return
	}
	if len(s.streams) > 0 || s.blockStream != 0 {
		if s.backlog() > 0 || !s.stalled() {
			// output waits on the transport, not on the client's windows
			s.deadline = now.Add(s.cfg.IdleTimeout)
			return
		}
		s.now = now
		s.fail(connErr(EnhanceYourCalm, "streams stalled: the client sent nothing (no WINDOW_UPDATE, no request data) for the idle timeout"))
		return
	}
	s.Shutdown(now)
}

// stalled reports whether every stream waits on the client: for window
// to send its response, or for the rest of its request.
func (s *ServerConn) stalled() bool {
	if s.blockStream != 0 {
		return true // a header block the client has not finished
	}
	for _, x := range s.streams {
		if x.state == stateOpen {
			continue // the request's rest is the client's to send
		}
		if x.outOff < len(x.out) && x.sendWin > 0 && s.sendWin > 0 {
			return false // it could send now
		}
		if !x.replied {
			return false
		}
	}
	return true
}

// Shutdown starts a graceful close: GOAWAY NO_ERROR with the last stream
// taken; streams under way finish, then the connection is Done.
func (s *ServerConn) Shutdown(now sim.Time) {
	if s.goaway {
		return
	}
	s.writeGoAway(NoError, "")
	s.maybeClose()
}

func (s *ServerConn) writeGoAway(code ErrCode, debug string) {
	s.goaway = true
	s.frame = Frame{Type: FrameGoAway, LastStreamID: s.lastClient, ErrCode: code, Data: []byte(debug)}
	s.out = AppendFrame(s.out, &s.frame)
}

func (s *ServerConn) maybeClose() {
	if (s.goaway || s.peerGoaway) && len(s.streams) == 0 && s.blockStream == 0 {
		s.closing = true
	}
}

// fail ends the connection with a connection error.
func (s *ServerConn) fail(e *ConnError) {
	if s.closing {
		return
	}
	s.LastErr = e
	s.goaway = false
	s.writeGoAway(e.Code, e.Reason)
	s.streams = map[uint32]*stream{}
	s.pushOpen = 0
	s.order = s.order[:0]
	s.closing = true
}

func (s *ServerConn) reset(id uint32, code ErrCode) {
	s.frame = Frame{Type: FrameRSTStream, StreamID: id, ErrCode: code}
	s.out = AppendFrame(s.out, &s.frame)
	s.closeStream(id)
}

func (s *ServerConn) closeStream(id uint32) {
	if _, ok := s.streams[id]; !ok {
		return
	}
	delete(s.streams, id)
	if id%2 == 0 {
		s.pushOpen--
	}
	for i, x := range s.order {
		if x == id {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
	s.maybeClose()
}

// process parses and handles the frames in the input buffer.
func (s *ServerConn) process(now sim.Time) {
	for !s.closing && s.backlog() < s.cfg.MaxOutputBytes {
		buf := s.in[:s.inN]
		if s.preface < len(Preface) {
			k := min(len(buf), len(Preface)-s.preface)
			if string(buf[:k]) != Preface[s.preface:s.preface+k] {
				s.fail(connErr(ProtocolError, "bad client preface"))
				return
			}
			s.preface += k
			s.shift(k)
			continue
		}
		f, n, err := ParseFrame(buf, DefaultMaxFrameSize)
		if n == 0 && err == nil {
			return
		}
		if ce, ok := err.(*ConnError); ok {
			s.fail(ce)
			return
		}
		if !s.settings && f.Type != FrameSettings {
			s.fail(connErr(ProtocolError, "first frame not SETTINGS"))
			return
		}
		if se, ok := err.(*StreamError); ok {
			if s.blockStream != 0 {
				s.fail(connErr(ProtocolError, "frame inside a header block"))
				return
			}
			if f.Type == FrameHeaders && f.StreamID > s.lastClient {
				// still decode the block to keep HPACK in step
				s.lastClient = f.StreamID
				s.dec.Decode(s.hdr[:0], f.Data)
			}
			s.frame = Frame{Type: FrameRSTStream, StreamID: se.StreamID, ErrCode: se.Code}
			s.out = AppendFrame(s.out, &s.frame)
			s.closeStream(se.StreamID)
		} else if e := s.handle(now, &f); e != nil {
			s.fail(e)
			return
		}
		s.shift(n)
	}
}

func (s *ServerConn) shift(n int) {
	copy(s.in, s.in[n:s.inN])
	s.inN -= n
}

func (s *ServerConn) handle(now sim.Time, f *Frame) *ConnError {
	if s.blockStream != 0 && (f.Type != FrameContinuation || f.StreamID != s.blockStream) {
		return connErr(ProtocolError, "expected CONTINUATION")
	}
	switch f.Type {
	case FrameSettings:
		if f.Flags.Has(FlagAck) {
			if !s.settings {
				return connErr(ProtocolError, "first SETTINGS is an ACK")
			}
			return nil
		}
		s.settings = true
		return s.applySettings(f)
	case FramePing:
		if !f.Flags.Has(FlagAck) {
			s.frame = Frame{Type: FramePing, Flags: FlagAck, Data: f.Data}
			s.out = AppendFrame(s.out, &s.frame)
		}
	case FrameGoAway:
		s.peerGoaway = true
		s.maybeClose()
	case FrameWindowUpdate:
		return s.windowUpdate(f)
	case FrameHeaders:
		return s.headers(now, f)
	case FrameContinuation:
		if s.blockStream == 0 {
			return connErr(ProtocolError, "CONTINUATION without HEADERS")
		}
		if len(s.block)+len(f.Data) > s.cfg.MaxHeaderBlock {
			return connErr(EnhanceYourCalm, "header block too large")
		}
		if s.conts++; s.conts > s.cfg.MaxContinuations {
			return connErr(EnhanceYourCalm, "too many CONTINUATION frames")
		}
		s.block = append(s.block, f.Data...)
		if f.Flags.Has(FlagEndHeaders) {
			return s.endBlock(now)
		}
	case FrameData:
		return s.data(now, f)
	case FrameRSTStream:
		if f.StreamID%2 == 1 && f.StreamID > s.lastClient || f.StreamID%2 == 0 && f.StreamID > s.lastPush {
			return connErr(ProtocolError, "RST_STREAM on an idle stream")
		}
		s.closeStream(f.StreamID)
	case FramePriority:
		// RFC 9113 deprecates the dependency tree; accepted and ignored.
	case FramePriorityUpdate:
		return s.priorityUpdate(f)
	case FramePushPromise:
		return connErr(ProtocolError, "PUSH_PROMISE from a client")
	}
	return nil
}

func (s *ServerConn) applySettings(f *Frame) *ConnError {
	if err := s.useSettings(f); err != nil {
		return err
	}
	s.frame = Frame{Type: FrameSettings, Flags: FlagAck}
	s.out = AppendFrame(s.out, &s.frame)
	s.flush()
	return nil
}

// AcceptUpgrade starts the connection as the HTTP/2 end of an h2c
// upgrade (RFC 7540 section 3.2): settings is the client's HTTP2-Settings
// payload, applied as a SETTINGS frame would be but not acknowledged (the
// 101 did that), and req, the request that asked for the upgrade, is
// stream 1, half-closed from the client's side, answered at once. The
// client's preface comes next in Receive, as usual.
func (s *ServerConn) AcceptUpgrade(now sim.Time, req *h1.Request, settings []byte) error {
	if len(settings)%6 != 0 {
		return errors.New("h2: HTTP2-Settings is not a sequence of settings")
	}
	f := Frame{Type: FrameSettings, Data: settings}
	if err := s.useSettings(&f); err != nil {
		return err
	}
	x := &stream{id: 1, state: stateHalfClosedRemote, sendWin: s.peerInitWin, recvWin: DefaultWindow, clen: -1}
	x.req = *req
	x.req.Minor = 1
	x.body = req.Body
	x.scheme, x.auth = "http", req.Header.Get("Host")
	x.prio = requestPriority(req.Header.Values("priority"))
	s.streams[1] = x
	s.lastClient = 1
	if err := s.requestDone(now, x); err != nil {
		return err
	}
	return nil
}

// useSettings applies a SETTINGS frame's values.
func (s *ServerConn) useSettings(f *Frame) *ConnError {
	for i := 0; i < f.NumSettings(); i++ {
		st := f.Setting(i)
		switch st.ID {
		case SettingHeaderTableSize:
			s.enc.SetPeerMaxTableSize(int(min(st.Val, 1<<20)))
		case SettingEnablePush:
			s.peerPush = st.Val == 1
		case SettingInitialWindowSize:
			delta := int64(st.Val) - s.peerInitWin
			s.peerInitWin = int64(st.Val)
			for _, x := range s.streams {
				x.sendWin += delta
				if x.sendWin > MaxWindow {
					return connErr(FlowControlError, "stream window above 2^31-1")
				}
			}
		case SettingMaxFrameSize:
			s.peerMaxFrame = int(st.Val)
		case SettingMaxConcurrentStreams:
			s.peerMaxStr = int(min(st.Val, 1<<31))
		}
	}
	return nil
}

func (s *ServerConn) windowUpdate(f *Frame) *ConnError {
	inc := int64(f.Increment)
	if f.StreamID == 0 {
		if s.sendWin+inc > MaxWindow {
			return connErr(FlowControlError, "connection window above 2^31-1")
		}
		s.sendWin += inc
		s.flush()
		return nil
	}
	if f.StreamID%2 == 1 && f.StreamID > s.lastClient || f.StreamID%2 == 0 && f.StreamID > s.lastPush {
		return connErr(ProtocolError, "WINDOW_UPDATE on an idle stream")
	}
	x := s.streams[f.StreamID]
	if x == nil {
		return nil // closed: ignored
	}
	if x.sendWin+inc > MaxWindow {
		s.reset(x.id, FlowControlError)
		return nil
	}
	x.sendWin += inc
	s.flush()
	return nil
}

func (s *ServerConn) headers(now sim.Time, f *Frame) *ConnError {
	id := f.StreamID
	if id%2 == 0 {
		return connErr(ProtocolError, "client HEADERS on an even stream")
	}
	if len(f.Data) > s.cfg.MaxHeaderBlock {
		return connErr(EnhanceYourCalm, "header block too large")
	}
	s.block = append(s.block[:0], f.Data...)
	s.blockEnd = f.Flags.Has(FlagEndStream)
	s.blockStream, s.conts = id, 0
	if x := s.streams[id]; x == nil && id <= s.lastClient {
		// the newest stream is known to have existed; a lower id may
		// never have been opened (RFC 9113 section 5.1.1)
		if id == s.lastClient {
			return connErr(StreamClosed, "HEADERS on a closed stream")
		}
		return connErr(ProtocolError, "HEADERS on a lower stream id")
	}
	if f.Flags.Has(FlagEndHeaders) {
		return s.endBlock(now)
	}
	return nil
}

// connection-specific fields, forbidden in HTTP/2 (RFC 9113 section 8.2.2).
func connSpecific(name string) bool {
	switch name {
	case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
		return true
	}
	return false
}

// endBlock decodes a complete header block: a request's head or
// trailers.
func (s *ServerConn) endBlock(now sim.Time) *ConnError {
	id, end := s.blockStream, s.blockEnd
	s.blockStream = 0
	hdr, err := s.dec.Decode(s.hdr[:0], s.block)
	s.hdr = hdr[:0]
	tooLarge := err == ErrHeaderListTooLarge
	if err != nil && !tooLarge {
		return connErr(CompressionError, err.Error())
	}
	if x := s.streams[id]; x != nil { // trailers
		if x.state != stateOpen {
			s.reset(id, StreamClosed)
			return nil
		}
		if !end {
			s.reset(id, ProtocolError)
			return nil
		}
		for _, fl := range hdr {
			if strings.HasPrefix(fl.Name, ":") {
				s.reset(id, ProtocolError)
				return nil
			}
			x.req.Trailer = append(x.req.Trailer, fl)
		}
		return s.requestDone(now, x)
	}
	s.lastClient = id
	if s.goaway {
		return nil // after GOAWAY new streams are ignored
	}
	if len(s.streams)-s.pushOpen >= s.cfg.MaxConcurrentStreams {
		s.frame = Frame{Type: FrameRSTStream, StreamID: id, ErrCode: RefusedStream}
		s.out = AppendFrame(s.out, &s.frame)
		return nil
	}
	x := &stream{id: id, sendWin: s.peerInitWin, recvWin: DefaultWindow, clen: -1}
	s.streams[id] = x
	if !end {
		x.state = stateOpen
	} else {
		x.state = stateHalfClosedRemote
	}
	if tooLarge {
		x.state = stateHalfClosedRemote
		s.respond(x, 431, nil)
		return nil
	}
	if code := s.buildRequest(x, hdr); code != NoError {
		s.reset(id, code)
		return nil
	}
	x.prio = s.takePriority(id, x.req.Header)
	if end {
		return s.requestDone(now, x)
	}
	return nil
}

// buildRequest checks a request's fields (RFC 9113 section 8.3.1) and
// fills x.req; a malformed request is a stream PROTOCOL_ERROR.
func (s *ServerConn) buildRequest(x *stream, hdr h1.Header) ErrCode {
	r := &x.req
	r.Minor = 1
	var scheme, authority string
	regular := false
	var fields h1.Header
	for _, f := range hdr {
		for i := 0; i < len(f.Name); i++ {
			if c := f.Name[i]; 'A' <= c && c <= 'Z' {
				return ProtocolError
			}
		}
		if strings.HasPrefix(f.Name, ":") {
			if regular {
				return ProtocolError
			}
			var dst *string
			switch f.Name {
			case ":method":
				dst = &r.Method
			case ":path":
				dst = &r.Target
			case ":scheme":
				dst = &scheme
			case ":authority":
				dst = &authority
			default:
				return ProtocolError
			}
			if *dst != "" {
				return ProtocolError
			}
			*dst = f.Value
			continue
		}
		regular = true
		if connSpecific(f.Name) || f.Name == "te" && f.Value != "trailers" {
			return ProtocolError
		}
		if f.Name == "content-length" {
			n, err := strconv.ParseInt(f.Value, 10, 64)
			if err != nil || n < 0 || x.clen >= 0 && x.clen != n {
				return ProtocolError
			}
			x.clen = n
		}
		fields = append(fields, f)
	}
	if r.Method == "" || (r.Method != "CONNECT" && (r.Target == "" || scheme == "")) {
		return ProtocolError
	}
	x.scheme, x.auth = scheme, authority
	if authority != "" && !fields.Has("host") {
		fields = append(h1.Header{{Name: "host", Value: authority}}, fields...)
	}
	r.Header = fields
	r.ContentLength = max(x.clen, 0)
	return NoError
}

func (s *ServerConn) data(now sim.Time, f *Frame) *ConnError {
	id := f.StreamID
	if id%2 == 1 && id > s.lastClient || id%2 == 0 && id > s.lastPush {
		return connErr(ProtocolError, "DATA on an idle stream")
	}
	// flow control counts the whole payload, padding included
	n := int64(f.Length)
	if n > s.recvWin {
		return connErr(FlowControlError, "DATA beyond the connection window")
	}
	s.recvWin -= n
	if n > 0 { // replenish at once: bodies are bounded per stream instead
		s.windowUpdateOut(0, n)
	}
	x := s.streams[id]
	if x == nil || x.state != stateOpen {
		s.frame = Frame{Type: FrameRSTStream, StreamID: id, ErrCode: StreamClosed}
		s.out = AppendFrame(s.out, &s.frame)
		if x != nil {
			s.closeStream(id)
		}
		return nil
	}
	if n > x.recvWin {
		s.reset(id, FlowControlError)
		return nil
	}
	x.recvWin -= n
	if len(x.body)+len(f.Data) > s.cfg.MaxBodyBytes {
		x.state = stateHalfClosedRemote
		s.respond(x, 413, nil)
		if !x.ended {
			return nil
		}
		s.reset(id, NoError) // stop the upload (RFC 9113 section 8.1)
		return nil
	}
	x.body = append(x.body, f.Data...)
	if x.clen >= 0 && int64(len(x.body)) > x.clen {
		s.reset(id, ProtocolError)
		return nil
	}
	if f.Flags.Has(FlagEndStream) {
		return s.requestDone(now, x)
	}
	if n > 0 && x.recvWin < DefaultWindow/2 {
		s.windowUpdateOut(id, DefaultWindow-x.recvWin)
		x.recvWin = DefaultWindow
	}
	return nil
}

func (s *ServerConn) windowUpdateOut(id uint32, n int64) {
	if id == 0 {
		s.recvWin += n
	}
	s.frame = Frame{Type: FrameWindowUpdate, StreamID: id, Increment: uint32(n)}
	s.out = AppendFrame(s.out, &s.frame)
}

// requestDone runs the handler on a complete request.
func (s *ServerConn) requestDone(now sim.Time, x *stream) *ConnError {
	x.state = stateHalfClosedRemote
	if x.clen >= 0 && int64(len(x.body)) != x.clen {
		s.reset(x.id, ProtocolError)
		return nil
	}
	x.req.Body = x.body
	pushed := s.promise(x)
	s.resp = h1.Response{Minor: 1, Status: 200, ContentLength: -1}
	s.h.ServeHTTP(now, &x.req, &s.resp)
	s.respond(x, s.resp.Status, &s.resp)
	for _, p := range pushed {
		s.resp = h1.Response{Minor: 1, Status: 200, ContentLength: -1}
		s.h.ServeHTTP(now, &p.req, &s.resp)
		s.respond(p, s.resp.Status, &s.resp)
	}
	return nil
}

// promise sends a PUSH_PROMISE on x's stream for each path the Push
// hook names, while the client allows pushes and has room for them, and
// returns the reserved streams, to be answered after x.
func (s *ServerConn) promise(x *stream) []*stream {
	if s.cfg.Push == nil || !s.peerPush || s.goaway || s.closing {
		return nil
	}
	paths := s.cfg.Push(&x.req)
	var pushed []*stream
	for _, path := range paths {
		if s.pushOpen >= s.peerMaxStr || s.lastPush >= MaxWindow-1 {
			break
		}
		if path == "" || path[0] != '/' || !validValue(path) || strings.ContainsAny(path, " \t") {
			continue
		}
		scheme, auth := x.scheme, x.auth
		if scheme == "" {
			scheme = "http"
		}
		if auth == "" {
			auth = x.req.Header.Get("host")
		}
		id := s.lastPush + 2
		if s.lastPush == 0 {
			id = 2
		}
		s.lastPush = id
		s.hdr = append(s.hdr[:0], h1.Field{Name: ":method", Value: "GET"}, h1.Field{Name: ":scheme", Value: scheme})
		if auth != "" {
			s.hdr = append(s.hdr, h1.Field{Name: ":authority", Value: auth})
		}
		s.hdr = append(s.hdr, h1.Field{Name: ":path", Value: path})
		s.writeBlock(FramePushPromise, x.id, id, s.hdr, false)
		p := &stream{id: id, state: stateHalfClosedRemote, sendWin: s.peerInitWin, clen: -1, scheme: scheme, auth: auth}
		p.req = h1.Request{Minor: 1, Method: "GET", Target: path}
		if auth != "" {
			p.req.Header = h1.Header{{Name: "host", Value: auth}}
		}
		s.streams[id] = p
		s.pushOpen++
		pushed = append(pushed, p)
	}
	return pushed
}

// respond writes a response's HEADERS and queues its body.
func (s *ServerConn) respond(x *stream, status int, r *h1.Response) {
	s.served++
	noBody := x.req.Method == "HEAD" || status == 204 || status == 304
	var body []byte
	s.hdr = append(s.hdr[:0], h1.Field{Name: ":status", Value: strconv.Itoa(status)})
	hasLen := false
	if r != nil {
		body = r.Body
		for _, f := range r.Header {
			name := lower(f.Name)
			if connSpecific(name) {
				continue
			}
			hasLen = hasLen || name == "content-length"
			s.hdr = append(s.hdr, h1.Field{Name: name, Value: f.Value})
		}
	}
	if !hasLen && status != 204 && status != 304 {
		s.hdr = append(s.hdr, h1.Field{Name: "content-length", Value: strconv.Itoa(len(body))})
	}
	if noBody {
		body = nil
	}
	s.writeHeaders(x.id, s.hdr, len(body) == 0)
	x.replied = true
	if len(body) == 0 {
		x.ended = true
		s.closeStream(x.id)
		return
	}
	x.out = append(x.out[:0], body...) // the handler's body is valid only during its call
	s.order = append(s.order, x.id)
	s.flush()
}

func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// writeHeaders encodes fields and writes HEADERS and CONTINUATIONs no
// larger than the peer's frame size.
func (s *ServerConn) writeHeaders(id uint32, fields h1.Header, end bool) {
	s.writeBlock(FrameHeaders, id, 0, fields, end)
}

// writeBlock writes a header block as HEADERS (or PUSH_PROMISE of
// promised) and CONTINUATIONs no larger than the peer's frame size.
func (s *ServerConn) writeBlock(typ FrameType, id, promised uint32, fields h1.Header, end bool) {
	if typ == FramePushPromise {
		enc := s.enc.Encode(nil, fields)
		fl := Flags(0)
		room := s.peerMaxFrame - 4
		k := min(len(enc), room)
		if k == len(enc) {
			fl = FlagEndHeaders
		}
		s.frame = Frame{Type: FramePushPromise, Flags: fl, StreamID: id, PromisedID: promised, Data: enc[:k]}
		s.out = AppendFrame(s.out, &s.frame)
		for enc = enc[k:]; len(enc) > 0; {
			k = min(len(enc), s.peerMaxFrame)
			fl = 0
			if k == len(enc) {
				fl = FlagEndHeaders
			}
			s.frame = Frame{Type: FrameContinuation, Flags: fl, StreamID: id, Data: enc[:k]}
			s.out = AppendFrame(s.out, &s.frame)
			enc = enc[k:]
		}
		return
	}
	start := len(s.out)
	s.out = s.enc.Encode(s.out, fields)
	block := len(s.out) - start
	if block <= s.peerMaxFrame { // common case: one frame, header inserted in place
		s.out = append(s.out, make([]byte, FrameHeaderLen)...)
		copy(s.out[start+FrameHeaderLen:], s.out[start:start+block])
		fl := FlagEndHeaders
		if end {
			fl |= FlagEndStream
		}
		putFrameHeader(s.out[start:], block, FrameHeaders, fl, id)
		return
	}
	enc := append([]byte(nil), s.out[start:]...)
	s.out = s.out[:start]
	typ, fl := FrameHeaders, Flags(0)
	if end {
		fl = FlagEndStream
	}
	for len(enc) > 0 {
		k := min(len(enc), s.peerMaxFrame)
		if k == len(enc) {
			fl |= FlagEndHeaders
		}
		s.frame = Frame{Type: typ, Flags: fl, StreamID: id, Data: enc[:k]}
		s.out = AppendFrame(s.out, &s.frame)
		enc = enc[k:]
		typ, fl = FrameContinuation, 0
	}
}

func putFrameHeader(b []byte, n int, t FrameType, fl Flags, id uint32) {
	b[0], b[1], b[2], b[3], b[4] = byte(n>>16), byte(n>>8), byte(n), byte(t), byte(fl)
	binary.BigEndian.PutUint32(b[5:], id)
}
