package seq

import (
	"math/rand/v2"
	"testing"
	"testing/quick"
)

const (
	top  = Value(1<<32 - 1) // the last sequence number before the wrap
	half = Value(1 << 31)   // the point opposite 0
)

func TestLessThan(t *testing.T) {
	tests := []struct {
		name string
		v, w Value
		want bool
	}{
		{"equal", 7, 7, false},
		{"one ahead", 0, 1, true},
		{"one behind", 1, 0, false},
		{"across the wrap", top, 0, true},
		{"back across the wrap", 0, top, false},
		{"far across the wrap", top - 100, 100, true},
		{"largest forward distance", 0, half - 1, true},
		{"largest forward distance reversed", half - 1, 0, false},
		{"half apart", 0, half, true},          // undefined in RFC 1982; Linux says true
		{"half apart reversed", half, 0, true}, // ... in both directions
		{"just past half", 0, half + 1, false}, // the short way round is backwards
		{"just past half reversed", half + 1, 0, true},
		{"around the middle", half - 1, half, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.LessThan(tt.w); got != tt.want {
				t.Errorf("%d.LessThan(%d) = %v, want %v", tt.v, tt.w, got, tt.want)
			}
			if got, want := tt.v.LessThanEq(tt.w), tt.want || tt.v == tt.w; got != want {
				t.Errorf("%d.LessThanEq(%d) = %v, want %v", tt.v, tt.w, got, want)
			}
		})
	}
}

func TestInRangeInWindow(t *testing.T) {
	tests := []struct {
		name    string
		v, a, b Value
		want    bool
	}{
		{"start is in", 10, 10, 20, true},
		{"end is out", 20, 10, 20, false},
		{"inside", 15, 10, 20, true},
		{"before", 9, 10, 20, false},
		{"empty range", 10, 10, 10, false},
		{"wrapping range, before the wrap", top, top - 5, 5, true},
		{"wrapping range, after the wrap", 0, top - 5, 5, true},
		{"wrapping range, end", 5, top - 5, 5, false},
		{"wrapping range, before start", top - 6, top - 5, 5, false},
		{"range longer than half", half + 10, 0, half + 20, true},
		{"largest range", top - 1, 0, top, true},
		{"largest range misses its end", top, 0, top, false},
		{"reversed bounds are the long way round", 5, 10, 0, false},
		{"reversed bounds contain the wrap", top, 10, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.InRange(tt.a, tt.b); got != tt.want {
				t.Errorf("%d.InRange(%d, %d) = %v, want %v", tt.v, tt.a, tt.b, got, tt.want)
			}
			size := tt.b.Sub(tt.a)
			if got := tt.v.InWindow(tt.a, size); got != tt.want {
				t.Errorf("%d.InWindow(%d, %d) = %v, want %v", tt.v, tt.a, size, got, tt.want)
			}
		})
	}
	// A window of 2^32-1 numbers holds everything but the number just
	// before its start; a zero window holds nothing.
	if Value(41).InWindow(42, Size(top)) || !Value(40).InWindow(42, Size(top)) || !Value(42).InWindow(42, Size(top)) {
		t.Error("almost-full window")
	}
	if Value(42).InWindow(42, 0) {
		t.Error("zero window holds its start")
	}
}

func TestAddSubUpdateForward(t *testing.T) {
	tests := []struct {
		v    Value
		n    Size
		want Value
	}{
		{0, 0, 0},
		{1, 1, 2},
		{top, 1, 0},
		{top - 9, 20, 10},
		{half, Size(half), 0},
		{123, Size(top), 122},
	}
	for _, tt := range tests {
		if got := tt.v.Add(tt.n); got != tt.want {
			t.Errorf("%d.Add(%d) = %d, want %d", tt.v, tt.n, got, tt.want)
		}
		if got := tt.want.Sub(tt.v); got != tt.n {
			t.Errorf("%d.Sub(%d) = %d, want %d", tt.want, tt.v, got, tt.n)
		}
		v := tt.v
		v.UpdateForward(tt.n)
		if v != tt.want {
			t.Errorf("UpdateForward(%d) from %d = %d, want %d", tt.n, tt.v, v, tt.want)
		}
	}
}

func TestMaxMin(t *testing.T) {
	tests := []struct {
		a, b, max, min Value
	}{
		{1, 2, 2, 1},
		{2, 1, 2, 1},
		{5, 5, 5, 5},
		{top, 3, 3, top},
		{3, top, 3, top},
	}
	for _, tt := range tests {
		if got := Max(tt.a, tt.b); got != tt.max {
			t.Errorf("Max(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.max)
		}
		if got := Min(tt.a, tt.b); got != tt.min {
			t.Errorf("Min(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.min)
		}
	}
}

func TestOverlap(t *testing.T) {
	tests := []struct {
		name  string
		a     Value
		asize Size
		b     Value
		bsize Size
		want  bool
	}{
		{"disjoint", 0, 10, 10, 10, false},
		{"touching by one", 0, 11, 10, 10, true},
		{"contained", 0, 100, 40, 10, true},
		{"containing", 40, 10, 0, 100, true},
		{"same", 7, 3, 7, 3, true},
		{"empty a", 5, 0, 0, 10, false},
		{"empty b", 0, 10, 5, 0, false},
		{"across the wrap", top - 4, 10, 2, 1, true},
		{"across the wrap, disjoint", top - 4, 10, 5, 1, false},
		{"b wraps onto a", 10, 5, top, 12, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Overlap(tt.a, tt.asize, tt.b, tt.bsize); got != tt.want {
				t.Errorf("Overlap(%d, %d, %d, %d) = %v, want %v", tt.a, tt.asize, tt.b, tt.bsize, got, tt.want)
			}
			if got := Overlap(tt.b, tt.bsize, tt.a, tt.asize); got != tt.want {
				t.Errorf("Overlap is not symmetric")
			}
		})
	}
}

func TestAcceptable(t *testing.T) {
	tests := []struct {
		name string
		seq  Value
		len  Size
		nxt  Value
		wnd  Size
		want bool
	}{
		// RFC 9293 section 3.10.7.4, case by case.
		{"empty segment, zero window, at RCV.NXT", 100, 0, 100, 0, true},
		{"empty segment, zero window, elsewhere", 101, 0, 100, 0, false},
		{"empty segment in window", 150, 0, 100, 100, true},
		{"empty segment at window end", 200, 0, 100, 100, false},
		{"empty segment before window", 99, 0, 100, 100, false},
		{"data on zero window", 100, 1, 100, 0, false},
		{"data at RCV.NXT", 100, 10, 100, 100, true},
		{"old data ending in window", 90, 11, 100, 100, true},
		{"old data ending before window", 90, 10, 100, 100, false},
		{"data starting at last window byte", 199, 50, 100, 100, true},
		{"data starting past window", 200, 1, 100, 100, false},
		{"data straddling the whole window", 90, 200, 100, 100, false}, // the literal RFC test
		{"window across the wrap", 3, 10, top - 9, 20, true},
		{"segment across the wrap", top - 4, 10, 2, 20, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Acceptable(tt.seq, tt.len, tt.nxt, tt.wnd); got != tt.want {
				t.Errorf("Acceptable(%d, %d, %d, %d) = %v, want %v", tt.seq, tt.len, tt.nxt, tt.wnd, got, tt.want)
			}
		})
	}
}

// The property tests below draw values from where wrap-around bugs live:
// near 0, near 2^32, near 2^31, plus anywhere at all.

// near returns a random Value clustered around interesting points.
func near(r *rand.Rand) Value {
	d := Value(r.IntN(64))
	switch r.IntN(5) {
	case 0:
		return d
	case 1:
		return top - d
	case 2:
		return half - 32 + d
	case 3:
		return half/2 - 32 + d
	}
	return Value(r.Uint32())
}

// nearSize returns a random Size, often small, sometimes close to 2^31
// or 2^32.
func nearSize(r *rand.Rand) Size {
	d := Size(r.IntN(64))
	switch r.IntN(5) {
	case 0, 1:
		return d
	case 2:
		return Size(half) - 32 + d
	case 3:
		return Size(top) - d
	}
	return Size(r.Uint32())
}

const rounds = 200_000

func TestAddSubInverseProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(9293, 1982))
	for range rounds {
		v, w, n := near(r), near(r), nearSize(r)
		if got := v.Add(n).Sub(v); got != n {
			t.Fatalf("%d.Add(%d).Sub(%d) = %d", v, n, v, got)
		}
		if got := w.Add(v.Sub(w)); got != v {
			t.Fatalf("%d.Add(%d.Sub(%d)) = %d", w, v, w, got)
		}
		// Add agrees with uint64 arithmetic reduced modulo 2^32.
		if got, want := v.Add(n), Value((uint64(v)+uint64(n))%(1<<32)); got != want {
			t.Fatalf("%d.Add(%d) = %d, want %d", v, n, got, want)
		}
	}
	// The same with testing/quick's uniform values.
	f := func(v, n uint32) bool { return Value(v).Add(Size(n)).Sub(Value(v)) == Size(n) }
	if err := quick.Check(f, &quick.Config{MaxCount: 10000}); err != nil {
		t.Error(err)
	}
}

// refLessThan is RFC 1982 section 3.2 written out in uint64: i1 < i2 when
// i2 is ahead of i1 by 1 to 2^31 - 1, or (Linux's choice for the
// undefined case) by exactly 2^31.
func refLessThan(i1, i2 Value) bool {
	a, b := uint64(i1), uint64(i2)
	const n = 1 << 31
	return (a < b && b-a <= n) || (a > b && a-b >= n)
}

func TestOrderProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1982, 9293))
	for range rounds {
		v := near(r)
		w := v.Add(nearSize(r))
		if r.IntN(3) == 0 {
			w = near(r)
		}
		lt, gt := v.LessThan(w), w.LessThan(v)
		if lt != refLessThan(v, w) {
			t.Fatalf("%d.LessThan(%d) = %v, reference %v", v, w, lt, !lt)
		}
		// Within 2^31, exactly one of <, >, == holds.
		if d := w.Sub(v); d != Size(half) {
			n := 0
			for _, b := range []bool{lt, gt, v == w} {
				if b {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%d vs %d (distance %d): LessThan %v, reversed %v", v, w, d, lt, gt)
			}
		} else if !lt || !gt {
			t.Fatalf("%d vs %d half apart: LessThan %v, reversed %v", v, w, lt, gt)
		}
		if v.LessThanEq(w) != (lt || v == w) {
			t.Fatalf("%d.LessThanEq(%d) disagrees with LessThan", v, w)
		}
		lo, hi := Min(v, w), Max(v, w)
		if lo != v && lo != w || hi != v && hi != w || !lo.LessThanEq(hi) {
			t.Fatalf("Min(%d, %d) = %d, Max = %d", v, w, lo, hi)
		}
		if d := w.Sub(v); d != Size(half) && (Min(w, v) != lo || Max(w, v) != hi) {
			t.Fatalf("Min/Max(%d, %d) depend on argument order", v, w)
		}
		// Transitivity holds along a forward walk shorter than 2^31.
		x, y := Size(r.IntN(1<<30)+1), Size(r.IntN(1<<30)+1)
		if b, c := v.Add(x), v.Add(x+y); !v.LessThan(b) || !b.LessThan(c) || !v.LessThan(c) {
			t.Fatalf("%d < %d < %d not transitive", v, b, c)
		}
	}
}

// refInWindow decides first <= v < first+size in uint64 space, where
// the window does not wrap: v is in it either as itself or lifted by
// 2^32.
func refInWindow(v, first Value, size Size) bool {
	lo, hi := uint64(first), uint64(first)+uint64(size)
	for _, x := range []uint64{uint64(v), uint64(v) + 1<<32} {
		if lo <= x && x < hi {
			return true
		}
	}
	return false
}

func TestWindowProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(793, 1323))
	for range rounds {
		first, size := near(r), nearSize(r)
		v := near(r)
		if r.IntN(2) == 0 {
			v = first.Add(nearSize(r)) // often just inside or outside
		}
		in := v.InWindow(first, size)
		if want := refInWindow(v, first, size); in != want {
			t.Fatalf("%d.InWindow(%d, %d) = %v, reference %v", v, first, size, in, want)
		}
		end := first.Add(size)
		if got := v.InRange(first, end); got != in {
			t.Fatalf("%d.InRange(%d, %d) = %v, InWindow %v", v, first, end, got, in)
		}
		if 0 < size && size < Size(half) {
			if want := first.LessThanEq(v) && v.LessThan(end); in != want {
				t.Fatalf("%d in [%d, %d): InWindow %v, comparisons %v", v, first, end, in, want)
			}
		}
	}
}

// refOverlap decides whether two ranges meet by lifting them into int64
// space and trying b one turn below, at, and one turn above a.
func refOverlap(a Value, asize Size, b Value, bsize Size) bool {
	alo, ahi := int64(a), int64(a)+int64(asize)
	for _, k := range []int64{-1 << 32, 0, 1 << 32} {
		blo, bhi := int64(b)+k, int64(b)+k+int64(bsize)
		if max(alo, blo) < min(ahi, bhi) {
			return true
		}
	}
	return false
}

func TestOverlapProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(2018, 7323))
	for range rounds {
		a, asize := near(r), nearSize(r)
		b := a.Add(nearSize(r))
		if r.IntN(2) == 0 {
			b = near(r)
		}
		bsize := nearSize(r)
		got := Overlap(a, asize, b, bsize)
		if want := refOverlap(a, asize, b, bsize); got != want {
			t.Fatalf("Overlap(%d, %d, %d, %d) = %v, reference %v", a, asize, b, bsize, got, want)
		}
	}
}

// refAcceptable is RFC 9293's table evaluated in uint64 space with
// refInWindow.
func refAcceptable(seq Value, segLen Size, nxt Value, wnd Size) bool {
	switch {
	case segLen == 0 && wnd == 0:
		return seq == nxt
	case segLen == 0:
		return refInWindow(seq, nxt, wnd)
	case wnd == 0:
		return false
	}
	last := Value((uint64(seq) + uint64(segLen) - 1) % (1 << 32))
	return refInWindow(seq, nxt, wnd) || refInWindow(last, nxt, wnd)
}

func TestAcceptableProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 10))
	for range rounds {
		nxt := near(r)
		wnd := Size(r.IntN(100))
		segLen := Size(r.IntN(100))
		if r.IntN(4) == 0 {
			wnd, segLen = nearSize(r), nearSize(r)
		}
		s := nxt.Add(Size(r.IntN(300))) - 150
		got := Acceptable(s, segLen, nxt, wnd)
		if want := refAcceptable(s, segLen, nxt, wnd); got != want {
			t.Fatalf("Acceptable(%d, %d, %d, %d) = %v, reference %v", s, segLen, nxt, wnd, got, want)
		}
	}
}

func BenchmarkInWindow(b *testing.B) {
	v, first := Value(top-10), Value(top-100)
	n := 0
	for b.Loop() {
		if v.InWindow(first, 65535) {
			n++
		}
		v++
	}
	_ = n
}
