// Command hops runs the internet in one program: ping, traceroute and more
// across a simulated world of hosts, routers, ISPs and datacenters, with
// every packet real and capturable.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hopsnet/hops/world/scenario"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// usageError marks errors in how hops was called or in an input file; they
// exit with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func main() {
	intr := &interrupt{}
	stop := watchSignals(intr)
	code, sig := execute(os.Args[1:], os.Stdout, os.Stderr, intr)
	stop()
	if sig != 0 {
		dieBy(sig)
	}
	os.Exit(code)
}

// run executes hops with args and returns the exit status: 0 on success,
// 1 when the run fails, 2 for bad usage or a bad scenario file, 128+N
// when signal N ended it the way it ends the real tool.
func run(args []string, stdout, stderr io.Writer) int {
	code, _ := execute(args, stdout, stderr, nil)
	return code
}

// execute is run with an interrupt flag that signals set; it also
// returns the signal hops should die of to end like the real tool (a
// traceroute interrupted, a ping terminated), or 0.
func execute(args []string, stdout, stderr io.Writer, intr *interrupt) (int, syscall.Signal) {
	root := newRoot(stdout, stderr, intr)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0, 0
	}
	var kb killedBy
	if errors.As(err, &kb) {
		return 128 + int(kb.sig), kb.sig
	}
	return exitStatus(err, stderr), 0
}

// exitStatus prints err and returns the status it calls for.
func exitStatus(err error, stderr io.Writer) int {
	var se silentExit
	if errors.As(err, &se) {
		return se.code
	}
	fmt.Fprintf(stderr, "hops: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	if strings.HasPrefix(err.Error(), "unknown command") {
		fmt.Fprintln(stderr, "Run 'hops --help' for the commands.")
		return 2
	}
	return 1
}

// globals are the flags every subcommand understands.
type globals struct {
	seed     uint64
	world    string
	json     bool
	pcap     string
	capture  []string
	events   string
	stdout   io.Writer
	stderr   io.Writer
	intr     *interrupt // set by SIGINT or SIGTERM; nil when nothing watches signals
	staticRt bool
	routing  string
	stats    bool
	linkDown []string
	linkUp   []string
	linkSet  []string
	// onBrowse, when set, receives a finished browse run (hops compare).
	onBrowse func(*browseRun)
	// onClose, when set, sees the session as the command ends (hops nat).
	onClose func(*session)
	// editScenario, when set, changes the scenario before --link-set
	// applies (hops live --attach ROUTER adds a host).
	editScenario func(*scenario.Scenario) error
}

func newRoot(stdout, stderr io.Writer, intr *interrupt) *cobra.Command {
	return newRootWith(&globals{stdout: stdout, stderr: stderr, intr: intr})
}

// newRootWith is the root command on g (hops compare runs its conditions
// on globals of their own).
func newRootWith(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "hops",
		Short: "The internet, simulated byte for byte",
		Long: `hops builds a world of laptops, home routers, ISPs, Internet Exchange Points,
backbone routers and datacenters, and runs real IPv4, ICMP, UDP and TCP between
them in virtual time. Every packet can be captured (pcapng, opens in
Wireshark) and the same seed always replays the same run.

Without --world, hops uses its embedded default internet (see 'hops world').`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		var ae argError
		if errors.As(err, &ae) {
			return usageError{ae} // already worded like the real tool
		}
		return usageError{err}
	})
	pf := root.PersistentFlags()
	g.seed = 1
	pf.Var(seedFlag{&g.seed}, "seed", "seed for every random choice in the run (same seed, same run)")
	pf.StringVar(&g.world, "world", "", "scenario `FILE` (YAML); default: the embedded default world")
	pf.BoolVar(&g.json, "json", false, "print the result as JSON")
	pf.StringVar(&g.pcap, "pcap", "", "write a pcapng capture to `FILE` (- for standard output; the command's own output then goes to stderr)")
	pf.StringSliceVar(&g.capture, "capture", nil, "capture only these `NODE,...` (default: every node)")
	pf.StringVar(&g.events, "events", "", "write the event log (JSON Lines) to `FILE` (- for standard output; the command's own output then goes to stderr)")
	pf.BoolVar(&g.stats, "stats", false, "print every link's counters (sent, dropped by cause, queue high-water) to stderr after the run")
	pf.StringArrayVar(&g.linkDown, "link-down", nil, "take `LINK@TIME` down during the run (e.g. isp-a-core--ixp@1.5s); repeatable")
	pf.StringArrayVar(&g.linkUp, "link-up", nil, "bring `LINK@TIME` back up during the run; repeatable")
	pf.StringArrayVar(&g.linkSet, "link-set", nil, "change a link before the run: `LINK:KEY=VALUE,...` with the keys of a scenario file's links (rate, delay, loss, duplicate, reorder, reorder-delay, jitter, corrupt, queue, mtu, cost), e.g. home-uplink:loss=5%,rate=10Mbps; repeatable")
	pf.BoolVar(&g.staticRt, "static-routes", false, "keep the initial routes when links fail (no rerouting)")
	pf.StringVar(&g.routing, "routing", "", "how routers learn routes: `oracle` (computed by hops), ospf (OSPFv2 on every router) or bgp (BGP-4 between autonomous systems, OSPFv2 inside them); default: the world's (oracle)")
	root.AddCommand(newPingCmd(g), newTracerouteCmd(g), newWorldCmd(g), newRoutesCmd(g), newTransferCmd(g), newDigCmd(g), newCurlCmd(g), newRenderCmd(g), newBenchCmd(g), newBrowseCmd(g), newCompareCmd(g), newDHCPCmd(g), newNATCmd(g), newGenerateCmd(g), newServeCmd(g), newBGPCmd(g), newLiveCmd(g))
	return root
}

// exactArgs is cobra.ExactArgs with a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError{fmt.Errorf("%s: %w", cmd.Name(), err)}
		}
		return nil
	}
}

// silentExit ends hops with a status and no message (ping with no reply
// exits 1, like the real one).
type silentExit struct{ code int }

func (e silentExit) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// seconds is a duration flag that also takes a bare number of seconds, as
// ping -i 0.2 and traceroute -w 2 do.
type seconds struct{ d *time.Duration }

func (s seconds) String() string {
	if s.d == nil {
		return ""
	}
	return s.d.String()
}

func (s seconds) Set(v string) error {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f < 0 || f > 1e6 {
			return fmt.Errorf("%q: want 0 to 1000000 seconds", v)
		}
		*s.d = time.Duration(f * float64(time.Second))
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("%q: want seconds (2, 0.2) or a duration (200ms)", v)
	}
	if d < 0 {
		return fmt.Errorf("%q: must not be negative", v)
	}
	*s.d = d
	return nil
}

func (s seconds) Type() string { return "seconds" }

// secondsVarP defines a flag that takes seconds or a Go duration.
func secondsVarP(f *pflag.FlagSet, d *time.Duration, name, short string, value time.Duration, usage string) {
	*d = value
	f.VarP(seconds{d}, name, short, usage)
}
