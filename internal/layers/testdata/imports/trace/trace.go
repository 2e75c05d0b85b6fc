package trace

import "github.com/hopsnet/hops/trace/capture"

var _ = capture.New
