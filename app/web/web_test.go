package web_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/web"
	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/world"
	"github.com/hopsnet/hops/world/scenario"
)

// fixture is the default world with its web servers and a client on the
// laptop.
type fixture struct {
	t *testing.T
	w *world.World
	c *web.Client
}

func newFixture(t *testing.T, links ...string) *fixture {
	t.Helper()
	sc, err := world.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		if err := scenario.SetLink(sc, l); err != nil {
			t.Fatal(err)
		}
	}
	w, err := world.Build(sc, 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Settle(); err != nil {
		t.Fatal(err)
	}
	if len(w.WebServers) != 2 {
		t.Fatalf("the default world runs %d web servers, want 2", len(w.WebServers))
	}
	return &fixture{t: t, w: w, c: web.NewClient(w.Node("laptop"), web.ClientConfig{})}
}

// do runs one request to host in virtual time and returns its exchange.
func (f *fixture) do(host, method, target, body string, hdr ...string) *web.Exchange {
	f.t.Helper()
	req := &h1.Request{Method: method, Target: target, Header: h1.Header{{Name: "Host", Value: host}}, Body: []byte(body)}
	for i := 0; i < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	var x *web.Exchange
	addr, _ := f.w.Resolve(host)
	f.c.Do(netipPort(addr), req, func(e *web.Exchange) { x = e })
	k := f.w.Kernel
	for x == nil && k.Step() {
	}
	if x == nil {
		f.t.Fatalf("%s %s: never finished", method, target)
	}
	if x.Err != nil {
		f.t.Fatalf("%s %s: %v", method, target, x.Err)
	}
	return x
}

func TestAPISequence(t *testing.T) {
	f := newFixture(t)
	const api = "api.example.com"
	js := []string{"Content-Type", "application/json"}
	steps := []struct {
		method, target, body string
		status               int
		want                 string
	}{
		{"GET", "/items", "", 200, `[{"id":1,"name":"apple"},{"id":2,"name":"pear"}]`},
		{"POST", "/items", `{"name":"plum","price":3}`, 201, `{"id":3,"name":"plum","price":3}`},
		{"PUT", "/items/3", `{"name":"plum","price":4}`, 200, `{"id":3,"name":"plum","price":4}`},
		{"DELETE", "/items/1", "", 204, ``},
		{"GET", "/items/1", "", 404, `{"error":"no such item"}`},
		{"PATCH", "/items/2", `{}`, 405, `{"error":"method not allowed"}`},
		{"POST", "/items", `not json`, 400, `{"error":"the body must be one JSON object"}`},
		{"GET", "/items", "", 200, `[{"id":2,"name":"pear"},{"id":3,"name":"plum","price":4}]`},
	}
	for i, s := range steps {
		x := f.do(api, s.method, s.target, s.body, js...)
		if x.Resp.Status != s.status || strings.TrimSpace(string(x.Resp.Body)) != s.want {
			t.Errorf("%s %s: %d %s, want %d %s", s.method, s.target, x.Resp.Status, x.Resp.Body, s.status, s.want)
		}
		if x.ConnID != 0 || x.Reused != (i > 0) {
			t.Errorf("%s %s: connection #%d reused %v: want every request on #0", s.method, s.target, x.ConnID, x.Reused)
		}
	}
	if x := f.do(api, "POST", "/items", `{}`, "Content-Type", "text/plain"); x.Resp.Status != 415 {
		t.Errorf("text/plain: %d", x.Resp.Status)
	}
}

func TestStaticSite(t *testing.T) {
	f := newFixture(t)
	const www = "www.example.com"
	x := f.do(www, "GET", "/", "")
	if x.Resp.Status != 200 || !bytes.Contains(x.Resp.Body, []byte(`<link rel="stylesheet" href="/style.css">`)) ||
		x.Resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /: %d %v", x.Resp.Status, x.Resp.Header)
	}
	if x.Connected <= x.Start || x.FirstByte <= x.Connected || x.Done < x.FirstByte {
		t.Errorf("times: start %v connected %v first byte %v done %v", x.Start, x.Connected, x.FirstByte, x.Done)
	}
	etag := x.Resp.Header.Get("ETag")
	if x := f.do(www, "GET", "/", "", "If-None-Match", etag); x.Resp.Status != 304 || len(x.Resp.Body) != 0 {
		t.Errorf("If-None-Match: %d %q", x.Resp.Status, x.Resp.Body)
	}
	if x := f.do(www, "GET", "/", "", "If-None-Match", `"other", W/`+etag); x.Resp.Status != 304 {
		t.Errorf("If-None-Match list with a weak tag: %d", x.Resp.Status)
	}
	for path, ctype := range map[string]string{"/style.css": "text/css; charset=utf-8", "/logo.png": "image/png", "/app.js": "text/javascript; charset=utf-8"} {
		if x := f.do(www, "GET", path, ""); x.Resp.Status != 200 || x.Resp.Header.Get("Content-Type") != ctype {
			t.Errorf("%s: %d %q", path, x.Resp.Status, x.Resp.Header.Get("Content-Type"))
		}
	}
	if x := f.do(www, "HEAD", "/logo.png", ""); x.Resp.Body != nil || x.Resp.ContentLength != 315 {
		t.Errorf("HEAD: %q %d", x.Resp.Body, x.Resp.ContentLength)
	}
	if x := f.do(www, "POST", "/", "x"); x.Resp.Status != 405 || x.Resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d %v", x.Resp.Status, x.Resp.Header)
	}
	if x := f.do(www, "GET", "/nope", ""); x.Resp.Status != 404 {
		t.Errorf("404: %d", x.Resp.Status)
	}
	if x := f.do(www, "GET", "/style.css", "", "Connection", "close"); !x.Resp.Close || x.LeftIntact {
		t.Errorf("Connection: close: close %v, left intact %v", x.Resp.Close, x.LeftIntact)
	}
	if x := f.do(www, "GET", "/about", ""); x.Resp.Status != 301 || x.Reused || x.ConnID != 1 || x.Resp.Header.Get("Location") != "/about.html" {
		t.Errorf("redirect: %d %v", x.Resp.Status, x.Resp.Header)
	}
}

// TestLargeBodiesOverLossyLink: a 2 MB body each way through a lossy
// uplink arrives intact; the engines' back-pressure meets TCP's.
func TestLargeBodiesOverLossyLink(t *testing.T) {
	f := newFixture(t, "home-uplink:loss=2%")
	name := strings.Repeat("abcdefgh", 256<<10)
	body, _ := json.Marshal(map[string]string{"name": name})
	x := f.do("api.example.com", "POST", "/items", string(body), "Content-Type", "application/json")
	var got map[string]any
	if err := json.Unmarshal(x.Resp.Body, &got); err != nil || got["name"] != name || x.Resp.Status != 201 {
		t.Fatalf("%d, %d bytes back, %v", x.Resp.Status, len(x.Resp.Body), err)
	}
}

// TestExpectContinueOverLimit: with Expect: 100-continue, a body over
// the server's limit is never sent: 413 comes back at once.
func TestExpectContinueOverLimit(t *testing.T) {
	f := newFixture(t)
	big := strings.Repeat("x", 9<<20)
	x := f.do("api.example.com", "POST", "/items", big, "Content-Type", "application/json", "Expect", "100-continue")
	if x.Resp.Status != 413 || len(x.Interim) != 0 || x.Done.Sub(x.Start) > time.Second {
		t.Fatalf("%d after %v, interim %d", x.Resp.Status, x.Done.Sub(x.Start), len(x.Interim))
	}
	x = f.do("api.example.com", "PUT", "/items/1", `{"name":"fig"}`, "Content-Type", "application/json", "Expect", "100-continue")
	if x.Resp.Status != 200 || len(x.Interim) != 1 || x.Interim[0].Status != 100 || x.Reused {
		t.Fatalf("%d, interim %d, reused %v (the 413 closed the first connection)", x.Resp.Status, len(x.Interim), x.Reused)
	}
}
