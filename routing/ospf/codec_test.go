package ospf

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

func id(s string) ID { return IDFrom(netip.MustParseAddr(s)) }

// TestFixtures decodes real captures into the structs below and encodes
// the structs back into the same bytes.
func TestFixtures(t *testing.T) {
	lsaHdr := LSAHeader{Age: 0x0e10, Options: 0x02, Type: 1, ID: id("192.168.170.2"),
		AdvRouter: id("192.168.170.2"), Seq: InitialSequenceNumber, Checksum: 0x4a8e, Length: 48}
	for _, tc := range []struct {
		name string
		in   []byte
		h    Header
		m    Message
	}{
		{"hello", fixHello, Header{Type: TypeHello, Length: 44, RouterID: id("192.168.170.8"), AreaID: 1, Checksum: 0x273b},
			&Hello{NetworkMask: netip.MustParseAddr("255.255.255.0"), HelloInterval: 10, Options: OptE, Priority: 1, RouterDeadInterval: 40, DR: id("192.168.170.8")}},
		{"dbdesc", fixDBDesc, Header{Type: TypeDBDesc, Length: 32, RouterID: id("192.168.170.8"), AreaID: 1, Checksum: 0xa052},
			&DBDesc{MTU: 1500, Options: OptE, Flags: DDInit | DDMore | DDMaster, Seq: 0x4177a97e}},
		{"dbdesc-lsa", fixDBDescWithLSAheader, Header{Type: TypeDBDesc, Length: 52, RouterID: id("192.168.87.1"), Checksum: 0x90fc},
			&DBDesc{MTU: 1500, Options: 0x42, Seq: 0x6904, Headers: []LSAHeader{{Age: 0x05b0, Options: 0x02, Type: 1, ID: id("192.168.87.1"), AdvRouter: id("192.168.87.1"), Seq: -0x7ffffd63, Checksum: 0xea7b, Length: 36}}}},
		{"lsrequest", fixLSRequest, Header{Type: TypeLSRequest, Length: 36, RouterID: id("192.168.170.3"), AreaID: 1, Checksum: 0xbdc7},
			&LSRequest{Requests: []LSKey{{1, id("192.168.170.8"), id("192.168.170.8")}}}},
		{"lsack", fixLSAck, Header{Type: TypeLSAck, Length: 44, RouterID: id("192.168.170.8"), AreaID: 1, Checksum: 0xe2f4},
			&LSAck{Headers: []LSAHeader{lsaHdr}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, m, err := ParsePacket(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if h != tc.h || !reflect.DeepEqual(m, tc.m) {
				t.Fatalf("parsed\n %+v %+v\nwant\n %+v %+v", h, m, tc.h, tc.m)
			}
			if out := tc.h.AppendTo(nil, tc.m); !bytes.Equal(out, tc.in) {
				t.Fatalf("encoded\n %x\nwant\n %x", out, tc.in)
			}
		})
	}
}

// TestFixtureLSUpdate checks the real Link State Update: seven LSAs, each
// with a Fletcher checksum that verifies and that ComputeChecksum
// reproduces, and the router-LSA's two stub links.
func TestFixtureLSUpdate(t *testing.T) {
	h, m, err := ParsePacket(fixLSUpdate)
	if err != nil {
		t.Fatal(err)
	}
	up := m.(*LSUpdate)
	if h.Type != TypeLSUpdate || len(up.LSAs) != 7 {
		t.Fatalf("%+v with %d LSAs", h, len(up.LSAs))
	}
	for i, l := range up.LSAs {
		if !l.ChecksumValid() {
			t.Errorf("LSA %d: checksum does not verify", i)
		}
		c := LSA(bytes.Clone(l))
		c[16], c[17] = 0, 0
		c.ComputeChecksum()
		if !bytes.Equal(c, l) {
			t.Errorf("LSA %d: computed checksum %x, captured %x", i, c[16:18], l[16:18])
		}
	}
	r, err := ParseRouterLSA(up.LSAs[0].Body())
	if err != nil {
		t.Fatal(err)
	}
	stub := RouterLink{LinkID: id("192.168.170.0"), LinkData: id("255.255.255.0"), Type: LinkStub, Metric: 10}
	if want := (&RouterLSA{Flags: 0x02, Links: []RouterLink{stub, stub}}); !reflect.DeepEqual(r, want) {
		t.Fatalf("router-LSA %+v", r)
	}
	if p, ok := r.Links[0].StubPrefix(); !ok || p != netip.MustParsePrefix("192.168.170.0/24") {
		t.Fatalf("stub prefix %v %v", p, ok)
	}
	if out := h.AppendTo(nil, m); !bytes.Equal(out, fixLSUpdate) {
		t.Fatal("re-encoded LSU differs")
	}
}

func TestRouterLSARoundTrip(t *testing.T) {
	r := &RouterLSA{Flags: 0x01, Links: []RouterLink{
		{LinkID: id("10.255.0.2"), LinkData: id("10.0.0.1"), Type: LinkPointToPoint, Metric: 10},
		{LinkID: id("10.0.0.0"), LinkData: id("255.255.255.252"), Type: LinkStub, Metric: 10, TOS: []uint32{0x08000005}},
	}}
	h := LSAHeader{Age: 3, Options: OptE, Type: LSTypeRouter, ID: id("10.255.0.1"), AdvRouter: id("10.255.0.1"), Seq: InitialSequenceNumber}
	l := LSA(AppendLSA(nil, h, r.AppendTo(nil)))
	if err := l.Check(); err != nil || !l.ChecksumValid() {
		t.Fatalf("Check %v, checksum valid %v", err, l.ChecksumValid())
	}
	got, err := ParseRouterLSA(l.Body())
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("%+v %v", got, err)
	}
	// The age is outside the checksum.
	l.SetAge(MaxAge)
	if !l.ChecksumValid() {
		t.Fatal("age change broke the checksum")
	}
	l[25] ^= 1
	if l.ChecksumValid() {
		t.Fatal("corrupt LSA verifies")
	}
}

// TestTruncation: every strict prefix of every fixture is an error.
func TestTruncation(t *testing.T) {
	for _, fix := range [][]byte{fixHello, fixDBDesc, fixDBDescWithLSAheader, fixLSRequest, fixLSUpdate, fixLSAck} {
		for n := range len(fix) {
			if _, _, err := ParsePacket(fix[:n]); err == nil {
				t.Fatalf("%x: prefix of %d bytes parsed", fix[:4], n)
			}
		}
	}
	body := Packet(fixLSUpdate).Body()
	up, _ := ParseLSUpdate(body)
	rb := up.LSAs[0].Body()
	for n := range len(rb) {
		if _, err := ParseRouterLSA(rb[:n]); err == nil {
			t.Fatalf("router-LSA prefix of %d bytes parsed", n)
		}
	}
}

func TestParseErrors(t *testing.T) {
	mut := func(f func(b []byte)) []byte { b := bytes.Clone(fixHello); f(b); return b }
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"short", fixHello[:23], ErrTruncated},
		{"version", mut(func(b []byte) { b[0] = 3 }), ErrBadVersion},
		{"type", mut(func(b []byte) { b[1] = 6 }), ErrBadType},
		{"length small", mut(func(b []byte) { b[3] = 20 }), ErrBadLength},
		{"length big", mut(func(b []byte) { b[3] = 200 }), ErrTruncated},
		{"checksum", mut(func(b []byte) { b[13] ^= 1 }), ErrBadChecksum},
		{"autype", mut(func(b []byte) { b[15] = 2 }), ErrBadAuType},
		{"auth outside checksum", mut(func(b []byte) { b[20] = 0xff }), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := ParsePacket(tc.in); !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	base := LSAHeader{Seq: 5, Checksum: 0x100, Age: 100}
	with := func(f func(h *LSAHeader)) LSAHeader { h := base; f(&h); return h }
	for _, tc := range []struct {
		name string
		a    LSAHeader
		want int
	}{
		{"same", base, 0},
		{"higher seq", with(func(h *LSAHeader) { h.Seq = 6 }), 1},
		{"negative seq older", with(func(h *LSAHeader) { h.Seq = InitialSequenceNumber }), -1},
		{"larger checksum", with(func(h *LSAHeader) { h.Checksum = 0x101 }), 1},
		{"maxage", with(func(h *LSAHeader) { h.Age = MaxAge }), 1},
		{"much younger", with(func(h *LSAHeader) { h.Age = 0; base.Age = 1000 }), 0},
		{"age within MaxAgeDiff", with(func(h *LSAHeader) { h.Age = 900 }), 0},
		{"age beyond MaxAgeDiff", with(func(h *LSAHeader) { h.Age = 1001 }), -1},
	} {
		b := LSAHeader{Seq: 5, Checksum: 0x100, Age: 100}
		if got := Compare(&tc.a, &b); got != tc.want {
			t.Errorf("%s: Compare = %d, want %d", tc.name, got, tc.want)
		}
		if got := Compare(&b, &tc.a); got != -tc.want {
			t.Errorf("%s: reverse Compare = %d, want %d", tc.name, got, -tc.want)
		}
	}
}

func TestIDString(t *testing.T) {
	if s := id("192.0.2.1").String(); s != "192.0.2.1" {
		t.Fatal(s)
	}
}
