package sim

import "fmt"

// Violation is the value a broken invariant panics with.
//
// Invariants, after TigerBeetle: where a broken invariant would otherwise
// corrupt a run silently, hops checks it, always (not only in tests), and
// panics with a message that names it:
//
//	hops: invariant "kernel-time-backwards" violated: event due at 0.000000005s would fire after the clock reached 0.000000010s
//
// A check costs one branch on the happy path and allocates nothing: the
// condition is tested inline and only the failing branch calls Violated.
// Names are stable, so a test, the swarm or a bug report can match on them.
//
// The kernel's invariants:
//
//   - "kernel-time-backwards" (Step): an event is never due before the
//     current time, so the clock never moves backwards.
//   - "kernel-heap-order" (pop): after the earliest event is removed, the
//     next one is not earlier.
//   - "kernel-fired-after-cancel" (Step): an event whose generation matches
//     its slot belongs to a slot that is still scheduled; a released
//     (fired or cancelled) slot always has a newer generation.
//   - "kernel-cancelled-count" (Step, NextAt): cancelled entries skipped
//     never outnumber the ones Cancel counted.
//   - "kernel-nil-handler" (Schedule, ScheduleReserved): every event has a
//     handler to call.
//   - "rand-stream-twice" (Kernel.Rand): a random stream's name is handed
//     out once, so two consumers never share (and shift) one stream.
//
// Package link and package packet list theirs in their package comments;
// packet cannot import sim, so it panics with its own error type, whose
// message has the same form.
type Violation struct {
	Name   string // stable name, such as "kernel-time-backwards"
	Detail string // what was seen, with the numbers
}

// Error formats v as `hops: invariant "NAME" violated: DETAIL`.
func (v *Violation) Error() string {
	return fmt.Sprintf("hops: invariant %q violated: %s", v.Name, v.Detail)
}

// Violated panics with a *Violation named name, its detail formatted from
// format and args. Call it only on the failing branch of a check, so that
// the arguments are not boxed on the happy path; it is never inlined, so a
// check adds little to its caller's code:
//
//	if k.dead < 0 {
//		sim.Violated("kernel-cancelled-count", "%d cancelled entries", k.dead)
//	}
//
//go:noinline
func Violated(name, format string, args ...any) {
	panic(&Violation{Name: name, Detail: fmt.Sprintf(format, args...)})
}
