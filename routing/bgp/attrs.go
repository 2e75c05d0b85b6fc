package bgp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Attribute flags (RFC 4271 4.3). The low four bits are unused.
const (
	FlagOptional   = 0x80
	FlagTransitive = 0x40
	FlagPartial    = 0x20
	FlagExtLen     = 0x10
)

// Path attribute type codes.
const (
	AttrOrigin          = 1  // RFC 4271
	AttrASPath          = 2  // RFC 4271
	AttrNextHop         = 3  // RFC 4271
	AttrMED             = 4  // RFC 4271 MULTI_EXIT_DISC
	AttrLocalPref       = 5  // RFC 4271
	AttrAtomicAggregate = 6  // RFC 4271
	AttrAggregator      = 7  // RFC 4271
	AttrCommunities     = 8  // RFC 1997; carried, not interpreted
	AttrMPReach         = 14 // RFC 4760; carried, not interpreted
	AttrMPUnreach       = 15 // RFC 4760; carried, not interpreted
	AttrAS4Path         = 17 // RFC 6793
	AttrAS4Aggregator   = 18 // RFC 6793
)

// Attr is one path attribute as it is on the wire.
type Attr struct {
	Flags uint8 // FlagOptional, FlagTransitive, FlagPartial, FlagExtLen
	Code  uint8
	Value []byte
}

// AppendTo appends the attribute: flags, type, length, value. The length
// takes two octets when FlagExtLen is set or the value is longer than
// 255 octets (then FlagExtLen is set on the wire).
func (a Attr) AppendTo(dst []byte) []byte {
	f := a.Flags
	if len(a.Value) > 255 {
		f |= FlagExtLen
	}
	dst = append(dst, f, a.Code)
	if f&FlagExtLen != 0 {
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(a.Value)))
	} else {
		dst = append(dst, byte(len(a.Value)))
	}
	return append(dst, a.Value...)
}

// Origin is the ORIGIN attribute's value (RFC 4271 5.1.1).
type Origin uint8

// ORIGIN values, in order of preference (RFC 4271 9.1.2.2 b).
const (
	OriginIGP        Origin = 0
	OriginEGP        Origin = 1
	OriginIncomplete Origin = 2
)

// Code returns the letter `show ip bgp` prints: i, e or ?.
func (o Origin) Code() string {
	switch o {
	case OriginIGP:
		return "i"
	case OriginEGP:
		return "e"
	}
	return "?"
}

// String names the origin: IGP, EGP or INCOMPLETE.
func (o Origin) String() string {
	switch o {
	case OriginIGP:
		return "IGP"
	case OriginEGP:
		return "EGP"
	case OriginIncomplete:
		return "INCOMPLETE"
	}
	return fmt.Sprintf("Origin(%d)", uint8(o))
}

// SegType is an AS_PATH segment type.
type SegType uint8

// Segment types (RFC 4271 4.3, RFC 5065 3).
const (
	ASSet            SegType = 1
	ASSequence       SegType = 2
	ASConfedSequence SegType = 3
	ASConfedSet      SegType = 4
)

// Segment is one AS_PATH segment.
type Segment struct {
	Type SegType
	ASNs []uint32
}

// ASPath is an AS_PATH, its segments in order: the first AS of the first
// AS_SEQUENCE is the neighbour that sent the route.
type ASPath []Segment

// Len is the path length the decision process compares: "an AS_SET
// counts as 1, no matter how many ASes are in the set" (RFC 4271 9.1.2.2
// a); confederation segments count 0 (RFC 5065 5.3).
func (p ASPath) Len() int {
	n := 0
	for _, s := range p {
		switch s.Type {
		case ASSequence:
			n += len(s.ASNs)
		case ASSet:
			n++
		}
	}
	return n
}

// Contains reports whether as appears anywhere in the path.
func (p ASPath) Contains(as uint32) bool {
	for _, s := range p {
		if slices.Contains(s.ASNs, as) {
			return true
		}
	}
	return false
}

// Neighbor returns the leftmost AS of a path starting with an
// AS_SEQUENCE, and 0 otherwise.
func (p ASPath) Neighbor() uint32 {
	if len(p) == 0 || p[0].Type != ASSequence || len(p[0].ASNs) == 0 {
		return 0
	}
	return p[0].ASNs[0]
}

// Prepend returns a new path with as in front: in the first AS_SEQUENCE
// if there is one with room, else in a new segment (RFC 4271 5.1.2).
func (p ASPath) Prepend(as uint32) ASPath {
	if len(p) > 0 && p[0].Type == ASSequence && len(p[0].ASNs) < 255 {
		q := slices.Clone(p)
		q[0].ASNs = append([]uint32{as}, p[0].ASNs...)
		return q
	}
	return append(ASPath{{Type: ASSequence, ASNs: []uint32{as}}}, p...)
}

// Clone returns a deep copy.
func (p ASPath) Clone() ASPath {
	q := slices.Clone(p)
	for i := range q {
		q[i].ASNs = slices.Clone(q[i].ASNs)
	}
	return q
}

// String formats the path as routers do: "65001 65002 {65003,65004}".
func (p ASPath) String() string {
	var b strings.Builder
	for i, s := range p {
		if i > 0 {
			b.WriteByte(' ')
		}
		open, sep, end := "", " ", ""
		switch s.Type {
		case ASSet:
			open, sep, end = "{", ",", "}"
		case ASConfedSequence:
			open, end = "(", ")"
		case ASConfedSet:
			open, sep, end = "[", ",", "]"
		}
		b.WriteString(open)
		for j, as := range s.ASNs {
			if j > 0 {
				b.WriteString(sep)
			}
			b.WriteString(strconv.FormatUint(uint64(as), 10))
		}
		b.WriteString(end)
	}
	return b.String()
}

// appendASPath encodes the segments with 4- or 2-octet AS numbers; a
// 2-octet encoding writes ASTrans for numbers that need 4. Segments of
// more than 255 numbers are split.
func appendASPath(dst []byte, p ASPath, four bool) []byte {
	for _, s := range p {
		for asns := s.ASNs; len(asns) > 0; {
			n := min(len(asns), 255)
			dst = append(dst, byte(s.Type), byte(n))
			for _, as := range asns[:n] {
				if four {
					dst = binary.BigEndian.AppendUint32(dst, as)
				} else {
					dst = binary.BigEndian.AppendUint16(dst, uint16(as2(as)))
				}
			}
			asns = asns[n:]
		}
	}
	return dst
}

// as2 maps an AS number to its 2-octet form (RFC 6793 4.2.2).
func as2(as uint32) uint32 {
	if as > 0xffff {
		return ASTrans
	}
	return as
}

// parseASPath decodes AS_PATH or AS4_PATH segments. RFC 7606 7.2: a
// segment is malformed if it overruns the attribute, if a single octet is
// left over, if its length is zero, or if its type is unknown.
func parseASPath(b []byte, four bool) (ASPath, bool) {
	w := 2
	if four {
		w = 4
	}
	var p ASPath
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, false
		}
		t, n := SegType(b[0]), int(b[1])
		if t < ASSet || t > ASConfedSet || n == 0 || 2+n*w > len(b) {
			return nil, false
		}
		s := Segment{Type: t, ASNs: make([]uint32, n)}
		for i := range n {
			if four {
				s.ASNs[i] = binary.BigEndian.Uint32(b[2+4*i:])
			} else {
				s.ASNs[i] = uint32(binary.BigEndian.Uint16(b[2+2*i:]))
			}
		}
		p = append(p, s)
		b = b[2+n*w:]
	}
	return p, true
}

// Aggregator is the AGGREGATOR attribute (RFC 4271 5.1.7).
type Aggregator struct {
	AS   uint32
	Addr netip.Addr // invalid when the attribute is absent
}

// Path is the decoded set of path attributes of a route. The engine
// treats a *Path handed to it, or returned by it, as immutable.
type Path struct {
	Origin          Origin
	ASPath          ASPath
	NextHop         netip.Addr // invalid when absent
	MED             uint32
	HasMED          bool
	LocalPref       uint32
	HasLocalPref    bool
	AtomicAggregate bool
	Aggregator      Aggregator
	// Other holds the attributes this package carries but does not
	// interpret (communities, unknown optional attributes), by type code.
	Other []Attr
}

// Clone returns a deep copy.
func (p *Path) Clone() *Path {
	q := *p
	q.ASPath = p.ASPath.Clone()
	q.Other = slices.Clone(p.Other)
	for i := range q.Other {
		q.Other[i].Value = slices.Clone(q.Other[i].Value)
	}
	return &q
}

// Equal reports whether p and q encode to the same attributes.
func (p *Path) Equal(q *Path) bool {
	if p == q {
		return true
	}
	if p == nil || q == nil {
		return false
	}
	return bytes.Equal(p.key(), q.key())
}

// key is the 4-octet encoding of the attributes, a map key for grouping.
func (p *Path) key() []byte {
	var b []byte
	for _, a := range p.Attrs(true) {
		b = a.AppendTo(b)
	}
	return b
}

// String formats the main attributes for logs.
func (p *Path) String() string {
	s := fmt.Sprintf("origin %v as-path [%v] next-hop %v", p.Origin, p.ASPath, p.NextHop)
	if p.HasMED {
		s += fmt.Sprintf(" med %d", p.MED)
	}
	if p.HasLocalPref {
		s += fmt.Sprintf(" local-pref %d", p.LocalPref)
	}
	return s
}

// Attrs encodes the path as attributes in type-code order, with 4-octet
// AS numbers if four is set. Without it AS numbers above 65535 become
// ASTrans in AS_PATH and AGGREGATOR, and AS4_PATH and AS4_AGGREGATOR
// carry the real ones (RFC 6793 4.2.2).
func (p *Path) Attrs(four bool) []Attr {
	const wk = FlagTransitive
	attrs := []Attr{
		{Flags: wk, Code: AttrOrigin, Value: []byte{byte(p.Origin)}},
		{Flags: wk, Code: AttrASPath, Value: appendASPath(nil, p.ASPath, four)},
	}
	if p.NextHop.IsValid() {
		attrs = append(attrs, Attr{Flags: wk, Code: AttrNextHop, Value: appendAddr(nil, p.NextHop)})
	}
	if p.HasMED {
		attrs = append(attrs, Attr{Flags: FlagOptional, Code: AttrMED, Value: binary.BigEndian.AppendUint32(nil, p.MED)})
	}
	if p.HasLocalPref {
		attrs = append(attrs, Attr{Flags: wk, Code: AttrLocalPref, Value: binary.BigEndian.AppendUint32(nil, p.LocalPref)})
	}
	if p.AtomicAggregate {
		attrs = append(attrs, Attr{Flags: wk, Code: AttrAtomicAggregate, Value: []byte{}})
	}
	ag := p.Aggregator
	if ag.Addr.IsValid() {
		var v []byte
		if four {
			v = binary.BigEndian.AppendUint32(v, ag.AS)
		} else {
			v = binary.BigEndian.AppendUint16(v, uint16(as2(ag.AS)))
		}
		attrs = append(attrs, Attr{Flags: FlagOptional | FlagTransitive, Code: AttrAggregator, Value: appendAddr(v, ag.Addr)})
	}
	attrs = append(attrs, p.Other...)
	if !four {
		// RFC 6793 4.2.2: AS4_PATH carries the path when an AS number
		// needed ASTrans; confederation segments stay out of it.
		needs := false
		var p4 ASPath
		for _, s := range p.ASPath {
			for _, as := range s.ASNs {
				needs = needs || as > 0xffff
			}
			if s.Type == ASSet || s.Type == ASSequence {
				p4 = append(p4, s)
			}
		}
		if needs {
			attrs = append(attrs, Attr{Flags: FlagOptional | FlagTransitive, Code: AttrAS4Path, Value: appendASPath(nil, p4, true)})
		}
		if ag.Addr.IsValid() && ag.AS > 0xffff {
			v := binary.BigEndian.AppendUint32(nil, ag.AS)
			attrs = append(attrs, Attr{Flags: FlagOptional | FlagTransitive, Code: AttrAS4Aggregator, Value: appendAddr(v, ag.Addr)})
		}
	}
	slices.SortStableFunc(attrs, func(a, b Attr) int { return int(a.Code) - int(b.Code) })
	return attrs
}

// flagsOK checks the Optional and Transitive bits of a recognized
// attribute: well-known ones are transitive and not optional.
func flagsOK(a Attr, optional, transitive bool) bool {
	return (a.Flags&FlagOptional != 0) == optional && (a.Flags&FlagTransitive != 0) == transitive
}

// wireAttr re-encodes an attribute for a NOTIFICATION's Data field:
// "the Data field MUST contain the erroneous attribute (type, length, and
// value)" (RFC 4271 6.3).
func wireAttr(a Attr) []byte { return a.AppendTo(nil) }

// Path decodes the attributes of m for a session that uses 4-octet AS
// numbers if four is set. It applies RFC 7606 and returns the strongest
// error found, if any: with SessionReset the path is nil; with
// TreatAsWithdraw the NLRI must be handled as withdrawn; with AttrDiscard
// the path lacks the bad attributes and is usable.
//
// Per attribute: a flags conflict is treat-as-withdraw (RFC 7606 3);
// a repeated attribute is discarded (RFC 7606 3) except MP_REACH_NLRI and
// MP_UNREACH_NLRI, a Malformed Attribute List; ORIGIN (7.1), AS_PATH
// (7.2), NEXT_HOP (7.3), MULTI_EXIT_DISC (7.4) and LOCAL_PREF (7.5) of the
// wrong length or with a bad value are treat-as-withdraw; ATOMIC_AGGREGATE
// (7.6) and AGGREGATOR (7.7) of the wrong length are discarded, as is a
// malformed AS4_PATH or AS4_AGGREGATOR (RFC 6793 6); an unrecognized
// well-known attribute is a session reset (RFC 4271 6.3). When m has NLRI,
// a missing ORIGIN, AS_PATH or NEXT_HOP is treat-as-withdraw (RFC 7606
// 3).
func (m *Update) Path(four bool) (*Path, *Error) {
	p := &Path{}
	var err *Error
	var seen [256]bool
	var as4Path ASPath
	hasAS4Path, hasAS4Agg := false, false
	var as4Agg Aggregator
	for _, a := range m.Attrs {
		if seen[a.Code] {
			if a.Code == AttrMPReach || a.Code == AttrMPUnreach {
				return nil, newErr(CodeUpdate, SubMalformedAttrList, nil, SessionReset, "attribute %d repeated", a.Code)
			}
			err = stronger(err, newErr(CodeUpdate, SubMalformedAttrList, nil, AttrDiscard, "attribute %d repeated", a.Code))
			continue
		}
		seen[a.Code] = true
		withdraw := func(sub uint8, what string) {
			err = stronger(err, newErr(CodeUpdate, sub, wireAttr(a), TreatAsWithdraw, "%s", what))
		}
		discard := func(what string) {
			err = stronger(err, newErr(CodeUpdate, SubOptionalAttr, wireAttr(a), AttrDiscard, "%s", what))
		}
		v := a.Value
		switch a.Code {
		case AttrOrigin, AttrASPath, AttrNextHop, AttrLocalPref, AttrAtomicAggregate:
			if !flagsOK(a, false, true) {
				withdraw(SubAttrFlags, fmt.Sprintf("attribute %d flags %#x", a.Code, a.Flags))
				continue
			}
		case AttrMED:
			if !flagsOK(a, true, false) {
				withdraw(SubAttrFlags, fmt.Sprintf("MULTI_EXIT_DISC flags %#x", a.Flags))
				continue
			}
		case AttrAggregator, AttrAS4Path, AttrAS4Aggregator:
			if !flagsOK(a, true, true) {
				withdraw(SubAttrFlags, fmt.Sprintf("attribute %d flags %#x", a.Code, a.Flags))
				continue
			}
		}
		switch a.Code {
		case AttrOrigin:
			switch {
			case len(v) != 1:
				withdraw(SubAttrLength, fmt.Sprintf("ORIGIN length %d", len(v)))
			case v[0] > byte(OriginIncomplete):
				withdraw(SubInvalidOrigin, fmt.Sprintf("ORIGIN value %d", v[0]))
			default:
				p.Origin = Origin(v[0])
			}
		case AttrASPath:
			path, ok := parseASPath(v, four)
			if !ok {
				withdraw(SubMalformedASPath, "malformed AS_PATH")
				continue
			}
			p.ASPath = path
		case AttrNextHop:
			if len(v) != 4 {
				withdraw(SubAttrLength, fmt.Sprintf("NEXT_HOP length %d", len(v)))
				continue
			}
			nh := netip.AddrFrom4([4]byte(v))
			// RFC 4271 6.3: "a valid IP host address"; RFC 7606 7.3.
			if nh.IsUnspecified() || nh.IsMulticast() || v[0] >= 240 {
				withdraw(SubInvalidNextHop, fmt.Sprintf("NEXT_HOP %v", nh))
				continue
			}
			p.NextHop = nh
		case AttrMED:
			if len(v) != 4 {
				withdraw(SubAttrLength, fmt.Sprintf("MULTI_EXIT_DISC length %d", len(v)))
				continue
			}
			p.MED, p.HasMED = binary.BigEndian.Uint32(v), true
		case AttrLocalPref:
			if len(v) != 4 {
				withdraw(SubAttrLength, fmt.Sprintf("LOCAL_PREF length %d", len(v)))
				continue
			}
			p.LocalPref, p.HasLocalPref = binary.BigEndian.Uint32(v), true
		case AttrAtomicAggregate:
			if len(v) != 0 {
				discard(fmt.Sprintf("ATOMIC_AGGREGATE length %d", len(v)))
				continue
			}
			p.AtomicAggregate = true
		case AttrAggregator:
			// RFC 6793 5: 8 octets between NEW speakers, 6 otherwise.
			w := 2
			if four {
				w = 4
			}
			if len(v) != w+4 {
				discard(fmt.Sprintf("AGGREGATOR length %d", len(v)))
				continue
			}
			as := uint32(binary.BigEndian.Uint16(v))
			if four {
				as = binary.BigEndian.Uint32(v)
			}
			p.Aggregator = Aggregator{AS: as, Addr: netip.AddrFrom4([4]byte(v[w:]))}
		case AttrAS4Path:
			// RFC 6793 4.1: a NEW speaker never sends it to a NEW speaker;
			// one received there is ignored.
			if four {
				continue
			}
			path, ok := parseASPath(v, true)
			if !ok || slices.ContainsFunc(path, func(s Segment) bool { return s.Type != ASSet && s.Type != ASSequence }) {
				discard("malformed AS4_PATH")
				continue
			}
			as4Path, hasAS4Path = path, true
		case AttrAS4Aggregator:
			if four {
				continue
			}
			if len(v) != 8 {
				discard(fmt.Sprintf("AS4_AGGREGATOR length %d", len(v)))
				continue
			}
			as4Agg, hasAS4Agg = Aggregator{AS: binary.BigEndian.Uint32(v), Addr: netip.AddrFrom4([4]byte(v[4:]))}, true
		default:
			if a.Flags&FlagOptional == 0 {
				// RFC 4271 6.3: "If any of the well-known mandatory
				// attributes are not recognized".
				return nil, newErr(CodeUpdate, SubUnrecognizedWellKnown, wireAttr(a), SessionReset, "unrecognized well-known attribute %d", a.Code)
			}
			// Kept in the RIB: copied out of the message buffer.
			a.Flags &^= FlagExtLen
			a.Value = bytes.Clone(a.Value)
			p.Other = append(p.Other, a)
		}
	}
	// Canonical order, the order Attrs writes them in.
	slices.SortStableFunc(p.Other, func(a, b Attr) int { return int(a.Code) - int(b.Code) })
	if !four {
		// RFC 6793 4.2.3: an AGGREGATOR with a real AS number means the
		// AS4_ attributes are stale; else merge AS4_PATH into AS_PATH.
		if p.Aggregator.Addr.IsValid() && p.Aggregator.AS != ASTrans {
			hasAS4Path, hasAS4Agg = false, false
		}
		if hasAS4Agg && p.Aggregator.Addr.IsValid() {
			p.Aggregator = as4Agg
		}
		if hasAS4Path {
			p.ASPath = mergeAS4Path(p.ASPath, as4Path)
		}
	}
	if len(m.NLRI) > 0 {
		for _, c := range []uint8{AttrOrigin, AttrASPath, AttrNextHop} {
			if !seen[c] {
				err = stronger(err, newErr(CodeUpdate, SubMissingWellKnown, []byte{c}, TreatAsWithdraw, "missing well-known attribute %d", c))
			}
		}
	}
	return p, err
}

// mergeAS4Path rebuilds the path from AS_PATH and AS4_PATH (RFC 6793
// 4.2.3): if AS_PATH is shorter, AS4_PATH is ignored; else the leading
// AS numbers of AS_PATH that AS4_PATH lacks are put in front of it.
func mergeAS4Path(p, p4 ASPath) ASPath {
	n, n4 := p.Len(), p4.Len()
	if n < n4 {
		return p
	}
	keep := n - n4
	var out ASPath
	for _, s := range p {
		if keep == 0 {
			break
		}
		switch s.Type {
		case ASSequence:
			k := min(keep, len(s.ASNs))
			out = append(out, Segment{Type: ASSequence, ASNs: slices.Clone(s.ASNs[:k])})
			keep -= k
		case ASSet:
			out = append(out, Segment{Type: ASSet, ASNs: slices.Clone(s.ASNs)})
			keep--
		default:
			out = append(out, Segment{Type: s.Type, ASNs: slices.Clone(s.ASNs)})
		}
	}
	// Join the two sequences at the seam into one segment.
	if len(out) > 0 && len(p4) > 0 && out[len(out)-1].Type == ASSequence && p4[0].Type == ASSequence &&
		len(out[len(out)-1].ASNs)+len(p4[0].ASNs) <= 255 {
		out[len(out)-1].ASNs = append(out[len(out)-1].ASNs, p4[0].ASNs...)
		p4 = p4[1:]
	}
	return append(out, p4.Clone()...)
}
