package main

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hopsnet/hops/world/bench"
)

// benchRows are the figures every scenario prints.
var benchRows = []string{
	"simulated time", "events fired", "packets on links", "bytes on links", "queue drops",
	"wall time", "link-packets per wall-second", "events per wall-second",
	"allocations per link-packet", "bytes allocated", "peak memory", "Go heap held after the run",
	"result: ",
}

// Every scenario, scaled down, runs and prints every row; the ones with
// the ns-3 figures print those beside hops'.
func TestBenchTiny(t *testing.T) {
	out, errOut, code := hops(t, "bench", "--scale", "0.002")
	if code != 0 {
		t.Fatalf("status %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "--scale 0.002") {
		t.Errorf("no note of the scale:\n%s", out)
	}
	blocks := strings.Split(out, "\n\n")[1:]
	if len(blocks) != len(bench.All()) {
		t.Fatalf("%d blocks for %d scenarios:\n%s", len(blocks), len(bench.All()), out)
	}
	for i, s := range bench.All() {
		b := blocks[i]
		if !strings.HasPrefix(b, s.Name+": ") {
			t.Fatalf("block %d is not %s:\n%s", i, s.Name, b)
		}
		for _, row := range benchRows {
			if !strings.Contains(b, "\n  "+row) {
				t.Errorf("%s: no row %q:\n%s", s.Name, row, b)
			}
		}
		if s.Ref != nil {
			for _, want := range []string{"ns-3 (the TCP issue's figures, not re-measured)", "hops / ns-3", "(scaled run)"} {
				if !strings.Contains(b, want) {
					t.Errorf("%s: no %q:\n%s", s.Name, want, b)
				}
			}
		}
		for _, l := range strings.Split(b, "\n") {
			if strings.HasSuffix(l, " ") {
				t.Errorf("%s: trailing blanks in %q", s.Name, l)
			}
		}
	}
	for _, want := range []string{"414,000", "1.1–2.9 s", "140,000–380,000", "16.0 MiB", "2.7–4.7 s",
		"every byte compared with the sender's: match, MSS 1448", "every byte compared with the sender's: match in all 10 flows",
		"0 lost, 0 corrupt", "20 of 20 replies"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in the output:\n%s", want, out)
		}
	}
}

// --check sha256 hashes both ends instead of comparing the streams, and
// says so; the simulated run is the same.
func TestBenchCheckSHA256(t *testing.T) {
	out, errOut, code := hops(t, "bench", "--scale", "0.002", "--check", "sha256", "tcp-chain")
	if code != 0 || !strings.Contains(out, "SHA-256 match, MSS 1448") || strings.Contains(out, "compared with the sender's") {
		t.Fatalf("status %d\n%s%s", code, out, errOut)
	}
	stream, _, _ := hops(t, "bench", "--scale", "0.002", "tcp-chain")
	field := func(s, row string) string {
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "  "+row) {
				return strings.Fields(l)[len(strings.Fields(row))]
			}
		}
		return ""
	}
	for _, row := range []string{"simulated time", "events fired", "packets on links"} {
		if a, b := field(out, row), field(stream, row); a == "" || a != b {
			t.Errorf("%s: %q with sha256, %q with stream", row, a, b)
		}
	}
}

// --runs repeats a scenario and gives the median wall time with the
// extremes.
func TestBenchRuns(t *testing.T) {
	out, errOut, code := hops(t, "bench", "--scale", "0.002", "--runs", "3", "ping")
	if code != 0 {
		t.Fatalf("status %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "(median of 3; min ") || !strings.Contains(out, "3 runs of each") {
		t.Fatalf("no median of 3:\n%s", out)
	}
}

// --json prints one object per scenario, in the order asked for.
func TestBenchJSON(t *testing.T) {
	out, errOut, code := hops(t, "--json", "bench", "--scale", "0.002", "udp-chain", "tcp-chain", "udp-chain")
	if code != 0 {
		t.Fatalf("status %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2 (udp-chain once):\n%s", len(lines), out)
	}
	for i, name := range []string{"udp-chain", "tcp-chain"} {
		var r benchReport
		if err := json.Unmarshal([]byte(lines[i]), &r); err != nil {
			t.Fatal(err)
		}
		if r.Type != "scenario" || r.Name != name || r.Events == 0 || r.LinkPackets == 0 || r.Wall <= 0 ||
			r.PacketsPerSec <= 0 || r.SimTime <= 0 || len(r.Walls) != 1 || !r.Result.OK() || r.LinkBytes == 0 {
			t.Fatalf("line %d: %+v", i+1, r)
		}
		if name == "tcp-chain" && (r.Reference == nil || r.Reference.LinkPackets != 414000 || !r.ReferenceScaling || r.Ratio != nil) {
			t.Fatalf("tcp-chain reference: %+v %+v", r.Reference, r.Ratio)
		}
	}
}

// Mistakes are usage errors (status 2); a misspelt scenario gets a hint.
func TestBenchUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "tcp-chian"}, `bench: unknown scenario "tcp-chian" (did you mean "tcp-chain"?); the scenarios: tcp-chain, tcp-dumbbell, udp-chain, ping`},
		{[]string{"bench", "dumbell"}, `(did you mean "tcp-dumbbell"?)`},
		{[]string{"bench", "ping", "xyzzy-quux"}, `unknown scenario "xyzzy-quux"; the scenarios:`},
		{[]string{"bench", "--runs", "0"}, "--runs 0: want at least 1"},
		{[]string{"bench", "--scale", "-1"}, "--scale -1: must be positive"},
		{[]string{"bench", "--check", "md5"}, `bench: --check "md5": want stream or sha256`},
		{[]string{"--pcap", "x.pcapng", "bench"}, "bench: --pcap: bench runs its own scenarios"},
		{[]string{"--link-set", "a:loss=1%", "bench"}, "bench: --link-set"},
	} {
		out, errOut, code := hops(t, tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) || out != "" {
			t.Errorf("%q: status %d, stdout %q, stderr %q; want 2 and %q", tt.args, code, out, errOut, tt.want)
		}
	}
	out, _, code := hops(t, "bench", "--list")
	if code != 0 || !strings.Contains(out, "tcp-dumbbell") || strings.Contains(out, "simulated time") {
		t.Fatalf("--list: %d %q", code, out)
	}
}

// The ratios to the figures, and how the table shows them.
func TestBenchRatios(t *testing.T) {
	s := bench.Lookup("tcp-chain")
	rep := &benchReport{
		Name: s.Name, Summary: s.Summary, Runs: 1, SimTime: 31400 * time.Millisecond, LinkPackets: 828000,
		Wall: 580 * time.Millisecond, PacketsPerSec: 760000, PeakRSS: 8 << 20, PeakRSSScope: "run",
		Reference: s.Ref, Result: bench.Outcome{Kind: "tcp", Flows: 1, Matched: 1},
	}
	q := ratios(rep, s.Ref)
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if !near(q.SimTime, 1) || !near(q.LinkPackets, 2) || !near(q.Wall[0], 0.2) || !near(q.Wall[1], 0.58/1.1) ||
		!near(q.Rate[0], 2) || !near(q.Rate[1], 760000.0/140000) || !near(q.PeakMemory, 0.5) {
		t.Fatalf("%+v", q)
	}
	rep.Ratio = q
	var b bytes.Buffer
	writeBenchReport(&b, rep)
	for _, want := range []string{
		"  simulated time ", "1.000\n",
		"828,000", "414,000", "2.000\n",
		"0.20–0.53 (below 1: hops faster)",
		"2.00–5.43 (above 1: hops faster)",
		"8.0 MiB resident (VmHWM, reset before the run)", "16.0 MiB", "0.50\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
}

func TestBenchFormat(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 414000: "414,000", 1234567: "1,234,567"} {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %q", n, got)
		}
	}
	if got := secsRange(1100*time.Millisecond, 2900*time.Millisecond); got != "1.1–2.9 s" {
		t.Errorf("secsRange: %q", got)
	}
	if got := secs(2273 * time.Microsecond); got != "2.273 ms" {
		t.Errorf("secs: %q", got)
	}
}

// A signal between runs ends bench the way it ends the tools: killed by
// it, nothing more printed.
func TestBenchInterrupted(t *testing.T) {
	intr := &interrupt{}
	intr.set(syscall.SIGINT)
	var out, errb bytes.Buffer
	code, sig := execute([]string{"bench", "--scale", "0.002", "ping"}, &out, &errb, intr)
	if code != 130 || sig != syscall.SIGINT || strings.Contains(out.String(), "simulated time") {
		t.Fatalf("status %d, signal %v\n%s%s", code, sig, out.String(), errb.String())
	}
}
