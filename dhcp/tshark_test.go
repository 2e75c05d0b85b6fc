package dhcp

import (
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

// TestTsharkDHCP: Wireshark decodes the four messages of the exchange,
// a renewal and a NAK without a warning, as the types we sent.
// Skipped without tshark or with -short.
func TestTsharkDHCP(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping tshark in -short mode")
	}
	tsharkcheck.Require(t)
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Fatal(err)
	}
	l, c := bound(t, testServer(t, nil))
	l.runUntil(at(1800))        // renewal
	l.srv = testServer(t, nil)  // lost lease
	l.runUntil(at(3600 + 1800)) // NAK and a new exchange
	c.Release(l.now)            // release
	l.flush()
	var pkts [][]byte
	var want []string
	for _, x := range l.log {
		h := wire.IPv4Header{TTL: 64, Protocol: wire.ProtoUDP, Src: x.d.Src.Addr(), Dst: x.d.Dst.Addr()}
		seg := wire.AppendUDP(nil, x.d.Src.Addr(), x.d.Dst.Addr(), x.d.Src.Port(), x.d.Dst.Port(), x.d.Payload)
		pkts = append(pkts, append(h.AppendTo(nil, len(seg)), seg...))
		want = append(want, itoa(int(x.m.Type)))
	}
	pcap := filepath.Join(t.TempDir(), "dhcp.pcap")
	if p := os.Getenv("DHCP_PCAP"); p != "" {
		pcap = p
	}
	if err := writePcap(pcap, pkts); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		cmd := exec.Command(tshark, append([]string{"-n", "-r", pcap, "-o", "udp.check_checksum:TRUE"}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tshark: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	if bad := run("-Y", `_ws.malformed || _ws.expert.severity >= warning || !dhcp || udp.checksum.status == "Bad"`,
		"-T", "fields", "-e", "frame.number"); bad != "" {
		t.Errorf("tshark flagged frames %q", bad)
	}
	if got := strings.Fields(run("-T", "fields", "-e", "dhcp.option.dhcp")); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("tshark read types %v, want %v", got, want)
	}
}
