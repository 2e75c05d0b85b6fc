// Package har is a writer high in trace/...: it may import engines.
package har

import (
	"github.com/hopsnet/hops/http"
	"github.com/hopsnet/hops/trace"
)

type Log struct {
	c   *http.Client
	bus *trace.Bus
}
