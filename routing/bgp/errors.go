package bgp

import (
	"errors"
	"fmt"
)

// NOTIFICATION error codes (RFC 4271 4.5).
const (
	CodeHeader        = 1 // Message Header Error
	CodeOpen          = 2 // OPEN Message Error
	CodeUpdate        = 3 // UPDATE Message Error
	CodeHoldTimer     = 4 // Hold Timer Expired
	CodeFSM           = 5 // Finite State Machine Error
	CodeCease         = 6 // Cease
	codeMax           = CodeCease
	subcodeUnspecific = 0
)

// Message Header Error subcodes (RFC 4271 6.1).
const (
	SubConnNotSynchronized = 1
	SubBadMessageLength    = 2
	SubBadMessageType      = 3
)

// OPEN Message Error subcodes (RFC 4271 6.2; 5 is deprecated).
const (
	SubUnsupportedVersion    = 1
	SubBadPeerAS             = 2
	SubBadBGPIdentifier      = 3
	SubUnsupportedParam      = 4
	SubUnacceptableHold      = 6
	SubUnsupportedCapability = 7 // RFC 5492
)

// UPDATE Message Error subcodes (RFC 4271 6.3; 7 is deprecated).
const (
	SubMalformedAttrList     = 1
	SubUnrecognizedWellKnown = 2
	SubMissingWellKnown      = 3
	SubAttrFlags             = 4
	SubAttrLength            = 5
	SubInvalidOrigin         = 6
	SubInvalidNextHop        = 8
	SubOptionalAttr          = 9
	SubInvalidNetwork        = 10
	SubMalformedASPath       = 11
)

// Finite State Machine Error subcodes (RFC 6608).
const (
	SubFSMOpenSent    = 1 // Receive Unexpected Message in OpenSent State
	SubFSMOpenConfirm = 2 // Receive Unexpected Message in OpenConfirm State
	SubFSMEstablished = 3 // Receive Unexpected Message in Established State
)

// Cease subcodes (RFC 4486).
const (
	SubCeaseAdminShutdown = 2
	SubCeaseAdminReset    = 4
)

// Action is what a receiver does about an error in an UPDATE, strongest
// last (RFC 7606 section 2).
type Action uint8

// Error-handling approaches of RFC 7606 section 2, weakest first.
const (
	// AttrDiscard: the malformed attribute is dropped and the UPDATE is
	// processed without it.
	AttrDiscard Action = iota + 1
	// TreatAsWithdraw: the UPDATE's NLRI are handled as if they were
	// listed in its Withdrawn Routes; the session stays up.
	TreatAsWithdraw
	// SessionReset: a NOTIFICATION is sent and the session goes down.
	SessionReset
)

// String names the action as RFC 7606 does.
func (a Action) String() string {
	switch a {
	case AttrDiscard:
		return "attribute-discard"
	case TreatAsWithdraw:
		return "treat-as-withdraw"
	case SessionReset:
		return "session-reset"
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// Error is a protocol error: the NOTIFICATION it maps to (code, subcode,
// data) and, for UPDATE errors, the RFC 7606 action. Parsers return it as
// an error; errors.As finds it.
type Error struct {
	Code    uint8
	Subcode uint8
	Data    []byte
	Action  Action // SessionReset unless the error is in an UPDATE's attributes
	Reason  string // what was wrong, for logs
}

// Error describes the error with its NOTIFICATION code and action.
func (e *Error) Error() string {
	return fmt.Sprintf("bgp: %s (%s; %s)", e.Reason, CodeText(e.Code, e.Subcode), e.Action)
}

// Notification returns the NOTIFICATION message that reports e.
func (e *Error) Notification() *Notification {
	return &Notification{Code: e.Code, Subcode: e.Subcode, Data: e.Data}
}

func newErr(code, sub uint8, data []byte, act Action, format string, args ...any) *Error {
	return &Error{Code: code, Subcode: sub, Data: data, Action: act, Reason: fmt.Sprintf(format, args...)}
}

// stronger returns whichever of a and b asks for the stronger action; the
// first one found wins a tie.
func stronger(a, b *Error) *Error {
	if a == nil || b != nil && b.Action > a.Action {
		return b
	}
	return a
}

// asError returns err as an *Error; any other error (there should be
// none) becomes a session reset with an unspecific Cease.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return newErr(CodeCease, subcodeUnspecific, nil, SessionReset, "%v", err)
}

// ErrShort means a byte buffer holds less than one whole message; more
// bytes are needed. It is not a protocol error.
var ErrShort = errors.New("bgp: need more bytes")

// CodeText names a NOTIFICATION code and subcode, e.g. "UPDATE Message
// Error / Malformed Attribute List".
func CodeText(code, sub uint8) string {
	var names []string
	c := fmt.Sprintf("code %d", code)
	switch code {
	case CodeHeader:
		c = "Message Header Error"
		names = []string{1: "Connection Not Synchronized", "Bad Message Length", "Bad Message Type"}
	case CodeOpen:
		c = "OPEN Message Error"
		names = []string{1: "Unsupported Version Number", "Bad Peer AS", "Bad BGP Identifier",
			"Unsupported Optional Parameter", "", "Unacceptable Hold Time", "Unsupported Capability"}
	case CodeUpdate:
		c = "UPDATE Message Error"
		names = []string{1: "Malformed Attribute List", "Unrecognized Well-known Attribute",
			"Missing Well-known Attribute", "Attribute Flags Error", "Attribute Length Error",
			"Invalid ORIGIN Attribute", "", "Invalid NEXT_HOP Attribute", "Optional Attribute Error",
			"Invalid Network Field", "Malformed AS_PATH"}
	case CodeHoldTimer:
		c = "Hold Timer Expired"
	case CodeFSM:
		c = "Finite State Machine Error"
		names = []string{1: "Unexpected Message in OpenSent", "Unexpected Message in OpenConfirm",
			"Unexpected Message in Established"}
	case CodeCease:
		c = "Cease"
		names = []string{1: "Maximum Number of Prefixes Reached", "Administrative Shutdown",
			"Peer De-configured", "Administrative Reset", "Connection Rejected",
			"Other Configuration Change", "Connection Collision Resolution", "Out of Resources"}
	}
	if sub == subcodeUnspecific {
		return c
	}
	if int(sub) < len(names) && names[sub] != "" {
		return c + " / " + names[sub]
	}
	return fmt.Sprintf("%s / subcode %d", c, sub)
}
