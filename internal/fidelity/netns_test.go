package fidelity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hopsnet/hops/live/netns"
)

// RequireEnv makes a missing root, namespace support or tool fail the test
// instead of skipping it. scripts/test.sh sets it when it runs as root.
const RequireEnv = "HOPS_REQUIRE_NETNS"

// nsPrefix starts the name of every namespace this test creates; the test's
// PID follows, so a later run can tell its own namespaces from a crashed
// run's.
const nsPrefix = "hopsfid-"

const (
	setupTimeout   = 10 * time.Second // one ip/sysctl command
	commandTimeout = 30 * time.Second // the command under test
	// settle is how long captures go on after the command: for packets
	// still on their way (the tools wait for their answers, so normally
	// there are none).
	settle = 200 * time.Millisecond
	// serverGrace is how long a server other than the helper gets to
	// start listening; serverWait how long a server gets to end by
	// itself after the command.
	serverGrace = 300 * time.Millisecond
	serverWait  = 3 * time.Second
)

// serverNode is where a case's server runs.
const serverNode = "h2"

// tools the Linux side runs.
var linuxTools = []string{"ip", "sysctl", "ping", "traceroute"}

// requireNetns skips (or fails, with HOPS_REQUIRE_NETNS=1) unless the test
// can build namespaces and has its tools. It also removes namespaces left
// by a crashed earlier run of this test, and removes this run's own when
// the test binary is interrupted.
func requireNetns(t *testing.T) {
	t.Helper()
	if why := netnsMissing(); why != "" {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s, and %s=1", why, RequireEnv)
		}
		t.Skipf("%s; skipping (run as root: sudo go test ./internal/fidelity; %s=1 makes this fatal)", why, RequireEnv)
	}
	removeStaleNamespaces(t)
	stop := removeOnSignal()
	t.Cleanup(stop)
}

func netnsMissing() string {
	if runtime.GOOS != "linux" {
		return "network namespaces need Linux"
	}
	if os.Geteuid() != 0 {
		return "network namespaces need root"
	}
	for _, tool := range linuxTools {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Sprintf("%s not found (scripts/test-deps.sh installs traceroute)", tool)
		}
	}
	probe := fmt.Sprintf("%s%d-probe", nsPrefix, os.Getpid())
	if out, err := ipCmd("netns", "add", probe); err != nil {
		return fmt.Sprintf("cannot create a network namespace: %v: %s", err, out)
	}
	if out, err := ipCmd("netns", "del", probe); err != nil {
		return fmt.Sprintf("cannot delete network namespace %s: %v: %s", probe, err, out)
	}
	return ""
}

// ipCmd runs ip with args and a timeout.
func ipCmd(args ...string) (string, error) {
	return runCmd("ip", args...)
}

func runCmd(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (timed out after %v)", err, setupTimeout)
	}
	return strings.TrimSpace(string(out)), err
}

// listNamespaces returns the names of the network namespaces ip knows.
func listNamespaces() ([]string, error) {
	out, err := ipCmd("netns", "list")
	if err != nil {
		return nil, fmt.Errorf("ip netns list: %v: %s", err, out)
	}
	var names []string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			names = append(names, f[0]) // "NAME (id: N)"
		}
	}
	return names, nil
}

// nsOwner returns the PID in a name this test made (hopsfid-PID-…).
func nsOwner(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, nsPrefix)
	if !ok {
		return 0, false
	}
	pid, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(pid)
	return n, err == nil && n > 0
}

// removeStaleNamespaces deletes namespaces of earlier runs of this test
// whose process is gone (a crash, a timeout panic, a kill).
func removeStaleNamespaces(t *testing.T) {
	names, err := listNamespaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		pid, ok := nsOwner(n)
		if !ok || pid == os.Getpid() {
			continue
		}
		if netns.Alive(pid) {
			continue // its run is still going
		}
		if out, err := ipCmd("netns", "del", n); err != nil {
			t.Logf("removing stale namespace %s: %v: %s", n, err, out)
		} else {
			t.Logf("removed stale namespace %s from an earlier run", n)
		}
	}
}

// removeOwnNamespaces deletes every namespace of this process.
func removeOwnNamespaces() []error {
	names, err := listNamespaces()
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, n := range names {
		if pid, ok := nsOwner(n); ok && pid == os.Getpid() {
			if out, err := ipCmd("netns", "del", n); err != nil {
				errs = append(errs, fmt.Errorf("ip netns del %s: %v: %s", n, err, out))
			}
		}
	}
	return errs
}

// removeOnSignal deletes this process's namespaces when it is interrupted
// (Ctrl-C, SIGTERM), then exits. It returns a function that stops it.
func removeOnSignal() func() {
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-ch:
			fmt.Fprintf(os.Stderr, "fidelity: %v: removing namespaces\n", s)
			removeOwnNamespaces()
			os.Exit(2)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// A topology is the network both worlds build.
type topology struct {
	nodes     []topoNode
	links     []topoLink
	routes    map[string][]string // node → `ip route add` arguments (Linux only)
	hopsDelay string              // every hops link's delay
}

type topoNode struct{ name, role string }

// A topoLink joins two ends, each "NODE:IFACE ADDRESS/LEN".
type topoLink struct {
	a, b string
	mtu  int
}

type end struct{ node, iface, addr string }

func parseEnd(s string) end {
	ni, addr, _ := strings.Cut(s, " ")
	n, i, _ := strings.Cut(ni, ":")
	return end{n, i, addr}
}

func (n topoNode) router() bool { return n.role == "router" }

// hopsYAML is the topology as a hops scenario.
func (tp topology) hopsYAML() string {
	var b strings.Builder
	b.WriteString(`# The fidelity test bed's topology as a hops world (internal/fidelity).
# Generated from the topology in internal/fidelity/fidelity_test.go, which
# builds the same network in Linux namespaces; a test keeps the two equal.
#
#   h1 eth0 -- eth0 r1 eth1 == eth0 r2 eth1 -- eth0 h2     (== : MTU 1400)
#
# Try it: hops --world internal/fidelity/testdata/world.yaml ping --from h1 198.18.3.2
name: fidelity
nodes:
`)
	for _, n := range tp.nodes {
		fmt.Fprintf(&b, "  - {name: %s, role: %s}\n", n.name, n.role)
	}
	b.WriteString("links:\n")
	for _, l := range tp.links {
		fmt.Fprintf(&b, "  - {a: %s, b: %s, mtu: %d, delay: %s}\n", l.a, l.b, l.mtu, tp.hopsDelay)
	}
	return b.String()
}

// A linuxNet is the topology built in namespaces named prefix+NODE.
type linuxNet struct {
	prefix string
}

func (ln linuxNet) ns(node string) string { return ln.prefix + node }

// buildLinux builds the topology in fresh namespaces (a fresh kernel state
// per case: no path-MTU cache, ARP entries or ICMP rate-limit tokens carry
// over) and registers their removal.
func buildLinux(t *testing.T, idx int) linuxNet {
	t.Helper()
	ln := linuxNet{prefix: fmt.Sprintf("%s%d-%d-", nsPrefix, os.Getpid(), idx)}
	t.Cleanup(func() {
		for _, n := range topo.nodes {
			if out, err := ipCmd("netns", "del", ln.ns(n.name)); err != nil && !strings.Contains(out, "No such file") {
				t.Errorf("removing namespace %s: %v: %s", ln.ns(n.name), err, out)
			}
		}
	})
	must := func(name string, args ...string) {
		t.Helper()
		if out, err := runCmd(name, args...); err != nil {
			t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
		}
	}
	for _, n := range topo.nodes {
		ns := ln.ns(n.name)
		must("ip", "netns", "add", ns)
		forward := "0"
		if n.router() {
			forward = "1"
		}
		// No IPv6: its link-local addresses, router and neighbour
		// solicitations would show up in the captures.
		must("ip", append([]string{"netns", "exec", ns, "sysctl", "-q", "-e", "-w",
			"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1",
			"net.ipv4.ip_forward=" + forward}, linuxTCPSysctls...)...)
		must("ip", "-n", ns, "link", "set", "lo", "up")
	}
	for _, l := range topo.links {
		a, b := parseEnd(l.a), parseEnd(l.b)
		mtu := strconv.Itoa(l.mtu)
		// Created inside a's namespace with its peer put straight into
		// b's: nothing ever appears in the host's namespace.
		must("ip", "-n", ln.ns(a.node), "link", "add", a.iface, "mtu", mtu, "type", "veth",
			"peer", "name", b.iface, "mtu", mtu, "netns", ln.ns(b.node))
		for _, e := range []end{a, b} {
			must("ip", "-n", ln.ns(e.node), "addr", "add", e.addr, "dev", e.iface)
			must("ip", "-n", ln.ns(e.node), "link", "set", e.iface, "up")
		}
	}
	for _, n := range topo.nodes {
		for _, r := range topo.routes[n.name] {
			must("ip", append([]string{"-n", ln.ns(n.name), "route", "add"}, strings.Fields(r)...)...)
		}
	}
	// Wire-sized TCP segments everywhere (see disableOffloads).
	for _, l := range topo.links {
		for _, e := range []end{parseEnd(l.a), parseEnd(l.b)} {
			if err := disableOffloads(ln.ns(e.node), e.iface); err != nil {
				t.Fatal(err)
			}
		}
	}
	return ln
}

// helperArgs returns a Linux command line with the helper (helperCmd)
// replaced by this test binary, and whether it was.
func helperArgs(t *testing.T, args []string) ([]string, bool) {
	if len(args) == 0 || args[0] != helperCmd {
		return args, false
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{exe}, args[1:]...), true
}

// A linuxServer is a case's server, running in a namespace.
type linuxServer struct {
	cmd            *exec.Cmd
	cancel         context.CancelFunc
	stdout, stderr *bytes.Buffer
	done           chan struct{}
	err            error
}

// startServer starts c's server on serverNode and waits until it listens.
func startServer(t *testing.T, ln linuxNet, c fidelityCase) *linuxServer {
	t.Helper()
	args, helper := helperArgs(t, c.server)
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	s := &linuxServer{cancel: cancel, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, done: make(chan struct{})}
	s.cmd = exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ln.ns(serverNode)}, args...)...)
	s.cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C", helperEnv+"=1")
	s.cmd.WaitDelay = time.Second
	s.cmd.Stderr = s.stderr
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting the server %s: %v", strings.Join(c.server, " "), err)
	}
	ready := make(chan bool, 1)
	go func() {
		defer close(s.done)
		buf := make([]byte, 4096)
		said := false
		for {
			n, err := out.Read(buf)
			s.stdout.Write(buf[:n])
			if !said && strings.Contains(s.stdout.String(), helperReady+"\n") {
				said = true
				ready <- true
			}
			if err != nil {
				break
			}
		}
		if !said {
			ready <- false
		}
		s.err = s.cmd.Wait()
	}()
	t.Cleanup(s.stop) // after a failure; wait stops it otherwise
	if !helper {
		time.Sleep(serverGrace)
		return s
	}
	select {
	case ok := <-ready:
		if !ok {
			s.stop()
			t.Fatalf("the server %s ended before it listened: %v\n%s", strings.Join(c.server, " "), s.err, s.stderr)
		}
	case <-time.After(setupTimeout):
		s.stop()
		t.Fatalf("the server %s did not listen within %v", strings.Join(c.server, " "), setupTimeout)
	}
	return s
}

// wait waits a while for the server to end by itself, then stops it, and
// says what went wrong, if anything.
func (s *linuxServer) wait() string {
	select {
	case <-s.done:
	case <-time.After(serverWait):
		s.stop()
		return fmt.Sprintf("the server did not end within %v of the command (stopped)", serverWait)
	}
	if s.err != nil {
		return fmt.Sprintf("the server failed: %v: %s", s.err, strings.TrimSpace(s.stderr.String()))
	}
	return ""
}

// stop ends the server (it is ours: started by startServer) and reaps it.
func (s *linuxServer) stop() {
	s.cancel()
	<-s.done
}

// runLinux runs c in fresh namespaces, capturing on c's capture points.
func runLinux(t *testing.T, idx int, c fidelityCase, dir string) run {
	t.Helper()
	ln := buildLinux(t, idx)
	for _, a := range c.linuxSetup {
		if out, err := runCmd("ip", append([]string{"netns", "exec", ln.ns(a[0])}, a[1:]...)...); err != nil {
			t.Fatalf("setup on %s: %s: %v: %s", a[0], strings.Join(a[1:], " "), err, out)
		}
	}
	var srv *linuxServer
	if c.server != nil {
		srv = startServer(t, ln, c)
	}
	var caps []*linuxCapture
	for _, p := range c.capturePoints() {
		node, iface, _ := strings.Cut(p, ":")
		cp, err := startCapture(ln.ns(node), iface, p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cp.close) // after a failure; stop closes it otherwise
		caps = append(caps, cp)
	}

	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	args, _ := helperArgs(t, c.args)
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ln.ns(from)}, args...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C", helperEnv+"=1")
	cmd.WaitDelay = time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	r := run{exit: 0, captures: map[string][]packet{}}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.exit = -1
		r.problems = append(r.problems, fmt.Sprintf("%s timed out after %v", strings.Join(c.args, " "), commandTimeout))
	case errors.As(err, &ee):
		r.exit = ee.ExitCode()
	case err != nil:
		t.Fatalf("running %s: %v", strings.Join(c.args, " "), err)
	}
	r.stdout, r.stderr = stdout.String(), stderr.String()
	if srv != nil {
		if p := srv.wait(); p != "" {
			r.problems = append(r.problems, p)
		}
		r.stdout += "--- server stdout\n" + srv.stdout.String()
		r.stderr += "--- server stderr\n" + srv.stderr.String()
	}
	writeOutputs(t, dir, "linux", r)

	time.Sleep(settle)
	for _, cp := range caps {
		node, iface, _ := strings.Cut(cp.name, ":")
		ps, err := cp.stop(filepath.Join(dir, "linux-"+node+"-"+iface+".pcapng"))
		if err != nil {
			t.Fatal(err)
		}
		r.captures[cp.name] = ps
	}
	return r
}

// writeOutputs keeps a side's output beside its captures.
func writeOutputs(t *testing.T, dir, side string, r run) {
	out := fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.exit, r.stdout, r.stderr)
	if err := os.WriteFile(filepath.Join(dir, side+".out"), []byte(out), 0o644); err != nil {
		t.Error(err)
	}
}
