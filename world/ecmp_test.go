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
	"github.com/hopsnet/hops/world/gen"
)

func diamondWorld(t *testing.T, mode string) *world.World {
	t.Helper()
	w, err := world.FromYAML("diamond.yaml", gen.Diamond(gen.DiamondConfig{ECMP: mode, Delay: "1ms"}), 1, world.Options{})
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
