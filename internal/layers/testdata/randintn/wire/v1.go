package wire

import (
	crand "crypto/rand"
	"math/rand"
)

func v1(xs []int) {
	rand.Seed(1)
	rand.Shuffle(len(xs), func(i, j int) {})
	_ = rand.New(rand.NewSource(1)).Intn(3)
	_, _ = crand.Read(nil)
}
