// Package seq holds TCP sequence-number arithmetic: one tiny value type
// that does every comparison and addition modulo 2^32, so that no other
// code in hops has to think about wrap-around.
//
// TCP numbers every byte it sends, and the SYN and FIN flags, with a
// 32-bit sequence number that starts at a random initial value and wraps
// from 2^32-1 back to 0 (RFC 9293 section 3.4). Sequence numbers are
// therefore compared the way RFC 1982 compares serial numbers: a is less
// than b when b lies 1 to 2^31 numbers ahead of a going forward around
// the circle. Ranges and windows are half-open arcs [first, first+size) of the
// circle, which are well defined for every size below 2^32 even when they
// cross the wrap.
//
// The design follows gVisor's pkg/tcpip/seqnum and Linux's before() and
// after() macros (include/net/tcp.h). The package imports only the
// standard library.
package seq

// Value is a TCP sequence number (RFC 9293 section 3.4): a point on the
// circle of 2^32 sequence numbers. Compare values with [Value.LessThan]
// and friends, never with Go's < operator, which is wrong across the wrap.
// The zero value is sequence number 0, an ordinary point on the circle.
type Value uint32

// Size is a count of sequence numbers: the length of a segment (its data
// bytes plus one for each of SYN and FIN, RFC 9293 section 3.4), the
// distance between two [Value]s, or the size of a window. Sizes are plain
// unsigned integers and are compared with Go's operators.
type Size uint32

// LessThan reports whether v comes before w in sequence space, that is,
// whether w lies between 1 and 2^31 numbers ahead of v going forward
// (RFC 1982 section 3.2, with SERIAL_BITS = 32; Linux's before(v, w)).
//
// RFC 1982 leaves the comparison undefined when v and w are exactly 2^31
// apart; like Linux, LessThan then reports true in both directions. Within
// a distance below 2^31 the order is antisymmetric: exactly one of
// v.LessThan(w), w.LessThan(v) and v == w holds.
func (v Value) LessThan(w Value) bool { return int32(v-w) < 0 }

// LessThanEq reports whether v equals w or comes before it in sequence
// space (see [Value.LessThan]).
func (v Value) LessThanEq(w Value) bool { return v == w || v.LessThan(w) }

// InRange reports whether a <= v < b in sequence space: whether v lies on
// the half-open arc that starts at a and runs forward to b. The arc is
// empty when a == b. It is defined for every a and b, and for nonempty
// arcs shorter than 2^31 it agrees with a.LessThanEq(v) && v.LessThan(b).
func (v Value) InRange(a, b Value) bool { return v.Sub(a) < b.Sub(a) }

// InWindow reports whether v lies in the window of size sequence numbers
// that starts at first: first <= v < first+size in sequence space, as in
// RFC 9293's segment acceptability test RCV.NXT =< SEG.SEQ <
// RCV.NXT+RCV.WND (section 3.10.7.4). A window of size 0 holds nothing.
func (v Value) InWindow(first Value, size Size) bool { return v.Sub(first) < size }

// Add returns the sequence number n numbers after v, wrapping modulo 2^32.
func (v Value) Add(n Size) Value { return v + Value(n) }

// Sub returns the number of sequence numbers from w forward to v, that is
// v - w modulo 2^32; v.Sub(w) == n exactly when w.Add(n) == v. When w
// comes after v the result is the long way round, a Size of 2^31 or more;
// callers that need a signed distance should compare first.
func (v Value) Sub(w Value) Size { return Size(v - w) }

// UpdateForward advances v by n sequence numbers, wrapping modulo 2^32:
// it is shorthand for v = v.Add(n), as when SND.NXT moves past a segment
// just sent (RFC 9293 section 3.10.4).
func (v *Value) UpdateForward(n Size) { *v = v.Add(n) }

// Max returns whichever of a and b comes later in sequence space: a when
// they are equal, b when they are exactly 2^31 apart (see
// [Value.LessThan]).
func Max(a, b Value) Value {
	if a.LessThan(b) {
		return b
	}
	return a
}

// Min returns whichever of a and b comes earlier in sequence space: a when
// they are equal, b when they are exactly 2^31 apart.
func Min(a, b Value) Value {
	if b.LessThan(a) {
		return b
	}
	return a
}

// Overlap reports whether the ranges [a, a+asize) and [b, b+bsize) share
// at least one sequence number. Empty ranges overlap nothing. Two arcs of
// a circle meet exactly when one of them contains the other's start.
func Overlap(a Value, asize Size, b Value, bsize Size) bool {
	if asize == 0 || bsize == 0 {
		return false
	}
	return b.InWindow(a, asize) || a.InWindow(b, bsize)
}

// Acceptable reports whether a segment that starts at segSeq and occupies
// segLen sequence numbers is acceptable to a receiver expecting rcvNxt
// with a receive window of rcvWnd, by the four cases of RFC 9293 section
// 3.10.7.4:
//
//	Segment Length  Receive Window  Test
//	0               0               SEG.SEQ = RCV.NXT
//	0               >0              RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
//	>0              0               not acceptable
//	>0              >0              RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
//	                                or RCV.NXT =< SEG.SEQ+SEG.LEN-1 < RCV.NXT+RCV.WND
//
// That is, a segment is acceptable when its first or its last sequence
// number falls in the window; a segment that starts before the window
// and ends after it fails this literal test although it [Overlap]s the
// window. The RFC's allowance for ACKs, URGs and RSTs arriving on a zero
// window is the caller's business.
func Acceptable(segSeq Value, segLen Size, rcvNxt Value, rcvWnd Size) bool {
	switch {
	case segLen == 0 && rcvWnd == 0:
		return segSeq == rcvNxt
	case segLen == 0:
		return segSeq.InWindow(rcvNxt, rcvWnd)
	case rcvWnd == 0:
		return false
	}
	return segSeq.InWindow(rcvNxt, rcvWnd) || segSeq.Add(segLen-1).InWindow(rcvNxt, rcvWnd)
}
