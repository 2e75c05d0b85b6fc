package wire

import (
	"bytes"
	"testing"
)

// The fuzz targets check that parsing arbitrary bytes never panics and
// that whatever parses survives an encode/parse round trip unchanged.
// Seed corpora live in testdata/fuzz/FuzzX and are replayed by go test.

func FuzzIPv4(f *testing.F) {
	for _, b := range [][]byte{fixEchoRequest, fixSYN, fixUDP, fixFragNeeded} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, payload, err := ParseIPv4(data)
		v := IPv4(data)
		if err != nil && err != ErrBadChecksum {
			if v.Check() == nil {
				t.Fatalf("ParseIPv4 failed (%v) but Check passed", err)
			}
			QuoteDatagram(nil, data)
			return
		}
		if v.Check() != nil || v.ChecksumValid() != (err == nil) {
			t.Fatalf("view disagrees: Check %v ChecksumValid %v err %v", v.Check(), v.ChecksumValid(), err)
		}
		if got := viewHeader(v); !ipv4HeaderEqual(got, h) {
			t.Fatalf("view %+v, ParseIPv4 %+v", got, h)
		}
		if !bytes.Equal(v.Payload(), payload) {
			t.Fatal("view payload differs")
		}
		if q := QuoteDatagram(nil, data); len(q) > h.HeaderLen()+8 || !bytes.Equal(q, data[:len(q)]) {
			t.Fatalf("QuoteDatagram quoted %d bytes", len(q))
		}

		out := append(h.AppendTo(nil, len(payload)), payload...)
		// A valid header without the reserved flag (which IPv4Header does
		// not carry) is reproduced byte for byte.
		if err == nil && data[6]&0x80 == 0 && !bytes.Equal(out, data[:h.TotalLen]) {
			t.Fatalf("re-encoded\n %x, original\n %x", out, data[:h.TotalLen])
		}
		h2, payload2, err := ParseIPv4(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		h2.Checksum = h.Checksum // the original may have been corrupt
		if !ipv4HeaderEqual(h, h2) || !bytes.Equal(payload, payload2) {
			t.Fatalf("round trip:\n %+v\n %+v", h, h2)
		}
		// The forwarding path keeps a valid checksum valid.
		fwd := IPv4(bytes.Clone(data))
		fwd.DecTTL()
		if fwd.ChecksumValid() != v.ChecksumValid() {
			t.Fatal("DecTTL changed checksum validity")
		}
	})
}

func FuzzICMP(f *testing.F) {
	for _, b := range [][]byte{fixEchoRequest[20:], fixFragNeeded[20:], fixTimeExceeded[20:]} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseICMP(data)
		if err != nil && err != ErrBadChecksum {
			if ICMP(data).Check() == nil {
				t.Fatalf("ParseICMP failed (%v) but Check passed", err)
			}
			return
		}
		if v := ICMP(data); v.Type() != m.Type || v.Code() != m.Code || !bytes.Equal(v.Body(), m.Data) ||
			v.ChecksumValid() != (err == nil) {
			t.Fatal("view disagrees with ParseICMP")
		}
		out := m.AppendTo(nil)
		if len(out) != m.Len() {
			t.Fatalf("AppendTo wrote %d bytes, Len %d", len(out), m.Len())
		}
		m2, err := ParseICMP(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if !icmpEqual(m, m2) {
			t.Fatalf("round trip:\n %+v\n %+v", m, m2)
		}
	})
}

func FuzzUDP(f *testing.F) {
	for _, b := range [][]byte{fixUDP[20:], fixUDP[20:28], []byte("\x00\x01\x00\x02\x00\x09\x00\x00x")} {
		f.Add(b)
	}
	a, b := addr("10.0.0.1"), addr("10.0.0.2")
	f.Fuzz(func(t *testing.T, data []byte) {
		VerifyUDPChecksum(a, b, data)
		h, payload, err := ParseUDP(data)
		if err != nil {
			if UDP(data).Check() == nil {
				t.Fatalf("ParseUDP failed (%v) but Check passed", err)
			}
			return
		}
		if v := UDP(data); v.SrcPort() != h.SrcPort || v.DstPort() != h.DstPort || v.Length() != h.Length ||
			v.Checksum() != h.Checksum || !bytes.Equal(v.Payload(), payload) {
			t.Fatal("view disagrees with ParseUDP")
		}
		out := h.AppendTo(nil, a, b, payload)
		if !VerifyUDPChecksum(a, b, out) {
			t.Fatal("re-encoded checksum does not verify")
		}
		h2, payload2, err := ParseUDP(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		h2.Checksum = h.Checksum
		if h != h2 || !bytes.Equal(payload, payload2) {
			t.Fatalf("round trip:\n %+v\n %+v", h, h2)
		}
	})
}

func FuzzTCP(f *testing.F) {
	for _, b := range [][]byte{fixSYN[20:], fixSYNACK[20:], fixPSH[20:], fixSACK[20:]} {
		f.Add(b)
	}
	a, b := addr("10.0.0.1"), addr("10.0.0.2")
	f.Fuzz(func(t *testing.T, data []byte) {
		VerifyTCPChecksum(a, b, data)
		h, payload, err := ParseTCP(data)
		if err != nil {
			if err != ErrBadOption && TCP(data).Check() == nil {
				t.Fatalf("ParseTCP failed (%v) but Check passed", err)
			}
			return
		}
		if v := TCP(data); v.SrcPort() != h.SrcPort || v.DstPort() != h.DstPort || v.Seq() != h.Seq ||
			v.Ack() != h.Ack || v.HeaderLen() != h.DataOffset || v.Flags() != h.Flags ||
			v.Window() != h.Window || v.Checksum() != h.Checksum || v.Urgent() != h.Urgent ||
			!bytes.Equal(v.Payload(), payload) {
			t.Fatal("view disagrees with ParseTCP")
		}
		if h.Options.NumSACK < 0 || h.Options.NumSACK > 4 {
			t.Fatalf("NumSACK %d", h.Options.NumSACK)
		}
		out := h.AppendTo(nil, a, b, payload)
		if !VerifyTCPChecksum(a, b, out) {
			t.Fatal("re-encoded checksum does not verify")
		}
		h2, payload2, err := ParseTCP(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		h2.Checksum, h2.DataOffset = h.Checksum, h.DataOffset
		if h != h2 || !bytes.Equal(payload, payload2) {
			t.Fatalf("round trip:\n %+v\n %+v", h, h2)
		}
	})
}

func FuzzEthernetARP(f *testing.F) {
	req := ARP{Op: ARPRequest, SenderMAC: LocalMAC(1), SenderIP: mustAddr("192.168.1.23"), TargetIP: mustAddr("192.168.1.1")}
	h := EthernetHeader{Dst: BroadcastMAC, Src: LocalMAC(1), EtherType: EtherTypeARP}
	f.Add(req.AppendTo(h.AppendTo(nil)))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, payload, err := ParseEthernet(data)
		if err != nil {
			if Ethernet(data).Check() == nil {
				t.Fatal("ParseEthernet failed but Check passed")
			}
			return
		}
		if out := h.AppendTo(nil); !bytes.Equal(out, data[:EthernetHeaderLen]) {
			t.Fatalf("header round trip: % x vs % x", out, data[:EthernetHeaderLen])
		}
		a, err := ParseARP(payload)
		if err != nil {
			return
		}
		if out := a.AppendTo(nil); !bytes.Equal(out, payload[:ARPLen]) {
			t.Fatalf("ARP round trip: % x vs % x", out, payload[:ARPLen])
		}
	})
}
