package netsim_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hopsnet/hops/live/netsim"
	"github.com/hopsnet/hops/live/realtime"
	"github.com/hopsnet/hops/world"
)

// twoHosts is a small world: a and b across two routers.
const twoHosts = `
name: two-hosts
nodes:
  - {name: a, role: host}
  - {name: r1, role: router}
  - {name: r2, role: router}
  - {name: b, role: host}
links:
  - {a: a 10.0.1.2/24, b: r1 10.0.1.1/24, rate: 100Mbps, delay: 1ms}
  - {name: core, a: r1 10.0.12.1/30, b: r2 10.0.12.2/30, rate: 1Gbps, delay: 5ms}
  - {a: r2 10.0.2.1/24, b: b 10.0.2.2/24, rate: 100Mbps, delay: 1ms}
`

// running starts the world on a driver and returns its Net; the driver
// is stopped (and waited for) at cleanup. Inside a synctest bubble,
// call it from the bubble.
func running(t *testing.T, w *world.World) *netsim.Net {
	t.Helper()
	d := realtime.New(w.Kernel)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("driver: %v", err)
		}
	})
	return netsim.New(w, d)
}

// small builds the two-host world.
func small(t *testing.T) *world.World {
	t.Helper()
	w, err := world.FromYAML("two-hosts.yaml", []byte(twoHosts), 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// defaultWorld builds the default internet with loss on the home's
// access line and on the datacenter's link to www.example.com, and lets
// it settle (DHCP leases, NAT).
func defaultWorld(t *testing.T, loss float64) *world.World {
	t.Helper()
	sc, err := world.Default()
	if err != nil {
		t.Fatal(err)
	}
	lossy := 0
	for i := range sc.Links {
		l := &sc.Links[i]
		if l.Name == "home-uplink" || l.B.Node == "www.example.com" {
			l.Loss = loss
			lossy++
		}
	}
	if lossy != 2 {
		t.Fatalf("found %d of the 2 links to make lossy", lossy)
	}
	w, err := world.Build(sc, 7, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Settle(); err != nil {
		t.Fatal(err)
	}
	return w
}

// host returns the node called name as a netsim host.
func host(t *testing.T, n *netsim.Net, name string) *netsim.Host {
	t.Helper()
	h, err := n.Host(name)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
