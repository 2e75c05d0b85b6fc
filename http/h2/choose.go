package h2

import (
	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/sim"
)

// ServerEngine is what a transport needs of a server connection engine,
// HTTP/1.1's (h1.ServerConn) or HTTP/2's (ServerConn): bytes in and out,
// a deadline, a count of requests answered.
type ServerEngine interface {
	Room() int
	Receive(now sim.Time, b []byte) int
	ReceiveEOF(now sim.Time)
	Output() []byte
	Consume(n int)
	Done() bool
	NextDeadline() sim.Time
	Advance(now sim.Time)
	Served() int
}

var (
	_ ServerEngine = (*ServerConn)(nil)
	_ ServerEngine = (*h1.ServerConn)(nil)
)

// ChooseServer picks the engine for a server connection from its first
// bytes (RFC 9113 section 3.3, prior knowledge): HTTP/2 when they are
// the client preface, HTTP/1.1 as soon as they cannot be (or the input
// ended). decided is false while first may still grow into the preface;
// the caller reads more, up to len(Preface) bytes in all, and asks again.
// The caller then hands first to the engine.
func ChooseServer(now sim.Time, first []byte, eof bool, h1cfg h1.ServerConfig, h1h h1.Handler, cfg ServerConfig, h2h h1.Handler) (e ServerEngine, isH2, decided bool) {
	prefix := len(first) <= len(Preface) && string(first) == Preface[:len(first)]
	switch {
	case prefix && len(first) == len(Preface):
		return NewServerConn(now, cfg, h2h), true, true
	case !prefix || eof:
		return h1.NewServerConn(now, h1cfg, h1h), false, true
	}
	return nil, false, false
}

// FollowUpgrade returns the HTTP/2 engine that takes over from e once e,
// an HTTP/1.1 engine, has accepted an h2c upgrade (RFC 7540 section 3.2)
// and its 101 has been sent, with the bytes that followed the request
// already handed to it; otherwise e itself and false.
func FollowUpgrade(now sim.Time, e ServerEngine, cfg ServerConfig, h h1.Handler) (ServerEngine, bool, error) {
	e1, ok := e.(*h1.ServerConn)
	if !ok || len(e1.Output()) > 0 {
		return e, false, nil
	}
	req, settings, rest, ok := e1.Upgraded()
	if !ok {
		return e, false, nil
	}
	e2 := NewServerConn(now, cfg, h)
	if err := e2.AcceptUpgrade(now, req, settings); err != nil {
		return e, false, err
	}
	if len(rest) > 0 {
		e2.Receive(now, rest)
	}
	return e2, true, nil
}
