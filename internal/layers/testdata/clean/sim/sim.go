// Package sim is a stand-in kernel: a local generator and durations are
// fine in a simulation package.
package sim

import (
	"math/rand/v2"
	"time"
)

type Time int64

const Never Time = 1<<63 - 1

func (t Time) Add(d time.Duration) Time { return t + Time(d) }

type Kernel struct{ now Time }

func NewKernel(seed uint64) *Kernel { return &Kernel{} }

func (k *Kernel) After(d time.Duration, f func()) {}

type Rand struct{ *rand.Rand }

func NewRand(seed uint64) *Rand {
	return &Rand{rand.New(rand.NewPCG(seed, 1))}
}

var Tick = time.Second
