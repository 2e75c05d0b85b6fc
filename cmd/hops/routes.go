package main

import (
	"fmt"
	"io"

	"github.com/hopsnet/hops/node"
	"github.com/spf13/cobra"
)

func newRoutesCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "routes [NODE...]",
		Short: "Print nodes' route tables, like `ip route` (default: every router)",
		Long: `routes prints the forwarding table of each NODE as the world builds it
(shortest paths by link cost over the links that are up), in the style of
Linux's ip route: connected subnets, then routes via a next hop with their
metric. With --link-down, the tables are printed after that event.`,
		Example: `  hops routes isp-a-core
  hops routes --link-down isp-a-core--ixp@0s isp-a-core`,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := newSession(g)
			if err != nil {
				return err
			}
			var nodes []*node.Node
			for _, name := range args {
				n := s.w.Node(name)
				if n == nil {
					return usageError{fmt.Errorf("routes: unknown node %q (try `hops world`)", name)}
				}
				nodes = append(nodes, n)
			}
			if len(nodes) == 0 {
				for _, n := range s.w.Nodes {
					if n.Forwarding {
						nodes = append(nodes, n)
					}
				}
			}
			// Let scheduled link events (--link-down ...@0s, scenario events
			// at 0s) and the route recomputation they cause happen.
			s.w.Kernel.RunUntil(0)
			for i, n := range nodes {
				if i > 0 {
					fmt.Fprintln(g.stdout)
				}
				writeRoutes(g.stdout, n)
			}
			return nil
		},
	}
}

// writeRoutes prints n's table like `ip route`.
func writeRoutes(w io.Writer, n *node.Node) {
	fmt.Fprintf(w, "%s:\n", n.Name)
	ifaces := n.Ifaces()
	for _, r := range n.Routes.Routes() {
		i := ifaces[r.Iface]
		prefix := r.Prefix.String()
		if r.Prefix.Bits() == 0 {
			prefix = "default"
		}
		state := ""
		if !i.Up() {
			state = " linkdown"
		}
		if r.Prefix == i.Prefix.Masked() {
			fmt.Fprintf(w, "  %s dev %s proto kernel scope link src %s%s\n", prefix, i.Name, i.Addr(), state)
			continue
		}
		metric := ""
		if r.Metric != 0 {
			metric = fmt.Sprintf(" metric %d", r.Metric) // ip route leaves out metric 0
		}
		fmt.Fprintf(w, "  %s via %s dev %s%s%s\n", prefix, r.NextHop, i.Name, metric, state)
	}
}
