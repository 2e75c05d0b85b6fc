package h2

// Go's HTTP/2 servers judge ClientConn over real loopback sockets: x/net's
// h2c handler (golang.org/x/net/http2/h2c) and net/http's own
// unencrypted HTTP/2 (Protocols.SetUnencryptedHTTP2), both by prior
// knowledge. Every method, fixed and streamed bodies of several MiB
// compared by SHA-256 both ways, 100 streams in flight at once on one
// connection (the handlers wait for each other), the redirect statuses
// and cookies (Set-Cookie into http/cookie's jar and back).

import (
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

	"github.com/hopsnet/hops/http/cookie"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

// loopbackJudge is the handler both servers run.
type loopbackJudge struct {
	inFlight atomic.Int32
	peak     atomic.Int32
	all      chan struct{} // closed once 100 /many handlers run at once
	once     sync.Once
}

func (j *loopbackJudge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("X-Method", r.Method)
	w.Header().Set("X-Proto", r.Proto)
	w.Header().Set("X-Len", strconv.Itoa(len(body)))
	w.Header().Set("X-Sha", fmt.Sprintf("%x", sha256.Sum256(body)))
	w.Header().Set("X-Cookie", r.Header.Get("Cookie"))
	path := r.URL.Path
	switch {
	case path == "/cookie":
		w.Header().Add("Set-Cookie", "session=s1; Path=/; HttpOnly; SameSite=Lax")
		w.Header().Add("Set-Cookie", "theme=dark; Path=/; Max-Age=3600")
		w.Header().Add("Set-Cookie", "scoped=1; Path=/other")
		w.Header().Add("Set-Cookie", "gone=1; Path=/; Max-Age=0")
		w.Header().Add("Set-Cookie", "secure=1; Path=/; Secure")
	case strings.HasPrefix(path, "/redirect/"):
		code, _ := strconv.Atoi(path[len("/redirect/"):])
		w.Header().Set("Location", "/landed")
		w.WriteHeader(code)
	case strings.HasPrefix(path, "/fixed/"):
		n, _ := strconv.Atoi(path[len("/fixed/"):])
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(bigBody(n))
	case strings.HasPrefix(path, "/stream/"):
		// no Content-Length: DATA frames as the handler flushes
		n, _ := strconv.Atoi(path[len("/stream/"):])
		b := bigBody(n)
		for len(b) > 0 {
			k := min(len(b), 100_000)
			w.Write(b[:k])
			w.(http.Flusher).Flush()
			b = b[k:]
		}
	case strings.HasPrefix(path, "/many/"):
		n := j.inFlight.Add(1)
		defer j.inFlight.Add(-1)
		for p := j.peak.Load(); n > p && !j.peak.CompareAndSwap(p, n); p = j.peak.Load() {
		}
		if n == 100 {
			j.once.Do(func() { close(j.all) })
		}
		select {
		case <-j.all:
		case <-time.After(10 * time.Second):
			w.WriteHeader(503)
			return
		}
		io.WriteString(w, path)
	default:
		w.Write(body)
	}
}

// h2cServers starts the two servers on loopback; conns counts the
// connections each accepted.
func h2cServers(t *testing.T, h http.Handler) (names, addrs []string, conns []*atomic.Int32) {
	count := func(s *httptest.Server) *atomic.Int32 {
		n := new(atomic.Int32)
		s.Config.ConnState = func(c net.Conn, st http.ConnState) {
			if st == http.StateNew {
				n.Add(1)
			}
		}
		return n
	}
	xs := httptest.NewUnstartedServer(h2c.NewHandler(h, &http2.Server{}))
	nx := count(xs)
	xs.Start()
	t.Cleanup(xs.Close)
	ns := httptest.NewUnstartedServer(h)
	ns.Config.Protocols = new(http.Protocols)
	ns.Config.Protocols.SetUnencryptedHTTP2(true)
	nn := count(ns)
	ns.Start()
	t.Cleanup(ns.Close)
	return []string{"x/net h2c", "net/http"}, []string{xs.Listener.Addr().String(), ns.Listener.Addr().String()}, []*atomic.Int32{nx, nn}
}

func TestJudgeLoopbackH2CServers(t *testing.T) {
	for i, name := range []string{"x/net h2c", "net/http"} {
		t.Run(name, func(t *testing.T) {
			j := &loopbackJudge{all: make(chan struct{})}
			_, addrs, conns := h2cServers(t, j)
			conn, err := net.Dial("tcp", addrs[i])
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			d := newDriver(t, NewClientConn(ClientConfig{}), conn)
			send := func(method, path string, body []byte, kv ...string) uint32 {
				t.Helper()
				id, err := d.c.Send(0, Request{Method: method, Authority: "judge.example", Path: path, Body: body, Header: hf(kv...)})
				if err != nil {
					t.Fatal(err)
				}
				return id
			}
			get := func(id uint32) *cresult {
				t.Helper()
				d.until(d.finished(id))
				r := d.res[id]
				if !r.done {
					t.Fatalf("stream %d: %+v", id, r)
				}
				return r
			}

			// every method, with and without a body
			small := []byte("a small body")
			for _, m := range []struct {
				method string
				body   []byte
			}{{"GET", nil}, {"HEAD", nil}, {"POST", small}, {"PUT", small}, {"DELETE", nil}, {"OPTIONS", nil}, {"PATCH", small}} {
				r := get(send(m.method, "/echo", m.body))
				wantBody := string(m.body)
				if m.method == "HEAD" {
					wantBody = ""
				}
				if r.status != 200 || r.header.Get("x-method") != m.method || r.header.Get("x-proto") != "HTTP/2.0" ||
					r.header.Get("x-len") != strconv.Itoa(len(m.body)) || string(r.body) != wantBody {
					t.Errorf("%s: %d %v %q", m.method, r.status, r.header, r.body)
				}
			}

			// several MiB each way, by SHA-256: a fixed response, a
			// streamed one (no content-length) and an upload
			const big = 5<<20 + 123
			up := bigBody(4<<20 + 7)
			ids := []uint32{send("GET", "/fixed/"+strconv.Itoa(big), nil), send("GET", "/stream/"+strconv.Itoa(big), nil), send("POST", "/upload", up)}
			d.until(d.finished(ids...))
			for k, id := range ids[:2] {
				r := d.res[id]
				if !r.done || sha256.Sum256(r.body) != sha256.Sum256(bigBody(big)) || (k == 1) == r.header.Has("content-length") {
					t.Errorf("download %d: %d bytes, done %v, %v", k, len(r.body), r.done, r.header)
				}
			}
			if r := d.res[ids[2]]; !r.done || r.header.Get("x-len") != strconv.Itoa(len(up)) || r.header.Get("x-sha") != fmt.Sprintf("%x", sha256.Sum256(up)) {
				t.Errorf("upload: %v", r.header)
			}

			// 100 streams at once: each handler waits until all 100 run
			ids = ids[:0]
			for k := 0; k < 100; k++ {
				ids = append(ids, send("GET", "/many/"+strconv.Itoa(k), nil))
			}
			d.until(d.finished(ids...))
			for k, id := range ids {
				if r := d.res[id]; !r.done || r.status != 200 || string(r.body) != "/many/"+strconv.Itoa(k) {
					t.Fatalf("stream %d: %d %q", id, r.status, r.body)
				}
			}
			if p := j.peak.Load(); p != 100 {
				t.Errorf("%d handlers at once, want 100", p)
			}

			// redirects: the status and Location come through (following
			// them is the curl layer's, judged in cmd/hops)
			for _, code := range []int{301, 302, 303, 307, 308} {
				r := get(send("POST", "/redirect/"+strconv.Itoa(code), small))
				if r.status != code || r.header.Get("location") != "/landed" {
					t.Errorf("%d: %d %v", code, r.status, r.header)
				}
			}

			// cookies: Set-Cookie fields into the jar, the Cookie field back
			jar := cookie.NewJar(cookie.Config{})
			u := cookie.URL{Scheme: "http", Host: "judge.example", Path: "/cookie"}
			r := get(send("GET", "/cookie", nil))
			jar.SetCookies(0, u, r.header.Values("set-cookie"))
			u.Path = "/echo"
			c := jar.Header(0, u)
			if c != "session=s1; theme=dark" {
				t.Errorf("jar gives %q", c)
			}
			r = get(send("GET", "/echo", nil, "cookie", c))
			if r.header.Get("x-cookie") != "session=s1; theme=dark" {
				t.Errorf("server saw cookie %q", r.header.Get("x-cookie"))
			}

			if len(d.ce) != 0 || conns[i].Load() != 1 {
				t.Errorf("connection events %v, %d connections", d.ce, conns[i].Load())
			}
		})
	}
}
