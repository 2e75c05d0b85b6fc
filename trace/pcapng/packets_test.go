package pcapng_test

import "encoding/binary"

// inetChecksum is the RFC 1071 Internet checksum of b.
func inetChecksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// ICMP message types used by the tests.
const (
	icmpEchoReply   = 0
	icmpEchoRequest = 8
)

// icmpEcho returns a valid IPv4 packet (20-byte header, DF clear, TTL ttl)
// carrying an ICMP echo request or reply with correct IP and ICMP
// checksums.
func icmpEcho(src, dst [4]byte, ttl uint8, ipID uint16, typ uint8, id, seq uint16, payload []byte) []byte {
	total := 20 + 8 + len(payload)
	p := make([]byte, total)
	p[0] = 0x45 // version 4, IHL 5
	binary.BigEndian.PutUint16(p[2:], uint16(total))
	binary.BigEndian.PutUint16(p[4:], ipID)
	p[8] = ttl
	p[9] = 1 // ICMP
	copy(p[12:16], src[:])
	copy(p[16:20], dst[:])
	binary.BigEndian.PutUint16(p[10:], inetChecksum(p[:20]))

	icmp := p[20:]
	icmp[0] = typ
	binary.BigEndian.PutUint16(icmp[4:], id)
	binary.BigEndian.PutUint16(icmp[6:], seq)
	copy(icmp[8:], payload)
	binary.BigEndian.PutUint16(icmp[2:], inetChecksum(icmp))
	return p
}
