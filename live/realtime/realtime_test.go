package realtime_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hopsnet/hops/live/realtime"
	"github.com/hopsnet/hops/sim"
)

// start runs d on a goroutine; the returned function stops it and waits.
func start(t *testing.T, d *realtime.Driver) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	}
}

// In a synctest bubble the kernel's events fire at the virtual instants
// that match the (fake) wall clock, and work handed over runs at "now".
func TestEventsFollowTheClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := sim.NewKernel(1)
		k.RunUntil(sim.Time(5 * time.Second)) // the kernel's own past
		d := realtime.New(k)
		var fired []time.Duration
		t0 := time.Now()
		for _, after := range []time.Duration{3 * time.Second, time.Second, 1500 * time.Millisecond} {
			k.AfterFunc(after, func() { fired = append(fired, time.Since(t0)) })
		}
		stop := start(t, d)
		time.Sleep(4 * time.Second)
		var at sim.Time
		if err := d.Call(func() { at = k.Now() }); err != nil {
			t.Fatal(err)
		}
		stop()
		want := []time.Duration{time.Second, 1500 * time.Millisecond, 3 * time.Second}
		if len(fired) != len(want) {
			t.Fatalf("fired %v, want %v", fired, want)
		}
		for i := range want {
			if fired[i] != want[i] {
				t.Errorf("event %d fired at wall +%v, want +%v", i, fired[i], want[i])
			}
		}
		if want := sim.Time(9 * time.Second); at != want {
			t.Errorf("work ran at %v, want %v (kernel start 5s + 4s)", at, want)
		}
	})
}

// Work queued from many goroutines runs on one thread, each goroutine's
// in its order, and Call waits for it.
func TestDoOrderAndCall(t *testing.T) {
	k := sim.NewKernel(1)
	d := realtime.New(k)
	stop := start(t, d)
	defer stop()
	const workers, each = 4, 500
	var seen [workers][]int // written on the driver's thread only
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if err := d.Do(func() { seen[w] = append(seen[w], i) }); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	var total int
	if err := d.Call(func() {
		for w := range workers {
			total += len(seen[w])
			for i, v := range seen[w] {
				if v != i {
					t.Errorf("worker %d: item %d ran as %d", w, i, v)
					return
				}
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if total != workers*each {
		t.Errorf("ran %d items, want %d", total, workers*each)
	}
}

// After Stop, Do and Call refuse work and Run has returned.
func TestStop(t *testing.T) {
	d := realtime.New(sim.NewKernel(1))
	ran := make(chan error, 1)
	go func() { ran <- d.Run(context.Background()) }()
	if err := d.Call(func() {}); err != nil {
		t.Fatal(err)
	}
	d.Stop()
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run after Stop: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after Stop")
	}
	if err := d.Do(func() {}); !errors.Is(err, realtime.ErrStopped) {
		t.Errorf("Do after Stop: %v, want ErrStopped", err)
	}
	if err := d.Call(func() {}); !errors.Is(err, realtime.ErrStopped) {
		t.Errorf("Call after Stop: %v, want ErrStopped", err)
	}
}

// Stop from the simulation's own thread ends Run after that work.
func TestStopFromThread(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := sim.NewKernel(1)
		d := realtime.New(k)
		k.AfterFunc(time.Second, d.Stop)
		k.AfterFunc(2*time.Second, func() { t.Error("event after Stop fired") })
		if err := d.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		select {
		case <-d.Done():
		default:
			t.Error("Done not closed after Run returned")
		}
	})
}

// In real time, Now follows the wall clock from the kernel's time.
func TestNowTracksWallClock(t *testing.T) {
	k := sim.NewKernel(1)
	k.RunUntil(sim.Time(time.Hour))
	d := realtime.New(k)
	if got := d.Now(); got != sim.Time(time.Hour) {
		t.Fatalf("Now before Run = %v, want 1h", got)
	}
	stop := start(t, d)
	defer stop()
	if err := d.Call(func() {}); err != nil {
		t.Fatal(err)
	}
	before := d.Now()
	time.Sleep(20 * time.Millisecond)
	if after := d.Now(); after.Sub(before) < 20*time.Millisecond {
		t.Errorf("Now advanced %v across a 20ms sleep", after.Sub(before))
	}
}
