package world

import (
	"fmt"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/world/scenario"
)

// Static routes (a node's static-routes): routes written by hand, shown
// as proto static. They win over every computed route to the same
// prefix, as their administrative distance (1) is below the oracle's,
// OSPF's (110) and BGP's (20, 200); only a connected subnet (0) beats
// them. The oracle adds them to every table it builds; OSPF and BGP
// never install over them.

// buildStatics reads every node's static routes: each next hop must be
// a neighbour, on a subnet of one of the node's interfaces.
func (w *World) buildStatics() error {
	w.statics = make([][]node.Route, len(w.Nodes))
	for s, sn := range w.Scenario.Nodes {
		n := w.Nodes[s]
		for _, e := range sn.StaticRoutes {
			prefix, via, err := scenario.ParseStaticRoute(e)
			if err != nil {
				return fmt.Errorf("node %s: %v", n.Name, err)
			}
			iface := -1
			for _, i := range n.Ifaces() {
				if i.Prefix.IsValid() && i.Prefix.Masked().Contains(via) && i.Prefix.Addr() != via {
					iface = i.Index
					break
				}
			}
			if iface < 0 {
				return fmt.Errorf("node %s: static route %q: %v is on none of its subnets (a next hop must be a neighbour)", n.Name, e, via)
			}
			w.statics[s] = append(w.statics[s], node.Route{Prefix: prefix, Iface: iface, NextHop: via, Proto: "static"})
		}
	}
	return nil
}

// insertStatics adds node s's static routes to table t.
func (w *World) insertStatics(s int, t *node.RouteTable) {
	if w.statics == nil {
		return
	}
	for _, r := range w.statics[s] {
		t.Insert(r)
	}
}
