package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/world/scenario"
	"github.com/spf13/cobra"
)

func newRoutesCmd(g *globals) *cobra.Command {
	var atText string
	cmd := &cobra.Command{
		Use:   "routes [NODE...]",
		Short: "Print nodes' route tables, like `ip route` (default: every router)",
		Long: `routes prints the forwarding table of each NODE (shortest paths by link cost
over the links that are up), in the style of Linux's ip route: connected
subnets, then routes via a next hop with their metric.

The tables are shown as they stand after every scheduled link event (the
scenario's events and --link-down/--link-up), that is at the time of the last
one; --at TIME shows them at another instant. The first line says which.
With --json, the tables are JSON in the shape of ip -j route.`,
		Example: `  hops routes isp-a-core
  hops routes --link-down isp-a-core--ixp@1.5s isp-a-core
  hops routes --link-down isp-a-core--ixp@1.5s --at 1s isp-a-core   # before the cut
  hops --json routes laptop`,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := newSession(g)
			if err != nil {
				return err
			}
			nodes, err := routeNodes(s, args)
			if err != nil {
				return err
			}
			instant, err := tablesInstant(cmd, s, g, atText)
			if err != nil {
				return err
			}
			if g.json {
				return s.printJSON(routesJSON(instant, nodes))
			}
			fmt.Fprintf(g.stdout, "routes at %v (%s)\n", instant.At, instant.Why)
			for _, n := range nodes {
				fmt.Fprintln(g.stdout)
				writeRoutes(g.stdout, n)
				// A lazily built oracle table is dropped once shown, so
				// that listing a huge world needs one table's memory.
				n.Routes.Invalidate()
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&atText, "at", "", "show the tables at virtual `TIME` (e.g. 1.5s; default: after the last scheduled link event)")
	return cmd
}

// tablesInstant runs the world to the instant its tables are shown at:
// --at, or after the last scheduled link event once the routing has
// converged again. No app has started, so nothing else runs.
func tablesInstant(cmd *cobra.Command, s *session, g *globals, atText string) (routesInstant, error) {
	at, asked := time.Duration(0), cmd.Flags().Changed("at")
	if asked {
		d, err := scenario.ParseDuration(atText)
		if err != nil {
			return routesInstant{}, usageError{fmt.Errorf("--at: %v", err)}
		}
		if d < 0 {
			return routesInstant{}, usageError{fmt.Errorf("--at %s: the time must not be negative", atText)}
		}
		at = d
	}
	events := linkEventTimes(s.w.Scenario, g)
	if !asked && len(events) > 0 {
		at = events[len(events)-1]
	}
	s.w.Kernel.RunUntil(s.w.Start.Add(at))
	why := routesWhy(asked, at, events)
	if !asked && len(events) > 0 {
		// A routing protocol needs a moment after the last event: show
		// the tables once it has converged again.
		end := s.w.Kernel.Now().Add(time.Minute)
		ok, notYet := s.w.RoutingConverged()
		for !ok && s.w.Kernel.Now() < end && s.w.Kernel.Step() {
			ok, notYet = s.w.RoutingConverged()
		}
		conv := s.w.Kernel.Now()
		if len(s.w.BGP) > 0 && ok {
			conv = s.w.LastRoutingChange() // BGP waits for a quiet spell to tell
		}
		switch d := time.Duration(conv - s.w.Start); {
		case !ok:
			why = fmt.Sprintf("the routing had not converged %v after the last scheduled link event: %s", d-at, notYet)
			at = d
		case d > at:
			why = fmt.Sprintf("the routing converged %v after the last scheduled link event", d-at)
			at = d
		}
	}
	return routesInstant{At: at, Why: why}, nil
}

// routeNodes returns the nodes named in args, or every router.
func routeNodes(s *session, args []string) ([]*node.Node, error) {
	var nodes []*node.Node
	for _, name := range args {
		n := s.w.Node(name)
		if n == nil {
			return nil, usageError{fmt.Errorf("routes: unknown node %q (try `hops world`)", name)}
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
	return nodes, nil
}

// linkEventTimes returns the times of every scheduled link event, sorted:
// the scenario's events and the --link-down/--link-up flags (which
// newSession has already checked and scheduled).
func linkEventTimes(sc *scenario.Scenario, g *globals) []time.Duration {
	var out []time.Duration
	for _, e := range sc.Events {
		out = append(out, e.At)
	}
	for _, spec := range append(append([]string(nil), g.linkDown...), g.linkUp...) {
		if _, at, ok := strings.Cut(spec, "@"); ok {
			if d, err := scenario.ParseDuration(at); err == nil {
				out = append(out, d)
			}
		}
	}
	slices.Sort(out)
	return out
}

// routesWhy says why the tables are shown at instant at.
func routesWhy(asked bool, at time.Duration, events []time.Duration) string {
	later := 0
	for _, e := range events {
		if e > at {
			later++
		}
	}
	switch {
	case asked && later == 1:
		return "--at; 1 later link event not applied"
	case asked && later > 1:
		return fmt.Sprintf("--at; %d later link events not applied", later)
	case asked:
		return "--at"
	case len(events) == 0:
		return "the start; no link events are scheduled"
	}
	return "after the last scheduled link event; --at TIME for another instant"
}

// routesInstant is the instant at which route tables are shown.
type routesInstant struct {
	At  time.Duration
	Why string
}

// writeRoutes prints n's table like `ip route`.
func writeRoutes(w io.Writer, n *node.Node) {
	fmt.Fprintf(w, "%s:\n", n.Name)
	for _, r := range routeRows(n) {
		state := ""
		if len(r.Flags) > 0 {
			state = " " + strings.Join(r.Flags, " ")
		}
		if r.Protocol == "kernel" {
			fmt.Fprintf(w, "  %s dev %s proto kernel scope link src %s%s\n", r.Dst, r.Dev, r.PrefSrc, state)
			continue
		}
		metric := ""
		if r.Metric != 0 {
			metric = fmt.Sprintf(" metric %d", r.Metric) // ip route leaves out metric 0
		}
		proto := ""
		if r.Protocol != "" {
			proto = " proto " + r.Protocol
		}
		if len(r.Nexthops) > 0 {
			// ip route's multipath layout: the route, then a line per hop.
			fmt.Fprintf(w, "  %s%s%s%s\n", r.Dst, proto, metric, state)
			for _, h := range r.Nexthops {
				fmt.Fprintf(w, "  \tnexthop via %s dev %s weight %d%s\n", h.Gateway, h.Dev, h.Weight, strings.TrimRight(" "+strings.Join(h.Flags, " "), " "))
			}
			continue
		}
		fmt.Fprintf(w, "  %s via %s dev %s%s%s%s\n", r.Dst, r.Gateway, r.Dev, proto, metric, state)
	}
}
