package tcp

import "github.com/hopsnet/hops/sim"

type Conn struct {
	k     *sim.Kernel
	timer sim.Timer
	at    sim.Time
}

func New() *Conn {
	c := &Conn{k: sim.NewKernel(1)}
	c.k.Schedule(sim.Never, sim.HandlerFunc(func(sim.Time, uint64) {}), 0)
	return c
}
