package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hopsnet/hops/trace/tcpplot"
)

// viewArgs is a short lossy transfer whose run has a fast retransmit, a
// SACK hole and a timeout. (Seed 7 since the name www.example.com is
// looked up in DNS first: its packets draw from the links' random
// streams, and seed 6 no longer loses the segments that make a timeout.)
var viewArgs = []string{"--seed", "7", "--link-set", "home-uplink:loss=2%", "transfer", "--cc", "newreno", "--size", "300KB"}

// narrationLine matches the lines transfer -v adds: a time stamp, or the
// indent of a continuation.
var narrationLine = regexp.MustCompile(`^\[ *\d+\.\d{3} ms\] |^ {15}`)

// The narration of a lossy transfer is what the golden file says; run
// with -update (see TestGolden) to rewrite it after a deliberate change.
func TestTransferNarrationGolden(t *testing.T) {
	out, errs, code := hops(t, append(viewArgs, "-v")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	path := filepath.Join("testdata", "golden", "transfer-tcp-lossy-v.txt")
	if *update {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	} else {
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if out != string(want) {
			t.Errorf("hops %s -v:\n%s\nwant (%s):\n%s", strings.Join(viewArgs, " "), out, path, want)
		}
	}
	for _, want := range []string{": fast retransmit\n", ": SACK hole\n", ": timeout\n", "out of order", "fills the hole",
		"  FIN  seq 300001", "TIME-WAIT", "receives the last ACK and closes"} {
		if !strings.Contains(out, want) {
			t.Errorf("the narration does not show %q", want)
		}
	}
}

// The handshake lines give the real initial sequence numbers, and each
// side acknowledges the other's ISN + 1.
func TestTransferNarrationHandshake(t *testing.T) {
	events := filepath.Join(t.TempDir(), "ev.jsonl")
	out, errs, code := hops(t, append([]string{"--events", events}, append(viewArgs, "-v")...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	num := func(re string) []uint32 {
		t.Helper()
		m := regexp.MustCompile(re).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no line matches %s in:\n%s", re, out)
		}
		var v []uint32
		for _, s := range m[1:] {
			n, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				t.Fatal(err)
			}
			v = append(v, uint32(n))
		}
		return v
	}
	syn := num(`laptop → www.example.com  SYN  seq (\d+)\n`)
	synAck := num(`www.example.com → laptop  SYN-ACK  seq (\d+)  ack (\d+)\n`)
	ack := num(`laptop → www.example.com  ACK  seq (\d+)  ack (\d+)\n`)
	clientISN, serverISN := syn[0], synAck[0]
	if synAck[1] != clientISN+1 {
		t.Errorf("SYN-ACK acknowledges %d, want the client's ISN %d + 1", synAck[1], clientISN)
	}
	if ack[0] != clientISN+1 || ack[1] != serverISN+1 {
		t.Errorf("the ACK is seq %d ack %d, want %d and %d (each ISN + 1)", ack[0], ack[1], clientISN+1, serverISN+1)
	}
	if clientISN == serverISN {
		t.Errorf("both ends chose ISN %d", clientISN)
	}
	// The numbers are the packets' own: the event log's first SYN has
	// the same sequence number.
	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("[S] seq "+strconv.FormatUint(uint64(clientISN), 10)+" ")) {
		t.Errorf("the event log has no SYN with seq %d", clientISN)
	}
	// The lines relate the numbers in words a learner can check.
	for _, want := range []string{
		"= laptop's ISN + 1", "= www.example.com's ISN + 1", "chosen at random (RFC 6528)",
		"sequence numbers count bytes: seq 1 → 1449 → 2897 → 4345 …",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the narration does not say %q", want)
		}
	}
}

// -v only watches: without its lines the output is the same as without
// -v, and the captures with and without -v are the same (both runs last
// until the close is through).
func TestTransferNarrationChangesNothing(t *testing.T) {
	dir := t.TempDir()
	plain, errs, code := hops(t, append([]string{"--pcap", filepath.Join(dir, "plain.pcapng")}, viewArgs...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	told, errs, code := hops(t, append([]string{"--pcap", filepath.Join(dir, "v.pcapng")}, append(viewArgs, "-v")...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rest []string
	sc := bufio.NewScanner(strings.NewReader(told))
	for sc.Scan() {
		if !narrationLine.MatchString(sc.Text()) {
			rest = append(rest, sc.Text())
		}
	}
	if got := strings.Join(rest, "\n") + "\n"; got != plain {
		t.Errorf("transfer -v without its narration:\n%s\nwant the output of transfer:\n%s", got, plain)
	}
	a, err := os.ReadFile(filepath.Join(dir, "plain.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "v.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, a) {
		t.Errorf("the capture with -v (%d bytes) differs from the capture without it (%d bytes)", len(b), len(a))
	}
	// The narration counts what the sender's engine counts.
	m := regexp.MustCompile(`in all: (\d+) data segments, (\d+) resent: (\d+) timeouts?, (\d+) fast retransmits?`).FindStringSubmatch(told)
	e := regexp.MustCompile(`retransmitted (\d+) segments \((\d+) timeouts, (\d+) fast retransmits\)`).FindStringSubmatch(told)
	if m == nil || e == nil {
		t.Fatalf("no summary to compare in:\n%s", told)
	}
	if m[2] != e[1] || m[3] != e[2] || m[4] != e[3] {
		t.Errorf("narration: %s resent, %s timeouts, %s fast retransmits; engine: %s, %s, %s", m[2], m[3], m[4], e[1], e[2], e[3])
	}
}

// --json with -v keeps stdout JSON: the narration goes to stderr.
func TestTransferNarrationWithJSON(t *testing.T) {
	out, errs, code := hops(t, append([]string{"--json"}, append(viewArgs, "-v")...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !json.Valid([]byte(l)) {
			t.Fatalf("stdout line %q is not JSON", l)
		}
	}
	if !strings.Contains(errs, "  SYN  seq ") {
		t.Errorf("stderr has no narration:\n%s", errs)
	}
}

func TestTransferViewFlagsNeedTCP(t *testing.T) {
	for _, f := range [][]string{{"-v"}, {"--plot", filepath.Join(t.TempDir(), "x.png")}} {
		_, errs, code := hops(t, append([]string{"transfer", "--udp", "--time", "1"}, f...)...)
		if code != 2 || !strings.Contains(errs, "a --udp stream has none") {
			t.Errorf("transfer --udp %s: exit %d, %q", f[0], code, errs)
		}
	}
}

// --plot draws one bar per data segment the sender sent, red ones for
// those it sent again, and the same PNG for the same seed.
func TestTransferPlot(t *testing.T) {
	dir := t.TempDir()
	file, events := filepath.Join(dir, "ts.png"), filepath.Join(dir, "ev.jsonl")
	var g *tcpplot.Graph
	plotted = func(x *tcpplot.Graph) { g = x }
	defer func() { plotted = nil }()
	_, errs, code := hops(t, append([]string{"--events", events}, append(viewArgs, "--plot", file)...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if r := img.Bounds(); r.Dx() != plotWidth || r.Dy() != plotHeight {
		t.Errorf("the PNG is %d×%d, want %d×%d", r.Dx(), r.Dy(), plotWidth, plotHeight)
	}
	if g == nil {
		t.Fatal("no graph was drawn")
	}

	// Count the data segments the laptop sent, and those that repeat
	// sequence numbers sent before, in the event log.
	ev, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	seg := regexp.MustCompile(`> 203\.0\.113\.10:5201 \[[A-Z.]+\] seq (\d+) .* len (\d+) ttl`)
	sent, resent := 0, 0
	var next uint32
	first := true
	for _, l := range strings.Split(string(ev), "\n") {
		var e struct{ Kind, Node, Summary string }
		if l == "" || json.Unmarshal([]byte(l), &e) != nil || e.Kind != "send" || e.Node != "laptop" {
			continue
		}
		m := seg.FindStringSubmatch(e.Summary)
		if m == nil || m[2] == "0" {
			continue
		}
		s, _ := strconv.ParseUint(m[1], 10, 32)
		n, _ := strconv.Atoi(m[2])
		if !first && int32(uint32(s)-next) < 0 {
			resent++
		} else {
			sent++
		}
		if end := uint32(s) + uint32(n); first || int32(end-next) > 0 {
			next, first = end, false
		}
	}
	if sent == 0 || resent == 0 {
		t.Fatalf("the run has %d segments and %d retransmissions: pick a lossier one", sent, resent)
	}
	if len(g.Sent) != sent || len(g.Resent) != resent {
		t.Errorf("drawn: %d segments and %d retransmissions; the capture has %d and %d", len(g.Sent), len(g.Resent), sent, resent)
	}
	if len(g.Ack) == 0 || len(g.SACK) == 0 || len(g.CwndLine) == 0 || len(g.Ssthresh) == 0 {
		t.Errorf("missing lines: %d ACK points, %d SACK blocks, %d cwnd and %d ssthresh samples",
			len(g.Ack), len(g.SACK), len(g.CwndLine), len(g.Ssthresh))
	}

	// Same seed, same picture.
	again := filepath.Join(dir, "again.png")
	if _, errs, code := hops(t, append(viewArgs, "--plot", again)...); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b2, err := os.ReadFile(again)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Error("two runs with the same seed drew different PNGs")
	}
}

func TestTransferPlotUnwritable(t *testing.T) {
	_, errs, code := hops(t, "transfer", "--size", "20KB", "--plot", filepath.Join(t.TempDir(), "no", "such", "dir.png"))
	if code == 0 || !strings.Contains(errs, "--plot") {
		t.Errorf("exit %d, %q: want an error naming --plot", code, errs)
	}
}
