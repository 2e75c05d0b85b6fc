package dns

import (
	"github.com/hopsnet/hops/node"
	. "github.com/hopsnet/hops/sim"
)

type Resolver struct {
	n  *node.Node
	at Time
}
