package h1

import (
	"testing"

	"github.com/hopsnet/hops/sim"
)

var benchSite = HandlerFunc(func(now sim.Time, req *Request, resp *Response) {
	resp.Header.Add("Content-Type", "text/html; charset=utf-8")
	resp.Header.Add("ETag", `"27e72ac5af73808f"`)
	resp.Body = benchBody
})

var benchBody = make([]byte, 441)

// BenchmarkServerKeepAlive: requests per wall-clock second through the
// server engine on one warm keep-alive connection (parse the request,
// call the handler, frame the response).
func BenchmarkServerKeepAlive(b *testing.B) {
	req := []byte("GET / HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: hops-curl/1.0\r\nAccept: */*\r\n\r\n")
	s := NewServerConn(0, ServerConfig{}, benchSite)
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for i := 0; i < b.N; i++ {
		s.Receive(sim.Time(i), req)
		s.Consume(len(s.Output()))
	}
	if s.Served() != b.N {
		b.Fatalf("served %d of %d", s.Served(), b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkClientServer: a whole exchange through both engines, client
// to server and back, in memory.
func BenchmarkClientServer(b *testing.B) {
	s := NewServerConn(0, ServerConfig{}, benchSite)
	c := NewClientConn(ClientConfig{})
	req := &Request{Method: "GET", Target: "/", Header: Header{{"Host", "www.example.com"}, {"Accept", "*/*"}}}
	var evs []ClientEvent
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := c.Send(0, req); err != nil {
			b.Fatal(err)
		}
		s.Receive(0, c.Output())
		c.Consume(len(c.Output()))
		c.Receive(0, s.Output())
		s.Consume(len(s.Output()))
		evs = c.Events(evs[:0])
		if len(evs) != 2 || evs[1].Kind != ClientDone {
			b.Fatalf("events %v", evs)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
