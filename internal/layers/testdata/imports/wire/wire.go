package wire

import (
	"encoding/binary"

	"github.com/hopsnet/hops/node"
)

var _ = binary.BigEndian

var _ node.Node
