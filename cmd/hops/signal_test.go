package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/internal/tsharkcheck"
)

// TestSIGINTEndsPingCleanly runs the real binary on a ping far too long
// to finish, waits until replies stream out, and sends SIGINT (Ctrl-C):
// the statistics of what was sent so far are printed, the status is 0
// (replies came), the capture decodes in tshark and every line of the
// event log is JSON. Before, Ctrl-C printed nothing (output was held
// until the end), cut the capture in the middle of a packet and left a
// half-written event line.
func TestSIGINTEndsPingCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the hops binary")
	}
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to send")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "hops")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	pcap, events := filepath.Join(dir, "ping.pcapng"), filepath.Join(dir, "events.jsonl")
	cmd := exec.Command(bin, "--pcap", pcap, "--capture", "laptop", "--events", events,
		"ping", "-c", "10000000", "-i", "0.001", "www.example.com")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer killer.Stop()

	// Wait for the header and a few replies: they stream as the
	// simulation reaches them.
	sc := bufio.NewScanner(stdout)
	var lines []string
	for len(lines) < 5 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 5 {
		t.Fatalf("only %d lines before the end of output: %q; stderr %s", len(lines), lines, stderr.String())
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	err = cmd.Wait()
	if err != nil {
		t.Fatalf("after SIGINT: %v (want status 0: replies came); stderr %s", err, stderr.String())
	}
	n := len(lines)
	if n < 8 || lines[n-4] != "" || lines[n-3] != "--- www.example.com ping statistics ---" ||
		!strings.HasPrefix(lines[n-1], "rtt min/avg/max/mdev = ") {
		t.Fatalf("the output does not end with the statistics:\n%s", strings.Join(lines[max(0, n-6):], "\n"))
	}
	m := regexp.MustCompile(`^(\d+) packets transmitted, (\d+) received, .*time (\d+)ms$`).FindStringSubmatch(lines[n-2])
	if m == nil {
		t.Fatalf("statistics line %q", lines[n-2])
	}
	sent, _ := strconv.Atoi(m[1])
	got, _ := strconv.Atoi(m[2])
	replies := 0
	for _, l := range lines {
		if strings.Contains(l, " bytes from 203.0.113.10: icmp_seq=") {
			replies++
		}
	}
	if sent >= 10000000 || got < 4 || got > sent || replies != got {
		t.Fatalf("%d sent, %d received, %d reply lines", sent, got, replies)
	}
	t.Logf("interrupted after %d requests", sent)

	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		t.Fatal("the event log does not end with a whole line")
	}
	for i, l := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
		if !json.Valid(l) {
			t.Fatalf("event log line %d is not JSON: %q", i+1, l)
		}
	}
	if !tsharkcheck.Available() {
		tsharkcheck.Require(t)
	}
	// Requests in flight at the interrupt have no reply: a warning, so
	// check for errors only.
	problems, err := tsharkcheck.ProblemsPerInterface(pcap, "error")
	if err != nil || len(problems) > 0 {
		t.Fatalf("tshark on the interrupted capture: %v\n%s", err, strings.Join(problems, "\n"))
	}
	if pkts, err := tsharkcheck.Decode(pcap); err != nil || len(pkts) < 2*got {
		t.Fatalf("tshark decoded %d packets (%v), want at least %d", len(pkts), err, 2*got)
	}
}
