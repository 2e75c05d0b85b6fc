package dhcp

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// fixDiscover is a hand-written DHCPDISCOVER in the shape ISC dhclient
// sends (xid 0x3903f326, chaddr 00:0b:82:01:fc:42, client ID, requested
// IP option holding 0.0.0.0, parameter list 1, 3, 6, 42), padded to the
// BOOTP minimum of 300 bytes.
var fixDiscover = mustHex(`
	0101 0600 3903 f326 0000 0000 0000 0000
	0000 0000 0000 0000 0000 0000 000b 8201
	fc42 0000 0000 0000 0000 0000` + strings.Repeat("00", 192) + `
	6382 5363 3501 013d 0701 000b 8201 fc42
	3204 0000 0000 3704 0103 062a ff00 0000` + strings.Repeat("00", 32))

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestParseFixture(t *testing.T) {
	if len(fixDiscover) != 300 {
		t.Fatalf("fixture is %d bytes", len(fixDiscover))
	}
	_, err := ParseMessage(fixDiscover)
	if err != ErrBadOption {
		// Option 50 holds 0.0.0.0 in the capture: we refuse it, as
		// "absent" could not be told from it on the way back.
		t.Fatalf("err %v, want ErrBadOption for requested IP 0.0.0.0", err)
	}
	b := bytes.Clone(fixDiscover)
	copy(b[240+3+9:], []byte{0x32, 0x04, 192, 168, 1, 7}) // requested IP 192.168.1.7
	m, err := ParseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Message{Op: BootRequest, HType: 1, HLen: 6, XID: 0x3903f326,
		CIAddr: netip.IPv4Unspecified(), YIAddr: netip.IPv4Unspecified(), SIAddr: netip.IPv4Unspecified(),
		GIAddr: netip.IPv4Unspecified(), CHAddr: [16]byte{0, 0x0b, 0x82, 0x01, 0xfc, 0x42},
		Type: Discover, RequestedIP: netip.MustParseAddr("192.168.1.7"), ParamList: []byte{1, 3, 6, 42},
		ClientID: []byte{1, 0, 0x0b, 0x82, 0x01, 0xfc, 0x42}}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("parsed\n%+v\nwant\n%+v", m, want)
	}
	// Our encoding puts options in code order: same options, same length.
	out := m.AppendTo(nil)
	if len(out) != 300 || !bytes.Equal(out[:240], b[:240]) {
		t.Errorf("header differs:\n%x\n%x", out[:240], b[:240])
	}
	if m2, err := ParseMessage(out); err != nil || !reflect.DeepEqual(m2, m) {
		t.Errorf("round trip: %v\n%+v", err, m2)
	}
}

func TestParseErrors(t *testing.T) {
	good := (&Message{Op: BootRequest, HType: 1, HLen: 6, Type: Discover, Hostname: "h"}).AppendTo(nil)
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"short", good[:239], ErrTruncated},
		{"cookie", mod(func(b []byte) []byte { b[236] = 0; return b }), ErrCookie},
		{"hlen", mod(func(b []byte) []byte { b[2] = 17; return b }), ErrHLen},
		{"flags", mod(func(b []byte) []byte { b[11] = 1; return b }), ErrBadOption},
		{"no end", good[:240+3+3], ErrTruncated},
		{"overrun", mod(func(b []byte) []byte { b[244] = 200; return b }), ErrTruncated},
		{"empty hostname", mod(func(b []byte) []byte { b[244] = 0; b[245] = 255; return b }), ErrBadOption},
	}
	for _, tt := range tests {
		if _, err := ParseMessage(tt.in); err != tt.want {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
	}
	// Every truncation of a full message is an error, never a panic.
	full := (&Message{Op: BootReply, Type: Ack, Router: []netip.Addr{srvAddr}, LeaseSecs: 60}).AppendTo(nil)
	for n := range 250 {
		if _, err := ParseMessage(full[:n]); err == nil {
			t.Errorf("truncated to %d parsed", n)
		}
	}
}

// TestLongOption: values over 255 bytes are split and joined (RFC 3396).
func TestLongOption(t *testing.T) {
	m := Message{Op: BootReply, Type: Ack, Hostname: strings.Repeat("h", 300), DNS: make([]netip.Addr, 70),
		Other: []Option{{Code: 80}, {Code: 224, Data: []byte("x")}, {Code: 224, Data: []byte("y")}}}
	for i := range m.DNS {
		m.DNS[i] = netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)})
	}
	got, err := ParseMessage(m.AppendTo(nil))
	want := m
	want.CIAddr, want.YIAddr, want.SIAddr, want.GIAddr = netip.IPv4Unspecified(), netip.IPv4Unspecified(),
		netip.IPv4Unspecified(), netip.IPv4Unspecified()
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("err %v\n%+v", err, got)
	}
}

// FuzzMessage: whatever parses re-encodes to bytes that parse to the
// same message, and encoding is then a fixed point.
func FuzzMessage(f *testing.F) {
	f.Add(fixDiscover)
	f.Add((&Message{Op: BootReply, Type: Offer, YIAddr: laptopAddr, ServerID: srvAddr, LeaseSecs: 60,
		SubnetMask: netip.MustParseAddr("255.255.255.0"), Router: []netip.Addr{srvAddr}, T1Secs: 30, T2Secs: 50,
		Text: "x", SName: "s", File: "f"}).AppendTo(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMessage(b)
		if err != nil {
			return
		}
		out := m.AppendTo(nil)
		m2, err := ParseMessage(out)
		if err != nil {
			t.Fatalf("re-encoding does not parse: %v\n%x", err, out)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip\n%+v\n%+v", m, m2)
		}
		if out2 := m2.AppendTo(nil); !bytes.Equal(out, out2) {
			t.Fatalf("encoding not stable")
		}
	})
}
