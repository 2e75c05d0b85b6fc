package h2

import (
	"testing"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/sim"
)

var benchSite = h1.HandlerFunc(func(now sim.Time, req *h1.Request, resp *h1.Response) {
	resp.Header.Add("Content-Type", "text/html; charset=utf-8")
	resp.Header.Add("ETag", `"27e72ac5af73808f"`)
	resp.Body = benchBody
})

var benchBody = make([]byte, 441)

func benchConn(b *testing.B) (*ServerConn, *Encoder) {
	s := NewServerConn(0, ServerConfig{}, benchSite)
	in := AppendFrame([]byte(Preface), &Frame{Type: FrameSettings})
	in = AppendFrame(in, &Frame{Type: FrameWindowUpdate, Increment: MaxWindow - DefaultWindow})
	s.Receive(0, in)
	s.Consume(len(s.Output()))
	return s, NewEncoder(4096)
}

var benchReq = h1.Header{{Name: ":method", Value: "GET"}, {Name: ":scheme", Value: "http"},
	{Name: ":path", Value: "/"}, {Name: ":authority", Value: "www.example.com"},
	{Name: "user-agent", Value: "hops-curl/1.0"}, {Name: "accept", Value: "*/*"}}

// BenchmarkServerStream: requests per wall-clock second through the
// server engine on one connection, one stream at a time (HEADERS in;
// HEADERS and DATA out).
func BenchmarkServerStream(b *testing.B) {
	s, enc := benchConn(b)
	var blk, buf []byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f := Frame{Type: FrameHeaders, Flags: FlagEndHeaders | FlagEndStream, StreamID: uint32(2*i + 1)}
		blk = enc.Encode(blk[:0], benchReq)
		f.Data = blk
		buf = AppendFrame(buf[:0], &f)
		s.Receive(sim.Time(i), buf)
		s.Consume(len(s.Output()))
	}
	if s.Served() != b.N {
		b.Fatalf("served %d of %d", s.Served(), b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkServer100Streams: 100 concurrent requests per Receive on one
// connection; ns/op and allocs are per request.
func BenchmarkServer100Streams(b *testing.B) {
	s, enc := benchConn(b)
	var buf, blk []byte
	id := uint32(1)
	b.ReportAllocs()
	for i := 0; i < b.N; i += 100 {
		buf = buf[:0]
		for j := 0; j < 100 && i+j < b.N; j++ {
			f := Frame{Type: FrameHeaders, Flags: FlagEndHeaders | FlagEndStream, StreamID: id}
			blk = enc.Encode(blk[:0], benchReq)
			f.Data = blk
			buf = AppendFrame(buf, &f)
			id += 2
		}
		for len(buf) > 0 {
			k := s.Receive(0, buf[:min(len(buf), s.Room())])
			buf = buf[k:]
			for len(s.Output()) > 0 { // the transport takes it all
				s.Consume(len(s.Output()))
			}
		}
	}
	if s.Served() != b.N {
		b.Fatalf("served %d of %d", s.Served(), b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkHpackDecode(b *testing.B) {
	blk := NewEncoder(4096).Encode(nil, benchReq)
	d := NewDecoder(4096)
	var hdr h1.Header
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		hdr, _ = d.Decode(hdr[:0], blk)
	}
}
