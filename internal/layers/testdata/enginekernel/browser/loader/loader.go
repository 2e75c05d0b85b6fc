package loader

import (
	"github.com/hopsnet/hops/browser/dom"
	"github.com/hopsnet/hops/http"
	"github.com/hopsnet/hops/sim"
)

type Loader struct {
	doc *dom.Node
	c   *http.Client
	at  sim.Time
}
