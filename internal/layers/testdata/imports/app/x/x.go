package x

import "github.com/hopsnet/hops/internal/tsharkcheck"

var _ = tsharkcheck.Check
