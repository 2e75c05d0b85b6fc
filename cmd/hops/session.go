package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

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
	closer []func() error
}

// maxVirtual bounds every run in virtual time, so a scenario that never
// quiesces still ends.
const maxVirtual = 24 * time.Hour

// newSession loads the scenario and builds the world. Outputs are opened
// by start, once every argument has been checked, so that a mistake never
// truncates a file the user had.
func newSession(g *globals) (*session, error) {
	sc, err := world.Load(g.world)
	if err != nil {
		return nil, usageError{err}
	}
	w, err := world.Build(sc, g.seed, world.Options{StaticRoutes: g.staticRt})
	if err != nil {
		return nil, usageError{err}
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
	return &session{g: g, w: w}, nil
}

// scheduleLink parses LINK@TIME and schedules the link to go down or up.
func scheduleLink(w *world.World, flag, spec string, up bool) error {
	name, at, ok := strings.Cut(spec, "@")
	if !ok {
		return fmt.Errorf("%s %q: want LINK@TIME, e.g. isp-a-core--ixp@1.5s", flag, spec)
	}
	l := w.Link(name)
	if l == nil {
		return fmt.Errorf("%s: unknown link %q (try `hops world`)", flag, name)
	}
	d, err := scenario.ParseDuration(at)
	if err != nil {
		return fmt.Errorf("%s %q: %v", flag, spec, err)
	}
	if d < 0 {
		return fmt.Errorf("%s %q: the time must not be negative", flag, spec)
	}
	w.Kernel.Schedule(sim.Time(d), sim.HandlerFunc(func(sim.Time, uint64) { l.SetUp(up) }), 0)
	return nil
}

// start opens the outputs the flags ask for (capture, event log).
func (s *session) start() error {
	g, w := s.g, s.w
	if g.pcap != "" {
		f, err := os.Create(g.pcap)
		if err != nil {
			return err
		}
		var filter func(string) bool
		if len(g.capture) > 0 {
			filter = func(n string) bool { return slices.Contains(g.capture, n) }
		}
		var ifaces []capture.Iface
		for _, n := range w.Nodes {
			for _, i := range n.Ifaces() {
				peer, pi := i.Peer()
				ifaces = append(ifaces, capture.Iface{Node: n.Name, Iface: i.Name,
					Description: fmt.Sprintf("%s on %s to %s:%s", i.Prefix, i.Link().Name(), peer, pi)})
			}
		}
		c, err := capture.New(f, ifaces, filter)
		if err != nil {
			f.Close()
			return err
		}
		w.Bus.Subscribe(c)
		s.closer = append(s.closer, c.Close, f.Close)
	}
	if g.events != "" {
		f, err := os.Create(g.events)
		if err != nil {
			return err
		}
		bw := bufio.NewWriter(f)
		j := trace.NewJSONL(bw)
		w.Bus.Subscribe(j)
		s.closer = append(s.closer, j.Flush, bw.Flush, f.Close)
	}
	return nil
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

// endpoints returns the node to run an app on (--from) and the address of
// DEST.
func (s *session) endpoints(from, dest string) (*node.Node, netip.Addr, error) {
	src, err := s.source(from)
	if err != nil {
		return nil, netip.Addr{}, err
	}
	dst, err := s.resolve(dest)
	return src, dst, err
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
// event) or the queue empties or the virtual time limit passes.
func (s *session) runUntilDone(done *bool) {
	k := s.w.Kernel
	limit := sim.Time(maxVirtual)
	for !*done && k.NextAt() <= limit && k.Step() {
	}
}

// close flushes and closes the outputs.
func (s *session) close() error {
	if s.g.stats {
		s.writeLinkStats(s.g.stderr)
	}
	var first error
	for _, c := range s.closer {
		if err := c(); err != nil && first == nil {
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
