package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/trace/capture"
	"github.com/hopsnet/hops/world"
	"github.com/hopsnet/hops/world/scenario"
)

// session is one simulation run with its outputs.
type session struct {
	g      *globals
	w      *world.World
	boot   *settleLog // the events of the DHCP phase, for the outputs
	closer []func() error

	// Set by start: out carries the command's own output (stdout, or
	// stderr when the capture or the event log takes stdout) and is
	// flushed regularly while the run goes on; errw is stderr, which
	// flushes out first so that the two keep their order on a terminal.
	out  *bufio.Writer
	text io.Writer // what out writes to
	errw io.Writer

	stubs       map[*node.Node]*dnsserver.Stub // each host's stub resolver, made on first use
	limit       sim.Time                       // runUntilDone stops past this virtual time (0: maxVirtual)
	interrupted syscall.Signal                 // the signal that ended runUntilDone early, or 0
	progress    *progressState                 // the progress bar on stderr, or nil
	lastFlush   time.Time                      // wall clock of the last flush of out
}

// maxVirtual bounds every run in virtual time beyond what the app plans,
// so a scenario that never quiesces still ends.
const maxVirtual = 24 * time.Hour

// flushEvery is how often, in wall-clock time, output held in buffers
// is written out while a run goes on.
var flushEvery = 100 * time.Millisecond

// newSession loads the scenario and builds the world. Outputs are opened
// by start, once every argument has been checked, so that a mistake never
// truncates a file the user had.
func newSession(g *globals) (*session, error) {
	sc, err := loadScenario(g)
	if err != nil {
		return nil, err
	}
	switch g.routing {
	case "", world.RoutingOracle, world.RoutingOSPF, world.RoutingBGP:
	default:
		return nil, usageError{fmt.Errorf("--routing %q: want oracle, ospf or bgp", g.routing)}
	}
	if dyn := g.routing == world.RoutingOSPF || g.routing == world.RoutingBGP || g.routing == "" && (sc.Routing == "ospf" || sc.Routing == "bgp"); g.staticRt && dyn {
		return nil, usageError{fmt.Errorf("--static-routes keeps the oracle's routes; it does not go with OSPF or BGP routing")}
	}
	w, err := world.Build(sc, g.seed, world.Options{StaticRoutes: g.staticRt, Routing: g.routing})
	if err != nil {
		return nil, usageError{err}
	}
	boot, err := settle(w, g.pcap != "" || g.events != "")
	if err != nil {
		// A world whose hosts cannot all get a lease still runs: the
		// user may be studying exactly that (a lossy or cut uplink).
		fmt.Fprintf(g.stderr, "hops: warning: %v\n", err)
	}
	for _, name := range g.capture {
		if w.Node(name) == nil {
			return nil, usageError{fmt.Errorf("--capture: unknown node %q", name)}
		}
	}
	if len(g.capture) > 0 && g.pcap == "" {
		return nil, usageError{fmt.Errorf("--capture needs --pcap FILE")}
	}
	for _, ev := range []struct {
		flag  string
		specs []string
		up    bool
	}{{"--link-down", g.linkDown, false}, {"--link-up", g.linkUp, true}} {
		for _, spec := range ev.specs {
			if err := scheduleLink(w, ev.flag, spec, ev.up); err != nil {
				return nil, usageError{err}
			}
		}
	}
	return &session{g: g, w: w, boot: boot}, nil
}

// loadScenario loads the scenario (--world, or the default world) and
// applies --link-set to it, checked by the scenario's own schema.
func loadScenario(g *globals) (*scenario.Scenario, error) {
	sc, err := world.Load(g.world)
	if err != nil {
		return nil, usageError{err}
	}
	if g.editScenario != nil {
		if err := g.editScenario(sc); err != nil {
			return nil, usageError{err}
		}
	}
	for _, spec := range g.linkSet {
		if err := scenario.SetLink(sc, spec); err != nil {
			return nil, usageError{fmt.Errorf("--link-set %s: %v", spec, err)}
		}
	}
	return sc, nil
}

// scheduleLink parses LINK@TIME and schedules the link to go down or up.
func scheduleLink(w *world.World, flag, spec string, up bool) error {
	name, at, ok := strings.Cut(spec, "@")
	if !ok {
		return fmt.Errorf("%s %q: want LINK@TIME, e.g. isp-a-core--ixp@1.5s", flag, spec)
	}
	ls := w.LinksNamed(name)
	if len(ls) == 0 {
		return fmt.Errorf("%s: unknown link %q (try `hops world`)", flag, name)
	}
	d, err := scenario.ParseDuration(at)
	if err != nil {
		return fmt.Errorf("%s %q: %v", flag, spec, err)
	}
	if d < 0 {
		return fmt.Errorf("%s %q: the time must not be negative", flag, spec)
	}
	// Times count from the world's start (after the hosts got their
	// DHCP leases), which is when the command starts; at 0 the link
	// changes before the command sends anything.
	set := func() {
		for _, l := range ls {
			l.SetUp(up)
		}
	}
	when := w.Start.Add(d)
	if when <= w.Kernel.Now() {
		set()
		return nil
	}
	w.Kernel.Schedule(when, sim.HandlerFunc(func(sim.Time, uint64) { set() }), 0)
	return nil
}

// checkOutputs rejects output flags that cannot work together, before any
// file is opened: the capture and the event log in one file would
// interleave into a file neither tshark nor a JSON reader accepts, and a
// binary capture on a terminal helps nobody.
func checkOutputs(g *globals) error {
	if g.pcap != "" && g.events != "" && sameFile(g.pcap, g.events) {
		return usageError{fmt.Errorf("--pcap and --events name the same file %q: the capture and the event log would overwrite each other; give them different files", g.pcap)}
	}
	if g.pcap == "-" && isTerminal(g.stdout) {
		return usageError{fmt.Errorf("--pcap -: standard output is a terminal; pipe the capture (--pcap - | tshark -r -) or give a file")}
	}
	return nil
}

// sameFile reports whether two output paths name one file: the same
// path, or (when both exist) the same file by device and inode, as
// through a link.
func sameFile(a, b string) bool {
	if a == "-" || b == "-" {
		return a == b
	}
	if abs(a) == abs(b) {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}

// start opens the outputs the flags ask for (capture, event log) and the
// command's output writers. "-" sends the capture or the event log to
// standard output; the command's own output then goes to stderr.
func (s *session) start() error {
	g, w := s.g, s.w
	if err := checkOutputs(g); err != nil {
		return err
	}
	text := g.stdout
	if g.pcap == "-" || g.events == "-" {
		text = g.stderr
	}
	s.text = text
	s.out = bufio.NewWriterSize(text, 64<<10)
	s.errw = flushFirst{s}
	s.lastFlush = time.Now()
	open := func(name string) (io.Writer, func() error, error) {
		if name == "-" {
			return g.stdout, func() error { return nil }, nil
		}
		f, err := os.Create(name)
		if err != nil {
			return nil, nil, err
		}
		return f, f.Close, nil
	}
	if g.pcap != "" {
		f, closeFile, err := open(g.pcap)
		if err != nil {
			return err
		}
		// Nodes' interfaces only: a LAN's switch ports would repeat
		// what its members' interfaces capture.
		filter := func(n string) bool { return w.Node(n) != nil }
		if len(g.capture) > 0 {
			filter = func(n string) bool { return slices.Contains(g.capture, n) }
		}
		var ifaces []capture.Iface
		for _, n := range w.Nodes {
			for _, i := range n.Ifaces() {
				peer, pi := i.Peer()
				addr := "dhcp"
				if i.Prefix.IsValid() {
					addr = i.Prefix.String()
				}
				ifaces = append(ifaces, capture.Iface{Node: n.Name, Iface: i.Name, Ethernet: i.Ethernet(),
					Description: fmt.Sprintf("%s on %s to %s:%s", addr, i.Link().Name(), peer, pi)})
			}
		}
		c, err := capture.New(f, ifaces, filter)
		if err != nil {
			closeFile()
			return err
		}
		s.boot.replay(c)
		w.Bus.Subscribe(c)
		s.closer = append(s.closer, c.Close, closeFile)
	}
	if g.events != "" {
		f, closeFile, err := open(g.events)
		if err != nil {
			return err
		}
		bw := bufio.NewWriter(f)
		j := trace.NewJSONL(bw)
		s.boot.replay(j)
		w.Bus.Subscribe(j)
		s.closer = append(s.closer, j.Flush, bw.Flush, closeFile)
	}
	return nil
}

// flushFirst writes to stderr after flushing the session's output and
// taking the progress bar off the screen.
type flushFirst struct{ s *session }

func (f flushFirst) Write(b []byte) (int, error) {
	f.s.clearProgress()
	f.s.flush()
	return f.s.g.stderr.Write(b)
}

// flush writes out the command's buffered output.
func (s *session) flush() {
	if s.out != nil {
		s.out.Flush()
	}
}

// source returns the node to run an app on: --from, or the first laptop,
// or the first host.
func (s *session) source(from string) (*node.Node, error) {
	if from != "" {
		n := s.w.Node(from)
		if n == nil {
			return nil, usageError{fmt.Errorf("--from: unknown node %q (try `hops world`)", from)}
		}
		return n, nil
	}
	for _, sn := range s.w.Scenario.Nodes {
		if sn.Role == "laptop" {
			return s.w.Node(sn.Name), nil
		}
	}
	for _, sn := range s.w.Scenario.Nodes {
		if !sn.Role.IsRouter() {
			return s.w.Node(sn.Name), nil
		}
	}
	return nil, usageError{fmt.Errorf("the world has no host to run from; use --from NODE")}
}

// resolve turns DEST into an address, with a usage error a person reads.
func (s *session) resolve(dest string) (netip.Addr, error) {
	a, err := s.w.Resolve(dest)
	if err != nil {
		return a, usageError{err}
	}
	return a, nil
}

// runUntilDone runs the kernel until done reports true (checked after each
// event), the queue empties, the virtual time limit passes or SIGINT or
// SIGTERM arrives (s.interrupted says which). The simulation stays on
// this goroutine: a signal only sets a flag, read here between events.
// While it runs, buffered output is flushed every flushEvery of wall
// time and the progress bar, if any, is updated.
func (s *session) runUntilDone(done *bool) {
	k := s.w.Kernel
	limit := s.limit
	if limit == 0 {
		limit = sim.Time(maxVirtual)
	}
	for n := uint32(0); !*done && k.NextAt() <= limit; n++ {
		if sig := s.g.intr.signal(); sig != 0 {
			s.interrupted = sig
			break
		}
		if n%4096 == 4095 {
			s.tick()
		}
		if !k.Step() {
			break
		}
	}
	s.clearProgress()
	s.progress = nil
}

// tick does the wall-clock chores of a long run: flush the output, draw
// the progress.
func (s *session) tick() {
	now := time.Now()
	if now.Sub(s.lastFlush) < flushEvery {
		return
	}
	s.lastFlush = now
	s.flush()
	s.drawProgress(now)
}

// limitAfter sets the run's virtual time limit to plan plus maxVirtual,
// saturating instead of overflowing.
func (s *session) limitAfter(plan time.Duration) {
	if plan > time.Duration(math.MaxInt64)-maxVirtual {
		s.limit = sim.Time(math.MaxInt64)
		return
	}
	s.limit = sim.Time(plan + maxVirtual)
}

// close flushes and closes the outputs.
func (s *session) close() error {
	if s.g.onClose != nil {
		s.g.onClose(s)
		s.g.onClose = nil
	}
	s.flush()
	if s.g.stats {
		s.writeLinkStats(s.g.stderr)
	}
	var first error
	for _, c := range s.closer {
		if err := c(); err != nil && first == nil {
			first = err
		}
	}
	if s.out != nil {
		if err := s.out.Flush(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// nameOf gives a node's name for an address (the simulation's reverse
// DNS), or "".
func (s *session) nameOf(a netip.Addr) string {
	if n, _ := s.w.NodeByAddr(a); n != nil {
		return n.Name
	}
	return ""
}

func (s *session) printJSON(v any) error { return newJSON(s.g.stdout).Encode(v) }

func newJSON(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc
}
