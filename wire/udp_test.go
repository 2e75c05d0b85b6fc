package wire

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
)

func TestUDPFixture(t *testing.T) {
	seg := fixUDP[20:]
	want := UDPHeader{SrcPort: 50448, DstPort: 5556, Length: 22, Checksum: 0x7734}
	// Bytes to struct.
	h, payload, err := ParseUDP(seg)
	if err != nil {
		t.Fatal(err)
	}
	if h != want || string(payload) != "hops wire test" {
		t.Errorf("ParseUDP = %+v %q, want %+v", h, payload, want)
	}
	v := UDP(seg)
	if v.Check() != nil || v.SrcPort() != 50448 || v.DstPort() != 5556 || v.Length() != 22 ||
		v.Checksum() != 0x7734 || string(v.Payload()) != "hops wire test" {
		t.Errorf("view disagrees")
	}
	if !VerifyUDPChecksum(loAddr, loAddr, seg) {
		t.Error("VerifyUDPChecksum = false")
	}
	// Struct to bytes.
	if got := AppendUDP(nil, loAddr, loAddr, 50448, 5556, []byte("hops wire test")); !bytes.Equal(got, seg) {
		t.Errorf("AppendUDP =\n %x, want\n %x", got, seg)
	}
	if got := want.AppendTo(nil, loAddr, loAddr, payload); !bytes.Equal(got, seg) {
		t.Errorf("AppendTo =\n %x, want\n %x", got, seg)
	}
}

func TestUDPRoundTrip(t *testing.T) {
	a, b := addr("10.0.0.1"), addr("10.0.0.2")
	tests := []struct {
		name     string
		src, dst netip.Addr
		h        UDPHeader
		payload  []byte
	}{
		{"empty", a, b, UDPHeader{SrcPort: 1, DstPort: 2}, nil},
		{"dns", a, b, UDPHeader{SrcPort: 53000, DstPort: 53}, []byte("\x12\x34\x01\x00")},
		{"odd length", a, b, UDPHeader{SrcPort: 65535, DstPort: 0}, []byte("odd")},
		{"large", a, b, UDPHeader{SrcPort: 9, DstPort: 9}, make([]byte, 65507)},
		{"ipv6", addr("2001:db8::1"), addr("2001:db8::2"), UDPHeader{SrcPort: 5, DstPort: 6}, []byte("v6")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seg := tt.h.AppendTo(nil, tt.src, tt.dst, tt.payload)
			got, payload, err := ParseUDP(seg)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.h
			want.Length = uint16(UDPHeaderLen + len(tt.payload))
			want.Checksum = got.Checksum
			if got != want || !bytes.Equal(payload, tt.payload) {
				t.Errorf("round trip = %+v, want %+v", got, want)
			}
			if got.Checksum == 0 || !VerifyUDPChecksum(tt.src, tt.dst, seg) {
				t.Errorf("checksum %#04x does not verify", got.Checksum)
			}
			if VerifyUDPChecksum(tt.src, addr("10.9.9.9"), seg) {
				t.Error("checksum verifies with the wrong destination")
			}
		})
	}
}

func TestUDPZeroChecksumSentAsFFFF(t *testing.T) {
	a, b := addr("10.0.0.1"), addr("10.0.0.2")
	// Choose a payload word that makes the computed checksum zero.
	p := []byte{0, 0}
	c := binary.BigEndian.Uint16(AppendUDP(nil, a, b, 1, 2, p)[6:])
	binary.BigEndian.PutUint16(p, c)
	seg := AppendUDP(nil, a, b, 1, 2, p)
	if got := binary.BigEndian.Uint16(seg[6:]); got != 0xffff {
		t.Fatalf("checksum field %#04x, want 0xffff", got)
	}
	if !VerifyUDPChecksum(a, b, seg) {
		t.Error("0xffff checksum does not verify")
	}
}

func TestVerifyUDPChecksum(t *testing.T) {
	seg := append([]byte(nil), fixUDP[20:]...)
	seg[6], seg[7] = 0, 0 // no checksum
	if !VerifyUDPChecksum(loAddr, loAddr, seg) {
		t.Error("zero checksum rejected for IPv4")
	}
	if VerifyUDPChecksum(addr("::1"), addr("::1"), seg) {
		t.Error("zero checksum accepted for IPv6")
	}
	seg = append([]byte(nil), fixUDP[20:]...)
	seg[10] ^= 0x40
	if VerifyUDPChecksum(loAddr, loAddr, seg) {
		t.Error("corrupted payload verifies")
	}
	// Bytes beyond Length are not covered.
	seg = append(append([]byte(nil), fixUDP[20:]...), 0xaa, 0xbb)
	if !VerifyUDPChecksum(loAddr, loAddr, seg) {
		t.Error("trailing bytes broke verification")
	}
	for n := range len(fixUDP[20:]) {
		if VerifyUDPChecksum(loAddr, loAddr, fixUDP[20:20+n]) {
			t.Errorf("truncated to %d bytes verifies", n)
		}
	}
}

func TestParseUDPErrors(t *testing.T) {
	mod := func(f func(b []byte)) []byte {
		b := append([]byte(nil), fixUDP[20:]...)
		f(b)
		return b
	}
	tests := []struct {
		name string
		seg  []byte
		err  error
	}{
		{"empty", nil, ErrTruncated},
		{"7 bytes", fixUDP[20:27], ErrTruncated},
		{"length 7", mod(func(b []byte) { b[4], b[5] = 0, 7 }), ErrBadLength},
		{"length 0", mod(func(b []byte) { b[4], b[5] = 0, 0 }), ErrBadLength},
		{"length past end", mod(func(b []byte) { b[5]++ }), ErrTruncated},
	}
	for _, tt := range tests {
		if _, _, err := ParseUDP(tt.seg); err != tt.err {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.err)
		}
	}
	for n := range len(fixUDP) - 20 {
		if _, _, err := ParseUDP(fixUDP[20 : 20+n]); err == nil {
			t.Errorf("truncated to %d bytes parses", n)
		}
	}
	// Length below the buffer: the payload stops at Length.
	h, p, err := ParseUDP(mod(func(b []byte) { b[5] = 10 }))
	if err != nil || h.Length != 10 || len(p) != 2 {
		t.Errorf("short Length: %+v %x %v", h, p, err)
	}
	if got := UDP(mod(func(b []byte) { b[5] = 3 })).Payload(); len(got) != 0 {
		t.Errorf("view Payload with Length 3 = %x", got)
	}
}

// randomUDP returns a random datagram of 8 to 107 bytes (so odd lengths
// occur) with a correct Length and a checksum computed for a random pair
// of addresses, or, one time in ten, no checksum (0).
func randomUDP(r *rand.Rand) (d UDP, src, dst netip.Addr) {
	b := make([]byte, UDPHeaderLen+r.IntN(100))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	binary.BigEndian.PutUint16(b[4:6], uint16(len(b)))
	d, src, dst = UDP(b), randAddr(r), randAddr(r)
	d.ComputeChecksum(src, dst)
	if r.IntN(10) == 0 {
		b[6], b[7] = 0, 0
	}
	return d, src, dst
}

// udpSetters applies each UDP view setter with a random value. A setter
// that changes an address of the pseudo header moves *src or *dst.
var udpSetters = []struct {
	name string
	set  func(r *rand.Rand, v UDP, src, dst *netip.Addr)
}{
	{"SetSrcPort", func(r *rand.Rand, v UDP, _, _ *netip.Addr) { v.SetSrcPort(uint16(r.Uint32())) }},
	{"SetDstPort", func(r *rand.Rand, v UDP, _, _ *netip.Addr) { v.SetDstPort(uint16(r.Uint32())) }},
	{"UpdatePseudoAddr src", func(r *rand.Rand, v UDP, src, _ *netip.Addr) {
		a := randAddr(r)
		v.UpdatePseudoAddr(*src, a)
		*src = a
	}},
	{"UpdatePseudoAddr dst", func(r *rand.Rand, v UDP, _, dst *netip.Addr) {
		a := randAddr(r)
		v.UpdatePseudoAddr(*dst, a)
		*dst = a
	}},
}

// TestUDPIncrementalMatchesFull checks every setter's RFC 1624 update
// against a full recompute, and that a zero ("no checksum") field stays
// zero.
func TestUDPIncrementalMatchesFull(t *testing.T) {
	r := rand.New(rand.NewPCG(768, 1624))
	for i := 0; i < 30000; i++ {
		v, src, dst := randomUDP(r)
		none := v.Checksum() == 0
		s := udpSetters[i%len(udpSetters)]
		s.set(r, v, &src, &dst)
		if none {
			if v.Checksum() != 0 {
				t.Fatalf("%s: zero checksum became %#04x", s.name, v.Checksum())
			}
			continue
		}
		full := UDP(bytes.Clone(v))
		full.ComputeChecksum(src, dst)
		if v.Checksum() != full.Checksum() || !VerifyUDPChecksum(src, dst, v) {
			t.Fatalf("%s (%v -> %v) on %x: incremental %#04x, full %#04x",
				s.name, src, dst, []byte(v), v.Checksum(), full.Checksum())
		}
	}
}

// TestUDPChecksumZeroAndFFFF sweeps a port through all 65536 values, so
// that the computed checksum passes through 0 (sent as 0xFFFF), and checks
// each step against a full recompute, starting both from the 0xFFFF form
// and from ordinary values.
func TestUDPChecksumZeroAndFFFF(t *testing.T) {
	a, b := addr("10.0.0.1"), addr("10.0.0.2")
	tests := []struct {
		name string
		set  func(v UDP, p uint16)
	}{
		{"SetSrcPort", UDP.SetSrcPort},
		{"SetDstPort", UDP.SetDstPort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := UDP(AppendUDP(nil, a, b, 1, 2, []byte("dns?")))
			ffff := 0
			for p := range 1 << 16 {
				before := v.Checksum()
				tt.set(v, uint16(p))
				inc := v.Checksum()
				v.ComputeChecksum(a, b)
				if inc != v.Checksum() || inc == 0 {
					t.Fatalf("port %d (checksum before %#04x): incremental %#04x, full %#04x",
						p, before, inc, v.Checksum())
				}
				if inc == 0xffff {
					ffff++
				}
			}
			if ffff != 1 {
				t.Errorf("checksum 0xffff seen %d times, want once", ffff)
			}
		})
	}
	// Leaving the 0xFFFF form by the same setter, and returning to it.
	v := UDP(AppendUDP(nil, a, b, 1, 2, []byte{0, 0}))
	c := v.Checksum()
	binary.BigEndian.PutUint16(v[8:], c) // the payload word cancels the sum
	v.ComputeChecksum(a, b)
	if v.Checksum() != 0xffff {
		t.Fatalf("setup: checksum %#04x, want 0xffff", v.Checksum())
	}
	v.SetSrcPort(7)
	v.SetSrcPort(1)
	if v.Checksum() != 0xffff || !VerifyUDPChecksum(a, b, v) {
		t.Errorf("round trip through port 7: checksum %#04x, want 0xffff", v.Checksum())
	}
	v.SetSrcPort(1) // unchanged value: still 0xffff, never 0
	v.UpdatePseudoAddr(a, a)
	if v.Checksum() != 0xffff {
		t.Errorf("no-op update: checksum %#04x, want 0xffff", v.Checksum())
	}
}

func TestUDPSetters(t *testing.T) {
	tests := []struct {
		name  string
		set   func(v UDP)
		off   int
		field []byte
	}{
		{"SetSrcPort", func(v UDP) { v.SetSrcPort(53) }, 0, []byte{0, 53}},
		{"SetDstPort", func(v UDP) { v.SetDstPort(33434) }, 2, []byte{0x82, 0x9a}},
		{"UpdatePseudoAddr", func(v UDP) { v.UpdatePseudoAddr(loAddr, addr("::ffff:127.0.0.1")) }, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := UDP(bytes.Clone(fixUDP[20:]))
			tt.set(v)
			if !VerifyUDPChecksum(loAddr, loAddr, v) {
				t.Errorf("checksum %#04x does not verify", v.Checksum())
			}
			want := bytes.Clone(fixUDP[20:])
			copy(want[tt.off:], tt.field)
			copy(want[6:8], v[6:8])
			if !bytes.Equal(v, want) {
				t.Errorf("datagram\n %x, want\n %x", []byte(v), want)
			}
			// With no checksum, the field stays 0 and the rest changes.
			v = UDP(bytes.Clone(fixUDP[20:]))
			v[6], v[7] = 0, 0
			want[6], want[7] = 0, 0
			tt.set(v)
			if !bytes.Equal(v, want) {
				t.Errorf("no checksum: datagram\n %x, want\n %x", []byte(v), want)
			}
		})
	}
	// ComputeChecksum reproduces the captured checksum and ignores bytes
	// beyond Length.
	v := UDP(append(bytes.Clone(fixUDP[20:]), 0xaa, 0xbb))
	v[6], v[7] = 0x12, 0x34
	v.ComputeChecksum(loAddr, loAddr)
	if v.Checksum() != 0x7734 {
		t.Errorf("ComputeChecksum = %#04x, want 0x7734", v.Checksum())
	}
}

func TestUDPSettersNoAllocs(t *testing.T) {
	v := UDP(bytes.Clone(fixUDP[20:]))
	a, b := addr("192.0.2.1"), addr("2001:db8::1")
	f := func() {
		v.SetSrcPort(1)
		v.SetDstPort(2)
		v.UpdatePseudoAddr(a, b)
		v.ComputeChecksum(a, b)
	}
	if n := testing.AllocsPerRun(100, f); n != 0 {
		t.Errorf("%v allocs, want 0", n)
	}
}
