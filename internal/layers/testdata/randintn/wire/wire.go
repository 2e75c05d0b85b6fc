package wire

import "math/rand/v2"

func ID() int { return rand.IntN(10) }

// A local generator is fine.
func Local(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 2)) }
