package tsharkcheck_test

import "encoding/binary"

// Hand-made IPv4 packets for the tests. Every builder computes correct
// checksums; tests corrupt them afterwards where they need bad ones.

var (
	hostA = [4]byte{10, 0, 0, 1}
	hostB = [4]byte{10, 0, 0, 2}
)

const (
	protoICMP = 1
	protoTCP  = 6
	protoUDP  = 17
)

// Offsets of the checksum fields inside the packets built below.
const (
	ipChecksumOff   = 10
	icmpChecksumOff = 20 + 2
	udpChecksumOff  = 20 + 6
	tcpChecksumOff  = 20 + 16
)

// inetChecksum is the RFC 1071 Internet checksum of the concatenation of
// bs (each part but the last must have even length).
func inetChecksum(bs ...[]byte) uint16 {
	var sum uint32
	for _, b := range bs {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(b[i])<<8 | uint32(b[i+1])
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// ipv4 wraps payload in a 20-byte IPv4 header with a correct checksum.
func ipv4(src, dst [4]byte, proto uint8, id uint16, payload []byte) []byte {
	p := make([]byte, 20+len(payload))
	p[0] = 0x45
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	binary.BigEndian.PutUint16(p[4:], id)
	p[6] = 0x40 // DF
	p[8] = 64
	p[9] = proto
	copy(p[12:], src[:])
	copy(p[16:], dst[:])
	binary.BigEndian.PutUint16(p[ipChecksumOff:], inetChecksum(p[:20]))
	copy(p[20:], payload)
	return p
}

func pseudoHeader(src, dst [4]byte, proto uint8, n int) []byte {
	ph := make([]byte, 12)
	copy(ph, src[:])
	copy(ph[4:], dst[:])
	ph[9] = proto
	binary.BigEndian.PutUint16(ph[10:], uint16(n))
	return ph
}

// icmpEcho is an ICMP echo request (typ 8) or reply (typ 0) in IPv4.
func icmpEcho(src, dst [4]byte, typ uint8, id, seq uint16, payload []byte) []byte {
	m := make([]byte, 8+len(payload))
	m[0] = typ
	binary.BigEndian.PutUint16(m[4:], id)
	binary.BigEndian.PutUint16(m[6:], seq)
	copy(m[8:], payload)
	binary.BigEndian.PutUint16(m[2:], inetChecksum(m))
	return ipv4(src, dst, protoICMP, seq, m)
}

// udp is a UDP datagram in IPv4.
func udp(src, dst [4]byte, sport, dport uint16, payload []byte) []byte {
	u := make([]byte, 8+len(payload))
	binary.BigEndian.PutUint16(u[0:], sport)
	binary.BigEndian.PutUint16(u[2:], dport)
	binary.BigEndian.PutUint16(u[4:], uint16(len(u)))
	copy(u[8:], payload)
	c := inetChecksum(pseudoHeader(src, dst, protoUDP, len(u)), u)
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(u[6:], c)
	return ipv4(src, dst, protoUDP, 1, u)
}

// TCP flags.
const (
	tcpSYN = 0x02
	tcpACK = 0x10
)

// tcp is a TCP segment without payload in IPv4; SYN segments carry an MSS
// option.
func tcp(src, dst [4]byte, sport, dport uint16, seq, ack uint32, flags uint8, window uint16) []byte {
	n := 20
	if flags&tcpSYN != 0 {
		n = 24
	}
	s := make([]byte, n)
	binary.BigEndian.PutUint16(s[0:], sport)
	binary.BigEndian.PutUint16(s[2:], dport)
	binary.BigEndian.PutUint32(s[4:], seq)
	binary.BigEndian.PutUint32(s[8:], ack)
	s[12] = uint8(n/4) << 4 // data offset
	s[13] = flags
	binary.BigEndian.PutUint16(s[14:], window)
	if n == 24 {
		s[20], s[21] = 2, 4 // MSS
		binary.BigEndian.PutUint16(s[22:], 1460)
	}
	binary.BigEndian.PutUint16(s[16:], inetChecksum(pseudoHeader(src, dst, protoTCP, len(s)), s))
	return ipv4(src, dst, protoTCP, 2, s)
}

// corrupt returns a copy of p with the 16-bit field at off changed.
func corrupt(p []byte, off int) []byte {
	q := append([]byte(nil), p...)
	q[off] ^= 0x5a
	return q
}
