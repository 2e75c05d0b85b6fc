package sim_test

import (
	"fmt"
	"time"

	"github.com/hopsnet/hops/sim"
)

// Events run in time order; events due at the same instant run in the
// order they were scheduled. A cancelled timer never fires.
func ExampleKernel() {
	k := sim.NewKernel(1)
	say := func(s string) func() { return func() { fmt.Println(k.Now(), s) } }
	k.AfterFunc(2*time.Millisecond, say("second"))
	k.AfterFunc(time.Millisecond, say("first"))
	k.AfterFunc(2*time.Millisecond, say("third: same instant, scheduled later"))
	t := k.AfterFunc(time.Millisecond, say("never"))
	k.Cancel(t)
	k.Run()
	// Output:
	// 0.001000000s first
	// 0.002000000s second
	// 0.002000000s third: same instant, scheduled later
}

// Random streams are named: each depends only on the seed and its name.
func ExampleNewRand() {
	a := sim.NewRand(42, "link:core")
	b := sim.NewRand(42, "link:core")
	fmt.Println(a.IntN(1000) == b.IntN(1000))
	// Output: true
}
