package tcp

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

// Tests may drive an engine with the kernel, start goroutines and read the
// clock; they may not use the global random source.
func TestConn(t *testing.T) {
	k := sim.NewKernel(1)
	_ = k
	done := make(chan bool)
	go func() { done <- true }()
	<-done
	start := time.Now()
	_ = time.Since(start)
	_ = rand.New(rand.NewPCG(3, 4)).IntN(10)
}
