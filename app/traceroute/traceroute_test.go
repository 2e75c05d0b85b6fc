package traceroute_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/traceroute"
	"github.com/hopsnet/hops/world"
)

const chain = `
nodes: [{name: a, role: laptop}, {name: r1, role: router}, {name: r2, role: router}, {name: b, role: server}]
links:
  - {a: a 10.0.0.1/30, b: r1 10.0.0.2/30, delay: 1ms}
  - {name: middle, a: r1 10.0.1.1/30, b: r2 10.0.1.2/30, delay: 1ms%s}
  - {a: r2 10.0.2.1/30, b: b 10.0.2.2/30, delay: 1ms}
`

func trace(t *testing.T, extra, dst string, cfg traceroute.Config) string {
	t.Helper()
	w, err := world.FromYAML("t.yaml", []byte(strings.Replace(chain, "%s", extra, 1)), 1, world.Options{StaticRoutes: true})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := traceroute.Start(w.Node("a"), dst, netip.MustParseAddr(dst), cfg, func(r *traceroute.Result) {
		r.Write(&out, func(a netip.Addr) string {
			if n, _ := w.NodeByAddr(a); n != nil {
				return n.Name
			}
			return ""
		})
	}); err != nil {
		t.Fatal(err)
	}
	w.Kernel.Run()
	return out.String()
}

func TestTrace(t *testing.T) {
	got := trace(t, "", "10.0.2.2", traceroute.Config{})
	want := `traceroute to 10.0.2.2 (10.0.2.2), 30 hops max, 60 byte packets
 1  r1 (10.0.0.2)  2.000 ms  2.000 ms  2.000 ms
 2  r2 (10.0.1.2)  4.000 ms  4.000 ms  4.000 ms
 3  b (10.0.2.2)  6.000 ms  6.000 ms  6.000 ms
`
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestTimeoutsAndMaxHops(t *testing.T) {
	got := trace(t, ", loss: 100%", "10.0.2.2", traceroute.Config{MaxTTL: 4, Wait: time.Second})
	want := `traceroute to 10.0.2.2 (10.0.2.2), 4 hops max, 60 byte packets
 1  r1 (10.0.0.2)  2.000 ms  2.000 ms  2.000 ms
 2  * * *
 3  * * *
 4  * * *
`
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestNetUnreachable(t *testing.T) {
	got := trace(t, "", "10.9.9.9", traceroute.Config{Queries: 1})
	want := `traceroute to 10.9.9.9 (10.9.9.9), 30 hops max, 60 byte packets
 1  r1 (10.0.0.2)  2.000 ms !N
`
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestBadPacketLen(t *testing.T) {
	w, err := world.FromYAML("t.yaml", []byte(strings.Replace(chain, "%s", "", 1)), 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := traceroute.Start(w.Node("a"), "b", w.Node("b").Addr(), traceroute.Config{PacketLen: 10}, nil); err == nil {
		t.Fatal("a 10-byte probe was accepted")
	}
}

// events records what a Handler is told, in order.
type events []string

func (e *events) Start(r *traceroute.Result) { *e = append(*e, "start") }
func (e *events) Probe(ttl, i int, p traceroute.Probe) {
	s := fmt.Sprintf("%d.%d", ttl, i)
	if p.Timeout {
		s += "*"
	}
	*e = append(*e, s)
}
func (e *events) Hop(h traceroute.Hop) { *e = append(*e, fmt.Sprintf("hop %d", h.TTL)) }

// Probes reach the Handler in order within their hop, each hop's end
// after its probes, as traceroute prints them.
func TestHandlerOrder(t *testing.T) {
	w, err := world.FromYAML("t.yaml", []byte(strings.Replace(chain, "%s", ", loss: 100%", 1)), 1, world.Options{StaticRoutes: true})
	if err != nil {
		t.Fatal(err)
	}
	var e events
	if _, err := traceroute.Start(w.Node("a"), "b", w.Node("b").Addr(), traceroute.Config{MaxTTL: 2, Queries: 2, Handler: &e}, nil); err != nil {
		t.Fatal(err)
	}
	w.Kernel.Run()
	if got, want := strings.Join(e, " "), "start 1.0 1.1 hop 1 2.0* 2.1* hop 2"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
