package main

import (
	"fmt"
	"net/netip"
	"syscall"
	"time"

	"github.com/hopsnet/hops/node"
)

// appRun is one app for runApp to run: what to check, how to start it
// and what to do when a signal cuts it short. Every command that runs an
// app in a world (ping, traceroute, and those to come) goes through it.
type appRun struct {
	from, dest string
	// destOf names DEST from the built world when dest is "" (dig asks
	// the world's resolver).
	destOf func(s *session) (string, error)
	// plan is the app's longest run in virtual time; the run is cut off
	// maxVirtual after it.
	plan time.Duration
	// check runs once DEST is resolved, before any output file opens.
	check func(s *session, src *node.Node, dst netip.Addr) error
	// start starts the app at virtual time zero; the app calls done when
	// it has finished.
	start func(s *session, src *node.Node, dst netip.Addr, done func()) error
	// interrupted runs when SIGINT or SIGTERM ended the run early, before
	// the outputs are flushed and closed (ping prints its statistics).
	interrupted func(s *session, sig syscall.Signal)
	// quiet says the app prints nothing while it runs, so a progress bar
	// on a terminal's stderr cannot tangle with its lines.
	quiet bool
	// label and progress describe the run for the progress bar: work done
	// and work in all (requests sent of the count, hops probed).
	label    string
	progress func() (done, total int64)
}

// runApp is the life of an app run: load the world → resolve the
// endpoints → check → open the outputs → run what is due at time zero →
// start the app → run until it is done or a signal arrives → flush and
// close. It returns the session (its outputs are closed) and the signal
// that ended the run early, or 0.
func (g *globals) runApp(a appRun) (*session, syscall.Signal, error) {
	s, err := newSession(g)
	if err != nil {
		return nil, 0, err
	}
	if a.dest == "" && a.destOf != nil {
		if a.dest, err = a.destOf(s); err != nil {
			return nil, 0, err
		}
	}
	src, dst, err := s.endpoints(a.from, a.dest)
	if err != nil {
		return nil, 0, err
	}
	if a.check != nil {
		if err := a.check(s, src, dst); err != nil {
			return nil, 0, err
		}
	}
	if err := s.start(); err != nil {
		return nil, 0, err
	}
	s.limitAfter(a.plan)
	if a.progress != nil {
		s.progress = newProgressState(g, s, a.label, a.quiet, a.progress)
	}
	// Events due at time zero (a link cut "at 0s") happen before the app
	// sends anything.
	s.w.Kernel.RunUntil(0)
	done := false
	if err := a.start(s, src, dst, func() { done = true }); err != nil {
		s.close()
		return nil, 0, err
	}
	s.runUntilDone(&done)
	if s.interrupted != 0 && !done && a.interrupted != nil {
		a.interrupted(s, s.interrupted)
	}
	if err := s.close(); err != nil {
		return s, s.interrupted, err
	}
	if !done && s.interrupted == 0 {
		return s, 0, fmt.Errorf("%s did not finish within %v of virtual time after its planned %v", a.label, maxVirtual, a.plan)
	}
	return s, s.interrupted, nil
}
