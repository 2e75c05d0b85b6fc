package h2

// Server push (RFC 9113 section 8.4): the client against the package's
// server in memory, and the server's PUSH_PROMISEs judged by x/net's
// Framer and HPACK decoder.

import (
	"bytes"
	"crypto/sha256"
	"io"
	"testing"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/sim"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// assets is a site whose page pushes its style sheet and script.
var assets = map[string][]byte{
	"/":          bigBody(3000),
	"/style.css": bigBody(100_000),
	"/app.js":    bigBody(70_001)[1:],
}

var assetHandler = h1.HandlerFunc(func(now sim.Time, req *h1.Request, resp *h1.Response) {
	b, ok := assets[req.Target]
	if !ok {
		resp.Status = 404
		return
	}
	resp.Header.Add("Content-Type", "application/octet-stream")
	resp.Header.Add("X-Host", req.Host())
	resp.Body = b
})

func pushPage(req *h1.Request) []string {
	if req.Target == "/" {
		return []string{"/style.css", "/app.js"}
	}
	return nil
}

func pushLink(t *testing.T, ccfg ClientConfig, scfg ServerConfig) *link {
	return &link{t: t, c: NewClientConn(ccfg), s: NewServerConn(0, scfg, assetHandler), res: map[uint32]*cresult{}}
}

func sameBody(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if sha256.Sum256(got) != sha256.Sum256(want) {
		t.Errorf("%s: body of %d bytes, want %d (SHA-256 differs)", what, len(got), len(want))
	}
}

func TestPushClientServer(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  ClientConfig
	}{
		{"default windows", ClientConfig{EnablePush: true}},
		{"small windows", ClientConfig{EnablePush: true, InitialWindowSize: 16384, ConnWindow: 65535}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := pushLink(t, tc.cfg, ServerConfig{Push: pushPage})
			id := l.send(get("/"))
			l.run()
			if len(l.conn) != 0 {
				t.Fatalf("connection events %v", l.conn)
			}
			var promises []ClientEvent
			doneAt := -1
			for i, e := range l.all {
				switch {
				case e.Kind == ClientPushPromise:
					if doneAt >= 0 {
						t.Errorf("PUSH_PROMISE after the response to / ended")
					}
					promises = append(promises, e)
				case e.Kind == ClientDone && e.StreamID == id:
					doneAt = i
				}
			}
			if len(promises) != 2 {
				t.Fatalf("%d promises, want 2", len(promises))
			}
			want := []struct {
				id   uint32
				path string
			}{{2, "/style.css"}, {4, "/app.js"}}
			for i, p := range promises {
				if p.StreamID != id || p.PromisedID != want[i].id {
					t.Errorf("promise %d on %d of %d, want on %d of %d", i, p.StreamID, p.PromisedID, id, want[i].id)
				}
				wantHdr := hf(":method", "GET", ":scheme", "http", ":authority", "www.example.com", ":path", want[i].path)
				if len(p.Header) != len(wantHdr) {
					t.Fatalf("promise %d header %v, want %v", i, p.Header, wantHdr)
				}
				for j := range wantHdr {
					if p.Header[j] != wantHdr[j] {
						t.Errorf("promise %d header %v, want %v", i, p.Header, wantHdr)
					}
				}
			}
			for _, s := range []struct {
				id   uint32
				path string
			}{{id, "/"}, {2, "/style.css"}, {4, "/app.js"}} {
				r := l.res[s.id]
				if r == nil || !r.done || r.reset || r.status != 200 {
					t.Fatalf("stream %d (%s): %+v", s.id, s.path, r)
				}
				if h := r.header.Get("x-host"); h != "www.example.com" {
					t.Errorf("stream %d host %q", s.id, h)
				}
				sameBody(t, s.path, r.body, assets[s.path])
			}
			if l.c.Active() != 0 || l.s.Streams() != 0 || l.s.Served() != 3 {
				t.Errorf("client active %d, server streams %d, served %d", l.c.Active(), l.s.Streams(), l.s.Served())
			}
			// the connection goes on: a second page pushes on new ids
			id2 := l.send(get("/"))
			l.run()
			if r := l.res[id2]; r == nil || !r.done || len(r.promised) != 2 || r.promised[0] != 6 || r.promised[1] != 8 {
				t.Fatalf("second page: %+v", r)
			}
			sameBody(t, "/app.js again", l.res[8].body, assets["/app.js"])
		})
	}
}

func TestPushDisabled(t *testing.T) {
	l := pushLink(t, ClientConfig{}, ServerConfig{Push: pushPage})
	id := l.send(get("/"))
	l.run()
	if len(l.conn) != 0 {
		t.Fatalf("connection events %v", l.conn)
	}
	for _, e := range l.all {
		if e.Kind == ClientPushPromise || e.StreamID%2 == 0 {
			t.Errorf("event %+v with push disabled", e)
		}
	}
	r := l.res[id]
	if r == nil || !r.done {
		t.Fatalf("%+v", r)
	}
	sameBody(t, "/", r.body, assets["/"])
	if l.s.Served() != 1 {
		t.Errorf("served %d", l.s.Served())
	}
}

func TestPushClientStreamLimit(t *testing.T) {
	l := pushLink(t, ClientConfig{EnablePush: true, MaxConcurrentStreams: 1}, ServerConfig{Push: pushPage})
	id := l.send(get("/"))
	l.run()
	if r := l.res[id]; r == nil || !r.done || len(r.promised) != 1 || r.promised[0] != 2 {
		t.Fatalf("%+v", r)
	}
	sameBody(t, "/style.css", l.res[2].body, assets["/style.css"])
}

// TestPushJudgeXNetFramer feeds the server a client written with x/net's
// Framer and HPACK encoder, and reads all its output with x/net's Framer
// and HPACK decoder.
func TestPushJudgeXNetFramer(t *testing.T) {
	for _, push := range []bool{true, false} {
		var in bytes.Buffer
		in.WriteString(http2.ClientPreface)
		fr := http2.NewFramer(&in, nil)
		enable := uint32(0)
		if push {
			enable = 1
		}
		fr.WriteSettings(http2.Setting{ID: http2.SettingEnablePush, Val: enable})
		fr.WriteWindowUpdate(0, 1<<20)
		var hb bytes.Buffer
		he := hpack.NewEncoder(&hb)
		for _, f := range [][2]string{{":method", "GET"}, {":scheme", "https"}, {":authority", "judge.example"}, {":path", "/"}} {
			he.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
		}
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hb.Bytes(), EndStream: true, EndHeaders: true})

		s := NewServerConn(0, ServerConfig{Push: pushPage}, assetHandler)
		var out []byte
		b := in.Bytes()
		for len(b) > 0 {
			k := s.Receive(0, b[:min(len(b), s.Room())])
			b = b[k:]
			for len(s.Output()) > 0 {
				out = append(out, s.Output()...)
				s.Consume(len(s.Output()))
			}
		}
		// the pushed bodies need more stream window than 65535: open it
		var wu bytes.Buffer
		wfr := http2.NewFramer(&wu, nil)
		for _, id := range []uint32{2, 4} {
			wfr.WriteWindowUpdate(id, 1<<20)
		}
		if push {
			s.Receive(0, wu.Bytes())
		}
		for len(s.Output()) > 0 {
			out = append(out, s.Output()...)
			s.Consume(len(s.Output()))
		}
		if s.LastErr != nil {
			t.Fatalf("server failed: %v", s.LastErr)
		}

		rd := http2.NewFramer(io.Discard, bytes.NewReader(out))
		dec := hpack.NewDecoder(4096, nil)
		type res struct {
			hdr   []hpack.HeaderField
			body  []byte
			ended bool
		}
		streams := map[uint32]*res{}
		get := func(id uint32) *res {
			if streams[id] == nil {
				streams[id] = &res{}
			}
			return streams[id]
		}
		var promises []*http2.PushPromiseFrame
		var promised [][]hpack.HeaderField
		dataOn1 := false
		for {
			f, err := rd.ReadFrame()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("x/net Framer: %v", err)
			}
			switch f := f.(type) {
			case *http2.PushPromiseFrame:
				if !push {
					t.Fatalf("PUSH_PROMISE with push disabled")
				}
				if dataOn1 {
					t.Error("PUSH_PROMISE after DATA on its stream")
				}
				if !f.HeadersEnded() {
					t.Fatal("PUSH_PROMISE without END_HEADERS")
				}
				hdr, err := dec.DecodeFull(f.HeaderBlockFragment())
				if err != nil {
					t.Fatal(err)
				}
				promises = append(promises, f)
				promised = append(promised, hdr)
			case *http2.HeadersFrame:
				hdr, err := dec.DecodeFull(f.HeaderBlockFragment())
				if err != nil {
					t.Fatal(err)
				}
				r := get(f.StreamID)
				r.hdr, r.ended = hdr, f.StreamEnded()
			case *http2.DataFrame:
				dataOn1 = dataOn1 || f.StreamID == 1
				r := get(f.StreamID)
				r.body = append(r.body, f.Data()...)
				r.ended = f.StreamEnded()
			}
		}
		wantN := 0
		if push {
			wantN = 2
		}
		if len(promises) != wantN {
			t.Fatalf("push %v: %d PUSH_PROMISEs, want %d", push, len(promises), wantN)
		}
		paths := []string{"/style.css", "/app.js"}
		for i, p := range promises {
			if p.StreamID != 1 || p.PromiseID != uint32(2+2*i) {
				t.Errorf("PUSH_PROMISE %d on %d of %d", i, p.StreamID, p.PromiseID)
			}
			want := []hpack.HeaderField{{Name: ":method", Value: "GET"}, {Name: ":scheme", Value: "https"}, {Name: ":authority", Value: "judge.example"}, {Name: ":path", Value: paths[i]}}
			if len(promised[i]) != len(want) {
				t.Fatalf("promised fields %v", promised[i])
			}
			for j := range want {
				if promised[i][j].Name != want[j].Name || promised[i][j].Value != want[j].Value {
					t.Errorf("promised fields %v, want %v", promised[i], want)
				}
			}
		}
		check := func(id uint32, path string) {
			r := streams[id]
			if r == nil || !r.ended || len(r.hdr) == 0 || r.hdr[0].Name != ":status" || r.hdr[0].Value != "200" {
				t.Fatalf("stream %d (%s): %+v", id, path, r)
			}
			sameBody(t, path, r.body, assets[path])
		}
		check(1, "/")
		if push {
			check(2, "/style.css")
			check(4, "/app.js")
		} else if len(streams) != 1 {
			t.Errorf("streams %v with push disabled", streams)
		}
	}
}

// TestPushServerPeerFrames: the client's WINDOW_UPDATE and RST_STREAM on
// a pushed stream are taken; frames on an even stream never promised are
// a PROTOCOL_ERROR.
func TestPushServerPeerFrames(t *testing.T) {
	p := newPeer(t, ServerConfig{Push: pushPage})
	p.send(p.get(1, "/"))
	fs := p.read()
	n := 0
	for _, f := range fs {
		if f.Type == FramePushPromise {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d PUSH_PROMISEs", n)
	}
	p.send(Frame{Type: FrameRSTStream, StreamID: 4, ErrCode: Cancel}, Frame{Type: FrameWindowUpdate, StreamID: 2, Increment: 1 << 20})
	if p.s.LastErr != nil {
		t.Fatal(p.s.LastErr)
	}
	p.read()
	p.send(Frame{Type: FrameWindowUpdate, StreamID: 6, Increment: 1})
	p.expectGoAway(ProtocolError)
}
