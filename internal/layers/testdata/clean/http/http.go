package http

import (
	"golang.org/x/net/http2/hpack"

	"github.com/hopsnet/hops/tcp"
)

type Client struct {
	c   *tcp.Conn
	enc *hpack.Encoder
}
