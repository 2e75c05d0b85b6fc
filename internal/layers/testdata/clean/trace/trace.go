package trace

import "github.com/hopsnet/hops/sim"

type Bus struct{ now sim.Time }
