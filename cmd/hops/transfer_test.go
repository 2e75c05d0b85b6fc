package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/hopsnet/hops/app/udpstream"
	"github.com/hopsnet/hops/internal/tsharkcheck"
)

// TestTransferGolden compares transfer runs on the default world with
// testdata/golden/transfer-*.txt (regenerate with -update, as TestGolden).
func TestTransferGolden(t *testing.T) {
	for _, r := range []struct {
		file string
		args []string
	}{
		{"transfer-udp.txt", []string{"transfer", "--udp", "--rate", "90Mbps", "--time", "3"}},
		{"transfer-udp-lossy.txt", []string{"--link-set", "home-uplink:loss=5%,reorder=2%", "transfer", "-u", "-b", "20M", "-t", "2", "-l", "1000"}},
		{"transfer-udp-json.txt", []string{"--json", "transfer", "-u", "-b", "10Mbps", "--size", "300KB", "-i", "0.1"}},
	} {
		t.Run(r.file, func(t *testing.T) {
			out, errs, code := hops(t, r.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			path := filepath.Join("testdata", "golden", r.file)
			if *update {
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if out != string(want) {
				t.Fatalf("hops %s:\n%s\nwant (%s):\n%s", strings.Join(r.args, " "), out, path, want)
			}
		})
	}
}

// TestReadmeShowsTransfer keeps the README's transfer example true.
func TestReadmeShowsTransfer(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "golden", "transfer-udp.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, want) {
		t.Errorf("README.md does not show the current output of transfer-udp.txt:\n%s", want)
	}
}

// transferRun is `hops --json transfer` output, parsed.
type transferRun struct {
	Start     map[string]any
	Intervals []udpstream.Interval
	Summary   udpstream.Result
}

func parseTransferJSON(t *testing.T, out string) transferRun {
	t.Helper()
	var r transferRun
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for i, l := range lines {
		var typ struct{ Type string }
		if err := json.Unmarshal([]byte(l), &typ); err != nil {
			t.Fatalf("line %d %q: %v", i+1, l, err)
		}
		var err error
		switch typ.Type {
		case "start":
			if i != 0 {
				t.Fatalf("start on line %d", i+1)
			}
			err = json.Unmarshal([]byte(l), &r.Start)
		case "interval":
			var iv udpstream.Interval
			err = json.Unmarshal([]byte(l), &iv)
			r.Intervals = append(r.Intervals, iv)
		case "summary":
			if i != len(lines)-1 {
				t.Fatalf("summary on line %d of %d", i+1, len(lines))
			}
			err = json.Unmarshal([]byte(l), &r.Summary)
		default:
			t.Fatalf("line %d: unknown type %q", i+1, typ.Type)
		}
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
	}
	if r.Start == nil || r.Summary.Protocol != "udp" {
		t.Fatalf("no start or summary in:\n%s", out)
	}
	return r
}

func transferJSONRun(t *testing.T, args ...string) transferRun {
	t.Helper()
	out, errs, code := hops(t, append([]string{"--json"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	return parseTransferJSON(t, out)
}

// TestTransferLossless: with the home links' jitter set to 0 every delay
// on the path is constant, so every datagram arrives, in order, with
// jitter 0.
func TestTransferLossless(t *testing.T) {
	r := transferJSONRun(t, "--link-set", "home-wifi:jitter=0", "--link-set", "home-uplink:jitter=0",
		"transfer", "--udp", "--rate", "50Mbps", "--time", "2")
	s, rv := r.Summary.Sender, r.Summary.Receiver
	if s.Datagrams != 8562 || rv.Datagrams != s.Datagrams || rv.Lost != 0 || rv.OutOfOrder != 0 ||
		rv.Corrupt != 0 || rv.Duplicates != 0 || rv.Jitter != 0 || rv.Bytes != s.Bytes {
		t.Fatalf("sender %+v receiver %+v", s, rv)
	}
	var n int64
	for _, iv := range r.Intervals {
		n += iv.Datagrams
		if iv.Jitter != 0 || iv.Lost != 0 {
			t.Fatalf("interval %+v", iv)
		}
	}
	if n != rv.Datagrams || len(r.Intervals) != 3 {
		t.Fatalf("%d intervals with %d datagrams", len(r.Intervals), n)
	}
}

// TestTransferRateExact: at 90 Mbit/s of 1460-byte payloads a datagram
// leaves every 129.78µs; 7706 slots start within one second.
func TestTransferRateExact(t *testing.T) {
	r := transferJSONRun(t, "transfer", "-u", "-b", "90M", "-t", "1")
	if got := r.Summary.Sender.Datagrams; got != 7706 || r.Summary.Planned != 7706 {
		t.Fatalf("sent %d datagrams in 1s, want 7706", got)
	}
	r = transferJSONRun(t, "transfer", "-u", "-b", "1Mbps", "-l", "1250", "-t", "3")
	if got := r.Summary.Sender.Datagrams; got != 300 || r.Summary.Sender.BitsPerSecond != 1e6 {
		t.Fatalf("sent %d datagrams at %v bit/s, want 300 at 1e6", got, r.Summary.Sender.BitsPerSecond)
	}
	r = transferJSONRun(t, "transfer", "-u", "-b", "10M", "-n", "1M", "-l", "1000")
	if got := r.Summary.Sender.Datagrams; got != 1049 { // 1 MiB in 1000-byte datagrams, rounded up
		t.Fatalf("sent %d datagrams for -n 1M, want 1049", got)
	}
}

// TestTransferLoss: 5% loss on the uplink loses a plausible number of
// datagrams, and the same seed gives the same output byte for byte.
func TestTransferLoss(t *testing.T) {
	args := []string{"--link-set", "home-uplink:loss=5%", "transfer", "-u", "-b", "20Mbps", "-t", "3", "-l", "1000"}
	out1, _, code := hops(t, args...)
	out2, _, _ := hops(t, args...)
	if code != 0 || out1 != out2 {
		t.Fatalf("exit %d; two runs with one seed differ:\n%s\n%s", code, out1, out2)
	}
	r := transferJSONRun(t, args...)
	rv := r.Summary.Receiver
	// 7500 datagrams: 375 lost on average, standard deviation 18.9.
	if rv.Total != 7500 || rv.Lost < 280 || rv.Lost > 470 || rv.Lost+rv.Datagrams != rv.Total || rv.Corrupt != 0 {
		t.Fatalf("receiver %+v", rv)
	}
	if !strings.Contains(out1, "/7500 ("+strconv.FormatFloat(rv.LostPercent, 'g', 2, 64)+"%)  receiver\n") {
		t.Fatalf("the text summary does not match the JSON one (%d lost):\n%s", rv.Lost, out1)
	}
	other, _, _ := hops(t, append([]string{"--seed", "2"}, args...)...)
	if other == out1 {
		t.Fatal("another seed, the same output")
	}
}

func TestTransferReorder(t *testing.T) {
	args := []string{"--link-set", "home-uplink:reorder=5%,reorder-delay=2ms", "transfer", "-u", "-b", "20Mbps", "-t", "2"}
	r := transferJSONRun(t, args...)
	rv := r.Summary.Receiver
	if rv.OutOfOrder < 50 || rv.Lost != 0 || rv.Datagrams != rv.Total {
		t.Fatalf("receiver %+v", rv)
	}
	out, _, _ := hops(t, args...)
	if !strings.Contains(out, " datagrams received out-of-order\n") {
		t.Fatalf("no out-of-order line:\n%s", out)
	}
}

func TestTransferUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"transfer", "--rate", "1M", "www.example.com"}, 2, "hops: transfer: --rate is for --udp streams; a TCP transfer sends --size bytes as fast as TCP allows\n"},
		{[]string{"transfer", "-P", "2", "-v"}, 2, "-v and --plot follow one connection; leave out --flows"},
		{[]string{"transfer", "-P", "200"}, 2, "out of range: 1 <= value <= 128"},
		{[]string{"transfer", "--cc", "bbr"}, 2, `transfer: unknown congestion control "bbr" (hops has: newreno, cubic)`},
		{[]string{"transfer", "-w", "1.5GB"}, 2, "at most 1 GiB"},
		{[]string{"transfer", "-u", "-t", "1", "-n", "1M"}, 2, "--time and --size both say when to stop"},
		{[]string{"transfer", "-u", "-t", "0"}, 2, "--time must be greater than 0"},
		{[]string{"transfer", "-u", "-b", "fast"}, 2, "transfer: invalid rate 'fast'"},
		{[]string{"transfer", "-u", "-b", "0"}, 2, "transfer: invalid rate '0': must be greater than 0"},
		{[]string{"transfer", "-u", "-l", "10"}, 2, "transfer: invalid argument: '10': out of range: 20 <= value <= 65507"},
		{[]string{"transfer", "-u", "-n", "lots"}, 2, "transfer: invalid size 'lots'"},
		{[]string{"transfer", "-u", "--to", "nowhere"}, 2, `unknown host "nowhere"`},
		{[]string{"transfer", "-u", "--to", "laptop", "api.example.com"}, 2, "either as an argument or with --to"},
		{[]string{"transfer", "-u", "a", "b"}, 2, "transfer: accepts at most 1 arg(s)"},
		{[]string{"transfer", "-u", "--no-server"}, 1, "hops: transfer: unable to write to stream socket: Connection refused (ICMP port unreachable from 203.0.113.10: nothing listens on UDP port 5201)\n"},
	} {
		_, errs, code := hops(t, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("hops %s: exit %d, stderr %q; want %d and %q", strings.Join(c.args, " "), code, errs, c.code, c.want)
		}
	}
}

// TestTransferRefusedJSON: the refusal is in the summary.
func TestTransferRefusedJSON(t *testing.T) {
	out, _, code := hops(t, "--json", "transfer", "-u", "--no-server", "--to", "api.example.com")
	r := parseTransferJSON(t, out)
	if code != 1 || r.Summary.Error != "connection refused" || r.Summary.Sender.Datagrams == 0 || r.Summary.Receiver.Datagrams != 0 {
		t.Fatalf("exit %d, summary %+v", code, r.Summary)
	}
}

// TestTransferFromTo: --from and DEST pick the ends; the reverse path
// works too.
func TestTransferFromTo(t *testing.T) {
	r := transferJSONRun(t, "transfer", "-u", "--from", "api.example.com", "--to", "www.example.com", "-t", "1")
	if r.Summary.Src.Addr().String() != "203.0.113.14" || r.Summary.Dst.String() != "203.0.113.10:5201" ||
		r.Summary.Receiver.Datagrams != r.Summary.Sender.Datagrams {
		t.Fatalf("%+v", r.Summary)
	}
	r = transferJSONRun(t, "transfer", "-u", "-p", "9000", "-t", "1", "ns1.example.com")
	if r.Summary.Dst.String() != "203.0.113.53:9000" || r.Summary.Receiver.Lost != 0 {
		t.Fatalf("%+v", r.Summary)
	}
}

// interruptAfter sets an interrupt once the output holds a given text,
// as a Ctrl-C would arrive while lines stream out.
type interruptAfter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	text string
	intr *interrupt
}

func (w *interruptAfter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.text) {
		w.intr.set(syscall.SIGINT)
	}
	return len(p), nil
}

// TestTransferInterrupt: Ctrl-C prints the summary so far, as iperf3
// does, and ends with status 1 and iperf3's words.
func TestTransferInterrupt(t *testing.T) {
	saved := flushEvery
	flushEvery = 0
	defer func() { flushEvery = saved }()
	intr := &interrupt{}
	out := &interruptAfter{text: "  2.00-3.00   sec", intr: intr}
	var errb bytes.Buffer
	code, _ := execute([]string{"transfer", "-u", "-b", "100M", "-t", "1000000"}, out, &errb, intr)
	text := out.buf.String()
	if code != 1 || errb.String() != "hops: transfer: interrupt - the client has terminated\n" {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	m := regexp.MustCompile(`\n\[  5\]   0\.00-(\d+\.\d\d) +sec .* 0/(\d+) \(0%\)  sender\n`).FindStringSubmatch(text)
	if m == nil || !strings.Contains(text, "  receiver\n") || strings.Contains(text, "iperf Done.") {
		t.Fatalf("no summary after the interrupt:\n%s", text[max(0, len(text)-800):])
	}
	if secs, _ := strconv.ParseFloat(m[1], 64); secs < 3 || secs > 1000 {
		t.Fatalf("interrupted after %v s", secs)
	}
}

func TestTransferCaptureDecodes(t *testing.T) {
	tsharkcheck.Require(t)
	p := filepath.Join(t.TempDir(), "udp.pcapng")
	if _, errs, code := hops(t, "--pcap", p, "--capture", "www.example.com", "transfer", "-u", "-b", "2Mbps", "-l", "500", "-t", "0.1"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	problems, err := tsharkcheck.ProblemsPerInterface(p, "warning")
	if err != nil || len(problems) > 0 {
		t.Fatalf("tshark: %v\n%s", err, strings.Join(problems, "\n"))
	}
	rows, err := tsharkcheck.Fields(p, "udp.dstport", "udp.length", "data.data")
	if err != nil {
		t.Fatal(err)
	}
	// 50 datagrams, 4ms apart, each of 8 + 500 bytes to port 5201,
	// carrying sequence numbers 1 … 50 at bytes 8-15 of the payload.
	if len(rows) != 50 {
		t.Fatalf("%d packets, want 50", len(rows))
	}
	for i, r := range rows {
		seq := strconv.FormatInt(int64(i+1), 16)
		if r[0] != "5201" || r[1] != "508" || len(r[2]) != 1000 || strings.TrimLeft(r[2][16:32], "0") != seq {
			t.Fatalf("packet %d: %q", i+1, r[:2])
		}
	}
}

// TestLinkSet: --link-set changes a link for every command that runs the
// world, checked like a scenario file.
func TestLinkSet(t *testing.T) {
	out, errs, code := hops(t, "--link-set", "isp-a-edge--isp-a-core:loss=100%", "ping", "-c", "5", "203.0.113.10") // a name's lookup would fail first
	if code != 1 || !strings.Contains(out, "5 packets transmitted, 0 received, 100% packet loss") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	// With the home's uplink lost, the home router never gets its public
	// address: hops warns, and the router has no route out.
	out, errs, code = hops(t, "--link-set", "home-uplink:loss=100%", "ping", "-c", "2", "203.0.113.10")
	if code != 1 || !strings.Contains(errs, "hops: warning: no DHCP lease after 2m0s for: home-router:wan0") ||
		!strings.Contains(out, "From 192.168.1.1 icmp_seq=1 Destination Net Unreachable") {
		t.Fatalf("exit %d:\n%s\nstderr:\n%s", code, out, errs)
	}
	// A higher cost on the IXP link sends isp-a-core's traffic for the
	// datacenter over the carriers.
	before, _, _ := hops(t, "routes", "isp-a-core")
	after, errs, code := hops(t, "--link-set", "isp-a-core--ixp:cost=100000", "routes", "isp-a-core")
	if code != 0 || before == after || !strings.Contains(before, "203.0.113.8/30 via 198.18.100.2") ||
		!strings.Contains(after, "203.0.113.8/30 via 198.18.2.2") {
		t.Fatalf("exit %d %s; before:\n%s\nafter:\n%s", code, errs, before, after)
	}
	// Later settings win; a delay shows in ping's times. A LAN's delay
	// is per member cable: laptop to router crosses two.
	out, _, _ = hops(t, "--link-set", "home-wifi:jitter=0,delay=25ms", "--link-set", "home-uplink:jitter=0", "ping", "-c", "1", "www.example.com")
	if !strings.Contains(out, "time=1") || !strings.Contains(out, "rtt min/avg/max/mdev = 1") {
		t.Fatalf("a 25ms wifi delay on each of two cables each way should give a round trip over 100ms:\n%s", out)
	}
	// hops world shows the world as --link-set changed it.
	if out, _, code := hops(t, "--link-set", "home-uplink:loss=1%,rate=10Mbps", "world"); code != 0 || !strings.Contains(out, "10Mbps, 5ms, loss 1%, jitter 300µs") {
		t.Errorf("world after --link-set: exit %d\n%s", code, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--link-set", "home-uplink:loss=1", "ping", "www.example.com"}, `hops: --link-set home-uplink:loss=1: loss: bad probability "1": a bare number is ambiguous; write "1%" or "100%"` + "\n"},
		{[]string{"--link-set", "home-uplnk:loss=1%", "traceroute", "www.example.com"}, `unknown link "home-uplnk" (did you mean "home-uplink"?)`},
		{[]string{"--link-set", "home-uplink:los=1%", "routes"}, `unknown field "los" in link (did you mean "loss"?)`},
		{[]string{"--link-set", "home-uplink:mtu=20", "transfer", "-u"}, "mtu 20 out of range (must be 68..65535)"},
		{[]string{"--link-set", "home-uplink", "ping", "x"}, "want LINK:KEY=VALUE,..."},
		{[]string{"--link-set", "home-uplink:loss=1%", "world", "--yaml"}, "it takes no --world or --link-set"},
	} {
		_, errs, code := hops(t, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("hops %s: exit %d, stderr %q; want 2 and %q", strings.Join(c.args, " "), code, errs, c.want)
		}
	}
}
