package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hopsnet/hops/internal/tsharkcheck"
)

// lossyTransfer runs a TCP transfer over a lossy home uplink, captured at
// the laptop, and returns the capture's bytes and the JSON summary.
func lossyTransfer(t *testing.T, seed string) ([]byte, map[string]any) {
	t.Helper()
	pcap := filepath.Join(t.TempDir(), "t.pcapng")
	out, errs, code := hops(t, "--seed", seed, "--link-set", "home-uplink:loss=2%", "--pcap", pcap, "--capture", "laptop",
		"--json", "transfer", "--size", "1MB", "-w", "256KiB")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var sum map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || sum["type"] != "summary" {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	if sum["match"] != true {
		t.Fatalf("the bytes received differ: %v", sum)
	}
	b, err := os.ReadFile(pcap)
	if err != nil {
		t.Fatal(err)
	}
	return b, sum
}

// tshark decodes a lossy transfer with TCP checksum validation on and
// finds nothing malformed; its retransmission analysis counts exactly the
// retransmissions hops' sender reports. (Wireshark calls a retransmission
// that follows its original within a round trip an "out-of-order"
// segment; from the sender's side every such segment is a resend.)
func TestTransferCaptureAgreesWithTshark(t *testing.T) {
	tsharkcheck.Require(t)
	capture, sum := lossyTransfer(t, "3")
	pcap := filepath.Join(t.TempDir(), "t.pcapng")
	if err := os.WriteFile(pcap, capture, 0o644); err != nil {
		t.Fatal(err)
	}
	problems, err := tsharkcheck.ProblemsPerInterface(pcap, "error")
	if err != nil || len(problems) > 0 {
		t.Fatalf("tshark: %v %v", err, problems)
	}
	rows, err := tsharkcheck.Fields(pcap, "ip.src", "tcp.len", "tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
		"tcp.analysis.spurious_retransmission", "tcp.analysis.out_of_order")
	if err != nil {
		t.Fatal(err)
	}
	resent := 0
	for _, r := range rows {
		if r[0] == "192.168.1.102" && r[1] != "0" && r[1] != "" && (r[2] != "" || r[3] != "" || r[4] != "" || r[5] != "") {
			resent++
		}
	}
	sender := sum["sender"].(map[string]any)
	hopsCount := int(sender["retransmits"].(float64))
	if hopsCount == 0 || resent != hopsCount {
		t.Fatalf("tshark sees %d retransmitted data segments, hops counts %d", resent, hopsCount)
	}
	t.Logf("%d retransmissions, agreed", resent)
}

// Same seed, same capture, byte for byte; another seed, another run.
func TestTransferDeterministic(t *testing.T) {
	a, _ := lossyTransfer(t, "7")
	b, _ := lossyTransfer(t, "7")
	c, _ := lossyTransfer(t, "8")
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed gave two different captures")
	}
	if bytes.Equal(a, c) {
		t.Fatal("seeds 7 and 8 gave the same capture")
	}
	t.Logf("capture of %s bytes reproduced", strconv.Itoa(len(a)))
}

// -i 0 turns the interval reports off (once it overflowed the clock and
// reported forever).
func TestTransferNoIntervals(t *testing.T) {
	out, errs, code := hops(t, "transfer", "-i", "0", "--size", "100KB")
	if code != 0 || strings.Contains(out, "0.00-1.00") || !strings.Contains(out, "sender") || strings.Count(out, "\n") > 15 {
		t.Fatalf("exit %d (%s):\n%s", code, errs, out)
	}
}
