package wire

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
	"testing/quick"
)

// refSum is a straightforward RFC 1071 sum of 16-bit words, used as the
// reference for the optimized Sum.
func refSum(b []byte, initial uint32) uint32 {
	s := uint64(initial)
	for i := 0; i+1 < len(b); i += 2 {
		s += uint64(b[i])<<8 | uint64(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint64(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint32(s)
}

func TestChecksumKnownValues(t *testing.T) {
	zeroed := func(b []byte, off int) []byte {
		c := append([]byte(nil), b...)
		c[off], c[off+1] = 0, 0
		return c
	}
	tests := []struct {
		name    string
		data    []byte
		initial uint32
		sum     uint32
		csum    uint16
	}{
		// RFC 1071 section 3: the sum of 0001 f203 f4f5 f6f7 is ddf2.
		{"rfc1071", mustHex("0001 f203 f4f5 f6f7"), 0, 0xddf2, 0x220d},
		{"empty", nil, 0, 0, 0xffff},
		{"empty with initial", nil, 0x1_2345, 0x2346, 0xdcb9},
		{"odd byte", []byte{0xab}, 0, 0xab00, 0x54ff},
		{"all ones", []byte{0xff, 0xff}, 0, 0xffff, 0},
		{"wikipedia header", zeroed(fixWikiIPv4Header, 10), 0, 0x479e, 0xb861},
		{"wikipedia header verifies", fixWikiIPv4Header, 0, 0xffff, 0},
		{"echo request", zeroed(fixEchoRequest[20:], 2), 0, 0xcbe4, 0x341b},
		{"echo reply", zeroed(fixEchoReply[20:], 2), 0, 0xc3e4, 0x3c1b},
		{"syn with pseudo header", zeroed(fixSYN[20:], 16),
			PseudoHeaderSum(loAddr, loAddr, ProtoTCP, 40), 0xc729, 0x38d6},
		{"udp with pseudo header", zeroed(fixUDP[20:], 6),
			PseudoHeaderSum(loAddr, loAddr, ProtoUDP, 22), 0x88cb, 0x7734},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sum(tt.data, tt.initial); got != tt.sum {
				t.Errorf("Sum = %#04x, want %#04x", got, tt.sum)
			}
			if got := Checksum(tt.data, tt.initial); got != tt.csum {
				t.Errorf("Checksum = %#04x, want %#04x", got, tt.csum)
			}
		})
	}
}

// TestSumMatchesReference compares the 8-bytes-at-a-time Sum against the
// reference over many lengths, alignments and initial values.
func TestSumMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 2048)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	for n := 0; n < 300; n++ {
		for off := 0; off < 8; off++ {
			b := buf[off : off+n]
			initial := r.Uint32()
			if n%7 == 0 {
				initial = 0
			}
			if got, want := Sum(b, initial), refSum(b, initial); got != want {
				t.Fatalf("Sum(len %d, off %d, %#x) = %#x, want %#x", n, off, initial, got, want)
			}
		}
	}
	// Saturated inputs exercise every carry path.
	ones := make([]byte, 1500)
	for i := range ones {
		ones[i] = 0xff
	}
	for _, n := range []int{0, 1, 2, 7, 8, 31, 32, 33, 1499, 1500} {
		for _, initial := range []uint32{0, 0xffff, 0xffffffff} {
			if got, want := Sum(ones[:n], initial), refSum(ones[:n], initial); got != want {
				t.Errorf("Sum(ff*%d, %#x) = %#x, want %#x", n, initial, got, want)
			}
		}
	}
}

func TestSumChains(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, 999)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	for split := 0; split <= len(b); split += 2 {
		if got, want := Sum(b[split:], Sum(b[:split], 7)), Sum(b, 7); got != want {
			t.Fatalf("split %d: chained %#x, whole %#x", split, got, want)
		}
	}
}

// TestChecksumVerifiesQuick is the defining property: storing the checksum
// in a (16-bit aligned) field of the covered data makes the data verify.
func TestChecksumVerifiesQuick(t *testing.T) {
	f := func(b []byte, pos uint16, initial uint32) bool {
		if len(b) < 2 {
			b = append(b, 0, 0)
		}
		off := 2 * (int(pos) % (len(b) / 2))
		b[off], b[off+1] = 0, 0
		c := Checksum(b, initial)
		binary.BigEndian.PutUint16(b[off:], c)
		return Checksum(b, initial) == 0
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 2000, Rand: nil}); err != nil {
		t.Error(err)
	}
}

func TestPseudoHeaderSum(t *testing.T) {
	tests := []struct {
		name     string
		src, dst string
		proto    uint8
		length   int
		header   string // the pseudo header bytes
	}{
		{"ipv4 tcp", "10.0.0.1", "192.168.1.2", ProtoTCP, 40,
			"0a000001 c0a80102 00 06 0028"},
		{"ipv4 udp max", "255.255.255.255", "0.0.0.0", ProtoUDP, 65535,
			"ffffffff 00000000 00 11 ffff"},
		{"ipv4-mapped", "::ffff:10.0.0.1", "::ffff:10.0.0.2", ProtoUDP, 8,
			"0a000001 0a000002 00 11 0008"},
		{"ipv6", "2001:db8::1", "fe80::2", ProtoTCP, 70000,
			"20010db8000000000000000000000001 fe800000000000000000000000000002 00011170 000000 06"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PseudoHeaderSum(netip.MustParseAddr(tt.src), netip.MustParseAddr(tt.dst), tt.proto, tt.length)
			want := refSum(mustHex(tt.header), 0)
			if fold(uint64(got)) != want {
				t.Errorf("PseudoHeaderSum = %#x (folded %#x), want %#x", got, fold(uint64(got)), want)
			}
		})
	}
	// The zero Addr must not panic.
	_ = PseudoHeaderSum(netip.Addr{}, netip.Addr{}, ProtoTCP, 20)
}

func TestChecksumUpdate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		b := make([]byte, 2*(2+r.IntN(30)))
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		if i%5 == 0 {
			clear(b[2:]) // sparse data hits the 0x0000/0xffff corner cases
			b[len(b)-1] = byte(i)
		}
		b[0], b[1] = 0, 0
		binary.BigEndian.PutUint16(b, Checksum(b, 0))
		off := 2 + 2*r.IntN(len(b)/2-1)
		if off+4 <= len(b) && i%2 == 0 {
			old := binary.BigEndian.Uint32(b[off:])
			nv := r.Uint32()
			binary.BigEndian.PutUint32(b[off:], nv)
			binary.BigEndian.PutUint16(b, ChecksumUpdate32(binary.BigEndian.Uint16(b), old, nv))
		} else {
			old := binary.BigEndian.Uint16(b[off:])
			nv := uint16(r.Uint32())
			binary.BigEndian.PutUint16(b[off:], nv)
			binary.BigEndian.PutUint16(b, ChecksumUpdate16(binary.BigEndian.Uint16(b), old, nv))
		}
		inc := binary.BigEndian.Uint16(b)
		b[0], b[1] = 0, 0
		if full := Checksum(b, 0); inc != full {
			t.Fatalf("case %d: incremental %#04x, full %#04x (data %x)", i, inc, full, b)
		}
	}
}

func BenchmarkChecksum1500(b *testing.B) {
	buf := make([]byte, 1500)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		Checksum(buf, 0)
	}
}

// randAddr returns a random address: mostly IPv4, sometimes IPv4-mapped
// IPv6, IPv6, or the zero Addr, so that pseudo-header updates are tested
// across families.
func randAddr(r *rand.Rand) netip.Addr {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	switch r.IntN(8) {
	case 0:
		return netip.AddrFrom16(b) // IPv6 (unless it happens to be mapped)
	case 1:
		b[10], b[11] = 0xff, 0xff
		clear(b[:10])
		return netip.AddrFrom16(b) // IPv4-mapped
	case 2:
		return netip.Addr{}
	case 3:
		return netip.AddrFrom4([4]byte{}) // 0.0.0.0: sums as zero words
	}
	return netip.AddrFrom4([4]byte(b[:4]))
}

// TestChecksumUpdateAddr checks that replacing an address in the pseudo
// header incrementally matches a full recompute with the new pair, for
// every mix of address families.
func TestChecksumUpdateAddr(t *testing.T) {
	r := rand.New(rand.NewPCG(1624, 3022))
	data := make([]byte, 64)
	for i := 0; i < 20000; i++ {
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		n := r.IntN(len(data)) + 1
		src, dst, nsrc := randAddr(r), randAddr(r), randAddr(r)
		if i%50 == 0 {
			clear(data[:n]) // sparse data hits the 0x0000/0xffff corners
		}
		old := Checksum(data[:n], PseudoHeaderSum(src, dst, ProtoTCP, n))
		want := Checksum(data[:n], PseudoHeaderSum(nsrc, dst, ProtoTCP, n))
		// The address may be either half of the pseudo header.
		if i%2 == 1 {
			old = Checksum(data[:n], PseudoHeaderSum(dst, src, ProtoTCP, n))
			want = Checksum(data[:n], PseudoHeaderSum(dst, nsrc, ProtoTCP, n))
		}
		if got := ChecksumUpdateAddr(old, src, nsrc); got != want {
			t.Fatalf("case %d: %v -> %v (other %v, %d bytes): incremental %#04x, full %#04x",
				i, src, nsrc, dst, n, got, want)
		}
	}
}
