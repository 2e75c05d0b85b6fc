package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hopsnet/hops/app/web"
	"github.com/hopsnet/hops/live/realtime"
	"github.com/hopsnet/hops/tcp"
)

// TestLiveCurl100MB: Linux's curl downloads 100 MB from hops' own web
// server (app/web on www.example.com, HTTP/1.1 over hops' TCP) through
// the bridge, with no impairment, from a host attached to dc-router:
// the file arrives whole (SHA-256), and the test logs the throughput
// curl saw and the ping round trip against the world's (the bridge's
// added latency). Timings are logged, never asserted.
func TestLiveCurl100MB(t *testing.T) {
	requireLive(t, "curl")
	if testing.Short() {
		t.Skip("100 MB through the bridge: not with -short")
	}
	const size = 100_000_000
	data := make([]byte, size)
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i+8 <= size; i += 8 {
		v := r.Uint64()
		for k := 0; k < 8; k++ {
			data[i+k] = byte(v >> (8 * k))
		}
	}
	want := sha256.Sum256(data)
	site, err := web.NewSite(fstest.MapFS{"big.bin": &fstest.MapFile{Data: data}, "index.html": &fstest.MapFile{Data: []byte("<p>big</p>")}})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	liveStarted = func(s *session, d *realtime.Driver) {
		var serr error
		err := d.Call(func() {
			// 4 MiB of send buffer, as hops transfer uses (hops has no
			// autotuning): 128 KiB would cap a 2.2 ms round trip at
			// 470 Mbit/s.
			_, serr = web.Serve(s.w.Node("www.example.com"), web.Config{Port: 8080, TCP: tcp.Config{SendBufSize: 4 << 20, NoDelay: true}}, site)
		})
		served <- errors.Join(err, serr)
	}
	defer func() { liveStarted = nil }()
	out := filepath.Join(t.TempDir(), "big.bin")
	script := "ping -c 5 -i 0.2 -q 203.0.113.10 && curl -sS -o " + out + " -w 'speed %{speed_download} total %{time_total}\\n' http://203.0.113.10:8080/big.bin"
	code, stdout, stderr := runLiveHops(t, "live", "--attach", "dc-router", "--", "sh", "-c", script)
	if code != 0 {
		t.Fatalf("status %d\n%s\n%s", code, stdout, stderr)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	default:
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := sha256.Sum256(b); len(b) != size || got != want {
		t.Fatalf("downloaded %d bytes, SHA-256 %s, want %d and %s", len(b), hex.EncodeToString(got[:]), size, hex.EncodeToString(want[:]))
	}
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "speed ") {
			f := strings.Fields(l)
			bps, _ := strconv.ParseFloat(f[1], 64)
			t.Logf("curl: 100 MB in %s s, %.0f Mbit/s", f[3], bps*8/1e6)
		}
		if strings.Contains(l, "rtt min/avg/max") {
			t.Logf("ping through the bridge: %s (the world's round trip: 2.2 ms)", strings.TrimSpace(l))
		}
	}
}
