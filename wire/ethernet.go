package wire

import (
	"encoding/binary"
	"net/netip"
)

// Ethernet II (DIX) framing and the values hops uses.
const (
	// EthernetHeaderLen is the length of an Ethernet II header: destination
	// and source MAC addresses and the EtherType.
	EthernetHeaderLen = 14
	// EthernetMinFrame is the shortest frame on the wire without its
	// frame check sequence (64 bytes with it, IEEE 802.3 clause 3.2.8);
	// a sender pads shorter frames with zeros.
	EthernetMinFrame = 60
	// EtherTypeIPv4 and EtherTypeARP are the EtherTypes hops carries.
	EtherTypeIPv4 = 0x0800
	EtherTypeARP  = 0x0806
)

// MAC is an IEEE 802 MAC-48 address.
type MAC [6]byte

// BroadcastMAC is ff:ff:ff:ff:ff:ff.
var BroadcastMAC = MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// IPv4MulticastMAC is the Ethernet address of IPv4 multicast group g
// (RFC 1112 section 6.4): 01:00:5e followed by the group's low 23 bits.
func IPv4MulticastMAC(g netip.Addr) MAC {
	a := g.As4()
	return MAC{0x01, 0x00, 0x5e, a[1] & 0x7f, a[2], a[3]}
}

// IsBroadcast reports whether m is the broadcast address.
func (m MAC) IsBroadcast() bool { return m == BroadcastMAC }

// IsMulticast reports whether m is a group address (its I/G bit is set);
// the broadcast address is one.
func (m MAC) IsMulticast() bool { return m[0]&1 == 1 }

// IsLocal reports whether m is locally administered (its U/L bit is set),
// as every address hops derives is.
func (m MAC) IsLocal() bool { return m[0]&2 == 2 }

// IsZero reports whether m is 00:00:00:00:00:00.
func (m MAC) IsZero() bool { return m == MAC{} }

// String formats m as six colon-separated lower-case hex pairs.
func (m MAC) String() string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 17)
	for i, v := range m {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hex[v>>4], hex[v&15])
	}
	return string(b)
}

// LocalMAC derives a locally administered unicast MAC address from a
// 64-bit value (a seeded random draw): the U/L bit set, the I/G bit
// clear, the rest taken from v.
func LocalMAC(v uint64) MAC {
	var m MAC
	for i := range m {
		m[i] = byte(v >> (8 * (5 - i)))
	}
	m[0] = m[0]&^1 | 2
	return m
}

// Ethernet is a view of an Ethernet II frame (without its frame check
// sequence). Call [Ethernet.Check] first; once it returns nil no method
// panics.
type Ethernet []byte

// Check reports ErrTruncated for a frame shorter than its header.
func (b Ethernet) Check() error {
	if len(b) < EthernetHeaderLen {
		return ErrTruncated
	}
	return nil
}

// Dst returns the destination address.
func (b Ethernet) Dst() MAC { return MAC(b[0:6]) }

// Src returns the source address.
func (b Ethernet) Src() MAC { return MAC(b[6:12]) }

// EtherType returns the EtherType field.
func (b Ethernet) EtherType() uint16 { return binary.BigEndian.Uint16(b[12:14]) }

// Payload returns the bytes after the header (padding included: the
// upper layer knows its own length).
func (b Ethernet) Payload() []byte { return b[EthernetHeaderLen:] }

// SetDst sets the destination address.
func (b Ethernet) SetDst(m MAC) { copy(b[0:6], m[:]) }

// SetSrc sets the source address.
func (b Ethernet) SetSrc(m MAC) { copy(b[6:12], m[:]) }

// EthernetHeader is an Ethernet II header as a plain value.
type EthernetHeader struct {
	Dst, Src  MAC
	EtherType uint16
}

// ParseEthernet decodes a frame's header and returns its payload.
func ParseEthernet(b []byte) (EthernetHeader, []byte, error) {
	v := Ethernet(b)
	if err := v.Check(); err != nil {
		return EthernetHeader{}, nil, err
	}
	return EthernetHeader{Dst: v.Dst(), Src: v.Src(), EtherType: v.EtherType()}, v.Payload(), nil
}

// PutTo writes the header into the first 14 bytes of b, which must be
// at least that long.
func (h *EthernetHeader) PutTo(b []byte) {
	_ = b[EthernetHeaderLen-1]
	copy(b[0:6], h.Dst[:])
	copy(b[6:12], h.Src[:])
	binary.BigEndian.PutUint16(b[12:14], h.EtherType)
}

// AppendTo appends the encoded header to dst.
func (h *EthernetHeader) AppendTo(dst []byte) []byte {
	n := len(dst)
	dst = append(dst, make([]byte, EthernetHeaderLen)...)
	h.PutTo(dst[n:])
	return dst
}

// ARP operations (RFC 826).
const (
	ARPRequest = 1
	ARPReply   = 2
)

// ARPLen is the length of an ARP packet for IPv4 over Ethernet.
const ARPLen = 28

// ErrARPUnsupported reports an ARP packet for another hardware or
// protocol type than Ethernet and IPv4 (RFC 826's ar$hrd, ar$pro,
// ar$hln and ar$pln fields).
var ErrARPUnsupported = errARP("wire: ARP for another hardware or protocol than Ethernet/IPv4")

type errARP string

func (e errARP) Error() string { return string(e) }

// ARP is an ARP packet for IPv4 over Ethernet (RFC 826), as a plain
// value. A gratuitous ARP announces SenderIP with TargetIP equal to it.
type ARP struct {
	Op        uint16
	SenderMAC MAC
	SenderIP  netip.Addr
	TargetMAC MAC
	TargetIP  netip.Addr
}

// IsGratuitous reports whether a is an announcement: the sender asks
// for, or tells, its own address.
func (a *ARP) IsGratuitous() bool { return a.SenderIP == a.TargetIP }

// ParseARP decodes an ARP packet (an Ethernet payload, padding allowed
// after it). Packets for other hardware or protocols give
// ErrARPUnsupported; a short one ErrTruncated.
func ParseARP(b []byte) (ARP, error) {
	if len(b) < 8 {
		return ARP{}, ErrTruncated
	}
	if binary.BigEndian.Uint16(b[0:2]) != 1 || binary.BigEndian.Uint16(b[2:4]) != EtherTypeIPv4 || b[4] != 6 || b[5] != 4 {
		return ARP{}, ErrARPUnsupported
	}
	if len(b) < ARPLen {
		return ARP{}, ErrTruncated
	}
	return ARP{
		Op:        binary.BigEndian.Uint16(b[6:8]),
		SenderMAC: MAC(b[8:14]),
		SenderIP:  netip.AddrFrom4([4]byte(b[14:18])),
		TargetMAC: MAC(b[18:24]),
		TargetIP:  netip.AddrFrom4([4]byte(b[24:28])),
	}, nil
}

// AppendTo appends the 28-byte encoding of a to dst. Addresses that are
// not IPv4 are written as 0.0.0.0.
func (a *ARP) AppendTo(dst []byte) []byte {
	dst = append(dst, 0, 1, 0x08, 0x00, 6, 4, byte(a.Op>>8), byte(a.Op))
	dst = append(dst, a.SenderMAC[:]...)
	dst = append4(dst, a.SenderIP)
	dst = append(dst, a.TargetMAC[:]...)
	return append4(dst, a.TargetIP)
}

func append4(dst []byte, a netip.Addr) []byte {
	if a.Is4() || a.Is4In6() {
		v := a.Unmap().As4()
		return append(dst, v[:]...)
	}
	return append(dst, 0, 0, 0, 0)
}
