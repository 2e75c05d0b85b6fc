package tcp

import "errors"

// The reasons a connection ends abnormally, returned by [Conn.Err] and
// testable with errors.Is.
var (
	// ErrConnRefused: the peer answered our SYN with an acceptable RST
	// (RFC 9293 section 3.10.7.3: "error: connection reset" in SYN-SENT;
	// Linux's ECONNREFUSED).
	ErrConnRefused = errors.New("tcp: connection refused")
	// ErrReset: the peer reset a synchronized connection (an RST exactly
	// at RCV.NXT, RFC 5961 section 3.2).
	ErrReset = errors.New("tcp: connection reset by peer")
	// ErrTimeout: retransmissions, zero-window probes or keepalive probes
	// went unanswered up to their limit (Config.SynRetries,
	// Config.DataRetries, Config.KeepaliveProbes).
	ErrTimeout = errors.New("tcp: connection timed out")
	// ErrAborted: the local app called [Conn.Abort], or closed the
	// connection with unread data or while data still arrived (RFC 9293
	// section 3.10.4 and RFC 1122 section 4.2.2.13: the connection is
	// reset).
	ErrAborted = errors.New("tcp: connection aborted")
	// ErrNotSYN: [Accept] was given a segment that is not a plain SYN
	// (SYN set, ACK and RST clear).
	ErrNotSYN = errors.New("tcp: accept needs a SYN without ACK or RST")
)

// ErrUnknownCongestion is returned (wrapped) by [CongestionByName] for a
// name it does not know.
var ErrUnknownCongestion = errors.New("tcp: unknown congestion control")
