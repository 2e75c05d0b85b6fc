package bgpd_test

import (
	"fmt"
	"net/netip"

	"github.com/hopsnet/hops/world"
)

// The default internet routed by BGP: each router's daemon holds its
// sessions and its table; isp-a-core reaches the datacenter's servers
// through the exchange's route server, a peer, rather than through its
// provider.
func Example() {
	sc, err := world.Default()
	if err != nil {
		panic(err)
	}
	w, err := world.Build(sc, 1, world.Options{Routing: world.RoutingBGP})
	if err != nil {
		panic(err)
	}
	if err := w.Settle(); err != nil { // OSPF and BGP converge
		panic(err)
	}
	d := w.BGPDaemon("isp-a-core")
	up, all := d.Established()
	fmt.Printf("isp-a-core: AS %d, %d of %d sessions established\n", d.Config().AS, up, all)
	best, _ := d.Speaker().Best(netip.MustParsePrefix("203.0.113.8/29"))
	fmt.Printf("best to 203.0.113.8/29: AS path [%v], next hop %v, local preference %d\n",
		best.Path.ASPath, best.Path.NextHop, best.Path.LocalPref)
	r, _ := w.Node("isp-a-core").Routes.Lookup(netip.MustParseAddr("203.0.113.10"))
	fmt.Println(r.Prefix, "via", r.NextHop, "proto", r.Proto)
	// Output:
	// isp-a-core: AS 64496, 3 of 3 sessions established
	// best to 203.0.113.8/29: AS path [64498], next hop 198.18.100.2, local preference 100
	// 203.0.113.8/29 via 198.18.100.2 proto bgp
}
