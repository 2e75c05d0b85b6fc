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
// them. A static route whose next hop's link is down is left out, as a
// routing daemon withdraws it, so the computed route takes over (and it
// comes back with the link). The oracle adds them to every table it
// builds; on a node that runs OSPF or BGP they are offered to the node's
// table at distance 1 like the daemons' own routes (node.Offer); a link
// change re-evaluates them (restatic).

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
			if connected(n, prefix) {
				return fmt.Errorf("node %s: static route %q: %v is the node's own subnet (its connected route wins)", n.Name, e, prefix)
			}
			w.statics[s] = append(w.statics[s], node.Route{Prefix: prefix, Iface: iface, NextHop: via, Proto: "static"})
		}
	}
	return nil
}

// insertStatics adds node s's static routes whose link is up to table
// t, built by the oracle; a node whose routes come from OSPF or BGP
// offers them to its table instead.
func (w *World) insertStatics(s int, t *node.RouteTable) {
	if w.statics == nil {
		return
	}
	n := w.Nodes[s]
	for _, r := range w.statics[s] {
		up := n.Ifaces()[r.Iface].Up()
		switch {
		case w.connectedOnly(s) && up:
			n.Offer(r, node.DistanceStatic)
		case w.connectedOnly(s):
			n.Withdraw(r.Prefix, "static")
		case up:
			t.Insert(r)
		}
	}
}

// restatic re-evaluates the static routes after a link change: an
// oracle table is rebuilt when next used; a node whose routes come from
// OSPF or BGP offers or withdraws them.
func (w *World) restatic() {
	for s, rs := range w.statics {
		switch {
		case len(rs) == 0:
		case w.connectedOnly(s):
			w.insertStatics(s, nil)
		default:
			w.Nodes[s].Routes.Invalidate()
		}
	}
}
