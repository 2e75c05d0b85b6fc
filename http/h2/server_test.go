package h2

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/sim"
)

// peer is a client written with the package's own codec, to drive the
// server engine frame by frame.
type peer struct {
	t   *testing.T
	s   *ServerConn
	enc *Encoder
	dec *Decoder
}

func newPeer(t *testing.T, cfg ServerConfig, settings ...Setting) *peer {
	p := &peer{t: t, s: NewServerConn(0, cfg, judgeHandler), enc: NewEncoder(4096), dec: NewDecoder(4096)}
	b := []byte(Preface)
	b = AppendFrame(b, &Frame{Type: FrameSettings, Data: AppendSettings(nil, settings...)})
	p.s.Receive(0, b)
	fs := p.read()
	if len(fs) != 2 || fs[0].Type != FrameSettings || fs[0].Flags != 0 || fs[1].Type != FrameSettings || fs[1].Flags != FlagAck {
		t.Fatalf("handshake: %v", fs)
	}
	return p
}

func (p *peer) send(fs ...Frame) {
	var b []byte
	for i := range fs {
		b = AppendFrame(b, &fs[i])
	}
	for len(b) > 0 {
		k := p.s.Receive(0, b[:min(len(b), p.s.Room())])
		b = b[k:]
		if k == 0 {
			p.t.Fatal("engine takes no input")
		}
	}
}

// read parses all the engine's output, consuming it until no more comes
// (the scheduler writes DATA a little at a time, as output is sent).
func (p *peer) read() []Frame {
	var out []byte
	for len(p.s.Output()) > 0 {
		out = append(out, p.s.Output()...)
		p.s.Consume(len(p.s.Output()))
	}
	var fs []Frame
	for len(out) > 0 {
		f, n, err := ParseFrame(out, MaxFrameSizeLimit)
		if err != nil || n == 0 {
			p.t.Fatalf("server output: %v (n=%d)", err, n)
		}
		f.Data = append([]byte(nil), f.Data...)
		fs = append(fs, f)
		out = out[n:]
	}
	return fs
}

func (p *peer) headers(id uint32, end bool, kv ...string) Frame {
	fl := FlagEndHeaders
	if end {
		fl |= FlagEndStream
	}
	return Frame{Type: FrameHeaders, StreamID: id, Flags: fl, Data: p.enc.Encode(nil, hf(kv...))}
}

func (p *peer) get(id uint32, path string) Frame {
	return p.headers(id, true, ":method", "GET", ":scheme", "http", ":path", path, ":authority", "www.example.com")
}

func (p *peer) expectGoAway(code ErrCode) {
	p.t.Helper()
	fs := p.read()
	if len(fs) == 0 || fs[len(fs)-1].Type != FrameGoAway || fs[len(fs)-1].ErrCode != code {
		p.t.Fatalf("want GOAWAY %v, got %v", code, fs)
	}
	if !p.s.Done() {
		p.t.Fatal("not done after GOAWAY")
	}
}

func (p *peer) expectRST(id uint32, code ErrCode) {
	p.t.Helper()
	for _, f := range p.read() {
		if f.Type == FrameRSTStream && f.StreamID == id && f.ErrCode == code {
			return
		}
		if f.Type == FrameGoAway {
			p.t.Fatalf("GOAWAY %v instead of RST_STREAM %v", f.ErrCode, code)
		}
	}
	p.t.Fatalf("no RST_STREAM %v on %d", code, id)
}

// response collects a stream's response from frames.
func (p *peer) response(fs []Frame, id uint32) (h1.Header, []byte, bool) {
	var hdr h1.Header
	var body []byte
	ended := false
	for _, f := range fs {
		if f.StreamID != id {
			continue
		}
		switch f.Type {
		case FrameHeaders:
			var err error
			if hdr, err = p.dec.Decode(nil, f.Data); err != nil {
				p.t.Fatal(err)
			}
		case FrameData:
			body = append(body, f.Data...)
		}
		ended = ended || f.Flags.Has(FlagEndStream) && (f.Type == FrameData || f.Type == FrameHeaders)
	}
	return hdr, body, ended
}

func TestServerExchange(t *testing.T) {
	p := newPeer(t, ServerConfig{})
	p.send(Frame{Type: FramePing, Data: []byte("pingpong")}, p.get(1, "/a"), p.get(3, "/big/40000"))
	fs := p.read()
	if fs[0].Type != FramePing || !fs[0].Flags.Has(FlagAck) || string(fs[0].Data) != "pingpong" {
		t.Fatalf("PING ack: %+v", fs[0])
	}
	hdr, body, ended := p.response(fs, 1)
	if hdr.Get(":status") != "200" || !strings.HasPrefix(string(body), "GET /a www.example.com 0 ") || !ended {
		t.Fatalf("stream 1: %v %q %v", hdr, body, ended)
	}
	hdr, body, ended = p.response(fs, 3)
	if hdr.Get("content-length") != "40000" || !bytes.Equal(body, bigBody(40000)) || !ended {
		t.Fatalf("stream 3: %v %d %v", hdr, len(body), ended)
	}
	if p.s.Streams() != 0 || p.s.Served() != 2 {
		t.Fatalf("streams %d served %d", p.s.Streams(), p.s.Served())
	}
	p.s.Shutdown(0)
	fs = p.read()
	if len(fs) != 1 || fs[0].Type != FrameGoAway || fs[0].LastStreamID != 3 || fs[0].ErrCode != NoError || !p.s.Done() {
		t.Fatalf("shutdown: %+v done=%v", fs, p.s.Done())
	}
}

// TestServerFlowControl: the response waits for the peer's windows.
func TestServerFlowControl(t *testing.T) {
	p := newPeer(t, ServerConfig{}, Setting{SettingInitialWindowSize, 10})
	p.send(p.get(1, "/big/100"))
	_, body, ended := p.response(p.read(), 1)
	if len(body) != 10 || ended {
		t.Fatalf("first window: %d bytes, ended %v", len(body), ended)
	}
	p.send(Frame{Type: FrameWindowUpdate, StreamID: 1, Increment: 50})
	_, body, _ = p.response(p.read(), 1)
	if len(body) != 50 {
		t.Fatalf("after update: %d", len(body))
	}
	// a SETTINGS change of the initial window moves open streams' windows
	p.send(Frame{Type: FrameSettings, Data: AppendSettings(nil, Setting{SettingInitialWindowSize, 1000})})
	_, body, ended = p.response(p.read(), 1)
	if len(body) != 40 || !ended {
		t.Fatalf("after settings: %d %v", len(body), ended)
	}
	// the connection window: 65535 - 100 left; a big response stops there
	p.send(Frame{Type: FrameSettings, Data: AppendSettings(nil, Setting{SettingInitialWindowSize, 1 << 20})}, p.get(3, "/big/100000"))
	_, body, _ = p.response(p.read(), 3)
	if len(body) != DefaultWindow-100 {
		t.Fatalf("connection window: %d", len(body))
	}
	p.send(Frame{Type: FrameWindowUpdate, Increment: 1 << 20})
	_, body, ended = p.response(p.read(), 3)
	if len(body) != 100000-(DefaultWindow-100) || !ended {
		t.Fatalf("rest: %d %v", len(body), ended)
	}
}

func TestServerRequestBody(t *testing.T) {
	p := newPeer(t, ServerConfig{})
	p.send(p.headers(1, false, ":method", "POST", ":scheme", "http", ":path", "/p", ":authority", "h", "content-length", "5"),
		Frame{Type: FrameData, StreamID: 1, Flags: FlagPadded, PadLen: 10, Data: []byte("ab")},
		Frame{Type: FrameData, StreamID: 1, Flags: FlagEndStream, Data: []byte("cde")})
	fs := p.read()
	_, body, _ := p.response(fs, 1)
	if !strings.HasPrefix(string(body), "POST /p h 5 ") {
		t.Fatalf("%q", body)
	}
	// content-length mismatch is malformed
	p.send(p.headers(3, false, ":method", "POST", ":scheme", "http", ":path", "/p", "content-length", "5"),
		Frame{Type: FrameData, StreamID: 3, Flags: FlagEndStream, Data: []byte("abc")})
	p.expectRST(3, ProtocolError)
	// trailers
	p.send(p.headers(5, false, ":method", "POST", ":scheme", "http", ":path", "/t"),
		Frame{Type: FrameData, StreamID: 5, Data: []byte("xyz")},
		p.headers(5, true, "x-sum", "1"))
	_, body, ended := p.response(p.read(), 5)
	if !strings.HasPrefix(string(body), "POST /t  3 ") || !ended {
		t.Fatalf("trailers: %q", body)
	}
}

func TestServerStreamErrors(t *testing.T) {
	get := []string{":method", "GET", ":scheme", "http", ":path", "/"}
	for _, tc := range []struct {
		name string
		kv   []string
	}{
		{"uppercase", append(get, "X-Up", "1")},
		{"connection field", append(get, "connection", "keep-alive")},
		{"te", append(get, "te", "gzip")},
		{"no path", []string{":method", "GET", ":scheme", "http"}},
		{"unknown pseudo", append(get, ":foo", "x")},
		{"pseudo after regular", []string{":method", "GET", ":scheme", "http", "a", "b", ":path", "/"}},
		{"duplicate pseudo", append(get, ":path", "/x")},
	} {
		p := newPeer(t, ServerConfig{})
		p.send(p.headers(1, true, tc.kv...))
		t.Run(tc.name, func(t *testing.T) { p.t = t; p.expectRST(1, ProtocolError) })
	}
}

func TestServerConnErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(p *peer)
		code ErrCode
	}{
		{"DATA on idle stream", func(p *peer) { p.send(Frame{Type: FrameData, StreamID: 1, Data: []byte("x")}) }, ProtocolError},
		{"even stream", func(p *peer) { p.send(p.get(2, "/")) }, ProtocolError},
		{"HEADERS on closed stream", func(p *peer) { p.send(p.get(1, "/"), p.get(1, "/")) }, StreamClosed},
		{"lower stream id", func(p *peer) { p.send(p.get(5, "/"), p.get(3, "/")) }, ProtocolError},
		{"no CONTINUATION", func(p *peer) {
			p.send(Frame{Type: FrameHeaders, StreamID: 1, Data: []byte{0x82}}, Frame{Type: FramePing, Data: make([]byte, 8)})
		}, ProtocolError},
		{"CONTINUATION alone", func(p *peer) { p.send(Frame{Type: FrameContinuation, StreamID: 1, Data: []byte{0x82}}) }, ProtocolError},
		{"CONTINUATION flood", func(p *peer) {
			p.send(Frame{Type: FrameHeaders, StreamID: 1, Data: []byte{0x82}})
			for i := 0; i < 100 && !p.s.Done(); i++ {
				p.send(Frame{Type: FrameContinuation, StreamID: 1, Data: make([]byte, 1000)})
			}
		}, EnhanceYourCalm},
		{"HPACK garbage", func(p *peer) {
			p.send(Frame{Type: FrameHeaders, StreamID: 1, Flags: FlagEndHeaders, Data: []byte{0x80}})
		}, CompressionError},
		{"window overflow", func(p *peer) { p.send(Frame{Type: FrameWindowUpdate, Increment: MaxWindow}) }, FlowControlError},
		{"connection window exceeded", func(p *peer) {
			p.send(p.headers(1, false, ":method", "POST", ":scheme", "http", ":path", "/"))
			// the server replenishes at once, so overrun with one frame past the window
			p.s.recvWin = 10
			p.send(Frame{Type: FrameData, StreamID: 1, Data: make([]byte, 11)})
		}, FlowControlError},
		{"PUSH_PROMISE from client", func(p *peer) {
			p.send(Frame{Type: FramePushPromise, StreamID: 1, PromisedID: 2, Flags: FlagEndHeaders})
		}, ProtocolError},
		{"RST_STREAM on idle", func(p *peer) { p.send(Frame{Type: FrameRSTStream, StreamID: 1}) }, ProtocolError},
		{"bad SETTINGS", func(p *peer) {
			p.send(Frame{Type: FrameSettings, Data: AppendSettings(nil, Setting{SettingEnablePush, 2})})
		}, ProtocolError},
		{"frame too large", func(p *peer) { p.send(Frame{Type: FramePing, Data: make([]byte, 16385)}) }, FrameSizeError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeer(t, ServerConfig{})
			tc.run(p)
			p.expectGoAway(tc.code)
		})
	}
	// preface and first frame
	s := NewServerConn(0, ServerConfig{}, judgeHandler)
	s.Receive(0, []byte("GET / HTTP/1.1\r\n\r\n"))
	if !bytes.Contains(s.Output(), []byte("bad client preface")) {
		t.Fatal("HTTP/1 on an h2 connection not refused")
	}
	if s.Consume(len(s.Output())); !s.Done() {
		t.Fatal("HTTP/1 on an h2 connection not refused")
	}
	s = NewServerConn(0, ServerConfig{}, judgeHandler)
	s.Receive(0, AppendFrame([]byte(Preface), &Frame{Type: FramePing, Data: make([]byte, 8)}))
	if s.Consume(len(s.Output())); !s.Done() {
		t.Fatal("PING before SETTINGS accepted")
	}
}

func TestServerLimits(t *testing.T) {
	// concurrent streams: the third open stream is refused
	p := newPeer(t, ServerConfig{MaxConcurrentStreams: 2})
	post := []string{":method", "POST", ":scheme", "http", ":path", "/"}
	p.send(p.headers(1, false, post...), p.headers(3, false, post...), p.headers(5, false, post...))
	p.expectRST(5, RefusedStream)
	// the stream window: more DATA than it allows
	p.send(Frame{Type: FrameData, StreamID: 1, Data: make([]byte, 16384)},
		Frame{Type: FrameData, StreamID: 1, Data: make([]byte, 16384)},
		Frame{Type: FrameData, StreamID: 1, Data: make([]byte, 16384)},
		Frame{Type: FrameData, StreamID: 1, Data: make([]byte, 16384)})
	// three frames use 49152; the server tops the stream up past half
	fs := p.read()
	for _, f := range fs {
		if f.Type == FrameRSTStream {
			t.Fatalf("stream reset within its window: %v", fs)
		}
	}
	// DATA on a half-closed (remote) stream: STREAM_CLOSED
	p.send(Frame{Type: FrameData, StreamID: 3, Flags: FlagEndStream}, Frame{Type: FrameData, StreamID: 3, Data: []byte("x")})
	p.expectRST(3, StreamClosed)
	// header list too large: 431, the connection goes on
	p = newPeer(t, ServerConfig{MaxHeaderListSize: 200})
	p.send(p.headers(1, true, ":method", "GET", ":scheme", "http", ":path", "/", "x-big", strings.Repeat("x", 300)))
	hdr, _, ended := p.response(p.read(), 1)
	if hdr.Get(":status") != "431" || !ended {
		t.Fatalf("431: %v", hdr)
	}
	p.send(p.get(3, "/ok"))
	if hdr, _, _ := p.response(p.read(), 3); hdr.Get(":status") != "200" {
		t.Fatal("connection did not go on after 431")
	}
	// body limit: 413
	p = newPeer(t, ServerConfig{MaxBodyBytes: 100})
	p.send(p.headers(1, false, post...), Frame{Type: FrameData, StreamID: 1, Data: make([]byte, 200)})
	if hdr, _, _ := p.response(p.read(), 1); hdr.Get(":status") != "413" {
		t.Fatalf("413: %v", hdr)
	}
	// idle timeout: GOAWAY NO_ERROR
	p = newPeer(t, ServerConfig{IdleTimeout: time.Second})
	if d := p.s.NextDeadline(); d != sim.Time(0).Add(time.Second) {
		t.Fatalf("deadline %v", d)
	}
	p.s.Advance(sim.Time(0).Add(time.Second))
	p.expectGoAway(NoError)
}
