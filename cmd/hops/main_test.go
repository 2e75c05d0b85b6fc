package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hopsnet/hops/app/ping"
	"github.com/hopsnet/hops/app/traceroute"
	"github.com/hopsnet/hops/internal/tsharkcheck"
)

// hops runs the CLI in-process and returns stdout, stderr and the status.
func hops(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return out.String(), errb.String(), code
}

// pingRun is a ping's JSON Lines output, parsed.
type pingRun struct {
	Replies []ping.Reply
	Summary ping.Result
}

// parsePingJSON reads `hops --json ping` output: every line one object
// with a type, the summary last.
func parsePingJSON(t *testing.T, out string) pingRun {
	t.Helper()
	var r pingRun
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for i, l := range lines {
		var typ struct{ Type string }
		if err := json.Unmarshal([]byte(l), &typ); err != nil {
			t.Fatalf("line %d %q: %v", i+1, l, err)
		}
		switch typ.Type {
		case "reply":
			var rep ping.Reply
			if err := json.Unmarshal([]byte(l), &rep); err != nil {
				t.Fatal(err)
			}
			r.Replies = append(r.Replies, rep)
		case "summary":
			if i != len(lines)-1 {
				t.Fatalf("summary on line %d of %d", i+1, len(lines))
			}
			if err := json.Unmarshal([]byte(l), &r.Summary); err != nil {
				t.Fatal(err)
			}
		case "start", "icmp_error", "send_error":
		default:
			t.Fatalf("line %d: unknown type %q", i+1, typ.Type)
		}
	}
	if r.Summary.Dest == "" {
		t.Fatalf("no summary in:\n%s", out)
	}
	return r
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTracerouteDefaultWorldPath(t *testing.T) {
	out, errs, code := hops(t, "traceroute", "www.example.com")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// The path of the classic picture: home router, the ISP, the IXP, the
	// datacenter router, the server, named by their PTR records (the home
	// router's private address has none: its node name stands in).
	want := []string{"home-router (192.168.1.1)", "edge.isp-a.net (198.51.100.1)", "core.isp-a.net (198.18.1.2)",
		"gw.ixp.net (198.18.100.2)", "dc-router.example.com (198.18.100.6)", "www.example.com (203.0.113.10)"}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(want)+1 || !strings.HasPrefix(lines[0], "traceroute to www.example.com (203.0.113.10), 30 hops max, 60 byte packets") {
		t.Fatalf("output:\n%s", out)
	}
	for i, w := range want {
		re := regexp.MustCompile(fmt.Sprintf(`^ ?%d  %s(  [0-9]+\.[0-9]{3} ms){3}$`, i+1, regexp.QuoteMeta(w)))
		if !re.MatchString(lines[i+1]) {
			t.Errorf("hop %d: %q, want %s and three times", i+1, lines[i+1], w)
		}
	}
}

func TestTracerouteJSON(t *testing.T) {
	// To the ISP's edge router (the home behind it drops unsolicited
	// probes, and its LAN is private).
	out, errs, code := hops(t, "--json", "traceroute", "--from", "api.example.com", "198.51.100.1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// JSON Lines: start, a hop object per hop as it completes, summary.
	var r traceroute.Result
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i, l := range lines {
		var v struct {
			Type    string
			Reached bool
			traceroute.Hop
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		want := map[bool]string{true: "start", false: "hop"}[i == 0]
		if i == len(lines)-1 {
			want = "summary"
			r.Reached = v.Reached
		} else if v.Type == "hop" {
			r.Hops = append(r.Hops, v.Hop)
		}
		if v.Type != want {
			t.Fatalf("line %d type %q, want %q", i+1, v.Type, want)
		}
	}
	if !r.Reached || len(r.Hops) != 4 || r.Hops[3].Probes[0].From.String() != "198.51.100.1" {
		t.Fatalf("result %+v", r)
	}
	if got := r.Hops[0].Probes[0].From.String(); got != "203.0.113.13" {
		t.Fatalf("first hop %s, want the datacenter router 203.0.113.13", got)
	}
}

// TestTracerouteToPrivateAddress: from outside, the laptop's private
// address (RFC 1918) is routed nowhere; the first router says so (!N),
// as a default-free router on the real internet would.
func TestTracerouteToPrivateAddress(t *testing.T) {
	out, errs, code := hops(t, "traceroute", "--from", "api.example.com", "laptop")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := "traceroute to laptop (192.168.1.102), 30 hops max, 60 byte packets\n 1  dc-router.example.com (203.0.113.13)  0.200 ms !N  0.200 ms !N  0.200 ms !N\n"
	if out != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
}

func TestPingDefaultWorld(t *testing.T) {
	out, errs, code := hops(t, "ping", "-c", "3", "www.example.com")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"PING www.example.com (203.0.113.10) 56(84) bytes of data.",
		"64 bytes from 203.0.113.10: icmp_seq=1 ttl=59 time=",
		"3 packets transmitted, 3 received, 0% packet loss",
		"rtt min/avg/max/mdev = ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

// lossy is a two-host world with 10% loss on the one link (each way).
const lossy = `
nodes: [{name: client, role: laptop}, {name: server, role: server}]
links:
  - {a: client 10.0.0.1/30, b: server 10.0.0.2/30, rate: 10Mbps, delay: 5ms, loss: 10%}
`

func TestPingLossRate(t *testing.T) {
	path := writeFile(t, "lossy.yaml", lossy)
	for _, seed := range []string{"1", "2", "3"} {
		out, errs, code := hops(t, "--world", path, "--seed", seed, "--json", "ping", "-c", "100", "-i", "10ms", "server")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		r := parsePingJSON(t, out).Summary
		// A request survives with probability 0.9 each way: 0.81. Over 100
		// requests the loss has mean 19 and standard deviation about 3.9;
		// accept four deviations.
		lost := r.Transmitted - r.Received
		if r.Transmitted != 100 || math.Abs(float64(lost)-19) > 16 || lost == 0 {
			t.Fatalf("seed %s: %d of %d lost, want about 19", seed, lost, r.Transmitted)
		}
	}
}

func TestSameSeedSameCapture(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, "lossy.yaml", strings.Replace(lossy, "loss: 10%", "loss: 10%, jitter: 2ms, duplicate: 5%, reorder: 5%", 1))
	capture := func(name, seed string) []byte {
		p := filepath.Join(dir, name)
		if _, errs, code := hops(t, "--world", path, "--seed", seed, "--pcap", p, "ping", "-c", "50", "-i", "1ms", "server"); code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := capture("a.pcapng", "7"), capture("b.pcapng", "7"), capture("c.pcapng", "8")
	if !bytes.Equal(a, b) {
		t.Fatal("same seed, different captures")
	}
	if bytes.Equal(a, c) {
		t.Fatal("different seeds, identical captures: the seed is not used")
	}
}

// TestCapturesDecodeCleanly runs tshark over captures of every node's
// interfaces during ping, traceroute and a fragmented ping of a name, with
// checksum validation on, and fails on any warning (these runs are
// loss-free). Each interface is checked on its own: in the whole file a
// packet appears once per hop, and tshark would flag the copies of the
// name's DNS messages as "DNS retransmission".
func TestCapturesDecodeCleanly(t *testing.T) {
	tsharkcheck.Require(t)
	runs := []struct {
		name    string
		args    []string
		packets int // at least this many packets decoded
	}{
		{"ping", []string{"ping", "-c", "3", "www.example.com"}, 2 + 3*2*12},
		{"traceroute", []string{"traceroute", "www.example.com"}, 2 + 18},
		{"ping-fragmented", []string{"ping", "-c", "2", "-s", "3000", "www.example.com"}, 2 + 2*2*3*12},
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), r.name+".pcapng")
			args := append([]string{"--pcap", p}, r.args...)
			if _, errs, code := hops(t, args...); code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			problems, err := tsharkcheck.ProblemsPerInterface(p, "warning")
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) > 0 {
				t.Fatalf("tshark reports:\n%s", strings.Join(problems, "\n"))
			}
			lines, err := tsharkcheck.Decode(p)
			if err != nil {
				t.Fatal(err)
			}
			if len(lines) < r.packets {
				t.Fatalf("tshark decoded %d packets, want at least %d", len(lines), r.packets)
			}
		})
	}
}

// TestCapturePerInterfaceFindsBadChecksum: in a real capture of every
// node, one bad ICMP checksum on one interface is found, and reported
// under that interface alone, though the same echo request crosses eleven
// more interfaces intact.
func TestCapturePerInterfaceFindsBadChecksum(t *testing.T) {
	tsharkcheck.Require(t)
	p := filepath.Join(t.TempDir(), "ping.pcapng")
	if _, errs, code := hops(t, "--pcap", p, "ping", "-c", "1", "www.example.com"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	// ping's payload pattern; its first copy is the laptop's echo request.
	pattern := make([]byte, 0x38-0x10)
	for i := range pattern {
		pattern[i] = byte(0x10 + i)
	}
	i := bytes.Index(b, pattern)
	if i < 0 {
		t.Fatal("no echo payload in the capture")
	}
	b[i] ^= 0xff
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	problems, err := tsharkcheck.ProblemsPerInterface(p, "warning")
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.HasPrefix(problems[0], "laptop:wlan0: ") || !strings.Contains(problems[0], "Echo (ping) request") {
		t.Fatalf("tshark reports %d problems, want the laptop's echo request alone:\n%s", len(problems), strings.Join(problems, "\n"))
	}
}

func TestFragmentsInCapture(t *testing.T) {
	tsharkcheck.Require(t)
	p := filepath.Join(t.TempDir(), "frag.pcapng")
	if _, errs, code := hops(t, "--pcap", p, "--capture", "www.example.com", "ping", "-c", "1", "-s", "3000", "www.example.com"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	rows, err := tsharkcheck.Fields(p, "frame.interface_name", "ip.flags.mf", "ip.frag_offset", "icmp.type")
	if err != nil {
		t.Fatal(err)
	}
	// The server receives 3 fragments of the request (offsets 0, 1480 and
	// 2960 bytes, which tshark prints in 8-byte units; it reassembles the
	// ICMP message at the last) and sends 3 of the reply.
	var got []string
	for _, r := range rows {
		got = append(got, strings.Join(r, " "))
	}
	want := []string{
		"www.example.com:eth0 1 0 ", "www.example.com:eth0 1 185 ", "www.example.com:eth0 0 370 8",
		"www.example.com:eth0 1 0 ", "www.example.com:eth0 1 185 ", "www.example.com:eth0 0 370 0",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("captured:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestEventLog follows the echo request hop by hop through the event log,
// after the name lookup: the laptop's stub sends a DNS query to the
// world's resolver and takes its answer before ping sends anything.
func TestEventLog(t *testing.T) {
	p := filepath.Join(t.TempDir(), "events.jsonl")
	if _, errs, code := hops(t, "--events", p, "ping", "-c", "1", "www.example.com"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var (
		path, before []string
		echo         uint64
	)
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e struct {
			Kind, Node, Summary string
			Packet              uint64
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("bad line %q: %v", line, err)
		}
		if echo == 0 && e.Kind == "send" && e.Node == "laptop" && strings.Contains(e.Summary, "echo request") {
			echo = e.Packet
		}
		// Before it: the DHCP exchange and ARP, then the name lookup.
		if echo == 0 && e.Node == "laptop" && (e.Kind == "send" || e.Kind == "deliver") && strings.Contains(e.Summary, ":53") {
			before = append(before, e.Kind+" "+e.Summary)
		}
		if echo != 0 && e.Packet == echo && (e.Kind == "send" || e.Kind == "forward" || e.Kind == "deliver") {
			path = append(path, e.Kind+" "+e.Node)
		}
	}
	if len(before) != 2 || !strings.HasPrefix(before[0], "send UDP 192.168.1.102:") || !strings.Contains(before[0], " > 192.0.2.53:53 ") ||
		!strings.HasPrefix(before[1], "deliver UDP 192.0.2.53:53 > 192.168.1.102:") {
		t.Fatalf("the laptop before its first echo request:\n%s\nwant a DNS query to the resolver and its answer", strings.Join(before, "\n"))
	}
	want := "send laptop, forward home-wifi, forward home-router, forward isp-a-edge, forward isp-a-core, forward ixp, forward dc-router, deliver www.example.com"
	if got := strings.Join(path, ", "); got != want {
		t.Fatalf("path %s\nwant %s", got, want)
	}
}

func TestLinkCut(t *testing.T) {
	// Cutting the IXP link reroutes through the backbone carriers.
	cut := strings.Replace(defaultWorldYAML(t), "links:", "events:\n  - {at: 1500ms, down: isp-a-core--ixp}\nlinks:", 1)
	path := writeFile(t, "cut.yaml", cut)
	out, errs, code := hops(t, "--world", path, "--json", "ping", "-c", "4", "www.example.com")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	run := parsePingJSON(t, out)
	r := run.Summary
	r.Replies = run.Replies
	if r.Received != 4 {
		t.Fatalf("received %d of 4 after rerouting", r.Received)
	}
	// Before the cut: 20.2ms over the IXP; after: the longer carrier path.
	if r.Replies[0].RTT >= r.Replies[3].RTT || r.Replies[3].TTL != r.Replies[0].TTL-1 {
		t.Fatalf("replies before/after the cut: %+v / %+v", r.Replies[0], r.Replies[3])
	}
	// With static routes the ISP router keeps pointing at the dead link and
	// answers net unreachable.
	out, errs, code = hops(t, "--world", path, "--static-routes", "ping", "-c", "4", "www.example.com")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "From 198.18.1.2 icmp_seq=3 Destination Net Unreachable") ||
		!strings.Contains(out, "4 packets transmitted, 2 received, +2 errors, 50% packet loss") {
		t.Fatalf("static routes after a cut:\n%s", out)
	}
}

func TestLinkDownAtZeroComesFirst(t *testing.T) {
	// A cut at 0s happens before the first request: every send fails.
	// iputils prints local errors with error(3), on stderr.
	// (By address: a name's lookup would fail first, see TestPingNameDeadNetwork.)
	out, errs, code := hops(t, "--link-down", "home-wifi@0s", "ping", "-c", "2", "-W", "1", "203.0.113.10")
	if code != 1 || strings.Count(errs, "ping: sendmsg: Network is down") != 2 || strings.Contains(out, "sendmsg") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

func TestLinkDownFlag(t *testing.T) {
	out, errs, code := hops(t, "--link-down", "isp-a-core--ixp@1500ms", "--link-up", "isp-a-core--ixp@2500ms", "--json", "ping", "-c", "4", "www.example.com")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	run := parsePingJSON(t, out)
	r := run.Summary
	r.Replies = run.Replies
	// Requests go out at 0, 1, 2 and 3 s: the one at 2 s goes around the
	// cut (one hop more), the others take the IXP path.
	ttl := []uint8{r.Replies[0].TTL, r.Replies[1].TTL, r.Replies[2].TTL, r.Replies[3].TTL}
	if r.Received != 4 || ttl[0] != 59 || ttl[1] != 59 || ttl[2] != 58 || ttl[3] != 59 {
		t.Fatalf("received %d, reply TTLs %v; want 4 and [59 59 58 59]", r.Received, ttl)
	}
	for _, bad := range [][]string{{"--link-down", "nope@1s"}, {"--link-down", "isp-a-core--ixp"}, {"--link-up", "isp-a-core--ixp@soon"}} {
		if _, errs, code := hops(t, append(bad, "ping", "laptop")...); code != 2 || !strings.Contains(errs, bad[0]) {
			t.Errorf("%v: exit %d, %q", bad, code, errs)
		}
	}
}

func defaultWorldYAML(t *testing.T) string {
	out, errs, code := hops(t, "world", "--yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	return out
}

func TestTracerouteAfterCutGoesAround(t *testing.T) {
	cut := strings.Replace(defaultWorldYAML(t), "links:", "events:\n  - {at: 0s, down: isp-a-core--ixp}\nlinks:", 1)
	path := writeFile(t, "cut.yaml", cut)
	out, errs, code := hops(t, "--world", path, "traceroute", "www.example.com")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, hop := range []string{" 4  core.carrier-1.net (198.18.2.2)", " 5  core.carrier-2.net (198.18.3.2)", " 6  dc-router.example.com (198.18.4.2)", " 7  www.example.com"} {
		if !strings.Contains(out, hop) {
			t.Fatalf("missing %q in:\n%s", hop, out)
		}
	}
}

func TestWorldCommands(t *testing.T) {
	out, _, code := hops(t, "world")
	if code != 0 || !strings.Contains(out, "world default: 17 nodes, 15 links, 1 LAN") || !strings.Contains(out, "ixp--dc-router") ||
		!strings.Contains(out, "home-wifi  home-router:lan0 laptop:wlan0 phone:wlan0 tv:wlan0  wifi, 300Mbps, 500µs, jitter 750µs per member") ||
		!strings.Contains(out, "nat (lan0 to wan0)    wan0 dhcp, lan0 192.168.1.1/24") {
		t.Fatalf("hops world:\n%s", out)
	}
	out, _, code = hops(t, "world", "--dot")
	if code != 0 || !strings.HasPrefix(out, `graph "default" {`) || !strings.Contains(out, `"ixp" -- "dc-router"`) ||
		!strings.Contains(out, `"home-wifi" -- "laptop" [headlabel="dhcp"];`) {
		t.Fatalf("hops world --dot:\n%s", out)
	}
}

func TestUserErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"ping", "no-such-host"}, 2, `unknown host "no-such-host"`},
		{[]string{"ping", "--from", "nobody", "laptop"}, 2, `--from: unknown node "nobody"`},
		{[]string{"ping", "-c", "0", "laptop"}, 2, "ping: invalid argument: '0': out of range: 1 <= value <= 9223372036854775807"},
		{[]string{"ping", "-c", "x", "laptop"}, 2, "ping: invalid argument: 'x'\n"},
		{[]string{"ping", "-s", "70000", "laptop"}, 2, "ping: invalid argument: '70000': out of range: 0 <= value <= 65507"},
		{[]string{"ping", "-t", "300", "laptop"}, 2, "ping: invalid argument: '300': out of range: 0 <= value <= 255"},
		{[]string{"--seed", "-1", "ping", "laptop"}, 2, `hops: --seed "-1": want a whole number from 0 to 18446744073709551615` + "\n"},
		{[]string{"ping", "-c", "10000000", "-i", "1000000", "laptop"}, 2, "runs past the simulation clock's end"},
		{[]string{"traceroute"}, 2, "accepts 1 arg(s), received 0"},
		{[]string{"ping", "--bogus", "x"}, 2, "unknown flag: --bogus"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"ping", "-i", "0", "laptop"}, 2, "-i must be greater than 0"},
		{[]string{"ping", "-W", "soon", "laptop"}, 2, "want seconds"},
		{[]string{"--world", "/nonexistent.yaml", "world"}, 2, "/nonexistent.yaml"},
		{[]string{"--capture", "laptop", "ping", "laptop"}, 2, "--capture needs --pcap"},
		{[]string{"ping", "2001:db8::1"}, 2, "only IPv4"},
	}
	for _, tt := range tests {
		_, errs, code := hops(t, tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.want) {
			t.Errorf("hops %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tt.args, " "), code, errs, tt.code, tt.want)
		}
	}
}

// TestBadScenarioFiles checks that mistakes in a scenario file exit with
// status 2 and a file:line:col message pointing at the mistake.
func TestBadScenarioFiles(t *testing.T) {
	head := "nodes:\n  - {name: a, role: host}\n  - {name: b, role: router}\nlinks:\n"
	tests := []struct {
		name, text, want string
	}{
		{"yaml syntax", "nodes: [\n", ":1:"},
		{"unknown field", head + "  - {a: a 10.0.0.1/30, b: b 10.0.0.2/30, dealy: 5ms}\n", `:5:`},
		{"unknown node", head + "  - {a: a 10.0.0.1/30, b: c 10.0.0.2/30}\n", `:5:`},
		{"duplicate node", "nodes:\n  - {name: a, role: host}\n  - {name: a, role: host}\n", `:3:`},
		{"unknown role", "nodes:\n  - {name: a, role: toaster}\n", `:2:`},
		{"bad rate unit", head + "  - {a: a 10.0.0.1/30, b: b 10.0.0.2/30, rate: 10 Mbit}\n", `:5:`},
		{"bad duration", head + "  - {a: a 10.0.0.1/30, b: b 10.0.0.2/30, delay: 5}\n", `:5:`},
		{"duplicate address", head + "  - {a: a 10.0.0.1/30, b: b 10.0.0.1/30}\n", `:5:`},
		{"overlapping subnets", head + "  - {a: a 10.0.0.1/30, b: b 10.0.0.2/30}\n  - {a: a 10.0.0.5/24, b: b 10.0.0.6/24}\n", `:6:`},
		{"not same subnet", head + "  - {a: a 10.0.0.1/30, b: b 10.0.1.2/30}\n", `:5:`},
		{"loss out of range", head + "  - {a: a 10.0.0.1/30, b: b 10.0.0.2/30, loss: 150%}\n", `:5:`},
		{"bad mtu", head + "  - {a: a 10.0.0.1/30, b: b 10.0.0.2/30, mtu: 20}\n", `:5:`},
		{"bad address", head + "  - {a: a 10.0.0.300/30, b: b 10.0.0.2/30}\n", `:5:`},
		{"self link", head + "  - {a: a 10.0.0.1/30, b: a 10.0.0.2/30}\n", `:5:`},
		{"event unknown link", head + "  - {a: a 10.0.0.1/30, b: b 10.0.0.2/30}\nevents:\n  - {at: 1s, down: nope}\n", `:7:`},
		{"wrong type", "nodes: 5\n", `:1:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "bad.yaml", tt.text)
			_, errs, code := hops(t, "--world", path, "ping", "a")
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", code, errs)
			}
			re := regexp.MustCompile(regexp.QuoteMeta(path) + `:\d+:\d+: \S`)
			if !re.MatchString(errs) || !strings.Contains(errs, path+tt.want) {
				t.Fatalf("stderr %q, want %s%sCOL: message", errs, path, tt.want)
			}
		})
	}
}

func TestLinkStats(t *testing.T) {
	path := writeFile(t, "lossy.yaml", lossy)
	_, errs, code := hops(t, "--world", path, "--stats", "ping", "-c", "50", "-i", "1ms", "server")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Both directions carried traffic; the request direction sent 50 and
	// lost some to the 10% loss.
	re := regexp.MustCompile(`client--server\s+client → server\s+50\s+4200\s+(\d+)\s+0\s+(\d+)\s`)
	m := re.FindStringSubmatch(errs)
	if m == nil {
		t.Fatalf("stats:\n%s", errs)
	}
	if m[1] == "50" || m[2] == "0" {
		t.Fatalf("no loss counted: %s", m[0])
	}
}

// A mistake on the command line must not truncate the user's files.
func TestBadArgumentsLeaveFilesAlone(t *testing.T) {
	dir := t.TempDir()
	pcap, events := filepath.Join(dir, "keep.pcapng"), filepath.Join(dir, "keep.jsonl")
	for _, f := range []string{pcap, events} {
		if err := os.WriteFile(f, []byte("precious"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, code := hops(t, "--pcap", pcap, "--events", events, "ping", "no-such-host"); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, f := range []string{pcap, events} {
		if b, _ := os.ReadFile(f); string(b) != "precious" {
			t.Fatalf("%s was overwritten", f)
		}
	}
}

func TestTracerouteSendFailure(t *testing.T) {
	path := writeFile(t, "iso.yaml", `
nodes: [{name: z, role: host}, {name: r, role: router}, {name: x, role: host}]
links:
  - {a: z 10.0.0.1/30, b: r 10.0.0.2/30}
  - {a: r 10.0.1.1/30, b: x 10.0.1.2/30}
events:
  - {at: 0s, down: z--r}
`)
	out, errs, code := hops(t, "--world", path, "traceroute", "--from", "z", "x")
	// The link goes down at 0s, before the first probe: none can be sent.
	// Linux traceroute reports it on stderr (perror) and exits 1.
	want := "traceroute to x (10.0.1.2), 30 hops max, 60 byte packets\n"
	wantErr := "traceroute: send: z: sending to 10.0.1.2 via eth0: network is down\n"
	if code != 1 || out != want || errs != wantErr {
		t.Fatalf("exit %d, output %q, stderr %q; want 1, %q and %q", code, out, errs, want, wantErr)
	}
}
