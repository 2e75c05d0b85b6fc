package web_test

import (
	"bytes"
	"crypto/sha256"
	"io"
	"net/netip"
	"os"
	"testing"

	"github.com/hopsnet/hops/app/web"
	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/http/h2"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/tcp"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// TestH2CPriorKnowledge: the default world's web server speaks HTTP/2
// to a connection that opens with the HTTP/2 preface (RFC 9113 section
// 3.3). The client's frames are built and read by x/net/http2's Framer
// and hpack (an implementation hops did not write), sent over hops' TCP
// from the laptop: three streams on one connection, each body equal to
// the site's file, and HTTP/1.1 on the same port still works.
func TestH2CPriorKnowledge(t *testing.T) {
	f := newFixture(t)
	var out bytes.Buffer
	fr := http2.NewFramer(&out, nil)
	out.WriteString(http2.ClientPreface)
	fr.WriteSettings()
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	paths := map[uint32]string{1: "/", 3: "/style.css", 5: "/logo.png"}
	for id := uint32(1); id <= 5; id += 2 {
		hb.Reset()
		for _, kv := range [][2]string{{":method", "GET"}, {":scheme", "http"}, {":authority", "www.example.com"}, {":path", paths[id]}} {
			enc.WriteField(hpack.HeaderField{Name: kv[0], Value: kv[1]})
		}
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hb.Bytes(), EndStream: true, EndHeaders: true})
	}
	addr, _ := f.w.Resolve("www.example.com")
	var in bytes.Buffer
	laptop := f.w.Node("laptop")
	buf := make([]byte, 4096)
	_, err := laptop.DialTCP(netip.AddrPortFrom(addr, 80), tcp.Config{}, node.TCPHandler{
		Connected: func(c *node.TCPConn) { c.Write(out.Bytes()) },
		Readable: func(c *node.TCPConn) {
			for {
				k := c.Read(buf)
				if k == 0 {
					break
				}
				in.Write(buf[:k])
			}
			if c.EOF() {
				c.Close()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	k := f.w.Kernel
	for k.Now() < 2e9 && k.Step() {
	}
	// Read the server's frames with x/net's Framer.
	rd := http2.NewFramer(io.Discard, bytes.NewReader(in.Bytes()))
	dec := hpack.NewDecoder(4096, nil)
	status := map[uint32]string{}
	bodies := map[uint32][]byte{}
	ended := map[uint32]bool{}
	sawSettings := false
	for {
		fm, err := rd.ReadFrame()
		if err != nil {
			break
		}
		switch fm := fm.(type) {
		case *http2.SettingsFrame:
			sawSettings = true
		case *http2.HeadersFrame:
			fields, err := dec.DecodeFull(fm.HeaderBlockFragment())
			if err != nil {
				t.Fatal(err)
			}
			for _, hf := range fields {
				if hf.Name == ":status" {
					status[fm.StreamID] = hf.Value
				}
			}
			ended[fm.StreamID] = ended[fm.StreamID] || fm.StreamEnded()
		case *http2.DataFrame:
			bodies[fm.StreamID] = append(bodies[fm.StreamID], fm.Data()...)
			ended[fm.StreamID] = ended[fm.StreamID] || fm.StreamEnded()
		case *http2.GoAwayFrame:
			t.Fatalf("GOAWAY %v", fm.ErrCode)
		}
	}
	if !sawSettings {
		t.Fatal("no SETTINGS from the server")
	}
	for id, p := range paths {
		name := p
		if name == "/" {
			name = "/index.html"
		}
		want, err := os.ReadFile("site/www.example.com" + name)
		if err != nil {
			t.Fatal(err)
		}
		if status[id] != "200" || !ended[id] || sha256.Sum256(bodies[id]) != sha256.Sum256(want) {
			t.Errorf("stream %d %s: status %q ended %v, %d bytes (want %d)", id, p, status[id], ended[id], len(bodies[id]), len(want))
		}
	}
	if n := f.w.WebServers[0].HTTP2Conns(); n != 1 {
		t.Errorf("%d HTTP/2 connections counted", n)
	}
	// HTTP/1.1 on the same port.
	if x := f.do("www.example.com", "GET", "/style.css", ""); x.Resp.Status != 200 {
		t.Errorf("HTTP/1.1 after HTTP/2: %d", x.Resp.Status)
	}
}

// TestH2CUpgradeClient: an H2Client with H2CUpgrade offers the upgrade
// in HTTP/1.1; the default world's server switches (101, then the answer
// on stream 1 as HTTP/2), and a server that speaks only HTTP/1.1 answers
// in HTTP/1.1, which the exchange reports.
func TestH2CUpgradeClient(t *testing.T) {
	f := newFixture(t)
	site, err := web.WWW()
	if err != nil {
		t.Fatal(err)
	}
	www := f.w.Node("www.example.com")
	if _, err := web.Serve(www, web.Config{Port: 8081, NoHTTP2: true}, site); err != nil {
		t.Fatal(err)
	}
	addr, _ := f.w.Resolve("www.example.com")
	c := web.NewH2Client(f.w.Node("laptop"), web.ClientConfig{H2CUpgrade: true}, h2.ClientConfig{})
	for _, tc := range []struct {
		port      uint16
		proto     string
		switched  bool
		leftAlive bool
	}{{80, "HTTP/2", true, true}, {8081, "HTTP/1.1", false, false}} {
		req := &h1.Request{Method: "GET", Target: "/style.css", Minor: 1}
		req.Header.Add("Host", "www.example.com")
		var x *web.Exchange
		c.DoProgress(netip.AddrPortFrom(addr, tc.port), req, nil, func(e *web.Exchange) { x = e })
		for x == nil && f.w.Kernel.Step() {
		}
		if x == nil || x.Err != nil || x.Resp == nil || x.Resp.Status != 200 {
			t.Fatalf("port %d: exchange %+v", tc.port, x)
		}
		if x.Proto != tc.proto || (len(x.Interim) == 1 && x.Interim[0].Status == 101) != tc.switched || x.LeftIntact != tc.leftAlive {
			t.Errorf("port %d: proto %s, interim %v, left intact %v", tc.port, x.Proto, x.Interim, x.LeftIntact)
		}
		if !bytes.HasPrefix(x.RequestHead, []byte("GET /style.css HTTP/1.1\r\n")) || !bytes.Contains(x.RequestHead, []byte("\r\nUpgrade: h2c\r\n")) {
			t.Errorf("port %d: request head %q", tc.port, x.RequestHead)
		}
		if len(x.Resp.Body) != 154 {
			t.Errorf("port %d: %d body bytes", tc.port, len(x.Resp.Body))
		}
	}
	c.Close()
}
