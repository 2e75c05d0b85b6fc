// Package gadget matches no entry of the layer table.
package gadget

import "github.com/hopsnet/hops/sim"

var Start sim.Time
