package world_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/ping"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/world"
)

// diamond is h1 — r1 — (r2 | r3) — r4 — h2 with equal costs: r1 and r4
// have two equal paths to each other. MODE is r1's ECMP mode.
const diamond = `routing: ospf
nodes:
  - {name: h1, role: host}
  - {name: r1, role: router, ecmp: MODE}
  - {name: r2, role: router}
  - {name: r3, role: router}
  - {name: r4, role: router, ecmp: MODE}
  - {name: h2, role: host}
links:
  - {a: h1 10.0.1.2/24, b: r1 10.0.1.1/24, delay: 1ms}
  - {a: r1 10.9.0.1/30, b: r2 10.9.0.2/30, delay: 1ms}
  - {a: r1 10.9.0.5/30, b: r3 10.9.0.6/30, delay: 1ms}
  - {a: r2 10.9.0.9/30, b: r4 10.9.0.10/30, delay: 1ms}
  - {a: r3 10.9.0.13/30, b: r4 10.9.0.14/30, delay: 1ms}
  - {a: r4 10.0.2.1/24, b: h2 10.0.2.2/24, delay: 1ms}
`

func diamondWorld(t *testing.T, mode string) *world.World {
	t.Helper()
	w, err := world.FromYAML("diamond.yaml", []byte(strings.ReplaceAll(diamond, "MODE", mode)), 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Settle(); err != nil {
		t.Fatal(err)
	}
	r, _ := w.Node("r1").Routes.Lookup(netip.MustParseAddr("10.0.2.2"))
	if len(r.Alt) != 1 || r.Proto != "ospf" {
		t.Fatalf("r1's route to h2: %v %v; want two equal-cost hops", r, r.Alt)
	}
	return w
}

// middle records, per packet, which of r2 and r3 forwarded it.
type middle map[uint64]string

func (m middle) Observe(e *trace.Event) {
	if e.Kind == trace.Forward && (e.Node == "r2" || e.Node == "r3") {
		m[e.Packet] = e.Node
	}
}

// TestECMPPerPacket: with per-packet ECMP on r1 and r4, one ping run's
// echo requests and replies take turns over the two paths.
func TestECMPPerPacket(t *testing.T) {
	w := diamondWorld(t, "per-packet")
	seen := middle{}
	w.Bus.Subscribe(seen)
	var res *ping.Result
	var ids []uint64
	w.Bus.Subscribe(trace.ObserverFunc(func(e *trace.Event) {
		if e.Kind == trace.Send && e.Node == "h1" {
			ids = append(ids, e.Packet)
		}
	}))
	ping.Start(w.Node("h1"), "h2", netip.MustParseAddr("10.0.2.2"), ping.Config{Count: 6, Interval: 100 * time.Millisecond}, func(r *ping.Result) { res = r })
	end := w.Kernel.Now().Add(10 * time.Second)
	for res == nil && w.Kernel.Now() < end && w.Kernel.Step() {
	}
	if res == nil || res.Received != 6 {
		t.Fatalf("ping: %+v", res)
	}
	var path []string
	for _, id := range ids {
		path = append(path, seen[id])
	}
	if got := strings.Join(path, " "); got != "r2 r3 r2 r3 r2 r3" && got != "r3 r2 r3 r2 r3 r2" {
		t.Fatalf("the echo requests went through %s; want the two paths in turn", got)
	}
}

// TestECMPPerFlow: with the default, per-flow ECMP, every datagram of a
// flow (addresses, protocol, ports) takes one path, and sixteen flows
// use both.
func TestECMPPerFlow(t *testing.T) {
	w := diamondWorld(t, "per-flow")
	seen := middle{}
	w.Bus.Subscribe(seen)
	flows := map[uint16][]uint64{} // source port → packet ids
	h1, h2 := w.Node("h1"), w.Node("h2")
	if _, err := h2.ListenUDP(9, func(sim.Time, *node.Datagram) {}); err != nil {
		t.Fatal(err)
	}
	for f := uint16(0); f < 16; f++ {
		c, err := h1.ListenUDP(40000+f, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			id, err := c.SendTo(netip.MustParseAddrPort("10.0.2.2:9"), []byte("x"))
			if err != nil {
				t.Fatal(err)
			}
			flows[40000+f] = append(flows[40000+f], id)
		}
	}
	w.Kernel.RunUntil(w.Kernel.Now().Add(time.Second))
	used := map[string]int{}
	for port, ids := range flows {
		first := seen[ids[0]]
		for _, id := range ids {
			if seen[id] != first || first == "" {
				t.Fatalf("flow from port %d: packets through %q and %q", port, first, seen[id])
			}
		}
		used[first]++
	}
	if used["r2"] == 0 || used["r3"] == 0 {
		t.Fatalf("16 flows used %v; want both paths", used)
	}
	t.Logf("flows per path: %v", used)
}
