package nat

import (
	"bytes"
	"encoding/binary"
	"github.com/hopsnet/hops/internal/tsharkcheck"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hopsnet/hops/wire"
)

// writePcap writes raw IPv4 packets (link type 228) to a pcap file.
func writePcap(path string, pkts [][]byte) error {
	var b []byte
	for _, v := range []uint32{0xa1b2c3d4, 4<<16 | 2, 0, 0, 65535, 228} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	for i, p := range pkts {
		for _, v := range []uint32{uint32(i + 1), 0, uint32(len(p)), uint32(len(p))} {
			b = binary.LittleEndian.AppendUint32(b, v)
		}
		b = append(b, p...)
	}
	return os.WriteFile(path, b, 0o644)
}

// natCapture translates a small session through a NAT and returns every
// packet as it leaves the NAT, both sides of each translation.
func natCapture(t *testing.T) [][]byte {
	n := newNAT(t, func(c *Config) {
		c.Forwards = []Forward{{Proto: wire.ProtoTCP, PublicPort: 8080, Inside: ap(tv, 80)}}
	})
	var pkts [][]byte
	keep := func(p []byte, v, want Verdict) {
		t.Helper()
		if v != want {
			t.Fatalf("verdict %v, want %v", v, want)
		}
		pkts = append(pkts, bytes.Clone(p))
	}
	o := func(p []byte) []byte { keep(p, n.Outbound(0, p), Translated); return p }
	i := func(p []byte) []byte { keep(p, n.Inbound(0, p), Translated); return p }
	o(udpPkt(laptop, 51000, server, 34567)) // not a well-known port: the payload is no protocol
	i(udpPkt(server, 34567, pubStr, 51000))
	o(tcpPkt(phone, 40000, server, 443, wire.SYN))
	i(tcpPkt(server, 443, pubStr, 40000, wire.SYN|wire.ACK))
	o(echoPkt(laptop, server, wire.ICMPEchoRequest, 7, 1))
	i(echoPkt(server, pubStr, wire.ICMPEchoReply, 7, 1))
	probe := o(udpPkt(laptop, 33434, server, 33434))
	i(icmpErr(hop, wire.ICMPTimeExceeded, 0, 0, probe, len(probe)))
	seg := o(tcpPkt(phone, 40000, server, 443, wire.ACK))
	i(icmpErr(hop, wire.ICMPDestUnreachable, wire.ICMPFragNeeded, 1400, seg, len(seg)))
	fwd := i(tcpPkt(other, 50000, pubStr, 8080, wire.SYN))
	o(icmpErr(tv, wire.ICMPDestUnreachable, wire.ICMPPortUnreachable, 0, fwd, len(fwd)))
	hp := udpPkt(phone, 51000, pubStr, 51000)
	keep(hp, n.Outbound(0, hp), Hairpin)
	return pkts
}

// TestTsharkNAT: Wireshark finds every checksum of the translated
// packets correct, quoted ones included, and nothing malformed. The
// last packet, its TCP checksum left stale, is a control that must be
// flagged. Skipped without tshark or with -short.
func TestTsharkNAT(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping tshark in -short mode")
	}
	tsharkcheck.Require(t)
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Fatal(err)
	}
	pkts := natCapture(t)
	bad := tcpPkt(laptop, 1, server, 2, wire.SYN)
	wire.IPv4(bad).SetSrc(public) // TCP checksum left stale
	pkts = append(pkts, bad)
	pcap := filepath.Join(t.TempDir(), "nat.pcap")
	if d := os.Getenv("NAT_PCAP"); d != "" {
		pcap = d
	}
	if err := writePcap(pcap, pkts); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tshark, "-n", "-r", pcap,
		"-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
		"-o", "tcp.analyze_sequence_numbers:FALSE",
		"-Y", `_ws.malformed || _ws.expert.severity >= error || ip.checksum.status == "Bad" || `+
			`udp.checksum.status == "Bad" || tcp.checksum.status == "Bad" || icmp.checksum.status == "Bad"`,
		"-T", "fields", "-e", "frame.number")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	if got, want := strings.TrimSpace(string(out)), itoa(len(pkts)); got != want {
		t.Errorf("tshark flagged frames %q, want only the control %q", got, want)
	}
}
