package h2

import (
	"bytes"
	"slices"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

func TestParsePriority(t *testing.T) {
	d := DefaultPriority
	cases := []struct {
		in   string
		want PriorityParams
	}{
		{"", d},
		{"u=0", PriorityParams{0, false}},
		{"u=7", PriorityParams{7, false}},
		{"i", PriorityParams{3, true}},
		{"u=0, i", PriorityParams{0, true}},
		{"u=2,i", PriorityParams{2, true}},
		{"  u=1 ,\ti  ", PriorityParams{1, true}},
		{"i=?1", PriorityParams{3, true}},
		{"i=?0, u=5", PriorityParams{5, false}},
		{"u=1, u=5", PriorityParams{5, false}},                                      // the last wins
		{"u=5;x=y;z, i;q=1.5", PriorityParams{5, true}},                             // parameters ignored
		{"foo=(1 2 \"s\");a, u=1, bar=tok/x:y, b=:YWJj:", PriorityParams{1, false}}, // unknown members ignored
		// out of range or of the wrong type: that parameter ignored
		{"u=8", d},
		{"u=-1, i", PriorityParams{3, true}},
		{"u=1.5", d},
		{`u="1"`, d},
		{"u=?1", d},
		{"u=(1)", d},
		{"u=1, i=1", PriorityParams{1, false}},
		{"u=1, i=tok", PriorityParams{1, false}},
		{"u=1, u=9", d}, // the last u is out of range: the default
		// not a dictionary: the whole field ignored
		{"U=1", d},
		{"u=1,", d},
		{"u=1 i", d},
		{"u=1;", d},
		{"i=?2, u=1", d},
		{"u=1, i=?", d},
		{`u=1, s="unterminated`, d},
		{"u=1, x=1234567890123456", d}, // integer too long
		{"u=1, x=1.2345", d},           // too many fraction digits
		{"u=1, x=(1 2", d},
		{"u=1, é", d},
		{",u=1", d},
	}
	for _, c := range cases {
		if got := ParsePriority(c.in); got != c.want {
			t.Errorf("ParsePriority(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestPriorityString(t *testing.T) {
	for _, c := range []struct {
		p    PriorityParams
		want string
	}{
		{DefaultPriority, ""},
		{PriorityParams{0, true}, "u=0, i"},
		{PriorityParams{0, false}, "u=0"},
		{PriorityParams{3, true}, "i"},
		{PriorityParams{6, false}, "u=6"},
	} {
		if got := c.p.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.p, got, c.want)
		}
		if back := ParsePriority(c.p.String()); back != c.p {
			t.Errorf("%+v: parsed back as %+v", c.p, back)
		}
	}
}

func TestPriorityUpdateFrame(t *testing.T) {
	// x/net's framer writes what AppendFrame writes, and ParseFrame reads it
	var buf bytes.Buffer
	if err := http2.NewFramer(&buf, nil).WritePriorityUpdate(5, "u=1, i"); err != nil {
		t.Fatal(err)
	}
	mine := AppendFrame(nil, &Frame{Type: FramePriorityUpdate, PrioritizedID: 5, Data: []byte("u=1, i")})
	if !bytes.Equal(buf.Bytes(), mine) {
		t.Fatalf("x/net % x\nours  % x", buf.Bytes(), mine)
	}
	f, n, err := ParseFrame(mine, DefaultMaxFrameSize)
	if err != nil || n != len(mine) || f.PrioritizedID != 5 || string(f.Data) != "u=1, i" || f.Type.String() != "PRIORITY_UPDATE" {
		t.Fatalf("parsed %+v %d %v", f, n, err)
	}
	errs := []struct {
		name string
		b    []byte
		code ErrCode
	}{
		{"on a stream", raw(5, FramePriorityUpdate, 0, 1, 0, 0, 0, 1, 'i'), ProtocolError},
		{"shorter than 4 bytes", raw(3, FramePriorityUpdate, 0, 0, 0, 0, 1), FrameSizeError},
		{"for stream 0", raw(5, FramePriorityUpdate, 0, 0, 0, 0, 0, 0, 'i'), ProtocolError},
		{"SETTINGS_NO_RFC7540_PRIORITIES 2", raw(6, FrameSettings, 0, 0, 0, 9, 0, 0, 0, 2), ProtocolError},
	}
	for _, c := range errs {
		_, _, err := ParseFrame(c.b, DefaultMaxFrameSize)
		if ce, ok := err.(*ConnError); !ok || ce.Code != c.code {
			t.Errorf("%s: %v, want connection error %v", c.name, err, c.code)
		}
	}
}

// dataOrder returns the streams of the DATA frames in fs, one entry per
// run of frames of one stream.
func dataOrder(fs []Frame) []uint32 {
	var runs []uint32
	for _, f := range fs {
		if f.Type == FrameData && (len(runs) == 0 || runs[len(runs)-1] != f.StreamID) {
			runs = append(runs, f.StreamID)
		}
	}
	return runs
}

// TestServerSchedule: with every response ready and the windows shut,
// opening them shows the order the scheduler serves DATA in.
func TestServerSchedule(t *testing.T) {
	type req struct {
		id   uint32
		prio string // the priority field, "" for none
	}
	cases := []struct {
		name    string
		reqs    []req
		updates []Frame // PRIORITY_UPDATEs after the requests
		want    []uint32
	}{
		{name: "most urgent first, one at a time",
			reqs: []req{{1, "u=5"}, {3, "u=1"}, {5, ""}, {7, "u=1"}},
			want: []uint32{3, 7, 5, 1}},
		{name: "no priorities: stream-ID order",
			reqs: []req{{1, ""}, {3, ""}, {5, ""}},
			want: []uint32{1, 3, 5}},
		{name: "incremental: round robin, a frame each",
			reqs: []req{{1, "i"}, {3, "i"}, {5, "i"}},
			want: []uint32{1, 3, 5, 1, 3, 5, 1, 3, 5}},
		{name: "non-incremental before incremental of one urgency",
			reqs: []req{{1, "i"}, {3, ""}, {5, "u=4"}},
			want: []uint32{3, 1, 5}},
		{name: "urgent incremental among non-incremental",
			reqs: []req{{1, "u=4"}, {3, "u=2, i"}, {5, "u=2, i"}, {7, "u=0"}},
			want: []uint32{7, 3, 5, 3, 5, 3, 5, 1}},
		{name: "bad values are the defaults",
			reqs: []req{{1, "u=9"}, {3, "u=1;"}, {5, "u=2"}},
			want: []uint32{5, 1, 3}},
		{name: "PRIORITY_UPDATE moves a stream",
			reqs:    []req{{1, "u=1"}, {3, "u=2"}, {5, "u=3"}},
			updates: []Frame{{Type: FramePriorityUpdate, PrioritizedID: 5, Data: []byte("u=0")}},
			want:    []uint32{5, 1, 3}},
		{name: "PRIORITY_UPDATE to the defaults",
			reqs:    []req{{1, "u=4"}, {3, "u=5"}},
			updates: []Frame{{Type: FramePriorityUpdate, PrioritizedID: 3, Data: nil}},
			want:    []uint32{3, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newPeer(t, ServerConfig{}, Setting{SettingInitialWindowSize, 0})
			var fs []Frame
			for _, r := range c.reqs {
				kv := []string{":method", "GET", ":scheme", "http", ":path", "/big/40000", ":authority", "h"}
				if r.prio != "" {
					kv = append(kv, "priority", r.prio)
				}
				fs = append(fs, p.headers(r.id, true, kv...))
			}
			fs = append(fs, c.updates...)
			fs = append(fs, Frame{Type: FrameWindowUpdate, Increment: 1 << 20})
			p.send(fs...)
			p.read()
			p.send(Frame{Type: FrameSettings, Data: AppendSettings(nil, Setting{SettingInitialWindowSize, 1 << 20})})
			out := p.read()
			if got := dataOrder(out); !slices.Equal(got, c.want) {
				t.Fatalf("DATA order %v, want %v", got, c.want)
			}
			for _, r := range c.reqs {
				if _, body, ended := p.response(out, r.id); len(body) != 40000 || !ended {
					t.Fatalf("stream %d: %d bytes, ended %v", r.id, len(body), ended)
				}
			}
		})
	}
}

// TestServerScheduleOvertakes: a more urgent response that comes while
// another is being sent goes ahead of what is not yet written.
func TestServerScheduleOvertakes(t *testing.T) {
	p := newPeer(t, ServerConfig{})
	p.send(Frame{Type: FrameWindowUpdate, Increment: 1 << 20}, p.headers(1, true, ":method", "GET", ":scheme", "http", ":path", "/big/60000", ":authority", "h", "priority", "i"))
	// the transport takes one frame's worth, then the request for a
	// style sheet arrives
	var first []Frame
	for len(first) == 0 || first[len(first)-1].Type != FrameData {
		f, n, err := ParseFrame(p.s.Output(), MaxFrameSizeLimit)
		if err != nil || n == 0 {
			t.Fatalf("output: %v", err)
		}
		f.Data = append([]byte(nil), f.Data...)
		first = append(first, f)
		p.s.Consume(n)
	}
	p.send(p.headers(3, true, ":method", "GET", ":scheme", "http", ":path", "/big/30000", ":authority", "h", "priority", "u=0"))
	got := dataOrder(append(first, p.read()...))
	// what was already written (two frames ahead) goes first, then the
	// urgent response, then the rest
	if want := []uint32{1, 3, 1}; !slices.Equal(got, want) {
		t.Fatalf("DATA order %v, want %v", got, want)
	}
}

// TestServerPriorityUpdateRules: RFC 9218 section 7.1's errors and
// what is dropped.
func TestServerPriorityUpdateRules(t *testing.T) {
	pu := func(id uint32, v string) Frame {
		return Frame{Type: FramePriorityUpdate, PrioritizedID: id, Data: []byte(v)}
	}
	t.Run("on a stream", func(t *testing.T) {
		p := newPeer(t, ServerConfig{})
		p.s.Receive(0, raw(5, FramePriorityUpdate, 0, 1, 0, 0, 0, 1, 'i'))
		p.expectGoAway(ProtocolError)
	})
	t.Run("for stream 0", func(t *testing.T) {
		p := newPeer(t, ServerConfig{})
		p.s.Receive(0, raw(5, FramePriorityUpdate, 0, 0, 0, 0, 0, 0, 'i'))
		p.expectGoAway(ProtocolError)
	})
	t.Run("too short", func(t *testing.T) {
		p := newPeer(t, ServerConfig{})
		p.s.Receive(0, raw(2, FramePriorityUpdate, 0, 0, 0, 0))
		p.expectGoAway(FrameSizeError)
	})
	t.Run("idle streams beyond SETTINGS_MAX_CONCURRENT_STREAMS", func(t *testing.T) {
		p := newPeer(t, ServerConfig{MaxConcurrentStreams: 2})
		p.send(pu(1, "u=1"), pu(3, "u=1"), pu(3, "u=2")) // two idle streams: fine
		if fs := p.read(); len(fs) != 0 {
			t.Fatalf("answered %v", fs)
		}
		p.send(pu(5, "u=1"))
		p.expectGoAway(ProtocolError)
	})
	t.Run("closed streams and bad values are ignored", func(t *testing.T) {
		p := newPeer(t, ServerConfig{})
		p.send(p.get(1, "/a"))
		p.response(p.read(), 1)
		p.send(pu(1, "u=0"), pu(3, "u=1, i=?7"), pu(2, "u=1"), p.get(3, "/a"))
		if _, _, ended := p.response(p.read(), 3); !ended || p.s.LastErr != nil {
			t.Fatalf("stream 3 not answered: %v", p.s.LastErr)
		}
	})
	t.Run("an update before HEADERS wins over the field", func(t *testing.T) {
		p := newPeer(t, ServerConfig{}, Setting{SettingInitialWindowSize, 0})
		p.send(pu(3, "u=0"), Frame{Type: FrameWindowUpdate, Increment: 1 << 20},
			p.headers(1, true, ":method", "GET", ":scheme", "http", ":path", "/big/20000", ":authority", "h", "priority", "u=1"),
			p.headers(3, true, ":method", "GET", ":scheme", "http", ":path", "/big/20000", ":authority", "h", "priority", "u=7"))
		p.read()
		p.send(Frame{Type: FrameSettings, Data: AppendSettings(nil, Setting{SettingInitialWindowSize, 1 << 20})})
		if got := dataOrder(p.read()); !slices.Equal(got, []uint32{3, 1}) {
			t.Fatalf("DATA order %v", got)
		}
	})
}

// TestServerPriorityUpdateXNet: a PRIORITY_UPDATE written by x/net's
// Framer reorders the server's responses.
func TestServerPriorityUpdateXNet(t *testing.T) {
	var in bytes.Buffer
	in.WriteString(http2.ClientPreface)
	fr := http2.NewFramer(&in, nil)
	fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0}, http2.Setting{ID: 0x9, Val: 1})
	fr.WriteWindowUpdate(0, 1<<20)
	var hb bytes.Buffer
	he := hpack.NewEncoder(&hb)
	for _, id := range []uint32{1, 3, 5} {
		hb.Reset()
		for _, f := range [][2]string{{":method", "GET"}, {":scheme", "http"}, {":authority", "h"}, {":path", "/big/20000"}, {"priority", "u=2"}} {
			he.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
		}
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hb.Bytes(), EndStream: true, EndHeaders: true})
	}
	fr.WritePriorityUpdate(5, "u=0")
	fr.WritePriorityUpdate(1, "u=6, i")
	fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 20})

	s := NewServerConn(0, ServerConfig{}, judgeHandler)
	var out []byte
	for b := in.Bytes(); len(b) > 0; {
		k := s.Receive(0, b[:min(len(b), s.Room())])
		b = b[k:]
		for len(s.Output()) > 0 {
			out = append(out, s.Output()...)
			s.Consume(len(s.Output()))
		}
	}
	if s.LastErr != nil {
		t.Fatal(s.LastErr)
	}
	rd := http2.NewFramer(nil, bytes.NewReader(out))
	var order []uint32
	noRFC7540 := false
	for {
		f, err := rd.ReadFrame()
		if err != nil {
			break
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if v, ok := f.Value(0x9); ok && v == 1 {
				noRFC7540 = true
			}
		case *http2.DataFrame:
			if len(order) == 0 || order[len(order)-1] != f.StreamID {
				order = append(order, f.StreamID)
			}
		}
	}
	if !noRFC7540 {
		t.Error("the server did not send SETTINGS_NO_RFC7540_PRIORITIES 1")
	}
	if want := []uint32{5, 3, 1}; !slices.Equal(order, want) {
		t.Fatalf("DATA order %v, want %v", order, want)
	}
}

// TestClientPriority: the client sends a request's priority field, a
// PRIORITY_UPDATE when it changes, and SETTINGS_NO_RFC7540_PRIORITIES;
// a PRIORITY_UPDATE from the server is a connection error.
func TestClientPriority(t *testing.T) {
	out := NewClientConn(ClientConfig{}).Output()
	fs := parseFrames(t, out[len(Preface):])
	found := false
	for i := 0; i < fs[0].NumSettings(); i++ {
		found = found || fs[0].Setting(i) == Setting{SettingNoRFC7540Priorities, 1}
	}
	if !found {
		t.Fatal("no SETTINGS_NO_RFC7540_PRIORITIES 1 in the client's SETTINGS")
	}

	x := newFake(t, ClientConfig{}, Setting{SettingMaxConcurrentStreams, 1})
	dec := NewDecoder(4096)
	prio := func(fs []Frame) string {
		for _, f := range fs {
			if f.Type == FrameHeaders {
				hdr, err := dec.Decode(nil, f.Data)
				if err != nil {
					t.Fatal(err)
				}
				return hdr.Get("priority") + "|"
			}
		}
		return "none"
	}
	css := PriorityParams{0, false}
	img := PriorityParams{3, true}
	id1, _ := x.c.Send(0, Request{Method: "GET", Authority: "h", Path: "/a.css", Priority: &css})
	if got := prio(x.read()); got != "u=0|" {
		t.Fatalf("priority field %q", got)
	}
	id3, _ := x.c.Send(0, Request{Method: "GET", Authority: "h", Path: "/b.png", Priority: &img}) // queued: one stream allowed
	if !x.c.SetPriority(0, id3, PriorityParams{1, true}) {
		t.Fatal("queued stream not found")
	}
	if !x.c.SetPriority(0, id1, PriorityParams{5, false}) {
		t.Fatal("open stream not found")
	}
	fs = x.read()
	var buf bytes.Buffer
	for _, f := range fs {
		buf.Write(AppendFrame(nil, &f))
	}
	xf, err := http2.NewFramer(nil, &buf).ReadFrame()
	if pu, ok := xf.(*http2.PriorityUpdateFrame); err != nil || !ok || pu.PrioritizedStreamID != id1 || pu.Priority != "u=5" {
		t.Fatalf("x/net read %#v, %v", xf, err)
	}
	x.send(x.head(id1, true, ":status", "200"))
	if got := prio(x.read()); got != "u=1, i|" {
		t.Fatalf("queued request's priority field %q", got)
	}
	if x.c.SetPriority(0, 99, DefaultPriority) {
		t.Fatal("SetPriority found stream 99")
	}
	x.c.Receive(0, raw(5, FramePriorityUpdate, 0, 0, 0, 0, 0, 1, 'i'))
	if ce, ok := x.c.LastErr.(*ConnError); !ok || ce.Code != ProtocolError {
		t.Fatalf("PRIORITY_UPDATE from the server: %v", x.c.LastErr)
	}
}
