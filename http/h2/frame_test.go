package h2

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"golang.org/x/net/http2"
)

// frameCases are frames with the bytes x/net's Framer writes for them.
var frameCases = []struct {
	f     Frame
	xnet  func(fr *http2.Framer) error
	check func(t *testing.T, f *Frame)
}{
	{Frame{Type: FrameData, StreamID: 1, Flags: FlagEndStream, Data: []byte("hello")},
		func(fr *http2.Framer) error { return fr.WriteData(1, true, []byte("hello")) }, nil},
	{Frame{Type: FrameData, StreamID: 3, Flags: FlagPadded, PadLen: 4, Data: []byte("padded")},
		func(fr *http2.Framer) error { return fr.WriteDataPadded(3, false, []byte("padded"), make([]byte, 4)) }, nil},
	{Frame{Type: FrameHeaders, StreamID: 5, Flags: FlagEndHeaders | FlagPriority | FlagPadded, PadLen: 2,
		Priority: Priority{StreamDep: 3, Exclusive: true, Weight: 15}, Data: []byte{0x82, 0x86}},
		func(fr *http2.Framer) error {
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 5, BlockFragment: []byte{0x82, 0x86}, EndHeaders: true, PadLength: 2,
				Priority: http2.PriorityParam{StreamDep: 3, Exclusive: true, Weight: 15}})
		}, nil},
	{Frame{Type: FramePriority, StreamID: 7, Priority: Priority{StreamDep: 1, Weight: 200}},
		func(fr *http2.Framer) error {
			return fr.WritePriority(7, http2.PriorityParam{StreamDep: 1, Weight: 200})
		}, nil},
	{Frame{Type: FrameRSTStream, StreamID: 9, ErrCode: Cancel},
		func(fr *http2.Framer) error { return fr.WriteRSTStream(9, http2.ErrCodeCancel) }, nil},
	{Frame{Type: FrameSettings, Data: AppendSettings(nil, Setting{SettingInitialWindowSize, 1 << 20}, Setting{SettingMaxFrameSize, 1 << 15})},
		func(fr *http2.Framer) error {
			return fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 20}, http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 15})
		},
		func(t *testing.T, f *Frame) {
			if f.NumSettings() != 2 || f.Setting(1) != (Setting{SettingMaxFrameSize, 1 << 15}) {
				t.Errorf("settings %v", f.Setting(1))
			}
		}},
	{Frame{Type: FrameSettings, Flags: FlagAck}, func(fr *http2.Framer) error { return fr.WriteSettingsAck() }, nil},
	{Frame{Type: FramePushPromise, StreamID: 1, PromisedID: 2, Flags: FlagEndHeaders, Data: []byte{0x82}},
		func(fr *http2.Framer) error {
			return fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, BlockFragment: []byte{0x82}, EndHeaders: true})
		}, nil},
	{Frame{Type: FramePing, Flags: FlagAck, Data: []byte("12345678")},
		func(fr *http2.Framer) error {
			return fr.WritePing(true, [8]byte{'1', '2', '3', '4', '5', '6', '7', '8'})
		}, nil},
	{Frame{Type: FrameGoAway, LastStreamID: 11, ErrCode: EnhanceYourCalm, Data: []byte("calm")},
		func(fr *http2.Framer) error { return fr.WriteGoAway(11, http2.ErrCodeEnhanceYourCalm, []byte("calm")) }, nil},
	{Frame{Type: FrameWindowUpdate, StreamID: 0, Increment: 1 << 30},
		func(fr *http2.Framer) error { return fr.WriteWindowUpdate(0, 1<<30) }, nil},
	{Frame{Type: FrameContinuation, StreamID: 1, Flags: FlagEndHeaders, Data: []byte{0x84}},
		func(fr *http2.Framer) error { return fr.WriteContinuation(1, true, []byte{0x84}) }, nil},
	{Frame{Type: 0xfa, StreamID: 3, Flags: 0x3, Data: []byte("ext")},
		func(fr *http2.Framer) error { return fr.WriteRawFrame(0xfa, 0x3, 3, []byte("ext")) }, nil},
}

func TestFrameRoundTrip(t *testing.T) {
	for i, tc := range frameCases {
		wire := AppendFrame(nil, &tc.f)
		var xb bytes.Buffer
		fr := http2.NewFramer(&xb, nil)
		fr.AllowIllegalWrites = true
		if err := tc.xnet(fr); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(wire, xb.Bytes()) {
			t.Fatalf("case %d %v: ours %x, x/net %x", i, tc.f.Type, wire, xb.Bytes())
		}
		// x/net reads ours
		xr := http2.NewFramer(nil, bytes.NewReader(wire))
		if tc.f.Type <= FrameContinuation && tc.f.Type != FrameContinuation {
			if _, err := xr.ReadFrame(); err != nil {
				t.Fatalf("case %d: x/net rejects: %v", i, err)
			}
		}
		// ours reads back, in pieces: nothing until complete
		for k := 0; k < len(wire); k++ {
			if _, n, err := ParseFrame(wire[:k], DefaultMaxFrameSize); n != 0 || err != nil {
				t.Fatalf("case %d: partial %d: n=%d err=%v", i, k, n, err)
			}
		}
		got, n, err := ParseFrame(append(wire, 0xee), DefaultMaxFrameSize)
		if err != nil || n != len(wire) {
			t.Fatalf("case %d: parse n=%d err=%v", i, n, err)
		}
		want := tc.f
		want.Length = uint32(len(wire) - FrameHeaderLen)
		if len(want.Data) == 0 {
			want.Data, got.Data = nil, nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d:\n got %+v\nwant %+v", i, got, want)
		}
		if tc.check != nil {
			tc.check(t, &got)
		}
		if again := AppendFrame(nil, &got); !bytes.Equal(again, wire) {
			t.Fatalf("case %d: re-append %x", i, again)
		}
	}
}

func raw(length int, typ FrameType, fl Flags, id uint32, payload ...byte) []byte {
	b := []byte{byte(length >> 16), byte(length >> 8), byte(length), byte(typ), byte(fl), byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}
	return append(b, payload...)
}

func TestFrameErrors(t *testing.T) {
	type want struct {
		conn   bool
		code   ErrCode
		stream uint32
	}
	c := func(code ErrCode) want { return want{true, code, 0} }
	s := func(id uint32, code ErrCode) want { return want{false, code, id} }
	for i, tc := range []struct {
		b []byte
		w want
	}{
		{raw(16385, FrameData, 0, 1), c(FrameSizeError)},
		{raw(1, FrameData, 0, 0, 'x'), c(ProtocolError)},
		{raw(3, FrameData, FlagPadded, 1, 3, 'a', 'b'), c(ProtocolError)}, // padding >= payload
		{raw(0, FrameData, FlagPadded, 1), c(FrameSizeError)},
		{raw(1, FrameHeaders, 0, 0, 0x82), c(ProtocolError)},
		{raw(3, FrameHeaders, FlagPriority, 1, 0, 0, 0), c(FrameSizeError)},
		{raw(5, FrameHeaders, FlagPriority|FlagEndHeaders, 3, 0, 0, 0, 3, 16), s(3, ProtocolError)},
		{raw(5, FramePriority, 0, 0, 0, 0, 0, 1, 16), c(ProtocolError)},
		{raw(4, FramePriority, 0, 1, 0, 0, 0, 3), s(1, FrameSizeError)},
		{raw(5, FramePriority, 0, 1, 0, 0, 0, 1, 16), s(1, ProtocolError)},
		{raw(4, FrameRSTStream, 0, 0, 0, 0, 0, 8), c(ProtocolError)},
		{raw(3, FrameRSTStream, 0, 1, 0, 0, 8), c(FrameSizeError)},
		{raw(0, FrameSettings, 0, 1), c(ProtocolError)},
		{raw(6, FrameSettings, FlagAck, 0, 0, 1, 0, 0, 0, 0), c(FrameSizeError)},
		{raw(5, FrameSettings, 0, 0, 0, 1, 0, 0, 0), c(FrameSizeError)},
		{raw(6, FrameSettings, 0, 0, 0, 2, 0, 0, 0, 2), c(ProtocolError)},
		{raw(6, FrameSettings, 0, 0, 0, 4, 0x80, 0, 0, 0), c(FlowControlError)},
		{raw(6, FrameSettings, 0, 0, 0, 5, 0, 0, 0x3f, 0xff), c(ProtocolError)},
		{raw(6, FrameSettings, 0, 0, 0, 5, 1, 0, 0, 0), c(ProtocolError)},
		{raw(8, FramePing, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8), c(ProtocolError)},
		{raw(7, FramePing, 0, 0, 1, 2, 3, 4, 5, 6, 7), c(FrameSizeError)},
		{raw(7, FrameGoAway, 0, 0, 0, 0, 0, 0, 0, 0, 0), c(FrameSizeError)},
		{raw(8, FrameGoAway, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), c(ProtocolError)},
		{raw(3, FrameWindowUpdate, 0, 0, 0, 0, 1), c(FrameSizeError)},
		{raw(4, FrameWindowUpdate, 0, 0, 0, 0, 0, 0), c(ProtocolError)},
		{raw(4, FrameWindowUpdate, 0, 5, 0, 0, 0, 0), s(5, ProtocolError)},
		{raw(1, FrameContinuation, 0, 0, 0x82), c(ProtocolError)},
		{raw(3, FramePushPromise, 0, 1, 0, 0, 0), c(FrameSizeError)},
	} {
		_, _, err := ParseFrame(tc.b, DefaultMaxFrameSize)
		var ce *ConnError
		var se *StreamError
		switch {
		case tc.w.conn && errors.As(err, &ce) && ce.Code == tc.w.code:
		case !tc.w.conn && errors.As(err, &se) && se.Code == tc.w.code && se.StreamID == tc.w.stream:
		default:
			t.Errorf("case %d (%x): %v, want %+v", i, tc.b, err, tc.w)
		}
	}
}
