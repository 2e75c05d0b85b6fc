package wire

import (
	"bytes"
	"net/netip"
	"testing"
)

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestARPEncoding(t *testing.T) {
	// An ARP request as Linux sends it: who-has 192.168.1.1 tell
	// 192.168.1.23, from 02:00:00:00:00:01, target MAC zero.
	a := ARP{Op: ARPRequest, SenderMAC: MAC{2, 0, 0, 0, 0, 1}, SenderIP: mustAddr("192.168.1.23"), TargetIP: mustAddr("192.168.1.1")}
	want := []byte{
		0, 1, 8, 0, 6, 4, 0, 1,
		2, 0, 0, 0, 0, 1, 192, 168, 1, 23,
		0, 0, 0, 0, 0, 0, 192, 168, 1, 1,
	}
	got := a.AppendTo(nil)
	if !bytes.Equal(got, want) {
		t.Fatalf("encoded % x\nwant    % x", got, want)
	}
	back, err := ParseARP(append(got, make([]byte, 18)...)) // padded to a 60-byte frame
	if err != nil || back != a {
		t.Fatalf("parsed %+v, %v", back, err)
	}
	if a.IsGratuitous() {
		t.Fatal("request for another address called gratuitous")
	}
}

func TestARPErrors(t *testing.T) {
	good := (&ARP{Op: ARPReply}).AppendTo(nil)
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"short", good[:20], ErrTruncated},
		{"token ring", append([]byte{0, 6}, good[2:]...), ErrARPUnsupported},
		{"ipv6", append([]byte{0, 1, 0x86, 0xdd}, good[4:]...), ErrARPUnsupported},
		{"hlen 8", append(append([]byte{}, good[:4]...), append([]byte{8, 4}, good[6:]...)...), ErrARPUnsupported},
	}
	for _, tt := range tests {
		if _, err := ParseARP(tt.b); err != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestEthernetHeader(t *testing.T) {
	h := EthernetHeader{Dst: BroadcastMAC, Src: LocalMAC(0x0123456789ab), EtherType: EtherTypeARP}
	b := h.AppendTo(nil)
	if len(b) != EthernetHeaderLen {
		t.Fatalf("len %d", len(b))
	}
	back, payload, err := ParseEthernet(append(b, 7))
	if err != nil || back != h || len(payload) != 1 {
		t.Fatalf("%+v %v %v", back, payload, err)
	}
	if _, _, err := ParseEthernet(b[:13]); err != ErrTruncated {
		t.Fatalf("short frame: %v", err)
	}
}

func TestMAC(t *testing.T) {
	m := LocalMAC(0xffffffffffff)
	if !m.IsLocal() || m.IsMulticast() || m.String() != "fe:ff:ff:ff:ff:ff" {
		t.Fatalf("LocalMAC: %v local %v multicast %v", m, m.IsLocal(), m.IsMulticast())
	}
	if !BroadcastMAC.IsBroadcast() || !BroadcastMAC.IsMulticast() || (MAC{}).IsBroadcast() || !(MAC{}).IsZero() {
		t.Fatal("broadcast/zero predicates")
	}
	if got := LocalMAC(0x0a0b0c0d0e0f).String(); got != "0a:0b:0c:0d:0e:0f" {
		t.Fatalf("String: %s", got)
	}
}
