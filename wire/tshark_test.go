package wire

import (
	"encoding/binary"
	"github.com/hopsnet/hops/internal/tsharkcheck"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// writePcap writes raw IPv4 packets to a classic pcap file with link type
// LINKTYPE_IPV4 (228).
func writePcap(path string, pkts [][]byte) error {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, 0xa1b2c3d4)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = binary.LittleEndian.AppendUint32(b, 0) // thiszone
	b = binary.LittleEndian.AppendUint32(b, 0) // sigfigs
	b = binary.LittleEndian.AppendUint32(b, 65535)
	b = binary.LittleEndian.AppendUint32(b, 228)
	for i, p := range pkts {
		b = binary.LittleEndian.AppendUint32(b, uint32(i+1))
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p)))
		b = append(b, p...)
	}
	return os.WriteFile(path, b, 0o644)
}

// tsharkPackets returns the fixtures plus packets built by this package's
// encoders, all of which must decode cleanly.
func tsharkPackets() [][]byte {
	pkts := [][]byte{
		fixEchoRequest, fixEchoReply, fixSYN, fixSYNACK, fixPSH, fixUDP,
		fixSACK, fixFragNeeded, fixTimeExceeded,
	}
	for _, c := range buildCases() {
		pkts = append(pkts, c.pkt)
	}
	return pkts
}

// TestTshark checks that Wireshark decodes every fixture and every packet
// built by the encoders with checksum validation enabled and without
// warnings or errors. It is skipped if tshark is not installed or with
// -short.
func TestTshark(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping tshark in -short mode")
	}
	tsharkcheck.Require(t)
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Fatal(err)
	}
	pcap := filepath.Join(t.TempDir(), "wire.pcap")
	// The last packet is a negative control: a SYN with a corrupted TCP
	// checksum, which tshark must flag, proving validation is on.
	bad := append([]byte(nil), fixSYN...)
	bad[len(bad)-1] ^= 0x01
	pkts := append(tsharkPackets(), bad)
	if err := writePcap(pcap, pkts); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tshark, "-n", "-r", pcap,
		"-o", "ip.check_checksum:TRUE",
		"-o", "tcp.check_checksum:TRUE",
		"-o", "udp.check_checksum:TRUE",
		"-o", "tcp.analyze_sequence_numbers:FALSE",
		"-T", "fields", "-E", "separator=/t",
		"-e", "frame.number", "-e", "_ws.col.Protocol",
		"-e", "_ws.expert.severity", "-e", "_ws.expert.message",
		"-e", "_ws.col.Info")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // no user profile
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(pkts) {
		t.Fatalf("tshark decoded %d packets, want %d:\n%s", len(lines), len(pkts), out)
	}
	for i, l := range lines {
		f := strings.Split(l, "\t")
		t.Log(l)
		if len(f) < 4 {
			t.Fatalf("unexpected tshark line %q", l)
		}
		if i == len(lines)-1 {
			if !strings.Contains(f[2], "8388608") {
				t.Errorf("corrupted checksum not flagged: %s", l)
			}
			continue
		}
		// Severities: chat 0x00200000, note 0x00400000, warn 0x00600000,
		// error 0x00800000. Chat and note items are informational.
		for _, sev := range strings.Split(f[2], ",") {
			if sev == "" {
				continue
			}
			if sev != "2097152" && sev != "4194304" {
				t.Errorf("frame %s: expert severity %s: %s (%s)", f[0], sev, f[3], l)
			}
		}
	}
}
