package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hopsnet/hops/internal/tsharkcheck"
)

// hopsInterrupted runs the CLI in-process as if sig had arrived before the
// first event.
func hopsInterrupted(t *testing.T, sig syscall.Signal, args ...string) (string, string, int, syscall.Signal) {
	t.Helper()
	var out, errb bytes.Buffer
	intr := &interrupt{}
	intr.set(sig)
	code, die := execute(args, &out, &errb, intr)
	return out.String(), errb.String(), code, die
}

// The capture and the event log in one file used to interleave into a
// file that neither tshark nor a JSON reader accepts.
func TestSameFileForPcapAndEvents(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "out")
	if err := os.WriteFile(f, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Link(f, link); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--pcap", f, "--events", f},
		{"--pcap", f, "--events", filepath.Join(dir, ".", "out")},
		{"--pcap", f, "--events", link}, // the same file under another name
		{"--pcap", "-", "--events", "-"},
	} {
		_, errs, code := hops(t, append(args, "ping", "-c", "1", "www.example.com")...)
		if code != 2 || !strings.Contains(errs, "--pcap and --events name the same file") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message naming both flags", args, code, errs)
		}
	}
	if b, _ := os.ReadFile(f); string(b) != "precious" {
		t.Fatalf("the file was overwritten: %q", b)
	}
}

// -i 1000000 used to fail with no output: the second request lay past the
// 24-hour virtual limit. The first request goes out at once.
func TestPingLongInterval(t *testing.T) {
	out, errs, code := hops(t, "ping", "-c", "2", "-i", "1000000", "www.example.com")
	if code != 0 || !strings.Contains(out, "icmp_seq=1 ttl=59") || !strings.Contains(out, "icmp_seq=2 ttl=59") ||
		!strings.Contains(out, "2 packets transmitted, 2 received, 0% packet loss, time 1000000000ms") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}

// iputils refuses a broadcast destination without -b (exit 2); with -b it
// warns on stderr and pings. Multicast needs no -b.
func TestPingBroadcastNeedsB(t *testing.T) {
	const msg = "ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules\n"
	for _, dest := range []string{"255.255.255.255", "192.168.1.255"} {
		out, errs, code := hops(t, "ping", "-c", "1", "-W", "1", dest)
		if code != 2 || !strings.HasSuffix(errs, msg) || out != "" {
			t.Errorf("ping %s: exit %d, stdout %q, stderr %q; want 2 and %q", dest, code, out, errs, msg)
		}
		out, errs, _ = hops(t, "ping", "-b", "-c", "1", "-W", "1", dest)
		if !strings.Contains(errs, "WARNING: pinging broadcast address") || !strings.Contains(out, "PING "+dest) {
			t.Errorf("ping -b %s: stdout %q, stderr %q", dest, out, errs)
		}
	}
	// A subnet's broadcast address is only known on that subnet: elsewhere
	// it is an address like any other.
	if _, errs, code := hops(t, "ping", "-c", "1", "-W", "1", "203.0.113.11"); code == 2 {
		t.Errorf("remote broadcast address refused: %s", errs)
	}
	if _, errs, code := hops(t, "ping", "-c", "1", "-W", "1", "224.0.0.1"); code == 2 {
		t.Errorf("multicast refused: %s", errs)
	}
}

// --pcap - writes the capture to standard output, for `| tshark -r -`;
// the ping's own lines then go to stderr. The capture of every node's
// interfaces is checked interface by interface.
func TestPcapToStdout(t *testing.T) {
	out, errs, code := hops(t, "--pcap", "-", "ping", "-c", "2", "www.example.com")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if len(out) < 12 || binary.LittleEndian.Uint32([]byte(out)) != 0x0A0D0D0A {
		t.Fatalf("stdout does not start with a pcapng section header: %q", out[:min(len(out), 16)])
	}
	if !strings.HasPrefix(errs, "PING www.example.com") || !strings.Contains(errs, "2 packets transmitted, 2 received") {
		t.Fatalf("stderr:\n%s", errs)
	}
	tsharkcheck.Require(t)
	p := filepath.Join(t.TempDir(), "stdout.pcapng")
	if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	problems, err := tsharkcheck.ProblemsPerInterface(p, "warning")
	if err != nil || len(problems) > 0 {
		t.Fatalf("tshark: %v %v", err, problems)
	}
}

// Ctrl-C ends ping the way it ends iputils ping: the statistics of what
// was sent so far, status 1 without a reply (0 with one, see the signal
// test); SIGTERM, which iputils does not catch, kills it without them.
//
// The signal arrives at the run's first step. With an address that is
// the first echo request; with a name it is the DNS lookup, before iputils
// has set its handlers, so SIGINT kills ping there with nothing printed.
func TestPingInterrupted(t *testing.T) {
	out, _, code, die := hopsInterrupted(t, syscall.SIGINT, "ping", "-c", "5", "203.0.113.10")
	want := "PING 203.0.113.10 (203.0.113.10) 56(84) bytes of data.\n\n--- 203.0.113.10 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss, time 0ms\n\n" // no rtt line: iputils ends with an empty line
	if code != 1 || die != 0 || out != want {
		t.Fatalf("SIGINT: exit %d, die %v, output:\n%s\nwant:\n%s", code, die, out, want)
	}
	out, _, code, _ = hopsInterrupted(t, syscall.SIGINT, "--json", "ping", "-c", "5", "203.0.113.10")
	if code != 1 || !strings.Contains(out, `{"type":"summary"`) || !strings.Contains(out, `"interrupted":true`) {
		t.Fatalf("SIGINT --json: exit %d:\n%s", code, out)
	}
	out, errs, code, die := hopsInterrupted(t, syscall.SIGINT, "ping", "-c", "5", "www.example.com")
	if code != 130 || die != syscall.SIGINT || out != "" || errs != "" {
		t.Fatalf("SIGINT during the name lookup: exit %d, die %v, stdout %q, stderr %q", code, die, out, errs)
	}
	out, _, code, die = hopsInterrupted(t, syscall.SIGTERM, "ping", "-c", "5", "www.example.com")
	if code != 128+15 || die != syscall.SIGTERM || strings.Contains(out, "statistics") {
		t.Fatalf("SIGTERM: exit %d, die %v, output:\n%s", code, die, out)
	}
}

// Linux traceroute catches no signal: Ctrl-C kills it where it is, after
// its first line, or during the name lookup, before it.
func TestTracerouteInterrupted(t *testing.T) {
	out, errs, code, die := hopsInterrupted(t, syscall.SIGINT, "traceroute", "203.0.113.10")
	if code != 130 || die != syscall.SIGINT || out != "traceroute to 203.0.113.10 (203.0.113.10), 30 hops max, 60 byte packets\n" || errs != "" {
		t.Fatalf("exit %d, die %v, stdout %q, stderr %q", code, die, out, errs)
	}
	out, errs, code, die = hopsInterrupted(t, syscall.SIGINT, "traceroute", "www.example.com")
	if code != 130 || die != syscall.SIGINT || out != "" || errs != "" {
		t.Fatalf("during the name lookup: exit %d, die %v, stdout %q, stderr %q", code, die, out, errs)
	}
}

// --json streams JSON Lines: start, one object per reply or error as it
// happens, summary; -q leaves out the replies.
func TestPingJSONLines(t *testing.T) {
	out, _, code := hops(t, "--static-routes", "--link-down", "isp-a-core--ixp@1.5s", "--json", "ping", "-c", "4", "www.example.com")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var types []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		types = append(types, l[len(`{"type":"`):strings.Index(l[len(`{"type":"`):], `"`)+len(`{"type":"`)])
	}
	if got := strings.Join(types, ","); got != "start,reply,reply,icmp_error,icmp_error,summary" {
		t.Fatalf("types %s in:\n%s", got, out)
	}
	out, _, _ = hops(t, "--json", "ping", "-q", "-c", "3", "www.example.com")
	if strings.Count(out, "\n") != 2 {
		t.Fatalf("--json -q:\n%s", out)
	}
}

// The progress bar shows only on a terminal's stderr, and only when the
// command's own lines are not streaming to a terminal too.
func TestProgressOnlyOnTerminals(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	for _, errw := range []any{w, f, &buf} {
		for _, quiet := range []bool{false, true} {
			if progressWanted(errw.(interface{ Write([]byte) (int, error) }), &buf, quiet) {
				t.Errorf("progress on %T (quiet %v)", errw, quiet)
			}
		}
	}
	// Forced on, it goes to stderr and never to stdout.
	progressAlways, progressAfter, flushEvery = true, 0, 0
	defer func() { progressAlways, progressAfter, flushEvery = false, 1e9, 1e8 }()
	out, errs, code := hops(t, "ping", "-q", "-c", "20000", "-i", "0.001", "www.example.com")
	if code != 0 || !strings.Contains(errs, "ping www.example.com") || !strings.Contains(errs, "/20000") || strings.Contains(out, "20000 [") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%q", code, out, errs)
	}
}
