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
type interrupt struct {
	sig atomic.Int32
	// relay, when set, receives every SIGINT and SIGTERM, which then
	// stay caught after the first (hops live must clean up whatever
	// arrives, however often).
	relay atomic.Pointer[chan syscall.Signal]
}

// relayTo sends every SIGINT and SIGTERM to ch (dropped when ch is full)
// and keeps them caught, until stop is called. On a nil *interrupt (no
// signals watched) it does nothing.
func (i *interrupt) relayTo(ch chan syscall.Signal) (stop func()) {
	if i == nil {
		return func() {}
	}
	i.relay.Store(&ch)
	return func() { i.relay.Store(nil) }
}

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
// default effect again, so a second Ctrl-C ends hops at once (unless
// relayTo holds them).
func watchSignals(i *interrupt) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		for sig := range ch {
			s, _ := sig.(syscall.Signal)
			i.set(s)
			if r := i.relay.Load(); r != nil {
				select {
				case *r <- s:
				default:
				}
				continue
			}
			signal.Reset(os.Interrupt, syscall.SIGTERM)
			return
		}
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
