package main

import (
	"github.com/hopsnet/hops/node"
	"net/netip"
)

// routesOutput is `hops --json routes`: the instant and one table per node.
type routesOutput struct {
	AtNs   int64        `json:"at_ns"` // virtual time of the tables, in nanoseconds
	At     string       `json:"at"`    // the same, as a Go duration ("1.5s")
	Why    string       `json:"why"`   // why this instant (as in the text header)
	Tables []routeTable `json:"tables"`
}

// routeTable is one node's table.
type routeTable struct {
	Node   string     `json:"node"`
	Routes []routeRow `json:"routes"`
}

// routeRow is one route, with the keys and values of `ip -j route`:
// connected subnets have protocol "kernel", scope "link" and a prefsrc;
// the others a gateway and a metric.
type routeRow struct {
	Dst     string `json:"dst"` // "default" or a prefix such as "10.0.0.0/30"
	Gateway string `json:"gateway,omitempty"`
	Dev     string `json:"dev,omitempty"` // absent on a multipath route
	// Nexthops are a multipath route's equal-cost hops (ip -j route's
	// "nexthops"); Gateway and Dev are then empty.
	Nexthops []routeHop `json:"nexthops,omitempty"`
	Protocol string     `json:"protocol,omitempty"`
	Scope    string     `json:"scope,omitempty"`
	PrefSrc  string     `json:"prefsrc,omitempty"`
	Metric   int        `json:"metric,omitempty"`
	Flags    []string   `json:"flags"` // ["linkdown"] when the interface's link is down
}

// routeHop is one hop of a multipath route.
type routeHop struct {
	Gateway string   `json:"gateway"`
	Dev     string   `json:"dev"`
	Weight  int      `json:"weight"`
	Flags   []string `json:"flags"`
}

func routesJSON(in routesInstant, nodes []*node.Node) routesOutput {
	out := routesOutput{AtNs: int64(in.At), At: in.At.String(), Why: in.Why, Tables: []routeTable{}}
	for _, n := range nodes {
		out.Tables = append(out.Tables, routeTable{Node: n.Name, Routes: routeRows(n)})
	}
	return out
}

// routeRows lists n's routes in table order, in the shape both the text
// and the JSON output print.
func routeRows(n *node.Node) []routeRow {
	ifaces := n.Ifaces()
	rows := []routeRow{}
	for _, r := range n.Routes.Routes() {
		i := ifaces[r.Iface]
		row := routeRow{Dst: r.Prefix.String(), Dev: i.Name, Flags: []string{}}
		if r.Prefix.Bits() == 0 {
			row.Dst = "default"
		}
		if !i.Up() {
			row.Flags = append(row.Flags, "linkdown")
		}
		if r.Prefix == i.Prefix.Masked() {
			row.Protocol, row.Scope, row.PrefSrc = "kernel", "link", i.Addr().String()
		} else {
			row.Gateway, row.Metric, row.Protocol = r.NextHop.String(), r.Metric, r.Proto
			if len(r.Alt) > 0 {
				hop := func(ifc int, gw netip.Addr) routeHop {
					h := routeHop{Gateway: gw.String(), Dev: ifaces[ifc].Name, Weight: 1, Flags: []string{}}
					if !ifaces[ifc].Up() {
						h.Flags = append(h.Flags, "linkdown")
					}
					return h
				}
				row.Nexthops = append(row.Nexthops, hop(r.Iface, r.NextHop))
				for _, a := range r.Alt {
					row.Nexthops = append(row.Nexthops, hop(a.Iface, a.NextHop))
				}
				row.Gateway, row.Dev = "", ""
			}
		}
		rows = append(rows, row)
	}
	return rows
}
