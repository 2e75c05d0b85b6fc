package ospf

import (
	"encoding/binary"
	"net/netip"
)

// Options bits (A.2). The engine sets only E: "If the E-bit is clear, then
// the area is a stub area" (RFC 2328 A.2).
const (
	OptE  = 0x02
	OptMC = 0x04
	OptNP = 0x08
	OptDC = 0x20
)

// Hello is a Hello packet body (A.3.2).
type Hello struct {
	NetworkMask        netip.Addr // the interface's mask; ignored on point-to-point links
	HelloInterval      uint16     // seconds
	Options            uint8
	Priority           uint8
	RouterDeadInterval uint32 // seconds
	DR, BDR            ID     // 0 on point-to-point links
	Neighbors          []ID   // router IDs heard on the link within RouterDeadInterval
}

const helloFixedLen = 20

// Type returns TypeHello.
func (*Hello) Type() Type { return TypeHello }

// AppendTo appends the encoded Hello body.
func (m *Hello) AppendTo(dst []byte) []byte {
	mask := m.NetworkMask.Unmap()
	if !mask.Is4() {
		mask = netip.IPv4Unspecified()
	}
	v := mask.As4()
	dst = append(dst, v[:]...)
	dst = binary.BigEndian.AppendUint16(dst, m.HelloInterval)
	dst = append(dst, m.Options, m.Priority)
	dst = binary.BigEndian.AppendUint32(dst, m.RouterDeadInterval)
	dst = binary.BigEndian.AppendUint32(dst, uint32(m.DR))
	dst = binary.BigEndian.AppendUint32(dst, uint32(m.BDR))
	for _, n := range m.Neighbors {
		dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	}
	return dst
}

// ParseHello decodes a Hello body. Trailing bytes that are not a whole
// neighbour entry are an ErrBadLength.
func ParseHello(b []byte) (*Hello, error) {
	if len(b) < helloFixedLen {
		return nil, ErrTruncated
	}
	if (len(b)-helloFixedLen)%4 != 0 {
		return nil, ErrBadLength
	}
	m := &Hello{
		NetworkMask:        netip.AddrFrom4([4]byte(b[0:4])),
		HelloInterval:      binary.BigEndian.Uint16(b[4:6]),
		Options:            b[6],
		Priority:           b[7],
		RouterDeadInterval: binary.BigEndian.Uint32(b[8:12]),
		DR:                 ID(binary.BigEndian.Uint32(b[12:16])),
		BDR:                ID(binary.BigEndian.Uint32(b[16:20])),
	}
	for o := helloFixedLen; o < len(b); o += 4 {
		m.Neighbors = append(m.Neighbors, ID(binary.BigEndian.Uint32(b[o:])))
	}
	return m, nil
}

// Database Description flag bits (A.3.3).
const (
	DDMaster = 0x01 // MS: the sender is the master
	DDMore   = 0x02 // M: more DD packets follow
	DDInit   = 0x04 // I: the first packet of the sequence
)

// DBDesc is a Database Description packet body (A.3.3).
type DBDesc struct {
	MTU     uint16 // interface MTU in bytes, without IP header
	Options uint8
	Flags   uint8 // DDInit, DDMore, DDMaster
	Seq     uint32
	Headers []LSAHeader
}

const ddFixedLen = 8

// Type returns TypeDBDesc.
func (*DBDesc) Type() Type { return TypeDBDesc }

// AppendTo appends the encoded DD body.
func (m *DBDesc) AppendTo(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, m.MTU)
	dst = append(dst, m.Options, m.Flags)
	dst = binary.BigEndian.AppendUint32(dst, m.Seq)
	for i := range m.Headers {
		dst = m.Headers[i].AppendTo(dst)
	}
	return dst
}

// ParseDBDesc decodes a DD body.
func ParseDBDesc(b []byte) (*DBDesc, error) {
	if len(b) < ddFixedLen {
		return nil, ErrTruncated
	}
	m := &DBDesc{
		MTU:     binary.BigEndian.Uint16(b[0:2]),
		Options: b[2],
		Flags:   b[3],
		Seq:     binary.BigEndian.Uint32(b[4:8]),
	}
	var err error
	m.Headers, err = parseHeaders(b[ddFixedLen:])
	return m, err
}

func parseHeaders(b []byte) ([]LSAHeader, error) {
	if len(b)%LSAHeaderLen != 0 {
		return nil, ErrBadLength
	}
	var hs []LSAHeader
	for ; len(b) > 0; b = b[LSAHeaderLen:] {
		hs = append(hs, ParseLSAHeader(b))
	}
	return hs, nil
}

// LSKey names an LSA: "An LSA is identified by its LS type, Link State ID
// and Advertising Router" (RFC 2328 12.1). It is also a Link State Request
// entry (A.3.4).
type LSKey struct {
	Type      uint8
	ID        ID
	AdvRouter ID
}

// LSRequest is a Link State Request packet body (A.3.4).
type LSRequest struct {
	Requests []LSKey
}

const lsrEntryLen = 12

// Type returns TypeLSRequest.
func (*LSRequest) Type() Type { return TypeLSRequest }

// AppendTo appends the encoded request entries.
func (m *LSRequest) AppendTo(dst []byte) []byte {
	for _, k := range m.Requests {
		dst = binary.BigEndian.AppendUint32(dst, uint32(k.Type))
		dst = binary.BigEndian.AppendUint32(dst, uint32(k.ID))
		dst = binary.BigEndian.AppendUint32(dst, uint32(k.AdvRouter))
	}
	return dst
}

// ParseLSRequest decodes a Link State Request body. An LS type above 255
// is an ErrBadLength (no such type exists).
func ParseLSRequest(b []byte) (*LSRequest, error) {
	if len(b)%lsrEntryLen != 0 {
		return nil, ErrBadLength
	}
	m := &LSRequest{}
	for ; len(b) > 0; b = b[lsrEntryLen:] {
		t := binary.BigEndian.Uint32(b[0:4])
		if t > 0xff {
			return nil, ErrBadLength
		}
		m.Requests = append(m.Requests, LSKey{uint8(t), ID(binary.BigEndian.Uint32(b[4:8])), ID(binary.BigEndian.Uint32(b[8:12]))})
	}
	return m, nil
}

// LSUpdate is a Link State Update packet body (A.3.5): whole LSAs.
type LSUpdate struct {
	LSAs []LSA // each a checked view; ParseLSUpdate returns sub-slices of its input
}

// Type returns TypeLSUpdate.
func (*LSUpdate) Type() Type { return TypeLSUpdate }

// AppendTo appends the LSA count and the LSAs.
func (m *LSUpdate) AppendTo(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(m.LSAs)))
	for _, l := range m.LSAs {
		dst = append(dst, l...)
	}
	return dst
}

// ParseLSUpdate decodes a Link State Update body. Each LSA's structure is
// checked ([LSA.Check]) but not its checksum, which the flooding procedure
// verifies per LSA (RFC 2328 13, step 1). The count must match.
func ParseLSUpdate(b []byte) (*LSUpdate, error) {
	if len(b) < 4 {
		return nil, ErrTruncated
	}
	n := binary.BigEndian.Uint32(b[0:4])
	b = b[4:]
	if uint64(n) > uint64(len(b)/LSAHeaderLen) {
		return nil, ErrTruncated
	}
	m := &LSUpdate{LSAs: make([]LSA, 0, n)}
	for range n {
		l := LSA(b)
		if err := l.Check(); err != nil {
			return nil, err
		}
		m.LSAs = append(m.LSAs, l[:l.Len():l.Len()])
		b = b[l.Len():]
	}
	if len(b) != 0 {
		return nil, ErrBadLength
	}
	return m, nil
}

// LSAck is a Link State Acknowledgment packet body (A.3.6).
type LSAck struct {
	Headers []LSAHeader
}

// Type returns TypeLSAck.
func (*LSAck) Type() Type { return TypeLSAck }

// AppendTo appends the acknowledged LSA headers.
func (m *LSAck) AppendTo(dst []byte) []byte {
	for i := range m.Headers {
		dst = m.Headers[i].AppendTo(dst)
	}
	return dst
}

// ParseLSAck decodes a Link State Acknowledgment body.
func ParseLSAck(b []byte) (*LSAck, error) {
	hs, err := parseHeaders(b)
	if err != nil {
		return nil, err
	}
	return &LSAck{Headers: hs}, nil
}
