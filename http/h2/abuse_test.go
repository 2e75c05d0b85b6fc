package h2

import (
	"strings"
	"testing"
)

// retained is what the server engine holds for a connection beyond its
// fixed input buffer: unsent output, header block, streams' bodies.
func (s *ServerConn) retained() int {
	n := s.backlog() + cap(s.block)
	for _, x := range s.streams {
		n += len(x.out) - x.outOff + len(x.body)
	}
	return n
}

// feed hands b to the engine without reading its output, as a client
// that never reads; it returns how many bytes the engine took.
func (p *peer) feed(b []byte) int {
	taken := 0
	for taken < len(b) && !p.s.Done() {
		room := p.s.Room()
		if room == 0 {
			break
		}
		k := p.s.Receive(0, b[taken:min(len(b), taken+room)])
		if k == 0 {
			break
		}
		taken += k
	}
	return taken
}

func frames(fs ...Frame) []byte {
	var b []byte
	for i := range fs {
		b = AppendFrame(b, &fs[i])
	}
	return b
}

// TestServerAbuse: each known attack on an HTTP/2 server is answered
// with its error code, and what the engine holds stays under a bound
// whatever the attacker sends.
func TestServerAbuse(t *testing.T) {
	const outBound = 256<<10 + 2*(FrameHeaderLen+DefaultMaxFrameSize) // MaxOutputBytes and the DATA written ahead
	post := []string{":method", "POST", ":scheme", "http", ":path", "/up"}
	for _, tc := range []struct {
		name string
		cfg  ServerConfig
		set  []Setting
		run  func(t *testing.T, p *peer) // the attack; checks what it must
		code ErrCode                     // GOAWAY's code at the end; 0: the connection goes on
		max  int                         // bound on retained()
	}{
		{"rapid reset: 20000 requests each reset at once", ServerConfig{}, nil, func(t *testing.T, p *peer) {
			// CVE-2023-44487. Handlers run to completion within Receive,
			// so a reset stream costs what an answered request costs and
			// leaves nothing behind; a client that does not read its
			// answers is stopped by the output bound.
			var b []byte
			for id := uint32(1); id < 40000; id += 2 {
				h := p.get(id, "/big/2000")
				b = append(b, frames(h, Frame{Type: FrameRSTStream, StreamID: id, ErrCode: Cancel})...)
			}
			took := p.feed(b)
			if took == len(b) || p.s.Room() != 0 || p.s.backlog() > outBound {
				t.Errorf("a client that does not read: took %d of %d bytes, room %d, backlog %d", took, len(b), p.s.Room(), p.s.backlog())
			}
			if p.s.Streams() > 1 { // the last HEADERS taken may wait for its RST_STREAM
				t.Errorf("%d reset streams kept", p.s.Streams())
			}
			p.read() // now it reads as it goes
			rest := b[took:]
			for len(rest) > 0 {
				k := p.s.Receive(0, rest[:min(len(rest), p.s.Room())])
				rest = rest[k:]
				if p.s.retained() > outBound {
					t.Fatalf("retained %d", p.s.retained())
				}
				p.s.Consume(len(p.s.Output()))
			}
			if p.s.Streams() != 0 || p.s.Served() != 20000 {
				t.Errorf("streams %d, served %d", p.s.Streams(), p.s.Served())
			}
		}, 0, outBound},
		{"stream flood: 1000 open streams against a limit of 100", ServerConfig{}, nil, func(t *testing.T, p *peer) {
			var fs []Frame
			for id := uint32(1); id < 2000; id += 2 {
				fs = append(fs, p.headers(id, false, post...))
			}
			p.send(fs...)
			refused := 0
			for _, f := range p.read() {
				if f.Type == FrameRSTStream && f.ErrCode == RefusedStream {
					refused++
				}
			}
			if refused != 900 || p.s.Streams() != 100 {
				t.Errorf("%d refused, %d open", refused, p.s.Streams())
			}
			// and the 100 waiting for bodies that never come: the idle timeout
			p.s.Advance(p.s.NextDeadline())
		}, EnhanceYourCalm, 0},
		{"CONTINUATION flood: endless bytes", ServerConfig{}, nil, func(t *testing.T, p *peer) {
			p.send(Frame{Type: FrameHeaders, StreamID: 1, Data: []byte{0x82}})
			for i := 0; i < 1000 && !p.s.closing; i++ {
				p.send(Frame{Type: FrameContinuation, StreamID: 1, Data: make([]byte, 16000)})
				if cap(p.s.block) > 2*(64<<10) {
					t.Fatalf("block buffer %d", cap(p.s.block))
				}
			}
		}, EnhanceYourCalm, 0},
		{"CONTINUATION flood: endless empty frames", ServerConfig{}, nil, func(t *testing.T, p *peer) {
			p.send(Frame{Type: FrameHeaders, StreamID: 1, Data: []byte{0x82}})
			n := 0
			for ; n < 100000 && !p.s.closing; n++ {
				p.send(Frame{Type: FrameContinuation, StreamID: 1})
			}
			if n != 65 {
				t.Errorf("ended after %d CONTINUATIONs, want the 65th", n)
			}
		}, EnhanceYourCalm, 0},
		{"CONTINUATION flood: a silent half-sent block", ServerConfig{}, nil, func(t *testing.T, p *peer) {
			p.send(Frame{Type: FrameHeaders, StreamID: 1, Data: []byte{0x82}})
			p.s.Advance(p.s.NextDeadline())
		}, EnhanceYourCalm, 0},
		{"HPACK bomb: one 4 KB entry referenced 20000 times", ServerConfig{}, nil, func(t *testing.T, p *peer) {
			// GET http /, then x-bomb: 4000 b's as a literal with
			// incremental indexing (dynamic entry 62)
			blk := append([]byte{0x82, 0x86, 0x84, 0x40, 6}, "x-bomb"...)
			blk = append(append(blk, 0x7f, 0xa1, 0x1e), strings.Repeat("b", 4000)...)
			for i := 0; i < 20000; i++ {
				blk = append(blk, 0xbe) // the dynamic entry, again: 80 MB decoded
			}
			var fs []Frame
			fs = append(fs, Frame{Type: FrameHeaders, StreamID: 1, Flags: FlagEndStream, Data: blk[:16000]})
			for rest := blk[16000:]; len(rest) > 0; {
				k := min(len(rest), 16000)
				f := Frame{Type: FrameContinuation, StreamID: 1, Data: rest[:k]}
				if k == len(rest) {
					f.Flags = FlagEndHeaders
				}
				fs = append(fs, f)
				rest = rest[k:]
			}
			p.send(fs...)
			if hdr, _, ended := p.response(p.read(), 1); hdr.Get(":status") != "431" || !ended {
				t.Errorf("bomb answered %v", hdr)
			}
			if cap(p.s.hdr) > 100 {
				t.Errorf("decoded %d fields", cap(p.s.hdr))
			}
			p.send(p.get(3, "/after")) // the connection and HPACK go on
			if hdr, _, _ := p.response(p.read(), 3); hdr.Get(":status") != "200" {
				t.Errorf("after the bomb: %v", hdr)
			}
		}, 0, 0},
		{"HPACK: a table larger than SETTINGS_HEADER_TABLE_SIZE", ServerConfig{}, nil, func(t *testing.T, p *peer) {
			p.send(Frame{Type: FrameHeaders, StreamID: 1, Flags: FlagEndHeaders | FlagEndStream, Data: dehex("3fe21f 82")})
		}, CompressionError, 0},
		{"zero-window stall: 100 responses held by a window of 0", ServerConfig{}, []Setting{{SettingInitialWindowSize, 0}}, func(t *testing.T, p *peer) {
			var fs []Frame
			for id := uint32(1); id < 200; id += 2 {
				fs = append(fs, p.get(id, "/big/40000"))
			}
			p.send(fs...)
			heads, data := 0, 0
			for _, f := range p.read() {
				switch f.Type {
				case FrameHeaders:
					heads++
				case FrameData:
					data++
				}
			}
			if heads != 100 || data != 0 || p.s.Streams() != 100 || p.s.retained() > 100*40000+100 {
				t.Errorf("%d HEADERS, %d DATA, %d streams, %d retained", heads, data, p.s.Streams(), p.s.retained())
			}
			// not before the idle timeout; a WINDOW_UPDATE in time moves it on
			d := p.s.NextDeadline()
			p.s.Advance(d - 1)
			p.send(Frame{Type: FrameWindowUpdate, StreamID: 1, Increment: 1000})
			if fs := p.read(); len(fs) != 1 || fs[0].Type != FrameData || len(fs[0].Data) != 1000 {
				t.Fatalf("after WINDOW_UPDATE: %v", fs)
			}
			p.s.Advance(d)
			if p.s.Done() || p.s.NextDeadline() <= d {
				t.Fatal("the client's WINDOW_UPDATE did not count")
			}
			p.s.Advance(p.s.NextDeadline())
			if p.s.Streams() != 0 || p.s.retained() > 1000 {
				t.Errorf("after the stall: %d streams, %d retained", p.s.Streams(), p.s.retained())
			}
		}, EnhanceYourCalm, 0},
		{"zero-window stall: the connection window", ServerConfig{}, nil, func(t *testing.T, p *peer) {
			p.send(p.get(1, "/big/200000"))
			n := 0
			for _, f := range p.read() {
				if f.Type == FrameData {
					n += len(f.Data)
				}
			}
			p.send(Frame{Type: FrameWindowUpdate, StreamID: 1, Increment: 1 << 20}) // the stream's, not the connection's
			if p.read(); n != DefaultWindow {
				t.Errorf("sent %d bytes, want the connection window", n)
			}
			p.s.Advance(p.s.NextDeadline())
		}, EnhanceYourCalm, 0},
		{"a slow request body", ServerConfig{}, nil, func(t *testing.T, p *peer) {
			p.send(p.headers(1, false, post...), Frame{Type: FrameData, StreamID: 1, Data: []byte("a few bytes")})
			p.read()
			p.s.Advance(p.s.NextDeadline())
		}, EnhanceYourCalm, 0},
		{"an answer the transport has not taken is not a stall", ServerConfig{}, []Setting{{SettingInitialWindowSize, 0}}, func(t *testing.T, p *peer) {
			p.send(p.get(1, "/big/100"))
			d := p.s.NextDeadline()
			p.s.Advance(d) // the HEADERS still wait in Output
			if p.s.Done() || p.s.NextDeadline() <= d {
				t.Errorf("ended while its own output waited")
			}
		}, 0, 0},
		{"PING flood from a client that does not read", ServerConfig{}, nil, func(t *testing.T, p *peer) {
			var b []byte
			for i := 0; i < 100000; i++ {
				b = AppendFrame(b, &Frame{Type: FramePing, Data: []byte("01234567")})
			}
			if took := p.feed(b); took == len(b) || p.s.backlog() > outBound {
				t.Errorf("took %d of %d, backlog %d", took, len(b), p.s.backlog())
			}
		}, 0, outBound},
		{"SETTINGS flood from a client that does not read", ServerConfig{}, nil, func(t *testing.T, p *peer) {
			var b []byte
			for i := 0; i < 100000; i++ {
				b = AppendFrame(b, &Frame{Type: FrameSettings, Data: AppendSettings(nil, Setting{SettingMaxFrameSize, 16384})})
			}
			if took := p.feed(b); took == len(b) || p.s.backlog() > outBound {
				t.Errorf("took %d of %d, backlog %d", took, len(b), p.s.backlog())
			}
		}, 0, outBound},
		{"request body over MaxBodyBytes", ServerConfig{MaxBodyBytes: 1 << 20}, nil, func(t *testing.T, p *peer) {
			p.send(p.headers(1, false, post...))
			for i := 0; i < 100; i++ {
				p.send(Frame{Type: FrameData, StreamID: 1, Data: make([]byte, 16384)})
				if p.s.retained() > 1<<20+outBound {
					t.Fatalf("retained %d", p.s.retained())
				}
			}
			fs := p.read()
			if hdr, _, _ := p.response(fs, 1); hdr.Get(":status") != "413" {
				t.Errorf("answered %v", hdr)
			}
		}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeer(t, tc.cfg, tc.set...)
			tc.run(t, p)
			if tc.max > 0 && p.s.retained() > tc.max {
				t.Errorf("retained %d bytes, bound %d", p.s.retained(), tc.max)
			}
			if len(p.s.in) != FrameHeaderLen+DefaultMaxFrameSize {
				t.Errorf("input buffer %d", len(p.s.in))
			}
			if tc.code == 0 {
				if p.s.Done() {
					t.Errorf("connection ended: %v", p.s.LastErr)
				}
				return
			}
			p.expectGoAway(tc.code)
		})
	}
}
