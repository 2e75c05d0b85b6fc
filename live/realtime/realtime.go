// Package realtime drives a simulation kernel in real time: virtual time
// tracks the wall clock, and work from other goroutines (packets read
// from a TUN device, calls from net.Conn adapters) is handed over through
// a queue and executed on the simulation's one thread at "now".
//
// The simulation stays single-threaded: only the goroutine running
// [Driver.Run] touches the kernel, its nodes, links and engines once Run
// has started. Everything else reaches them through [Driver.Do] (queue
// and return) or [Driver.Call] (queue and wait). Events run at their own
// virtual times, in the kernel's order, exactly as in a run without the
// driver; only the instants at which outside work arrives depend on the
// wall clock.
//
// Run inside a testing/synctest bubble, the driver's wall clock is the
// bubble's fake clock, which jumps forward whenever every goroutine of
// the bubble is durably blocked: the simulation then runs in virtual time
// as fast as the machine allows, with Go code (net/http through package
// netsim) taking part at the right virtual instants.
//
// A bridge to real packets (a TUN device standing for one host) injects
// each datagram it reads at "now" by handing it over with Do, e.g.
// d.Do(func() { l.Send(side, p) }) onto the link that joins the host to
// its router, the packet taken from the world's pool inside f.
// Packets leaving the simulation (towards a TUN device, say) are seen on
// the simulation's thread, in a node's or link's callback; hand them to
// an I/O goroutine through a channel or a buffer of its own, never by
// blocking the thread.
package realtime

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hopsnet/hops/sim"
)

// ErrStopped is returned by Do and Call when the driver has stopped (or
// stops before the work could run).
var ErrStopped = errors.New("realtime: driver stopped")

// maxBatch bounds how many kernel events run before the driver looks at
// its queue again, so that a busy simulation cannot starve outside work.
const maxBatch = 4096

// maxQueue bounds the work waiting for the simulation's thread; Do blocks
// (back-pressure) while the queue is full.
const maxQueue = 1 << 16

// A Driver runs a kernel in real time. Create it with [New], start it with
// [Driver.Run]; it is safe for concurrent use by any goroutine.
type Driver struct {
	k *sim.Kernel

	mu      sync.Mutex
	queue   []func() // work waiting for the simulation's thread
	space   chan struct{}
	running bool
	stopped bool
	// wake has room for one signal: queued work or Stop.
	wake chan struct{}
	// done is closed when Run returns (or Stop is called before Run).
	done chan struct{}

	// Set when Run starts, read by Now from any goroutine.
	startWall time.Time
	startSim  sim.Time
	started   chan struct{}
}

// New returns a driver for k. Until Run starts, the caller may still use
// k directly (build a world, let it settle); after that, only through the
// driver.
func New(k *sim.Kernel) *Driver {
	return &Driver{
		k:       k,
		wake:    make(chan struct{}, 1),
		space:   make(chan struct{}, 1),
		done:    make(chan struct{}),
		started: make(chan struct{}),
	}
}

// Kernel returns the kernel the driver runs. Use it only on the
// simulation's thread (inside work given to Do or Call, or in the
// simulation's own callbacks), or before Run.
func (d *Driver) Kernel() *sim.Kernel { return d.k }

// Now returns the virtual time that corresponds to the wall clock's now:
// the kernel's time when Run started plus the wall time since. Before Run
// it is the kernel's time. The kernel's own clock may lag it by the work
// still to do.
func (d *Driver) Now() sim.Time {
	select {
	case <-d.started:
		return d.startSim.Add(time.Since(d.startWall))
	default:
		return d.k.Now()
	}
}

// Do queues f to run on the simulation's thread at "now" and returns at
// once. Work runs in the order it was queued. It returns ErrStopped if
// the driver has stopped; f then never runs. Do may be called from the
// simulation's thread too (f then runs after the current event).
func (d *Driver) Do(f func()) error {
	for {
		d.mu.Lock()
		if d.stopped {
			d.mu.Unlock()
			return ErrStopped
		}
		if len(d.queue) < maxQueue {
			d.queue = append(d.queue, f)
			d.mu.Unlock()
			d.signal()
			return nil
		}
		d.mu.Unlock()
		select { // full: wait for the thread to take work
		case <-d.space:
		case <-d.done:
		}
	}
}

// Call runs f on the simulation's thread at "now" and waits until it has
// run. It returns ErrStopped, without running f, if the driver stops
// first. Never call it from the simulation's thread: it would wait for
// itself.
func (d *Driver) Call(f func()) error {
	ran := make(chan struct{})
	if err := d.Do(func() { f(); close(ran) }); err != nil {
		return err
	}
	select {
	case <-ran:
		return nil
	case <-d.done:
		select { // it may have run just before the stop
		case <-ran:
			return nil
		default:
			return ErrStopped
		}
	}
}

// Stop makes Run return after the event or work it is running. Queued
// work is dropped; later Do and Call return ErrStopped.
func (d *Driver) Stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	d.stopped = true
	d.queue = nil
	if !d.running {
		close(d.done)
		return
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Done is closed once the driver has stopped: Run has returned, or Stop
// was called before Run.
func (d *Driver) Done() <-chan struct{} { return d.done }

// signal wakes Run.
func (d *Driver) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run runs the kernel in real time until ctx is done or Stop is called,
// and returns ctx's error or nil. Call it once, on the goroutine that
// becomes the simulation's thread.
func (d *Driver) Run(ctx context.Context) error {
	d.mu.Lock()
	if d.stopped {
		d.mu.Unlock()
		return nil
	}
	if d.running {
		d.mu.Unlock()
		return errors.New("realtime: Run called twice")
	}
	d.running = true
	d.startWall = time.Now()
	d.startSim = d.k.Now()
	close(d.started)
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.stopped = true
		d.queue = nil
		d.mu.Unlock()
		close(d.done)
	}()

	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var work []func()
	for {
		if d.isStopped() {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		now := d.Now()
		// The events due by now, in batches; the clock then moves to now.
		ran := 0
		for ran < maxBatch && d.k.NextAt() <= now {
			d.k.Step()
			ran++
		}
		caughtUp := ran < maxBatch
		if caughtUp {
			d.k.RunUntil(now)
		}
		// Outside work, at the kernel's now.
		d.mu.Lock()
		work, d.queue = d.queue, work[:0]
		d.mu.Unlock()
		select { // room again for a Do waiting on a full queue
		case d.space <- struct{}{}:
		default:
		}
		for i, f := range work {
			f()
			work[i] = nil
			if d.isStopped() {
				return nil
			}
		}
		if len(work) > 0 || !caughtUp {
			continue
		}
		next := d.k.NextAt()
		if next <= d.Now() {
			continue
		}
		wait := time.Hour
		if next != sim.Never {
			wait = next.Sub(d.Now())
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
		case <-d.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

func (d *Driver) isStopped() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stopped
}
