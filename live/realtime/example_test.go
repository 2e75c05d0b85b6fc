package realtime_test

import (
	"context"
	"fmt"
	"time"

	"github.com/hopsnet/hops/live/realtime"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/world"
)

// The default world in real time: one goroutine runs it, others hand it
// work with Call (which waits) or Do (which does not), and a timer of the
// world fires when the wall clock reaches its virtual time.
func Example() {
	sc, err := world.Default()
	if err != nil {
		panic(err)
	}
	w, err := world.Build(sc, 1, world.Options{})
	if err != nil {
		panic(err)
	}
	d := realtime.New(w.Kernel)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go d.Run(ctx)
	fired := make(chan sim.Time, 1)
	var start sim.Time
	d.Call(func() { // on the simulation's thread
		start = w.Kernel.Now()
		w.Node("laptop").NewTimer(func(now sim.Time) { fired <- now }).Reset(20 * time.Millisecond)
	})
	fmt.Println("the timer fired after", (<-fired).Sub(start), "of virtual time")
	d.Stop()
	// Output:
	// the timer fired after 20ms of virtual time
}
