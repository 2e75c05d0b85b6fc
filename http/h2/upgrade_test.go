package h2

import (
	"bytes"
	"encoding/base64"
	"io"
	"strings"
	"testing"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/sim"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// TestH2CUpgrade: an HTTP/1.1 request offering "Upgrade: h2c" (RFC 7540
// section 3.2) gets 101 Switching Protocols from the HTTP/1.1 engine; the
// HTTP/2 engine then answers it on stream 1 after its SETTINGS, applies
// the client's HTTP2-Settings without acknowledging them, and takes the
// client preface and further streams. x/net/http2's Framer and HPACK
// decoder, written by others, read every frame.
func TestH2CUpgrade(t *testing.T) {
	h := h1.HandlerFunc(func(now sim.Time, req *h1.Request, resp *h1.Response) {
		resp.Header.Add("Content-Type", "text/plain")
		resp.Body = []byte("hello " + req.Method + " " + req.Target + " " + string(req.Body))
	})
	// The client's SETTINGS payload: SETTINGS_INITIAL_WINDOW_SIZE 65535,
	// SETTINGS_MAX_FRAME_SIZE 16384.
	var settings bytes.Buffer
	fr := http2.NewFramer(&settings, nil)
	fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 65535}, http2.Setting{ID: http2.SettingMaxFrameSize, Val: 16384})
	payload := settings.Bytes()[9:]
	req := "POST /echo HTTP/1.1\r\nHost: example\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: " +
		base64.RawURLEncoding.EncodeToString(payload) + "\r\nContent-Length: 3\r\n\r\nabc"

	e1 := h1.NewServerConn(0, h1.ServerConfig{H2CUpgrade: true}, h)
	// The client preface follows at once in the same bytes.
	e1.Receive(0, []byte(req+Preface))
	out := string(e1.Output())
	if out != "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n" {
		t.Fatalf("HTTP/1.1 answered %q", out)
	}
	e1.Consume(len(out))
	up, gotSettings, rest, ok := e1.Upgraded()
	if !ok || up.Method != "POST" || string(up.Body) != "abc" || up.Header.Get("Upgrade") != "" || up.Header.Get("Host") != "example" ||
		!bytes.Equal(gotSettings, payload) || string(rest) != Preface {
		t.Fatalf("upgraded %+v, settings %x, rest %q", up, gotSettings, rest)
	}

	e2 := NewServerConn(0, ServerConfig{}, h)
	if err := e2.AcceptUpgrade(0, up, gotSettings); err != nil {
		t.Fatal(err)
	}
	e2.Receive(0, rest)
	// The client's own SETTINGS and a second request, on stream 3.
	var in bytes.Buffer
	cf := http2.NewFramer(&in, nil)
	cf.WriteSettings()
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range [][2]string{{":method", "GET"}, {":scheme", "http"}, {":authority", "example"}, {":path", "/two"}} {
		enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	cf.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: block.Bytes(), EndStream: true, EndHeaders: true})
	e2.Receive(0, in.Bytes())

	rd := http2.NewFramer(io.Discard, bytes.NewReader(e2.Output()))
	dec := hpack.NewDecoder(4096, nil)
	bodies := map[uint32]string{}
	status := map[uint32]string{}
	var settingsSeen, acks int
	for {
		f, err := rd.ReadFrame()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("x/net/http2 cannot read our frames: %v", err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if f.IsAck() {
				acks++
			} else {
				settingsSeen++
			}
		case *http2.HeadersFrame:
			fields, err := dec.DecodeFull(f.HeaderBlockFragment())
			if err != nil {
				t.Fatal(err)
			}
			for _, hf := range fields {
				if hf.Name == ":status" {
					status[f.StreamID] = hf.Value
				}
			}
		case *http2.DataFrame:
			bodies[f.StreamID] += string(f.Data())
		}
	}
	if settingsSeen != 1 || acks != 1 {
		t.Errorf("%d SETTINGS and %d ACKs; want the server's SETTINGS and one ACK (of the client's frame, not of HTTP2-Settings)", settingsSeen, acks)
	}
	if status[1] != "200" || bodies[1] != "hello POST /echo abc" || status[3] != "200" || !strings.HasPrefix(bodies[3], "hello GET /two") {
		t.Fatalf("stream 1: %s %q; stream 3: %s %q", status[1], bodies[1], status[3], bodies[3])
	}
	// Without H2CUpgrade the offer is ignored and the request served in
	// HTTP/1.1.
	e := h1.NewServerConn(0, h1.ServerConfig{}, h)
	e.Receive(0, []byte(req))
	if out := string(e.Output()); !strings.HasPrefix(out, "HTTP/1.1 200 OK\r\n") {
		t.Fatalf("without H2CUpgrade: %q", out)
	}
}
