package wire

import (
	"bytes"
	"net/netip"
	"testing"
)

// The rewrite fuzz targets check the view setters on arbitrary segments:
// the fields read back, no other byte moves, checksum validity is kept
// (a valid segment stays valid, a corrupted one stays corrupted), and on a
// segment whose checksum was freshly computed the incremental result
// equals a full recompute. Seed corpora live in testdata/fuzz/FuzzX.

func FuzzTCPRewrite(f *testing.F) {
	for _, b := range [][]byte{fixSYN[20:], fixSYNACK[20:], fixPSH[20:], fixSACK[20:]} {
		f.Add(b, uint16(61000), uint32(0xfffffff0), uint8(ACK), uint32(0xcb007105))
	}
	a, b := addr("10.0.0.1"), addr("10.0.0.2")
	f.Fuzz(func(t *testing.T, data []byte, port uint16, n uint32, flags uint8, newAddr uint32) {
		if TCP(data).Check() != nil {
			return
		}
		nsrc := netip.AddrFrom4([4]byte{byte(newAddr >> 24), byte(newAddr >> 16), byte(newAddr >> 8), byte(newAddr)})
		rewrite := func(v TCP) {
			v.UpdatePseudoAddr(a, nsrc)
			v.SetSrcPort(port)
			v.SetDstPort(^port)
			v.SetSeq(n)
			v.SetAck(^n)
			v.SetFlags(TCPFlags(flags))
			v.SetWindow(uint16(n))
			v.SetUrgent(uint16(n >> 16))
		}
		v := TCP(bytes.Clone(data))
		rewrite(v)
		if v.SrcPort() != port || v.DstPort() != ^port || v.Seq() != n || v.Ack() != ^n ||
			v.Flags() != TCPFlags(flags) || v.Window() != uint16(n) || v.Urgent() != uint16(n>>16) ||
			v[12] != data[12] || !bytes.Equal(v[TCPHeaderLen:], data[TCPHeaderLen:]) {
			t.Fatalf("rewritten segment %x", []byte(v))
		}
		if VerifyTCPChecksum(nsrc, b, v) != VerifyTCPChecksum(a, b, data) {
			t.Fatal("rewrite changed checksum validity")
		}
		v = TCP(bytes.Clone(data))
		v.ComputeChecksum(a, b)
		rewrite(v)
		inc := v.Checksum()
		v.ComputeChecksum(nsrc, b)
		if inc != v.Checksum() {
			t.Fatalf("incremental %#04x, full %#04x", inc, v.Checksum())
		}
	})
}

func FuzzUDPRewrite(f *testing.F) {
	noChecksum := []byte("\x00\x35\xc7\x38\x00\x0c\x00\x00ping")
	for _, b := range [][]byte{fixUDP[20:], fixDNSQuery[20:], noChecksum} {
		f.Add(b, uint16(61000), uint32(0xcb007105))
	}
	a, b := addr("10.0.0.1"), addr("10.0.0.2")
	f.Fuzz(func(t *testing.T, data []byte, port uint16, newAddr uint32) {
		if UDP(data).Check() != nil {
			return
		}
		nsrc := netip.AddrFrom4([4]byte{byte(newAddr >> 24), byte(newAddr >> 16), byte(newAddr >> 8), byte(newAddr)})
		rewrite := func(v UDP) {
			v.UpdatePseudoAddr(a, nsrc)
			v.SetSrcPort(port)
			v.SetDstPort(^port)
		}
		v := UDP(bytes.Clone(data))
		rewrite(v)
		if v.SrcPort() != port || v.DstPort() != ^port || !bytes.Equal(v[4:6], data[4:6]) ||
			!bytes.Equal(v[UDPHeaderLen:], data[UDPHeaderLen:]) {
			t.Fatalf("rewritten datagram %x", []byte(v))
		}
		if (v.Checksum() == 0) != (UDP(data).Checksum() == 0) {
			t.Fatalf("checksum %#04x became %#04x", UDP(data).Checksum(), v.Checksum())
		}
		if VerifyUDPChecksum(nsrc, b, v) != VerifyUDPChecksum(a, b, data) {
			t.Fatal("rewrite changed checksum validity")
		}
		v = UDP(bytes.Clone(data))
		v.ComputeChecksum(a, b)
		rewrite(v)
		inc := v.Checksum()
		v.ComputeChecksum(nsrc, b)
		if inc != v.Checksum() {
			t.Fatalf("incremental %#04x, full %#04x", inc, v.Checksum())
		}
	})
}
