// Package bridge runs in real time: the determinism rules do not apply.
package bridge

import (
	"math/rand/v2"
	"time"

	"github.com/hopsnet/hops/node"
)

func Run(n *node.Node) {
	go func() {
		time.Sleep(time.Duration(rand.IntN(10)))
	}()
	_ = time.Now()
}
