package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hopsnet/hops/live/bridge"
	"github.com/hopsnet/hops/live/netns"
	"github.com/hopsnet/hops/live/realtime"
	"github.com/hopsnet/hops/live/tun"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/world/scenario"
	"github.com/spf13/cobra"
)

// liveIface is the TUN interface's name inside the namespace.
const liveIface = "hops0"

// liveHost is the name of the host --attach ROUTER adds (a suffix makes
// it unique).
const liveHost = "linux"

// liveAttachDelay is the one-way delay of the link --attach adds.
const liveAttachDelay = time.Millisecond

// liveStopGrace is how long the command gets to end after hops passes
// it a SIGINT or SIGTERM, before it is killed.
const liveStopGrace = 5 * time.Second

func newLiveCmd(g *globals) *cobra.Command {
	var (
		attach   string
		duration time.Duration
	)
	cmd := &cobra.Command{
		Use:   "live [--world FILE] [--attach NODE] [-- COMMAND ARGS...]",
		Short: "Let Linux programs into the world: a network namespace whose TUN device is one of its hosts",
		Long: `live runs the world in real time and lets real Linux programs into it. It
creates a network namespace of its own (hops-live-PID) with a TUN device,
hops0, that stands for one host of the world: Linux's own TCP, UDP, ICMP,
resolver, ping, traceroute, dig and curl then talk to hops' routers, NAT,
resolvers and web servers across the world's links, delays and losses.

The host is the laptop by default: the TUN device takes its place with the
address of its DHCP lease, behind the home router's NAT, and the laptop's
Wi-Fi link carries its packets. --attach HOST stands for another host;
--attach ROUTER adds a host named linux on a new link (1 ms, from
198.19.0.0/16) to that router. The namespace's default route points into
the TUN device, and its resolv.conf (/etc/netns/NAME/resolv.conf, which
ip netns exec mounts over /etc/resolv.conf) names the host's resolver.

With a command, live runs it inside the namespace and exits with its
status. Without one, it prints how to enter the namespace and runs until
Ctrl-C (or --duration). Packets from Linux enter the world as the IPv4
datagrams they are, once their checksums verify; --pcap captures them on
the host's interface, with the world's answers.

The host's own interfaces, routes and firewall are never touched. The
namespace and the TUN device are removed when live ends, on Ctrl-C and on
SIGTERM; those of a run that was killed are removed by the next. It needs
root (CAP_NET_ADMIN and CAP_SYS_ADMIN), /dev/net/tun and ip (iproute2).`,
		Example: `  sudo hops live -- curl -v http://www.example.com/
  sudo hops live -- traceroute -n www.example.com
  sudo hops --link-set home-uplink:loss=2% live -- ping -c 5 www.example.com
  sudo hops live --attach dc-router -- dig +trace www.example.com
  sudo hops live        # then, in another shell: sudo ip netns exec hops-live-PID bash`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dash := cmd.ArgsLenAtDash(); dash > 0 || dash < 0 && len(args) > 0 {
				return usageError{fmt.Errorf("live: put the command after --, e.g. hops live -- %s", strings.Join(args, " "))}
			}
			return g.runLive(attach, duration, args)
		},
	}
	cmd.Flags().StringVar(&attach, "attach", "", "the `NODE` Linux stands for: a host (default: the laptop), or a router to attach a new host to")
	cmd.Flags().DurationVar(&duration, "duration", 0, "without a command: stop after this long (default: until Ctrl-C)")
	return cmd
}

// liveStarted, when set (by tests), is called once the world runs in
// real time and the bridge is up, before the command starts: a test
// starts its hops-side programs (netsim listeners) there.
var liveStarted func(s *session, d *realtime.Driver)

// liveRun is one hops live session's state, for its cleanup.
type liveRun struct {
	g      *globals
	s      *session
	ns     *netns.Namespace
	dev    *tun.Device
	d      *realtime.Driver
	b      *bridge.Bridge
	runErr chan error
}

// runLive is hops live: checks, the world, the namespace, the bridge,
// the command or the wait, and the cleanup, whatever ends the run.
func (g *globals) runLive(attach string, duration time.Duration, command []string) (err error) {
	// Signals caught from here on, and as often as they come: the cleanup
	// must run whatever arrives. One that came before (while hops
	// started) ends the run before anything is created.
	sigs := make(chan syscall.Signal, 4)
	stopRelay := g.intr.relayTo(sigs)
	defer stopRelay()
	if err := netns.Check(); err != nil {
		return err
	}
	if stale, err := netns.RemoveStale(); err != nil {
		return fmt.Errorf("live: removing leftovers of an earlier run: %v", err)
	} else if len(stale) > 0 {
		fmt.Fprintf(g.stderr, "hops live: removed the leftovers of runs that ended without cleaning up: %s\n", strings.Join(stale, ", "))
	}
	if attach != "" {
		g.editScenario = func(sc *scenario.Scenario) error { return attachHost(sc, attach) }
	}
	s, err := newSession(g)
	if err != nil {
		return err
	}
	host, err := liveTarget(s, attach)
	if err != nil {
		return err
	}
	prefix, ok := bridge.Addr(host)
	if !ok {
		return fmt.Errorf("live: %s has no address (no DHCP lease?)", host.Name)
	}
	resolverAddr, resolverName, hasResolver := s.w.ResolverFor(host.Name)
	mtu := 1500
	if ifs := host.Ifaces(); len(ifs) > 0 {
		mtu = ifs[0].MTU()
	}
	if err := s.start(); err != nil {
		return err
	}
	lr := &liveRun{g: g, s: s}
	if sig := g.intr.signal(); sig != 0 {
		return killedBy{sig}
	}
	defer func() {
		if cerr := lr.cleanup(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if lr.ns, err = netns.Create(); err != nil {
		return fmt.Errorf("live: %v", err)
	}
	if err := lr.ns.Do(func() error {
		var err error
		lr.dev, err = tun.Open(liveIface)
		return err
	}); err != nil {
		return fmt.Errorf("live: %v", err)
	}
	route := []string{"route", "add", "default"}
	if r, ok := host.Routes.Lookup(netip.IPv4Unspecified()); ok && r.Prefix.Bits() == 0 && r.NextHop.IsValid() && prefix.Contains(r.NextHop) {
		route = append(route, "via", r.NextHop.String())
	}
	route = append(route, "dev", liveIface)
	for _, args := range [][]string{
		{"addr", "add", prefix.String(), "dev", liveIface},
		{"link", "set", liveIface, "mtu", strconv.Itoa(mtu), "up"},
		route,
	} {
		if err := lr.ns.Run(args...); err != nil {
			return fmt.Errorf("live: %v", err)
		}
	}
	if hasResolver {
		if err := lr.ns.WriteResolvConf(resolverAddr.String(), "hops live: the resolver of "+host.Name+" in the world: "+resolverName); err != nil {
			return fmt.Errorf("live: %v", err)
		}
	}
	lr.d = realtime.New(s.w.Kernel)
	lr.runErr = make(chan error, 1)
	go func() { lr.runErr <- lr.d.Run(context.Background()) }()
	lr.b = bridge.New(lr.d, host, lr.dev, bridge.Options{})
	if err := lr.b.Start(); err != nil {
		return fmt.Errorf("live: %v", err)
	}
	how := "its address"
	if c := s.w.DHCPClient(host.Name); c != nil {
		how = "its DHCP lease"
	}
	fmt.Fprintf(g.stderr, "hops live: Linux stands for %s in the world: namespace %s, interface %s %s (%s, MTU %d)", host.Name, lr.ns.Name, liveIface, prefix, how, mtu)
	if hasResolver {
		fmt.Fprintf(g.stderr, ", resolver %s (%s)", resolverAddr, resolverName)
	}
	fmt.Fprintln(g.stderr)
	if liveStarted != nil {
		liveStarted(s, lr.d)
	}
	if len(command) == 0 {
		return lr.wait(sigs, duration)
	}
	return lr.runCommand(sigs, command)
}

// wait is live without a command: until a signal or the duration.
func (lr *liveRun) wait(sigs <-chan syscall.Signal, duration time.Duration) error {
	g := lr.g
	until := "Ctrl-C to stop"
	var timeout <-chan time.Time
	if duration > 0 {
		until = fmt.Sprintf("stopping after %v, or at Ctrl-C", duration)
		t := time.NewTimer(duration)
		defer t.Stop()
		timeout = t.C
	}
	fmt.Fprintf(g.stderr, "hops live: enter the world with\n  sudo ip netns exec %[1]s bash\nor run one program in it, e.g.\n  sudo ip netns exec %[1]s curl -v http://www.example.com/\n%[2]s.\n", lr.ns.Name, until)
	// Without a relay (hops run in-process, by tests), only the
	// duration or the world's end stop it.
	select {
	case sig := <-sigs:
		fmt.Fprintf(g.stderr, "hops live: %v: stopping\n", sig)
	case <-timeout:
	case err := <-lr.runErr:
		lr.runErr <- err
		return fmt.Errorf("live: the world stopped: %v", err)
	}
	return nil
}

// runCommand runs command in the namespace and returns its exit status
// (128+N if signal N killed it). SIGINT and SIGTERM that reach hops are
// passed on to it (a Ctrl-C at a terminal reaches both anyway); it is
// killed if it outlives them by liveStopGrace.
func (lr *liveRun) runCommand(sigs <-chan syscall.Signal, command []string) error {
	g := lr.g
	c := lr.ns.Command(context.Background(), command[0], command[1:]...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, g.stdout, g.stderr
	if err := c.Start(); err != nil {
		return fmt.Errorf("live: starting %s: %v", command[0], err)
	}
	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	var kill <-chan time.Time
	var err error
wait:
	for {
		select {
		case err = <-exited:
			break wait
		case sig := <-sigs:
			c.Process.Signal(sig) // the process we started, by its PID
			if kill == nil {
				kill = time.After(liveStopGrace)
			}
		case <-kill:
			fmt.Fprintf(g.stderr, "hops live: %s did not end %v after the signal: killing it\n", command[0], liveStopGrace)
			c.Process.Kill()
			kill = nil
		}
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return silentExit{128 + int(ws.Signal())}
		}
		return silentExit{ee.ExitCode()}
	}
	if err != nil {
		return fmt.Errorf("live: %s: %v", command[0], err)
	}
	return nil
}

// cleanup stops the bridge and the world, removes the namespace (and
// with it the TUN device) and closes the outputs. SIGINT and SIGTERM
// are ignored while it runs, so that a second Ctrl-C cannot cut it
// short; they get their default action back when it is done.
func (lr *liveRun) cleanup() error {
	if lr.g.intr != nil {
		signal.Ignore(os.Interrupt, syscall.SIGTERM)
		defer signal.Reset(os.Interrupt, syscall.SIGTERM)
	}
	var errs []error
	if lr.b != nil {
		if err := lr.b.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if lr.d != nil {
		lr.d.Stop()
		<-lr.d.Done()
	}
	if lr.dev != nil {
		lr.dev.Close()
	}
	if lr.ns != nil {
		if err := lr.ns.Remove(); err != nil {
			errs = append(errs, fmt.Errorf("live: removing namespace %s: %v", lr.ns.Name, err))
		}
	}
	if lr.b != nil {
		st := lr.b.Stats()
		fmt.Fprintf(lr.g.stderr, "hops live: %d datagrams (%d bytes) from Linux into the world, %d (%d bytes) back out", st.In, st.InBytes, st.Out, st.OutBytes)
		var drops []string
		for _, d := range []struct {
			n    uint64
			what string
		}{{st.NotIPv4, "not IPv4"}, {st.BadChecksum, "bad checksum"}, {st.Malformed, "malformed"}, {st.Spoofed, "not from the host's address"}, {st.Refused, "refused by the host (no route, queue full)"}, {st.QueueFull, "TUN queue full"}, {st.Behind, "the world fell behind the wall clock (receive queue full)"}} {
			if d.n > 0 {
				drops = append(drops, fmt.Sprintf("%d %s", d.n, d.what))
			}
		}
		if len(drops) > 0 {
			fmt.Fprintf(lr.g.stderr, "; dropped: %s", strings.Join(drops, ", "))
		}
		fmt.Fprintln(lr.g.stderr)
	}
	if err := lr.s.close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// liveTarget returns the host Linux stands for: the one --attach names
// (or the host it added to a router), else the laptop.
func liveTarget(s *session, attach string) (*node.Node, error) {
	if attach == "" {
		return s.source("")
	}
	n := s.w.Node(attach)
	if n == nil {
		return nil, usageError{fmt.Errorf("live: --attach: unknown node %q (try `hops world`)", attach)}
	}
	if s.w.Role(attach).IsRouter() {
		name := s.w.Scenario.Nodes[len(s.w.Scenario.Nodes)-1].Name // added by attachHost
		return s.w.Node(name), nil
	}
	return n, nil
}

// attachHost adds a host for Linux to the scenario on a new link to
// router: a /30 from 198.19.0.0/16 (benchmarking space, RFC 2544) that
// no address of the world overlaps. For a host it changes nothing: Linux
// takes that host's place.
func attachHost(sc *scenario.Scenario, router string) error {
	i := slices.IndexFunc(sc.Nodes, func(n scenario.Node) bool { return n.Name == router })
	if i < 0 {
		return nil // liveTarget reports the unknown node
	}
	if !sc.Nodes[i].Role.IsRouter() {
		return nil
	}
	taken := func(name string) bool {
		return slices.ContainsFunc(sc.Nodes, func(n scenario.Node) bool { return n.Name == name })
	}
	name := liveHost
	for k := 2; taken(name); k++ {
		name = fmt.Sprintf("%s-%d", liveHost, k)
	}
	var used []netip.Prefix
	ifaces := map[string]bool{}
	addEnd := func(e scenario.Endpoint) {
		if e.Addr.IsValid() {
			used = append(used, e.Addr.Masked())
		}
		if e.Node == router {
			ifaces[e.Iface] = true
		}
	}
	for _, l := range sc.Links {
		addEnd(l.A)
		addEnd(l.B)
	}
	for _, l := range sc.LANs {
		for _, m := range l.Members {
			addEnd(m)
		}
	}
	var subnet netip.Prefix
	for a := netip.MustParseAddr("198.19.255.252"); a.Is4() && a.As4()[1] == 19; {
		p := netip.PrefixFrom(a, 30)
		if !slices.ContainsFunc(used, p.Overlaps) {
			subnet = p
			break
		}
		b := a.As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) - 4
		a = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	if !subnet.IsValid() {
		return fmt.Errorf("live --attach %s: no free /30 left in 198.19.0.0/16", router)
	}
	rIface := "live0"
	for k := 1; ifaces[rIface]; k++ {
		rIface = fmt.Sprintf("live%d", k)
	}
	r, h := subnet.Addr().Next(), subnet.Addr().Next().Next()
	sc.Nodes = append(sc.Nodes, scenario.Node{Name: name, Role: scenario.RoleHost})
	sc.Links = append(sc.Links, scenario.Link{
		Name:         router + "--" + name,
		A:            scenario.Endpoint{Node: router, Iface: rIface, Addr: netip.PrefixFrom(r, 30)},
		B:            scenario.Endpoint{Node: name, Iface: "eth0", Addr: netip.PrefixFrom(h, 30)},
		Delay:        liveAttachDelay,
		MTU:          1500,
		QueuePackets: scenario.DefaultQueuePackets,
	})
	return nil
}
