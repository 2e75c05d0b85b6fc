package wire

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// Sum returns the 16-bit one's complement sum of b (RFC 1071) added to the
// partial sum initial, folded to 16 bits but not complemented. A trailing
// odd byte is summed as if followed by a zero byte.
//
// Sums chain: Sum(b2, Sum(b1, s)) equals Sum(b1||b2, s) provided len(b1) is
// even. The result is always in [0, 0xFFFF] and is zero only if initial and
// every byte of b are zero.
func Sum(b []byte, initial uint32) uint32 {
	// One's complement addition of 64-bit big-endian words is congruent to
	// that of their 16-bit halves modulo 0xFFFF (2^16 ≡ 1), so sum eight
	// bytes per addition and carry with ADC.
	s := uint64(initial)
	var c uint64
	for len(b) >= 32 {
		s, c = bits.Add64(s, binary.BigEndian.Uint64(b[0:8]), c)
		s, c = bits.Add64(s, binary.BigEndian.Uint64(b[8:16]), c)
		s, c = bits.Add64(s, binary.BigEndian.Uint64(b[16:24]), c)
		s, c = bits.Add64(s, binary.BigEndian.Uint64(b[24:32]), c)
		b = b[32:]
	}
	for len(b) >= 8 {
		s, c = bits.Add64(s, binary.BigEndian.Uint64(b[0:8]), c)
		b = b[8:]
	}
	var tail uint64
	if len(b) >= 4 {
		tail = uint64(binary.BigEndian.Uint32(b[0:4]))
		b = b[4:]
	}
	if len(b) >= 2 {
		tail += uint64(binary.BigEndian.Uint16(b[0:2])) << 16
		b = b[2:]
	}
	if len(b) == 1 {
		// Position within the 32-bit tail word does not matter modulo
		// 0xFFFF as long as the byte is the high half of a 16-bit word.
		tail += uint64(b[0]) << 8
	}
	s, c = bits.Add64(s, tail, c)
	s += c // cannot overflow: a carry out leaves s small
	return fold(s)
}

// fold reduces a 64-bit one's complement accumulator to 16 bits with
// end-around carry. It maps zero to zero and nonzero to [1, 0xFFFF].
func fold(s uint64) uint32 {
	s = (s >> 32) + (s & 0xffffffff)
	s = (s >> 32) + (s & 0xffffffff)
	s = (s >> 16) + (s & 0xffff)
	s = (s >> 16) + (s & 0xffff)
	return uint32(s)
}

// Checksum returns the Internet checksum (RFC 1071) of b with the partial
// sum initial (for example a [PseudoHeaderSum]) added: the one's
// complement of the folded one's complement sum. Computing it over data
// whose checksum field holds a correct checksum yields 0.
func Checksum(b []byte, initial uint32) uint16 {
	return ^uint16(Sum(b, initial))
}

// PseudoHeaderSum returns the partial sum of the pseudo header that the
// TCP and UDP checksums cover: for IPv4 source and destination addresses
// (IPv4-mapped IPv6 addresses are unmapped), a zero byte, the protocol
// number and the 16-bit upper-layer length (RFC 793, RFC 768). If either
// address is a (non-mapped) IPv6 address, the RFC 8200 IPv6 pseudo header
// with a 32-bit length is summed instead. Invalid addresses sum as zeros.
func PseudoHeaderSum(src, dst netip.Addr, proto uint8, length int) uint32 {
	s16 := src.As16() // As16 never panics, even on the zero Addr
	d16 := dst.As16()
	var s uint32
	if isIPv6(src, dst) {
		for i := 0; i < 16; i += 2 {
			s += uint32(binary.BigEndian.Uint16(s16[i:]))
			s += uint32(binary.BigEndian.Uint16(d16[i:]))
		}
		l := uint32(length)
		s += l>>16 + l&0xffff
	} else {
		s += uint32(binary.BigEndian.Uint16(s16[12:]))
		s += uint32(binary.BigEndian.Uint16(s16[14:]))
		s += uint32(binary.BigEndian.Uint16(d16[12:]))
		s += uint32(binary.BigEndian.Uint16(d16[14:]))
		s += uint32(uint16(length))
	}
	return s + uint32(proto)
}

// ChecksumUpdate16 returns the checksum old updated for one 16-bit word of
// the covered data changing from oldField to newField, using RFC 1624
// equation 3: HC' = ~(~HC + ~m + m'). For a checksum that was correct the
// result equals a full recomputation.
func ChecksumUpdate16(old, oldField, newField uint16) uint16 {
	s := uint32(^old) + uint32(^oldField) + uint32(newField)
	s = (s >> 16) + (s & 0xffff)
	s = (s >> 16) + (s & 0xffff)
	return ^uint16(s)
}

// ChecksumUpdate32 is [ChecksumUpdate16] for a 32-bit field aligned on a
// 16-bit boundary, such as an IPv4 address (useful for NAT rewriting the
// TCP or UDP checksum, which covers the addresses via the pseudo header).
func ChecksumUpdate32(old uint16, oldField, newField uint32) uint16 {
	s := uint32(^old) +
		uint32(^uint16(oldField>>16)) + uint32(^uint16(oldField)) +
		newField>>16 + newField&0xffff
	s = (s >> 16) + (s & 0xffff)
	s = (s >> 16) + (s & 0xffff)
	return ^uint16(s)
}

// ChecksumUpdateAddr is [ChecksumUpdate16] for an address in the pseudo
// header changing from oldAddr to newAddr, as when a NAT rewrites the
// source or destination of an IP packet and must fix the TCP or UDP
// checksum, which covers the addresses through the pseudo header.
//
// The addresses are counted as [PseudoHeaderSum] counts them: IPv4 and
// IPv4-mapped addresses as their four bytes, IPv6 addresses as sixteen,
// the zero Addr as zeros. Any mix is allowed, and the result matches the
// pseudo header PseudoHeaderSum builds from the new pair of addresses (an
// IPv4-mapped address's 0xffff word is a one's complement zero, so an
// IPv4 pseudo header and its IPv6 form differ only in the address words).
func ChecksumUpdateAddr(old uint16, oldAddr, newAddr netip.Addr) uint16 {
	s := uint32(^old) + uint32(^uint16(fold(uint64(addrSum(oldAddr))))) + addrSum(newAddr)
	s = (s >> 16) + (s & 0xffff)
	s = (s >> 16) + (s & 0xffff)
	return ^uint16(s)
}

// addrSum returns the unfolded sum of the 16-bit words of a as the pseudo
// header counts them: four bytes for IPv4 and IPv4-mapped addresses,
// sixteen otherwise (zeros for the zero Addr). It is below 2^20.
func addrSum(a netip.Addr) uint32 {
	if a.Is4() || a.Is4In6() {
		v := a.As4()
		return uint32(binary.BigEndian.Uint16(v[0:2])) + uint32(binary.BigEndian.Uint16(v[2:4]))
	}
	v := a.As16()
	var s uint32
	for i := 0; i < len(v); i += 2 {
		s += uint32(binary.BigEndian.Uint16(v[i:]))
	}
	return s
}
