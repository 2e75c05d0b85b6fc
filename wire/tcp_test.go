package wire

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/quick"
)

func TestTCPFixtures(t *testing.T) {
	tests := []struct {
		name    string
		pkt     []byte // whole IPv4 packet
		want    TCPHeader
		payload string
	}{
		{"syn", fixSYN, TCPHeader{
			SrcPort: 33210, DstPort: 5555, Seq: 0xaf9f6b8c, DataOffset: 40, Flags: SYN,
			Window: 65495, Checksum: 0x38d6, Options: TCPOptions{
				MSS: 65495, SACKPermitted: true, HasTimestamps: true, TSVal: 0x8fc0d4ce,
				HasWindowScale: true, WindowScale: 10,
			}}, ""},
		{"synack", fixSYNACK, TCPHeader{
			SrcPort: 5555, DstPort: 33210, Seq: 0x46e5ef21, Ack: 0xaf9f6b8d, DataOffset: 40,
			Flags: SYN | ACK, Window: 65483, Checksum: 0xd95e, Options: TCPOptions{
				MSS: 65495, SACKPermitted: true, HasTimestamps: true, TSVal: 0x4cbddcad, TSEcr: 0x8fc0d4ce,
				HasWindowScale: true, WindowScale: 10,
			}}, ""},
		{"psh", fixPSH, TCPHeader{
			SrcPort: 33210, DstPort: 5555, Seq: 0xaf9f6b8d, Ack: 0x46e5ef22, DataOffset: 32,
			Flags: PSH | ACK, Window: 64, Checksum: 0xbdfe, Options: TCPOptions{
				HasTimestamps: true, TSVal: 0x8fc0d4ce, TSEcr: 0x4cbddcad,
			}}, "hello"},
		{"sack", fixSACK, TCPHeader{
			SrcPort: 80, DstPort: 40000, Seq: 1000, Ack: 2000, DataOffset: 60,
			Flags: ACK, Window: 501, Checksum: 0xc031, Options: TCPOptions{
				HasTimestamps: true, TSVal: 100, TSEcr: 200,
				NumSACK: 3, SACK: [4]SACKBlock{{3000, 4000}, {5000, 6000}, {7000, 8000}},
			}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ih, seg, err := ParseIPv4(tt.pkt)
			if err != nil {
				t.Fatal(err)
			}
			// Bytes to struct.
			h, payload, err := ParseTCP(seg)
			if err != nil {
				t.Fatalf("ParseTCP: %v", err)
			}
			if h != tt.want || string(payload) != tt.payload {
				t.Errorf("ParseTCP =\n %+v %q, want\n %+v %q", h, payload, tt.want, tt.payload)
			}
			if !VerifyTCPChecksum(ih.Src, ih.Dst, seg) {
				t.Error("VerifyTCPChecksum = false")
			}
			v := TCP(seg)
			if v.Check() != nil || v.SrcPort() != h.SrcPort || v.DstPort() != h.DstPort ||
				v.Seq() != h.Seq || v.Ack() != h.Ack || v.HeaderLen() != h.DataOffset ||
				v.Flags() != h.Flags || v.Window() != h.Window || v.Checksum() != h.Checksum ||
				v.Urgent() != 0 || string(v.Payload()) != tt.payload || len(v.Options()) != h.DataOffset-20 {
				t.Error("view disagrees with ParseTCP")
			}
			// Struct to bytes: Linux's option layout is reproduced exactly.
			if got := tt.want.Options.Len(); got != tt.want.DataOffset-20 {
				t.Errorf("Options.Len = %d, want %d", got, tt.want.DataOffset-20)
			}
			got := tt.want.AppendTo(nil, ih.Src, ih.Dst, []byte(tt.payload))
			if !bytes.Equal(got, seg) {
				t.Errorf("AppendTo =\n %x, want\n %x", got, seg)
			}
		})
	}
}

func TestTCPFlagsString(t *testing.T) {
	tests := []struct {
		f    TCPFlags
		want string
	}{
		{0, "none"},
		{SYN, "SYN"},
		{SYN | ACK, "SYN|ACK"},
		{FIN | PSH | ACK, "FIN|PSH|ACK"},
		{RST | URG, "RST|URG"},
		{0xff, "FIN|SYN|RST|PSH|ACK|URG|ECE|CWR"},
		{ECE | CWR | SYN, "SYN|ECE|CWR"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("%#02x.String() = %q, want %q", uint8(tt.f), got, tt.want)
		}
	}
	if !(SYN | ACK).Has(ACK) || (SYN | ACK).Has(FIN|ACK) || !ACK.Has(0) {
		t.Error("Has is wrong")
	}
}

func TestTCPRoundTrip(t *testing.T) {
	a, b := addr("10.0.0.1"), addr("10.0.0.2")
	blocks := [4]SACKBlock{{1, 2}, {3, 4}, {0xfffffff0, 0x10}, {7, 8}}
	tests := []struct {
		name    string
		h       TCPHeader
		payload []byte
		optLen  int
	}{
		{"bare", TCPHeader{SrcPort: 1, DstPort: 2, Flags: RST}, nil, 0},
		{"all fixed fields", TCPHeader{SrcPort: 65535, DstPort: 65534, Seq: 0xffffffff, Ack: 0x80000000,
			Flags: 0xff, Window: 0xffff, Urgent: 0x1234}, []byte("x"), 0},
		{"mss only", TCPHeader{Flags: SYN, Options: TCPOptions{MSS: 1460}}, nil, 4},
		{"sack permitted only", TCPHeader{Flags: SYN, Options: TCPOptions{SACKPermitted: true}}, nil, 4},
		{"window scale only", TCPHeader{Flags: SYN, Options: TCPOptions{HasWindowScale: true}}, nil, 4},
		{"windows syn", TCPHeader{Flags: SYN, Options: TCPOptions{MSS: 1460, HasWindowScale: true, WindowScale: 8,
			SACKPermitted: true}}, nil, 12},
		{"linux syn", TCPHeader{Flags: SYN, Options: TCPOptions{MSS: 1460, SACKPermitted: true,
			HasTimestamps: true, TSVal: 1, HasWindowScale: true, WindowScale: 7}}, nil, 20},
		{"one sack", TCPHeader{Flags: ACK, Options: TCPOptions{NumSACK: 1, SACK: [4]SACKBlock{{10, 20}}}}, nil, 12},
		{"four sacks", TCPHeader{Flags: ACK, Options: TCPOptions{NumSACK: 4, SACK: blocks}}, nil, 36},
		{"ts and three sacks", TCPHeader{Flags: ACK, Options: TCPOptions{HasTimestamps: true, TSVal: 5, TSEcr: 6,
			NumSACK: 3, SACK: [4]SACKBlock{blocks[0], blocks[1], blocks[2]}}}, []byte("data"), 40},
		// Aligned would be 4+4+36 = 44 bytes; the compact layout fits.
		{"compact layout", TCPHeader{Flags: ACK, Options: TCPOptions{MSS: 536, SACKPermitted: true,
			NumSACK: 4, SACK: blocks}}, nil, 40},
		{"compact with ts", TCPHeader{Flags: ACK, Options: TCPOptions{HasTimestamps: true,
			HasWindowScale: true, WindowScale: 14, NumSACK: 3, SACK: [4]SACKBlock{blocks[0], blocks[1], blocks[2]}}}, nil, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.h.Options.Len(); got != tt.optLen {
				t.Errorf("Options.Len = %d, want %d", got, tt.optLen)
			}
			seg := tt.h.AppendTo([]byte{0xaa}, a, b, tt.payload)[1:]
			if len(seg) != TCPHeaderLen+tt.optLen+len(tt.payload) || len(seg) != tt.h.Len()+len(tt.payload) {
				t.Errorf("encoded %d bytes", len(seg))
			}
			got, payload, err := ParseTCP(seg)
			if err != nil {
				t.Fatalf("ParseTCP: %v", err)
			}
			want := tt.h
			want.DataOffset = TCPHeaderLen + tt.optLen
			want.Checksum = got.Checksum
			if got != want || !bytes.Equal(payload, tt.payload) {
				t.Errorf("round trip =\n %+v, want\n %+v", got, want)
			}
			if !VerifyTCPChecksum(a, b, seg) {
				t.Error("checksum does not verify")
			}
		})
	}
}

func TestTCPDropsSACKBlocksThatDoNotFit(t *testing.T) {
	blocks := [4]SACKBlock{{1, 2}, {3, 4}, {5, 6}, {7, 8}}
	tests := []struct {
		opts     TCPOptions
		wantSACK int
	}{
		// Timestamps leave room for three blocks, as on Linux.
		{TCPOptions{HasTimestamps: true, NumSACK: 4, SACK: blocks}, 3},
		// Compact: 4+10 bytes leave room for three blocks.
		{TCPOptions{HasTimestamps: true, MSS: 1, NumSACK: 4, SACK: blocks}, 3},
		// Compact: 4+2+10+3 bytes leave room for two blocks.
		{TCPOptions{HasTimestamps: true, MSS: 1, SACKPermitted: true, HasWindowScale: true, NumSACK: 4, SACK: blocks}, 2},
		{TCPOptions{NumSACK: 9, SACK: blocks}, 4},
		{TCPOptions{NumSACK: -1, SACK: blocks}, 0},
	}
	for _, tt := range tests {
		h := TCPHeader{Flags: ACK, Options: tt.opts}
		seg := h.AppendTo(nil, loAddr, loAddr, nil)
		got, _, err := ParseTCP(seg)
		if err != nil {
			t.Fatal(err)
		}
		if got.Options.NumSACK != tt.wantSACK || got.DataOffset > 60 || got.DataOffset%4 != 0 {
			t.Errorf("%+v: NumSACK %d DataOffset %d, want %d blocks", tt.opts, got.Options.NumSACK, got.DataOffset, tt.wantSACK)
		}
		n := got.Options.NumSACK
		if !slices.Equal(got.Options.SACK[:n], blocks[:n]) || slices.ContainsFunc(got.Options.SACK[n:], func(b SACKBlock) bool { return b != SACKBlock{} }) {
			t.Errorf("blocks %v", got.Options.SACK)
		}
	}
}

func TestTCPOptionsLenQuick(t *testing.T) {
	f := func(o TCPOptions) bool {
		l := o.Len()
		h := TCPHeader{Options: o}
		seg := h.AppendTo(nil, loAddr, loAddr, nil)
		_, _, err := ParseTCP(seg)
		return l%4 == 0 && l <= TCPMaxOptionsLen && len(seg) == 20+l && err == nil
	}
	if err := quick.Check(f, nil); err != nil {
		t.Error(err)
	}
}

func TestParseTCPOptions(t *testing.T) {
	tests := []struct {
		name string
		opts string
		want TCPOptions
		err  error
	}{
		{"empty", "", TCPOptions{}, nil},
		{"nops", "01010101", TCPOptions{}, nil},
		{"eol stops", "00 0299", TCPOptions{}, nil}, // garbage after EOL is padding
		{"mss", "0204 05b4", TCPOptions{MSS: 1460}, nil},
		{"unknown skipped", "1e06 00000000 0204 0218", TCPOptions{MSS: 536}, nil}, // MPTCP-ish kind 30
		{"fast open cookie", "220a 0102030405060708 0101", TCPOptions{}, nil},
		{"ws", "010303 0e", TCPOptions{HasWindowScale: true, WindowScale: 14}, nil},
		{"duplicate last wins", "0204 0001 0204 0002", TCPOptions{MSS: 2}, nil},
		{"sack 4", "0101 0522 00000001 00000002 00000003 00000004 00000005 00000006 00000007 00000008",
			TCPOptions{NumSACK: 4, SACK: [4]SACKBlock{{1, 2}, {3, 4}, {5, 6}, {7, 8}}}, nil},
		{"kind without length", "0101 0102", TCPOptions{}, ErrBadOption},
		{"length 0", "1e00 0000", TCPOptions{}, ErrBadOption},
		{"length 1", "1e01 0000", TCPOptions{}, ErrBadOption},
		{"length overrun", "1e09 00000000", TCPOptions{}, ErrBadOption},
		{"mss length 3", "0203 00 00", TCPOptions{}, ErrBadOption},
		{"ws length 4", "0304 0000", TCPOptions{}, ErrBadOption},
		{"sack-permitted length 3", "0403 00 00", TCPOptions{}, ErrBadOption},
		{"sack empty", "0502 0000", TCPOptions{}, ErrBadOption},
		{"sack length 11", "050b 0000000000000000 00 0000", TCPOptions{}, ErrBadOption},
		{"timestamps length 8", "0808 000000000000", TCPOptions{}, ErrBadOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := mustHex(tt.opts)
			for len(opts)%4 != 0 {
				opts = append(opts, 0)
			}
			hdr := TCPHeader{SrcPort: 1, DstPort: 2}
			seg := hdr.AppendTo(nil, loAddr, loAddr, nil)
			seg[12] = byte((20+len(opts))/4) << 4
			seg = append(seg, opts...)
			h, _, err := ParseTCP(seg)
			if err != tt.err {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err == nil && h.Options != tt.want {
				t.Errorf("options = %+v, want %+v", h.Options, tt.want)
			}
		})
	}
}

func TestParseTCPErrors(t *testing.T) {
	seg := fixPSH[20:]
	for n := range len(seg) {
		_, _, err := ParseTCP(seg[:n])
		switch {
		case n < 32 && err == nil:
			t.Errorf("%d bytes: header truncation parses", n)
		case n >= 32 && VerifyTCPChecksum(loAddr, loAddr, seg[:n]):
			// TCP has no length field: a truncated payload is only caught
			// by the checksum (or by the IP TotalLen).
			t.Errorf("%d bytes: truncated segment verifies", n)
		}
	}
	bad := append([]byte(nil), seg...)
	bad[12] = 0x40 // data offset 16
	if _, _, err := ParseTCP(bad); err != ErrBadHeaderLen {
		t.Errorf("offset 16: %v", err)
	}
	bad[12] = 0xf0 // 60 > 37 bytes
	if _, _, err := ParseTCP(bad); err != ErrTruncated {
		t.Errorf("offset 60: %v", err)
	}
	if VerifyTCPChecksum(loAddr, addr("127.0.0.2"), seg) {
		t.Error("verifies with wrong address")
	}
}

// TestTCPViewClamps checks the length-dependent view accessors on a view
// with a nonsense data offset.
func TestTCPViewClamps(t *testing.T) {
	b := append([]byte(nil), fixPSH[20:40]...)
	b[12] = 0xf0
	v := TCP(b)
	if len(v.Options()) != 0 || len(v.Payload()) != 0 {
		t.Errorf("Options %x Payload %x", v.Options(), v.Payload())
	}
	b[12] = 0x10
	if len(v.Options()) != 0 || len(v.Payload()) != 0 {
		t.Errorf("Options %x Payload %x", v.Options(), v.Payload())
	}
}

func TestTCPRandomOptionsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 5000; i++ {
		var o TCPOptions
		if r.IntN(2) == 0 {
			o.MSS = uint16(1 + r.IntN(65535))
		}
		o.SACKPermitted = r.IntN(2) == 0
		if o.HasWindowScale = r.IntN(2) == 0; o.HasWindowScale {
			o.WindowScale = uint8(r.Uint32())
		}
		if o.HasTimestamps = r.IntN(2) == 0; o.HasTimestamps {
			o.TSVal, o.TSEcr = r.Uint32(), r.Uint32()
		}
		o.NumSACK = r.IntN(5)
		for j := range o.NumSACK {
			o.SACK[j] = SACKBlock{r.Uint32(), r.Uint32()}
		}
		h := TCPHeader{Seq: r.Uint32(), Flags: TCPFlags(r.Uint32()), Options: o}
		got, _, err := ParseTCP(h.AppendTo(nil, loAddr, loAddr, nil))
		if err != nil {
			t.Fatal(err)
		}
		// Only SACK blocks may be lost, and only when they cannot fit.
		want := o
		want.NumSACK = got.Options.NumSACK
		clear(want.SACK[want.NumSACK:])
		if got.Options != want || got.Options.NumSACK > o.NumSACK {
			t.Fatalf("options %+v came back as %+v", o, got.Options)
		}
		if got.Options.NumSACK < o.NumSACK {
			// Dropping was necessary: one more block would not fit.
			more := want
			more.NumSACK++
			if more.compactLen(more.NumSACK) <= TCPMaxOptionsLen {
				t.Fatalf("dropped a SACK block needlessly: %+v", o)
			}
		}
	}
}
