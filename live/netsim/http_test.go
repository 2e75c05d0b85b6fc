package netsim_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hopsnet/hops/live/netsim"
)

// body returns n pseudo-random bytes drawn from seed.
func body(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// wallClock reads the real clock, which the time package does not show
// inside a synctest bubble (for reporting only).
func wallClock() time.Time {
	var tv syscall.Timeval
	if err := syscall.Gettimeofday(&tv); err != nil {
		return time.Time{}
	}
	return time.Unix(tv.Unix())
}

// A Go net/http server on www.example.com and a net/http client on the
// laptop (behind the home router's NAT) talk across the default world
// with 3 % loss on the home's access line and on the server's own link:
// GETs and POSTs of a few MiB each way, SHA-256 compared, all on one
// keep-alive connection. In a synctest bubble, so in virtual time.
func TestHTTPUnderLoss(t *testing.T) {
	const loss = 0.03
	sizes := []int{3 << 20, 1 << 20, 2<<20 + 12345}
	if testing.Short() {
		sizes = sizes[1:2]
	}
	var wall, virtual time.Duration
	var moved int64
	var retrans uint64
	synctest.Test(t, func(t *testing.T) {
		w := defaultWorld(t, loss)
		n := running(t, w)
		www, laptop := host(t, n, "www.example.com"), host(t, n, "laptop")

		l, err := www.Listen("tcp", ":8080")
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /blob/{size}/{seed}", func(rw http.ResponseWriter, r *http.Request) {
			size, _ := strconv.Atoi(r.PathValue("size"))
			seed, _ := strconv.ParseUint(r.PathValue("seed"), 10, 64)
			b := body(seed, size)
			rw.Header().Set("Content-Length", strconv.Itoa(len(b)))
			rw.Header().Set("X-Sha256", sum(b))
			rw.Write(b)
		})
		var peer atomic.Value // what the server sees of the client
		mux.HandleFunc("POST /sum", func(rw http.ResponseWriter, r *http.Request) {
			peer.Store(r.RemoteAddr)
			b, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(rw, err.Error(), http.StatusBadRequest)
				return
			}
			fmt.Fprintf(rw, "%d %s", len(b), sum(b))
		})
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: time.Minute}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(l) }()

		var dials atomic.Int32
		var conn atomic.Pointer[netsim.Conn]
		tr := &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				dials.Add(1)
				c, err := laptop.DialContext(ctx, network, addr)
				if err == nil {
					conn.Store(c.(*netsim.Conn))
				}
				return c, err
			},
			DisableCompression: true,
			MaxConnsPerHost:    1,
		}
		client := &http.Client{Transport: tr, Timeout: 10 * time.Minute}
		reused := 0
		trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
			if i.Reused {
				reused++
			}
		}}
		ctx := httptrace.WithClientTrace(context.Background(), trace)

		startWall, startVirtual := wallClock(), time.Now()
		requests := 0
		for i, size := range sizes {
			seed := uint64(100 + i)
			// GET: the server's bytes, checked against the same generator.
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://www.example.com:8080/blob/"+strconv.Itoa(size)+"/"+strconv.FormatUint(seed, 10), nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("GET %d: %v", size, err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("GET %d: reading the body: %v", size, err)
			}
			if want := sum(body(seed, size)); len(got) != size || sum(got) != want || resp.Header.Get("X-Sha256") != want {
				t.Fatalf("GET %d: got %d bytes, sha256 %s, want %s", size, len(got), sum(got), want)
			}
			// POST: the laptop's bytes, summed by the server.
			up := body(seed+1000, size)
			req, _ = http.NewRequestWithContext(ctx, "POST", "http://www.example.com:8080/sum", bytes.NewReader(up))
			resp, err = client.Do(req)
			if err != nil {
				t.Fatalf("POST %d: %v", size, err)
			}
			answer, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("POST %d: reading the answer: %v", size, err)
			}
			if want := fmt.Sprintf("%d %s", size, sum(up)); string(answer) != want {
				t.Fatalf("POST %d: server saw %q, want %q", size, answer, want)
			}
			requests += 2
			moved += 2 * int64(size)
		}
		virtual, wall = time.Since(startVirtual), wallClock().Sub(startWall)

		// The laptop dials from its private address; the server sees the
		// home router's public one (NAT).
		if c := conn.Load(); c == nil || !strings.HasPrefix(c.LocalAddr().String(), "192.168.1.") {
			t.Errorf("the laptop's end is not on the home LAN: %v", c.LocalAddr())
		}
		if p, _ := peer.Load().(string); !strings.HasPrefix(p, host(t, n, "home-router").Addr().String()+":") {
			t.Errorf("the server saw the client as %q, want the home router's public address %v", p, host(t, n, "home-router").Addr())
		}
		t.Logf("laptop %v, seen by the server as %v", conn.Load().LocalAddr(), peer.Load())
		if d := dials.Load(); d != 1 {
			t.Errorf("%d dials for %d requests, want 1 (keep-alive)", d, requests)
		}
		if reused != requests-1 {
			t.Errorf("%d of %d requests reused the connection, want %d", reused, requests, requests-1)
		}
		if c := conn.Load(); c != nil {
			st, err := c.Stats()
			if err != nil {
				t.Fatal(err)
			}
			retrans = st.Retransmits
		}

		tr.CloseIdleConnections()
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	t.Logf("%.1f MiB in %d requests: %v virtual (%.1f MB/s), %v wall (%.1f MB/s), %d retransmissions",
		float64(moved)/(1<<20), 2*len(sizes), virtual, float64(moved)/virtual.Seconds()/1e6, wall.Round(time.Millisecond),
		float64(moved)/wall.Seconds()/1e6, retrans)
	if retrans == 0 {
		t.Errorf("the laptop retransmitted nothing at %v loss: was the loss applied?", loss)
	}
}
