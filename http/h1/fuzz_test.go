package h1

import (
	"strings"
	"testing"
)

// FuzzRequestParser: no input panics the parser or grows its buffer, the
// events do not depend on how the input is cut, and whatever the server
// engine answers parses as HTTP/1.1 responses.
func FuzzRequestParser(f *testing.F) {
	for _, c := range requestCases {
		f.Add([]byte(c.in), uint8(7))
	}
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		lim := Limits{MaxLineBytes: 256, MaxHeaderBytes: 1024, MaxHeaders: 8, MaxBodyBytes: 4096}
		p := NewRequestParser(lim)
		size := len(p.buf)
		whole := parseEvents(p, string(in), len(in)+1, true)
		pieces := parseEvents(NewRequestParser(lim), string(in), int(step)%16+1, true)
		if strings.Join(whole, "\n") != strings.Join(pieces, "\n") {
			t.Fatalf("whole %q\npieces %q", whole, pieces)
		}
		if len(p.buf) != size {
			t.Fatalf("buffer grew to %d", len(p.buf))
		}
		out, _ := converse(t, ServerConfig{Limits: lim}, 0, string(in))
		rp := NewResponseParser(Limits{MaxBodyBytes: -1})
		for _, ev := range parseEvents(rp, out, len(out)+1, false) {
			if strings.HasPrefix(ev, "error") {
				t.Fatalf("server output does not parse (%s): %q", ev, out)
			}
		}
	})
}

// FuzzResponseParser: the same for responses, and the client engine
// never panics on them.
func FuzzResponseParser(f *testing.F) {
	for _, c := range responseCases {
		f.Add([]byte(c.in), c.method == "HEAD", uint8(5))
	}
	f.Fuzz(func(t *testing.T, in []byte, head bool, step uint8) {
		method := "GET"
		if head {
			method = "HEAD"
		}
		lim := Limits{MaxLineBytes: 256, MaxHeaderBytes: 1024, MaxHeaders: 8, MaxBodyBytes: 4096}
		p := NewResponseParser(lim)
		p.SetMethod(method)
		whole := parseEvents(p, string(in), len(in)+1, true)
		q := NewResponseParser(lim)
		q.SetMethod(method)
		pieces := parseEvents(q, string(in), int(step)%16+1, true)
		if strings.Join(whole, "\n") != strings.Join(pieces, "\n") {
			t.Fatalf("whole %q\npieces %q", whole, pieces)
		}
		c := NewClientConn(ClientConfig{Limits: lim})
		if _, err := c.Send(0, &Request{Method: method, Target: "/", Header: Header{{"Host", "x"}}}); err != nil {
			t.Fatal(err)
		}
		for b := in; len(b) > 0; {
			k := c.Receive(0, b)
			if k == 0 {
				break
			}
			b = b[k:]
		}
		c.ReceiveEOF(0)
		c.Events(nil)
	})
}
