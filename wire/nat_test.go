package wire

import (
	"bytes"
	"github.com/hopsnet/hops/internal/tsharkcheck"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// natRewriteSrc does what a source NAT does to an outgoing IPv4 packet
// carrying TCP or UDP: it replaces the source address and port, fixing the
// IP header checksum and the transport checksum (whose pseudo header
// covers the address) incrementally.
func natRewriteSrc(pkt IPv4, a netip.Addr, port uint16) {
	old := pkt.Src()
	pkt.SetSrc(a)
	switch seg := pkt.Payload(); pkt.Protocol() {
	case ProtoTCP:
		v := TCP(seg)
		v.UpdatePseudoAddr(old, a)
		v.SetSrcPort(port)
	case ProtoUDP:
		v := UDP(seg)
		v.UpdatePseudoAddr(old, a)
		v.SetSrcPort(port)
	}
}

// natRewriteDst is natRewriteSrc for the destination, as on the way back.
func natRewriteDst(pkt IPv4, a netip.Addr, port uint16) {
	old := pkt.Dst()
	pkt.SetDst(a)
	switch seg := pkt.Payload(); pkt.Protocol() {
	case ProtoTCP:
		v := TCP(seg)
		v.UpdatePseudoAddr(old, a)
		v.SetDstPort(port)
	case ProtoUDP:
		v := UDP(seg)
		v.UpdatePseudoAddr(old, a)
		v.SetDstPort(port)
	}
}

// fixDNSQuery is a stub resolver's query 192.168.1.10:51000 -> 192.0.2.53:53
// for www.example.com A, built with AppendUDP.
var fixDNSQuery = func() []byte {
	q := mustHex(`
		1a2b 0100 0001 0000 0000 0000
		0377 7777 0765 7861 6d70 6c65 0363 6f6d 00
		0001 0001`)
	src, dst := addr("192.168.1.10"), addr("192.0.2.53")
	seg := AppendUDP(nil, src, dst, 51000, 53, q)
	h := IPv4Header{ID: 7, TTL: 64, Protocol: ProtoUDP, Src: src, Dst: dst}
	return append(h.AppendTo(nil, len(seg)), seg...)
}()

func verifyTransport(t *testing.T, pkt IPv4) {
	t.Helper()
	if !pkt.ChecksumValid() {
		t.Error("IPv4 header checksum invalid")
	}
	switch pkt.Protocol() {
	case ProtoTCP:
		if !VerifyTCPChecksum(pkt.Src(), pkt.Dst(), pkt.Payload()) {
			t.Error("TCP checksum invalid")
		}
	case ProtoUDP:
		if !VerifyUDPChecksum(pkt.Src(), pkt.Dst(), pkt.Payload()) {
			t.Error("UDP checksum invalid")
		}
	}
}

// TestNATRewrite translates packets out through a NAT and back, checking
// every checksum at each step and that the round trip restores the
// original bytes exactly.
func TestNATRewrite(t *testing.T) {
	public := addr("203.0.113.5")
	tests := []struct {
		name string
		pkt  []byte
	}{
		{"linux syn", fixSYN},
		{"linux psh", fixPSH},
		{"sack", fixSACK},
		{"udp", fixUDP},
		{"dns query", fixDNSQuery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkt := IPv4(bytes.Clone(tt.pkt))
			if err := pkt.Check(); err != nil {
				t.Fatal(err)
			}
			priv, privPort := pkt.Src(), UDP(pkt.Payload()).SrcPort() // ports sit alike in TCP and UDP
			natRewriteSrc(pkt, public, 61000)
			if pkt.Src() != public || UDP(pkt.Payload()).SrcPort() != 61000 {
				t.Fatalf("rewrote to %v:%d", pkt.Src(), UDP(pkt.Payload()).SrcPort())
			}
			verifyTransport(t, pkt)
			natRewriteSrc(pkt, priv, privPort)
			if !bytes.Equal(pkt, tt.pkt) {
				t.Errorf("round trip\n %x, want\n %x", []byte(pkt), tt.pkt)
			}
			// The reply's destination is translated back the same way.
			natRewriteDst(pkt, public, 62000)
			verifyTransport(t, pkt)
		})
	}
}

// TestTsharkNAT checks that Wireshark finds every checksum of
// NAT-rewritten packets correct, using the filter from DESIGN.md. The
// last packet, rewritten without fixing the TCP checksum, is a negative
// control that must be flagged. Skipped without tshark or with -short.
func TestTsharkNAT(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping tshark in -short mode")
	}
	tsharkcheck.Require(t)
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Fatal(err)
	}
	var pkts [][]byte
	for i, orig := range [][]byte{fixSYN, fixSYNACK, fixPSH, fixSACK, fixUDP, fixDNSQuery} {
		out := IPv4(bytes.Clone(orig))
		natRewriteSrc(out, addr("203.0.113.5"), uint16(61000+i))
		back := IPv4(bytes.Clone(orig))
		natRewriteDst(back, addr("198.51.100.9"), uint16(62000+i))
		pkts = append(pkts, out, back)
	}
	bad := IPv4(bytes.Clone(fixSYN))
	bad.SetSrc(addr("203.0.113.5")) // the TCP checksum is left stale
	pkts = append(pkts, bad)
	pcap := filepath.Join(t.TempDir(), "nat.pcap")
	if err := writePcap(pcap, pkts); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tshark, "-n", "-r", pcap,
		"-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
		"-o", "tcp.analyze_sequence_numbers:FALSE",
		"-Y", `_ws.malformed || _ws.expert.severity >= error || ip.checksum.status == "Bad" || `+
			`udp.checksum.status == "Bad" || tcp.checksum.status == "Bad"`,
		"-T", "fields", "-e", "frame.number")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // no user profile
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	if got, want := strings.TrimSpace(string(out)), "13"; got != want {
		t.Errorf("tshark flagged frames %q, want only the control %q", got, want)
	}
}

func TestNATRewriteNoAllocs(t *testing.T) {
	pkt := IPv4(bytes.Clone(fixPSH))
	a, b := addr("203.0.113.5"), addr("127.0.0.1")
	f := func() {
		natRewriteSrc(pkt, a, 61000)
		natRewriteSrc(pkt, b, 33210)
	}
	if n := testing.AllocsPerRun(100, f); n != 0 {
		t.Errorf("%v allocs, want 0", n)
	}
}

// BenchmarkNATRewriteTCP measures one source-NAT translation of a TCP
// segment in place: IPv4 source and header checksum, the pseudo-header
// adjustment of the TCP checksum, and the source port.
func BenchmarkNATRewriteTCP(b *testing.B) {
	pkt := IPv4(bytes.Clone(fixPSH))
	addrs := [2]netip.Addr{addr("203.0.113.5"), addr("198.51.100.9")}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		natRewriteSrc(pkt, addrs[i&1], uint16(i))
	}
	if !VerifyTCPChecksum(pkt.Src(), pkt.Dst(), pkt.Payload()) || !pkt.ChecksumValid() {
		b.Fatal("checksums broken")
	}
}

// BenchmarkNATRewriteUDP is BenchmarkNATRewriteTCP for a DNS query.
func BenchmarkNATRewriteUDP(b *testing.B) {
	pkt := IPv4(bytes.Clone(fixDNSQuery))
	addrs := [2]netip.Addr{addr("203.0.113.5"), addr("198.51.100.9")}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		natRewriteSrc(pkt, addrs[i&1], uint16(i))
	}
	if !VerifyUDPChecksum(pkt.Src(), pkt.Dst(), pkt.Payload()) || !pkt.ChecksumValid() {
		b.Fatal("checksums broken")
	}
}
