// Package h1 is HTTP/1.1 (RFC 9110 semantics, RFC 9112 syntax) as a
// sans-I/O codec and two connection engines.
//
// [Parser] is an incremental message parser shared by both ends: bytes go
// in as they arrive ([Parser.Write], [Parser.CloseInput]) and events come
// out ([Parser.Next]): a message head, body data, the end of a message
// (with its trailers) or an error carrying the status code a server
// answers with (400, 413, 414, 431, 501, 505). Its buffer is fixed when
// it is made, so no input grows its memory: a head or a chunk-size line
// that does not fit is an error, and body bytes are handed out as slices
// of the buffer.
//
// [ServerConn] and [ClientConn] are connection engines on top of it. They
// read no clock and start no goroutine: every input carries the current
// time (sim.Time), output is pulled with Output/Consume, input is pushed
// with Receive after asking Room (back-pressure), and the engine says
// when it next needs waking (NextDeadline/Advance). An app binds them to
// a TCP socket (app/web); a test binds them to a net.Conn.
//
// Framing follows RFC 9112 section 6.3, in its order: responses to HEAD,
// 1xx, 204 and 304 have no body; Transfer-Encoding chunked wins over
// Content-Length in a response (and the connection then closes), while a
// request carrying both is rejected (request smuggling); several
// different Content-Length values are an error; a response with neither
// runs until the connection closes.
package h1
