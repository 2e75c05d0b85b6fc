package echo

import (
	"math/rand"

	"github.com/hopsnet/hops/node"
)

type App struct{ n *node.Node }

func (a *App) Port() int { return rand.New(rand.NewSource(1)).Intn(1000) }
