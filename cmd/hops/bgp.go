package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/hopsnet/hops/app/bgpd"
	"github.com/hopsnet/hops/routing/bgp"
	"github.com/spf13/cobra"
)

func newBGPCmd(g *globals) *cobra.Command {
	var atText string
	cmd := &cobra.Command{
		Use:   "bgp [NODE...]",
		Short: "Print routers' BGP neighbours and tables, like a router's `show ip bgp` (routing bgp)",
		Long: `bgp prints, for each NODE (default: every router that runs BGP), its BGP
neighbours the way a router's "show ip bgp summary" does (address, AS, what
the neighbour is to this AS, session state, prefixes received), then its BGP
table the way "show ip bgp" does: every path to every prefix, the best one
marked >, with next hop, MED, local preference, the neighbour it came from,
the AS path and the origin.

BGP runs when the world's routing is bgp (scenario "routing: bgp" or
--routing bgp): OSPF inside each autonomous system, BGP-4 between them and
within them, with the policies of the ASes' relationships. The tables are
shown at the same instant as hops routes shows its: after the last scheduled
link event once the routing has converged again, or at --at TIME.`,
		Example: `  hops --routing bgp bgp isp-a-core
  hops --routing bgp --link-down isp-a-core--ixp@1s bgp isp-a-core`,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := newSession(g)
			if err != nil {
				return err
			}
			if len(s.w.BGP) == 0 {
				return usageError{fmt.Errorf("bgp: no router runs BGP: the world's routing is not bgp (use --routing bgp; every router needs an as)")}
			}
			var ds []*bgpd.Daemon
			for _, name := range args {
				if s.w.Node(name) == nil {
					return usageError{fmt.Errorf("bgp: unknown node %q (try `hops world`)", name)}
				}
				d := s.w.BGPDaemon(name)
				if d == nil {
					return usageError{fmt.Errorf("bgp: %s runs no BGP (only routers with an as do)", name)}
				}
				ds = append(ds, d)
			}
			if len(ds) == 0 {
				ds = s.w.BGP
			}
			instant, err := tablesInstant(cmd, s, g, atText)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "BGP at %v (%s)\n", instant.At, instant.Why)
			for _, d := range ds {
				fmt.Fprintln(g.stdout)
				writeBGP(g.stdout, d)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&atText, "at", "", "show the tables at virtual `TIME` (e.g. 1.5s; default: after the last scheduled link event)")
	return cmd
}

// writeBGP prints a daemon's neighbours and table.
func writeBGP(w io.Writer, d *bgpd.Daemon) {
	sp := d.Speaker()
	cfg := d.Config()
	role := ""
	if cfg.RouteServer {
		role = ", route server"
	}
	fmt.Fprintf(w, "%s: BGP router identifier %v, local AS number %d%s\n", d.Node().Name, cfg.RouterID, cfg.AS, role)
	fmt.Fprintf(w, "  %-15s %-10s %-9s %-11s %-8s %s\n", "Neighbor", "AS", "Is our", "State", "PfxRcd", "Name")
	for i, p := range cfg.Peers {
		rel := "internal"
		if p.AS != cfg.AS {
			rel = p.Relationship.String()
			if p.RouteServer {
				rel = "rs"
			}
		}
		st := sp.Session(i).State()
		rcvd := "-"
		if st == bgp.Established {
			rcvd = fmt.Sprint(len(sp.AdjRIBIn(i)))
		}
		fmt.Fprintf(w, "  %-15v %-10d %-9s %-11v %-8s %s\n", p.Addr, p.AS, rel, st, rcvd, p.Name)
	}
	fmt.Fprintln(w)
	for _, l := range strings.Split(strings.TrimRight(bgp.FormatRoutes(sp.Table()), "\n"), "\n") {
		fmt.Fprintf(w, "  %s\n", l)
	}
}
