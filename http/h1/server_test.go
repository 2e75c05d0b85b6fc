package h1

import (
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

// echo answers with the method, target and body it got; /chunked answers
// with a chunked body and a trailer; /gone with 204; /same with 304.
var echo = HandlerFunc(func(now sim.Time, req *Request, resp *Response) {
	switch req.Target {
	case "/chunked":
		resp.Chunked = true
		resp.Body = []byte("hello, chunked world")
		resp.Trailer = Header{{"X-Checksum", "42"}}
	case "/gone":
		resp.Status = 204
		resp.Body = []byte("ignored")
	case "/same":
		resp.Status = 304
	default:
		resp.Header.Add("Content-Type", "text/plain")
		resp.Body = []byte(req.Method + " " + req.Target + " " + string(req.Body))
	}
})

// converse feeds in to a fresh server engine and returns all it wrote.
func converse(t *testing.T, cfg ServerConfig, now sim.Time, in string) (string, *ServerConn) {
	t.Helper()
	cfg.ChunkBytes = 8
	s := NewServerConn(0, cfg, echo)
	b := []byte(in)
	var out strings.Builder
	for len(b) > 0 && !s.Done() {
		k := s.Receive(now, b[:min(len(b), s.Room())])
		b = b[k:]
		out.Write(s.Output())
		s.Consume(len(s.Output()))
	}
	return out.String(), s
}

const date0 = "Date: Wed, 01 Jan 2025 00:00:00 GMT\r\n"

func TestServerConnBytes(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
		done           bool
	}{
		{"get", "GET /a HTTP/1.1\r\nHost: x\r\n\r\n",
			"HTTP/1.1 200 OK\r\nServer: hops\r\n" + date0 + "Content-Type: text/plain\r\nContent-Length: 7\r\n\r\nGET /a ", false},
		{"head keeps the length, drops the body", "HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n",
			"HTTP/1.1 200 OK\r\nServer: hops\r\n" + date0 + "Content-Type: text/plain\r\nContent-Length: 8\r\n\r\n", false},
		{"chunked with trailer", "GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n",
			"HTTP/1.1 200 OK\r\nServer: hops\r\n" + date0 + "Transfer-Encoding: chunked\r\n\r\n8\r\nhello, c\r\n8\r\nhunked w\r\n4\r\norld\r\n0\r\nX-Checksum: 42\r\n\r\n", false},
		{"204 has neither body nor length", "DELETE /gone HTTP/1.1\r\nHost: x\r\n\r\n",
			"HTTP/1.1 204 No Content\r\nServer: hops\r\n" + date0 + "\r\n", false},
		{"304", "GET /same HTTP/1.1\r\nHost: x\r\n\r\n",
			"HTTP/1.1 304 Not Modified\r\nServer: hops\r\n" + date0 + "\r\n", false},
		{"pipelined, then close", "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhiGET /q HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\n\r\n",
			"HTTP/1.1 200 OK\r\nServer: hops\r\n" + date0 + "Content-Type: text/plain\r\nContent-Length: 10\r\n\r\nPOST /p hi" +
				"HTTP/1.1 200 OK\r\nServer: hops\r\n" + date0 + "Content-Type: text/plain\r\nContent-Length: 7\r\nConnection: close\r\n\r\nGET /q ", true},
		{"HTTP/1.0 keep-alive is answered", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
			"HTTP/1.1 200 OK\r\nServer: hops\r\n" + date0 + "Content-Type: text/plain\r\nContent-Length: 6\r\nConnection: keep-alive\r\n\r\nGET / ", false},
		{"100-continue", "PUT /c HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
			"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nServer: hops\r\n" + date0 + "Content-Type: text/plain\r\nContent-Length: 9\r\n\r\nPUT /c ok", false},
		{"unknown expectation: 417", "PUT /c HTTP/1.1\r\nHost: x\r\nExpect: coffee\r\nContent-Length: 2\r\n\r\nok",
			"HTTP/1.1 417 Expectation Failed\r\nServer: hops\r\n" + date0 + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 51\r\nConnection: close\r\n\r\n417 Expectation Failed: unknown expectation coffee\n", true},
		{"too large with 100-continue: 413 instead of 100", "PUT /c HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 99999999\r\n\r\n",
			"HTTP/1.1 413 Content Too Large\r\nServer: hops\r\n" + date0 + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 60\r\nConnection: close\r\n\r\n413 Content Too Large: Content-Length larger than the limit\n", true},
		{"bad request: 400 and close", "GET / HTTP/1.1\r\n\r\n",
			"HTTP/1.1 400 Bad Request\r\nServer: hops\r\n" + date0 + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 55\r\nConnection: close\r\n\r\n400 Bad Request: HTTP/1.1 request without a Host field\n", true},
	} {
		got, s := converse(t, ServerConfig{}, sim.Time(500*time.Millisecond), c.in)
		if got != c.want || s.Done() != c.done {
			t.Errorf("%s:\n got %q (done %v)\nwant %q (done %v)", c.name, got, s.Done(), c.want, c.done)
		}
	}
}

// TestServerConnIdle: an idle connection closes quietly at the idle
// timeout; one with half a request gets 408 first.
func TestServerConnIdle(t *testing.T) {
	s := NewServerConn(0, ServerConfig{IdleTimeout: time.Second}, echo)
	if d := s.NextDeadline(); d != sim.Time(time.Second) {
		t.Fatalf("deadline %v", d)
	}
	s.Advance(sim.Time(time.Second))
	if !s.Done() || len(s.Output()) != 0 {
		t.Fatalf("idle: done %v output %q", s.Done(), s.Output())
	}
	s = NewServerConn(0, ServerConfig{IdleTimeout: time.Second}, echo)
	s.Receive(sim.Time(time.Second/2), []byte("GET / HTTP/1.1\r\nHo"))
	s.Advance(sim.Time(time.Second)) // not yet: the input moved the deadline
	if s.Done() {
		t.Fatal("closed before the deadline")
	}
	s.Advance(s.NextDeadline())
	if !strings.HasPrefix(string(s.Output()), "HTTP/1.1 408 Request Timeout\r\n") {
		t.Fatalf("slow request: %q", s.Output())
	}
}

// TestServerConnBackPressure: while the output waits, pipelined requests
// are not read, so the engine's memory stays bounded.
func TestServerConnBackPressure(t *testing.T) {
	big := HandlerFunc(func(now sim.Time, req *Request, resp *Response) { resp.Body = make([]byte, 100<<10) })
	s := NewServerConn(0, ServerConfig{MaxOutputBytes: 150 << 10}, big)
	in := []byte(strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 100))
	// The parser's buffer takes the requests; the engine answers two.
	s.Receive(0, in)
	if s.Served() != 2 || s.Room() != 0 {
		t.Fatalf("served %d, room %d", s.Served(), s.Room())
	}
	s.Consume(len(s.Output()))
	s.Receive(0, nil)
	if s.Served() != 4 {
		t.Fatalf("after draining: served %d", s.Served())
	}
}
