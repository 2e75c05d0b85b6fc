package h2

// x/net/http2's h2c handler, on a real loopback listener, judges the
// client's side of the upgrade (RFC 7540 section 3.2): an HTTP/1.1
// request from h1.ClientConn offering Upgrade: h2c with UpgradeSettings,
// then NewUpgradedClientConn reading the answer on stream 1.

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/http/h1"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

func TestUpgradeClientJudgeXNetH2C(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s %q", r.Method, r.Proto, r.URL.Path, body)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("cannot listen on loopback: %v", err)
	}
	srv := &http.Server{Handler: h2c.NewHandler(h, &http2.Server{})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	cases := []struct {
		method, path, body string
	}{
		{"GET", "/index.html", ""},
		{"POST", "/items", `{"name":"x"}`},
	}
	for _, c := range cases {
		t.Run(c.method, func(t *testing.T) {
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(20 * time.Second))
			cfg := ClientConfig{}
			h1c := h1.NewClientConn(h1.ClientConfig{})
			req := &h1.Request{Method: c.method, Target: c.path, Body: []byte(c.body)}
			req.Header.Add("Host", ln.Addr().String())
			req.Header.Add("Connection", "Upgrade, HTTP2-Settings")
			req.Header.Add("Upgrade", "h2c")
			req.Header.Add("HTTP2-Settings", UpgradeSettings(cfg))
			if _, err := h1c.Send(0, req); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Write(h1c.Output()); err != nil {
				t.Fatal(err)
			}
			h1c.Consume(len(h1c.Output()))
			// HTTP/1.1 until the 101
			var rest []byte
			buf := make([]byte, 32<<10)
			switched := false
			for !switched {
				n, err := conn.Read(buf)
				if err != nil {
					t.Fatalf("before the 101: %v", err)
				}
				k := h1c.Receive(0, buf[:n])
				rest = append(rest, buf[k:n]...)
				for _, ev := range h1c.Events(nil) {
					switch ev.Kind {
					case h1.ClientSwitched:
						if ev.Resp.Status != 101 || !strings.EqualFold(ev.Resp.Header.Get("Upgrade"), "h2c") {
							t.Fatalf("switched by %d %v", ev.Resp.Status, ev.Resp.Header)
						}
						switched = true
					case h1.ClientHead, h1.ClientDone, h1.ClientError:
						t.Fatalf("no upgrade: %+v", ev)
					}
				}
			}
			pre, _ := h1c.Switched()
			cc := NewUpgradedClientConn(cfg, c.method)
			cc.Receive(0, append(pre, rest...))
			d := newDriver(t, cc, conn)
			collect(d.res, &d.ce, cc.Events(nil))
			d.until(func() bool { return d.res[1] != nil && (d.res[1].done || d.res[1].reset) })
			r := d.res[1]
			// (x/net's h2c handler keeps the upgraded request's Proto
			// HTTP/1.1; its answer came on stream 1 as HTTP/2 frames)
			want := fmt.Sprintf("%s HTTP/1.1 %s %q", c.method, c.path, c.body)
			if r.status != 200 || !r.done || string(r.body) != want {
				t.Fatalf("stream 1: %d done=%v %q, want %q", r.status, r.done, r.body, want)
			}
			// the connection goes on in HTTP/2: stream 3
			id, err := cc.Send(0, Request{Method: "PUT", Authority: "judge", Path: "/next", Body: bytes.Repeat([]byte("b"), 100000)})
			if err != nil || id != 3 {
				t.Fatalf("second request: %d %v", id, err)
			}
			d.until(func() bool { return d.res[3] != nil && (d.res[3].done || d.res[3].reset) })
			if r := d.res[3]; r.status != 200 || !strings.HasPrefix(string(r.body), "PUT HTTP/2.0 /next") {
				t.Fatalf("stream 3: %d %.60q", r.status, r.body)
			}
		})
	}
}
