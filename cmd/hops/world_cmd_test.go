package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hopsnet/hops/world/scenario"
)

// --json used to be ignored by --yaml and --dot: they are formats of their
// own, so asking for both is a usage error.
func TestWorldJSONConflicts(t *testing.T) {
	for _, args := range [][]string{
		{"--json", "world", "--yaml"},
		{"--json", "world", "--dot"},
		{"--json", "world", "--schema"},
		{"world", "--dot", "--yaml"},
		{"world", "--positions"},
	} {
		out, errs, code := hops(t, args...)
		if code != 2 || out != "" || !strings.HasPrefix(errs, "hops: world: ") {
			t.Errorf("hops %s: exit %d, stdout %q, stderr %q; want exit 2 and a message", strings.Join(args, " "), code, out, errs)
		}
	}
}

func TestWorldJSON(t *testing.T) {
	out, errs, code := hops(t, "--json", "world")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var sc scenario.Scenario
	if err := json.Unmarshal([]byte(out), &sc); err != nil {
		t.Fatal(err)
	}
	if sc.Name != "default" || len(sc.Nodes) != 17 || len(sc.Links) != 15 || sc.Links[0].A.Node != "home-router" || !sc.Links[0].A.DHCP ||
		len(sc.LANs) != 1 || len(sc.LANs[0].Members) != 4 || !sc.LANs[0].Members[1].DHCP {
		t.Fatalf("world %+v", sc)
	}
	for _, bad := range []string{`"pos"`, `"RateBps"`, `"Delay"`, `"QueuePackets"`} {
		if strings.Contains(out, bad) {
			t.Errorf("JSON holds %s", bad)
		}
	}
	for _, want := range []string{`"rate_bps": 300000000`, `"delay_ns": 500000`, `"jitter_ns": 750000`, `"dhcp": true`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	out, _, _ = hops(t, "--json", "world", "--positions")
	if !strings.Contains(out, `"pos": {`) || !strings.Contains(out, `"line": 21`) {
		t.Errorf("--positions gave no positions:\n%.400s", out)
	}
}

func TestWorldSchema(t *testing.T) {
	out, errs, code := hops(t, "world", "--schema")
	if code != 0 || out != scenario.Reference() {
		t.Fatalf("exit %d (%s); output is not scenario.Reference()", code, errs)
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "world-format.md"))
	if err != nil || string(doc) != out {
		t.Errorf("docs/world-format.md differs from hops world --schema (go test ./world/scenario -run TestReferenceDoc -update)")
	}
}

// "loss: 1" used to mean 100% without a word. Every probability needs a
// unit now, and a bare number is a positioned error naming both readings.
func TestWorldBareProbability(t *testing.T) {
	path := writeFile(t, "bare.yaml", "nodes: [{name: a, role: host}, {name: b, role: host}]\nlinks:\n  - {a: a 10.0.0.1/30, b: b 10.0.0.2/30, loss: 1}\n")
	_, errs, code := hops(t, "--world", path, "world")
	want := path + `:3:48: loss: bad probability "1": a bare number is ambiguous; write "1%" or "100%"`
	if code != 2 || !strings.Contains(errs, want) {
		t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errs, want)
	}
}

// --world /dev/zero used to read without end; a large file was read whole
// into memory. Now scenarios are capped at scenario.MaxFileBytes.
func TestWorldFileSizeCap(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.yaml")
	data := []byte("nodes: [{name: a, role: host}]\n" + strings.Repeat("#", scenario.MaxFileBytes))
	if err := os.WriteFile(big, data, 0o644); err != nil {
		t.Fatal(err)
	}
	paths := []string{big}
	if _, err := os.Stat("/dev/zero"); err == nil {
		paths = append(paths, "/dev/zero")
	}
	for _, p := range paths {
		_, errs, code := hops(t, "--world", p, "world")
		if want := p + ": scenario is larger than 8 MiB"; code != 2 || !strings.Contains(errs, want) {
			t.Errorf("--world %s: exit %d, stderr %q; want 2 and %q", p, code, errs, want)
		}
	}
	_, errs, code := hops(t, "--world", t.TempDir(), "world")
	if code != 2 || !strings.Contains(errs, "is a directory") {
		t.Errorf("--world DIR: exit %d, stderr %q", code, errs)
	}
	// Exactly at the cap is fine.
	ok := filepath.Join(t.TempDir(), "ok.yaml")
	if err := os.WriteFile(ok, data[:scenario.MaxFileBytes], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := hops(t, "--world", ok, "world"); code != 0 {
		t.Errorf("a file of exactly %d bytes: exit %d, %s", scenario.MaxFileBytes, code, errs)
	}
}
