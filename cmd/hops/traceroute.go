package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/app/traceroute"
	"github.com/hopsnet/hops/node"
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
		Short: "Show the routers on the path to DEST (an IPv4 address, a DNS name or a node name)",
		Long: `traceroute sends UDP probes with rising TTL, three per hop, the way Linux
traceroute does: each router where a probe's TTL runs out answers ICMP time
exceeded, and the destination answers ICMP port unreachable. A dotted DEST
is looked up in DNS first (the node's stub asks the world's resolver),
then in the node names. Hops are named as traceroute names them, by the
PTR records of their addresses (the node's stub asks the resolver, in
virtual time, as getnameinfo does); an address DNS has no name for is
named by its node. -n prints addresses only. Each probe is printed as soon
as it and its name are known.`,
		Example: `  hops traceroute www.example.com
  hops traceroute --from api.example.com laptop
  hops traceroute --pcap trace.pcapng www.example.com`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.MaxTTL < 1 || cfg.MaxTTL > 255 || cfg.Queries < 1 || cfg.Queries > 10 || cfg.FirstTTL < 1 || cfg.FirstTTL > cfg.MaxTTL {
				return usageError{fmt.Errorf("traceroute: -m must be 1..255, -f 1..max hops, -q 1..10")}
			}
			var (
				res *traceroute.Result
				ttl int // the hop being probed, for the progress bar
			)
			_, sig, err := g.runApp(appRun{
				from: from, dest: args[0],
				plan:  time.Duration(cfg.MaxTTL-cfg.FirstTTL+1) * cfg.Wait,
				label: "traceroute " + args[0],
				unresolved: func(s *session, ne *nameError) error {
					fmt.Fprintf(g.stderr, "%v\nCannot handle \"host\" cmdline arg `%s' on position 1 (argc 1)\n", ne, ne.name)
					return silentExit{2}
				},
				start: func(s *session, src *node.Node, dst netip.Addr, done func()) error {
					var out traceroute.Handler
					var ptr *ptrHops
					if g.json {
						out = &tracerouteJSON{enc: json.NewEncoder(s.out), ttl: &ttl}
					} else {
						p := &traceroute.Printer{Out: s.out}
						out = &countHops{p, &ttl}
						if !numeric {
							// Hops are named as traceroute names them, by
							// their PTR records (getnameinfo), when the
							// world runs DNS; else, and where DNS has no
							// name, by the node names.
							p.Name = s.nameOf
							if addr, _, ok := s.w.ResolverFor(src.Name); ok && addr.IsValid() {
								ptr = &ptrHops{next: out, stub: s.stub(src), fallback: s.nameOf, names: map[netip.Addr]string{}}
								p.Name = ptr.name
								out = ptr
							}
						}
					}
					c := cfg
					c.Handler = out
					_, err := traceroute.Start(src, args[0], dst, c, func(r *traceroute.Result) {
						res = r
						finish := func() {
							if g.json {
								out.(*tracerouteJSON).summary(r)
							} else {
								traceroute.WriteError(s.errw, r)
							}
							done()
						}
						if ptr != nil {
							ptr.end(finish)
							return
						}
						finish()
					})
					if err != nil {
						return usageError{err}
					}
					return nil
				},
				progress: func() (int64, int64) {
					return int64(ttl - cfg.FirstTTL), int64(cfg.MaxTTL - cfg.FirstTTL + 1)
				},
			})
			if err != nil {
				return err
			}
			// Linux traceroute does not catch SIGINT or SIGTERM: it dies of
			// them, leaving what it has printed.
			if sig != 0 {
				return killedBy{sig}
			}
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

// ptrHops names a trace's hops through DNS, as traceroute does with
// getnameinfo: when a hop's probes are all known, it asks the source's
// stub resolver for the PTR record of each address not yet named, and
// holds the trace's events until the answers are in, so the lines come
// out in order. The lookups are real DNS queries in virtual time.
type ptrHops struct {
	next     traceroute.Handler
	stub     *dnsserver.Stub
	fallback func(netip.Addr) string
	names    map[netip.Addr]string
	asked    map[netip.Addr]bool
	pending  int
	queue    []func()
	finished func()
}

func (p *ptrHops) name(a netip.Addr) string {
	if n, ok := p.names[a]; ok {
		return n
	}
	return p.fallback(a)
}

func (p *ptrHops) Start(r *traceroute.Result) { p.next.Start(r) }

// Probe asks for the name of a new address at once (the printer names
// an address on its first probe) and holds the event until it is known.
func (p *ptrHops) Probe(ttl, index int, pr traceroute.Probe) {
	if a := pr.From; a.IsValid() && !p.asked[a] {
		if p.asked == nil {
			p.asked = map[netip.Addr]bool{}
		}
		p.asked[a] = true
		p.pending++
		p.stub.LookupPTR(a, func(ans dnsserver.StubAnswer) {
			if ans.Err == nil && ans.Name != "" {
				p.names[a] = strings.TrimSuffix(ans.Name, ".")
			}
			p.pending--
			p.flush()
		})
	}
	p.queue = append(p.queue, func() { p.next.Probe(ttl, index, pr) })
	p.flush()
}

func (p *ptrHops) Hop(h traceroute.Hop) {
	p.queue = append(p.queue, func() { p.next.Hop(h) })
	p.flush()
}

// end runs f once every held event is out.
func (p *ptrHops) end(f func()) {
	p.finished = f
	p.flush()
}

func (p *ptrHops) flush() {
	if p.pending > 0 {
		return
	}
	for len(p.queue) > 0 {
		ev := p.queue[0]
		p.queue = p.queue[1:]
		ev()
	}
	if f := p.finished; f != nil {
		p.finished = nil
		f()
	}
}

// countHops passes a trace to its printer and counts the hops done.
type countHops struct {
	*traceroute.Printer
	ttl *int
}

func (c *countHops) Hop(h traceroute.Hop) {
	c.Printer.Hop(h)
	*c.ttl = h.TTL
}

// tracerouteJSON streams a trace as JSON Lines: a "start" object, a "hop"
// object as each hop completes, and a "summary" object; each has a
// "type".
type tracerouteJSON struct {
	enc *json.Encoder
	ttl *int
}

func (j *tracerouteJSON) Start(r *traceroute.Result) {
	j.enc.Encode(struct {
		Type      string     `json:"type"`
		Dest      string     `json:"dest"`
		Addr      netip.Addr `json:"addr"`
		Src       netip.Addr `json:"src"`
		MaxTTL    int        `json:"max_hops"`
		PacketLen int        `json:"packet_len"`
	}{"start", r.Dest, r.Addr, r.Src, r.MaxTTL, r.PacketLen})
}

func (j *tracerouteJSON) Probe(int, int, traceroute.Probe) {}

func (j *tracerouteJSON) Hop(h traceroute.Hop) {
	*j.ttl = h.TTL
	j.enc.Encode(struct {
		Type string `json:"type"`
		traceroute.Hop
	}{"hop", h})
}

func (j *tracerouteJSON) summary(r *traceroute.Result) {
	j.enc.Encode(struct {
		Type    string     `json:"type"`
		Dest    string     `json:"dest"`
		Addr    netip.Addr `json:"addr"`
		Reached bool       `json:"reached"`
		Hops    int        `json:"hops"`
		Error   string     `json:"error,omitempty"`
	}{"summary", r.Dest, r.Addr, r.Reached, len(r.Hops), r.Error})
}
