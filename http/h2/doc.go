// Package h2 is HTTP/2 (RFC 9113) with HPACK (RFC 7541) as a sans-I/O
// codec, a server connection engine and a client connection engine.
//
// The frame codec is symmetric: [ParseFrame] reads one frame from the
// front of a byte slice (or says it needs more), checking what RFC 9113
// section 6 requires of each type — frame size against
// SETTINGS_MAX_FRAME_SIZE, padding, stream 0 or not, fixed payload
// sizes, setting values — and answering a violation with a typed
// [*ConnError] or [*StreamError] carrying the RFC's error code;
// [AppendFrame] writes any [Frame] back. Parsed frames alias their input,
// so parsing allocates nothing.
//
// HPACK has the static table, a dynamic table with size updates and
// eviction, integer and string coding with the RFC's Huffman code. A
// [Decoder] bounds string literals and the decoded header list (RFC 7541
// sizes), and keeps decoding a block past the list limit so that its
// table stays in step with the peer's encoder. An [Encoder] indexes what
// fits, sends authorization fields never-indexed and follows the peer's
// SETTINGS_HEADER_TABLE_SIZE with a size update.
//
// [ClientConn] is the client's end (prior knowledge, h2c): it opens with
// the preface, SETTINGS and a connection WINDOW_UPDATE, sends each
// Request as a stream (queued while the server's stream limit is
// reached), and reports heads, data, ends, resets and GOAWAYs as
// [ClientEvent]s; with ClientConfig.EnablePush it takes server pushes,
// reported as ClientPushPromise and then the pushed response's events.
//
// [ServerConn] is the server's end of one connection, with the shape of
// h1.ServerConn: every input carries the current time (sim.Time), input
// is pushed with Receive after asking Room, output is pulled with
// Output/Consume, and NextDeadline/Advance drive the idle timeout. Its
// input buffer is one maximum-size frame, fixed when it is made. It
// takes the client preface and SETTINGS, acknowledges SETTINGS and PING,
// turns HEADERS (+CONTINUATION) and DATA into an h1.Request for the same
// h1.Handler the HTTP/1.1 engine calls, and answers with HEADERS and
// DATA within the connection and stream send windows, scheduled by RFC
// 9218's extensible priorities: the request's priority field (see
// [ParsePriority]) or a PRIORITY_UPDATE frame sets a stream's urgency
// and incremental flag; the most urgent streams are served first, the
// non-incremental ones of an urgency one at a time in stream-ID order,
// the incremental ones round robin; DATA is written only a couple of
// frames ahead of what the transport has taken, so that a more urgent
// response overtakes. Both ends send SETTINGS_NO_RFC7540_PRIORITIES 1;
// the client sends a request's Priority as its priority field and
// ClientConn.SetPriority sends PRIORITY_UPDATE. Stream states (idle, open, half-closed, closed) are tracked
// and violations answered with RST_STREAM or GOAWAY and the RFC's code.
// ServerConfig.Push names resources to push with a response: each is
// promised (PUSH_PROMISE) before the response and served by the same
// handler on an even stream, while the client allows push and within
// its SETTINGS_MAX_CONCURRENT_STREAMS.
package h2
