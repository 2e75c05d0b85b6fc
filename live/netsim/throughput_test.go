package netsim_test

import (
	"bytes"
	"crypto/sha256"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hopsnet/hops/live/netsim"
)

// transfer sends size bytes from the laptop to www.example.com across the
// default world without loss and checks them by SHA-256; it returns the
// virtual time (the clock the driver follows) the transfer took.
func transfer(t *testing.T, n *netsim.Net, size int) time.Duration {
	t.Helper()
	l, err := host(t, n, "www.example.com").Listen("tcp", ":9000")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan [32]byte, 1)
	go func() {
		s, err := l.Accept()
		if err != nil {
			got <- [32]byte{}
			return
		}
		defer s.Close()
		h := sha256.New()
		io.Copy(h, s)
		got <- [32]byte(h.Sum(nil))
	}()
	data := body(42, size)
	start := time.Now()
	c, err := host(t, n, "laptop").Dial("tcp", "www.example.com:9000")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.Copy(c, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	c.(*netsim.Conn).CloseWrite()
	if sum := <-got; sum != sha256.Sum256(data) {
		t.Fatal("the server's SHA-256 differs")
	}
	return time.Since(start)
}

// Throughput of a netsim connection across the default world (laptop on
// Wi-Fi, 100 Mbit/s access line, NAT, the IXP, the datacenter), in
// virtual time under synctest and in real time. Timings are logged,
// never asserted.
func TestThroughput(t *testing.T) {
	size := 32 << 20
	if testing.Short() {
		size = 4 << 20
	}
	var virtual time.Duration
	start := wallClock()
	synctest.Test(t, func(t *testing.T) {
		virtual = transfer(t, running(t, defaultWorld(t, 0)), size)
	})
	wall := wallClock().Sub(start)
	t.Logf("synctest: %d MiB in %v virtual (%.1f MB/s), %v wall with the world's build (%.1f MB/s)",
		size>>20, virtual, float64(size)/virtual.Seconds()/1e6, wall.Round(time.Millisecond), float64(size)/wall.Seconds()/1e6)

	size /= 4
	start = wallClock()
	virtual = transfer(t, running(t, defaultWorld(t, 0)), size)
	wall = wallClock().Sub(start)
	t.Logf("real time: %d MiB in %v (%.1f MB/s), %v wall with the world's build",
		size>>20, virtual.Round(time.Millisecond), float64(size)/virtual.Seconds()/1e6, wall.Round(time.Millisecond))
}
