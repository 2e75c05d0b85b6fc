package main

import (
	"github.com/hopsnet/hops/world/gen"
	"github.com/spf13/cobra"
)

func newGenerateCmd(g *globals) *cobra.Command {
	var c gen.Config
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Print a generated world (YAML) of many routers in many autonomous systems, for scale runs",
		Long: `generate writes a scenario file of --routers routers in --ases autonomous
systems to standard output: a ring with chords inside each AS, a core of
three meshed ASes, every other AS linked to one or two earlier ones (and
sometimes a peer), a server in each. Each link is a /30 of 198.18.0.0/15,
an AS's links one run of them, so that routes towards an AS aggregate.
The global --seed draws the shape; --routing sets the file's routing key.

The default oracle routing scales to 10,000 routers (a router's table is
built when it first forwards; tables of more than 512 routes are
aggregated, and hops routes shows them so).`,
		Example: `  hops generate --routers 1000 --ases 50 > big.yaml
  hops --world big.yaml --stats ping --from as49-server as0-server
  hops generate --routers 10000 --ases 500 > huge.yaml
  hops --world huge.yaml routes as0-r0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c.Seed = g.seed
			b, err := gen.Internet(c)
			if err != nil {
				return usageError{err}
			}
			_, err = g.stdout.Write(b)
			return err
		},
	}
	cmd.Flags().IntVar(&c.Routers, "routers", 100, "routers in all")
	cmd.Flags().IntVar(&c.ASes, "ases", 10, "autonomous systems")
	cmd.Flags().StringVar(&c.Routing, "routing", "", "the world's routing: oracle or ospf (default: leave it to the world's default)")
	return cmd
}
