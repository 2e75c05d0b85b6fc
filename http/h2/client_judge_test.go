package h2

// x/net/http2's Server judges ClientConn: it serves a net/http handler
// on one end of a net.Pipe, and the test pumps bytes between the other
// end and the sans-I/O client.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// xnetServer runs an x/net HTTP/2 server on one end of a pipe; shutdown
// starts its graceful shutdown (GOAWAY).
func xnetServer(t *testing.T, h http.Handler) (conn net.Conn, shutdown func()) {
	hs := &http.Server{Handler: h}
	h2s := &http2.Server{}
	if err := http2.ConfigureServer(hs, h2s); err != nil {
		t.Fatal(err)
	}
	c, s := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		h2s.ServeConn(s, &http2.ServeConnOpts{Handler: h, BaseConfig: hs})
		s.Close()
	}()
	t.Cleanup(func() {
		c.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the x/net server did not end")
		}
	})
	return c, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
	}
}

// driver pumps between a ClientConn and a net.Conn: a reader goroutine
// queues what arrives; the test's goroutine owns the engine.
type driver struct {
	t    *testing.T
	c    *ClientConn
	conn net.Conn
	mu   sync.Mutex
	in   []byte
	eof  bool
	wake chan struct{}
	res  map[uint32]*cresult
	ce   []ClientEvent
}

func newDriver(t *testing.T, c *ClientConn, conn net.Conn) *driver {
	d := &driver{t: t, c: c, conn: conn, wake: make(chan struct{}, 1), res: map[uint32]*cresult{}}
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := conn.Read(buf)
			d.mu.Lock()
			d.in = append(d.in, buf[:n]...)
			d.eof = d.eof || err != nil
			d.mu.Unlock()
			select {
			case d.wake <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	return d
}

// step writes the client's output and feeds it what has arrived.
func (d *driver) step() {
	if out := d.c.Output(); len(out) > 0 {
		b := append([]byte(nil), out...)
		d.c.Consume(len(b))
		if _, err := d.conn.Write(b); err != nil {
			d.t.Fatalf("write: %v", err)
		}
	}
	d.mu.Lock()
	in, eof := d.in, d.eof
	d.in = nil
	d.mu.Unlock()
	if len(in) > 0 {
		d.c.Receive(0, in)
	}
	if eof && len(in) == 0 {
		d.c.ReceiveEOF(0)
	}
	collect(d.res, &d.ce, d.c.Events(nil))
}

// until pumps until cond holds (bounded in wall time).
func (d *driver) until(cond func() bool) {
	d.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		d.step()
		if cond() {
			return
		}
		if len(d.c.Output()) > 0 {
			continue
		}
		select {
		case <-d.wake:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			d.t.Fatalf("stuck: streams %d queued %d events %v", d.c.Active(), d.c.Queued(), d.ce)
		}
	}
}

func (d *driver) finished(ids ...uint32) func() bool {
	return func() bool {
		for _, id := range ids {
			if r := d.res[id]; r == nil || !r.done && !r.reset {
				return false
			}
		}
		return true
	}
}

var judgeMux = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("X-Path", r.URL.Path)
	w.Header().Set("X-Proto", r.Proto)
	w.Header().Set("X-Host", r.Host)
	switch {
	case r.URL.Path == "/upload":
		sum := sha256.Sum256(body)
		fmt.Fprintf(w, "%d %x", len(body), sum)
	case r.URL.Path == "/missing":
		http.NotFound(w, r)
	default:
		var n int
		fmt.Sscanf(r.URL.Path, "/big/%d", &n)
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(bigBody(n))
	}
})

func TestJudgeXNetServer(t *testing.T) {
	conn, _ := xnetServer(t, judgeMux)
	d := newDriver(t, NewClientConn(ClientConfig{InitialWindowSize: 64 << 10, ConnWindow: 128 << 10}), conn)
	type want struct {
		path   string
		status int
		n      int
	}
	wants := []want{{"/big/1000", 200, 1000}, {"/big/1048576", 200, 1 << 20}, {"/missing", 404, -1}}
	var ids []uint32
	for _, w := range wants {
		id, err := d.c.Send(0, Request{Method: "GET", Authority: "example.com", Path: w.path, Header: hf("user-agent", "hops")})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	up := bigBody(1 << 20)
	upID, err := d.c.Send(0, Request{Method: "POST", Authority: "example.com", Path: "/upload", Body: up})
	if err != nil {
		t.Fatal(err)
	}
	d.until(d.finished(append(ids, upID)...))
	for i, w := range wants {
		r := d.res[ids[i]]
		if !r.done || r.status != w.status || r.header.Get("x-path") != w.path || r.header.Get("x-proto") != "HTTP/2.0" || r.header.Get("x-host") != "example.com" {
			t.Errorf("%s: %+v", w.path, r)
			continue
		}
		if w.n >= 0 && sha256.Sum256(r.body) != sha256.Sum256(bigBody(w.n)) {
			t.Errorf("%s: body of %d bytes differs", w.path, len(r.body))
		}
		if w.n < 0 && !bytes.Contains(r.body, []byte("404")) {
			t.Errorf("%s: body %q", w.path, r.body)
		}
	}
	sum := sha256.Sum256(up)
	if r := d.res[upID]; !r.done || r.status != 200 || string(r.body) != fmt.Sprintf("%d %x", len(up), sum) {
		t.Errorf("upload: %+v", r)
	}
	if len(d.ce) != 0 {
		t.Errorf("connection events %v", d.ce)
	}
}

// TestJudgeXNetGoAway: the server's graceful shutdown sends GOAWAY; the
// client reports it, refuses new requests and ends once drained.
func TestJudgeXNetGoAway(t *testing.T) {
	conn, shutdown := xnetServer(t, judgeMux)
	d := newDriver(t, NewClientConn(ClientConfig{}), conn)
	id, _ := d.c.Send(0, Request{Method: "GET", Authority: "example.com", Path: "/big/10"})
	d.until(d.finished(id))
	if r := d.res[id]; !r.done || len(r.body) != 10 {
		t.Fatalf("%+v", r)
	}
	go shutdown()
	d.until(func() bool { return len(d.ce) > 0 })
	e := d.ce[0]
	if e.Kind != ClientGoAway || e.Code != NoError || e.LastStreamID > id {
		t.Fatalf("event %+v, want GOAWAY NO_ERROR", e)
	}
	if _, err := d.c.Send(0, Request{Method: "GET", Authority: "example.com", Path: "/"}); err != ErrGoAway {
		t.Errorf("Send after GOAWAY: %v", err)
	}
	if !d.c.Done() {
		t.Error("not Done after GOAWAY with no streams")
	}
}
