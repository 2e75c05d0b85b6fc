package wire

import (
	"bytes"
	"encoding/binary"
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
