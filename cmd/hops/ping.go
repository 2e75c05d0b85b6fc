package main

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"syscall"
	"time"

	"github.com/hopsnet/hops/app/ping"
	"github.com/hopsnet/hops/node"
	"github.com/spf13/cobra"
)

// maxPingSize is the most ICMP data an IPv4 datagram can carry:
// 65535 - 20 (IP header) - 8 (ICMP header).
const maxPingSize = 65507

func newPingCmd(g *globals) *cobra.Command {
	var (
		from      string
		cfg       ping.Config
		interval  time.Duration
		ttl       int
		quiet     bool
		broadcast bool
	)
	cfg.Count, cfg.Size = 4, ping.DefaultSize
	cmd := &cobra.Command{
		Use:   "ping [flags] DEST",
		Short: "Send ICMP echo requests to DEST (an IPv4 address, a DNS name or a node name)",
		Long: `ping sends ICMP echo requests from a node (default: the laptop) to DEST and
prints the replies and statistics the way Linux ping does, with round-trip
times from the simulation's virtual clock. Each reply is printed as the
simulation reaches it; Ctrl-C ends the run with the statistics so far.

A dotted DEST is looked up first, as getaddrinfo does: the node's stub
resolver asks the world's resolver (the first node running one) for its
A record, in the run's virtual time (so the query and the answer are in
the capture and the event log); a name DNS does not know falls back to
the world's node names, like /etc/hosts. A name nothing resolves ends
ping with status 2.`,
		Example: `  hops ping www.example.com
  hops ping -c 100 --world lossy.yaml server
  hops ping -s 3000 --pcap ping.pcapng www.example.com   # fragments
  hops ping -c 10000000 -i 0.001 -q www.example.com      # progress on a terminal`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if interval <= 0 {
				return usageError{fmt.Errorf("ping: -i must be greater than 0")}
			}
			cfg.Interval, cfg.TTL = interval, uint8(ttl)
			plan, ok := pingPlan(cfg)
			if !ok {
				return usageError{fmt.Errorf("ping: -c %d every %v runs past the simulation clock's end (292 years)", cfg.Count, interval)}
			}
			var (
				p   *ping.Pinger
				res *ping.Result
			)
			_, sig, err := g.runApp(appRun{
				from: from, dest: args[0], plan: plan,
				label: "ping " + args[0], quiet: quiet,
				unresolved: func(s *session, ne *nameError) error {
					// iputils: "ping: NAME: <gai_strerror>", status 2.
					fmt.Fprintf(g.stderr, "ping: %v\n", ne)
					return silentExit{2}
				},
				check: func(s *session, src *node.Node, dst netip.Addr) error {
					return checkBroadcast(s, src, dst, broadcast)
				},
				start: func(s *session, src *node.Node, dst netip.Addr, done func()) error {
					var out interface {
						ping.Handler
						Summary(*ping.Result)
					}
					if g.json {
						out = &pingJSON{enc: json.NewEncoder(s.out), quiet: quiet}
					} else {
						out = &ping.Printer{Out: s.out, Err: s.errw, Quiet: quiet}
					}
					if broadcast && isBroadcast(src, dst) {
						fmt.Fprintln(s.errw, "WARNING: pinging broadcast address")
					}
					c := cfg
					c.Handler = out
					p = ping.Start(src, args[0], dst, c, func(r *ping.Result) {
						res = r
						out.Summary(r)
						done()
					})
					return nil
				},
				interrupted: func(s *session, sig syscall.Signal) {
					// iputils catches SIGINT and prints its statistics
					// (sigexit, then finish in ping_common.c); SIGTERM it
					// does not catch, and dies of it.
					if sig == syscall.SIGINT {
						p.Stop()
					}
				},
				progress: func() (int64, int64) {
					return int64(p.Result().Transmitted), int64(cfg.Count)
				},
			})
			if err != nil {
				return err
			}
			if sig == syscall.SIGTERM || (sig != 0 && res == nil) {
				return killedBy{sig}
			}
			// iputils: status 1 when no reply came, 0 otherwise (finish in
			// ping_common.c), after Ctrl-C too.
			if res.Received == 0 {
				return silentExit{1}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "`NODE` to ping from (default: the laptop)")
	f.VarP(intFlag{&cfg.Count, "ping", 1, math.MaxInt64}, "count", "c", "stop after `N` echo requests")
	f.VarP(intFlag{&cfg.Size, "ping", 0, maxPingSize}, "size", "s", "ICMP data `BYTES` per request")
	secondsVarP(f, &interval, "interval", "i", time.Second, "time between requests, in seconds or as a duration (0.2, 200ms)")
	secondsVarP(f, &cfg.Timeout, "timeout", "W", 10*time.Second, "how long to wait after the last request when no reply has come, in seconds or as a duration (with replies: twice the longest round trip)")
	f.VarP(intFlag{&ttl, "ping", 0, 255}, "ttl", "t", "IP time to live (0: the node's default, 64)")
	f.VarP(pmtuFlag{&cfg.PMTU}, "pmtudisc", "M", "path MTU discovery: do (always DF, local error beyond the path MTU), want (DF while it fits, else fragment; the default), dont (never DF) or probe (DF, ignore the learned path MTU)")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only the summary")
	f.BoolVarP(&broadcast, "broadcast", "b", false, "allow pinging a broadcast address")
	return cmd
}

// pingPlan is the longest a ping can run in virtual time: every interval
// and then the longest wait after the last request. It reports false
// when that does not fit the simulation clock.
func pingPlan(cfg ping.Config) (time.Duration, bool) {
	wait := max(cfg.Timeout, cfg.Interval)
	total := float64(cfg.Count-1)*float64(cfg.Interval) + float64(wait)
	if total > float64(math.MaxInt64)-float64(2*maxVirtual) {
		return 0, false
	}
	return time.Duration(cfg.Count-1)*cfg.Interval + wait, true
}

// isBroadcast reports whether Linux on src would treat dst as a broadcast
// address: the limited broadcast, or the broadcast address of a subnet
// src is on (a remote subnet's broadcast address looks like any other
// address from here).
func isBroadcast(src *node.Node, dst netip.Addr) bool {
	if dst == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return true
	}
	for _, i := range src.Ifaces() {
		p := i.Prefix.Masked()
		if p.Bits() > 30 || !p.Contains(dst) {
			continue
		}
		a := p.Addr().As4()
		for b := p.Bits(); b < 32; b++ {
			a[b/8] |= 1 << (7 - b%8)
		}
		if dst == netip.AddrFrom4(a) {
			return true
		}
	}
	return false
}

// checkBroadcast refuses a broadcast DEST without -b, as iputils does
// (its connect() fails with EACCES without SO_BROADCAST; ping4_run in
// ping.c then exits with status 2). Multicast needs no -b, there either.
func checkBroadcast(s *session, src *node.Node, dst netip.Addr, allowed bool) error {
	if !allowed && isBroadcast(src, dst) {
		return usageError{fmt.Errorf("ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules")}
	}
	return nil
}

// pingJSON streams a ping as JSON Lines: a "start" object, one object per
// reply and error as it happens, and a "summary" object at the end; each
// has a "type". Nothing is held back, so memory stays constant.
type pingJSON struct {
	enc   *json.Encoder
	quiet bool
}

func (j *pingJSON) Start(r *ping.Result) {
	j.enc.Encode(struct {
		Type string     `json:"type"`
		Dest string     `json:"dest"`
		Addr netip.Addr `json:"addr"`
		Src  netip.Addr `json:"src"`
		Size int        `json:"size"`
	}{"start", r.Dest, r.Addr, r.Src, r.Size})
}

func (j *pingJSON) Reply(r ping.Reply) {
	if !j.quiet {
		j.enc.Encode(struct {
			Type string `json:"type"`
			ping.Reply
		}{"reply", r})
	}
}

func (j *pingJSON) ICMPError(e ping.ICMPError) {
	if !j.quiet {
		j.enc.Encode(struct {
			Type string `json:"type"`
			ping.ICMPError
		}{"icmp_error", e})
	}
}

func (j *pingJSON) SendError(e ping.SendError) {
	if !j.quiet {
		j.enc.Encode(struct {
			Type string `json:"type"`
			ping.SendError
		}{"send_error", e})
	}
}

func (j *pingJSON) Summary(r *ping.Result) {
	j.enc.Encode(struct {
		Type string `json:"type"`
		*ping.Result
	}{"summary", r})
}

// pmtuFlag is ping -M: do, want, dont or probe.
type pmtuFlag struct{ m *node.PMTUDisc }

func (f pmtuFlag) String() string { return f.m.String() }

func (f pmtuFlag) Set(v string) error {
	m, err := node.ParsePMTUDisc(v)
	if err != nil {
		// iputils: "ping: invalid -M argument: foo"
		return fmt.Errorf("invalid -M argument: %s (want do, want, dont or probe)", v)
	}
	*f.m = m
	return nil
}

func (f pmtuFlag) Type() string { return "do|want|dont|probe" }
