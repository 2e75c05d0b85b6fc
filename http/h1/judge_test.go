package h1

// Go's net/http judges the engines: its client talks to ServerConn over
// an in-memory pipe, and ClientConn talks to its server over loopback.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

// serveConn drives a ServerConn from a net.Conn until either side ends.
func serveConn(conn net.Conn, s *ServerConn) {
	defer conn.Close()
	buf := make([]byte, 4096)
	for !s.Done() {
		if out := s.Output(); len(out) > 0 {
			n, err := conn.Write(out)
			s.Consume(n)
			if err != nil {
				return
			}
			continue
		}
		n, err := conn.Read(buf[:min(len(buf), s.Room())])
		for b := buf[:n]; len(b) > 0; {
			k := s.Receive(0, b[:min(len(b), s.Room())])
			b = b[k:]
			if out := s.Output(); len(out) > 0 {
				w, _ := conn.Write(out)
				s.Consume(w)
			}
		}
		if err != nil {
			s.ReceiveEOF(0)
		}
	}
	if out := s.Output(); len(out) > 0 {
		conn.Write(out)
	}
}

// judgeHandler answers what net/http's client asks in the test.
var judgeHandler = HandlerFunc(func(now sim.Time, req *Request, resp *Response) {
	resp.Header.Add("X-Method", req.Method)
	resp.Header.Add("X-Trailer", req.Trailer.Get("X-Sum"))
	switch req.Target {
	case "/chunked":
		resp.Chunked = true
		resp.Header.Add("Trailer", "X-Sum")
		resp.Trailer = Header{{"X-Sum", "abc"}}
		resp.Body = bytes.Repeat([]byte("0123456789"), 5000)
	default:
		resp.Body = append([]byte(req.Method+" "+req.Target+" "+req.Host()+" "), req.Body...)
	}
})

func TestNetHTTPClientToServerConn(t *testing.T) {
	var dials atomic.Int32
	var wg sync.WaitGroup
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			c, s := net.Pipe()
			wg.Add(1)
			go func() { defer wg.Done(); serveConn(s, NewServerConn(0, ServerConfig{ChunkBytes: 1000}, judgeHandler)) }()
			return c, nil
		},
		ExpectContinueTimeout: 10 * time.Second,
	}
	client := &http.Client{Transport: tr}
	do := func(method, path string, body io.Reader, hdr ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://judge.example"+path, body)
		for i := 0; i < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s %s: body: %v", method, path, err)
		}
		return resp, string(b)
	}
	if _, b := do("GET", "/a", nil); b != "GET /a judge.example " {
		t.Errorf("GET: %q", b)
	}
	if r, b := do("HEAD", "/a", nil); b != "" || r.ContentLength != int64(len("HEAD /a judge.example ")) {
		t.Errorf("HEAD: %q, length %d", b, r.ContentLength)
	}
	if _, b := do("POST", "/p", strings.NewReader("fixed body")); b != "POST /p judge.example fixed body" {
		t.Errorf("POST: %q", b)
	}
	// An io.Reader of unknown length goes chunked, with a trailer.
	pr, pw := io.Pipe()
	go func() { pw.Write([]byte("chunk one, ")); pw.Write([]byte("chunk two")); pw.Close() }()
	req, _ := http.NewRequest("PUT", "http://judge.example/c", pr)
	req.Trailer = http.Header{"X-Sum": {"7"}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "PUT /c judge.example chunk one, chunk two" || resp.Header.Get("X-Trailer") != "7" {
		t.Errorf("chunked PUT: %q, trailer %q", b, resp.Header.Get("X-Trailer"))
	}
	if _, b := do("POST", "/e", strings.NewReader("after 100"), "Expect", "100-continue"); b != "POST /e judge.example after 100" {
		t.Errorf("100-continue: %q", b)
	}
	if r, b := do("DELETE", "/d", nil); r.StatusCode != 200 || b != "DELETE /d judge.example " {
		t.Errorf("DELETE: %d %q", r.StatusCode, b)
	}
	r, b2 := do("GET", "/chunked", nil)
	if len(b2) != 50000 || r.Trailer.Get("X-Sum") != "abc" || r.TransferEncoding[0] != "chunked" {
		t.Errorf("chunked response: %d bytes, trailer %q, %v", len(b2), r.Trailer, r.TransferEncoding)
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections, want 1 reused by every request", n)
	}
	tr.CloseIdleConnections()
	wg.Wait()
}

// roundTrip sends req on cc over conn and returns the final response.
func roundTrip(t *testing.T, conn net.Conn, cc *ClientConn, req *Request) (*Response, []*Response) {
	t.Helper()
	if _, err := cc.Send(0, req); err != nil {
		t.Fatal(err)
	}
	var interim []*Response
	buf := make([]byte, 4096)
	for {
		if out := cc.Output(); len(out) > 0 {
			n, err := conn.Write(out)
			cc.Consume(n)
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, ev := range cc.Events(nil) {
			switch ev.Kind {
			case ClientInterim:
				interim = append(interim, ev.Resp)
			case ClientDone:
				return ev.Resp, interim
			case ClientError:
				t.Fatalf("%s %s: %v", req.Method, req.Target, ev.Err)
			}
		}
		if len(cc.Output()) > 0 {
			continue
		}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := conn.Read(buf[:min(len(buf), cc.Room())])
		cc.Receive(0, buf[:n])
		if err != nil {
			cc.ReceiveEOF(0)
		}
	}
}

func TestClientConnToNetHTTPServer(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Trailer-In", r.Trailer.Get("X-Sum"))
		w.Header().Set("X-Chunked-In", fmt.Sprint(len(r.TransferEncoding) > 0))
		if r.URL.Path == "/chunked" {
			w.Header().Set("Trailer", "X-Sum")
			for i := 0; i < 10; i++ {
				io.WriteString(w, strings.Repeat("x", 1000))
				w.(http.Flusher).Flush()
			}
			w.Header().Set("X-Sum", "done")
			return
		}
		if r.URL.Path == "/created" {
			w.WriteHeader(201)
		}
		fmt.Fprintf(w, "%s %s %s %s", r.Method, r.URL.Path, r.Host, body)
	}))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cc := NewClientConn(ClientConfig{ChunkBytes: 3})
	host := Header{{"Host", "judge.example"}}
	get := func(method, target string, body string) *Request {
		return &Request{Method: method, Target: target, Header: host.Clone(), Body: []byte(body)}
	}
	if r, _ := roundTrip(t, conn, cc, get("GET", "/a", "")); string(r.Body) != "GET /a judge.example " {
		t.Errorf("GET: %q", r.Body)
	}
	if r, _ := roundTrip(t, conn, cc, get("HEAD", "/a", "")); r.Body != nil || r.ContentLength != 22 {
		t.Errorf("HEAD: %q %d", r.Body, r.ContentLength)
	}
	if r, _ := roundTrip(t, conn, cc, get("POST", "/created", "a body")); r.Status != 201 || string(r.Body) != "POST /created judge.example a body" {
		t.Errorf("POST: %d %q", r.Status, r.Body)
	}
	req := get("PUT", "/p", "sent in chunks")
	req.Chunked, req.Trailer = true, Header{{"X-Sum", "99"}}
	if r, _ := roundTrip(t, conn, cc, req); string(r.Body) != "PUT /p judge.example sent in chunks" || r.Header.Get("X-Trailer-In") != "99" || r.Header.Get("X-Chunked-In") != "true" {
		t.Errorf("chunked PUT: %q %v", r.Body, r.Header)
	}
	req = get("POST", "/e", "waits for 100")
	req.Header.Add("Expect", "100-continue")
	r, interim := roundTrip(t, conn, cc, req)
	if string(r.Body) != "POST /e judge.example waits for 100" || len(interim) != 1 || interim[0].Status != 100 {
		t.Errorf("100-continue: %q, interim %d", r.Body, len(interim))
	}
	if r, _ := roundTrip(t, conn, cc, get("DELETE", "/d", "")); string(r.Body) != "DELETE /d judge.example " {
		t.Errorf("DELETE: %q", r.Body)
	}
	r, _ = roundTrip(t, conn, cc, get("GET", "/chunked", ""))
	if len(r.Body) != 10000 || !r.Chunked || r.Trailer.Get("X-Sum") != "done" {
		t.Errorf("chunked response: %d bytes, chunked %v, trailer %v", len(r.Body), r.Chunked, r.Trailer)
	}
	if !cc.Reusable() || conns.Load() != 1 {
		t.Errorf("reusable %v, %d connections, want one kept alive", cc.Reusable(), conns.Load())
	}
}

// bigBytes is n bytes of a pattern that does not repeat within 64 KiB.
func bigBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8 + i>>16)
	}
	return b
}

// TestClientConnBigBodiesNetHTTPServer: ClientConn and net/http's
// server over loopback, on one kept-alive connection: every method, and
// bodies of several MiB both ways, fixed (Content-Length) and chunked,
// compared by SHA-256.
func TestClientConnBigBodiesNetHTTPServer(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-In", fmt.Sprintf("%d %x chunked=%v", len(body), sha256.Sum256(body), len(r.TransferEncoding) > 0))
		var n int
		if _, err := fmt.Sscanf(r.URL.Path, "/fixed/%d", &n); err == nil {
			w.Header().Set("Content-Length", strconv.Itoa(n))
			w.Write(bigBytes(n))
			return
		}
		if _, err := fmt.Sscanf(r.URL.Path, "/chunked/%d", &n); err == nil {
			b := bigBytes(n)
			for len(b) > 0 { // flushed pieces: Transfer-Encoding: chunked
				k := min(len(b), 70_000)
				w.Write(b[:k])
				w.(http.Flusher).Flush()
				b = b[k:]
			}
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cc := NewClientConn(ClientConfig{ChunkBytes: 50_000})
	const big = 6<<20 + 321
	in := func(b []byte, chunked bool) string {
		return fmt.Sprintf("%d %x chunked=%v", len(b), sha256.Sum256(b), chunked)
	}
	for _, tc := range []struct {
		method, target string
		body           []byte
		chunked        bool
		wantBody       []byte
		wantChunked    bool
	}{
		{"GET", "/fixed/" + strconv.Itoa(big), nil, false, bigBytes(big), false},
		{"GET", "/chunked/" + strconv.Itoa(big), nil, false, bigBytes(big), true},
		{"HEAD", "/fixed/" + strconv.Itoa(big), nil, false, nil, false},
		{"POST", "/echo", bigBytes(big), false, bigBytes(big), false},
		{"PUT", "/echo", bigBytes(big), true, bigBytes(big), false},
		{"POST", "/chunked/" + strconv.Itoa(big), bigBytes(4 << 20), true, bigBytes(big), true},
		{"OPTIONS", "/echo", nil, false, nil, false},
		{"DELETE", "/echo", nil, false, nil, false},
		{"PATCH", "/echo", []byte("patch"), false, []byte("patch"), false},
	} {
		req := &Request{Method: tc.method, Target: tc.target, Header: Header{{"Host", "judge.example"}}, Body: tc.body, Chunked: tc.chunked}
		r, _ := roundTrip(t, conn, cc, req)
		name := tc.method + " " + tc.target
		if r.Status != 200 || r.Header.Get("X-Method") != tc.method || r.Header.Get("X-In") != in(tc.body, tc.chunked) {
			t.Errorf("%s: %d, server got %q", name, r.Status, r.Header.Get("X-In"))
		}
		if sha256.Sum256(r.Body) != sha256.Sum256(tc.wantBody) || len(r.Body) != len(tc.wantBody) || r.Chunked != tc.wantChunked {
			t.Errorf("%s: %d bytes (chunked %v), want %d (chunked %v)", name, len(r.Body), r.Chunked, len(tc.wantBody), tc.wantChunked)
		}
		if tc.method == "HEAD" && r.ContentLength != big {
			t.Errorf("HEAD: Content-Length %d", r.ContentLength)
		}
	}
	if !cc.Reusable() || conns.Load() != 1 {
		t.Errorf("reusable %v, %d connections, want one kept alive", cc.Reusable(), conns.Load())
	}
}
