package h1

import (
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

// TestServerConnAbuse: each abuse of the server engine is answered
// with its 4xx and Connection: close, and what the engine holds (its
// parser buffer, the body it collects, its unsent output) stays bounded
// however much the client sends.
func TestServerConnAbuse(t *testing.T) {
	lim := Limits{MaxLineBytes: 1024, MaxHeaderBytes: 4096, MaxHeaders: 20, MaxBodyBytes: 64 << 10}
	endless := func(start, repeat string) func(*ServerConn) []byte {
		return func(*ServerConn) []byte {
			return []byte(start + strings.Repeat(repeat, (4<<20)/len(repeat)))
		}
	}
	for _, tc := range []struct {
		name   string
		in     func(s *ServerConn) []byte // what the client sends (4 MiB or so)
		status string                     // the status line answered
	}{
		{"endless request line", endless("GET /", "a"), "HTTP/1.1 414 URI Too Long"},
		{"endless field line", endless("GET / HTTP/1.1\r\nHost: a\r\nX: ", "b"), "HTTP/1.1 431 Request Header Fields Too Large"},
		{"endless fields", endless("GET / HTTP/1.1\r\nHost: a\r\n", "X: 1\r\n"), "HTTP/1.1 431 Request Header Fields Too Large"},
		{"endless head of long fields", endless("GET / HTTP/1.1\r\nHost: a\r\n", "X-Long: "+strings.Repeat("c", 1000)+"\r\n"), "HTTP/1.1 431 Request Header Fields Too Large"},
		{"Content-Length over the limit", endless("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4194304\r\n\r\n", "d"), "HTTP/1.1 413 Content Too Large"},
		{"endless chunked body", endless("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", "1000\r\n"+strings.Repeat("e", 4096)+"\r\n"), "HTTP/1.1 413 Content Too Large"},
		{"endless chunk extension", endless("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;", "x"), "HTTP/1.1 400 Bad Request"},
		{"endless trailers", endless("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", "T: 1\r\n"), "HTTP/1.1 431 Request Header Fields Too Large"},
		{"request smuggling: Content-Length and chunked", endless("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "0\r\n\r\n"), "HTTP/1.1 400 Bad Request"},
		{"two Content-Lengths", endless("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", "f"), "HTTP/1.1 400 Bad Request"},
		{"garbage", endless("", "\x00\xff\r\n\r\n"), "HTTP/1.1 400 Bad Request"},
		{"unknown expectation", endless("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 10\r\n\r\n", "g"), "HTTP/1.1 417 Expectation Failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewServerConn(0, ServerConfig{Limits: lim}, echo)
			buf := len(s.p.buf)
			in := tc.in(s)
			var out []byte
			for len(in) > 0 && !s.Done() {
				k := s.Receive(0, in[:min(len(in), 1500)])
				in = in[k:]
				if len(s.p.buf) != buf || cap(s.body) > 2*int(lim.MaxBodyBytes) || s.backlog() > 64<<10 {
					t.Fatalf("parser buffer %d (was %d), body %d, output %d", len(s.p.buf), buf, cap(s.body), s.backlog())
				}
				out = append(out, s.Output()...)
				s.Consume(len(s.Output()))
			}
			if !strings.HasPrefix(string(out), tc.status+"\r\n") || !strings.Contains(string(out), "\r\nConnection: close\r\n") || !s.Done() {
				t.Errorf("answered %.120q, done %v", out, s.Done())
			}
		})
	}
}

// TestServerConnSlowloris: a request head sent a byte every 30 s (each
// within the idle timeout) gets its 408 when the head is not whole 60 s
// after its first byte (before, each byte renewed the timeout: a 16 KiB
// head could take 11 days); a whole request sent slowly then is
// not cut, and the next head gets its own 60 s.
func TestServerConnSlowloris(t *testing.T) {
	s := NewServerConn(0, ServerConfig{}, echo)
	head := "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + strings.Repeat("z", 100)
	now := sim.Time(0)
	for i := 0; i < len(head) && !s.Done(); i++ {
		if d := s.NextDeadline(); now >= d {
			s.Advance(now)
			break
		}
		s.Receive(now, []byte{head[i]})
		now = now.Add(30 * time.Second)
	}
	out := string(s.Output())
	if !strings.HasPrefix(out, "HTTP/1.1 408 Request Timeout\r\n") || now != sim.Time(0).Add(60*time.Second) {
		t.Fatalf("at %v: %.60q", now, out)
	}

	// whole requests, each byte 1 s after the last: answered
	s = NewServerConn(0, ServerConfig{}, echo)
	req := "GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
	now = 0
	for k := 0; k < 3; k++ {
		for i := 0; i < len(req); i++ {
			s.Receive(now, []byte{req[i]})
			s.Advance(now)
			now = now.Add(time.Second)
		}
	}
	if got := strings.Count(string(s.Output()), "HTTP/1.1 200 OK\r\n"); got != 3 || s.Done() {
		t.Fatalf("%d answers, done %v", got, s.Done())
	}
}
