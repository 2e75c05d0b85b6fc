package world

import (
	mr "math/rand"
	r "math/rand/v2"
	. "time"
	tm "time"
)

func Pick() int {
	tm.Sleep(Second)
	_ = mr.Perm(4)
	return r.IntN(3)
}
