package wire

import "encoding/binary"

// ICMPv4 message types (RFC 792).
const (
	ICMPEchoReply       = 0  // echo reply
	ICMPDestUnreachable = 3  // destination unreachable
	ICMPEchoRequest     = 8  // echo request
	ICMPTimeExceeded    = 11 // time exceeded
)

// ICMPv4 codes for ICMPDestUnreachable (RFC 792, RFC 1191).
const (
	ICMPNetUnreachable   = 0 // net unreachable
	ICMPHostUnreachable  = 1 // host unreachable
	ICMPProtoUnreachable = 2 // protocol unreachable
	ICMPPortUnreachable  = 3 // port unreachable
	ICMPFragNeeded       = 4 // fragmentation needed and DF set; carries the next-hop MTU
)

// ICMPv4 codes for ICMPTimeExceeded (RFC 792).
const (
	ICMPTTLExceeded            = 0 // time to live exceeded in transit
	ICMPFragReassemblyExceeded = 1 // fragment reassembly time exceeded
)

// ICMPHeaderLen is the length of the fixed ICMPv4 header: type, code,
// checksum and four type-specific bytes.
const ICMPHeaderLen = 8

// ICMP is a view of an ICMPv4 message (the IPv4 payload). Call
// [ICMP.Check] first; once it has returned nil no method panics.
type ICMP []byte

// Check reports ErrTruncated if b is shorter than the 8-byte header.
func (b ICMP) Check() error {
	if len(b) < ICMPHeaderLen {
		return ErrTruncated
	}
	return nil
}

// Type returns the message type.
func (b ICMP) Type() uint8 { return b[0] }

// Code returns the message code.
func (b ICMP) Code() uint8 { return b[1] }

// Checksum returns the checksum field.
func (b ICMP) Checksum() uint16 { return binary.BigEndian.Uint16(b[2:4]) }

// ChecksumValid reports whether the checksum over the whole message
// verifies.
func (b ICMP) ChecksumValid() bool {
	return len(b) >= ICMPHeaderLen && Checksum(b, 0) == 0
}

// ID returns the identifier of an echo (or other query) message: bytes
// 4..5.
func (b ICMP) ID() uint16 { return binary.BigEndian.Uint16(b[4:6]) }

// Seq returns the sequence number of an echo (or other query) message:
// bytes 6..7.
func (b ICMP) Seq() uint16 { return binary.BigEndian.Uint16(b[6:8]) }

// NextHopMTU returns the next-hop MTU of a fragmentation-needed message
// (RFC 1191): bytes 6..7.
func (b ICMP) NextHopMTU() uint16 { return binary.BigEndian.Uint16(b[6:8]) }

// Body returns the bytes after the 8-byte header: the echo data, or the
// quoted datagram of an error message. It is a sub-slice of b.
func (b ICMP) Body() []byte { return b[min(ICMPHeaderLen, len(b)):] }

// ICMPMessage is a decoded ICMPv4 message.
type ICMPMessage struct {
	Type, Code uint8
	// ID and Seq are the identifier and sequence number of query messages
	// (echo, timestamp, information and address mask request/reply); zero
	// for other types.
	ID, Seq uint16
	// MTU is the next-hop MTU of a destination-unreachable message with
	// code ICMPFragNeeded (RFC 1191); zero otherwise.
	MTU uint16
	// Data is the echo payload, or the quoted original datagram of an
	// error message. ParseICMP returns a sub-slice of its input.
	Data []byte
}

// icmpHasIDSeq reports whether bytes 4..7 of type t carry an identifier
// and sequence number.
func icmpHasIDSeq(t uint8) bool {
	switch t {
	case ICMPEchoReply, ICMPEchoRequest,
		13, 14, // timestamp request/reply
		15, 16, // information request/reply
		17, 18: // address mask request/reply
		return true
	}
	return false
}

// ParseICMP decodes the ICMPv4 message b, which must be at least 8 bytes
// (ErrTruncated). It verifies the checksum over all of b: on a mismatch it
// returns ErrBadChecksum together with the fully decoded message. For
// types other than queries and fragmentation-needed, the four bytes after
// the checksum are ignored. ParseICMP does not allocate.
func ParseICMP(b []byte) (ICMPMessage, error) {
	v := ICMP(b)
	if err := v.Check(); err != nil {
		return ICMPMessage{}, err
	}
	m := ICMPMessage{Type: v.Type(), Code: v.Code(), Data: v.Body()}
	switch {
	case icmpHasIDSeq(m.Type):
		m.ID, m.Seq = v.ID(), v.Seq()
	case m.Type == ICMPDestUnreachable && m.Code == ICMPFragNeeded:
		m.MTU = v.NextHopMTU()
	}
	if !v.ChecksumValid() {
		return m, ErrBadChecksum
	}
	return m, nil
}

// Len returns the encoded length of the message: 8 plus len(m.Data).
func (m *ICMPMessage) Len() int { return ICMPHeaderLen + len(m.Data) }

// AppendTo appends the encoded message (header and Data) to dst and
// returns the extended slice, computing the checksum. Bytes 4..7 hold ID
// and Seq for query types, the MTU in bytes 6..7 for fragmentation-needed,
// and zero otherwise.
func (m *ICMPMessage) AppendTo(dst []byte) []byte {
	dst, b := grow(dst, m.Len())
	b[0], b[1], b[2], b[3] = m.Type, m.Code, 0, 0
	switch {
	case icmpHasIDSeq(m.Type):
		binary.BigEndian.PutUint16(b[4:6], m.ID)
		binary.BigEndian.PutUint16(b[6:8], m.Seq)
	case m.Type == ICMPDestUnreachable && m.Code == ICMPFragNeeded:
		b[4], b[5] = 0, 0
		binary.BigEndian.PutUint16(b[6:8], m.MTU)
	default:
		clear(b[4:8])
	}
	copy(b[ICMPHeaderLen:], m.Data)
	binary.BigEndian.PutUint16(b[2:4], Checksum(b, 0))
	return dst
}

// QuoteDatagram appends to dst the part of the IPv4 datagram orig that an
// ICMP error message quotes (RFC 792): the IP header, options included,
// followed by the first 8 bytes of its payload, never reading past the
// datagram's TotalLen or past len(orig). If orig does not start with a
// plausible IPv4 header, up to the first 28 bytes are quoted.
func QuoteDatagram(dst []byte, orig []byte) []byte {
	n := min(len(orig), IPv4HeaderLen+8)
	if len(orig) >= IPv4HeaderLen {
		v := IPv4(orig)
		hl := max(v.HeaderLen(), IPv4HeaderLen)
		n = len(orig)
		if tl := v.TotalLen(); tl >= hl && tl < n {
			n = tl
		}
		n = min(n, hl+8)
	}
	return append(dst, orig[:n]...)
}
