package nat

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

var (
	public = netip.MustParseAddr("203.0.113.5")
	lan    = netip.MustParsePrefix("192.168.1.0/24")
)

const (
	laptop = "192.168.1.10"
	phone  = "192.168.1.11"
	tv     = "192.168.1.20"
	server = "198.51.100.7"
	other  = "198.51.100.99"
	hop    = "198.51.100.1" // a router on the path
	pubStr = "203.0.113.5"
)

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func newNAT(t testing.TB, mod func(*Config)) *NAT {
	t.Helper()
	cfg := Config{Inside: lan, Public: public}
	if mod != nil {
		mod(&cfg)
	}
	n, err := New(cfg, sim.NewRand(1, "nat"))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func ipv4(src, dst string, proto uint8, seg []byte) []byte {
	h := wire.IPv4Header{ID: 1, TTL: 64, Protocol: proto, Src: ip(src), Dst: ip(dst)}
	return append(h.AppendTo(nil, len(seg)), seg...)
}

func udpPkt(src string, sp uint16, dst string, dp uint16) []byte {
	seg := wire.AppendUDP(nil, ip(src), ip(dst), sp, dp, []byte("hello, nat"))
	return ipv4(src, dst, wire.ProtoUDP, seg)
}

func tcpPkt(src string, sp uint16, dst string, dp uint16, f wire.TCPFlags) []byte {
	h := wire.TCPHeader{SrcPort: sp, DstPort: dp, Seq: 1000, Ack: 2000, Flags: f, Window: 65535}
	if f.Has(wire.SYN) {
		h.Options.MSS = 1460
	}
	seg := h.AppendTo(nil, ip(src), ip(dst), []byte("GET / HTTP/1.1\r\n"))
	return ipv4(src, dst, wire.ProtoTCP, seg)
}

func echoPkt(src, dst string, typ uint8, id, seq uint16) []byte {
	m := wire.ICMPMessage{Type: typ, ID: id, Seq: seq, Data: []byte("abcdefgh")}
	return ipv4(src, dst, wire.ProtoICMP, m.AppendTo(nil))
}

// icmpErr is the error a router at from sends to the source of orig,
// quoting quoteLen bytes of orig (0: header plus 8 bytes, as RFC 792).
func icmpErr(from string, typ, code uint8, mtu uint16, orig []byte, quoteLen int) []byte {
	q := wire.QuoteDatagram(nil, orig)
	if quoteLen > 0 {
		q = bytes.Clone(orig[:quoteLen])
	}
	m := wire.ICMPMessage{Type: typ, Code: code, MTU: mtu, Data: q}
	return ipv4(from, wire.IPv4(orig).Src().String(), wire.ProtoICMP, m.AppendTo(nil))
}

// endpoints returns the source and destination of a TCP or UDP packet,
// or of an echo message with the identifier as port.
func endpoints(pkt []byte) (src, dst netip.AddrPort) {
	v := wire.IPv4(pkt)
	seg := v.Payload()
	sp, dp := ports(seg)
	if v.Protocol() == wire.ProtoICMP {
		sp, dp = wire.ICMP(seg).ID(), wire.ICMP(seg).ID()
	}
	return netip.AddrPortFrom(v.Src(), sp), netip.AddrPortFrom(v.Dst(), dp)
}

func ap(s string, port uint16) netip.AddrPort { return netip.AddrPortFrom(ip(s), port) }

// validChecksums reports whether every checksum of pkt verifies: the
// IPv4 header, TCP/UDP with the pseudo header, ICMP, and for an ICMP
// error the quoted IPv4 header's.
func validChecksums(pkt []byte) bool {
	v := wire.IPv4(pkt)
	if v.Check() != nil || !v.ChecksumValid() {
		return false
	}
	seg := v.Payload()
	switch v.Protocol() {
	case wire.ProtoUDP:
		return wire.VerifyUDPChecksum(v.Src(), v.Dst(), seg)
	case wire.ProtoTCP:
		return wire.VerifyTCPChecksum(v.Src(), v.Dst(), seg)
	case wire.ProtoICMP:
		m := wire.ICMP(seg)
		if !m.ChecksumValid() {
			return false
		}
		if q, ok := parseQuoted(m.Body()); ok && isICMPError(m.Type()) {
			return q.ip.ChecksumValid()
		}
	}
	return true
}

func mustValid(t *testing.T, pkt []byte) {
	t.Helper()
	if !validChecksums(pkt) {
		t.Fatalf("checksums invalid after rewrite: %x", pkt)
	}
}

// out and in run a packet through the NAT, wanting verdict v and valid
// checksums when it was rewritten.
func out(t *testing.T, n *NAT, now sim.Time, pkt []byte, want Verdict) []byte {
	t.Helper()
	if got := n.Outbound(now, pkt); got != want {
		t.Fatalf("Outbound = %v, want %v", got, want)
	}
	mustValid(t, pkt)
	return pkt
}

func in(t *testing.T, n *NAT, now sim.Time, pkt []byte, want Verdict) []byte {
	t.Helper()
	if got := n.Inbound(now, pkt); got != want {
		t.Fatalf("Inbound = %v, want %v", got, want)
	}
	mustValid(t, pkt)
	return pkt
}

// at returns a sim.Time d after the start.
func at(d float64) sim.Time { return sim.Time(d * 1e9) }
