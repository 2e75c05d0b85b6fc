package h2

import (
	"testing"

	"github.com/hopsnet/hops/sim"
)

// FuzzParseFrame: any input parses to a frame, a typed error or "need
// more"; a parsed frame appends back to the same bytes (padding aside).
func FuzzParseFrame(f *testing.F) {
	for _, tc := range frameCases {
		f.Add(AppendFrame(nil, &tc.f))
	}
	f.Add(raw(3, FrameData, FlagPadded, 1, 3, 'a', 'b'))
	f.Add(raw(6, FrameSettings, 0, 0, 0, 5, 1, 0, 0, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, n, err := ParseFrame(b, DefaultMaxFrameSize)
		if err != nil {
			switch err.(type) {
			case *ConnError, *StreamError:
			default:
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if n == 0 {
			return
		}
		if n > len(b) {
			t.Fatalf("n %d > %d", n, len(b))
		}
		if fr.Type > FrameContinuation {
			return
		}
		again := AppendFrame(nil, &fr)
		if fr.Flags.Has(FlagPadded) || fr.Type == FrameSettings && fr.Flags.Has(FlagAck) {
			return // padding bytes need not be zero on the wire
		}
		if len(again) != n {
			t.Fatalf("re-append %x of %x", again, b[:n])
		}
	})
}

// FuzzHpackDecode: any block decodes or fails with an error, within the
// header list limit, and the decoder's table stays within its size.
func FuzzHpackDecode(f *testing.F) {
	for _, steps := range [][]hstep{appxC3, appxC4, appxC5, appxC6} {
		for _, st := range steps {
			f.Add(dehex(st.wire))
		}
	}
	f.Add(dehex("3fe11f 82"))
	f.Add(dehex("00 81ff 00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDecoder(4096)
		d.MaxHeaderListSize = 8 << 10
		for i := 0; i < 2; i++ { // twice: the second sees the first's table
			hdr, err := d.Decode(nil, b)
			size := 0
			for _, f := range hdr {
				size += entrySize(f)
			}
			if size > d.MaxHeaderListSize {
				t.Fatalf("list size %d (err %v)", size, err)
			}
			if d.TableSize() > 4096 {
				t.Fatalf("table %d", d.TableSize())
			}
		}
		// whatever decodes re-encodes and decodes the same
		hdr, err := NewDecoder(4096).Decode(nil, b)
		if err != nil {
			return
		}
		got, err := NewDecoder(4096).Decode(nil, NewEncoder(4096).Encode(nil, hdr))
		if err != nil || !equalHeader(got, hdr) {
			t.Fatalf("re-encode: %v %v vs %v", err, got, hdr)
		}
	})
}

// FuzzServerConn: arbitrary bytes after the preface never panic and
// never grow the engine's input buffer.
func FuzzServerConn(f *testing.F) {
	p := &peer{enc: NewEncoder(4096)}
	var seed []byte
	seed = AppendFrame(seed, &Frame{Type: FrameSettings})
	h := p.get(1, "/")
	seed = AppendFrame(seed, &h)
	f.Add(seed)
	f.Add(AppendFrame(append([]byte(nil), seed...), &Frame{Type: FrameData, StreamID: 1, Data: []byte("x")}))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := NewServerConn(0, ServerConfig{}, judgeHandler)
		s.Receive(0, []byte(Preface))
		for len(b) > 0 && !s.Done() {
			room := s.Room()
			if room == 0 {
				s.Consume(len(s.Output()))
				continue
			}
			k := s.Receive(sim.Time(0), b[:min(len(b), room)])
			b = b[k:]
			if len(s.in) != FrameHeaderLen+DefaultMaxFrameSize {
				t.Fatal("input buffer grew")
			}
		}
	})
}

// FuzzParsePriority: any Priority field value gives parameters in range
// (urgency 0..7), never a panic; a value that is no dictionary gives the
// defaults.
func FuzzParsePriority(f *testing.F) {
	for _, s := range []string{"u=0, i", "u=5", "i", "u=3, i=?0", "u=8", "u=1;a=2, x=(1 2), i", `u="x"`, "u=1.5", ",", "u=0,,i", "a=b;c=d, e=(f g);h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		p := ParsePriority(v)
		if p.Urgency > 7 {
			t.Fatalf("%q: urgency %d", v, p.Urgency)
		}
	})
}
