package sim

import (
	"testing"
	"time"
)

type recorder struct {
	got []uint64
	at  []Time
}

func (r *recorder) Fire(now Time, arg uint64) {
	r.got = append(r.got, arg)
	r.at = append(r.at, now)
}

func TestOrderByTimeThenScheduling(t *testing.T) {
	k := NewKernel(1)
	r := &recorder{}
	k.Schedule(30, r, 3)
	k.Schedule(10, r, 1)
	k.Schedule(20, r, 20)
	k.Schedule(10, r, 2) // same instant as arg 1: runs after it
	k.Schedule(20, r, 21)
	k.Run()
	want := []uint64{1, 2, 20, 21, 3}
	if len(r.got) != len(want) {
		t.Fatalf("got %v, want %v", r.got, want)
	}
	for i := range want {
		if r.got[i] != want[i] {
			t.Fatalf("got %v, want %v", r.got, want)
		}
	}
	if k.Now() != 30 {
		t.Fatalf("now = %v, want 30", k.Now())
	}
}

func TestManySameInstantFIFO(t *testing.T) {
	k := NewKernel(1)
	r := &recorder{}
	for i := 0; i < 1000; i++ {
		k.Schedule(Time(i%7), r, uint64(i))
	}
	k.Run()
	last := map[Time]uint64{}
	seen := map[Time]bool{}
	for i, a := range r.got {
		at := r.at[i]
		if i > 0 && at < r.at[i-1] {
			t.Fatalf("time went backwards at %d", i)
		}
		if seen[at] && a <= last[at] {
			t.Fatalf("FIFO violated at time %v: %d after %d", at, a, last[at])
		}
		seen[at], last[at] = true, a
	}
}

func TestCancel(t *testing.T) {
	k := NewKernel(1)
	r := &recorder{}
	a := k.Schedule(10, r, 1)
	b := k.Schedule(20, r, 2)
	if !k.Active(a) || !k.Cancel(a) {
		t.Fatal("cancel of pending timer failed")
	}
	if k.Cancel(a) {
		t.Fatal("second cancel reported success")
	}
	if k.Cancel(Timer{}) {
		t.Fatal("zero timer cancel reported success")
	}
	k.Run()
	if len(r.got) != 1 || r.got[0] != 2 {
		t.Fatalf("got %v, want [2]", r.got)
	}
	if k.Active(b) || k.Cancel(b) {
		t.Fatal("fired timer still active")
	}
	// A reused slot must not be cancelled through the stale handle.
	c := k.Schedule(40, r, 4)
	if k.Cancel(a) || k.Cancel(b) || !k.Active(c) {
		t.Fatal("stale handle affected a new timer")
	}
}

func TestCancelledTimersDoNotAccumulate(t *testing.T) {
	k := NewKernel(1)
	r := &recorder{}
	for i := 0; i < 100000; i++ {
		k.Cancel(k.After(time.Second, r, 0))
	}
	if k.Pending() > 1000 {
		t.Fatalf("%d entries pending after cancelling every timer", k.Pending())
	}
	k.After(time.Millisecond, r, 7)
	k.Run()
	if len(r.got) != 1 || r.got[0] != 7 {
		t.Fatalf("got %v", r.got)
	}
}

func TestRunUntilAndStep(t *testing.T) {
	k := NewKernel(1)
	r := &recorder{}
	k.Schedule(Time(5*time.Millisecond), r, 1)
	k.Schedule(Time(15*time.Millisecond), r, 2)
	k.RunUntil(Time(10 * time.Millisecond))
	if len(r.got) != 1 || k.Now() != Time(10*time.Millisecond) {
		t.Fatalf("after RunUntil: got %v now %v", r.got, k.Now())
	}
	if !k.Step() || k.Now() != Time(15*time.Millisecond) {
		t.Fatalf("step: now %v", k.Now())
	}
	if k.Step() {
		t.Fatal("step on empty queue returned true")
	}
	// Scheduling in the past runs now, never moving the clock backwards.
	k.Schedule(1, r, 9)
	k.Run()
	if r.at[len(r.at)-1] != Time(15*time.Millisecond) {
		t.Fatalf("past event ran at %v", r.at[len(r.at)-1])
	}
}

func TestStopFromHandler(t *testing.T) {
	k := NewKernel(1)
	n := 0
	var h HandlerFunc
	h = func(now Time, arg uint64) {
		n++
		if n == 3 {
			k.Stop()
		}
		k.After(time.Second, h, 0)
	}
	k.After(0, h, 0)
	k.Run()
	if n != 3 {
		t.Fatalf("ran %d events, want 3", n)
	}
}

func TestRandStreamsIndependent(t *testing.T) {
	a1 := NewRand(42, "link:a")
	b1 := NewRand(42, "link:b")
	x := []uint64{a1.Uint64(), a1.Uint64()}
	// Creating more streams (and drawing from them) does not change a's numbers.
	a2 := NewRand(42, "link:a")
	_ = b1.Uint64()
	_ = NewRand(42, "new").Uint64()
	if a2.Uint64() != x[0] || a2.Uint64() != x[1] {
		t.Fatal("stream a changed")
	}
	if NewRand(43, "link:a").Uint64() == x[0] {
		t.Fatal("different seeds gave the same number")
	}
	if NewRand(42, "link:b").Uint64() == x[0] {
		t.Fatal("different names gave the same number")
	}
}

func TestTimeString(t *testing.T) {
	if s := Time(1_000_250_000).String(); s != "1.000250000s" {
		t.Fatalf("got %q", s)
	}
}

type nop struct{ k *Kernel }

func (n *nop) Fire(now Time, arg uint64) {}

// benchScheduleFire measures one schedule plus one fire with a steady
// queue depth of pending events at random times within a millisecond.
func benchScheduleFire(b *testing.B, depth int) {
	k := NewKernel(1)
	h := &nop{k}
	r := NewRand(1, "bench")
	var delays [4096]time.Duration
	for i := range delays {
		delays[i] = time.Duration(r.IntN(1000000))
	}
	for i := 0; i < depth; i++ {
		k.After(delays[i], h, 0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k.After(delays[i%len(delays)], h, 0)
		k.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkScheduleFire keeps 1024 events pending.
func BenchmarkScheduleFire(b *testing.B) { benchScheduleFire(b, 1024) }

// BenchmarkScheduleFireShallow keeps 16 pending, the depth of a simulation
// whose links hold one event per direction.
func BenchmarkScheduleFireShallow(b *testing.B) { benchScheduleFire(b, 16) }

// BenchmarkTimerCancel measures the schedule-then-cancel pattern of
// retransmission timers.
func BenchmarkTimerCancel(b *testing.B) {
	k := NewKernel(1)
	h := &nop{k}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		t := k.After(time.Second, h, 0)
		k.Cancel(t)
		if i%64 == 0 {
			k.After(0, h, 0)
			k.Step()
		}
	}
}

// TestAgainstReference schedules and cancels at random and checks that
// events fire in (time, scheduling order), exactly the uncancelled ones.
func TestAgainstReference(t *testing.T) {
	type ref struct {
		at  Time
		seq int
	}
	for seed := uint64(1); seed <= 20; seed++ {
		k := NewKernel(seed)
		r := NewRand(seed, "ref")
		var fired []int
		want := map[int]ref{}
		timers := map[int]Timer{}
		h := HandlerFunc(func(now Time, arg uint64) {
			fired = append(fired, int(arg))
			if w := want[int(arg)]; w.at != now {
				t.Fatalf("event %d fired at %v, want %v", arg, now, w.at)
			}
		})
		seq := 0
		for step := 0; step < 3000; step++ {
			switch r.IntN(4) {
			case 0, 1:
				seq++
				at := k.Now() + Time(r.IntN(50)) // many ties
				timers[seq] = k.Schedule(at, h, uint64(seq))
				want[seq] = ref{at, seq}
			case 2:
				if seq > 0 {
					id := 1 + r.IntN(seq)
					if _, live := want[id]; live && k.Cancel(timers[id]) {
						delete(want, id)
					}
				}
			case 3:
				k.Step()
			}
		}
		k.Run()
		if len(fired) != len(want) {
			t.Fatalf("seed %d: fired %d events, want %d", seed, len(fired), len(want))
		}
		for i := 1; i < len(fired); i++ {
			a, b := want[fired[i-1]], want[fired[i]]
			if b.at < a.at || (b.at == a.at && b.seq < a.seq) {
				t.Fatalf("seed %d: event %v fired after %v", seed, b, a)
			}
		}
	}
}

func TestReserveKeepsPlace(t *testing.T) {
	k := NewKernel(1)
	r := &recorder{}
	seq := k.Reserve()   // place taken first...
	k.Schedule(10, r, 2) // ...before this event
	k.Schedule(5, HandlerFunc(func(Time, uint64) {
		k.ScheduleReserved(10, seq, r, 1) // scheduled last, runs first at t=10
	}), 0)
	k.Run()
	if len(r.got) != 2 || r.got[0] != 1 || r.got[1] != 2 {
		t.Fatalf("order %v, want [1 2]", r.got)
	}
}
