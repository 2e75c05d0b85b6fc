package node

import (
	"time"

	"github.com/hopsnet/hops/sim"
)

// Timer is an app's or transport's reusable timer: made once with
// NewTimer, then armed with Reset or ResetAt and disarmed with Stop as
// often as needed without allocating, so a constant-rate sender or a
// retransmission timer costs nothing per packet. A stopped timer never
// fires; arming a pending timer moves it.
type Timer struct {
	n   *Node
	f   func(now sim.Time)
	ref sim.Timer
}

// timerFire is Timer's face towards the kernel, so that Fire is not part
// of Timer's API.
type timerFire Timer

// Fire runs the timer's function.
func (t *timerFire) Fire(now sim.Time, _ uint64) {
	t.ref = sim.Timer{}
	t.n.timersArmed--
	t.f(now)
}

// NewTimer returns a stopped timer that calls f when it fires.
func (n *Node) NewTimer(f func(now sim.Time)) *Timer {
	return &Timer{n: n, f: f}
}

// Reset arms the timer to fire d from now, cancelling a pending firing.
func (t *Timer) Reset(d time.Duration) { t.ResetAt(t.n.k.Now().Add(d)) }

// ResetAt arms the timer to fire at virtual time at (a past time means
// now), cancelling a pending firing.
func (t *Timer) ResetAt(at sim.Time) {
	if !t.n.k.Cancel(t.ref) {
		t.n.timersArmed++
	}
	t.ref = t.n.k.Schedule(at, (*timerFire)(t), 0)
}

// Stop disarms the timer; it reports whether it was pending.
func (t *Timer) Stop() bool {
	ok := t.n.k.Cancel(t.ref)
	if ok {
		t.n.timersArmed--
	}
	t.ref = sim.Timer{}
	return ok
}

// Pending reports whether the timer is armed and has not fired.
func (t *Timer) Pending() bool { return t.n.k.Active(t.ref) }
