package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/hopsnet/hops/world"
	"github.com/hopsnet/hops/world/scenario"
	"github.com/spf13/cobra"
)

func newWorldCmd(g *globals) *cobra.Command {
	var dot, yaml, schema, positions bool
	cmd := &cobra.Command{
		Use:   "world [flags]",
		Short: "Print the world's nodes and links (or JSON, Graphviz DOT, the default world's YAML, the format's reference)",
		Long: `world prints the world's nodes, their interfaces and the links between them.

  --json       the parsed world as JSON (keys as in 'hops world --schema';
               durations in ns, rates in bit/s, probabilities as fractions);
               --positions adds each entry's file position
  --dot        Graphviz DOT
  --yaml       the embedded default world's scenario file
  --schema     the reference of the world format (Markdown), generated from
               the same schema that reads the files

--dot, --yaml and --schema print a format of their own: with --json they are
a usage error (exit status 2).`,
		Example: `  hops world
  hops world --dot | dot -Tsvg > world.svg
  hops world --yaml > my-world.yaml   # start your own scenario from the default
  hops world --schema                 # every key of a scenario file
  hops --json --world my-world.yaml world`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			var chosen []string
			for _, f := range []struct {
				name string
				on   bool
			}{{"--dot", dot}, {"--yaml", yaml}, {"--schema", schema}} {
				if f.on {
					chosen = append(chosen, f.name)
				}
			}
			switch {
			case len(chosen) > 1:
				return usageError{fmt.Errorf("world: %s print different things; choose one", strings.Join(chosen, " and "))}
			case len(chosen) == 1 && g.json:
				return usageError{fmt.Errorf("world: %s prints a format of its own and cannot be --json (use hops --json world for the world as JSON)", chosen[0])}
			case positions && !g.json:
				return usageError{fmt.Errorf("world: --positions adds file positions to the JSON output; use it with --json")}
			case schema:
				_, err := io.WriteString(g.stdout, scenario.Reference())
				return err
			case yaml:
				if g.world != "" || len(g.linkSet) > 0 {
					return usageError{fmt.Errorf("--yaml prints the embedded default world as written; it takes no --world or --link-set")}
				}
				_, err := g.stdout.Write(world.DefaultYAML())
				return err
			}
			sc, err := loadScenario(g) // with --link-set's changes
			if err != nil {
				return err
			}
			switch {
			case dot:
				writeDOT(g.stdout, sc)
			case g.json:
				if !positions {
					sc = scenario.WithoutPositions(sc)
				}
				return newJSON(g.stdout).Encode(sc)
			default:
				writeWorld(g.stdout, sc)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&dot, "dot", false, "print Graphviz DOT")
	cmd.Flags().BoolVar(&yaml, "yaml", false, "print the embedded default world's scenario file")
	cmd.Flags().BoolVar(&schema, "schema", false, "print the reference of the world format (Markdown)")
	cmd.Flags().BoolVar(&positions, "positions", false, "with --json: add each entry's position in the file")
	return cmd
}

// linkSummary describes a link's properties in a few words.
func linkSummary(l *scenario.Link) string {
	var parts []string
	if l.RateBps > 0 {
		parts = append(parts, formatRate(l.RateBps))
	}
	parts = append(parts, l.Delay.String())
	if l.MTU != scenario.DefaultMTU {
		parts = append(parts, fmt.Sprintf("mtu %d", l.MTU))
	}
	if l.Loss > 0 {
		parts = append(parts, fmt.Sprintf("loss %g%%", l.Loss*100))
	}
	if l.Burst != nil {
		parts = append(parts, fmt.Sprintf("burst-loss p=%g%% r=%g%%", l.Burst.P*100, l.Burst.R*100))
	}
	if l.Duplicate > 0 {
		parts = append(parts, fmt.Sprintf("dup %g%%", l.Duplicate*100))
	}
	if l.Reorder > 0 {
		parts = append(parts, fmt.Sprintf("reorder %g%%", l.Reorder*100))
	}
	if l.Jitter > 0 {
		parts = append(parts, "jitter "+l.Jitter.String())
	}
	if l.Corrupt > 0 {
		parts = append(parts, fmt.Sprintf("corrupt %g%%", l.Corrupt*100))
	}
	return strings.Join(parts, ", ")
}

func formatRate(bps int64) string {
	switch {
	case bps >= 1e9 && bps%1e9 == 0:
		return fmt.Sprintf("%dGbps", bps/1e9)
	case bps >= 1e6 && bps%1e6 == 0:
		return fmt.Sprintf("%dMbps", bps/1e6)
	case bps >= 1e3 && bps%1e3 == 0:
		return fmt.Sprintf("%dkbps", bps/1e3)
	}
	return fmt.Sprintf("%dbps", bps)
}

// endpointAddr is an endpoint's address as the world file gives it: a
// prefix, or "dhcp".
func endpointAddr(ep scenario.Endpoint) string {
	if ep.DHCP {
		return "dhcp"
	}
	return ep.Addr.String()
}

// lanSummary describes a LAN's properties in a few words: its kind, then
// what each member's cable has, as for a link.
func lanSummary(l *scenario.LAN) string {
	cable := scenario.Link{RateBps: l.RateBps, Delay: l.Delay, MTU: l.MTU, Loss: l.Loss, Jitter: l.Jitter}
	return string(l.Kind) + ", " + linkSummary(&cable) + " per member"
}

func writeWorld(w io.Writer, sc *scenario.Scenario) {
	addrs := map[string][]string{}
	for _, l := range sc.Links {
		addrs[l.A.Node] = append(addrs[l.A.Node], l.A.Iface+" "+endpointAddr(l.A))
		addrs[l.B.Node] = append(addrs[l.B.Node], l.B.Iface+" "+endpointAddr(l.B))
	}
	for _, l := range sc.LANs {
		for _, ep := range l.Members {
			addrs[ep.Node] = append(addrs[ep.Node], ep.Iface+" "+endpointAddr(ep))
		}
	}
	fmt.Fprintf(w, "world %s: %d nodes, %d links", sc.Name, len(sc.Nodes), len(sc.Links))
	if n := len(sc.LANs); n > 0 {
		fmt.Fprintf(w, ", %d LAN%s", n, map[bool]string{true: "", false: "s"}[n == 1])
	}
	fmt.Fprint(w, "\n\nNODES\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tROLE\tSERVICES\tINTERFACES")
	for _, n := range sc.Nodes {
		svcs := servicesSummary(n.Services)
		if n.NAT != nil {
			svcs = strings.TrimPrefix(svcs+", nat ("+n.NAT.Inside+" to "+n.NAT.Outside+")", ", ")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", n.Name, n.Role, svcs, strings.Join(addrs[n.Name], ", "))
	}
	tw.Flush()
	fmt.Fprintln(w, "\nLINKS")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tA\tB\tPROPERTIES")
	for i := range sc.Links {
		l := &sc.Links[i]
		fmt.Fprintf(tw, "  %s\t%s:%s\t%s:%s\t%s\n", l.Name, l.A.Node, l.A.Iface, l.B.Node, l.B.Iface, linkSummary(l))
	}
	tw.Flush()
	if len(sc.LANs) > 0 {
		fmt.Fprintln(w, "\nLANS")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  NAME\tMEMBERS\tPROPERTIES")
		for i := range sc.LANs {
			l := &sc.LANs[i]
			var ms []string
			for _, ep := range l.Members {
				ms = append(ms, ep.Node+":"+ep.Iface)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", l.Name, strings.Join(ms, " "), lanSummary(l))
		}
		tw.Flush()
	}
	writeASes(w, sc)
	if len(sc.Events) > 0 {
		fmt.Fprintln(w, "\nEVENTS")
		for _, e := range sc.Events {
			state := "down"
			if e.Up {
				state = "up"
			}
			fmt.Fprintf(w, "  at %v: link %s %s\n", e.At, e.Link, state)
		}
	}
}

// writeASes lists the autonomous systems (routing bgp): each AS's
// routers and what the other ASes are to it.
func writeASes(w io.Writer, sc *scenario.Scenario) {
	routers := map[int][]string{}
	var ases []int
	rs := map[int]bool{}
	for _, n := range sc.Nodes {
		if n.AS == 0 {
			continue
		}
		if routers[n.AS] == nil {
			ases = append(ases, n.AS)
		}
		routers[n.AS] = append(routers[n.AS], n.Name)
		rs[n.AS] = rs[n.AS] || n.RouteServer
	}
	if len(ases) == 0 {
		return
	}
	slices.Sort(ases)
	providers, customers, peers := map[int][]string{}, map[int][]string{}, map[int][]string{}
	for _, r := range sc.Relationships {
		a, b, peering := r.Pair()
		if peering {
			peers[a] = append(peers[a], strconv.Itoa(b))
			peers[b] = append(peers[b], strconv.Itoa(a))
			continue
		}
		customers[a] = append(customers[a], strconv.Itoa(b))
		providers[b] = append(providers[b], strconv.Itoa(a))
	}
	fmt.Fprintln(w, "\nAUTONOMOUS SYSTEMS (BGP between them with --routing bgp)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  AS\tROUTERS\tPROVIDERS\tCUSTOMERS\tPEERS")
	dash := func(l []string) string {
		if len(l) == 0 {
			return "-"
		}
		return strings.Join(l, " ")
	}
	for _, as := range ases {
		name := strings.Join(routers[as], " ")
		if rs[as] {
			name += " (route server)"
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\n", as, name, dash(providers[as]), dash(customers[as]), dash(peers[as]))
	}
	tw.Flush()
}

// shapes gives each role a Graphviz shape.
var shapes = map[scenario.Role]string{
	"laptop": "note", "host": "box", "server": "box3d", "dns": "cylinder", "resolver": "cylinder",
	"router": "ellipse", "home-router": "house", "isp": "ellipse", "backbone": "doublecircle",
	"ixp": "hexagon", "datacenter": "octagon",
}

func writeDOT(w io.Writer, sc *scenario.Scenario) {
	fmt.Fprintf(w, "graph %q {\n  layout=neato; overlap=false; splines=true;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=8];\n", sc.Name)
	for _, n := range sc.Nodes {
		shape := shapes[n.Role]
		if shape == "" {
			shape = "ellipse"
		}
		fmt.Fprintf(w, "  %q [shape=%s, label=%q];\n", n.Name, shape, n.Name+"\n"+string(n.Role))
	}
	for i := range sc.Links {
		l := &sc.Links[i]
		fmt.Fprintf(w, "  %q -- %q [label=%q, taillabel=%q, headlabel=%q];\n", l.A.Node, l.B.Node,
			linkSummary(l), dotAddr(l.A), dotAddr(l.B))
	}
	// A LAN is a point, the switch or access point, with an edge to each
	// member.
	for i := range sc.LANs {
		l := &sc.LANs[i]
		fmt.Fprintf(w, "  %q [shape=point, width=0.15, xlabel=%q];\n", l.Name, l.Name+"\n"+lanSummary(l))
		for _, ep := range l.Members {
			fmt.Fprintf(w, "  %q -- %q [headlabel=%q];\n", l.Name, ep.Node, dotAddr(ep))
		}
	}
	fmt.Fprintln(w, "}")
}

// dotAddr labels an edge's end with the endpoint's address, or "dhcp".
func dotAddr(ep scenario.Endpoint) string {
	if ep.DHCP {
		return "dhcp"
	}
	return ep.Addr.Addr().String()
}

// servicesSummary lists a node's services: "dns (com. net.), web (www.example.com)".
func servicesSummary(svcs []scenario.Service) string {
	var out []string
	for _, svc := range svcs {
		s := string(svc.Kind)
		if svc.Kind == "dhcp" {
			s += fmt.Sprintf(" (%s %s-%s)", svc.Iface, svc.PoolStart, svc.PoolEnd)
		}
		// Reverse zones are counted, not listed: they would fill the line.
		var args []string
		reverse := 0
		for _, z := range svc.Zones {
			if strings.HasSuffix(z, ".in-addr.arpa.") {
				reverse++
				continue
			}
			args = append(args, z)
		}
		args = append(args, svc.Sites...)
		if len(args) > 0 || reverse > 0 {
			list := strings.Join(args, " ")
			if reverse > 0 {
				list = strings.TrimPrefix(list+fmt.Sprintf(", %d reverse zones", reverse), ", ")
			}
			s += " (" + list + ")"
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}
