package node_test

// External tests may import higher layers and third-party code.
import (
	"github.com/gopacket/gopacket"
	"github.com/hopsnet/hops/world"
)

var _ = world.Build

var _ = gopacket.NewPacket
