package ospf

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

// TestPassiveInterface: a passive interface sends no Hello and takes no
// packet, and its subnet is still in the router-LSA as a stub network.
func TestPassiveInterface(t *testing.T) {
	e, err := New(Config{RouterID: IDFrom(netip.MustParseAddr("10.0.0.1"))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddInterface(0, InterfaceConfig{Name: "eth0", Addr: netip.MustParsePrefix("10.0.0.1/30"), Passive: true}); err != nil {
		t.Fatal(err)
	}
	var out []Output
	for at := sim.Time(0); at <= sim.Time(30*time.Second); at += sim.Time(time.Second) {
		if out = e.AppendOutput(out[:0], at); len(out) != 0 {
			t.Fatalf("a passive interface sent %d packets at %v", len(out), at)
		}
	}
	if err := e.Handle(sim.Time(31*time.Second), 0, netip.MustParseAddr("10.0.0.2"), make([]byte, HeaderLen)); !errors.Is(err, ErrPassive) {
		t.Fatalf("Handle on a passive interface: %v", err)
	}
	db := e.LSDB(sim.Time(31 * time.Second))
	if len(db) != 1 {
		t.Fatalf("%d LSAs", len(db))
	}
	var found bool
	for _, r := range e.Routes() {
		if r.Prefix == netip.MustParsePrefix("10.0.0.0/30") {
			found = true
		}
	}
	if !found {
		t.Fatalf("routes %+v lack the passive interface's subnet", e.Routes())
	}
}
