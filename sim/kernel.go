// Package sim is hops' discrete-event kernel: virtual time in nanoseconds,
// an event queue with cancellable timers, and named random streams derived
// from one seed.
//
// The kernel knows nothing of packets or protocols. Everything that happens
// in a simulation is an event: a Handler and a 64-bit argument due at a
// virtual instant. Events due at the same instant run in the order they were
// scheduled (ties are broken by a sequence number, as in ns-3). The queue is
// a 4-ary heap of value-typed entries, and a cancelled timer is skipped
// lazily when it reaches the top, so Cancel is O(1) and scheduling allocates
// nothing once the heap and slot table have grown to the working size.
//
// A simulation runs on one goroutine; the kernel is not safe for concurrent
// use, and nothing in it reads the wall clock.
//
// Invariants are checked always, at the cost of a branch each, and a broken
// one panics with its name (see Violation): "kernel-time-backwards",
// "kernel-heap-order", "kernel-fired-after-cancel",
// "kernel-cancelled-count", "kernel-nil-handler", "rand-stream-twice".
package sim

import (
	"fmt"
	"time"
)

// Time is a virtual instant: nanoseconds since the start of the simulation.
// The zero Time is the start.
type Time int64

// Add returns t+d.
func (t Time) Add(d time.Duration) Time { return t + Time(d) }

// Sub returns the duration t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// Duration returns t as a duration since the start of the simulation.
func (t Time) Duration() time.Duration { return time.Duration(t) }

// Seconds returns t in seconds since the start.
func (t Time) Seconds() float64 { return float64(t) / 1e9 }

// String formats t as seconds with nanosecond precision, like "1.000250000s".
func (t Time) String() string {
	sign := ""
	v := int64(t)
	if v < 0 {
		sign = "-"
		v = -v
	}
	return fmt.Sprintf("%s%d.%09ds", sign, v/1e9, v%1e9)
}

// Never is a Time later than any event; it means "no deadline".
const Never Time = 1<<63 - 1

// Handler is what an event calls when it fires. The argument is the one
// given when the event was scheduled; handlers use it to find their state
// (an index into a slab, a flag) without allocating a closure per event.
type Handler interface {
	Fire(now Time, arg uint64)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(now Time, arg uint64)

// Fire calls f(now, arg).
func (f HandlerFunc) Fire(now Time, arg uint64) { f(now, arg) }

// Timer identifies a scheduled event so it can be cancelled. The zero Timer
// is valid and refers to no event.
type Timer struct {
	slot uint32
	gen  uint32
}

// event is one entry of the heap: small (24 bytes), so sifting moves
// little memory. What to call lives in the slot table.
type event struct {
	at   Time
	seq  uint64
	slot uint32
	gen  uint32
}

// slot holds a scheduled event's handler and argument; gen counts how many
// times the slot has been used, so stale heap entries and Timers are
// recognised. h is nil exactly while the slot is free (fired, cancelled or
// never used), and every release bumps gen.
type slot struct {
	h   Handler
	arg uint64
	gen uint32
}

// Kernel is the event queue and virtual clock of one simulation.
type Kernel struct {
	now     Time
	seq     uint64
	heap    []event
	keys    []Time   // keys[i] == heap[i].at
	slots   []slot   // an event is live while its gen matches its slot's
	free    []uint32 // free slots
	fired   uint64
	dead    int // cancelled entries still in the heap
	stopped bool
	seed    uint64
	streams map[string]bool // names of the random streams handed out
}

// NewKernel returns a kernel at time zero whose random streams derive from
// seed.
func NewKernel(seed uint64) *Kernel {
	// Slot 0 is reserved so that the zero Timer never matches a live event.
	return &Kernel{seed: seed, slots: []slot{{gen: 1}}}
}

// Now returns the current virtual time.
func (k *Kernel) Now() Time { return k.now }

// Seed returns the seed the kernel was created with.
func (k *Kernel) Seed() uint64 { return k.seed }

// Fired returns how many events have run so far.
func (k *Kernel) Fired() uint64 { return k.fired }

// Pending returns the number of entries in the queue, including cancelled
// timers that have not yet been skipped.
func (k *Kernel) Pending() int { return len(k.heap) }

// Schedule arranges for h.Fire(at, arg) to run at virtual time at. A time in
// the past is treated as now, on purpose: an engine's deadline may already
// have passed when its caller schedules it, and the kernel never moves
// backwards. h must not be nil.
func (k *Kernel) Schedule(at Time, h Handler, arg uint64) Timer {
	k.seq++
	return k.schedule(at, k.seq, h, arg)
}

// Reserve takes a place in the same-instant order now, for an event that
// will only be scheduled later with ScheduleReserved. A link that keeps
// only the head of its in-flight packets in the queue uses it, so that
// each packet's arrival keeps the place it would have had if it had been
// scheduled when it was sent.
func (k *Kernel) Reserve() uint64 {
	k.seq++
	return k.seq
}

// ScheduleReserved is Schedule with a place in the order taken earlier by
// Reserve.
func (k *Kernel) ScheduleReserved(at Time, seq uint64, h Handler, arg uint64) Timer {
	return k.schedule(at, seq, h, arg)
}

func (k *Kernel) schedule(at Time, seq uint64, h Handler, arg uint64) Timer {
	if h == nil {
		Violated("kernel-nil-handler", "event due at %v (argument %d) has no handler", at, arg)
	}
	if at < k.now {
		at = k.now
	}
	var i uint32
	if n := len(k.free); n > 0 {
		i = k.free[n-1]
		k.free = k.free[:n-1]
	} else {
		i = uint32(len(k.slots))
		k.slots = append(k.slots, slot{gen: 1})
	}
	sl := &k.slots[i]
	sl.h, sl.arg = h, arg
	k.push(event{at: at, seq: seq, slot: i, gen: sl.gen})
	return Timer{slot: i, gen: sl.gen}
}

// After schedules h.Fire after d from now.
func (k *Kernel) After(d time.Duration, h Handler, arg uint64) Timer {
	return k.Schedule(k.now.Add(d), h, arg)
}

// AfterFunc schedules f after d from now. It allocates a closure; use After
// with a Handler on hot paths.
func (k *Kernel) AfterFunc(d time.Duration, f func()) Timer {
	return k.After(d, funcHandler{f}, 0)
}

type funcHandler struct{ f func() }

func (h funcHandler) Fire(Time, uint64) { h.f() }

// Cancel stops t from firing. It reports whether t was pending; cancelling
// a fired, cancelled or zero Timer does nothing and returns false.
func (k *Kernel) Cancel(t Timer) bool {
	if !k.Active(t) {
		return false
	}
	k.release(t.slot)
	k.dead++
	if k.dead > 256 && k.dead > len(k.heap)/2 {
		k.compact()
	}
	return true
}

// compact drops cancelled entries from the heap and restores heap order, so
// timers that are armed and cancelled over and over (retransmission timers)
// cannot grow the queue without bound.
func (k *Kernel) compact() {
	live := k.heap[:0]
	for _, e := range k.heap {
		if k.slots[e.slot].gen == e.gen {
			live = append(live, e)
		}
	}
	k.heap = live
	k.keys = k.keys[:len(live)]
	for i := range live {
		k.keys[i] = live[i].at
	}
	k.dead = 0
	for i := (len(live) - 2) / 4; len(live) > 1 && i >= 0; i-- {
		k.down(i)
	}
}

// Active reports whether t is scheduled and has not fired or been cancelled.
func (k *Kernel) Active(t Timer) bool {
	return t.slot != 0 && int(t.slot) < len(k.slots) && k.slots[t.slot].gen == t.gen
}

func (k *Kernel) release(i uint32) {
	sl := &k.slots[i]
	sl.gen++
	sl.h = nil
	k.free = append(k.free, i)
}

// Step runs the next live event, advancing the clock to its time. It
// reports false when the queue is empty.
func (k *Kernel) Step() bool {
	for len(k.heap) > 0 {
		e := k.pop()
		sl := &k.slots[e.slot]
		if sl.gen != e.gen {
			k.skipped()
			continue // cancelled
		}
		if sl.h == nil {
			// release bumps the generation whenever it clears the
			// handler, so a matching generation means a live slot.
			Violated("kernel-fired-after-cancel", "event in slot %d (generation %d) due at %v matches a released slot", e.slot, e.gen, e.at)
		}
		if e.at < k.now {
			Violated("kernel-time-backwards", "event due at %v would fire after the clock reached %v", e.at, k.now)
		}
		h, arg := sl.h, sl.arg
		k.release(e.slot)
		k.now = e.at
		k.fired++
		h.Fire(e.at, arg)
		return true
	}
	return false
}

// NextAt returns the time of the next live event, or Never.
func (k *Kernel) NextAt() Time {
	for len(k.heap) > 0 {
		e := &k.heap[0]
		if k.slots[e.slot].gen == e.gen {
			return e.at
		}
		k.pop()
		k.skipped()
	}
	return Never
}

// skipped counts a cancelled entry dropped from the top of the heap.
func (k *Kernel) skipped() {
	k.dead--
	if k.dead < 0 {
		Violated("kernel-cancelled-count", "skipped a cancelled entry that Cancel did not count: count fell to %d", k.dead)
	}
}

// Run runs events until the queue is empty or Stop is called.
func (k *Kernel) Run() {
	k.stopped = false
	for !k.stopped && k.Step() {
	}
}

// RunUntil runs every event due at or before t, then sets the clock to t
// (if it is later than the last event). It stops early if Stop is called.
func (k *Kernel) RunUntil(t Time) {
	k.stopped = false
	for !k.stopped {
		if k.NextAt() > t {
			break
		}
		k.Step()
	}
	if !k.stopped && t > k.now && t != Never {
		k.now = t
	}
}

// Stop makes the current Run or RunUntil return after the running event.
func (k *Kernel) Stop() { k.stopped = true }

// The heap keeps each entry's time in keys, parallel to heap: sifting
// compares times that sit packed in one cache line per four children, and
// looks at the scheduling sequence only when two times are equal.

// push adds e to the 4-ary heap, moving a hole up from the end rather than
// swapping at each level.
func (k *Kernel) push(e event) {
	k.heap = append(k.heap, e)
	k.keys = append(k.keys, e.at)
	h, keys := k.heap, k.keys
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 4
		if keys[p] < e.at || (keys[p] == e.at && h[p].seq < e.seq) {
			break
		}
		h[i], keys[i] = h[p], keys[p]
		i = p
	}
	h[i], keys[i] = e, e.at
}

// pop removes and returns the earliest event.
func (k *Kernel) pop() event {
	top := k.heap[0]
	n := len(k.heap) - 1
	last := k.heap[n]
	k.heap, k.keys = k.heap[:n], k.keys[:n]
	if n > 0 {
		k.siftDown(0, last)
		if k.keys[0] < top.at {
			Violated("kernel-heap-order", "removed the event due at %v, but one due at %v was still in the heap", top.at, k.keys[0])
		}
	}
	return top
}

// down restores heap order below i after the entry at i grew.
func (k *Kernel) down(i int) { k.siftDown(i, k.heap[i]) }

// siftDown places e, which belongs at or below position i, moving the
// smallest child up into the hole at each level.
func (k *Kernel) siftDown(i int, e event) {
	h, keys := k.heap, k.keys
	n := len(h)
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		// Pick the earliest child. Equal times are rare and go to a
		// predictable branch; the common comparison is a plain less-than
		// that the compiler turns into a conditional move.
		m, km := c, keys[c]
		end := min(c+4, n)
		for j := c + 1; j < end; j++ {
			kj := keys[j]
			if kj == km {
				if h[j].seq < h[m].seq {
					m = j
				}
				continue
			}
			if kj < km {
				m, km = j, kj
			}
		}
		if km > e.at || (km == e.at && h[m].seq > e.seq) {
			break
		}
		h[i], keys[i] = h[m], km
		i = m
	}
	h[i], keys[i] = e, e.at
}
