//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hopsnet/hops/internal/tsharkcheck"
	"github.com/hopsnet/hops/live/netns"
	"github.com/hopsnet/hops/live/netsim"
	"github.com/hopsnet/hops/live/realtime"
	"github.com/hopsnet/hops/world"
	"github.com/hopsnet/hops/world/scenario"
)

// liveRequireEnv makes a missing root, /dev/net/tun or tool fail the
// hops live tests instead of skipping them; scripts/test.sh sets it when
// it runs as root.
const liveRequireEnv = "HOPS_REQUIRE_TUN"

// liveHelperEnv makes TestLiveHelperProcess a helper: "hops" runs hops
// with the arguments in liveArgsEnv (separated by \x1f), "tcp" is the
// Linux side of the TCP transfer.
const (
	liveHelperEnv = "HOPS_LIVE_HELPER"
	liveArgsEnv   = "HOPS_LIVE_ARGS"
	livePeerEnv   = "HOPS_LIVE_PEER"
	liveBytesEnv  = "HOPS_LIVE_BYTES"
)

// liveTimeout bounds each hops live run of these tests.
const liveTimeout = 60 * time.Second

// requireLive skips (or fails, with HOPS_REQUIRE_TUN=1) unless hops live
// can run here with the Linux tools the test needs.
func requireLive(t *testing.T, tools ...string) {
	t.Helper()
	why := ""
	if err := netns.Check(); err != nil {
		why = err.Error()
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil && why == "" {
			why = fmt.Sprintf("%s not found (scripts/test-deps.sh installs it)", tool)
		}
	}
	if why == "" {
		return
	}
	if os.Getenv(liveRequireEnv) == "1" {
		t.Fatalf("%s, and %s=1", why, liveRequireEnv)
	}
	t.Skipf("%s; skipping (sudo go test ./cmd/hops -run Live; %s=1 makes this fatal)", why, liveRequireEnv)
}

// TestLiveHelperProcess is not a test: the live tests start the test
// binary as hops (to signal and kill it) and as the Linux-side program
// of the TCP transfer, inside the namespace.
func TestLiveHelperProcess(t *testing.T) {
	switch os.Getenv(liveHelperEnv) {
	case "":
		t.Skip("a helper process for the hops live tests")
	case "hops":
		intr := &interrupt{}
		stop := watchSignals(intr)
		code, _ := execute(strings.Split(os.Getenv(liveArgsEnv), "\x1f"), os.Stdout, os.Stderr, intr)
		stop()
		os.Exit(code)
	case "tcp":
		if err := tcpPeer(os.Getenv(livePeerEnv), os.Getenv(liveBytesEnv)); err != nil {
			fmt.Fprintln(os.Stderr, "tcp peer:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
}

// liveRun runs hops with args in this process and returns its status,
// stdout and stderr.
func runLiveHops(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(args, &stdout, &stderr) }()
	select {
	case code := <-done:
		return code, stdout.String(), stderr.String()
	case <-time.After(liveTimeout):
		t.Fatalf("hops %s did not end within %v", strings.Join(args, " "), liveTimeout)
	}
	return 0, "", ""
}

// pathTimes sums the default world's one-way delays and jitters from the
// laptop along nodes: a LAN counts two member links each way (the
// laptop's radio to the access point, the access point's to the router).
func pathTimes(t *testing.T, sc *scenario.Scenario, nodes []string) (delay, jitter []time.Duration) {
	t.Helper()
	var d, j time.Duration
	for i := 1; i < len(nodes); i++ {
		a, b := nodes[i-1], nodes[i]
		found := false
		for _, l := range sc.Links {
			if l.A.Node == a && l.B.Node == b || l.A.Node == b && l.B.Node == a {
				d, j, found = d+l.Delay, j+l.Jitter, true
				break
			}
		}
		for _, l := range sc.LANs {
			in := func(n string) bool {
				return slices.ContainsFunc(l.Members, func(e scenario.Endpoint) bool { return e.Node == n })
			}
			if !found && in(a) && in(b) {
				d, j, found = d+2*l.Delay, j+2*l.Jitter, true
			}
		}
		if !found {
			t.Fatalf("no link or LAN joins %s and %s", a, b)
		}
		delay, jitter = append(delay, d), append(jitter, j)
	}
	return delay, jitter
}

var (
	pingRTT  = regexp.MustCompile(`rtt min/avg/max/mdev = ([\d.]+)/([\d.]+)/([\d.]+)/`)
	traceHop = regexp.MustCompile(`(?m)^\s*(\d+)\s+(\d+\.\d+\.\d+\.\d+)((?:\s+[\d.]+ ms)+)`)
	msValue  = regexp.MustCompile(`([\d.]+) ms`)
)

func msDur(s string) time.Duration {
	f, _ := strconv.ParseFloat(s, 64)
	return time.Duration(f * float64(time.Millisecond))
}

// Linux's ping and traceroute, run through the bridge as the laptop,
// see the world's routers and its delays: the hops are the default
// world's routers on the path to www.example.com, and each round trip is
// at least the world's (twice the links' delays) and at most that plus
// their jitter and a little for the bridge. The capture holds both
// directions, checksums intact.
func TestLivePingTraceroute(t *testing.T) {
	requireLive(t, "ping", "traceroute")
	pcap := filepath.Join(t.TempDir(), "live.pcapng")
	code, out, errOut := runLiveHops(t, "--pcap", pcap, "live", "--", "sh", "-c",
		"ping -n -c 5 -i 0.2 203.0.113.10 && traceroute -n -q 3 -w 2 203.0.113.10")
	if code != 0 {
		t.Fatalf("status %d\n%s\n%s", code, out, errOut)
	}
	sc, err := world.Default()
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.Build(sc, 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := []string{"laptop", "home-router", "isp-a-edge", "isp-a-core", "ixp", "dc-router", "www.example.com"}
	delay, jitter := pathTimes(t, sc, path)
	// What the bridge and a busy machine may add to a round trip (wall
	// time on a shared 2-core machine: generous, so that the test checks
	// the world's delays show, not the machine's speed), and what a driver
	// running behind the wall clock may take off (it injects at its own
	// "now").
	const slack, early = 50 * time.Millisecond, time.Millisecond
	m := pingRTT.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no ping statistics in\n%s", out)
	}
	last := len(delay) - 1
	rtt := 2 * delay[last]
	if min := msDur(m[1]); min < rtt-early || min > rtt+2*jitter[last]+slack {
		t.Errorf("ping: min RTT %v, want the world's %v (+ up to %v jitter, %v slack)", min, rtt, 2*jitter[last], slack)
	}
	t.Logf("ping: Linux saw rtt min/avg/max %s/%s/%s ms; the world's round trip is %v plus up to %v of jitter", m[1], m[2], m[3], rtt, 2*jitter[last])
	hops := traceHop.FindAllStringSubmatch(out, -1)
	if len(hops) != len(path)-1 {
		t.Fatalf("traceroute: %d hops, want %d (%v)\n%s", len(hops), len(path)-1, path[1:], out)
	}
	for i, h := range hops {
		n, _ := w.NodeByAddr(netip.MustParseAddr(h[2]))
		name := "?"
		if n != nil {
			name = n.Name
		}
		if name != path[i+1] {
			t.Errorf("hop %s: %s is %s, want %s", h[1], h[2], name, path[i+1])
		}
		var rtts []time.Duration
		for _, v := range msValue.FindAllStringSubmatch(h[3], -1) {
			rtts = append(rtts, msDur(v[1]))
		}
		min := slices.Min(rtts)
		want := 2 * delay[i]
		if min < want-early || min > want+2*jitter[i]+slack {
			t.Errorf("hop %s (%s): RTTs %v, want the world's %v (+ up to %v jitter, %v slack)", h[1], name, rtts, want, 2*jitter[i], slack)
		}
		t.Logf("hop %s %-15s %-16s Linux %v, the world %v (+ jitter up to %v)", h[1], h[2], name, rtts, want, 2*jitter[i])
	}
	if tsharkcheck.Available() {
		bad, err := tsharkcheck.Problems(pcap, "error")
		if err != nil {
			t.Fatal(err)
		}
		if len(bad) > 0 {
			t.Errorf("capture problems:\n%s", strings.Join(bad, "\n"))
		}
		rows, err := tsharkcheck.Fields(pcap, "frame.interface_description", "ip.src", "ip.dst", "icmp.type")
		if err != nil {
			t.Fatal(err)
		}
		var req, rep int
		for _, r := range rows {
			if !strings.Contains(r[0], "home-wifi/laptop") {
				continue
			}
			switch {
			case r[3] == "8" && strings.HasPrefix(r[1], "192.168.1.") && r[2] == "203.0.113.10":
				req++
			case r[3] == "0" && r[1] == "203.0.113.10" && strings.HasPrefix(r[2], "192.168.1."):
				rep++
			}
		}
		if req < 5 || rep < 5 {
			t.Errorf("capture on the laptop's link: %d echo requests from Linux and %d replies, want 5 or more each", req, rep)
		}
	}
}

// Linux's dig resolves www.example.com through the world's resolver
// (the namespace's resolv.conf names it), dig +trace walks the world's
// root, com. and example.com. servers, and curl fetches the home page
// from hops' web server over HTTP/1.1 and HTTP/2 by prior knowledge.
func TestLiveDigCurl(t *testing.T) {
	requireLive(t, "dig", "curl")
	dir := t.TempDir()
	h1, h2 := filepath.Join(dir, "h1.html"), filepath.Join(dir, "h2.html")
	script := strings.Join([]string{
		"cat /etc/resolv.conf",
		"echo '== dig'", "dig +short www.example.com",
		"echo '== trace'", "dig +trace www.example.com",
		"echo '== curl'", "curl -sS -v -o " + h1 + " http://www.example.com/",
		"curl -sS -v --http2-prior-knowledge -o " + h2 + " http://www.example.com/",
	}, " && ")
	code, out, errOut := runLiveHops(t, "live", "--", "sh", "-c", script)
	if code != 0 {
		t.Fatalf("status %d\n%s\n%s", code, out, errOut)
	}
	t.Log(out)
	if !strings.Contains(out, "nameserver 192.0.2.53\n") {
		t.Errorf("the namespace's resolv.conf does not name the world's resolver 192.0.2.53:\n%s", out)
	}
	_, rest, _ := strings.Cut(out, "== dig\n")
	if first, _, _ := strings.Cut(rest, "\n"); first != "203.0.113.10" {
		t.Errorf("dig +short www.example.com: %q, want 203.0.113.10", first)
	}
	_, trace, _ := strings.Cut(out, "== trace\n")
	trace, _, _ = strings.Cut(trace, "== curl\n")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\.\s+\d+\s+IN\s+NS\s+a\.root-servers\.net\.$`),
		regexp.MustCompile(`(?m)^com\.\s+\d+\s+IN\s+NS\s+a\.gtld-servers\.net\.\n;; Received \d+ bytes from 192\.0\.2\.1#53\(a\.root-servers\.net\)`),
		regexp.MustCompile(`(?m)^example\.com\.\s+\d+\s+IN\s+NS\s+ns\d\.example\.com\.$`),
		regexp.MustCompile(`(?m)from 192\.0\.2\.9#53\(a\.gtld-servers\.net\)`),
		regexp.MustCompile(`(?m)^www\.example\.com\.\s+\d+\s+IN\s+A\s+203\.0\.113\.10\n;; Received \d+ bytes from [\d.]+#53\(ns\d\.example\.com\)`),
	} {
		if !want.MatchString(trace) {
			t.Errorf("dig +trace: no match for %s in\n%s", want, trace)
		}
	}
	for _, want := range []string{
		"Connected to www.example.com (203.0.113.10) port 80",
		"> GET / HTTP/1.1", "< HTTP/1.1 200 OK", "< Server: hops",
		"< HTTP/2 200",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("curl -v: no %q in\n%s", want, errOut)
		}
	}
	b1, err1 := os.ReadFile(h1)
	b2, err2 := os.ReadFile(h2)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if !bytes.Contains(b1, []byte("<html")) || !bytes.Equal(b1, b2) {
		t.Errorf("the pages differ or are not HTML: HTTP/1.1 %d bytes, HTTP/2 %d bytes\n%s", len(b1), len(b2), b1)
	}
}

// Linux's TCP against hops' TCP: 10 MB each way between a program in the
// namespace (this test binary) and a netsim listener on www.example.com,
// across a link with 2 % loss each way; both ends compare SHA-256.
func TestLiveTCP10MB(t *testing.T) {
	requireLive(t)
	const size = 10_000_000
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		gotSum, sentSum string
		upMbit          float64 // Linux → hops, as hops received it
		err             error
	}
	results := make(chan result, 1)
	liveStarted = func(s *session, d *realtime.Driver) {
		h, err := netsim.New(s.w, d).Host("www.example.com")
		if err != nil {
			results <- result{err: err}
			return
		}
		ln, err := h.Listen("tcp", ":5001")
		if err != nil {
			results <- result{err: err}
			return
		}
		go func() {
			defer ln.Close()
			c, err := ln.Accept()
			if err != nil {
				results <- result{err: err}
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(liveTimeout))
			got := sha256.New()
			first := make([]byte, 1)
			if _, err := io.ReadFull(c, first); err != nil {
				results <- result{err: fmt.Errorf("hops reading: %w", err)}
				return
			}
			start := time.Now()
			got.Write(first)
			n, err := io.Copy(got, c)
			if err != nil {
				results <- result{err: fmt.Errorf("hops reading: %w", err)}
				return
			}
			upMbit := float64(n) * 8 / time.Since(start).Seconds() / 1e6
			sent := sha256.New()
			if _, err := io.CopyN(io.MultiWriter(c, sent), randomBytes(2), size); err != nil {
				results <- result{err: fmt.Errorf("hops writing: %w", err)}
				return
			}
			results <- result{gotSum: hex.EncodeToString(got.Sum(nil)), sentSum: hex.EncodeToString(sent.Sum(nil)), upMbit: upMbit}
		}()
	}
	defer func() { liveStarted = nil }()
	t.Setenv(liveHelperEnv, "tcp")
	t.Setenv(livePeerEnv, "203.0.113.10:5001")
	t.Setenv(liveBytesEnv, strconv.Itoa(size))
	code, out, errOut := runLiveHops(t, "--link-set", "dc-router--www.example.com:loss=2%", "--stats",
		"live", "--attach", "dc-router", "--", exe, "-test.run=^TestLiveHelperProcess$")
	if code != 0 {
		t.Fatalf("status %d\n%s\n%s", code, out, errOut)
	}
	var r result
	select {
	case r = <-results:
	default:
		t.Fatalf("the hops side did not finish\n%s\n%s", out, errOut)
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	var up, down, downRate string
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) == 4 && f[0] == "sent" {
			up = f[1]
		}
		if len(f) == 4 && f[0] == "received" {
			down, downRate = f[1], f[3]
		}
	}
	if up != r.gotSum {
		t.Errorf("Linux → hops: Linux sent SHA-256 %s, hops received %s", up, r.gotSum)
	}
	if down != r.sentSum {
		t.Errorf("hops → Linux: hops sent SHA-256 %s, Linux received %s", r.sentSum, down)
	}
	t.Logf("10 MB each way across 2%% loss: Linux → hops %.1f Mbit/s, hops → Linux %s Mbit/s\n%s", r.upMbit, downRate, errOut)
}

// randomBytes is a reader of pseudo-random bytes from seed.
func randomBytes(seed uint64) io.Reader {
	return rand.NewChaCha8([32]byte{byte(seed)})
}

// tcpPeer is the Linux side of TestLiveTCP10MB: it connects to peer,
// sends size pseudo-random bytes, half-closes, reads to the end and
// prints "sent SUM BYTES MBITS" and "received SUM BYTES MBITS".
func tcpPeer(peer, sizeText string) error {
	size, err := strconv.ParseInt(sizeText, 10, 64)
	if err != nil {
		return err
	}
	c, err := net.DialTimeout("tcp", peer, 10*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(liveTimeout))
	sent := sha256.New()
	start := time.Now()
	if _, err := io.CopyN(io.MultiWriter(c, sent), randomBytes(1), size); err != nil {
		return err
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return err
	}
	upTime := time.Since(start)
	got := sha256.New()
	first := make([]byte, 1)
	if _, err := io.ReadFull(c, first); err != nil {
		return err
	}
	start = time.Now() // from the first byte of hops' answer
	got.Write(first)
	n, err := io.Copy(got, c)
	if err != nil {
		return err
	}
	downTime := time.Since(start)
	mbit := func(n int64, d time.Duration) string {
		return strconv.FormatFloat(float64(n)*8/d.Seconds()/1e6, 'f', 1, 64)
	}
	// The upload's rate here is only how fast Linux took the bytes.
	fmt.Printf("sent %x %d %s\n", sent.Sum(nil), size, mbit(size, upTime))
	fmt.Printf("received %x %d %s\n", got.Sum(nil), n+1, mbit(n, downTime))
	return nil
}

// hostState is what hops live must never change in the host's own
// namespace: its interfaces, addresses, routes and namespaces (other
// test beds' namespaces, hopsfid-*, and those of hops live runs of
// other processes still running come and go and are left out), and
// hops live's files in /etc/netns.
func hostState(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	// Counters that tick down by themselves: a route's expiry, an
	// address's lifetimes (DHCP, SLAAC).
	expires := regexp.MustCompile(`(expires|valid_lft|preferred_lft) \d+sec`)
	for _, args := range [][]string{
		{"-o", "link", "show"}, {"-o", "addr", "show"},
		{"-4", "route", "show", "table", "all"}, {"-6", "route", "show", "table", "all"},
		{"-4", "rule", "show"}, {"netns", "list"},
	} {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		fmt.Fprintf(&b, "== ip %s\n", strings.Join(args, " "))
		for _, l := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(l, "hopsfid-") || othersLive(strings.Fields(l + " x")[0]) {
				continue
			}
			b.WriteString(expires.ReplaceAllString(l, "$1") + "\n")
		}
	}
	ents, _ := os.ReadDir(netns.ConfDir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), netns.Prefix) && !othersLive(e.Name()) {
			fmt.Fprintf(&b, "/etc/netns/%s\n", e.Name())
		}
	}
	return b.String()
}

// othersLive reports whether name is the namespace of a hops live run
// that is not this test's and still runs (another test binary's, say).
func othersLive(name string) bool {
	pid, ok := netns.Owner(name)
	return ok && pid != os.Getpid() && netns.Alive(pid)
}

// startLiveProcess starts hops (this test binary as a helper) with args
// and waits until it has printed line; it returns the process, its
// stderr so far and the namespace it made.
func startLiveProcess(t *testing.T, wait string, args ...string) (*exec.Cmd, *bytes.Buffer, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), liveTimeout)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, exe, "-test.run=^TestLiveHelperProcess$")
	cmd.Env = append(os.Environ(), liveHelperEnv+"=hops", liveArgsEnv+"="+strings.Join(args, "\x1f"))
	cmd.WaitDelay = time.Second
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		said := false
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			if !said && strings.Contains(sc.Text(), wait) {
				said = true
				found <- stderr.String()
			}
		}
		if !said {
			found <- ""
		}
	}()
	var so string
	select {
	case so = <-found:
	case <-time.After(liveTimeout):
	}
	m := regexp.MustCompile(`namespace (` + netns.Prefix + `[\d-]+)`).FindStringSubmatch(so)
	if m == nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("hops %s: no %q and no namespace named in its output:\n%s", strings.Join(args, " "), wait, so)
	}
	return cmd, &stderr, m[1]
}

func nsExists(name string) bool {
	_, err := os.Stat(filepath.Join(netns.RunDir, name))
	return err == nil
}

// The namespace and the TUN device go when hops live ends: on SIGTERM
// and SIGINT without a command, on SIGTERM with one (passed on to the
// command, whose status hops live takes), and after SIGKILL at the next
// run, which finds the dead process's namespace and removes it. The
// host's interfaces, addresses, routes and namespaces are the same
// before and after.
func TestLiveCleanup(t *testing.T) {
	requireLive(t, "sleep")
	before := hostState(t)
	for _, c := range []struct {
		name string
		args []string
		sig  syscall.Signal
		code int
	}{
		{"SIGTERM", []string{"live"}, syscall.SIGTERM, 0},
		{"SIGINT", []string{"live"}, syscall.SIGINT, 0},
		{"SIGTERM with a command", []string{"live", "--", "sleep", "30"}, syscall.SIGTERM, 128 + int(syscall.SIGTERM)},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd, _, ns := startLiveProcess(t, "Linux stands for", c.args...)
			if !nsExists(ns) {
				t.Fatalf("namespace %s is not there while hops live runs", ns)
			}
			cmd.Process.Signal(c.sig)
			err := cmd.Wait()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			}
			if code != c.code {
				t.Errorf("status %d after %v, want %d", code, c.sig, c.code)
			}
			if nsExists(ns) {
				t.Errorf("namespace %s left behind after %v", ns, c.sig)
				netns.RemoveStale()
			}
			if _, err := os.Stat(filepath.Join(netns.ConfDir, ns)); err == nil {
				t.Errorf("/etc/netns/%s left behind after %v", ns, c.sig)
			}
		})
	}
	t.Run("SIGKILL", func(t *testing.T) {
		cmd, _, ns := startLiveProcess(t, "Linux stands for", "live")
		cmd.Process.Kill() // by its PID: the process this test started
		cmd.Wait()
		if !nsExists(ns) {
			t.Fatalf("namespace %s gone after SIGKILL: the test cannot see the next run clean up", ns)
		}
		code, out, errOut := runLiveHops(t, "live", "--", "true")
		if code != 0 {
			t.Fatalf("the next run: status %d\n%s%s", code, out, errOut)
		}
		if !strings.Contains(errOut, "removed the leftovers") || !strings.Contains(errOut, ns) {
			t.Errorf("the next run did not report removing %s:\n%s", ns, errOut)
		}
		if nsExists(ns) {
			t.Errorf("namespace %s still there after the next run", ns)
		}
	})
	if after := hostState(t); after != before {
		t.Errorf("the host's state changed:\n-- before\n%s\n-- after\n%s", before, after)
	}
}
