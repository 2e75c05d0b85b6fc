package main

import (
	"fmt"
	"time"

	"github.com/hopsnet/hops/app/ping"
	"github.com/spf13/cobra"
)

func newPingCmd(g *globals) *cobra.Command {
	var (
		from     string
		cfg      ping.Config
		interval time.Duration
		ttl      int
		quiet    bool
	)
	cmd := &cobra.Command{
		Use:   "ping [flags] DEST",
		Short: "Send ICMP echo requests to DEST (an IPv4 address or a node name)",
		Long: `ping sends ICMP echo requests from a node (default: the laptop) to DEST and
prints the replies and statistics the way Linux ping does, with round-trip
times from the simulation's virtual clock.`,
		Example: `  hops ping www.example.com
  hops ping -c 100 --world lossy.yaml server
  hops ping -s 3000 --pcap ping.pcapng www.example.com   # fragments`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.Count <= 0 || cfg.Size < 0 || cfg.Size > 65507 || ttl < 0 || ttl > 255 {
				return usageError{fmt.Errorf("ping: -c must be at least 1, -s between 0 and 65507, --ttl between 0 and 255")}
			}
			if interval <= 0 {
				return usageError{fmt.Errorf("ping: -i must be greater than 0")}
			}
			cfg.Interval, cfg.TTL = interval, uint8(ttl)
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
			var res *ping.Result
			done := false
			ping.Start(src, args[0], dst, cfg, func(r *ping.Result) { res, done = r, true })
			s.runUntilDone(&done)
			if err := s.close(); err != nil {
				return err
			}
			if res == nil {
				return fmt.Errorf("ping did not finish within %v of virtual time", maxVirtual)
			}
			if g.json {
				return s.printJSON(res)
			}
			if quiet {
				res.Replies, res.ICMPErrors = nil, nil // ping -q: the summary only
			}
			res.Write(g.stdout)
			if res.Received == 0 {
				return silentExit{1}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "`NODE` to ping from (default: the laptop)")
	f.IntVarP(&cfg.Count, "count", "c", 4, "stop after `N` echo requests")
	f.IntVarP(&cfg.Size, "size", "s", 56, "ICMP data `BYTES` per request")
	secondsVarP(f, &interval, "interval", "i", time.Second, "time between requests, in seconds or as a duration (0.2, 200ms)")
	secondsVarP(f, &cfg.Timeout, "timeout", "W", 10*time.Second, "how long to wait for the last reply, in seconds or as a duration")
	f.IntVarP(&ttl, "ttl", "t", 0, "IP time to live (0: the node's default, 64)")
	f.BoolVarP(&cfg.DontFrag, "dont-fragment", "M", false, "set the Don't Fragment bit (path MTU discovery)")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only the summary")
	return cmd
}
