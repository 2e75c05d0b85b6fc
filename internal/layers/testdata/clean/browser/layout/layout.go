// Package layout imports its sibling dom: one family, one layer.
package layout

import (
	"github.com/hopsnet/hops/browser/dom"
	"github.com/hopsnet/hops/sim"
)

func Layout(n *dom.Node, now sim.Time) {}
