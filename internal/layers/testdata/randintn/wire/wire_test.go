package wire

import (
	"math/rand/v2"
	"testing"
)

// Tests must reproduce from a seed: no global random source either.
func TestID(t *testing.T) {
	_ = rand.Uint32()
	_ = rand.New(rand.NewPCG(1, 2)).Uint32()
}
