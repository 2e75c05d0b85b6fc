package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/http/h2"
)

// TestHTTPServeWorldSite: hops serve --world FILE --site NODE serves the
// node's web service as the world declares it: its sites (the first for
// any Host) and its push rules, seen by net/http over HTTP/1.1 and by
// hops' HTTP/2 client (PUSH_PROMISE) over loopback.
func TestHTTPServeWorldSite(t *testing.T) {
	y := defaultWorldYAML(t)
	w := strings.Replace(y, "services: [{kind: web, sites: [api.example.com]}]",
		`services: [{kind: web, sites: [api.example.com, www.example.com], push: ["www.example.com/ /app.js"]}]`, 1)
	if w == y {
		t.Fatal("the default world's api.example.com moved")
	}
	world := writeFile(t, "serve.yaml", w)

	h, names, err := serveSites(&globals{world: world}, []string{"api.example.com"})
	if err != nil || strings.Join(names, " ") != "api.example.com www.example.com" {
		t.Fatalf("sites %v, %v", names, err)
	}
	push := h.Push(&h1.Request{Method: "GET", Target: "/", Header: h1.Header{{Name: "Host", Value: "www.example.com"}}})
	if strings.Join(push, " ") != "/app.js" {
		t.Errorf("push %v, want the world's /app.js", push)
	}
	if _, _, err := serveSites(&globals{world: world}, []string{"laptop"}); err == nil || !strings.Contains(err.Error(), "runs no web service") {
		t.Errorf("a node without web: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	done := make(chan string, 1)
	go func() {
		_, errs, _ := hops(t, "--world", world, "serve", "--site", "api.example.com", "--listen", addr, "--duration", "3s")
		done <- errs
	}()
	var conn net.Conn
	for i := 0; i < 100; i++ {
		if conn, err = net.Dial("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if conn == nil {
		t.Fatal("hops serve did not listen")
	}
	defer conn.Close()

	// any Host: the first site, the API
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get("http://" + addr + "/items")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(b), `[{"id":1,`) {
		t.Errorf("GET /items: %d %q", resp.StatusCode, b)
	}

	// HTTP/2 to www.example.com: the page, and /app.js pushed with it
	c := h2.NewClientConn(h2.ClientConfig{EnablePush: true})
	if _, err := c.Send(0, h2.Request{Method: "GET", Authority: "www.example.com", Path: "/"}); err != nil {
		t.Fatal(err)
	}
	var promised []string
	got := map[uint32]int{}
	ended := map[uint32]bool{}
	buf := make([]byte, 64<<10)
	for !(ended[1] && ended[2]) {
		for len(c.Output()) > 0 {
			n, err := conn.Write(c.Output())
			c.Consume(n)
			if err != nil {
				t.Fatal(err)
			}
		}
		conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("read: %v (promised %v, got %v)", err, promised, got)
		}
		c.Receive(0, buf[:n])
		for _, e := range c.Events(nil) {
			switch e.Kind {
			case h2.ClientPushPromise:
				for _, f := range e.Header {
					if f.Name == ":path" {
						promised = append(promised, f.Value)
					}
				}
			case h2.ClientData:
				got[e.StreamID] += len(e.Data)
			case h2.ClientDone:
				ended[e.StreamID] = true
			case h2.ClientReset, h2.ClientGoAway:
				t.Fatalf("event %+v", e)
			}
		}
	}
	if strings.Join(promised, " ") != "/app.js" || got[1] != 440 || got[2] == 0 {
		t.Errorf("promised %v, bytes %v", promised, got)
	}
	if errs := <-done; !strings.Contains(errs, "[api.example.com www.example.com] on http://"+addr) {
		t.Errorf("hops serve: %s", errs)
	}
}
