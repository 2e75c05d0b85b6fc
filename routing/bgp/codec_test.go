package bgp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// unhex decodes hex written with spaces and newlines; "M" stands for the
// 16-octet marker of all ones.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	s = strings.ReplaceAll(s, "M", strings.Repeat("ff", 16))
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMessages encodes each message into the bytes laid out by hand from
// the figures of RFC 4271 4.1–4.5 (and RFC 5492, 4760, 6793 for the
// capabilities) and decodes the bytes back into the message.
func TestMessages(t *testing.T) {
	path := &Path{
		Origin:  OriginIGP,
		ASPath:  ASPath{{Type: ASSequence, ASNs: []uint32{65001, 4200000001}}, {Type: ASSet, ASNs: []uint32{7, 8}}},
		NextHop: addr("192.0.2.1"),
		MED:     100, HasMED: true,
		LocalPref: 300, HasLocalPref: true,
	}
	for _, tc := range []struct {
		name string
		m    Message
		hex  string
	}{
		{"keepalive", &Keepalive{}, "M 0013 04"},
		{"notification", &Notification{Code: CodeCease, Subcode: SubCeaseAdminShutdown}, "M 0015 03 0602"},
		{"notification-data", &Notification{Code: CodeHeader, Subcode: SubBadMessageLength, Data: []byte{0x10, 0x01}}, "M 0017 03 0102 1001"},
		{"open", NewOpen(65546, 90, addr("10.0.0.1"), MultiprotocolCap(AFIIPv4, SAFIUnicast), FourOctetASCap(65546)),
			// version 4, My AS AS_TRANS (0x5ba0), hold 90, ID 10.0.0.1,
			// 16 octets of parameters: two capability parameters.
			"M 002d 01  04 5ba0 005a 0a000001 10  02 06 01 04 0001 00 01  02 06 41 04 0001000a"},
		{"open-2octet", NewOpen(65001, 0, addr("192.0.2.9"), MultiprotocolCap(AFIIPv4, SAFIUnicast)),
			"M 0025 01  04 fde9 0000 c0000209 08  02 06 01 04 0001 00 01"},
		{"open-noparams", &Open{Version: 4, MyAS: 1, HoldTime: 3, ID: addr("1.2.3.4")},
			"M 001d 01  04 0001 0003 01020304 00"},
		{"withdraw", &Update{Withdrawn: []netip.Prefix{pfx("10.0.0.0/8"), pfx("192.168.1.0/24"), pfx("0.0.0.0/0")}},
			"M 001e 02  0007 080a 18c0a801 00  0000"},
		{"announce", &Update{Attrs: path.Attrs(true), NLRI: []netip.Prefix{pfx("198.51.100.0/24"), pfx("10.1.0.0/16"), pfx("172.16.0.0/12")}},
			"M 0051 02  0000 0030" +
				" 40 01 01 00" + // ORIGIN IGP
				" 40 02 14  02 02 0000fde9 fa56ea01  01 02 00000007 00000008" + // AS_PATH, 4-octet
				" 40 03 04 c0000201" + // NEXT_HOP
				" 80 04 04 00000064" + // MULTI_EXIT_DISC, optional non-transitive
				" 40 05 04 0000012c" + // LOCAL_PREF
				" 18c63364 100a01 0cac10"},
		{"announce-2octet", &Update{Attrs: path.Attrs(false), NLRI: []netip.Prefix{pfx("198.51.100.0/24")}},
			"M 005a 02  0000 003f" +
				" 40 01 01 00" +
				" 40 02 0c  02 02 fde9 5ba0  01 02 0007 0008" + // 4200000001 → AS_TRANS
				" 40 03 04 c0000201" +
				" 80 04 04 00000064" +
				" 40 05 04 0000012c" +
				" c0 11 14  02 02 0000fde9 fa56ea01  01 02 00000007 00000008" + // AS4_PATH
				" 18c63364"},
		{"extended-length", &Update{Attrs: []Attr{{Flags: FlagOptional | FlagTransitive | FlagExtLen, Code: 99, Value: []byte{1, 2}}}},
			"M 001d 02  0000 0006  d0 63 0002 0102"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := unhex(t, tc.hex)
			got := AppendMessage(nil, tc.m)
			if !bytes.Equal(got, want) {
				t.Fatalf("encoded\n %x\nwant\n %x", got, want)
			}
			m, n, err := ParseMessage(want)
			if err != nil || n != len(want) {
				t.Fatalf("parse: %v, %d of %d", err, n, len(want))
			}
			if !reflect.DeepEqual(m, tc.m) {
				t.Fatalf("parsed\n %#v\nwant\n %#v", m, tc.m)
			}
		})
	}
}

// TestPathRoundTrip decodes what Attrs encodes, with 4-octet AS numbers
// and without (through AS_TRANS and AS4_PATH).
func TestPathRoundTrip(t *testing.T) {
	for _, p := range []*Path{
		{Origin: OriginEGP, ASPath: ASPath{{Type: ASSequence, ASNs: []uint32{1, 2, 3}}}, NextHop: addr("10.0.0.1")},
		{Origin: OriginIncomplete, ASPath: ASPath{{Type: ASSequence, ASNs: []uint32{70000, 65001}}, {Type: ASSet, ASNs: []uint32{4200000000, 9}}},
			NextHop: addr("10.0.0.1"), MED: 5, HasMED: true, AtomicAggregate: true, Aggregator: Aggregator{AS: 70000, Addr: addr("10.9.9.9")},
			Other: []Attr{{Flags: FlagOptional | FlagTransitive | FlagPartial, Code: AttrCommunities, Value: []byte{0, 1, 0, 2}}}},
		{Origin: OriginIGP, NextHop: addr("10.0.0.1"), LocalPref: 7, HasLocalPref: true},
	} {
		for _, four := range []bool{true, false} {
			u := &Update{Attrs: p.Attrs(four), NLRI: []netip.Prefix{pfx("10.0.0.0/8")}}
			m, _, err := ParseMessage(AppendMessage(nil, u))
			if err != nil {
				t.Fatal(err)
			}
			got, perr := m.(*Update).Path(four)
			if perr != nil {
				t.Fatalf("four %v: %v", four, perr)
			}
			if !reflect.DeepEqual(got, p) {
				t.Errorf("four %v:\n got %#v\nwant %#v", four, got, p)
			}
		}
	}
}

// TestAS4PathMerge: RFC 6793 4.2.3.
func TestAS4PathMerge(t *testing.T) {
	seq := func(asns ...uint32) Segment { return Segment{Type: ASSequence, ASNs: asns} }
	for _, tc := range []struct {
		name    string
		asPath  ASPath
		as4Path ASPath
		agg     *Aggregator
		want    string
	}{
		// An OLD speaker (65002) between NEW ones prepended itself to
		// AS_PATH only: its number is kept from AS_PATH.
		{"old-in-front", ASPath{seq(65002, ASTrans, ASTrans, 65001)}, ASPath{seq(4200000001, 4200000002, 65001)}, nil, "65002 4200000001 4200000002 65001"},
		{"all-new", ASPath{seq(ASTrans, 65001)}, ASPath{seq(4200000001, 65001)}, nil, "4200000001 65001"},
		{"as4-longer-ignored", ASPath{seq(ASTrans)}, ASPath{seq(4200000001, 65001)}, nil, "23456"},
		{"set-counts-one", ASPath{seq(65002), {Type: ASSet, ASNs: []uint32{ASTrans, 5}}}, ASPath{{Type: ASSet, ASNs: []uint32{4200000001, 5}}}, nil,
			"65002 {4200000001,5}"},
		// "If the AGGREGATOR attribute contains an AS number other than
		// AS_TRANS, then AS4_AGGREGATOR and AS4_PATH shall be ignored".
		{"aggregator-not-trans", ASPath{seq(ASTrans, 65001)}, ASPath{seq(4200000001, 65001)}, &Aggregator{AS: 65001, Addr: addr("10.0.0.9")}, "23456 65001"},
		{"aggregator-trans", ASPath{seq(ASTrans, 65001)}, ASPath{seq(4200000001, 65001)}, &Aggregator{AS: ASTrans, Addr: addr("10.0.0.9")}, "4200000001 65001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			attrs := []Attr{
				{Flags: FlagTransitive, Code: AttrOrigin, Value: []byte{0}},
				{Flags: FlagTransitive, Code: AttrASPath, Value: appendASPath(nil, tc.asPath, false)},
				{Flags: FlagTransitive, Code: AttrNextHop, Value: []byte{10, 0, 0, 1}},
				{Flags: FlagOptional | FlagTransitive, Code: AttrAS4Path, Value: appendASPath(nil, tc.as4Path, true)},
			}
			if tc.agg != nil {
				v := appendAddr([]byte{byte(tc.agg.AS >> 8), byte(tc.agg.AS)}, tc.agg.Addr)
				attrs = append(attrs, Attr{Flags: FlagOptional | FlagTransitive, Code: AttrAggregator, Value: v},
					Attr{Flags: FlagOptional | FlagTransitive, Code: AttrAS4Aggregator, Value: appendAddr([]byte{0xfa, 0x56, 0xea, 0x01}, tc.agg.Addr)})
			}
			p, err := (&Update{Attrs: attrs}).Path(false)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.ASPath.String(); got != tc.want {
				t.Errorf("path %q, want %q", got, tc.want)
			}
			if tc.agg != nil && tc.agg.AS == ASTrans && p.Aggregator.AS != 4200000001 {
				t.Errorf("aggregator %v", p.Aggregator)
			}
		})
	}
}

// TestHeaderErrors: RFC 4271 6.1.
func TestHeaderErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		sub  uint8
		data string
	}{
		{"marker", "fe" + strings.Repeat("ff", 15) + "0013 04", SubConnNotSynchronized, ""},
		{"short", "M 0012 04", SubBadMessageLength, "0012"},
		{"long", "M 1001 02", SubBadMessageLength, "1001"},
		{"keepalive-body", "M 0014 04", SubBadMessageLength, "0014"},
		{"open-short", "M 001c 01", SubBadMessageLength, "001c"},
		{"update-short", "M 0016 02", SubBadMessageLength, "0016"},
		{"notification-short", "M 0014 03", SubBadMessageLength, "0014"},
		{"type", "M 0013 07", SubBadMessageType, "07"},
		{"type-zero", "M 0013 00", SubBadMessageType, "00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ParseHeader(unhex(t, tc.hex))
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeHeader || e.Subcode != tc.sub || hex.EncodeToString(e.Data) != tc.data {
				t.Fatalf("got %v (data %x), want subcode %d data %s", err, dataOf(e), tc.sub, tc.data)
			}
		})
	}
	if _, _, err := ParseHeader(unhex(t, "M 00")); err != ErrShort {
		t.Errorf("short header: %v", err)
	}
}

func dataOf(e *Error) []byte {
	if e == nil {
		return nil
	}
	return e.Data
}

// TestOpenErrors: malformed optional parameters (RFC 4271 6.2).
func TestOpenErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		sub  uint8
	}{
		{"param-len-short", "M 001f 01 04 0001 005a 01020304 01 0200", subcodeUnspecific},
		{"param-overrun", "M 001f 01 04 0001 005a 01020304 02 0205", subcodeUnspecific},
		{"param-len-long", "M 001d 01 04 0001 005a 01020304 02", subcodeUnspecific},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ParseMessage(unhex(t, tc.hex))
			if !isCode(err, CodeOpen, tc.sub, SessionReset) {
				t.Fatalf("got %v", err)
			}
		})
	}
	// A parameter of another type, and a capability overrunning its
	// parameter, surface in Capabilities.
	o := &Open{Version: 4, Params: []Param{{Type: 1, Value: []byte{1}}}}
	if _, err := o.Capabilities(); !isCode(err, CodeOpen, SubUnsupportedParam, SessionReset) {
		t.Errorf("auth parameter: %v", err)
	}
	o = &Open{Version: 4, Params: []Param{{Type: ParamCapabilities, Value: []byte{65, 4, 0}}}}
	if _, err := o.Capabilities(); !isCode(err, CodeOpen, subcodeUnspecific, SessionReset) {
		t.Errorf("truncated capability: %v", err)
	}
}

// TestUpdateErrors: the error handling of RFC 4271 6.3 as revised by RFC
// 7606, one malformed UPDATE per row. Each is a well-formed UPDATE for
// 10.0.0.0/8 with one thing changed.
func TestUpdateErrors(t *testing.T) {
	const (
		origin  = "40 01 01 00 "
		asPath  = "40 02 06 02 01 0000fde9 "
		nextHop = "40 03 04 0a000001 "
		nlri    = "080a"
	)
	for _, tc := range []struct {
		name   string
		four   bool
		attrs  string // path attributes; the Total Path Attribute Length is computed
		nlri   string
		raw    string // the whole body, if set
		act    Action
		sub    uint8
		withNL bool // the update (and its NLRI) is still returned
	}{
		{name: "ok", four: true, attrs: origin + asPath + nextHop, nlri: nlri, withNL: true},
		{name: "withdraw-only-no-attrs", four: true, raw: "0002 080a 0000", withNL: true},
		{name: "origin-length", four: true, attrs: "40 01 02 0000 " + asPath + nextHop, nlri: nlri, act: TreatAsWithdraw, sub: SubAttrLength, withNL: true},
		{name: "origin-value", four: true, attrs: "40 01 01 03 " + asPath + nextHop, nlri: nlri, act: TreatAsWithdraw, sub: SubInvalidOrigin, withNL: true},
		{name: "origin-flags", four: true, attrs: "c0 01 01 00 " + asPath + nextHop, nlri: nlri, act: TreatAsWithdraw, sub: SubAttrFlags, withNL: true},
		{name: "aspath-zero-segment", four: true, attrs: origin + "40 02 02 0200 " + nextHop, nlri: nlri, act: TreatAsWithdraw, sub: SubMalformedASPath, withNL: true},
		{name: "aspath-overrun", four: true, attrs: origin + "40 02 06 02 02 0000fde9 " + nextHop, nlri: nlri, act: TreatAsWithdraw, sub: SubMalformedASPath, withNL: true},
		{name: "aspath-one-octet-left", four: true, attrs: origin + "40 02 07 02 01 0000fde9 02 " + nextHop, nlri: nlri, act: TreatAsWithdraw, sub: SubMalformedASPath, withNL: true},
		{name: "aspath-segment-type", four: true, attrs: origin + "40 02 06 05 01 0000fde9 " + nextHop, nlri: nlri, act: TreatAsWithdraw, sub: SubMalformedASPath, withNL: true},
		{name: "aspath-2octet-on-4", four: true, attrs: origin + "40 02 04 02 01 fde9 " + nextHop, nlri: nlri, act: TreatAsWithdraw, sub: SubMalformedASPath, withNL: true},
		{name: "nexthop-length", four: true, attrs: origin + asPath + "40 03 05 0a00000100 ", nlri: nlri, act: TreatAsWithdraw, sub: SubAttrLength, withNL: true},
		{name: "nexthop-zero", four: true, attrs: origin + asPath + "40 03 04 00000000 ", nlri: nlri, act: TreatAsWithdraw, sub: SubInvalidNextHop, withNL: true},
		{name: "nexthop-multicast", four: true, attrs: origin + asPath + "40 03 04 e0000005 ", nlri: nlri, act: TreatAsWithdraw, sub: SubInvalidNextHop, withNL: true},
		{name: "med-length", four: true, attrs: origin + asPath + nextHop + "80 04 03 000001 ", nlri: nlri, act: TreatAsWithdraw, sub: SubAttrLength, withNL: true},
		{name: "med-flags", four: true, attrs: origin + asPath + nextHop + "40 04 04 00000001 ", nlri: nlri, act: TreatAsWithdraw, sub: SubAttrFlags, withNL: true},
		{name: "localpref-length", four: true, attrs: origin + asPath + nextHop + "40 05 02 0001 ", nlri: nlri, act: TreatAsWithdraw, sub: SubAttrLength, withNL: true},
		{name: "atomic-length", four: true, attrs: origin + asPath + nextHop + "40 06 01 00 ", nlri: nlri, act: AttrDiscard, sub: SubOptionalAttr, withNL: true},
		{name: "aggregator-length", four: true, attrs: origin + asPath + nextHop + "c0 07 04 01020304 ", nlri: nlri, act: AttrDiscard, sub: SubOptionalAttr, withNL: true},
		{name: "as4path-on-2octet", attrs: origin + "40 02 04 02 01 5ba0 " + nextHop + "c0 11 02 0200 ", nlri: nlri, act: AttrDiscard, sub: SubOptionalAttr, withNL: true},
		{name: "duplicate-origin", four: true, attrs: origin + origin + asPath + nextHop, nlri: nlri, act: AttrDiscard, sub: SubMalformedAttrList, withNL: true},
		{name: "duplicate-mp-reach", four: true, attrs: origin + asPath + nextHop + "80 0e 00 80 0e 00 ", nlri: nlri, act: SessionReset, sub: SubMalformedAttrList, withNL: true},
		{name: "unknown-well-known", four: true, attrs: origin + asPath + nextHop + "40 63 01 00 ", nlri: nlri, act: SessionReset, sub: SubUnrecognizedWellKnown, withNL: true},
		{name: "unknown-optional", four: true, attrs: origin + asPath + nextHop + "c0 63 01 00 ", nlri: nlri, withNL: true},
		{name: "missing-nexthop", four: true, attrs: origin + asPath, nlri: nlri, act: TreatAsWithdraw, sub: SubMissingWellKnown, withNL: true},
		{name: "missing-origin", four: true, attrs: asPath + nextHop, nlri: nlri, act: TreatAsWithdraw, sub: SubMissingWellKnown, withNL: true},
		// RFC 7606 4: an attribute overrunning the Total Path Attribute
		// Length, or too few octets for a header; that length still
		// locates the NLRI.
		{name: "attr-overruns-total", four: true, attrs: origin + asPath + "40 03 05 0a000001 ", nlri: nlri, act: TreatAsWithdraw, sub: SubAttrLength, withNL: true},
		{name: "attr-header-short", four: true, attrs: origin + asPath + nextHop + "4001 ", nlri: nlri, act: TreatAsWithdraw, sub: SubAttrLength, withNL: true},
		// RFC 4271 6.3 and RFC 7606 5.3: session reset, no update.
		{name: "withdrawn-overrun", raw: "0009 080a 0000", act: SessionReset, sub: SubMalformedAttrList},
		{name: "total-attr-overrun", raw: "0000 0020 " + origin, act: SessionReset, sub: SubMalformedAttrList},
		{name: "nlri-length-33", four: true, attrs: origin + asPath + nextHop, nlri: "21 0a000000 00", act: SessionReset, sub: SubInvalidNetwork},
		{name: "nlri-truncated", four: true, attrs: origin + asPath + nextHop, nlri: "18 0a00", act: SessionReset, sub: SubInvalidNetwork},
		{name: "withdrawn-length-40", raw: "0002 2800 0000", act: SessionReset, sub: SubInvalidNetwork},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := unhex(t, tc.raw)
			if tc.raw == "" {
				a := unhex(t, tc.attrs)
				body = append([]byte{0, 0, byte(len(a) >> 8), byte(len(a))}, a...)
				body = append(body, unhex(t, tc.nlri)...)
			}
			msg := AppendMessage(nil, &Keepalive{})
			msg = append(msg[:18], byte(TypeUpdate))
			msg = append(msg, body...)
			msg[16], msg[17] = byte(len(msg)>>8), byte(len(msg))
			m, _, err := ParseMessage(msg)
			var e *Error
			if err != nil {
				e = err.(*Error)
			}
			if (m != nil) != tc.withNL {
				t.Fatalf("update returned %v, want %v (err %v)", m != nil, tc.withNL, err)
			}
			if m != nil {
				_, perr := m.(*Update).Path(tc.four)
				e = stronger(e, perr)
			}
			if tc.act == 0 {
				if e != nil {
					t.Fatalf("unexpected %v", e)
				}
				return
			}
			if e == nil || e.Action != tc.act || e.Code != CodeUpdate || e.Subcode != tc.sub {
				t.Fatalf("got %v, want %v with subcode %d", e, tc.act, tc.sub)
			}
			if tc.withNL && len(m.(*Update).NLRI)+len(m.(*Update).Withdrawn) != 1 {
				t.Fatalf("NLRI lost: %+v", m)
			}
		})
	}
}

// TestMissingWellKnownData: the Data field names the missing attribute
// (RFC 4271 6.3).
func TestMissingWellKnownData(t *testing.T) {
	u := &Update{Attrs: (&Path{NextHop: addr("10.0.0.1")}).Attrs(true)[:2], NLRI: []netip.Prefix{pfx("10.0.0.0/8")}}
	_, err := u.Path(true)
	if err == nil || !bytes.Equal(err.Data, []byte{AttrNextHop}) {
		t.Fatalf("%v", err)
	}
}

// TestFramer feeds a stream of messages split at every possible place,
// and one octet at a time.
func TestFramer(t *testing.T) {
	var stream []byte
	var want [][]byte
	for _, m := range []Message{
		NewOpen(65001, 90, addr("10.0.0.1"), FourOctetASCap(65001)),
		&Keepalive{},
		&Update{Attrs: (&Path{NextHop: addr("10.0.0.1")}).Attrs(true), NLRI: []netip.Prefix{pfx("10.0.0.0/8")}},
		&Notification{Code: 6, Subcode: 2},
	} {
		b := AppendMessage(nil, m)
		want = append(want, b)
		stream = append(stream, b...)
	}
	collect := func(chunks [][]byte) [][]byte {
		var f Framer
		var got [][]byte
		for _, c := range chunks {
			f.Write(c)
			for {
				m, err := f.Next()
				if err != nil {
					t.Fatal(err)
				}
				if m == nil {
					break
				}
				got = append(got, bytes.Clone(m))
			}
		}
		if f.Buffered() != 0 {
			t.Fatalf("%d bytes left", f.Buffered())
		}
		return got
	}
	for cut := range len(stream) + 1 {
		if got := collect([][]byte{stream[:cut], stream[cut:]}); !reflect.DeepEqual(got, want) {
			t.Fatalf("cut at %d: %d messages", cut, len(got))
		}
	}
	var ones [][]byte
	for i := range stream {
		ones = append(ones, stream[i:i+1])
	}
	if got := collect(ones); !reflect.DeepEqual(got, want) {
		t.Fatalf("octet by octet: %d messages", len(got))
	}
	// A bad marker is reported as soon as a header is there.
	var f Framer
	f.Write(unhex(t, "00"+strings.Repeat("ff", 15)+"0013 04"))
	if _, err := f.Next(); !isCode(err, CodeHeader, SubConnNotSynchronized, SessionReset) {
		t.Fatalf("bad marker: %v", err)
	}
}

func TestCodeText(t *testing.T) {
	for _, tc := range []struct {
		code, sub uint8
		want      string
	}{
		{CodeUpdate, SubMalformedAttrList, "UPDATE Message Error / Malformed Attribute List"},
		{CodeHoldTimer, 0, "Hold Timer Expired"},
		{CodeCease, SubCeaseAdminShutdown, "Cease / Administrative Shutdown"},
		{CodeOpen, 99, "OPEN Message Error / subcode 99"},
		{42, 1, "code 42 / subcode 1"},
	} {
		if got := CodeText(tc.code, tc.sub); got != tc.want {
			t.Errorf("%d/%d: %q", tc.code, tc.sub, got)
		}
	}
}
