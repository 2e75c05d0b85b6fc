package node_test

import (
	"net/netip"
	"testing"

	"github.com/hopsnet/hops/node"
)

// The table takes, of the routes the sources offer for one prefix, the
// one of least administrative distance; a withdrawal brings the next
// back; a connected subnet is never replaced.
func TestRIB(t *testing.T) {
	w := build(t, chain)
	n := w.Node("r1")
	p := netip.MustParsePrefix("10.9.0.0/16")
	gw := func(a string) netip.Addr { return netip.MustParseAddr(a) }
	route := func(proto, via string) node.Route {
		return node.Route{Prefix: p, Iface: 1, NextHop: gw(via), Proto: proto}
	}
	proto := func() string {
		r, ok := n.Routes.Get(p)
		if !ok {
			return "-"
		}
		return r.Proto
	}
	steps := []struct {
		do   func() bool
		want string
		chg  bool
	}{
		{func() bool { return n.Offer(route("bgp", "10.0.12.2"), node.DistanceIBGP) }, "bgp", true},
		{func() bool { return n.Offer(route("ospf", "10.0.12.2"), node.DistanceOSPF) }, "ospf", true},
		{func() bool { return n.Offer(route("bgp", "10.0.12.2"), node.DistanceIBGP) }, "ospf", false},
		{func() bool { return n.Offer(route("static", "10.0.12.2"), node.DistanceStatic) }, "static", true},
		{func() bool { return n.Withdraw(p, "static") }, "ospf", true},
		{func() bool { return n.Withdraw(p, "ospf") }, "bgp", true},
		{func() bool { return n.Withdraw(p, "bgp") }, "-", true},
		{func() bool { return n.Withdraw(p, "bgp") }, "-", false},
	}
	for i, s := range steps {
		if chg := s.do(); proto() != s.want || chg != s.chg {
			t.Fatalf("step %d: table holds %q (changed %v), want %q (%v)", i, proto(), chg, s.want, s.chg)
		}
	}
	// A connected subnet stays, whatever is offered for it.
	c := n.Ifaces()[0].Prefix.Masked()
	if n.Offer(node.Route{Prefix: c, Iface: 1, NextHop: gw("10.0.12.2"), Proto: "static"}, node.DistanceStatic) {
		t.Fatal("a static route replaced a connected subnet")
	}
	if r, _ := n.Routes.Get(c); r.Proto != "" {
		t.Fatalf("the connected route became %v", r)
	}
}
