package main

import (
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// interrupt records the first SIGINT or SIGTERM. A handler goroutine in
// main sets it; the simulation, single-threaded, reads it between events
// (session.runUntilDone) and the command then ends the way the real tool
// would. A nil *interrupt is never set.
type interrupt struct{ sig atomic.Int32 }

// signal returns the signal received, or 0.
func (i *interrupt) signal() syscall.Signal {
	if i == nil {
		return 0
	}
	return syscall.Signal(i.sig.Load())
}

// set records sig unless a signal is already recorded.
func (i *interrupt) set(sig syscall.Signal) { i.sig.CompareAndSwap(0, int32(sig)) }

// watchSignals catches SIGINT and SIGTERM into i until the returned stop
// is called. Only the first is caught: after it the signals have their
// default effect again, so a second Ctrl-C ends hops at once.
func watchSignals(i *interrupt) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig, ok := <-ch
		if !ok {
			return
		}
		if s, ok := sig.(syscall.Signal); ok {
			i.set(s)
		}
		signal.Reset(os.Interrupt, syscall.SIGTERM)
	}()
	return func() {
		signal.Stop(ch)
		close(ch)
	}
}

// killedBy ends a command the way a tool killed by a signal ends: no more
// output, status 128+signal (and main re-raises the signal, so that a
// shell sees what it would see of the real tool).
type killedBy struct{ sig syscall.Signal }

func (k killedBy) Error() string { return "killed by " + k.sig.String() }
