// Package ospf is an OSPFv2 speaker (RFC 2328) for point-to-point
// interfaces: the wire codec of its five packet types and of router-LSAs,
// and a sans-I/O engine with the interface and neighbour state machines,
// database exchange, reliable flooding, LSA origination and ageing, and
// SPF with equal-cost paths.
//
// The engine never reads a clock: every input carries `now`, outputs are
// appended to the caller's slice and [Engine.NextDeadline] says when it
// next needs to be woken. It sees OSPF packets (IP protocol 89 payloads)
// per interface; the caller wraps them in IPv4 to 224.0.0.5 with TTL 1.
package ospf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/hopsnet/hops/wire"
)

// Protocol constants.
const (
	// IPProto is the IP protocol number of OSPF.
	IPProto = 89
	// Version is the OSPF version this package speaks.
	Version = 2
	// HeaderLen is the length of the OSPF packet header (A.3.1).
	HeaderLen = 24
)

// AllSPFRouters is 224.0.0.5: "On physical point-to-point networks, the IP
// destination is always set to the address AllSPFRouters" (RFC 2328 8.1).
var AllSPFRouters = netip.AddrFrom4([4]byte{224, 0, 0, 5})

// Sentinel errors of the codec. Parsers return them unwrapped.
var (
	ErrTruncated   = errors.New("ospf: truncated packet")
	ErrBadVersion  = errors.New("ospf: bad version")
	ErrBadLength   = errors.New("ospf: bad length field")
	ErrBadType     = errors.New("ospf: unknown packet type")
	ErrBadChecksum = errors.New("ospf: bad checksum")
	ErrBadAuType   = errors.New("ospf: unsupported authentication type")
)

// ID is a 32-bit OSPF identifier (router ID, area ID, link state ID),
// written as a dotted quad. The zero value is 0.0.0.0, the backbone area.
type ID uint32

// IDFrom returns the ID with the four bytes of an IPv4 address.
func IDFrom(a netip.Addr) ID {
	v := a.Unmap().As4()
	return ID(binary.BigEndian.Uint32(v[:]))
}

// Addr returns the ID as an IPv4 address.
func (id ID) Addr() netip.Addr {
	var v [4]byte
	binary.BigEndian.PutUint32(v[:], uint32(id))
	return netip.AddrFrom4(v)
}

func (id ID) String() string { return id.Addr().String() }

// Type is an OSPF packet type (A.3.1).
type Type uint8

// Packet types.
const (
	TypeHello     Type = 1
	TypeDBDesc    Type = 2
	TypeLSRequest Type = 3
	TypeLSUpdate  Type = 4
	TypeLSAck     Type = 5
)

func (t Type) String() string {
	switch t {
	case TypeHello:
		return "Hello"
	case TypeDBDesc:
		return "DBDesc"
	case TypeLSRequest:
		return "LSRequest"
	case TypeLSUpdate:
		return "LSUpdate"
	case TypeLSAck:
		return "LSAck"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Packet is a view of an OSPF packet. Call [Packet.Check] first; once it
// returns nil no method panics.
type Packet []byte

// Check validates the structure: at least 24 bytes, version 2, a known
// type, and a length field in [24, len(p)]. It does not verify the
// checksum.
func (p Packet) Check() error {
	if len(p) < HeaderLen {
		return ErrTruncated
	}
	if p[0] != Version {
		return ErrBadVersion
	}
	if t := Type(p[1]); t < TypeHello || t > TypeLSAck {
		return ErrBadType
	}
	n := int(binary.BigEndian.Uint16(p[2:4]))
	if n < HeaderLen {
		return ErrBadLength
	}
	if n > len(p) {
		return ErrTruncated
	}
	return nil
}

// Type returns the packet type.
func (p Packet) Type() Type { return Type(p[1]) }

// Len returns the packet length field.
func (p Packet) Len() int { return int(binary.BigEndian.Uint16(p[2:4])) }

// RouterID returns the sender's router ID.
func (p Packet) RouterID() ID { return ID(binary.BigEndian.Uint32(p[4:8])) }

// AreaID returns the area ID.
func (p Packet) AreaID() ID { return ID(binary.BigEndian.Uint32(p[8:12])) }

// AuType returns the authentication type (0: null authentication).
func (p Packet) AuType() uint16 { return binary.BigEndian.Uint16(p[14:16]) }

// Body returns the bytes after the header up to the length field.
func (p Packet) Body() []byte { return p[HeaderLen:p.Len()] }

// ChecksumValid reports whether the checksum verifies: "The checksum is
// the standard IP checksum of the entire contents of the packet, starting
// with the OSPF packet header but excluding the 64-bit authentication
// field" (RFC 2328 A.3.1).
func (p Packet) ChecksumValid() bool {
	return wire.Checksum(p[:16], wire.Sum(p[HeaderLen:p.Len()], 0)) == 0
}

// Header is a decoded OSPF packet header.
type Header struct {
	Type     Type
	Length   uint16 // header plus body; computed by AppendTo
	RouterID ID
	AreaID   ID
	Checksum uint16 // computed by AppendTo
	AuType   uint16 // 0 (null authentication) is the only one supported
	Auth     [8]byte
}

// A Message is the body of one of the five packet types.
type Message interface {
	Type() Type
	// AppendTo appends the encoded body to dst.
	AppendTo(dst []byte) []byte
}

// AppendTo appends the packet with header h and body m to dst. The type,
// length and checksum are computed; h.Type, h.Length and h.Checksum are
// ignored.
func (h *Header) AppendTo(dst []byte, m Message) []byte {
	start := len(dst)
	dst = append(dst, Version, byte(m.Type()), 0, 0)
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.RouterID))
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.AreaID))
	dst = append(dst, 0, 0)
	dst = binary.BigEndian.AppendUint16(dst, h.AuType)
	dst = append(dst, h.Auth[:]...)
	dst = m.AppendTo(dst)
	p := dst[start:]
	binary.BigEndian.PutUint16(p[2:4], uint16(len(p)))
	// A.3.1: the checksum excludes the 64-bit authentication field.
	binary.BigEndian.PutUint16(p[12:14], wire.Checksum(p[:16], wire.Sum(p[HeaderLen:], 0)))
	return dst
}

// ParseHeader decodes the header of the packet in b and returns it with
// the body (up to the length field, a sub-slice of b). It checks the
// structure as [Packet.Check] does, then AuType (ErrBadAuType unless 0),
// then the checksum: on a mismatch it returns ErrBadChecksum with the
// decoded header and body.
func ParseHeader(b []byte) (h Header, body []byte, err error) {
	p := Packet(b)
	if err := p.Check(); err != nil {
		return Header{}, nil, err
	}
	h = Header{
		Type: p.Type(), Length: uint16(p.Len()), RouterID: p.RouterID(), AreaID: p.AreaID(),
		Checksum: binary.BigEndian.Uint16(p[12:14]), AuType: p.AuType(),
	}
	copy(h.Auth[:], p[16:24])
	body = p.Body()
	if h.AuType != 0 {
		return h, body, ErrBadAuType
	}
	if !p.ChecksumValid() {
		return h, body, ErrBadChecksum
	}
	return h, body, nil
}

// ParsePacket decodes a whole packet: the header as [ParseHeader] does and
// the body by its type. On ErrBadChecksum the message is still decoded.
func ParsePacket(b []byte) (Header, Message, error) {
	h, body, err := ParseHeader(b)
	if err != nil && err != ErrBadChecksum {
		return h, nil, err
	}
	m, err2 := ParseMessage(h.Type, body)
	if err2 != nil {
		return h, nil, err2
	}
	return h, m, err
}

// ParseMessage decodes a packet body of type t.
func ParseMessage(t Type, body []byte) (Message, error) {
	switch t {
	case TypeHello:
		return ParseHello(body)
	case TypeDBDesc:
		return ParseDBDesc(body)
	case TypeLSRequest:
		return ParseLSRequest(body)
	case TypeLSUpdate:
		return ParseLSUpdate(body)
	case TypeLSAck:
		return ParseLSAck(body)
	}
	return nil, ErrBadType
}
