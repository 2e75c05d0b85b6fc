// Package helper is a test helper: it may import any layer.
package helper

import (
	"os/exec"

	"github.com/hopsnet/hops/world"
)

var _ = exec.Command

var _ = world.Build
