package sim

import (
	"errors"
	"strings"
	"testing"
)

// mustViolate runs f and checks that it panics with a *Violation named name
// whose message names it too.
func mustViolate(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want invariant %q violated", name)
		}
		err, ok := r.(error)
		var v *Violation
		if !ok || !errors.As(err, &v) {
			t.Fatalf("panic %v (%T), want a *sim.Violation", r, r)
		}
		want := `hops: invariant "` + name + `" violated: `
		if v.Name != name || !strings.HasPrefix(v.Error(), want) {
			t.Fatalf("panic %q, want it to start with %q", v.Error(), want)
		}
		t.Log(v.Error())
	}()
	f()
}

func TestViolationMessage(t *testing.T) {
	mustViolate(t, "some-name", func() { Violated("some-name", "packet %d returned twice", 42) })
	v := &Violation{Name: "some-name", Detail: "packet 42 returned twice"}
	if got, want := v.Error(), `hops: invariant "some-name" violated: packet 42 returned twice`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// Each test below breaks one invariant on purpose, the way a bug would, and
// checks that the kernel names it.

func TestInvariantTimeBackwards(t *testing.T) {
	k := NewKernel(1)
	k.Schedule(20, &recorder{}, 1)
	k.now = 30 // the clock jumped past a pending event
	mustViolate(t, "kernel-time-backwards", func() { k.Step() })
}

func TestInvariantHeapOrder(t *testing.T) {
	k := NewKernel(1)
	r := &recorder{}
	for i := 1; i <= 6; i++ {
		k.Schedule(Time(10*i), r, uint64(i))
	}
	// A broken sift leaves a child earlier than its parent.
	last := len(k.keys) - 1
	k.keys[last], k.heap[last].at = 1, 1
	mustViolate(t, "kernel-heap-order", func() { k.Step() })
}

func TestInvariantFiredAfterCancel(t *testing.T) {
	k := NewKernel(1)
	tm := k.Schedule(10, &recorder{}, 1)
	// A release that forgot to bump the generation: the heap entry still
	// matches a slot that is no longer scheduled.
	k.slots[tm.slot].h = nil
	mustViolate(t, "kernel-fired-after-cancel", func() { k.Step() })
}

func TestInvariantCancelledCount(t *testing.T) {
	k := NewKernel(1)
	k.Cancel(k.Schedule(10, &recorder{}, 1))
	k.dead = 0 // Cancel's count lost
	mustViolate(t, "kernel-cancelled-count", func() { k.Step() })

	k = NewKernel(1)
	k.Cancel(k.Schedule(10, &recorder{}, 1))
	k.dead = 0
	mustViolate(t, "kernel-cancelled-count", func() { k.NextAt() })
}

func TestInvariantNilHandler(t *testing.T) {
	k := NewKernel(1)
	mustViolate(t, "kernel-nil-handler", func() { k.Schedule(10, nil, 1) })
	mustViolate(t, "kernel-nil-handler", func() { k.ScheduleReserved(10, k.Reserve(), nil, 1) })
}

// The checks are always on; the happy path must stay free of allocation.
func TestInvariantsDoNotAllocate(t *testing.T) {
	k := NewKernel(1)
	h := &nop{k}
	for i := 0; i < 64; i++ {
		k.After(0, h, 0)
	}
	k.Run()
	n := testing.AllocsPerRun(1000, func() {
		k.Cancel(k.After(5, h, 0))
		k.After(3, h, 0)
		k.NextAt()
		k.Step()
	})
	if n != 0 {
		t.Fatalf("%v allocations per schedule/cancel/step", n)
	}
}

func TestRandStreamTwice(t *testing.T) {
	k := NewKernel(7)
	a := k.Rand("node:a/ping#1")
	b := k.Rand("node:a/ping#2")
	if a.Uint64() == b.Uint64() {
		t.Fatal("two names gave the same numbers")
	}
	mustViolate(t, "rand-stream-twice", func() { k.Rand("node:a/ping#1") })
	// Another kernel is another simulation: the name is free there.
	if NewKernel(7).Rand("node:a/ping#1").Uint64() != NewRand(7, "node:a/ping#1").Uint64() {
		t.Fatal("a stream's numbers depend on more than the seed and its name")
	}
}
