package wire

import (
	"encoding/binary"
	"net/netip"
	"slices"
)

// IPv4 header constants.
const (
	// IPv4HeaderLen is the length of an IPv4 header without options.
	IPv4HeaderLen = 20
	// IPv4MaxHeaderLen is the largest IPv4 header (IHL = 15).
	IPv4MaxHeaderLen = 60

	// ProtoICMP is the IP protocol number of ICMP.
	ProtoICMP = 1
	// ProtoTCP is the IP protocol number of TCP.
	ProtoTCP = 6
	// ProtoUDP is the IP protocol number of UDP.
	ProtoUDP = 17
)

// IPv4 flag bits in the high byte of the flags/fragment-offset word.
const (
	ipv4FlagReserved = 0x8000
	ipv4FlagDF       = 0x4000
	ipv4FlagMF       = 0x2000
	ipv4OffsetMask   = 0x1fff
)

// IPv4 is a view of an IPv4 packet: the header followed by the payload,
// possibly followed by link-layer padding beyond TotalLen.
//
// Call [IPv4.Check] before using the other methods. Once it has returned
// nil no method panics. Methods that depend on length fields (Options,
// Payload, ChecksumValid) clamp to the slice, so they never panic on a view
// of at least [IPv4HeaderLen] bytes; the fixed-field accessors and setters
// index the first 20 bytes directly.
//
// Every setter keeps the header checksum consistent by updating it
// incrementally (RFC 1624): a header with a valid checksum stays valid and
// a corrupted one stays corrupted.
type IPv4 []byte

// Check validates the structure of the packet: at least 20 bytes, version
// 4, IHL at least 5, the header fitting in b, and TotalLen at least the
// header length and at most len(b). It does not verify the checksum.
func (b IPv4) Check() error {
	if len(b) < IPv4HeaderLen {
		return ErrTruncated
	}
	if b[0]>>4 != 4 {
		return ErrBadVersion
	}
	hl := int(b[0]&0x0f) * 4
	if hl < IPv4HeaderLen {
		return ErrBadHeaderLen
	}
	if hl > len(b) {
		return ErrTruncated
	}
	tl := int(binary.BigEndian.Uint16(b[2:4]))
	if tl < hl {
		return ErrBadLength
	}
	if tl > len(b) {
		return ErrTruncated
	}
	return nil
}

// Version returns the IP version field (4 for a checked view).
func (b IPv4) Version() uint8 { return b[0] >> 4 }

// HeaderLen returns the header length in bytes (IHL*4).
func (b IPv4) HeaderLen() int { return int(b[0]&0x0f) * 4 }

// TOS returns the type-of-service byte (DSCP and ECN).
func (b IPv4) TOS() uint8 { return b[1] }

// TotalLen returns the total length field: header plus payload, in bytes.
func (b IPv4) TotalLen() int { return int(binary.BigEndian.Uint16(b[2:4])) }

// ID returns the identification field.
func (b IPv4) ID() uint16 { return binary.BigEndian.Uint16(b[4:6]) }

// DontFragment reports whether the DF flag is set.
func (b IPv4) DontFragment() bool { return b[6]&(ipv4FlagDF>>8) != 0 }

// MoreFragments reports whether the MF flag is set.
func (b IPv4) MoreFragments() bool { return b[6]&(ipv4FlagMF>>8) != 0 }

// FragOffset returns the fragment offset in bytes (the field times 8).
func (b IPv4) FragOffset() int {
	return int(binary.BigEndian.Uint16(b[6:8])&ipv4OffsetMask) * 8
}

// TTL returns the time-to-live field.
func (b IPv4) TTL() uint8 { return b[8] }

// Protocol returns the protocol field (ProtoTCP, ProtoUDP, ...).
func (b IPv4) Protocol() uint8 { return b[9] }

// HeaderChecksum returns the header checksum field.
func (b IPv4) HeaderChecksum() uint16 { return binary.BigEndian.Uint16(b[10:12]) }

// Src returns the source address.
func (b IPv4) Src() netip.Addr { return netip.AddrFrom4([4]byte(b[12:16])) }

// Dst returns the destination address.
func (b IPv4) Dst() netip.Addr { return netip.AddrFrom4([4]byte(b[16:20])) }

// headerLen returns HeaderLen clamped to [IPv4HeaderLen, len(b)].
func (b IPv4) headerLen() int {
	return min(max(b.HeaderLen(), IPv4HeaderLen), len(b))
}

// Options returns the option bytes (including any padding) as a sub-slice
// of b, or an empty slice if there are none.
func (b IPv4) Options() []byte { return b[IPv4HeaderLen:b.headerLen()] }

// Payload returns the bytes after the header up to TotalLen, as a
// sub-slice of b. Bytes beyond TotalLen (link-layer padding) are excluded.
func (b IPv4) Payload() []byte {
	hl := b.headerLen()
	end := min(max(b.TotalLen(), hl), len(b))
	return b[hl:end]
}

// setWord writes the 16-bit word at the even offset off (within the first
// 20 bytes) and updates the header checksum incrementally.
func (b IPv4) setWord(off int, v uint16) {
	old := binary.BigEndian.Uint16(b[off : off+2])
	binary.BigEndian.PutUint16(b[off:off+2], v)
	binary.BigEndian.PutUint16(b[10:12], ChecksumUpdate16(b.HeaderChecksum(), old, v))
}

// SetTTL sets the time-to-live field, updating the header checksum
// incrementally (RFC 1624).
func (b IPv4) SetTTL(v uint8) {
	b.setWord(8, uint16(v)<<8|uint16(b[9]))
}

// DecTTL decrements the time-to-live field by one, updating the header
// checksum incrementally (RFC 1624). A TTL of zero is left unchanged.
func (b IPv4) DecTTL() {
	if t := b[8]; t > 0 {
		b.SetTTL(t - 1)
	}
}

// SetTOS sets the type-of-service byte, updating the checksum.
func (b IPv4) SetTOS(v uint8) {
	b.setWord(0, uint16(b[0])<<8|uint16(v))
}

// SetTotalLen sets the total length field to n (which must fit in 16
// bits), updating the checksum.
func (b IPv4) SetTotalLen(n int) { b.setWord(2, uint16(n)) }

// SetID sets the identification field, updating the checksum.
func (b IPv4) SetID(v uint16) { b.setWord(4, v) }

// SetFlagsOffset sets the DF and MF flags and the fragment offset,
// given in bytes (a multiple of 8 below 65536; lower bits are dropped),
// updating the checksum. The reserved flag bit is preserved.
func (b IPv4) SetFlagsOffset(df, mf bool, offBytes int) {
	w := binary.BigEndian.Uint16(b[6:8])&ipv4FlagReserved | uint16(offBytes/8)&ipv4OffsetMask
	if df {
		w |= ipv4FlagDF
	}
	if mf {
		w |= ipv4FlagMF
	}
	b.setWord(6, w)
}

// SetProtocol sets the protocol field, updating the checksum.
func (b IPv4) SetProtocol(p uint8) {
	b.setWord(8, uint16(b[8])<<8|uint16(p))
}

// SetSrc sets the source address, updating the checksum. Addresses that
// are neither IPv4 nor IPv4-mapped IPv6 leave the packet unchanged.
func (b IPv4) SetSrc(a netip.Addr) { b.setAddr(12, a) }

// SetDst sets the destination address, updating the checksum. Addresses
// that are neither IPv4 nor IPv4-mapped IPv6 leave the packet unchanged.
func (b IPv4) SetDst(a netip.Addr) { b.setAddr(16, a) }

func (b IPv4) setAddr(off int, a netip.Addr) {
	a = a.Unmap()
	if !a.Is4() {
		return
	}
	v := a.As4()
	b.setWord(off, binary.BigEndian.Uint16(v[0:2]))
	b.setWord(off+2, binary.BigEndian.Uint16(v[2:4]))
}

// ComputeChecksum recomputes the header checksum from scratch and writes
// it to the checksum field.
func (b IPv4) ComputeChecksum() {
	binary.BigEndian.PutUint16(b[10:12], 0)
	binary.BigEndian.PutUint16(b[10:12], Checksum(b[:b.headerLen()], 0))
}

// ChecksumValid reports whether the header checksum verifies. It returns
// false if the header does not fit in b.
func (b IPv4) ChecksumValid() bool {
	if len(b) < IPv4HeaderLen {
		return false
	}
	hl := b.HeaderLen()
	if hl < IPv4HeaderLen || hl > len(b) {
		return false
	}
	return Checksum(b[:hl], 0) == 0
}

// IPv4Header is a decoded IPv4 header.
type IPv4Header struct {
	TOS           uint8  // type of service (DSCP and ECN)
	TotalLen      uint16 // header plus payload; computed by AppendTo
	ID            uint16 // identification
	DontFragment  bool   // DF flag
	MoreFragments bool   // MF flag
	FragOffset    int    // fragment offset in bytes (a multiple of 8)
	TTL           uint8  // time to live
	Protocol      uint8  // ProtoTCP, ProtoUDP, ...
	Checksum      uint16 // header checksum; computed by AppendTo
	Src, Dst      netip.Addr
	// Options holds the raw option bytes including padding; nil when
	// there are none. ParseIPv4 returns a sub-slice of its input.
	Options []byte
}

// ParseIPv4 decodes the IPv4 packet in b, returning the header and the
// payload (the bytes up to TotalLen, as a sub-slice of b whose capacity is
// capped at TotalLen). It validates the structure as [IPv4.Check] does and
// then the header checksum: on a mismatch it returns ErrBadChecksum
// together with the fully decoded header and payload. ParseIPv4 does not
// allocate.
func ParseIPv4(b []byte) (h IPv4Header, payload []byte, err error) {
	v := IPv4(b)
	if err := v.Check(); err != nil {
		return IPv4Header{}, nil, err
	}
	h = IPv4Header{
		TOS:           v.TOS(),
		TotalLen:      uint16(v.TotalLen()),
		ID:            v.ID(),
		DontFragment:  v.DontFragment(),
		MoreFragments: v.MoreFragments(),
		FragOffset:    v.FragOffset(),
		TTL:           v.TTL(),
		Protocol:      v.Protocol(),
		Checksum:      v.HeaderChecksum(),
		Src:           v.Src(),
		Dst:           v.Dst(),
	}
	hl := v.HeaderLen()
	if hl > IPv4HeaderLen {
		h.Options = b[IPv4HeaderLen:hl:hl]
	}
	payload = b[hl:h.TotalLen:h.TotalLen]
	if Checksum(b[:hl], 0) != 0 {
		return h, payload, ErrBadChecksum
	}
	return h, payload, nil
}

// optionsLen returns the encoded options length: len(Options) rounded up
// to a multiple of 4, at most 40.
func (h *IPv4Header) optionsLen() int {
	return min((len(h.Options)+3)&^3, IPv4MaxHeaderLen-IPv4HeaderLen)
}

// HeaderLen returns the encoded header length: 20 plus the options padded
// to a multiple of 4 bytes. Options longer than 40 bytes are truncated to
// 40 when encoding.
func (h *IPv4Header) HeaderLen() int {
	return IPv4HeaderLen + h.optionsLen()
}

// AppendTo appends the encoded header to dst and returns the extended
// slice. TotalLen is set to HeaderLen()+payloadLen and the checksum is
// computed; h.TotalLen and h.Checksum are ignored. Options are padded with
// zero (end-of-options) bytes to a multiple of 4. The payload itself is
// not appended. Addresses that are not IPv4 (or IPv4-mapped) encode as
// 0.0.0.0.
func (h *IPv4Header) AppendTo(dst []byte, payloadLen int) []byte {
	hl := h.HeaderLen()
	dst, b := grow(dst, hl)
	b[0] = 0x40 | byte(hl/4)
	b[1] = h.TOS
	binary.BigEndian.PutUint16(b[2:4], uint16(hl+payloadLen))
	binary.BigEndian.PutUint16(b[4:6], h.ID)
	w := uint16(h.FragOffset/8) & ipv4OffsetMask
	if h.DontFragment {
		w |= ipv4FlagDF
	}
	if h.MoreFragments {
		w |= ipv4FlagMF
	}
	binary.BigEndian.PutUint16(b[6:8], w)
	b[8] = h.TTL
	b[9] = h.Protocol
	b[10], b[11] = 0, 0
	src, dstA := as4(h.Src), as4(h.Dst)
	copy(b[12:16], src[:])
	copy(b[16:20], dstA[:])
	n := copy(b[IPv4HeaderLen:hl], h.Options)
	clear(b[IPv4HeaderLen+n : hl])
	binary.BigEndian.PutUint16(b[10:12], Checksum(b, 0))
	return dst
}

// as4 returns the 4-byte form of an IPv4 or IPv4-mapped address, and
// zeros for anything else.
func as4(a netip.Addr) [4]byte {
	a = a.Unmap()
	if !a.Is4() {
		return [4]byte{}
	}
	return a.As4()
}

// grow extends dst by n bytes, returning the extended slice and the new
// n-byte tail (whose contents are unspecified).
func grow(dst []byte, n int) (whole, tail []byte) {
	l := len(dst)
	dst = slices.Grow(dst, n)[:l+n]
	return dst, dst[l:]
}
