package wire

import (
	"bytes"
	"testing"
)

func icmpEqual(a, b ICMPMessage) bool {
	return a.Type == b.Type && a.Code == b.Code && a.ID == b.ID && a.Seq == b.Seq &&
		a.MTU == b.MTU && bytes.Equal(a.Data, b.Data)
}

func TestICMPFixtures(t *testing.T) {
	tests := []struct {
		name string
		pkt  []byte // whole IPv4 packet
		want ICMPMessage
	}{
		{"echo request", fixEchoRequest, ICMPMessage{
			Type: ICMPEchoRequest, ID: 0x1234, Seq: 1, Data: fixEchoRequest[28:]}},
		{"echo reply", fixEchoReply, ICMPMessage{
			Type: ICMPEchoReply, ID: 0x1234, Seq: 1, Data: fixEchoReply[28:]}},
		{"frag needed", fixFragNeeded, ICMPMessage{
			Type: ICMPDestUnreachable, Code: ICMPFragNeeded, MTU: 1400, Data: fixFragNeeded[28:]}},
		{"time exceeded", fixTimeExceeded, ICMPMessage{
			Type: ICMPTimeExceeded, Code: ICMPTTLExceeded, Data: fixTimeExceeded[28:]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ih, payload, err := ParseIPv4(tt.pkt)
			if err != nil {
				t.Fatal(err)
			}
			// Bytes to struct.
			m, err := ParseICMP(payload)
			if err != nil {
				t.Fatalf("ParseICMP: %v", err)
			}
			if !icmpEqual(m, tt.want) {
				t.Errorf("ParseICMP = %+v, want %+v", m, tt.want)
			}
			v := ICMP(payload)
			if v.Check() != nil || !v.ChecksumValid() || v.Type() != tt.want.Type || v.Code() != tt.want.Code ||
				!bytes.Equal(v.Body(), tt.want.Data) || v.Checksum() != uint16(payload[2])<<8|uint16(payload[3]) {
				t.Errorf("view disagrees: type %d code %d", v.Type(), v.Code())
			}
			if tt.want.Type == ICMPEchoRequest && (v.ID() != tt.want.ID || v.Seq() != tt.want.Seq) {
				t.Errorf("view ID %#x Seq %d", v.ID(), v.Seq())
			}
			if tt.want.MTU != 0 && v.NextHopMTU() != tt.want.MTU {
				t.Errorf("view NextHopMTU %d", v.NextHopMTU())
			}
			// Struct to bytes: the whole packet is reproduced exactly.
			if tt.want.Len() != len(payload) {
				t.Errorf("Len = %d, want %d", tt.want.Len(), len(payload))
			}
			got := ih.AppendTo(nil, tt.want.Len())
			got = tt.want.AppendTo(got)
			if !bytes.Equal(got, tt.pkt) {
				t.Errorf("AppendTo =\n %x, want\n %x", got, tt.pkt)
			}
		})
	}
}

func TestICMPRoundTrip(t *testing.T) {
	tests := []ICMPMessage{
		{Type: ICMPEchoRequest, ID: 0xffff, Seq: 0xfffe, Data: []byte("ping")},
		{Type: ICMPEchoReply, ID: 1, Seq: 2},
		{Type: ICMPEchoRequest, ID: 7, Seq: 9, Data: bytes.Repeat([]byte{0}, 1000)},
		{Type: ICMPDestUnreachable, Code: ICMPNetUnreachable, Data: fixUDP[:28]},
		{Type: ICMPDestUnreachable, Code: ICMPHostUnreachable, Data: fixUDP[:28]},
		{Type: ICMPDestUnreachable, Code: ICMPProtoUnreachable, Data: fixUDP[:28]},
		{Type: ICMPDestUnreachable, Code: ICMPPortUnreachable, Data: fixUDP[:28]},
		{Type: ICMPDestUnreachable, Code: ICMPFragNeeded, MTU: 576, Data: fixSYN[:28]},
		{Type: ICMPTimeExceeded, Code: ICMPTTLExceeded, Data: fixSYN[:28]},
		{Type: ICMPTimeExceeded, Code: ICMPFragReassemblyExceeded, Data: fixSYN[:27]},
		{Type: 13, ID: 5, Seq: 6, Data: make([]byte, 12)}, // timestamp request
		{Type: 42, Code: 200},
	}
	for _, m := range tests {
		b := m.AppendTo([]byte{1, 2, 3})[3:]
		if len(b) != m.Len() {
			t.Errorf("%+v: encoded %d bytes, Len %d", m, len(b), m.Len())
		}
		got, err := ParseICMP(b)
		if err != nil {
			t.Errorf("%+v: %v", m, err)
			continue
		}
		if !icmpEqual(got, m) {
			t.Errorf("round trip = %+v, want %+v", got, m)
		}
	}
}

func TestICMPErrorUnusedBytesZero(t *testing.T) {
	// Fields that do not belong to the type are not encoded.
	m := ICMPMessage{Type: ICMPTimeExceeded, ID: 1, Seq: 2, MTU: 3, Data: fixUDP[:28]}
	b := m.AppendTo(nil)
	if !bytes.Equal(b[4:8], []byte{0, 0, 0, 0}) {
		t.Errorf("unused bytes %x", b[4:8])
	}
	m = ICMPMessage{Type: ICMPDestUnreachable, Code: ICMPFragNeeded, ID: 1, MTU: 1280}
	if b := m.AppendTo(nil); !bytes.Equal(b[4:8], []byte{0, 0, 0x05, 0x00}) {
		t.Errorf("frag needed bytes 4..7 = %x", b[4:8])
	}
}

func TestParseICMPErrors(t *testing.T) {
	for n := range ICMPHeaderLen {
		if _, err := ParseICMP(fixEchoRequest[20 : 20+n]); err != ErrTruncated {
			t.Errorf("%d bytes: err %v, want ErrTruncated", n, err)
		}
	}
	// Every truncation of the echo request breaks its checksum, but the
	// message is still decoded.
	icmp := fixEchoRequest[20:]
	for n := ICMPHeaderLen; n < len(icmp); n++ {
		m, err := ParseICMP(icmp[:n])
		if err != ErrBadChecksum {
			t.Errorf("%d bytes: err %v, want ErrBadChecksum", n, err)
		}
		if m.Type != ICMPEchoRequest || m.ID != 0x1234 || len(m.Data) != n-8 {
			t.Errorf("%d bytes: %+v", n, m)
		}
	}
}

func TestQuoteDatagram(t *testing.T) {
	withOpts := func() []byte {
		h := IPv4Header{TTL: 1, Protocol: ProtoUDP, Src: addr("10.0.0.1"), Dst: addr("10.0.0.2"),
			Options: mustHex("01010100")}
		b := h.AppendTo(nil, 100)
		return withPayload(b, 100)
	}()
	tests := []struct {
		name string
		orig []byte
		want []byte
	}{
		{"tcp", fixSYN, fixSYN[:28]},
		{"options", withOpts, withOpts[:32]},
		{"short payload", fixUDP[:24], fixUDP[:24]},
		{"payload shorter than 8", func() []byte {
			h := IPv4Header{TTL: 1, Protocol: 99, Src: loAddr, Dst: loAddr}
			return withPayload(h.AppendTo(nil, 3), 3)
		}(), nil}, // filled below
		{"link padding excluded", append(append([]byte(nil), fixUDP[:20]...), 1, 2, 3, 4), nil},
		{"not ip", []byte("hello"), []byte("hello")},
		{"empty", nil, nil},
		{"bogus IHL", append([]byte{0x4f}, make([]byte, 40)...), nil},
	}
	tests[3].want = tests[3].orig
	// fixUDP[:20] claims TotalLen 42 > 24 bytes present: bounded by len.
	tests[4].want = tests[4].orig
	tests[7].want = tests[7].orig[:41]
	for _, tt := range tests {
		got := QuoteDatagram([]byte{9}, tt.orig)
		if got[0] != 9 || !bytes.Equal(got[1:], tt.want) {
			t.Errorf("%s: QuoteDatagram = %x, want %x", tt.name, got[1:], tt.want)
		}
	}
	// A datagram whose TotalLen is below the bytes present is quoted only
	// up to TotalLen.
	padded := append(append([]byte(nil), fixUDP[:24]...), make([]byte, 30)...)
	padded[2], padded[3] = 0, 22
	if got := QuoteDatagram(nil, padded); len(got) != 22 {
		t.Errorf("padded: quoted %d bytes, want 22", len(got))
	}
}
