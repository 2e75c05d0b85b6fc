package wire

import "errors"

// Sentinel errors returned by the parsers and Check methods. They are
// compared with == (or errors.Is); parsers never wrap them.
var (
	// ErrTruncated reports that the buffer is shorter than the header or
	// than a length field claims.
	ErrTruncated = errors.New("wire: truncated packet")
	// ErrBadVersion reports an IP version field other than the expected one.
	ErrBadVersion = errors.New("wire: bad IP version")
	// ErrBadHeaderLen reports a header length field below the minimum
	// header size.
	ErrBadHeaderLen = errors.New("wire: bad header length")
	// ErrBadLength reports a total/datagram length field that is
	// inconsistent with the header length.
	ErrBadLength = errors.New("wire: bad length field")
	// ErrBadChecksum reports a checksum that does not verify. Parsers that
	// return it still fill in the decoded header.
	ErrBadChecksum = errors.New("wire: bad checksum")
	// ErrBadOption reports a malformed option (bad length or overrun).
	ErrBadOption = errors.New("wire: malformed option")
)
