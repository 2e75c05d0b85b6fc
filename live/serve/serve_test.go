package serve_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/web"
	"github.com/hopsnet/hops/live/serve"
	"golang.org/x/net/http2"
)

// start serves the default world's two sites on a loopback port.
func start(t *testing.T) (*serve.Server, string) {
	t.Helper()
	h, err := web.SitesHandler([]string{"www.example.com", "api.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &serve.Server{Handler: h}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		ln.Close()
		s.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after Close")
		}
	})
	return s, ln.Addr().String()
}

// TestNetHTTPClient: Go's net/http client, an implementation nobody here
// wrote, fetches the site over HTTP/1.1 from hops' server engine, reusing
// one keep-alive connection, and uses the API (POST, GET, DELETE).
func TestNetHTTPClient(t *testing.T) {
	s, addr := start(t)
	var dials int
	var mu sync.Mutex
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
		mu.Lock()
		dials++
		mu.Unlock()
		return (&net.Dialer{}).DialContext(ctx, network, a)
	}}}
	get := func(path string) (*http.Response, string) {
		resp, err := client.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}
	resp, body := get("/")
	if resp.StatusCode != 200 || resp.ProtoMajor != 1 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || len(body) != 440 || !strings.Contains(body, "<html") {
		t.Fatalf("GET /: %d %s %q, %d bytes", resp.StatusCode, resp.Proto, resp.Header.Get("Content-Type"), len(body))
	}
	for _, p := range []string{"/style.css", "/app.js", "/logo.png"} {
		if resp, _ := get(p); resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", p, resp.StatusCode)
		}
	}
	if resp, _ := get("/nosuch"); resp.StatusCode != 404 {
		t.Fatalf("GET /nosuch: %d", resp.StatusCode)
	}
	if dials != 1 {
		t.Errorf("%d connections for 5 sequential requests; want 1 (keep-alive)", dials)
	}
	// The API, by Host.
	req, _ := http.NewRequest("POST", "http://"+addr+"/items", strings.NewReader(`{"name":"kiwi"}`))
	req.Host = "api.example.com"
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || !strings.Contains(string(b), `"name":"kiwi"`) {
		t.Fatalf("POST /items: %d %s", resp.StatusCode, b)
	}
	if s.Requests() != 6 {
		t.Errorf("%d requests answered, want 6", s.Requests())
	}
}

// TestHTTP2Client: x/net/http2's client speaks h2c by prior knowledge to
// hops' HTTP/2 server engine: 20 concurrent requests are streams of one
// connection.
func TestHTTP2Client(t *testing.T) {
	_, addr := start(t)
	var dials int
	var mu sync.Mutex
	tr := &http2.Transport{AllowHTTP: true, DialTLSContext: func(ctx context.Context, network, a string, _ *tls.Config) (net.Conn, error) {
		mu.Lock()
		dials++
		mu.Unlock()
		return (&net.Dialer{}).DialContext(ctx, network, a)
	}}
	client := &http.Client{Timeout: 5 * time.Second, Transport: tr}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			path := []string{"/", "/style.css", "/app.js", "/logo.png"}[i%4]
			resp, err := client.Get("http://" + addr + path)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != 200 || resp.ProtoMajor != 2 || len(b) == 0 {
				errs <- fmt.Errorf("GET %s: %d %s, %d bytes, %v", path, resp.StatusCode, resp.Proto, len(b), err)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if dials != 1 {
		t.Errorf("%d connections for 20 concurrent h2 requests; want 1", dials)
	}
}
