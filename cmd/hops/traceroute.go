package main

import (
	"fmt"
	"time"

	"github.com/hopsnet/hops/app/traceroute"
	"github.com/spf13/cobra"
)

func newTracerouteCmd(g *globals) *cobra.Command {
	var (
		from    string
		cfg     traceroute.Config
		numeric bool
	)
	cmd := &cobra.Command{
		Use:   "traceroute [flags] DEST",
		Short: "Show the routers on the path to DEST (an IPv4 address or a node name)",
		Long: `traceroute sends UDP probes with rising TTL, three per hop, the way Linux
traceroute does: each router where a probe's TTL runs out answers ICMP time
exceeded, and the destination answers ICMP port unreachable. Names are the
simulation's node names.`,
		Example: `  hops traceroute www.example.com
  hops traceroute --from api.example.com laptop
  hops traceroute --pcap trace.pcapng www.example.com`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.MaxTTL < 1 || cfg.MaxTTL > 255 || cfg.Queries < 1 || cfg.Queries > 10 || cfg.FirstTTL < 1 || cfg.FirstTTL > cfg.MaxTTL {
				return usageError{fmt.Errorf("traceroute: -m must be 1..255, -f 1..max hops, -q 1..10")}
			}
			s, err := newSession(g)
			if err != nil {
				return err
			}
			src, dst, err := s.endpoints(from, args[0])
			if err != nil {
				return err
			}
			if err := s.start(); err != nil {
				return err
			}
			// Events due at time zero (a link cut "at 0s") happen before
			// the app sends anything.
			s.w.Kernel.RunUntil(0)
			var res *traceroute.Result
			done := false
			if _, err := traceroute.Start(src, args[0], dst, cfg, func(r *traceroute.Result) { res, done = r, true }); err != nil {
				return usageError{err}
			}
			s.runUntilDone(&done)
			if err := s.close(); err != nil {
				return err
			}
			if res == nil {
				return fmt.Errorf("traceroute did not finish within %v of virtual time", maxVirtual)
			}
			if g.json {
				return s.printJSON(res)
			}
			names := s.nameOf
			if numeric {
				names = nil
			}
			res.Write(g.stdout, names)
			if res.Error != "" {
				return silentExit{1}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "`NODE` to trace from (default: the laptop)")
	f.IntVarP(&cfg.MaxTTL, "max-hops", "m", 30, "largest TTL to probe")
	f.IntVarP(&cfg.FirstTTL, "first-hop", "f", 1, "TTL to start with")
	f.IntVarP(&cfg.Queries, "queries", "q", 3, "probes per hop")
	secondsVarP(f, &cfg.Wait, "wait", "w", 5*time.Second, "how long to wait for each probe's answer, in seconds or as a duration")
	f.BoolVarP(&numeric, "numeric", "n", false, "print addresses only, no node names")
	return cmd
}
