package main

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
)

// appRun is one app for runApp to run: what to check, how to start it
// and what to do when a signal cuts it short. Every command that runs an
// app in a world (ping, traceroute, and those to come) goes through it.
type appRun struct {
	from, dest string
	// noDest: the app has no single destination (a browser looks up
	// each host itself); dest and destOf are ignored.
	noDest bool
	// destOf names DEST from the built world when dest is "" (dig asks
	// the world's resolver). The name it gives is looked up in the node
	// table, never in DNS: it stands for resolv.conf's address.
	destOf func(s *session) (string, error)
	// unresolved words the error of a DEST that DNS could not resolve
	// (a *nameError) the way the real tool does; nil gives a usage error.
	unresolved func(s *session, ne *nameError) error
	// lookupLimit, if set, bounds a DNS lookup of DEST in virtual time
	// from the world's start; lookupTimeout words the error then (curl's
	// -m and --connect-timeout cover name resolution too).
	lookupLimit   time.Duration
	lookupTimeout func(elapsed time.Duration) error
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
// look a dotted DEST up in DNS from the source node (a stub's query to
// the world's resolver, in virtual time, so its packets are part of the
// capture and the event log; then check) → start the app → run until it is done or a signal arrives → flush and
// close. It returns the session (its outputs are closed) and the signal
// that ended the run early, or 0.
func (g *globals) runApp(a appRun) (*session, syscall.Signal, error) {
	s, err := newSession(g)
	if err != nil {
		return nil, 0, err
	}
	fromResolvConf := false
	if a.dest == "" && a.destOf != nil {
		if a.dest, err = a.destOf(s); err != nil {
			return nil, 0, err
		}
		fromResolvConf = true
	}
	src, err := s.source(a.from)
	if err != nil {
		return nil, 0, err
	}
	// A dotted name is looked up in DNS once the run has begun (stub
	// lookup); anything else resolves now, in the node table, and is
	// checked before any output file opens.
	viaDNS := !fromResolvConf && !a.noDest && s.usesDNS(a.dest)
	var dst netip.Addr
	if !viaDNS && !a.noDest {
		if dst, err = s.resolve(a.dest); err != nil {
			return nil, 0, err
		}
	}
	if !viaDNS && a.check != nil {
		if err := a.check(s, src, dst); err != nil {
			return nil, 0, err
		}
	}
	if err := s.start(); err != nil {
		return nil, 0, err
	}
	s.limitAfter(a.plan)
	// Events due at time zero (a link cut "at 0s") happen before the app
	// sends anything.
	s.w.Kernel.RunUntil(0)
	if viaDNS {
		resolved := false
		var lerr error
		s.lookup(src, a.dest, func(addr netip.Addr, err error) {
			if !resolved {
				dst, lerr, resolved = addr, err, true
			}
		})
		if a.lookupLimit > 0 && a.lookupTimeout != nil {
			at := s.w.Start.Add(a.lookupLimit)
			s.w.Kernel.Schedule(max(at, s.w.Kernel.Now()), sim.HandlerFunc(func(now sim.Time, _ uint64) {
				if !resolved {
					lerr, resolved = a.lookupTimeout(now.Sub(s.w.Start)), true
				}
			}), 0)
		}
		s.runUntilDone(&resolved)
		if !resolved {
			if err := s.close(); err != nil {
				return s, s.interrupted, err
			}
			if s.interrupted != 0 {
				return s, s.interrupted, nil
			}
			return s, 0, fmt.Errorf("%s: the name lookup did not finish within %v of virtual time", a.label, maxVirtual)
		}
		if lerr == nil && a.check != nil {
			lerr = a.check(s, src, dst)
		}
		if lerr != nil {
			s.close()
			var ne *nameError
			if errors.As(lerr, &ne) {
				if a.unresolved != nil {
					return nil, 0, a.unresolved(s, ne)
				}
				return nil, 0, usageError{ne}
			}
			return nil, 0, lerr
		}
	}
	if a.progress != nil {
		s.progress = newProgressState(g, s, a.label, a.quiet, a.progress)
	}
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
