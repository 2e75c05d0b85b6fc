package h1

import (
	"errors"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

func kinds(evs []ClientEvent) []ClientEventKind {
	var k []ClientEventKind
	for _, e := range evs {
		k = append(k, e.Kind)
	}
	return k
}

func TestClientConnSendBytes(t *testing.T) {
	c := NewClientConn(ClientConfig{ChunkBytes: 4})
	head, err := c.Send(0, &Request{Method: "POST", Target: "/items", Header: Header{{"Host", "api.example.com"}}, Body: []byte("{}")})
	want := "POST /items HTTP/1.1\r\nHost: api.example.com\r\nContent-Length: 2\r\n\r\n"
	if err != nil || string(head) != want || string(c.Output()) != want+"{}" {
		t.Fatalf("head %q, output %q, %v", head, c.Output(), err)
	}
	if _, err := c.Send(0, &Request{Method: "GET", Target: "/"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("second request in flight: %v", err)
	}
	c = NewClientConn(ClientConfig{ChunkBytes: 4})
	c.Send(0, &Request{Method: "PUT", Target: "/", Header: Header{{"Host", "x"}}, Body: []byte("hello"), Chunked: true, Trailer: Header{{"X-Sum", "1"}}})
	if got := string(c.Output()); got != "PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nhell\r\n1\r\no\r\n0\r\nX-Sum: 1\r\n\r\n" {
		t.Fatalf("chunked: %q", got)
	}
	for _, h := range []Header{{{"X", "a\r\nInjected: 1"}}, {{"Bad Name", "1"}}, {{"X", "nul\x00"}}} {
		if _, err := NewClientConn(ClientConfig{}).Send(0, &Request{Method: "GET", Target: "/", Header: h}); !errors.Is(err, ErrInvalidField) {
			t.Errorf("field %q: %v", h, err)
		}
	}
	if _, err := NewClientConn(ClientConfig{}).Send(0, &Request{Method: "GET", Target: "/a b"}); err == nil {
		t.Error("a target with a space was sent")
	}
}

// TestClientConnExpectTimeout: a body held for 100 Continue goes out at
// the deadline if the server says nothing (RFC 9110 section 10.1.1).
func TestClientConnExpectTimeout(t *testing.T) {
	c := NewClientConn(ClientConfig{})
	c.Send(0, &Request{Method: "POST", Target: "/", Header: Header{{"Host", "x"}, {"Expect", "100-continue"}}, Body: []byte("body")})
	c.Consume(len(c.Output()))
	if d := c.NextDeadline(); d != sim.Time(time.Second) {
		t.Fatalf("deadline %v", d)
	}
	c.Advance(sim.Time(time.Second / 2))
	if len(c.Output()) != 0 {
		t.Fatal("body sent before the deadline")
	}
	c.Advance(sim.Time(time.Second))
	if string(c.Output()) != "body" || c.NextDeadline() != sim.Never {
		t.Fatalf("output %q, deadline %v", c.Output(), c.NextDeadline())
	}
}

func TestClientConnFailures(t *testing.T) {
	for _, c := range []struct {
		name, in string
		eof      bool
		want     []ClientEventKind
		err      error
		reusable bool
	}{
		{"done, kept alive", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, []ClientEventKind{ClientHead, ClientDone}, nil, true},
		{"connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", false, []ClientEventKind{ClientHead, ClientDone}, nil, false},
		{"until close", "HTTP/1.1 200 OK\r\n\r\nok", true, []ClientEventKind{ClientHead, ClientDone}, nil, false},
		{"interim", "HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", false, []ClientEventKind{ClientInterim, ClientHead, ClientDone}, nil, true},
		{"empty reply", "", true, []ClientEventKind{ClientError}, ErrEmptyReply, false},
		{"truncated", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nok", true, []ClientEventKind{ClientHead, ClientError}, ErrTruncated, false},
		{"garbage", "SSH-2.0-OpenSSH_9.6\r\n\r\n", false, []ClientEventKind{ClientError}, nil, false},
		{"more than asked", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", false, []ClientEventKind{ClientHead, ClientDone, ClientError}, ErrUnsolicited, false},
	} {
		cc := NewClientConn(ClientConfig{})
		cc.Send(0, &Request{Method: "GET", Target: "/", Header: Header{{"Host", "x"}}})
		cc.Receive(0, []byte(c.in))
		if c.eof {
			cc.ReceiveEOF(0)
		}
		evs := cc.Events(nil)
		got := kinds(evs)
		if len(got) != len(c.want) || cc.Reusable() != c.reusable {
			t.Errorf("%s: events %v, reusable %v; want %v, %v", c.name, got, cc.Reusable(), c.want, c.reusable)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: events %v, want %v", c.name, got, c.want)
			}
		}
		if last := evs[len(evs)-1]; c.err != nil && !errors.Is(last.Err, c.err) {
			t.Errorf("%s: error %v, want %v", c.name, last.Err, c.err)
		}
	}
}
