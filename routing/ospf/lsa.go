package ospf

import (
	"encoding/binary"
	"net/netip"
)

// LSA constants (RFC 2328 Appendix B and A.4).
const (
	LSAHeaderLen = 20
	// LSTypeRouter is the router-LSA, the only type this engine originates.
	LSTypeRouter = 1
	// MaxAge is the age, in seconds, at which an LSA is flushed.
	MaxAge = 3600
	// MaxAgeDiff: ages differing by more than this are different instances.
	MaxAgeDiff = 900
	// InitialSequenceNumber and MaxSequenceNumber bound LS sequence
	// numbers, which are signed 32-bit integers (12.1.6).
	InitialSequenceNumber = int32(-0x7fffffff) // 0x80000001
	MaxSequenceNumber     = int32(0x7fffffff)
)

// LSAHeader is a decoded LSA header (A.4.1).
type LSAHeader struct {
	Age       uint16 // seconds
	Options   uint8
	Type      uint8
	ID        ID // Link State ID
	AdvRouter ID
	Seq       int32
	Checksum  uint16 // Fletcher checksum of the LSA but the age
	Length    uint16 // header plus body
}

// Key returns the LSA's identity.
func (h *LSAHeader) Key() LSKey { return LSKey{h.Type, h.ID, h.AdvRouter} }

// AppendTo appends the 20-byte header.
func (h *LSAHeader) AppendTo(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, h.Age)
	dst = append(dst, h.Options, h.Type)
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.ID))
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.AdvRouter))
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.Seq))
	dst = binary.BigEndian.AppendUint16(dst, h.Checksum)
	return binary.BigEndian.AppendUint16(dst, h.Length)
}

// ParseLSAHeader decodes the first 20 bytes of b, which must be at least
// that long.
func ParseLSAHeader(b []byte) LSAHeader {
	_ = b[LSAHeaderLen-1]
	return LSAHeader{
		Age:       binary.BigEndian.Uint16(b[0:2]),
		Options:   b[2],
		Type:      b[3],
		ID:        ID(binary.BigEndian.Uint32(b[4:8])),
		AdvRouter: ID(binary.BigEndian.Uint32(b[8:12])),
		Seq:       int32(binary.BigEndian.Uint32(b[12:16])),
		Checksum:  binary.BigEndian.Uint16(b[16:18]),
		Length:    binary.BigEndian.Uint16(b[18:20]),
	}
}

// Compare reports which of two instances of one LSA is more recent (RFC
// 2328 13.1): +1 if a is newer, -1 if b is, 0 if they are the same.
func Compare(a, b *LSAHeader) int {
	// "The LSA having the newer LS sequence number is more recent."
	if a.Seq != b.Seq {
		return sign(a.Seq > b.Seq)
	}
	// "If the two instances have different LS checksums, then the
	// instance having the larger LS checksum is considered more recent."
	if a.Checksum != b.Checksum {
		return sign(a.Checksum > b.Checksum)
	}
	// "If only one of the instances has its LS age field set to MaxAge,
	// the instance of age MaxAge is considered to be more recent."
	if am, bm := a.Age >= MaxAge, b.Age >= MaxAge; am != bm {
		return sign(am)
	}
	// "If the LS age fields of the two instances differ by more than
	// MaxAgeDiff, the instance having the smaller (younger) LS age is
	// considered to be more recent."
	if d := int(a.Age) - int(b.Age); d > MaxAgeDiff || d < -MaxAgeDiff {
		return sign(a.Age < b.Age)
	}
	return 0
}

func sign(newer bool) int {
	if newer {
		return 1
	}
	return -1
}

// LSA is a view of a whole LSA: header and body. Call [LSA.Check] first.
type LSA []byte

// Check validates that b holds a header and that the length field is at
// least the header length and at most len(b).
func (l LSA) Check() error {
	if len(l) < LSAHeaderLen {
		return ErrTruncated
	}
	n := l.Len()
	if n < LSAHeaderLen || n%4 != 0 {
		return ErrBadLength
	}
	if n > len(l) {
		return ErrTruncated
	}
	return nil
}

// Len returns the length field.
func (l LSA) Len() int { return int(binary.BigEndian.Uint16(l[18:20])) }

// Header decodes the header.
func (l LSA) Header() LSAHeader { return ParseLSAHeader(l) }

// Body returns the bytes after the header up to the length field.
func (l LSA) Body() []byte { return l[LSAHeaderLen:l.Len()] }

// Age returns the LS age field.
func (l LSA) Age() uint16 { return binary.BigEndian.Uint16(l[0:2]) }

// SetAge sets the LS age field, which the checksum does not cover.
func (l LSA) SetAge(age uint16) { binary.BigEndian.PutUint16(l[0:2], age) }

// ChecksumValid reports whether the Fletcher checksum verifies: "The
// checksum of a valid LSA is zero" when computed over the LSA from the
// Options field on, age excluded (RFC 2328 12.1.7, RFC 905 Annex B.4).
func (l LSA) ChecksumValid() bool {
	c0, c1 := fletcherSums(l[2:l.Len()])
	return c0 == 0 && c1 == 0
}

// ComputeChecksum writes the Fletcher checksum (RFC 2328 12.1.7: "the
// Fletcher checksum of the complete contents of the LSA, including the LSA
// header but excluding the LS age field").
func (l LSA) ComputeChecksum() {
	b := l[2:l.Len()]
	const off = 14 // the checksum field, counted from the Options byte
	b[off], b[off+1] = 0, 0
	c0, c1 := fletcherSums(b)
	// RFC 905 Annex B.4: X = -C1 + (L-n)·C0, Y = C1 - (L-n+1)·C0, mod 255,
	// with n the 1-based position of the first checksum octet.
	n := len(b) - off - 1
	x := mod255(n*c0 - c1)
	y := mod255(510 - c0 - x)
	if x == 0 {
		x = 255
	}
	if y == 0 {
		y = 255
	}
	b[off], b[off+1] = byte(x), byte(y)
}

func mod255(v int) int { return ((v % 255) + 255) % 255 }

// fletcherSums returns C0 and C1 of RFC 905 Annex B, modulo 255.
func fletcherSums(b []byte) (c0, c1 int) {
	for len(b) > 0 {
		n := min(len(b), 4096) // no overflow: 4096·255·4096 < 2^63
		for _, v := range b[:n] {
			c0 += int(v)
			c1 += c0
		}
		c0, c1 = c0%255, c1%255
		b = b[n:]
	}
	return c0, c1
}

// AppendLSA appends an LSA with header h and body, setting the length and
// computing the checksum; h.Length and h.Checksum are ignored.
func AppendLSA(dst []byte, h LSAHeader, body []byte) []byte {
	start := len(dst)
	h.Length = uint16(LSAHeaderLen + len(body))
	dst = h.AppendTo(dst)
	dst = append(dst, body...)
	LSA(dst[start:]).ComputeChecksum()
	return dst
}

// Router link types (A.4.2).
const (
	LinkPointToPoint = 1
	LinkTransit      = 2
	LinkStub         = 3
	LinkVirtual      = 4
)

// RouterLink is one link of a router-LSA (A.4.2). TOS metrics are kept
// raw (each 4 bytes) and re-emitted; SPF uses the TOS 0 metric only.
type RouterLink struct {
	LinkID   ID // neighbour router ID (p2p), network number (stub)
	LinkData ID // own interface address (p2p), network mask (stub)
	Type     uint8
	Metric   uint16
	TOS      []uint32
}

// RouterLSA is a router-LSA body (A.4.2).
type RouterLSA struct {
	Flags uint8 // V (0x04), E (0x02), B (0x01)
	Links []RouterLink
}

// AppendTo appends the encoded router-LSA body.
func (r *RouterLSA) AppendTo(dst []byte) []byte {
	dst = append(dst, r.Flags, 0)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(r.Links)))
	for _, l := range r.Links {
		dst = binary.BigEndian.AppendUint32(dst, uint32(l.LinkID))
		dst = binary.BigEndian.AppendUint32(dst, uint32(l.LinkData))
		dst = append(dst, l.Type, byte(len(l.TOS)))
		dst = binary.BigEndian.AppendUint16(dst, l.Metric)
		for _, t := range l.TOS {
			dst = binary.BigEndian.AppendUint32(dst, t)
		}
	}
	return dst
}

// ParseRouterLSA decodes a router-LSA body. The body must hold exactly
// the links it announces.
func ParseRouterLSA(b []byte) (*RouterLSA, error) {
	if len(b) < 4 {
		return nil, ErrTruncated
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	r := &RouterLSA{Flags: b[0], Links: make([]RouterLink, 0, n)}
	b = b[4:]
	for range n {
		if len(b) < 12 {
			return nil, ErrTruncated
		}
		l := RouterLink{
			LinkID:   ID(binary.BigEndian.Uint32(b[0:4])),
			LinkData: ID(binary.BigEndian.Uint32(b[4:8])),
			Type:     b[8],
			Metric:   binary.BigEndian.Uint16(b[10:12]),
		}
		ntos := int(b[9])
		b = b[12:]
		if len(b) < 4*ntos {
			return nil, ErrTruncated
		}
		for i := range ntos {
			l.TOS = append(l.TOS, binary.BigEndian.Uint32(b[4*i:]))
		}
		b = b[4*ntos:]
		r.Links = append(r.Links, l)
	}
	if len(b) != 0 {
		return nil, ErrBadLength
	}
	return r, nil
}

// StubPrefix returns the prefix of a stub link (network number and mask),
// and false if the mask is not contiguous.
func (l *RouterLink) StubPrefix() (netip.Prefix, bool) {
	m := uint32(l.LinkData)
	bits := 0
	for bits < 32 && m&(1<<(31-bits)) != 0 {
		bits++
	}
	if bits < 32 && m<<bits != 0 {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(l.LinkID.Addr(), bits).Masked(), true
}
