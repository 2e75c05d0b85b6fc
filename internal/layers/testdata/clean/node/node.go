package node

import (
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
)

type Node struct {
	k     *sim.Kernel
	conns []*tcp.Conn
}
