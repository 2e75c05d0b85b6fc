package h1

import "strconv"

// Request is a request head and, once an engine has collected it, its
// body. The zero value is not useful; Method and Target are required.
type Request struct {
	Method string // a token: GET, HEAD, POST, PUT, DELETE, OPTIONS ...
	Target string // request-target as sent: "/index.html", "*", "http://h/p"
	Minor  int    // HTTP/1.Minor: 1, or 0 for HTTP/1.0
	Header Header
	// ContentLength is the body's length from Content-Length, or -1 when
	// the body is chunked. A request with neither has 0.
	ContentLength int64
	// Chunked: the body is sent with the chunked transfer coding.
	Chunked bool
	// Close: the connection ends after this exchange (Connection: close,
	// or HTTP/1.0 without keep-alive).
	Close   bool
	Trailer Header // trailer fields of a chunked body
	Body    []byte
}

// Host returns the Host field.
func (r *Request) Host() string { return r.Header.Get("Host") }

// Response is a response head and, once an engine has collected it, its
// body.
type Response struct {
	Minor  int    // HTTP/1.Minor
	Status int    // 100..999
	Reason string // reason-phrase; empty means StatusText(Status)
	Header Header
	// ContentLength is the body's length, or -1 when it is chunked or runs
	// until the connection closes.
	ContentLength int64
	Chunked       bool
	Close         bool
	Trailer       Header
	Body          []byte
}

// Proto returns "HTTP/1.1" or "HTTP/1.0".
func proto(minor int) string {
	if minor == 0 {
		return "HTTP/1.0"
	}
	return "HTTP/1.1"
}

// bodyless reports whether a response with this status to a request with
// this method has no body whatever its fields say (RFC 9112 section 6.3,
// rule 1).
func bodyless(method string, status int) bool {
	return method == "HEAD" || status/100 == 1 || status == 204 || status == 304
}

// StatusText returns the reason phrase RFC 9110 gives status, or "".
func StatusText(status int) string { return statusText[status] }

var statusText = map[int]string{
	100: "Continue", 101: "Switching Protocols",
	200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 206: "Partial Content",
	301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
	307: "Temporary Redirect", 308: "Permanent Redirect",
	400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
	405: "Method Not Allowed", 406: "Not Acceptable", 408: "Request Timeout",
	409: "Conflict", 411: "Length Required", 413: "Content Too Large", 414: "URI Too Long",
	415: "Unsupported Media Type", 417: "Expectation Failed", 431: "Request Header Fields Too Large",
	500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable",
	505: "HTTP Version Not Supported",
}

// Error is a message that cannot be parsed or is not allowed, with the
// status a server answers it with.
type Error struct {
	Status int    // 400, 408, 413, 414, 417, 431, 501, 505
	Reason string // what was wrong, for logs and tests
}

func (e *Error) Error() string {
	return "http: " + strconv.Itoa(e.Status) + " " + StatusText(e.Status) + ": " + e.Reason
}

func errorf(status int, reason string) *Error { return &Error{status, reason} }

// ErrTruncated is a message the peer's close cut short.
var ErrTruncated = errorf(400, "connection closed in the middle of a message")
