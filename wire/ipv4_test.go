package wire

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
)

func ipv4HeaderEqual(a, b IPv4Header) bool {
	return a.TOS == b.TOS && a.TotalLen == b.TotalLen && a.ID == b.ID &&
		a.DontFragment == b.DontFragment && a.MoreFragments == b.MoreFragments &&
		a.FragOffset == b.FragOffset && a.TTL == b.TTL && a.Protocol == b.Protocol &&
		a.Checksum == b.Checksum && a.Src == b.Src && a.Dst == b.Dst &&
		bytes.Equal(a.Options, b.Options)
}

// viewHeader decodes a checked view field by field, for comparing the view
// accessors with ParseIPv4.
func viewHeader(v IPv4) IPv4Header {
	h := IPv4Header{
		TOS: v.TOS(), TotalLen: uint16(v.TotalLen()), ID: v.ID(),
		DontFragment: v.DontFragment(), MoreFragments: v.MoreFragments(),
		FragOffset: v.FragOffset(), TTL: v.TTL(), Protocol: v.Protocol(),
		Checksum: v.HeaderChecksum(), Src: v.Src(), Dst: v.Dst(),
	}
	if len(v.Options()) > 0 {
		h.Options = v.Options()
	}
	return h
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// withPayload returns b followed by n bytes of filler.
func withPayload(b []byte, n int) []byte {
	out := append([]byte(nil), b...)
	for i := range n {
		out = append(out, byte(i))
	}
	return out
}

func TestParseIPv4Fixtures(t *testing.T) {
	tests := []struct {
		name       string
		pkt        []byte
		want       IPv4Header
		payloadLen int
	}{
		{"wikipedia", withPayload(fixWikiIPv4Header, 0x73-20), IPv4Header{
			TotalLen: 0x73, DontFragment: true, TTL: 64, Protocol: ProtoUDP,
			Checksum: 0xb861, Src: addr("192.168.0.1"), Dst: addr("192.168.0.199"),
		}, 0x73 - 20},
		{"echo request", fixEchoRequest, IPv4Header{
			TotalLen: 76, ID: 0x7592, DontFragment: true, TTL: 64, Protocol: ProtoICMP,
			Checksum: 0xc71c, Src: loAddr, Dst: loAddr,
		}, 56},
		{"echo reply", fixEchoReply, IPv4Header{
			TotalLen: 76, ID: 0x7593, TTL: 64, Protocol: ProtoICMP,
			Checksum: 0x071c, Src: loAddr, Dst: loAddr,
		}, 56},
		{"syn", fixSYN, IPv4Header{
			TotalLen: 60, ID: 0x63c9, DontFragment: true, TTL: 64, Protocol: ProtoTCP,
			Checksum: 0xd8f0, Src: loAddr, Dst: loAddr,
		}, 40},
		{"udp", fixUDP, IPv4Header{
			TotalLen: 42, ID: 0x5485, DontFragment: true, TTL: 64, Protocol: ProtoUDP,
			Checksum: 0xe83b, Src: loAddr, Dst: loAddr,
		}, 22},
		{"frag needed", fixFragNeeded, IPv4Header{
			TOS: 0xc0, TotalLen: 56, TTL: 64, Protocol: ProtoICMP,
			Checksum: 0x6507, Src: addr("10.0.0.254"), Dst: addr("10.0.0.1"),
		}, 36},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Bytes to struct.
			h, payload, err := ParseIPv4(tt.pkt)
			if err != nil {
				t.Fatalf("ParseIPv4: %v", err)
			}
			if !ipv4HeaderEqual(h, tt.want) {
				t.Errorf("ParseIPv4 =\n %+v, want\n %+v", h, tt.want)
			}
			if len(payload) != tt.payloadLen || !bytes.Equal(payload, tt.pkt[20:]) {
				t.Errorf("payload = %x, want %x", payload, tt.pkt[20:])
			}
			v := IPv4(tt.pkt)
			if err := v.Check(); err != nil {
				t.Errorf("Check: %v", err)
			}
			if got := viewHeader(v); !ipv4HeaderEqual(got, h) {
				t.Errorf("view = %+v, want %+v", got, h)
			}
			if !v.ChecksumValid() || v.Version() != 4 || v.HeaderLen() != 20 {
				t.Errorf("ChecksumValid %v Version %d HeaderLen %d", v.ChecksumValid(), v.Version(), v.HeaderLen())
			}
			// Struct to bytes.
			if got := tt.want.AppendTo(nil, tt.payloadLen); !bytes.Equal(got, tt.pkt[:20]) {
				t.Errorf("AppendTo =\n %x, want\n %x", got, tt.pkt[:20])
			}
		})
	}
}

func TestIPv4RoundTrip(t *testing.T) {
	opts40 := bytes.Repeat([]byte{1}, 39) // NOPs
	opts40 = append(opts40, 0)
	tests := []struct {
		name       string
		h          IPv4Header
		payloadLen int
	}{
		{"zero", IPv4Header{Src: addr("0.0.0.0"), Dst: addr("0.0.0.0")}, 0},
		{"udp", IPv4Header{TTL: 64, Protocol: ProtoUDP, Src: addr("10.0.0.1"), Dst: addr("10.0.0.2")}, 100},
		{"all fields", IPv4Header{
			TOS: 0xb8, ID: 0xbeef, DontFragment: true, TTL: 255, Protocol: ProtoTCP,
			Src: addr("255.255.255.255"), Dst: addr("1.2.3.4"),
		}, 65515},
		{"first fragment", IPv4Header{ID: 7, MoreFragments: true, TTL: 1, Protocol: ProtoUDP,
			Src: addr("10.0.0.1"), Dst: addr("10.0.0.2")}, 1480},
		{"last fragment", IPv4Header{ID: 7, FragOffset: 65528, TTL: 1, Protocol: ProtoUDP,
			Src: addr("10.0.0.1"), Dst: addr("10.0.0.2")}, 7},
		{"router alert", IPv4Header{TTL: 1, Protocol: 2, Src: addr("10.0.0.1"), Dst: addr("224.0.0.22"),
			Options: mustHex("94040000")}, 8},
		{"max options", IPv4Header{TTL: 9, Protocol: ProtoICMP, Src: addr("10.0.0.1"), Dst: addr("10.0.0.2"),
			Options: opts40}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkt := withPayload(tt.h.AppendTo(nil, tt.payloadLen), tt.payloadLen)
			if len(pkt) != tt.h.HeaderLen()+tt.payloadLen {
				t.Fatalf("len = %d, want %d", len(pkt), tt.h.HeaderLen()+tt.payloadLen)
			}
			got, payload, err := ParseIPv4(pkt)
			if err != nil {
				t.Fatalf("ParseIPv4: %v", err)
			}
			want := tt.h
			want.TotalLen = uint16(len(pkt))
			want.Checksum = got.Checksum
			if !ipv4HeaderEqual(got, want) {
				t.Errorf("round trip =\n %+v, want\n %+v", got, want)
			}
			if len(payload) != tt.payloadLen {
				t.Errorf("payload len %d, want %d", len(payload), tt.payloadLen)
			}
			// Appending to a non-empty slice writes the same bytes.
			prefix := []byte{0xde, 0xad}
			if got := tt.h.AppendTo(prefix, tt.payloadLen); !bytes.Equal(got[2:], pkt[:tt.h.HeaderLen()]) || !bytes.Equal(got[:2], prefix) {
				t.Errorf("AppendTo with prefix = %x", got)
			}
		})
	}
}

func TestIPv4AppendOptions(t *testing.T) {
	tests := []struct {
		opts    []byte
		wantHL  int
		wantOpt []byte
	}{
		{nil, 20, nil},
		{[]byte{1}, 24, []byte{1, 0, 0, 0}},
		{[]byte{0x94, 4, 0, 0}, 24, []byte{0x94, 4, 0, 0}},
		{[]byte{7, 7, 4, 1, 1}, 28, []byte{7, 7, 4, 1, 1, 0, 0, 0}},
		{bytes.Repeat([]byte{1}, 44), 60, bytes.Repeat([]byte{1}, 40)}, // truncated to 40
	}
	for _, tt := range tests {
		h := IPv4Header{TTL: 1, Src: addr("10.0.0.1"), Dst: addr("10.0.0.2"), Options: tt.opts}
		if h.HeaderLen() != tt.wantHL {
			t.Errorf("opts %x: HeaderLen %d, want %d", tt.opts, h.HeaderLen(), tt.wantHL)
		}
		// Garbage in the spare capacity must not leak into the padding.
		dst := bytes.Repeat([]byte{0xee}, 64)[:0]
		got, _, err := ParseIPv4(h.AppendTo(dst, 0))
		if err != nil {
			t.Fatalf("opts %x: %v", tt.opts, err)
		}
		if !bytes.Equal(got.Options, tt.wantOpt) {
			t.Errorf("opts %x: parsed options %x, want %x", tt.opts, got.Options, tt.wantOpt)
		}
	}
}

func TestIPv4NonIPv4Addresses(t *testing.T) {
	h := IPv4Header{TTL: 1, Src: addr("::ffff:10.1.2.3"), Dst: addr("2001:db8::1")}
	got, _, err := ParseIPv4(h.AppendTo(nil, 0))
	if err != nil {
		t.Fatal(err)
	}
	if got.Src != addr("10.1.2.3") || got.Dst != addr("0.0.0.0") {
		t.Errorf("Src %v Dst %v", got.Src, got.Dst)
	}
	h.Dst = netip.Addr{}
	if _, _, err := ParseIPv4(h.AppendTo(nil, 0)); err != nil {
		t.Error(err)
	}
}

func TestParseIPv4Errors(t *testing.T) {
	good := fixUDP
	mod := func(f func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		f(b)
		IPv4(b).ComputeChecksum()
		return b
	}
	tests := []struct {
		name string
		pkt  []byte
		err  error
	}{
		{"empty", nil, ErrTruncated},
		{"19 bytes", good[:19], ErrTruncated},
		{"version 6", mod(func(b []byte) { b[0] = 0x65 }), ErrBadVersion},
		{"version 0", mod(func(b []byte) { b[0] = 0x05 }), ErrBadVersion},
		{"IHL 4", mod(func(b []byte) { b[0] = 0x44 }), ErrBadHeaderLen},
		{"IHL 0", mod(func(b []byte) { b[0] = 0x40 }), ErrBadHeaderLen},
		{"IHL past end", mod(func(b []byte) { b[0] = 0x4f }), ErrTruncated},
		{"TotalLen < IHL", mod(func(b []byte) { b[2], b[3] = 0, 19 }), ErrBadLength},
		{"TotalLen past end", mod(func(b []byte) { b[3]++ }), ErrTruncated},
		{"bad checksum", func() []byte { b := append([]byte(nil), good...); b[11] ^= 1; return b }(), ErrBadChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseIPv4(tt.pkt)
			if err != tt.err {
				t.Errorf("err = %v, want %v", err, tt.err)
			}
			if tt.err != ErrBadChecksum && IPv4(tt.pkt).Check() != tt.err {
				t.Errorf("Check = %v, want %v", IPv4(tt.pkt).Check(), tt.err)
			}
		})
	}
}

func TestParseIPv4BadChecksumFillsHeader(t *testing.T) {
	b := append([]byte(nil), fixSYN...)
	b[8] = 7 // TTL changed without fixing the checksum
	h, payload, err := ParseIPv4(b)
	if !errors.Is(err, ErrBadChecksum) {
		t.Fatalf("err = %v", err)
	}
	if h.TTL != 7 || h.Checksum != 0xd8f0 || h.Src != loAddr || len(payload) != 40 {
		t.Errorf("h = %+v, payload %d bytes", h, len(payload))
	}
	if IPv4(b).ChecksumValid() {
		t.Error("ChecksumValid = true")
	}
}

func TestParseIPv4IgnoresLinkPadding(t *testing.T) {
	// Ethernet pads short frames; bytes past TotalLen are not payload.
	b := append(append([]byte(nil), fixUDP...), 0, 0, 0, 0)
	h, payload, err := ParseIPv4(b)
	if err != nil || h.TotalLen != 42 || len(payload) != 22 {
		t.Fatalf("err %v TotalLen %d payload %d", err, h.TotalLen, len(payload))
	}
	if got := IPv4(b).Payload(); len(got) != 22 {
		t.Errorf("view Payload len %d", len(got))
	}
}

// TestTruncations checks that every proper prefix of every fixture fails
// to parse as IPv4, and never panics in any parser or view.
func TestTruncations(t *testing.T) {
	fixtures := map[string][]byte{
		"echo request": fixEchoRequest, "echo reply": fixEchoReply,
		"syn": fixSYN, "synack": fixSYNACK, "psh": fixPSH, "udp": fixUDP,
		"sack": fixSACK, "frag needed": fixFragNeeded, "time exceeded": fixTimeExceeded,
	}
	for name, pkt := range fixtures {
		for n := range len(pkt) {
			b := pkt[:n]
			if _, _, err := ParseIPv4(b); err == nil {
				t.Errorf("%s: ParseIPv4 of %d/%d bytes succeeded", name, n, len(pkt))
			}
			if IPv4(b).Check() == nil {
				t.Errorf("%s: Check of %d/%d bytes succeeded", name, n, len(pkt))
			}
			// The transport parsers on truncated transport bytes.
			if n >= 20 {
				tb := b[20:]
				ParseTCP(tb)
				ParseUDP(tb)
				ParseICMP(tb)
				QuoteDatagram(nil, b)
			}
		}
	}
}

// randomIPv4 returns a random, valid IPv4 header with options and a
// correct checksum.
func randomIPv4(r *rand.Rand) IPv4 {
	ihl := 5 + r.IntN(11)
	b := make([]byte, ihl*4+r.IntN(8))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[0] = 0x40 | byte(ihl)
	v := IPv4(b)
	v.SetTotalLen(len(b))
	v.ComputeChecksum()
	return v
}

// TestIPv4IncrementalMatchesFull checks that every setter's RFC 1624
// incremental update gives the same checksum as a full recompute.
func TestIPv4IncrementalMatchesFull(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 1624))
	setters := []struct {
		name string
		set  func(v IPv4)
	}{
		{"SetTTL", func(v IPv4) { v.SetTTL(uint8(r.Uint32())) }},
		{"DecTTL", func(v IPv4) { v.DecTTL() }},
		{"SetTOS", func(v IPv4) { v.SetTOS(uint8(r.Uint32())) }},
		{"SetTotalLen", func(v IPv4) { v.SetTotalLen(r.IntN(65536)) }},
		{"SetID", func(v IPv4) { v.SetID(uint16(r.Uint32())) }},
		{"SetFlagsOffset", func(v IPv4) { v.SetFlagsOffset(r.IntN(2) == 0, r.IntN(2) == 0, 8*r.IntN(8192)) }},
		{"SetProtocol", func(v IPv4) { v.SetProtocol(uint8(r.Uint32())) }},
		{"SetSrc", func(v IPv4) { v.SetSrc(netip.AddrFrom4([4]byte{byte(r.Uint32()), 0, byte(r.Uint32()), 255})) }},
		{"SetDst", func(v IPv4) { v.SetDst(netip.AddrFrom4([4]byte{255, byte(r.Uint32()), 0, byte(r.Uint32())})) }},
	}
	for i := 0; i < 20000; i++ {
		v := randomIPv4(r)
		s := setters[i%len(setters)]
		s.set(v)
		full := IPv4(append([]byte(nil), v...))
		full.ComputeChecksum()
		if v.HeaderChecksum() != full.HeaderChecksum() || !v.ChecksumValid() {
			t.Fatalf("%s on %x: incremental %#04x, full %#04x", s.name, []byte(v), v.HeaderChecksum(), full.HeaderChecksum())
		}
	}
	// Sweep the ID so that the checksum takes every value, including the
	// 0x0000/0xffff corner, before and after DecTTL.
	h := IPv4Header{TTL: 64, Protocol: ProtoUDP, Src: addr("10.0.0.1"), Dst: addr("10.0.0.2")}
	for id := range 1 << 16 {
		h.ID = uint16(id)
		v := IPv4(h.AppendTo(nil, 0))
		v.DecTTL()
		inc := v.HeaderChecksum()
		v.ComputeChecksum()
		if inc != v.HeaderChecksum() {
			t.Fatalf("id %#04x: DecTTL incremental %#04x, full %#04x", id, inc, v.HeaderChecksum())
		}
	}
}

func TestIPv4Setters(t *testing.T) {
	v := IPv4(append([]byte(nil), fixUDP...))
	v.SetTTL(3)
	v.DecTTL()
	v.SetTOS(0x2e)
	v.SetID(0x1234)
	v.SetFlagsOffset(false, true, 1480)
	v.SetSrc(addr("192.0.2.1"))
	v.SetDst(addr("::ffff:198.51.100.7"))
	v.SetDst(addr("2001:db8::1")) // ignored: not IPv4
	v.SetProtocol(ProtoUDP)
	v.SetTotalLen(30)
	if err := v.Check(); err != nil {
		t.Fatal(err)
	}
	h, payload, err := ParseIPv4(v)
	if err != nil {
		t.Fatal(err)
	}
	want := IPv4Header{TOS: 0x2e, TotalLen: 30, ID: 0x1234, MoreFragments: true, FragOffset: 1480,
		TTL: 2, Protocol: ProtoUDP, Checksum: h.Checksum, Src: addr("192.0.2.1"), Dst: addr("198.51.100.7")}
	if !ipv4HeaderEqual(h, want) || len(payload) != 10 {
		t.Errorf("got %+v (payload %d), want %+v", h, len(payload), want)
	}
	// DecTTL stops at zero.
	v.SetTTL(0)
	v.DecTTL()
	if v.TTL() != 0 || !v.ChecksumValid() {
		t.Errorf("DecTTL at 0: TTL %d valid %v", v.TTL(), v.ChecksumValid())
	}
	// The reserved flag survives SetFlagsOffset.
	v[6] |= 0x80
	v.ComputeChecksum()
	v.SetFlagsOffset(true, false, 0)
	if v[6] != 0xc0 || v[7] != 0 || !v.ChecksumValid() {
		t.Errorf("flags %02x%02x valid %v", v[6], v[7], v.ChecksumValid())
	}
}

func TestIPv4ViewShortSlices(t *testing.T) {
	// Length-dependent accessors clamp on views with nonsense lengths.
	b := append([]byte(nil), fixUDP[:20]...)
	b[0] = 0x4f // IHL 60 > len
	v := IPv4(b)
	if len(v.Options()) != 0 || len(v.Payload()) != 0 || v.ChecksumValid() {
		t.Errorf("Options %x Payload %x ChecksumValid %v", v.Options(), v.Payload(), v.ChecksumValid())
	}
	b[0] = 0x41 // IHL 4 < 5
	if len(v.Options()) != 0 || v.ChecksumValid() {
		t.Error("IHL 4 accepted")
	}
	if IPv4(nil).ChecksumValid() {
		t.Error("nil view checksum valid")
	}
}

func BenchmarkParseIPv4(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseIPv4(fixSYN); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecTTL(b *testing.B) {
	v := IPv4(append([]byte(nil), fixSYN...))
	b.ReportAllocs()
	for b.Loop() {
		v.DecTTL()
		if v[8] == 0 {
			v[8] = 255 // keep going; the checksum is stale but unused
		}
	}
}

// TestNoAllocs pins the zero-allocation guarantees.
func TestNoAllocs(t *testing.T) {
	v := IPv4(append([]byte(nil), fixSYN...))
	tests := []struct {
		name string
		f    func()
	}{
		{"ParseIPv4", func() { ParseIPv4(fixSYN) }},
		{"ParseTCP", func() { ParseTCP(fixSACK[20:]) }},
		{"ParseUDP", func() { ParseUDP(fixUDP[20:]) }},
		{"ParseICMP", func() { ParseICMP(fixFragNeeded[20:]) }},
		{"DecTTL", func() { v.SetTTL(64); v.DecTTL() }},
		{"VerifyTCPChecksum", func() { VerifyTCPChecksum(loAddr, loAddr, fixSYN[20:]) }},
		{"view accessors", func() { _ = v.Src(); _ = v.Dst(); _ = v.Payload() }},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.f); n != 0 {
			t.Errorf("%s: %v allocs, want 0", tt.name, n)
		}
	}
}
