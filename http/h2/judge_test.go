package h2

// x/net/http2's client judges ServerConn: its Transport (h2c, prior
// knowledge) dials a net.Pipe whose other end the test pumps through the
// engine.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/sim"
	"golang.org/x/net/http2"
)

// pump drives s from conn with a reader and a writer goroutine (a
// net.Pipe write blocks until read, and x/net's reader writes too). The
// reader queues what it reads, as a socket's receive buffer would, and
// the engine takes it as its Room allows.
func pump(conn net.Conn, s *ServerConn) {
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	var pending []byte
	eof := false
	feed := func() {
		for len(pending) > 0 && s.Room() > 0 {
			k := s.Receive(0, pending[:min(len(pending), s.Room())])
			pending = pending[k:]
			if k == 0 {
				break
			}
		}
		if eof && len(pending) == 0 {
			s.ReceiveEOF(0)
		}
		cond.Broadcast()
	}
	go func() { // reader
		buf := make([]byte, 32<<10)
		for {
			n, err := conn.Read(buf)
			mu.Lock()
			pending = append(pending, buf[:n]...)
			eof = err != nil
			feed()
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 0, 64<<10)
	for {
		mu.Lock()
		for len(s.Output()) == 0 && !s.Done() && !eof {
			cond.Wait()
		}
		if len(s.Output()) == 0 {
			mu.Unlock()
			conn.Close()
			return
		}
		buf = append(buf[:0], s.Output()...)
		s.Consume(len(buf))
		feed()
		mu.Unlock()
		if _, err := conn.Write(buf); err != nil {
			conn.Close()
			return
		}
	}
}

var judgeHandler = h1.HandlerFunc(func(now sim.Time, req *h1.Request, resp *h1.Response) {
	resp.Header.Add("Content-Type", "text/plain")
	resp.Header.Add("X-Method", req.Method)
	switch {
	case strings.HasPrefix(req.Target, "/big/"):
		var n int
		fmt.Sscanf(req.Target, "/big/%d", &n)
		resp.Body = bigBody(n)
	case req.Target == "/empty":
		resp.Status = 204
	default:
		sum := sha256.Sum256(req.Body)
		resp.Body = fmt.Appendf(nil, "%s %s %s %d %x|%s", req.Method, req.Target, req.Host(), len(req.Body), sum[:8], req.Header.Get("x-test"))
	}
})

func bigBody(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

func judgeClient(t *testing.T, cfg ServerConfig) (*http.Client, *atomic.Int32, func()) {
	var dials atomic.Int32
	var wg sync.WaitGroup
	tr := &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			dials.Add(1)
			c, s := net.Pipe()
			wg.Add(1)
			go func() { defer wg.Done(); pump(s, NewServerConn(0, cfg, judgeHandler)) }()
			return c, nil
		},
	}
	// Bounded in wall time: a stuck exchange fails the test instead of
	// hanging the suite.
	stop := func() {
		tr.CloseIdleConnections()
		ended := make(chan struct{})
		go func() { wg.Wait(); close(ended) }()
		select {
		case <-ended:
		case <-time.After(20 * time.Second):
			t.Error("the server side of the pipe did not finish within 20 s")
		}
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}, &dials, stop
}

func TestJudgeXNetClient(t *testing.T) {
	client, dials, stop := judgeClient(t, ServerConfig{})
	defer stop()
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- judgeOne(client, i)
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if d := dials.Load(); d != 1 {
		t.Errorf("%d connections, want 1", d)
	}
}

func judgeOne(client *http.Client, i int) error {
	switch i % 4 {
	case 0: // GET
		resp, err := client.Get(fmt.Sprintf("http://www.example.com/get/%d", i))
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		sum := sha256.Sum256(nil)
		if want := fmt.Sprintf("GET /get/%d www.example.com 0 %x|", i, sum[:8]); string(body) != want || resp.ProtoMajor != 2 {
			return fmt.Errorf("GET %d: %q (proto %d), want %q", i, body, resp.ProtoMajor, want)
		}
	case 1: // POST with a body larger than the default windows
		data := bigBody(100_000 + i)
		req, _ := http.NewRequest("POST", fmt.Sprintf("http://www.example.com/post/%d", i), bytes.NewReader(data))
		req.Header.Set("X-Test", "v"+fmt.Sprint(i))
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		sum := sha256.Sum256(data)
		if want := fmt.Sprintf("POST /post/%d www.example.com %d %x|v%d", i, len(data), sum[:8], i); string(body) != want {
			return fmt.Errorf("POST %d: %q, want %q", i, body, want)
		}
	case 2: // a large response: flow control on both windows
		size := 300_000 + i*1000
		resp, err := client.Get(fmt.Sprintf("http://www.example.com/big/%d", size))
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Equal(body, bigBody(size)) || resp.ContentLength != int64(size) {
			return fmt.Errorf("big %d: %d bytes (content-length %d)", i, len(body), resp.ContentLength)
		}
	case 3: // PUT without a length, DELETE, HEAD, 204
		req, _ := http.NewRequest("PUT", "http://www.example.com/put", io.NopCloser(strings.NewReader("streamed body")))
		// The client may open streams before our SETTINGS (with the
		// concurrent-stream limit) arrives; a stream over the limit is
		// refused (RFC 9113 section 5.1.2, REFUSED_STREAM), and the client
		// retries it only if it can rewind the body.
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("streamed body")), nil }
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.HasPrefix(string(body), "PUT /put www.example.com 13 ") {
			return fmt.Errorf("PUT: %q", body)
		}
		req, _ = http.NewRequest("HEAD", "http://www.example.com/big/1000", nil)
		resp, err = client.Do(req)
		if err != nil {
			return err
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if len(body) != 0 || resp.ContentLength != 1000 || resp.Header.Get("X-Method") != "HEAD" {
			return fmt.Errorf("HEAD: %q %d", body, resp.ContentLength)
		}
		req, _ = http.NewRequest("DELETE", "http://www.example.com/empty", nil)
		resp, err = client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 204 {
			return fmt.Errorf("DELETE: %d", resp.StatusCode)
		}
	}
	return nil
}

// TestJudgeSmallLimits: a tiny concurrent-stream limit and output bound;
// x/net's client queues on SETTINGS_MAX_CONCURRENT_STREAMS.
func TestJudgeSmallLimits(t *testing.T) {
	client, _, stop := judgeClient(t, ServerConfig{MaxConcurrentStreams: 2, MaxOutputBytes: 20000})
	defer stop()
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := judgeOne(client, i); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
}
