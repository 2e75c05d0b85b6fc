package netsim

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/hopsnet/hops/live/realtime"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/tcp"
)

// SysError is the cause inside a *net.OpError that netsim returns: the
// errno a Linux socket would give (ECONNREFUSED, ECONNRESET, ETIMEDOUT,
// EHOSTUNREACH ...) and hops' own error behind it. errors.Is matches
// both, so callers can test for syscall.ECONNREFUSED as with real
// sockets, or for tcp.ErrConnRefused.
type SysError struct {
	Syscall string        // "connect", "read", "write"
	Errno   syscall.Errno // the errno a Linux socket would report
	Err     error         // hops' error (tcp.ErrReset, node.ErrNoRoute ...)
}

// Error reads like os.SyscallError's text, with hops' cause when it says
// more than the errno.
func (e *SysError) Error() string {
	s := e.Errno.Error()
	if e.Err != nil && !plain(e.Err) {
		if cause := e.Err.Error(); strings.HasPrefix(cause, s) {
			s = cause // "network is unreachable (ICMP net unreachable from 10.0.1.1)"
		} else {
			s += " (" + cause + ")"
		}
	}
	return e.Syscall + ": " + s
}

// Unwrap returns the errno and hops' error.
func (e *SysError) Unwrap() []error { return []error{e.Errno, e.Err} }

// Timeout reports whether the error is a timeout (ETIMEDOUT).
func (e *SysError) Timeout() bool { return e.Errno.Timeout() }

// Temporary is false: none of these errors goes away by retrying the
// same call.
func (e *SysError) Temporary() bool { return false }

// plain reports whether err is one of the engine's bare sentinels, whose
// text adds nothing to the errno's.
func plain(err error) bool {
	switch err {
	case tcp.ErrConnRefused, tcp.ErrReset, tcp.ErrTimeout, tcp.ErrAborted:
		return true
	}
	return false
}

// errno maps hops' errors to what a Linux socket reports.
func errno(err error) syscall.Errno {
	switch {
	case errors.Is(err, tcp.ErrConnRefused), errors.Is(err, node.ErrConnRefused):
		return syscall.ECONNREFUSED
	case errors.Is(err, tcp.ErrReset):
		return syscall.ECONNRESET
	case errors.Is(err, tcp.ErrTimeout):
		return syscall.ETIMEDOUT
	case errors.Is(err, tcp.ErrAborted):
		return syscall.ECONNABORTED
	case errors.Is(err, node.ErrNetUnreachable):
		return syscall.ENETUNREACH
	case errors.Is(err, node.ErrNoRoute), errors.Is(err, node.ErrHostUnreachable):
		return syscall.EHOSTUNREACH
	case errors.Is(err, node.ErrLinkDown):
		return syscall.ENETDOWN
	case errors.Is(err, node.ErrNoPorts):
		return syscall.EADDRNOTAVAIL
	case errors.Is(err, node.ErrPortInUse):
		return syscall.EADDRINUSE
	}
	return syscall.EIO
}

// opError wraps err for operation op ("dial", "read", "write", "close",
// "listen", "accept") as package net does.
func opError(op string, src, dst net.Addr, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, net.ErrClosed),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
	case errors.Is(err, realtime.ErrStopped):
		err = &SysError{Syscall: sysName(op), Errno: syscall.ENETDOWN, Err: err}
	default:
		var se *SysError
		if !errors.As(err, &se) {
			err = &SysError{Syscall: sysName(op), Errno: errno(err), Err: err}
		}
	}
	return &net.OpError{Op: op, Net: "tcp", Source: src, Addr: dst, Err: err}
}

// sysName is the system call behind op.
func sysName(op string) string {
	switch op {
	case "dial":
		return "connect"
	case "listen":
		return "bind"
	}
	return op
}
