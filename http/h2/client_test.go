package h2

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/sim"
)

// cresult is what the events said about one stream.
type cresult struct {
	status    int
	header    h1.Header
	body      []byte
	trailer   h1.Header
	done      bool
	reset     bool
	code      ErrCode
	retryable bool
	err       error
	promised  []uint32 // PUSH_PROMISEs on this stream
}

// collect folds events into per-stream results; connection events go
// to conn.
func collect(res map[uint32]*cresult, conn *[]ClientEvent, evs []ClientEvent) {
	for _, e := range evs {
		if e.StreamID == 0 {
			*conn = append(*conn, e)
			continue
		}
		r := res[e.StreamID]
		if r == nil {
			r = &cresult{}
			res[e.StreamID] = r
		}
		switch e.Kind {
		case ClientHead:
			r.status, r.header = e.Status, e.Header
		case ClientData:
			r.body = append(r.body, e.Data...)
		case ClientDone:
			r.done, r.trailer = true, e.Trailer
		case ClientReset:
			r.reset, r.code, r.retryable, r.err = true, e.Code, e.Retryable, e.Err
		case ClientPushPromise:
			r.promised = append(r.promised, e.PromisedID)
		}
	}
}

// link pipes bytes between a client and the package's server engine
// until neither has anything to say; it checks the client's bounds on
// the way.
type link struct {
	t         *testing.T
	c         *ClientConn
	s         *ServerConn
	res       map[uint32]*cresult
	conn      []ClientEvent
	all       []ClientEvent // every event, in order
	maxActive int
}

func newLink(t *testing.T, ccfg ClientConfig, scfg ServerConfig) *link {
	return &link{t: t, c: NewClientConn(ccfg), s: NewServerConn(0, scfg, judgeHandler), res: map[uint32]*cresult{}}
}

func (l *link) run() {
	l.t.Helper()
	for i := 0; ; i++ {
		if i > 1_000_000 {
			l.t.Fatal("no quiescence")
		}
		progress := false
		if out := l.c.Output(); len(out) > 0 && l.s.Room() > 0 {
			k := l.s.Receive(0, out[:min(len(out), l.s.Room())])
			l.c.Consume(k)
			progress = k > 0
		}
		if out := l.s.Output(); len(out) > 0 {
			b := append([]byte(nil), out...)
			l.s.Consume(len(b))
			l.c.Receive(0, b)
			progress = true
		}
		l.maxActive = max(l.maxActive, l.c.Active())
		evs := l.c.Events(nil)
		l.all = append(l.all, evs...)
		collect(l.res, &l.conn, evs)
		if !progress {
			return
		}
	}
}

func (l *link) send(req Request) uint32 {
	l.t.Helper()
	id, err := l.c.Send(0, req)
	if err != nil {
		l.t.Fatalf("Send %s %s: %v", req.Method, req.Path, err)
	}
	return id
}

func get(path string) Request {
	return Request{Method: "GET", Scheme: "http", Authority: "www.example.com", Path: path}
}

func TestClientAgainstServer(t *testing.T) {
	cases := []struct {
		name string
		ccfg ClientConfig
	}{
		{"defaults", ClientConfig{}},
		{"small receive windows", ClientConfig{InitialWindowSize: 20000, ConnWindow: DefaultWindow}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLink(t, tc.ccfg, ServerConfig{})
			sizes := []int{0, 1, 1000, 70_000, 300_000, 1 << 20}
			ids := map[uint32]int{}
			for _, n := range sizes {
				ids[l.send(get(fmt.Sprintf("/big/%d", n)))] = n
			}
			post := bigBody(200_000) // above the 65535 initial windows
			pid := l.send(Request{Method: "POST", Authority: "www.example.com", Path: "/upload",
				Header: hf("x-test", "hello", "content-type", "application/octet-stream"), Body: post})
			eid := l.send(Request{Method: "DELETE", Authority: "www.example.com", Path: "/empty"})
			l.run()
			for id, n := range ids {
				r := l.res[id]
				if r == nil || !r.done || r.status != 200 {
					t.Fatalf("stream %d (/big/%d): %+v", id, n, r)
				}
				if sha256.Sum256(r.body) != sha256.Sum256(bigBody(n)) {
					t.Errorf("/big/%d: body of %d bytes differs", n, len(r.body))
				}
				if r.header.Get("content-length") != fmt.Sprint(n) || r.header.Get("x-method") != "GET" {
					t.Errorf("/big/%d: header %v", n, r.header)
				}
			}
			sum := sha256.Sum256(post)
			want := fmt.Sprintf("POST /upload www.example.com %d %x|hello", len(post), sum[:8])
			if r := l.res[pid]; r == nil || !r.done || string(r.body) != want {
				t.Errorf("POST: %+v, want body %q", r, want)
			}
			if r := l.res[eid]; r == nil || !r.done || r.status != 204 || len(r.body) != 0 {
				t.Errorf("DELETE: %+v", r)
			}
			if l.c.Active() != 0 || l.s.Streams() != 0 || len(l.conn) != 0 {
				t.Errorf("after: %d client streams, %d server streams, conn events %v", l.c.Active(), l.s.Streams(), l.conn)
			}
		})
	}
}

// TestClientQueue: more requests than the server's
// SETTINGS_MAX_CONCURRENT_STREAMS wait and all complete, none refused.
func TestClientQueue(t *testing.T) {
	l := newLink(t, ClientConfig{}, ServerConfig{MaxConcurrentStreams: 3})
	l.run() // SETTINGS exchange: the client learns the limit
	const n = 25
	var ids []uint32
	for i := 0; i < n; i++ {
		ids = append(ids, l.send(get(fmt.Sprintf("/big/%d", 50_000+i))))
	}
	if l.c.Active() != 3 || l.c.Queued() != n-3 {
		t.Fatalf("active %d queued %d", l.c.Active(), l.c.Queued())
	}
	l.run()
	if l.maxActive > 3 {
		t.Errorf("%d streams at once, limit 3", l.maxActive)
	}
	for i, id := range ids {
		if id != uint32(2*i+1) {
			t.Errorf("stream id %d, want %d", id, 2*i+1)
		}
		r := l.res[id]
		if r == nil || !r.done || !bytes.Equal(r.body, bigBody(50_000+i)) {
			t.Errorf("stream %d: %+v", id, r)
		}
	}
}

// TestClientLargeHeaders: a header block above the server's frame size
// goes out as HEADERS + CONTINUATION.
func TestClientLargeHeaders(t *testing.T) {
	l := newLink(t, ClientConfig{}, ServerConfig{MaxHeaderListSize: 128 << 10})
	var sb strings.Builder
	for i := 0; sb.Len() < 40000; i++ {
		sb.WriteString(fmt.Sprintf("%x-", i*2654435761%1000003))
	}
	id := l.send(Request{Method: "GET", Authority: "h", Path: "/x", Header: hf("x-test", sb.String())})
	fs := parseFrames(t, l.c.Output()[len(Preface):])
	cont := 0
	for _, f := range fs {
		if f.Type == FrameContinuation {
			cont++
		}
	}
	if cont == 0 {
		t.Errorf("no CONTINUATION in %v", fs)
	}
	l.run()
	if r := l.res[id]; r == nil || !r.done || !strings.HasSuffix(string(r.body), "|"+sb.String()) {
		t.Errorf("response %+v", r)
	}
}

func TestClientSendErrors(t *testing.T) {
	cases := []Request{
		{Method: "", Path: "/"},
		{Method: "GET", Path: "x"},
		{Method: "GET", Path: "/", Header: hf("connection", "close")},
		{Method: "GET", Path: "/", Header: hf("keep-alive", "5")},
		{Method: "GET", Path: "/", Header: hf("transfer-encoding", "chunked")},
		{Method: "GET", Path: "/", Header: hf("upgrade", "h2c")},
		{Method: "GET", Path: "/", Header: hf("te", "gzip")},
		{Method: "GET", Path: "/", Header: hf("X-Upper", "1")},
		{Method: "GET", Path: "/", Header: hf(":path", "/")},
		{Method: "GET", Path: "/", Header: hf("x", "a\r\nb")},
		{Method: "POST", Path: "/", Header: hf("content-length", "3"), Body: []byte("ab")},
	}
	c := NewClientConn(ClientConfig{})
	for _, r := range cases {
		if _, err := c.Send(0, r); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%+v: %v, want ErrBadRequest", r, err)
		}
	}
	if _, err := c.Send(0, Request{Method: "GET", Path: "/", Header: hf("te", "trailers")}); err != nil {
		t.Error(err)
	}
}

// fake is a hand-written server: frames in, the client's frames out.
type fake struct {
	t   *testing.T
	c   *ClientConn
	enc *Encoder
	res map[uint32]*cresult
	ce  []ClientEvent
}

func parseFrames(t *testing.T, b []byte) []Frame {
	t.Helper()
	var fs []Frame
	for len(b) > 0 {
		f, n, err := ParseFrame(b, MaxFrameSizeLimit)
		if err != nil || n == 0 {
			t.Fatalf("client output: %v (n=%d)", err, n)
		}
		f.Data = append([]byte(nil), f.Data...)
		fs = append(fs, f)
		b = b[n:]
	}
	return fs
}

func newFake(t *testing.T, cfg ClientConfig, settings ...Setting) *fake {
	t.Helper()
	x := &fake{t: t, c: NewClientConn(cfg), enc: NewEncoder(4096), res: map[uint32]*cresult{}}
	out := x.c.Output()
	if !bytes.HasPrefix(out, []byte(Preface)) {
		t.Fatal("no preface")
	}
	fs := parseFrames(t, out[len(Preface):])
	if len(fs) != 2 || fs[0].Type != FrameSettings || fs[1].Type != FrameWindowUpdate || fs[1].Increment != 15<<20-DefaultWindow {
		t.Fatalf("client preface frames %v", fs)
	}
	x.c.Consume(len(out))
	x.send(Frame{Type: FrameSettings, Data: AppendSettings(nil, settings...)}, Frame{Type: FrameSettings, Flags: FlagAck})
	if fs := x.read(); len(fs) != 1 || fs[0].Type != FrameSettings || fs[0].Flags != FlagAck {
		t.Fatalf("want SETTINGS ACK, got %v", fs)
	}
	return x
}

func (x *fake) send(fs ...Frame) {
	var b []byte
	for i := range fs {
		b = AppendFrame(b, &fs[i])
	}
	x.c.Receive(0, b)
	collect(x.res, &x.ce, x.c.Events(nil))
}

func (x *fake) read() []Frame {
	out := x.c.Output()
	fs := parseFrames(x.t, out)
	x.c.Consume(len(out))
	return fs
}

func (x *fake) head(id uint32, end bool, kv ...string) Frame {
	fl := FlagEndHeaders
	if end {
		fl |= FlagEndStream
	}
	return Frame{Type: FrameHeaders, StreamID: id, Flags: fl, Data: x.enc.Encode(nil, hf(kv...))}
}

func TestClientConnErrors(t *testing.T) {
	cases := []struct {
		name   string
		cfg    ClientConfig
		frames func(x *fake) []Frame
		raw    []byte
		code   ErrCode
	}{
		{name: "DATA on stream 0", raw: raw(1, FrameData, 0, 0, 'x'), code: ProtocolError},
		{name: "HEADERS on an even stream never opened", frames: func(x *fake) []Frame {
			return []Frame{x.head(2, true, ":status", "200")}
		}, code: ProtocolError},
		{name: "HEADERS on an idle odd stream", frames: func(x *fake) []Frame {
			return []Frame{x.head(5, true, ":status", "200")}
		}, code: ProtocolError},
		{name: "frame above SETTINGS_MAX_FRAME_SIZE", raw: raw(DefaultMaxFrameSize+1, FrameData, 0, 1, make([]byte, DefaultMaxFrameSize+1)...), code: FrameSizeError},
		{name: "PUSH_PROMISE with push disabled", frames: func(x *fake) []Frame {
			return []Frame{{Type: FramePushPromise, StreamID: 1, Flags: FlagEndHeaders, PromisedID: 2, Data: x.enc.Encode(nil, hf(":method", "GET", ":scheme", "http", ":path", "/p", ":authority", "h"))}}
		}, code: ProtocolError},
		{name: "PUSH_PROMISE on a stream the client did not open", cfg: ClientConfig{EnablePush: true}, frames: func(x *fake) []Frame {
			return []Frame{{Type: FramePushPromise, StreamID: 3, Flags: FlagEndHeaders, PromisedID: 2, Data: x.enc.Encode(nil, hf(":method", "GET", ":scheme", "http", ":path", "/p", ":authority", "h"))}}
		}, code: ProtocolError},
		{name: "PUSH_PROMISE on an even stream", cfg: ClientConfig{EnablePush: true}, frames: func(x *fake) []Frame {
			return []Frame{{Type: FramePushPromise, StreamID: 2, Flags: FlagEndHeaders, PromisedID: 4, Data: x.enc.Encode(nil, hf(":method", "GET", ":scheme", "http", ":path", "/p", ":authority", "h"))}}
		}, code: ProtocolError},
		{name: "PUSH_PROMISE of an odd stream", cfg: ClientConfig{EnablePush: true}, frames: func(x *fake) []Frame {
			return []Frame{{Type: FramePushPromise, StreamID: 1, Flags: FlagEndHeaders, PromisedID: 3, Data: x.enc.Encode(nil, hf(":method", "GET", ":scheme", "http", ":path", "/p", ":authority", "h"))}}
		}, code: ProtocolError},
		{name: "PUSH_PROMISE of a decreasing stream id", cfg: ClientConfig{EnablePush: true}, frames: func(x *fake) []Frame {
			return []Frame{
				{Type: FramePushPromise, StreamID: 1, Flags: FlagEndHeaders, PromisedID: 4, Data: x.enc.Encode(nil, hf(":method", "GET", ":scheme", "http", ":path", "/p", ":authority", "h"))},
				{Type: FramePushPromise, StreamID: 1, Flags: FlagEndHeaders, PromisedID: 2, Data: x.enc.Encode(nil, hf(":method", "GET", ":scheme", "http", ":path", "/q", ":authority", "h"))},
			}
		}, code: ProtocolError},
		{name: "PUSH_PROMISE reusing a promised stream id", cfg: ClientConfig{EnablePush: true}, frames: func(x *fake) []Frame {
			return []Frame{
				{Type: FramePushPromise, StreamID: 1, Flags: FlagEndHeaders, PromisedID: 2, Data: x.enc.Encode(nil, hf(":method", "GET", ":scheme", "http", ":path", "/p", ":authority", "h"))},
				{Type: FramePushPromise, StreamID: 1, Flags: FlagEndHeaders, PromisedID: 2, Data: x.enc.Encode(nil, hf(":method", "GET", ":scheme", "http", ":path", "/q", ":authority", "h"))},
			}
		}, code: ProtocolError},
		{name: "HEADERS on an even stream never promised", cfg: ClientConfig{EnablePush: true}, frames: func(x *fake) []Frame {
			return []Frame{x.head(2, true, ":status", "200")}
		}, code: ProtocolError},
		{name: "HPACK error", frames: func(x *fake) []Frame {
			return []Frame{{Type: FrameHeaders, StreamID: 1, Flags: FlagEndHeaders, Data: []byte{0xff, 0xff, 0x7f}}}
		}, code: CompressionError},
		{name: "CONTINUATION without HEADERS", frames: func(x *fake) []Frame {
			return []Frame{{Type: FrameContinuation, StreamID: 1, Flags: FlagEndHeaders}}
		}, code: ProtocolError},
		{name: "frame inside a header block", frames: func(x *fake) []Frame {
			return []Frame{{Type: FrameHeaders, StreamID: 1, Data: x.enc.Encode(nil, hf(":status", "200"))}, {Type: FramePing, Data: make([]byte, 8)}}
		}, code: ProtocolError},
		{name: "CONTINUATION flood", frames: func(x *fake) []Frame {
			fs := []Frame{{Type: FrameHeaders, StreamID: 1, Data: x.enc.Encode(nil, hf(":status", "200"))}}
			for i := 0; i < 200; i++ {
				fs = append(fs, Frame{Type: FrameContinuation, StreamID: 1})
			}
			return fs
		}, code: EnhanceYourCalm},
		{name: "SETTINGS_ENABLE_PUSH 1 from a server", frames: func(x *fake) []Frame {
			return []Frame{{Type: FrameSettings, Data: AppendSettings(nil, Setting{SettingEnablePush, 1})}}
		}, code: ProtocolError},
		{name: "connection window overflow", frames: func(x *fake) []Frame {
			return []Frame{{Type: FrameWindowUpdate, Increment: MaxWindow}}
		}, code: FlowControlError},
		{name: "RST_STREAM on an idle stream", frames: func(x *fake) []Frame {
			return []Frame{{Type: FrameRSTStream, StreamID: 7, ErrCode: Cancel}}
		}, code: ProtocolError},
		{name: "DATA on an idle stream", frames: func(x *fake) []Frame {
			return []Frame{{Type: FrameData, StreamID: 9, Data: []byte("x")}}
		}, code: ProtocolError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := newFake(t, tc.cfg)
			if _, err := x.c.Send(0, get("/")); err != nil {
				t.Fatal(err)
			}
			x.read()
			if tc.raw != nil {
				x.c.Receive(0, tc.raw)
				collect(x.res, &x.ce, x.c.Events(nil))
			} else {
				x.send(tc.frames(x)...)
			}
			if len(x.ce) != 1 || x.ce[0].Kind != ClientConnError || x.ce[0].Code != tc.code {
				t.Fatalf("connection events %+v, want a %v error", x.ce, tc.code)
			}
			if r := x.res[1]; r == nil || !r.reset || r.retryable {
				t.Errorf("stream 1: %+v, want reset, not retryable", r)
			}
			fs := x.read()
			if len(fs) == 0 || fs[len(fs)-1].Type != FrameGoAway || fs[len(fs)-1].ErrCode != tc.code {
				t.Fatalf("output %v, want GOAWAY %v", fs, tc.code)
			}
			if !x.c.Done() {
				t.Error("not Done")
			}
			if _, err := x.c.Send(0, get("/")); err != ErrConnClosed {
				t.Errorf("Send after the error: %v", err)
			}
		})
	}
}

func TestClientPrefaceNotSettings(t *testing.T) {
	c := NewClientConn(ClientConfig{})
	c.Consume(len(c.Output()))
	c.Receive(0, AppendFrame(nil, &Frame{Type: FramePing, Data: make([]byte, 8)}))
	ev := c.Events(nil)
	if len(ev) != 1 || ev[0].Code != ProtocolError {
		t.Fatalf("events %+v", ev)
	}
}

func TestClientStreamEvents(t *testing.T) {
	t.Run("refused stream is retryable", func(t *testing.T) {
		x := newFake(t, ClientConfig{})
		x.c.Send(0, get("/"))
		x.send(Frame{Type: FrameRSTStream, StreamID: 1, ErrCode: RefusedStream})
		if r := x.res[1]; r == nil || !r.reset || !r.retryable || r.code != RefusedStream {
			t.Errorf("%+v", r)
		}
	})
	t.Run("response without :status", func(t *testing.T) {
		x := newFake(t, ClientConfig{})
		x.c.Send(0, get("/"))
		x.read()
		x.send(x.head(1, true, "content-type", "text/plain"))
		if r := x.res[1]; r == nil || !r.reset || r.code != ProtocolError || !errors.Is(r.err, ErrBadResponse) {
			t.Errorf("%+v", r)
		}
		if fs := x.read(); len(fs) != 1 || fs[0].Type != FrameRSTStream || fs[0].ErrCode != ProtocolError {
			t.Errorf("output %v", fs)
		}
	})
	bad := [][]string{
		{":status", "20"},
		{":status", "abc"},
		{"x", "1", ":status", "200"},
		{":status", "200", ":path", "/"},
		{":status", "200", "connection", "close"},
		{":status", "200", "X-Upper", "1"},
		{":status", "101"},
	}
	for _, kv := range bad {
		t.Run(fmt.Sprint(kv), func(t *testing.T) {
			x := newFake(t, ClientConfig{})
			x.c.Send(0, get("/"))
			x.send(x.head(1, false, kv...))
			if r := x.res[1]; r == nil || !r.reset || r.code != ProtocolError {
				t.Errorf("%+v", r)
			}
		})
	}
	t.Run("body above MaxBodyBytes", func(t *testing.T) {
		x := newFake(t, ClientConfig{MaxBodyBytes: 10})
		x.c.Send(0, get("/"))
		x.read()
		x.send(x.head(1, false, ":status", "200"), Frame{Type: FrameData, StreamID: 1, Data: make([]byte, 11)})
		if r := x.res[1]; r == nil || !r.reset || r.code != Cancel || r.err != ErrBodyTooLarge {
			t.Errorf("%+v", r)
		}
		if fs := x.read(); len(fs) != 1 || fs[0].Type != FrameRSTStream || fs[0].ErrCode != Cancel {
			t.Errorf("output %v", fs)
		}
		// late DATA on the reset stream is ignored
		x.send(Frame{Type: FrameData, StreamID: 1, Data: []byte("x")})
		if len(x.ce) != 0 {
			t.Errorf("conn events %v", x.ce)
		}
	})
	t.Run("content-length mismatch", func(t *testing.T) {
		x := newFake(t, ClientConfig{})
		x.c.Send(0, get("/"))
		x.send(x.head(1, false, ":status", "200", "content-length", "5"), Frame{Type: FrameData, StreamID: 1, Flags: FlagEndStream, Data: []byte("abc")})
		if r := x.res[1]; r == nil || !r.reset || r.code != ProtocolError {
			t.Errorf("%+v", r)
		}
	})
	t.Run("interim, trailers, ping, settings", func(t *testing.T) {
		x := newFake(t, ClientConfig{})
		x.c.Send(0, get("/"))
		x.read()
		x.send(Frame{Type: FramePing, Data: []byte("12345678")},
			x.head(1, false, ":status", "103", "link", "</a.css>"),
			x.head(1, false, ":status", "200"),
			Frame{Type: FrameData, StreamID: 1, Data: []byte("hi")},
			x.head(1, true, "x-sum", "abc"),
			Frame{Type: FrameSettings, Data: AppendSettings(nil, Setting{SettingMaxFrameSize, 20000})})
		r := x.res[1]
		if r == nil || !r.done || r.status != 200 || string(r.body) != "hi" || r.trailer.Get("x-sum") != "abc" {
			t.Errorf("%+v", r)
		}
		fs := x.read()
		if len(fs) != 2 || fs[0].Type != FramePing || fs[0].Flags != FlagAck || string(fs[0].Data) != "12345678" ||
			fs[1].Type != FrameSettings || fs[1].Flags != FlagAck {
			t.Errorf("output %v", fs)
		}
	})
	t.Run("GOAWAY: streams above last are retryable", func(t *testing.T) {
		x := newFake(t, ClientConfig{}, Setting{SettingMaxConcurrentStreams, 2})
		for i := 0; i < 3; i++ {
			x.c.Send(0, get("/"))
		}
		x.read()
		x.send(Frame{Type: FrameGoAway, LastStreamID: 1, ErrCode: NoError, Data: []byte("bye")})
		if len(x.ce) != 1 || x.ce[0].Kind != ClientGoAway || x.ce[0].LastStreamID != 1 || string(x.ce[0].Data) != "bye" {
			t.Fatalf("conn events %+v", x.ce)
		}
		for _, id := range []uint32{3, 5} {
			if r := x.res[id]; r == nil || !r.reset || !r.retryable || r.err != ErrGoAway {
				t.Errorf("stream %d: %+v", id, r)
			}
		}
		if _, err := x.c.Send(0, get("/")); err != ErrGoAway {
			t.Errorf("Send after GOAWAY: %v", err)
		}
		x.send(x.head(1, true, ":status", "200"))
		if r := x.res[1]; r == nil || !r.done || !x.c.Done() {
			t.Errorf("stream 1 %+v, done %v", r, x.c.Done())
		}
	})
	t.Run("push enabled: promised stream served", func(t *testing.T) {
		x := newFake(t, ClientConfig{EnablePush: true})
		x.c.Send(0, get("/"))
		x.read()
		x.send(Frame{Type: FramePushPromise, StreamID: 1, Flags: FlagEndHeaders, PromisedID: 2,
			Data: x.enc.Encode(nil, hf(":method", "GET", ":scheme", "http", ":path", "/p", ":authority", "h"))},
			x.head(2, false, ":status", "200"), Frame{Type: FrameData, StreamID: 2, Data: []byte("pushed"), Flags: FlagEndStream},
			x.head(1, true, ":status", "200"))
		if len(x.ce) != 0 || x.res[1] == nil || !x.res[1].done || x.res[2] == nil || !x.res[2].done || string(x.res[2].body) != "pushed" {
			t.Errorf("conn %v, streams %v", x.ce, x.res)
		}
		if p := x.res[1].promised; len(p) != 1 || p[0] != 2 {
			t.Errorf("promises %v", p)
		}
		if fs := x.read(); len(fs) != 0 {
			t.Errorf("output %v", fs)
		}
		if !x.c.Done() && x.c.Active() != 0 {
			t.Errorf("%d streams active", x.c.Active())
		}
	})
	t.Run("push enabled: cancel a promised stream", func(t *testing.T) {
		x := newFake(t, ClientConfig{EnablePush: true})
		x.c.Send(0, get("/"))
		x.read()
		x.send(Frame{Type: FramePushPromise, StreamID: 1, Flags: FlagEndHeaders, PromisedID: 2,
			Data: x.enc.Encode(nil, hf(":method", "GET", ":scheme", "http", ":path", "/p", ":authority", "h"))})
		x.c.Cancel(0, 2)
		collect(x.res, &x.ce, x.c.Events(nil))
		fs := x.read()
		if len(fs) != 1 || fs[0].Type != FrameRSTStream || fs[0].StreamID != 2 || fs[0].ErrCode != Cancel {
			t.Errorf("output %v", fs)
		}
		if r := x.res[2]; r == nil || !r.reset || r.err != ErrCanceled {
			t.Errorf("stream 2 %+v", r)
		}
		// frames already in flight on the cancelled stream are ignored
		x.send(x.head(2, false, ":status", "200"), Frame{Type: FrameData, StreamID: 2, Data: []byte("x")}, x.head(1, true, ":status", "200"))
		if len(x.ce) != 0 || !x.res[1].done {
			t.Errorf("conn %v, stream 1 %+v", x.ce, x.res[1])
		}
	})
	t.Run("push enabled: unsafe promised method reset", func(t *testing.T) {
		x := newFake(t, ClientConfig{EnablePush: true})
		x.c.Send(0, get("/"))
		x.read()
		x.send(Frame{Type: FramePushPromise, StreamID: 1, Flags: FlagEndHeaders, PromisedID: 2,
			Data: x.enc.Encode(nil, hf(":method", "POST", ":scheme", "http", ":path", "/p", ":authority", "h"))})
		fs := x.read()
		if len(fs) != 1 || fs[0].Type != FrameRSTStream || fs[0].StreamID != 2 || fs[0].ErrCode != ProtocolError {
			t.Errorf("output %v", fs)
		}
		if len(x.ce) != 0 || x.res[1] != nil && len(x.res[1].promised) != 0 {
			t.Errorf("conn %v, streams %v", x.ce, x.res)
		}
	})
	t.Run("INITIAL_WINDOW_SIZE change and WINDOW_UPDATE resume DATA", func(t *testing.T) {
		x := newFake(t, ClientConfig{}, Setting{SettingInitialWindowSize, 1000})
		x.c.Send(0, Request{Method: "POST", Path: "/", Body: make([]byte, 5000)})
		sent := func() int {
			n := 0
			for _, f := range x.read() {
				if f.Type == FrameData {
					n += len(f.Data)
				}
			}
			return n
		}
		if n := sent(); n != 1000 {
			t.Fatalf("sent %d, want 1000", n)
		}
		x.send(Frame{Type: FrameSettings, Data: AppendSettings(nil, Setting{SettingInitialWindowSize, 3000})})
		if n := sent(); n != 2000 {
			t.Fatalf("after the SETTINGS sent %d, want 2000", n)
		}
		x.send(Frame{Type: FrameWindowUpdate, StreamID: 1, Increment: 10000})
		if n := sent(); n != 2000 {
			t.Fatalf("after WINDOW_UPDATE sent %d, want 2000", n)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		x := newFake(t, ClientConfig{}, Setting{SettingMaxConcurrentStreams, 1})
		a, _ := x.c.Send(0, get("/a"))
		b, _ := x.c.Send(0, get("/b"))
		x.read()
		x.c.Cancel(0, a)
		collect(x.res, &x.ce, x.c.Events(nil))
		fs := x.read()
		if len(fs) != 2 || fs[0].Type != FrameRSTStream || fs[0].StreamID != a || fs[1].Type != FrameHeaders || fs[1].StreamID != b {
			t.Errorf("output %v", fs)
		}
		if r := x.res[a]; r == nil || r.err != ErrCanceled {
			t.Errorf("%+v", r)
		}
	})
	t.Run("EOF fails streams", func(t *testing.T) {
		x := newFake(t, ClientConfig{})
		x.c.Send(0, get("/"))
		x.c.ReceiveEOF(0)
		collect(x.res, &x.ce, x.c.Events(nil))
		if len(x.ce) != 1 || x.ce[0].Err != ErrConnClosed || x.res[1] == nil || !x.res[1].reset {
			t.Errorf("%v %v", x.ce, x.res)
		}
	})
}

// FuzzClientReceive: arbitrary server bytes after the SETTINGS exchange
// never panic, and the client's buffers stay bounded.
func FuzzClientReceive(f *testing.F) {
	enc := NewEncoder(4096)
	var seed []byte
	seed = AppendFrame(seed, &Frame{Type: FrameHeaders, StreamID: 1, Flags: FlagEndHeaders, Data: enc.Encode(nil, hf(":status", "200", "content-length", "2"))})
	seed = AppendFrame(seed, &Frame{Type: FrameData, StreamID: 1, Flags: FlagEndStream, Data: []byte("ok")})
	f.Add(seed)
	f.Add(AppendFrame(nil, &Frame{Type: FrameHeaders, StreamID: 3, Data: enc.Encode(nil, hf(":status", "100"))}))
	f.Add(AppendFrame(nil, &Frame{Type: FrameGoAway, LastStreamID: 1}))
	f.Add(AppendFrame(nil, &Frame{Type: FrameSettings, Data: AppendSettings(nil, Setting{SettingInitialWindowSize, 0}, Setting{SettingHeaderTableSize, 0})}))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := NewClientConn(ClientConfig{EnablePush: len(b)%2 == 1, MaxBodyBytes: 1 << 16})
		c.Receive(0, AppendFrame(nil, &Frame{Type: FrameSettings}))
		for i := 0; i < 4; i++ {
			c.Send(0, Request{Method: "POST", Path: "/", Body: make([]byte, 100)})
		}
		if len(b) > 0 && b[0]&1 == 1 {
			b = fuzzFrames(b[1:])
		}
		var evs []ClientEvent
		for len(b) > 0 {
			k := min(len(b), 1+int(b[0])%64)
			c.Receive(sim.Time(0), b[:k])
			b = b[k:]
			if len(c.in) > FrameHeaderLen+DefaultMaxFrameSize || len(c.block) > 128<<10+DefaultMaxFrameSize {
				t.Fatal("input buffers grew")
			}
			if len(c.streams) > 4 || len(c.queue) > 4 {
				t.Fatal("streams grew")
			}
			evs = c.Events(evs[:0])
			c.Consume(len(c.Output()))
		}
	})
}

// fuzzFrames reads b as a frame script, so that the fuzzer reaches past
// the frame codec: each frame is type, flags, stream, length and that
// many payload bytes; HEADERS with flag 0x40 carry a valid response
// head chosen by its first payload byte.
func fuzzFrames(b []byte) []byte {
	enc := NewEncoder(4096)
	heads := []h1.Header{
		hf(":status", "200"), hf(":status", "200", "content-length", "3"),
		hf(":status", "100"), hf("x-trailer", "1"), hf(":status", "404", "x", "y"),
	}
	var out []byte
	for len(b) >= 4 {
		f := Frame{Type: FrameType(b[0] % 10), Flags: Flags(b[1]), StreamID: uint32(b[2] % 8)}
		n := min(int(b[3]), len(b)-4)
		p := b[4 : 4+n]
		b = b[4+n:]
		if f.Type == FrameHeaders && f.Flags&0x40 != 0 {
			k := 0
			if len(p) > 0 {
				k = int(p[0]) % len(heads)
			}
			p = enc.Encode(nil, heads[k])
			f.Flags &^= FlagPadded | FlagPriority
		}
		start := len(out)
		out = append(out, make([]byte, FrameHeaderLen)...)
		putFrameHeader(out[start:], len(p), f.Type, f.Flags, f.StreamID)
		out = append(out, p...)
	}
	return out
}
