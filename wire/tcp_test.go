package wire

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
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

// randomTCP returns a random segment (random fixed fields and option
// bytes, a payload of 0 to 99 bytes so odd lengths occur) with a checksum
// computed for a random pair of addresses.
func randomTCP(r *rand.Rand) (seg TCP, src, dst netip.Addr) {
	hl := 4 * (5 + r.IntN(11))
	b := make([]byte, hl+r.IntN(100))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[12] = byte(hl/4)<<4 | b[12]&0x0f
	seg, src, dst = TCP(b), randAddr(r), randAddr(r)
	seg.ComputeChecksum(src, dst)
	return seg, src, dst
}

// tcpSetters applies each TCP view setter with a random value. A setter
// that changes an address of the pseudo header moves *src or *dst.
var tcpSetters = []struct {
	name string
	set  func(r *rand.Rand, v TCP, src, dst *netip.Addr)
}{
	{"SetSrcPort", func(r *rand.Rand, v TCP, _, _ *netip.Addr) { v.SetSrcPort(uint16(r.Uint32())) }},
	{"SetDstPort", func(r *rand.Rand, v TCP, _, _ *netip.Addr) { v.SetDstPort(uint16(r.Uint32())) }},
	{"SetSeq", func(r *rand.Rand, v TCP, _, _ *netip.Addr) { v.SetSeq(r.Uint32()) }},
	{"SetAck", func(r *rand.Rand, v TCP, _, _ *netip.Addr) { v.SetAck(r.Uint32()) }},
	{"SetFlags", func(r *rand.Rand, v TCP, _, _ *netip.Addr) { v.SetFlags(TCPFlags(r.Uint32())) }},
	{"SetWindow", func(r *rand.Rand, v TCP, _, _ *netip.Addr) { v.SetWindow(uint16(r.Uint32())) }},
	{"SetUrgent", func(r *rand.Rand, v TCP, _, _ *netip.Addr) { v.SetUrgent(uint16(r.Uint32())) }},
	{"UpdatePseudoAddr src", func(r *rand.Rand, v TCP, src, _ *netip.Addr) {
		a := randAddr(r)
		v.UpdatePseudoAddr(*src, a)
		*src = a
	}},
	{"UpdatePseudoAddr dst", func(r *rand.Rand, v TCP, _, dst *netip.Addr) {
		a := randAddr(r)
		v.UpdatePseudoAddr(*dst, a)
		*dst = a
	}},
}

// TestTCPIncrementalMatchesFull checks that every setter's RFC 1624
// update gives the same checksum as a full recompute, on random segments
// and random address pairs of every family.
func TestTCPIncrementalMatchesFull(t *testing.T) {
	r := rand.New(rand.NewPCG(793, 1624))
	for i := 0; i < 30000; i++ {
		v, src, dst := randomTCP(r)
		s := tcpSetters[i%len(tcpSetters)]
		s.set(r, v, &src, &dst)
		full := TCP(bytes.Clone(v))
		full.ComputeChecksum(src, dst)
		if v.Checksum() != full.Checksum() || !VerifyTCPChecksum(src, dst, v) {
			t.Fatalf("%s (%v -> %v) on %x: incremental %#04x, full %#04x",
				s.name, src, dst, []byte(v), v.Checksum(), full.Checksum())
		}
	}
	// A chain of setters on one segment stays exact.
	v, src, dst := randomTCP(r)
	for i := range 1000 {
		tcpSetters[r.IntN(len(tcpSetters))].set(r, v, &src, &dst)
		if !VerifyTCPChecksum(src, dst, v) {
			t.Fatalf("step %d: checksum no longer verifies", i)
		}
	}
	// Sweep the window so that the checksum takes every value, the
	// 0x0000 corner included.
	seg := TCP(bytes.Clone(fixSYN[20:]))
	seen0 := false
	for w := range 1 << 16 {
		seg.SetWindow(uint16(w))
		inc := seg.Checksum()
		seg.ComputeChecksum(loAddr, loAddr)
		if inc != seg.Checksum() {
			t.Fatalf("window %#04x: incremental %#04x, full %#04x", w, inc, seg.Checksum())
		}
		seen0 = seen0 || inc == 0
	}
	if !seen0 {
		t.Error("the sweep never produced checksum 0")
	}
}

// TestTCPSetters checks that each setter writes its own field, reads
// back, and changes no other byte but the checksum.
func TestTCPSetters(t *testing.T) {
	tests := []struct {
		name  string
		set   func(v TCP)
		off   int    // offset of the field
		field []byte // its new bytes
		check func(v TCP) bool
	}{
		{"SetSrcPort", func(v TCP) { v.SetSrcPort(40000) }, 0, []byte{0x9c, 0x40},
			func(v TCP) bool { return v.SrcPort() == 40000 }},
		{"SetDstPort", func(v TCP) { v.SetDstPort(443) }, 2, []byte{0x01, 0xbb},
			func(v TCP) bool { return v.DstPort() == 443 }},
		{"SetSeq", func(v TCP) { v.SetSeq(0xfffffffe) }, 4, []byte{0xff, 0xff, 0xff, 0xfe},
			func(v TCP) bool { return v.Seq() == 0xfffffffe }},
		{"SetAck", func(v TCP) { v.SetAck(1) }, 8, []byte{0, 0, 0, 1},
			func(v TCP) bool { return v.Ack() == 1 }},
		{"SetFlags", func(v TCP) { v.SetFlags(SYN | ACK | ECE) }, 13, []byte{0x52},
			func(v TCP) bool { return v.Flags() == SYN|ACK|ECE && v.HeaderLen() == 40 }},
		{"SetWindow", func(v TCP) { v.SetWindow(0) }, 14, []byte{0, 0},
			func(v TCP) bool { return v.Window() == 0 }},
		{"SetUrgent", func(v TCP) { v.SetUrgent(0x1234) }, 18, []byte{0x12, 0x34},
			func(v TCP) bool { return v.Urgent() == 0x1234 }},
		{"UpdatePseudoAddr", func(v TCP) { v.UpdatePseudoAddr(loAddr, loAddr) }, 0, nil,
			func(v TCP) bool { return v.Checksum() == 0x38d6 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := TCP(bytes.Clone(fixSYN[20:]))
			tt.set(v)
			if !tt.check(v) {
				t.Errorf("field did not read back")
			}
			if !VerifyTCPChecksum(loAddr, loAddr, v) {
				t.Errorf("checksum %#04x does not verify", v.Checksum())
			}
			want := bytes.Clone(fixSYN[20:])
			copy(want[tt.off:], tt.field)
			copy(want[16:18], v[16:18])
			if !bytes.Equal(v, want) {
				t.Errorf("segment\n %x, want\n %x", []byte(v), want)
			}
		})
	}
	// The reserved bits beside the data offset survive SetFlags.
	v := TCP(bytes.Clone(fixSYN[20:]))
	v[12] |= 0x0f
	v.ComputeChecksum(loAddr, loAddr)
	v.SetFlags(FIN)
	if v[12] != 0xaf || v.Flags() != FIN || !VerifyTCPChecksum(loAddr, loAddr, v) {
		t.Errorf("byte 12 %#02x flags %v", v[12], v.Flags())
	}
	// ComputeChecksum reproduces the captured checksum.
	v = TCP(bytes.Clone(fixPSH[20:]))
	binary.BigEndian.PutUint16(v[16:], 0xdead)
	v.ComputeChecksum(loAddr, loAddr)
	if v.Checksum() != 0xbdfe {
		t.Errorf("ComputeChecksum = %#04x, want 0xbdfe", v.Checksum())
	}
}

// TestTCPSettersKeepCorruption checks that a setter does not repair a
// corrupted segment: the difference from the correct checksum is kept.
func TestTCPSettersKeepCorruption(t *testing.T) {
	r := rand.New(rand.NewPCG(1071, 1141))
	for i := 0; i < 5000; i++ {
		v, src, dst := randomTCP(r)
		v[len(v)-1] ^= byte(1 + r.IntN(255)) // corrupt the last byte
		tcpSetters[i%len(tcpSetters)].set(r, v, &src, &dst)
		if VerifyTCPChecksum(src, dst, v) {
			t.Fatalf("case %d: corrupted segment verifies after %s", i, tcpSetters[i%len(tcpSetters)].name)
		}
	}
}

func TestTCPSettersNoAllocs(t *testing.T) {
	v := TCP(bytes.Clone(fixSYN[20:]))
	a, b := addr("192.0.2.1"), addr("2001:db8::1")
	f := func() {
		v.SetSrcPort(1)
		v.SetDstPort(2)
		v.SetSeq(3)
		v.SetAck(4)
		v.SetFlags(ACK)
		v.SetWindow(5)
		v.SetUrgent(6)
		v.UpdatePseudoAddr(a, b)
		v.ComputeChecksum(a, b)
	}
	if n := testing.AllocsPerRun(100, f); n != 0 {
		t.Errorf("%v allocs, want 0", n)
	}
}

func BenchmarkTCPSetSeqAck(b *testing.B) {
	v := TCP(bytes.Clone(fixPSH[20:]))
	b.ReportAllocs()
	var n uint32
	for b.Loop() {
		n++
		v.SetSeq(n)
		v.SetAck(^n)
	}
}

// TestTCPSYNOptionLayout checks the SYN option layouts Linux's
// tcp_options_write produces for each combination of timestamps and
// SACK: MSS, SACK_PERM, TS, NOP, WS; MSS, NOP, NOP, TS, NOP, WS;
// MSS, NOP, NOP, SACK_PERM, NOP, WS; MSS, NOP, WS.
func TestTCPSYNOptionLayout(t *testing.T) {
	tests := []struct {
		name string
		opts TCPOptions
		want string
	}{
		{"all", TCPOptions{MSS: 1460, SACKPermitted: true, HasTimestamps: true, TSVal: 1, HasWindowScale: true, WindowScale: 7},
			"020405b4 0402080a 00000001 00000000 01030307"},
		{"no sack", TCPOptions{MSS: 1460, HasTimestamps: true, TSVal: 1, HasWindowScale: true, WindowScale: 7},
			"020405b4 0101080a 00000001 00000000 01030307"},
		{"no timestamps", TCPOptions{MSS: 1460, SACKPermitted: true, HasWindowScale: true, WindowScale: 7},
			"020405b4 01010402 01030307"},
		{"mss and wscale", TCPOptions{MSS: 1460, HasWindowScale: true, WindowScale: 7},
			"020405b4 01030307"},
	}
	for _, tt := range tests {
		h := TCPHeader{Flags: SYN, Options: tt.opts}
		seg := h.AppendTo(nil, loAddr, loAddr, nil)
		if got, want := seg[TCPHeaderLen:], mustHex(tt.want); !bytes.Equal(got, want) {
			t.Errorf("%s: options %x, want %x", tt.name, got, want)
		}
		if back, _, err := ParseTCP(seg); err != nil || back.Options != tt.opts {
			t.Errorf("%s: parsed back %+v, %v", tt.name, back.Options, err)
		}
	}
}
