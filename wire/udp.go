package wire

import (
	"encoding/binary"
	"net/netip"
)

// UDPHeaderLen is the length of the UDP header.
const UDPHeaderLen = 8

// UDP is a view of a UDP datagram (the IP payload). Call [UDP.Check]
// first; once it has returned nil no method panics. The accessors and
// setters index the 8-byte header directly; Payload clamps to the slice.
//
// Every setter keeps the checksum consistent by updating it incrementally
// (RFC 1624), obeying RFC 768: a checksum field of 0 means the sender
// computed no checksum, and it stays 0; a computed checksum of 0 is
// written as 0xFFFF. A NAT that rewrites the IP header's address calls
// [UDP.UpdatePseudoAddr] as well.
type UDP []byte

// Check validates the structure: at least 8 bytes, and a Length field of
// at least 8 (ErrBadLength) and at most len(b) (ErrTruncated).
func (b UDP) Check() error {
	if len(b) < UDPHeaderLen {
		return ErrTruncated
	}
	l := int(b.Length())
	if l < UDPHeaderLen {
		return ErrBadLength
	}
	if l > len(b) {
		return ErrTruncated
	}
	return nil
}

// SrcPort returns the source port.
func (b UDP) SrcPort() uint16 { return binary.BigEndian.Uint16(b[0:2]) }

// DstPort returns the destination port.
func (b UDP) DstPort() uint16 { return binary.BigEndian.Uint16(b[2:4]) }

// Length returns the length field: header plus payload, in bytes.
func (b UDP) Length() uint16 { return binary.BigEndian.Uint16(b[4:6]) }

// Checksum returns the checksum field (0 means no checksum).
func (b UDP) Checksum() uint16 { return binary.BigEndian.Uint16(b[6:8]) }

// Payload returns the bytes after the header up to Length, as a sub-slice
// of b (clamped to b).
func (b UDP) Payload() []byte {
	end := min(max(int(b.Length()), UDPHeaderLen), len(b))
	return b[min(UDPHeaderLen, end):end]
}

// putChecksum writes the computed checksum c to the checksum field, as
// 0xFFFF if it is 0. RFC 768: "If the computed checksum is zero, it is
// transmitted as all ones (the equivalent in one's complement
// arithmetic)."
func (b UDP) putChecksum(c uint16) {
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(b[6:8], c)
}

// setWord writes the 16-bit word at the even offset off (within the
// header) and updates the checksum incrementally (RFC 1624), unless the
// checksum field is 0: "An all zero transmitted checksum value means that
// the transmitter generated no checksum" (RFC 768), and it stays so.
func (b UDP) setWord(off int, v uint16) {
	old := binary.BigEndian.Uint16(b[off : off+2])
	binary.BigEndian.PutUint16(b[off:off+2], v)
	if c := b.Checksum(); c != 0 {
		b.putChecksum(ChecksumUpdate16(c, old, v))
	}
}

// SetSrcPort sets the source port, updating the checksum incrementally
// (RFC 1624) unless the checksum field is 0.
func (b UDP) SetSrcPort(p uint16) { b.setWord(0, p) }

// SetDstPort sets the destination port, updating the checksum unless the
// checksum field is 0.
func (b UDP) SetDstPort(p uint16) { b.setWord(2, p) }

// UpdatePseudoAddr updates the checksum for one address of the pseudo
// header changing from oldAddr to newAddr (see [ChecksumUpdateAddr]),
// unless the checksum field is 0 ("no checksum"); the datagram's other
// bytes are unchanged. A NAT that rewrites an IPv4 source calls it with
// the old and new source beside [IPv4.SetSrc], and likewise for the
// destination.
func (b UDP) UpdatePseudoAddr(oldAddr, newAddr netip.Addr) {
	if c := b.Checksum(); c != 0 {
		b.putChecksum(ChecksumUpdateAddr(c, oldAddr, newAddr))
	}
}

// ComputeChecksum recomputes the checksum from scratch over the pseudo
// header for src and dst and the datagram up to its Length field
// (clamped to the view, as Payload is), and writes it to the checksum
// field; a computed 0 is written as 0xFFFF (RFC 768).
func (b UDP) ComputeChecksum(src, dst netip.Addr) {
	n := UDPHeaderLen + len(b.Payload())
	binary.BigEndian.PutUint16(b[6:8], 0)
	b.putChecksum(Checksum(b[:n], PseudoHeaderSum(src, dst, ProtoUDP, n)))
}

// UDPHeader is a decoded UDP header.
type UDPHeader struct {
	SrcPort, DstPort uint16
	Length           uint16 // header plus payload; computed by AppendTo
	Checksum         uint16 // computed by AppendTo
}

// ParseUDP decodes the UDP datagram b, checking structure only (see
// [UDP.Check]); use [VerifyUDPChecksum] for the checksum. The payload,
// b[8:Length], is a sub-slice of b. ParseUDP does not allocate.
func ParseUDP(b []byte) (UDPHeader, []byte, error) {
	v := UDP(b)
	if err := v.Check(); err != nil {
		return UDPHeader{}, nil, err
	}
	h := UDPHeader{
		SrcPort:  v.SrcPort(),
		DstPort:  v.DstPort(),
		Length:   v.Length(),
		Checksum: v.Checksum(),
	}
	return h, b[UDPHeaderLen:h.Length:h.Length], nil
}

// VerifyUDPChecksum reports whether the UDP datagram udp, sent from src to
// dst, has a valid checksum, covering the pseudo header and udp up to its
// Length field. A zero checksum field means "no checksum" and is accepted
// for IPv4 (it is invalid for IPv6, RFC 8200). It returns false if udp is
// structurally invalid.
func VerifyUDPChecksum(src, dst netip.Addr, udp []byte) bool {
	v := UDP(udp)
	if v.Check() != nil {
		return false
	}
	if v.Checksum() == 0 {
		return !isIPv6(src, dst)
	}
	l := int(v.Length())
	return Checksum(udp[:l], PseudoHeaderSum(src, dst, ProtoUDP, l)) == 0
}

// isIPv6 reports whether PseudoHeaderSum would use the IPv6 layout.
func isIPv6(src, dst netip.Addr) bool {
	return (src.Is6() && !src.Is4In6()) || (dst.Is6() && !dst.Is4In6())
}

// AppendTo appends the UDP header and payload to dst and returns the
// extended slice. Length is set to 8+len(payload) (which must fit in 16
// bits) and the checksum is computed over the pseudo header for src and
// dstAddr; h.Length and h.Checksum are ignored. A computed checksum of 0
// is transmitted as 0xFFFF (RFC 768).
func (h *UDPHeader) AppendTo(dst []byte, src, dstAddr netip.Addr, payload []byte) []byte {
	n := UDPHeaderLen + len(payload)
	dst, b := grow(dst, n)
	binary.BigEndian.PutUint16(b[0:2], h.SrcPort)
	binary.BigEndian.PutUint16(b[2:4], h.DstPort)
	binary.BigEndian.PutUint16(b[4:6], uint16(n))
	b[6], b[7] = 0, 0
	copy(b[UDPHeaderLen:], payload)
	c := Checksum(b, PseudoHeaderSum(src, dstAddr, ProtoUDP, n))
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(b[6:8], c)
	return dst
}

// AppendUDP appends a UDP datagram carrying payload from srcPort to
// dstPort, with its checksum computed over the pseudo header for src and
// dstAddr. It is shorthand for [UDPHeader.AppendTo].
func AppendUDP(dst []byte, src, dstAddr netip.Addr, srcPort, dstPort uint16, payload []byte) []byte {
	h := UDPHeader{SrcPort: srcPort, DstPort: dstPort}
	return h.AppendTo(dst, src, dstAddr, payload)
}
