package link

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

// mustViolate runs f and checks that it panics with a *sim.Violation named
// name whose message names it too.
func mustViolate(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		err, ok := r.(error)
		var v *sim.Violation
		if !ok || !errors.As(err, &v) {
			t.Fatalf("panic %v (%T), want a *sim.Violation named %q", r, r, name)
		}
		want := `hops: invariant "` + name + `" violated: `
		if v.Name != name || !strings.HasPrefix(v.Error(), want) {
			t.Fatalf("panic %q, want it to start with %q", v.Error(), want)
		}
		t.Log(v.Error())
	}()
	f()
}

// Each test breaks one invariant on purpose, the way a bug would, and
// checks that the link names it.

func TestInvariantSendFreedPacket(t *testing.T) {
	r := newRig(1, Config{})
	p := r.pool.Get(100)
	r.pool.Get(1) // keeps the pool's live count above zero
	r.pool.Put(p)
	mustViolate(t, "link-send-freed-packet", func() { r.l.Send(0, p) })
}

func TestInvariantSlotReleasedTwice(t *testing.T) {
	r := newRig(1, Config{})
	s := r.l.hold(r.pool.Get(100))
	r.l.release(s)
	mustViolate(t, "link-slot-released-twice", func() { r.l.release(s) })
}

func TestInvariantQueueNegative(t *testing.T) {
	r := newRig(1, Config{RateBps: 1e6})
	r.send(0, 1000, 1)              // on the wire
	r.send(0, 1000, 2)              // queued
	r.l.dir[0].stats.QueueBytes = 0 // the count lost a packet
	mustViolate(t, "link-queue-negative", func() { r.k.Run() })
}

func TestInvariantWakeQueueEmpty(t *testing.T) {
	r := newRig(1, Config{RateBps: 1e6})
	// A wake-up left behind with nothing to send, as if flush forgot to
	// cancel it.
	r.k.Schedule(sim.Time(time.Millisecond), r.l, 0)
	mustViolate(t, "link-wake-queue-empty", func() { r.k.Run() })
}

func TestInvariantWakeWireBusy(t *testing.T) {
	r := newRig(1, Config{RateBps: 1e6}) // 1000 bytes = 8ms on the wire
	r.send(0, 1000, 1)
	r.send(0, 1000, 2)
	r.k.Schedule(sim.Time(time.Millisecond), r.l, 0) // a second, early wake-up
	mustViolate(t, "link-wake-wire-busy", func() { r.k.Run() })
}

func TestInvariantArrivalOrder(t *testing.T) {
	r := newRig(1, Config{Delay: 10 * time.Millisecond})
	r.send(0, 100, 1)          // arrives at 10ms
	r.l.dir[0].lastArrival = 0 // forgets the packet ahead
	mustViolate(t, "link-arrival-order", func() {
		r.l.schedArrival(0, sim.Time(time.Millisecond), r.l.hold(r.pool.Get(100)), false)
	})
}

func TestInvariantArrivalTime(t *testing.T) {
	r := newRig(1, Config{Delay: 10 * time.Millisecond})
	r.send(0, 100, 1)
	a := &r.l.dir[0].inflight
	a.buf[a.head].at++ // the FIFO and the kernel event disagree
	mustViolate(t, "link-arrival-time", func() { r.k.Run() })
}

// The checks are always on; the happy path must stay free of allocation.
func TestInvariantsDoNotAllocate(t *testing.T) {
	r := newRig(1, Config{RateBps: 1e9, Delay: time.Millisecond, QueuePackets: 4})
	r.l.Attach(1, End{Recv: nullRecv{r.pool}})
	send := func() {
		for i := 0; i < 8; i++ { // half of them overflow the queue
			r.l.Send(0, r.pool.Get(1000))
		}
		r.k.Run()
	}
	send()
	if n := testing.AllocsPerRun(100, send); n != 0 {
		t.Fatalf("%v allocations per round", n)
	}
}
