package h1

import (
	"errors"
	"strconv"
)

// AppendRequestHead appends r's request line and fields and the empty
// line that ends them. Framing fields are the caller's (ClientConn sets
// them).
func AppendRequestHead(dst []byte, r *Request) []byte {
	dst = append(dst, r.Method...)
	dst = append(dst, ' ')
	dst = append(dst, r.Target...)
	dst = append(dst, ' ')
	dst = append(dst, proto(r.Minor)...)
	dst = append(dst, "\r\n"...)
	return appendFields(dst, r.Header)
}

// AppendResponseHead appends r's status line, fields and empty line.
func AppendResponseHead(dst []byte, r *Response) []byte {
	dst = append(dst, proto(r.Minor)...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(r.Status), 10)
	dst = append(dst, ' ')
	if r.Reason != "" {
		dst = append(dst, r.Reason...)
	} else {
		dst = append(dst, StatusText(r.Status)...)
	}
	dst = append(dst, "\r\n"...)
	return appendFields(dst, r.Header)
}

func appendFields(dst []byte, h Header) []byte {
	for _, f := range h {
		dst = append(dst, f.Name...)
		dst = append(dst, ": "...)
		dst = append(dst, f.Value...)
		dst = append(dst, "\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// AppendChunk appends data as one chunk; empty data appends nothing (an
// empty chunk would end the body).
func AppendChunk(dst, data []byte) []byte {
	if len(data) == 0 {
		return dst
	}
	dst = strconv.AppendInt(dst, int64(len(data)), 16)
	dst = append(dst, "\r\n"...)
	dst = append(dst, data...)
	return append(dst, "\r\n"...)
}

// AppendLastChunk appends the last chunk and the trailer section.
func AppendLastChunk(dst []byte, trailer Header) []byte {
	dst = append(dst, "0\r\n"...)
	return appendFields(dst, trailer)
}

// appendChunked appends body as chunks of at most size bytes, then the
// last chunk with trailer.
func appendChunked(dst, body []byte, size int, trailer Header) []byte {
	for len(body) > 0 {
		n := min(len(body), size)
		dst = AppendChunk(dst, body[:n])
		body = body[n:]
	}
	return AppendLastChunk(dst, trailer)
}

// ErrInvalidField is a header field that would not survive the trip: a
// name that is not a token, or a value with CR, LF or another control
// character (which could split or smuggle a message).
var ErrInvalidField = errors.New("http: invalid header field")

// ValidField reports whether a field can be sent as it is: its name a
// token, its value without CR, LF, NUL or other control characters.
func ValidField(name, value string) bool { return validName(name) && validValue(value) }

// checkFields checks fields before they are sent.
func checkFields(h Header) error {
	for _, f := range h {
		if !validName(f.Name) || !validValue(f.Value) {
			return ErrInvalidField
		}
	}
	return nil
}
