// Package bgp is a BGP-4 speaker (RFC 4271) with 4-octet AS numbers
// (RFC 6793) for IPv4 unicast: the wire codec of the four message types
// and of the path attributes, the session state machine with its timers,
// and a speaker holding many sessions with per-peer Adj-RIBs-In, a
// Loc-RIB filled by the decision process, and Adj-RIBs-Out filled by a
// Gao–Rexford export policy.
//
// It is sans-I/O, like routing/ospf: the engine never reads a clock and
// never touches a socket. The caller owns one TCP connection per session
// and tells the engine when it came up or went down ([Session.Connected],
// [Session.Closed]), hands it the bytes read from the stream as they come,
// split anywhere ([Session.Receive]), writes what [Session.AppendOutput]
// returns, and wakes it at [Session.NextDeadline] ([Session.Advance]).
// Every input carries the current time. The engine answers with bytes and
// [Event] values: state changes, "open a connection", "close it", routes
// learned and withdrawn, best paths changed. [Speaker] wraps sessions
// with the same calls, indexed by peer.
//
// The codec is symmetric: ParseX decodes what AppendX or AppendBody
// encodes, into plain structs. An UPDATE is decoded in two steps: the
// message into its withdrawn routes, raw attributes ([Attr]) and NLRI
// ([ParseUpdate]), then the attributes into a [Path] ([Update.Path]),
// which needs to know whether the session uses 4-octet AS numbers. Errors
// are [*Error] values carrying the NOTIFICATION code and subcode of RFC
// 4271 section 6 and, for UPDATEs, the action RFC 7606 prescribes:
// attribute discard, treat-as-withdraw, or session reset.
//
// The engine is deterministic: timers are not jittered (RFC 4271 10
// allows jitter; nothing here needs it), maps are walked in sorted order,
// and UPDATEs go out in prefix order.
//
// Not done: MP_REACH_NLRI routes (IPv6, other families), route refresh,
// graceful restart, ADD-PATH, confederations and route reflection, the
// MinRouteAdvertisementInterval (changes go out at once), the DelayOpen
// timer and peer oscillation damping (optional in RFC 4271 8.1),
// connection collision detection (one connection per session: make one
// side Passive), NEXT_HOP resolvability and the IGP cost step of the
// decision process (the engine has no IGP), and the RFC 9072 extended
// optional parameters.
package bgp

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Protocol constants.
const (
	// Port is the TCP port BGP listens on.
	Port = 179
	// Version is the BGP version this package speaks.
	Version = 4
	// HeaderLen is the length of the message header: marker, length, type.
	HeaderLen = 19
	// MaxMessageLen is the largest message (RFC 4271 4.1).
	MaxMessageLen = 4096
	// ASTrans is the 2-octet AS number that stands for a 4-octet one
	// towards a speaker without 4-octet support (RFC 6793 9).
	ASTrans = 23456
)

// Minimum lengths of whole messages (RFC 4271 4.2–4.5).
const (
	minOpenLen         = HeaderLen + 10
	minUpdateLen       = HeaderLen + 4
	minNotificationLen = HeaderLen + 2
)

// Type is a BGP message type (RFC 4271 4.1).
type Type uint8

// Message types.
const (
	TypeOpen         Type = 1
	TypeUpdate       Type = 2
	TypeNotification Type = 3
	TypeKeepalive    Type = 4
)

// String names the message type.
func (t Type) String() string {
	switch t {
	case TypeOpen:
		return "OPEN"
	case TypeUpdate:
		return "UPDATE"
	case TypeNotification:
		return "NOTIFICATION"
	case TypeKeepalive:
		return "KEEPALIVE"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// A Message is the body of one of the four message types.
type Message interface {
	Type() Type
	// AppendBody appends the encoded body (without the header) to dst.
	AppendBody(dst []byte) []byte
}

// AppendMessage appends m with its header to dst. The marker is all ones
// and the length is computed; the caller keeps messages within
// MaxMessageLen.
func AppendMessage(dst []byte, m Message) []byte {
	start := len(dst)
	for range 16 {
		dst = append(dst, 0xff)
	}
	dst = append(dst, 0, 0, byte(m.Type()))
	dst = m.AppendBody(dst)
	binary.BigEndian.PutUint16(dst[start+16:], uint16(len(dst)-start))
	return dst
}

// ParseHeader checks the header at the start of b as RFC 4271 6.1 does
// and returns the message type and length. It returns ErrShort if b holds
// less than a header, and an [*Error] (Message Header Error) for a marker
// that is not all ones, a length out of range for the type, or an unknown
// type.
func ParseHeader(b []byte) (Type, int, error) {
	if len(b) < HeaderLen {
		return 0, 0, ErrShort
	}
	for _, c := range b[:16] {
		if c != 0xff {
			return 0, 0, newErr(CodeHeader, SubConnNotSynchronized, nil, SessionReset, "marker is not all ones")
		}
	}
	n := int(binary.BigEndian.Uint16(b[16:18]))
	t := Type(b[18])
	bad := n < HeaderLen || n > MaxMessageLen
	switch t {
	case TypeOpen:
		bad = bad || n < minOpenLen
	case TypeUpdate:
		bad = bad || n < minUpdateLen
	case TypeNotification:
		bad = bad || n < minNotificationLen
	case TypeKeepalive:
		bad = bad || n != HeaderLen
	default:
		if !bad {
			return 0, 0, newErr(CodeHeader, SubBadMessageType, []byte{byte(t)}, SessionReset, "unknown message type %d", t)
		}
	}
	if bad {
		// 6.1: "the Data field MUST contain the erroneous Length field".
		return 0, 0, newErr(CodeHeader, SubBadMessageLength, []byte{b[16], b[17]}, SessionReset, "bad length %d for %v", n, t)
	}
	return t, n, nil
}

// ParseMessage decodes the message at the start of b and returns it with
// its length. It returns ErrShort if b holds less than the whole message.
// An UPDATE whose attributes RFC 7606 says to treat as withdrawn comes
// back with the error; see [ParseUpdate].
func ParseMessage(b []byte) (Message, int, error) {
	t, n, err := ParseHeader(b)
	if err != nil {
		return nil, 0, err
	}
	if len(b) < n {
		return nil, 0, ErrShort
	}
	body := b[HeaderLen:n]
	var m Message
	switch t {
	case TypeOpen:
		m, err = ParseOpen(body)
	case TypeUpdate:
		var u *Update
		u, err = ParseUpdate(body)
		if u != nil {
			m = u
		}
	case TypeNotification:
		m, err = ParseNotification(body)
	case TypeKeepalive:
		m = &Keepalive{}
	}
	if m == nil {
		return nil, n, err
	}
	return m, n, err
}

// Keepalive is a KEEPALIVE message: a header alone (RFC 4271 4.4).
type Keepalive struct{}

// Type returns TypeKeepalive.
func (*Keepalive) Type() Type { return TypeKeepalive }

// AppendBody appends nothing.
func (*Keepalive) AppendBody(dst []byte) []byte { return dst }

// Notification is a NOTIFICATION message (RFC 4271 4.5).
type Notification struct {
	Code    uint8
	Subcode uint8
	Data    []byte
}

// Type returns TypeNotification.
func (*Notification) Type() Type { return TypeNotification }

// AppendBody appends the code, subcode and data.
func (m *Notification) AppendBody(dst []byte) []byte {
	dst = append(dst, m.Code, m.Subcode)
	return append(dst, m.Data...)
}

// String names the code and subcode, with the data in hex.
func (m *Notification) String() string {
	s := CodeText(m.Code, m.Subcode)
	if len(m.Data) > 0 {
		s += fmt.Sprintf(" data %x", m.Data)
	}
	return s
}

// ParseNotification decodes a NOTIFICATION body. Data is a copy.
func ParseNotification(b []byte) (*Notification, error) {
	if len(b) < 2 {
		return nil, newErr(CodeHeader, SubBadMessageLength, nil, SessionReset, "short NOTIFICATION")
	}
	m := &Notification{Code: b[0], Subcode: b[1]}
	if len(b) > 2 {
		m.Data = append([]byte(nil), b[2:]...)
	}
	return m, nil
}

// Optional parameter types of the OPEN message.
const (
	// ParamCapabilities carries capabilities (RFC 5492).
	ParamCapabilities = 2
)

// Capability codes (IANA BGP Capability Codes).
const (
	CapMultiprotocol = 1  // RFC 4760
	CapRouteRefresh  = 2  // RFC 2918
	CapFourOctetAS   = 65 // RFC 6793
)

// Address family and subsequent address family identifiers.
const (
	AFIIPv4     = 1
	SAFIUnicast = 1
)

// Open is an OPEN message (RFC 4271 4.2).
type Open struct {
	Version  uint8
	MyAS     uint16 // ASTrans when the speaker's AS needs 4 octets
	HoldTime uint16 // seconds: 0 or at least 3
	ID       netip.Addr
	Params   []Param // optional parameters, in order
}

// Param is an optional parameter of an OPEN message.
type Param struct {
	Type  uint8
	Value []byte
}

// Capability is one capability inside a ParamCapabilities parameter
// (RFC 5492 4).
type Capability struct {
	Code  uint8
	Value []byte
}

// MultiprotocolCap returns the Multiprotocol Extensions capability for
// one address family (RFC 4760 8).
func MultiprotocolCap(afi uint16, safi uint8) Capability {
	return Capability{Code: CapMultiprotocol, Value: []byte{byte(afi >> 8), byte(afi), 0, safi}}
}

// FourOctetASCap returns the 4-octet AS number capability carrying as
// (RFC 6793 3).
func FourOctetASCap(as uint32) Capability {
	return Capability{Code: CapFourOctetAS, Value: binary.BigEndian.AppendUint32(nil, as)}
}

// NewOpen returns an OPEN for a speaker in AS as with the given hold
// time and identifier, each capability in a parameter of its own. My AS
// is ASTrans when as needs 4 octets (RFC 6793 4.1).
func NewOpen(as uint32, holdTime uint16, id netip.Addr, caps ...Capability) *Open {
	m := &Open{Version: Version, MyAS: uint16(as), HoldTime: holdTime, ID: id}
	if as > 0xffff {
		m.MyAS = ASTrans
	}
	for _, c := range caps {
		v := append([]byte{c.Code, byte(len(c.Value))}, c.Value...)
		m.Params = append(m.Params, Param{Type: ParamCapabilities, Value: v})
	}
	return m
}

// Type returns TypeOpen.
func (*Open) Type() Type { return TypeOpen }

// AppendBody appends the encoded OPEN body.
func (m *Open) AppendBody(dst []byte) []byte {
	dst = append(dst, m.Version)
	dst = binary.BigEndian.AppendUint16(dst, m.MyAS)
	dst = binary.BigEndian.AppendUint16(dst, m.HoldTime)
	dst = appendAddr(dst, m.ID)
	lenAt := len(dst)
	dst = append(dst, 0)
	for _, p := range m.Params {
		dst = append(dst, p.Type, byte(len(p.Value)))
		dst = append(dst, p.Value...)
	}
	dst[lenAt] = byte(len(dst) - lenAt - 1)
	return dst
}

// ParseOpen decodes an OPEN body. A parameter list that does not fill
// the Optional Parameters Length exactly is an OPEN Message Error with
// subcode 0 (RFC 4271 6.2: a recognized but malformed parameter).
func ParseOpen(b []byte) (*Open, error) {
	if len(b) < 10 {
		return nil, newErr(CodeHeader, SubBadMessageLength, nil, SessionReset, "short OPEN")
	}
	m := &Open{
		Version:  b[0],
		MyAS:     binary.BigEndian.Uint16(b[1:3]),
		HoldTime: binary.BigEndian.Uint16(b[3:5]),
		ID:       netip.AddrFrom4([4]byte(b[5:9])),
	}
	n := int(b[9])
	p := b[10:]
	if n != len(p) {
		return nil, newErr(CodeOpen, subcodeUnspecific, nil, SessionReset, "optional parameters length %d, %d bytes follow", n, len(p))
	}
	for len(p) > 0 {
		if len(p) < 2 || len(p) < 2+int(p[1]) {
			return nil, newErr(CodeOpen, subcodeUnspecific, nil, SessionReset, "truncated optional parameter")
		}
		m.Params = append(m.Params, Param{Type: p[0], Value: append([]byte(nil), p[2:2+int(p[1])]...)})
		p = p[2+int(p[1]):]
	}
	return m, nil
}

// Capabilities returns the capabilities of every ParamCapabilities
// parameter, in order. Parameters of other types are reported as an OPEN
// Message Error, Unsupported Optional Parameter (RFC 4271 6.2), and a
// capability overrunning its parameter as subcode 0.
func (m *Open) Capabilities() ([]Capability, error) {
	var caps []Capability
	for _, p := range m.Params {
		if p.Type != ParamCapabilities {
			return nil, newErr(CodeOpen, SubUnsupportedParam, nil, SessionReset, "optional parameter type %d", p.Type)
		}
		for v := p.Value; len(v) > 0; {
			if len(v) < 2 || len(v) < 2+int(v[1]) {
				return nil, newErr(CodeOpen, subcodeUnspecific, nil, SessionReset, "truncated capability")
			}
			caps = append(caps, Capability{Code: v[0], Value: v[2 : 2+int(v[1])]})
			v = v[2+int(v[1]):]
		}
	}
	return caps, nil
}

// Update is an UPDATE message (RFC 4271 4.3) with its path attributes
// still raw; [Update.Path] decodes them.
type Update struct {
	Withdrawn []netip.Prefix
	Attrs     []Attr
	NLRI      []netip.Prefix
}

// Type returns TypeUpdate.
func (*Update) Type() Type { return TypeUpdate }

// AppendBody appends the encoded UPDATE body.
func (m *Update) AppendBody(dst []byte) []byte {
	at := len(dst)
	dst = append(dst, 0, 0)
	for _, p := range m.Withdrawn {
		dst = appendPrefix(dst, p)
	}
	binary.BigEndian.PutUint16(dst[at:], uint16(len(dst)-at-2))
	at = len(dst)
	dst = append(dst, 0, 0)
	for _, a := range m.Attrs {
		dst = a.AppendTo(dst)
	}
	binary.BigEndian.PutUint16(dst[at:], uint16(len(dst)-at-2))
	for _, p := range m.NLRI {
		dst = appendPrefix(dst, p)
	}
	return dst
}

// ParseUpdate decodes an UPDATE body into withdrawn routes, raw
// attributes and NLRI, with RFC 7606's error handling:
//
//   - Withdrawn Routes Length or Total Path Attribute Length overrunning
//     the message is a Malformed Attribute List (RFC 4271 6.3) and a
//     session reset, as is a prefix that cannot be parsed in the
//     Withdrawn Routes or NLRI (Invalid Network Field; RFC 7606 5.3).
//     ParseUpdate returns nil and the error.
//   - An attribute overrunning the Total Path Attribute Length, or fewer
//     than three (four with Extended Length) octets left for an attribute
//     header, is treat-as-withdraw (RFC 7606 4): the Total Path Attribute
//     Length locates the NLRI, and ParseUpdate returns the update (with
//     the attributes parsed before the bad one) and the error.
//
// Prefixes are returned masked; attribute values alias b.
func ParseUpdate(b []byte) (*Update, error) {
	if len(b) < 4 {
		return nil, newErr(CodeUpdate, SubMalformedAttrList, nil, SessionReset, "short UPDATE")
	}
	wl := int(binary.BigEndian.Uint16(b))
	if 2+wl+2 > len(b) {
		return nil, newErr(CodeUpdate, SubMalformedAttrList, nil, SessionReset, "withdrawn routes length %d overruns the message", wl)
	}
	m := &Update{}
	var err error
	if m.Withdrawn, err = parsePrefixes(b[2 : 2+wl]); err != nil {
		return nil, err
	}
	b = b[2+wl:]
	al := int(binary.BigEndian.Uint16(b))
	if 2+al > len(b) {
		return nil, newErr(CodeUpdate, SubMalformedAttrList, nil, SessionReset, "total path attribute length %d overruns the message", al)
	}
	var attrErr *Error
	m.Attrs, attrErr = parseAttrs(b[2 : 2+al])
	if m.NLRI, err = parsePrefixes(b[2+al:]); err != nil {
		return nil, err
	}
	if attrErr != nil {
		return m, attrErr
	}
	return m, nil
}

// parseAttrs splits the path attributes field into attributes. On an
// overrun it returns those before it and a treat-as-withdraw error.
func parseAttrs(b []byte) ([]Attr, *Error) {
	var attrs []Attr
	for len(b) > 0 {
		hl := 3
		if len(b) >= 1 && b[0]&FlagExtLen != 0 {
			hl = 4
		}
		if len(b) < hl {
			return attrs, newErr(CodeUpdate, SubAttrLength, nil, TreatAsWithdraw, "%d octets left for an attribute header", len(b))
		}
		n := int(b[2])
		if hl == 4 {
			n = int(binary.BigEndian.Uint16(b[2:4]))
		}
		if hl+n > len(b) {
			return attrs, newErr(CodeUpdate, SubAttrLength, append([]byte(nil), b...), TreatAsWithdraw,
				"attribute %d length %d overruns the path attributes", b[1], n)
		}
		attrs = append(attrs, Attr{Flags: b[0], Code: b[1], Value: b[hl : hl+n : hl+n]})
		b = b[hl+n:]
	}
	return attrs, nil
}

// appendPrefix appends an IPv4 prefix as length and significant octets
// (RFC 4271 4.3).
func appendPrefix(dst []byte, p netip.Prefix) []byte {
	bits := p.Bits()
	a := p.Addr().Unmap().As4()
	dst = append(dst, byte(bits))
	return append(dst, a[:(bits+7)/8]...)
}

// prefixLen is the encoded length of p.
func prefixLen(p netip.Prefix) int { return 1 + (p.Bits()+7)/8 }

func parsePrefixes(b []byte) ([]netip.Prefix, error) {
	var ps []netip.Prefix
	for len(b) > 0 {
		bits := int(b[0])
		n := (bits + 7) / 8
		if bits > 32 || 1+n > len(b) {
			// RFC 4271 6.3: "If the field is syntactically incorrect, then
			// the Error Subcode MUST be set to Invalid Network Field";
			// RFC 7606 5.3: session reset.
			return nil, newErr(CodeUpdate, SubInvalidNetwork, nil, SessionReset, "bad prefix (length %d, %d octets left)", bits, len(b)-1)
		}
		var a [4]byte
		copy(a[:], b[1:1+n])
		ps = append(ps, netip.PrefixFrom(netip.AddrFrom4(a), bits).Masked())
		b = b[1+n:]
	}
	return ps, nil
}

func appendAddr(dst []byte, a netip.Addr) []byte {
	if !a.Is4() && !a.Is4In6() {
		return append(dst, 0, 0, 0, 0)
	}
	v := a.Unmap().As4()
	return append(dst, v[:]...)
}

// Framer reassembles messages from a byte stream split anywhere. The
// zero value is ready to use.
type Framer struct {
	buf []byte
	off int
}

// Write appends bytes read from the stream.
func (f *Framer) Write(b []byte) {
	if f.off > 0 && f.off == len(f.buf) {
		f.buf, f.off = f.buf[:0], 0
	} else if f.off > MaxMessageLen && f.off > len(f.buf)/2 {
		n := copy(f.buf, f.buf[f.off:])
		f.buf, f.off = f.buf[:n], 0
	}
	f.buf = append(f.buf, b...)
}

// Next returns the next whole message, header included, or nil when the
// stream holds only part of one. The slice is valid until the next
// Write. A header error (RFC 4271 6.1) is returned as an [*Error]; the
// stream cannot be resynchronised after one.
func (f *Framer) Next() ([]byte, error) {
	b := f.buf[f.off:]
	_, n, err := ParseHeader(b)
	if err == ErrShort {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(b) < n {
		return nil, nil
	}
	f.off += n
	return b[:n:n], nil
}

// Buffered returns the number of bytes held that are not yet part of a
// returned message.
func (f *Framer) Buffered() int { return len(f.buf) - f.off }

// Reset drops everything held.
func (f *Framer) Reset() { f.buf, f.off = f.buf[:0], 0 }
