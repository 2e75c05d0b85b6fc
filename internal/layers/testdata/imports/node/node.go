package node

import (
	"github.com/hopsnet/hops/link"
	"github.com/hopsnet/hops/world/scenario"
)

type Node struct {
	l *link.Link
	s *scenario.Scenario
}
