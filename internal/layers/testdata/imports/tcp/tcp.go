package tcp

import "github.com/hopsnet/hops/udp"

var _ = udp.Listen
