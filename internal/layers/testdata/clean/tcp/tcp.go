// Package tcp is a stand-in engine: it names sim.Time, sim.Never and
// sim.Rand and returns deadlines.
package tcp

import (
	"math/rand/v2"
	"time"

	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/sim"
)

type Conn struct {
	rng      *sim.Rand
	iss      seq.Value
	deadline sim.Time
}

func (c *Conn) Handle(now sim.Time) { c.deadline = now.Add(200 * time.Millisecond) }

func (c *Conn) NextDeadline() (sim.Time, bool) {
	if c.deadline == 0 {
		return sim.Never, false
	}
	return c.deadline, true
}

// pick's parameter rand hides the package: rand.IntN is a method here.
func pick(rand *sim.Rand) int { return rand.IntN(4) }

type clock struct{}

func (clock) After(d time.Duration) bool { return d > 0 }

func local() bool {
	r := rand.New(rand.NewPCG(1, 2))
	time := clock{}
	return time.After(1) && r.IntN(2) == 0
}
