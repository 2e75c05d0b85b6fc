package node_test

import (
	"fmt"
	"net/netip"

	"github.com/hopsnet/hops/node"
)

// The route table picks the longest prefix that contains the address.
func ExampleRouteTable() {
	var rt node.RouteTable
	rt.Insert(node.Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Iface: 0})
	rt.Insert(node.Route{Prefix: netip.MustParsePrefix("203.0.113.0/24"), Iface: 1})
	rt.Insert(node.Route{Prefix: netip.MustParsePrefix("203.0.113.8/30"), Iface: 2})
	for _, a := range []string{"192.0.2.1", "203.0.113.77", "203.0.113.10"} {
		r, _ := rt.Lookup(netip.MustParseAddr(a))
		fmt.Println(a, "->", r.Prefix, "iface", r.Iface)
	}
	// Output:
	// 192.0.2.1 -> 0.0.0.0/0 iface 0
	// 203.0.113.77 -> 203.0.113.0/24 iface 1
	// 203.0.113.10 -> 203.0.113.8/30 iface 2
}
