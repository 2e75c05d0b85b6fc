package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hopsnet/hops/app/bulk"
	"github.com/hopsnet/hops/world/bench"
	"github.com/spf13/cobra"
)

func newBenchCmd(g *globals) *cobra.Command {
	var (
		runs  int
		scale float64
		list  bool
		check string
	)
	cmd := &cobra.Command{
		Use:   "bench [NAME...] [--runs N]",
		Short: "Run named benchmark scenarios and print wall time, packets per second, allocations and peak memory",
		Long: `bench runs named benchmark scenarios (default: all of them) and measures the
simulation: virtual time simulated, events fired, packets on links (every
transmission on every link direction, ns-3's "packets on links"), wall time,
link-packets and events per wall-second, heap allocations per link-packet
and the peak resident memory, then the traffic's own result (bytes, goodput,
retransmissions, and the check of the bytes: --check stream, the default,
compares every byte the receiver reads with the sender's stream; --check
sha256 hashes both ends as hops transfer does, which costs more wall time
than the simulation of the chain itself).

Each run builds its world first; the clock runs from the apps' start to the
end of the last one, with no observer on the trace bus (no capture, no event
log), so the measurement does not change the run. Runs are deterministic: the
same seed gives the same events and packets every time, and bench checks it
when --runs repeats a scenario (the wall time is then the median, with the
minimum and maximum).

Where the TCP issue quotes ns-3's figures for a scenario, they are printed
beside hops' with the ratio (hops / ns-3). They were measured there, on
another machine, and are not re-measured here.

Scenarios:
` + scenarioList(),
		Example: `  hops bench
  hops bench tcp-chain --runs 5
  hops --json bench tcp-chain tcp-dumbbell | jq .link_packets_per_sec`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				fmt.Fprint(g.stdout, scenarioList())
				return nil
			}
			if err := benchFlagsOK(cmd, g); err != nil {
				return err
			}
			if runs < 1 {
				return usageError{fmt.Errorf("bench: --runs %d: want at least 1", runs)}
			}
			if !(scale > 0) || math.IsInf(scale, 0) {
				return usageError{fmt.Errorf("bench: --scale %v: must be positive", scale)}
			}
			var c bulk.Check
			switch check {
			case "stream":
				c = bulk.CheckStream
			case "sha256":
				c = bulk.CheckSHA256
			default:
				return usageError{fmt.Errorf("bench: --check %q: want stream or sha256", check)}
			}
			scs, err := pickScenarios(args)
			if err != nil {
				return err
			}
			return g.bench(scs, runs, scale, c)
		},
	}
	f := cmd.Flags()
	f.IntVar(&runs, "runs", 1, "run each scenario `N` times; the wall time is then the median, with the minimum and maximum")
	f.BoolVar(&list, "list", false, "list the scenarios and exit")
	f.StringVar(&check, "check", "stream", "how TCP scenarios check the bytes: `stream` (every byte compared with the sender's) or sha256 (both ends hashed)")
	f.Float64Var(&scale, "scale", 1, "multiply every scenario's traffic by `F` (for tests; no comparison with ns-3 then)")
	f.MarkHidden("scale")
	return cmd
}

// scenarioList is the scenarios, one per line, with what each does.
func scenarioList() string {
	var b strings.Builder
	for _, s := range bench.All() {
		fmt.Fprintf(&b, "  %-13s %s\n", s.Name, s.Summary)
	}
	return b.String()
}

// benchFlagsOK refuses the global flags that make no sense for bench:
// it runs its own worlds, with nothing attached.
func benchFlagsOK(cmd *cobra.Command, g *globals) error {
	for _, name := range []string{"world", "pcap", "capture", "events", "stats", "link-down", "link-up", "link-set", "static-routes"} {
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
			return usageError{fmt.Errorf("bench: --%s: bench runs its own scenarios with no observer attached (only --seed and --json apply)", name)}
		}
	}
	return nil
}

// pickScenarios resolves the names (default: every scenario), in the
// order given, each once; an unknown name is a usage error with a hint.
func pickScenarios(names []string) ([]*bench.Scenario, error) {
	if len(names) == 0 {
		return bench.All(), nil
	}
	var out []*bench.Scenario
	for _, n := range names {
		s := bench.Lookup(n)
		if s == nil {
			msg := fmt.Sprintf("bench: unknown scenario %q", n)
			if hint := bench.Suggest(n); hint != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", hint)
			}
			return nil, usageError{fmt.Errorf("%s; the scenarios: %s", msg, strings.Join(bench.Names(), ", "))}
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// benchRun is what one run of a scenario measured.
type benchRun struct {
	build      time.Duration
	wall       time.Duration
	simTime    time.Duration
	events     uint64
	packets    uint64
	bytes      uint64
	drops      uint64
	mallocs    uint64
	allocBytes uint64
	gcs        uint32
	peakRSS    int64 // bytes; 0: unknown
	startRSS   int64 // resident at the start of the run; 0: unknown
	heapSys    uint64
	outcome    bench.Outcome
}

// benchReport is one scenario's measurements over its runs, and the
// JSON object bench --json prints for it.
type benchReport struct {
	Type    string  `json:"type"` // "scenario", as in the other commands' JSON Lines
	Name    string  `json:"name"`
	Summary string  `json:"summary"`
	Seed    uint64  `json:"seed"`
	Scale   float64 `json:"scale"`
	Runs    int     `json:"runs"`

	SimTime     time.Duration `json:"sim_time_ns"`
	Events      uint64        `json:"events"`
	LinkPackets uint64        `json:"link_packets"`
	LinkBytes   uint64        `json:"link_bytes"`
	QueueDrops  uint64        `json:"queue_drops"`

	Build   time.Duration   `json:"build_ns"` // building the world, not in Wall
	Wall    time.Duration   `json:"wall_ns"`  // the median run
	WallMin time.Duration   `json:"wall_min_ns"`
	WallMax time.Duration   `json:"wall_max_ns"`
	Walls   []time.Duration `json:"wall_runs_ns"`

	PacketsPerSec float64 `json:"link_packets_per_sec"` // of the median run
	EventsPerSec  float64 `json:"events_per_sec"`

	Allocs           uint64           `json:"allocs"` // the fewest of the runs
	AllocBytes       uint64           `json:"alloc_bytes"`
	AllocsPerPacket  float64          `json:"allocs_per_link_packet"`
	BytesPerPacket   float64          `json:"alloc_bytes_per_link_packet"`
	GCCycles         uint32           `json:"gc_cycles"`
	PeakRSS          int64            `json:"peak_rss_bytes"`   // the most of the runs; 0: unknown
	StartRSS         int64            `json:"start_rss_bytes"`  // resident when the peak run started
	PeakRSSScope     string           `json:"peak_rss_scope"`   // "run" (reset before each run) or "process"
	HeapSys          uint64           `json:"heap_sys_bytes"`   // the Go heap's memory from the OS after the run
	ReferenceScaling bool             `json:"scaled,omitempty"` // --scale: the reference does not apply
	Result           bench.Outcome    `json:"result"`
	Reference        *bench.Reference `json:"reference,omitempty"`
	Ratio            *benchRatio      `json:"ratio,omitempty"`
}

// benchRatio is hops / the reference, per figure; a range where the
// reference is one.
type benchRatio struct {
	SimTime     float64    `json:"sim_time,omitempty"`
	LinkPackets float64    `json:"link_packets,omitempty"`
	Wall        [2]float64 `json:"wall,omitzero"`                 // below 1: hops is faster
	Rate        [2]float64 `json:"link_packets_per_sec,omitzero"` // above 1: hops is faster
	PeakMemory  float64    `json:"peak_memory,omitempty"`         // below 1: hops uses less
	Note        string     `json:"note"`                          // what the ratios compare
}

// bench runs the scenarios and prints each as it finishes.
func (g *globals) bench(scs []*bench.Scenario, runs int, scale float64, check bulk.Check) error {
	out := bufio.NewWriter(g.stdout)
	defer out.Flush()
	if !g.json {
		fmt.Fprintf(out, "hops bench: seed %d, %s; the wall time covers the simulation only (the world is built first), with no observer attached\n",
			g.seed, plural(runs, "run", "runs")+" of each")
		if scale != 1 {
			fmt.Fprintf(out, "(--scale %g: every scenario's traffic is scaled; the comparison with ns-3 does not apply)\n", scale)
		}
		out.Flush()
	}
	var failed []string
	for _, s := range scs {
		rep, err := g.benchScenario(s, runs, scale, check)
		if err != nil {
			return err
		}
		if g.json {
			if err := json.NewEncoder(out).Encode(rep); err != nil {
				return err
			}
		} else {
			writeBenchReport(out, rep)
		}
		out.Flush()
		if !rep.Result.OK() {
			failed = append(failed, s.Name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("bench: %s: the traffic did not complete intact", strings.Join(failed, ", "))
	}
	return nil
}

// benchScenario runs one scenario runs times and sums it up.
func (g *globals) benchScenario(s *bench.Scenario, runs int, scale float64, check bulk.Check) (*benchReport, error) {
	var rs []benchRun
	scope := ""
	for i := 0; i < runs; i++ {
		if sig := g.intr.signal(); sig != 0 {
			return nil, killedBy{sig}
		}
		r, sc, err := measureRun(s, g.seed, scale, check, g.intr)
		if err != nil {
			return nil, err
		}
		scope = sc
		if len(rs) > 0 {
			a := rs[0]
			if a.simTime != r.simTime || a.events != r.events || a.packets != r.packets || a.outcome != r.outcome {
				return nil, fmt.Errorf("bench %s: run %d differs from run 1 (%v, %d events, %d link-packets vs %v, %d, %d): the simulation is not deterministic",
					s.Name, i+1, r.simTime, r.events, r.packets, a.simTime, a.events, a.packets)
			}
		}
		rs = append(rs, r)
	}
	byWall := slices.Clone(rs)
	slices.SortFunc(byWall, func(a, b benchRun) int { return int(a.wall - b.wall) })
	med := byWall[(len(byWall)-1)/2]
	first := rs[0]
	rep := &benchReport{
		Type: "scenario", Name: s.Name, Summary: s.Summary, Seed: g.seed, Scale: scale, Runs: runs,
		SimTime: first.simTime, Events: first.events, LinkPackets: first.packets, LinkBytes: first.bytes,
		QueueDrops: first.drops, Build: med.build,
		Wall: med.wall, WallMin: byWall[0].wall, WallMax: byWall[len(byWall)-1].wall,
		PeakRSSScope: scope, Result: first.outcome,
	}
	for _, r := range rs {
		rep.Walls = append(rep.Walls, r.wall)
	}
	if med.wall > 0 {
		rep.PacketsPerSec = float64(first.packets) / med.wall.Seconds()
		rep.EventsPerSec = float64(first.events) / med.wall.Seconds()
	}
	rep.Allocs, rep.AllocBytes = math.MaxUint64, math.MaxUint64
	for _, r := range rs {
		rep.Allocs = min(rep.Allocs, r.mallocs)
		rep.AllocBytes = min(rep.AllocBytes, r.allocBytes)
		rep.GCCycles = max(rep.GCCycles, r.gcs)
		if r.peakRSS >= rep.PeakRSS {
			rep.PeakRSS, rep.StartRSS = r.peakRSS, r.startRSS
		}
		rep.HeapSys = max(rep.HeapSys, r.heapSys)
	}
	if first.packets > 0 {
		rep.AllocsPerPacket = float64(rep.Allocs) / float64(first.packets)
		rep.BytesPerPacket = float64(rep.AllocBytes) / float64(first.packets)
	}
	if ref := s.Ref; ref != nil {
		rep.Reference = ref
		rep.ReferenceScaling = scale != 1
		if scale == 1 {
			rep.Ratio = ratios(rep, ref)
		}
	}
	return rep, nil
}

// ratios compares a report with the reference: hops / reference.
func ratios(rep *benchReport, ref *bench.Reference) *benchRatio {
	q := &benchRatio{Note: "hops / " + ref.Source}
	if ref.SimTime > 0 {
		q.SimTime = rep.SimTime.Seconds() / ref.SimTime.Seconds()
	}
	if ref.LinkPackets > 0 {
		q.LinkPackets = float64(rep.LinkPackets) / float64(ref.LinkPackets)
	}
	if ref.WallMin > 0 {
		q.Wall = [2]float64{rep.Wall.Seconds() / ref.WallMax.Seconds(), rep.Wall.Seconds() / ref.WallMin.Seconds()}
	}
	if ref.RateMin > 0 {
		q.Rate = [2]float64{rep.PacketsPerSec / ref.RateMax, rep.PacketsPerSec / ref.RateMin}
	}
	if ref.PeakMemory > 0 && rep.PeakRSS > 0 {
		q.PeakMemory = float64(rep.PeakRSS) / float64(ref.PeakMemory)
	}
	return q
}

// measureRun builds a scenario's world, then times its run: from the
// apps' start to the end of the last, with the heap statistics read
// before and after (outside the timed span) and the peak resident
// memory reset before it where the kernel allows. It returns the
// measurement and the peak's scope: "run" or "process".
func measureRun(s *bench.Scenario, seed uint64, scale float64, check bulk.Check, intr *interrupt) (benchRun, string, error) {
	var m benchRun
	t0 := time.Now()
	r, err := s.Build(seed, scale)
	if err != nil {
		return m, "", err
	}
	r.Check = check
	m.build = time.Since(t0)
	// Start from a clean heap, with what earlier runs left returned to
	// the OS, so that the peak is this run's.
	debug.FreeOSMemory()
	scope := "process"
	if resetPeakRSS() == nil {
		scope = "run"
	}
	m.startRSS = procStatus("VmRSS:")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := func() bool { return intr.signal() != 0 }
	t0 = time.Now()
	if err := r.Start(); err != nil {
		return m, "", err
	}
	r.RunToEnd(stop)
	m.wall = time.Since(t0)
	runtime.ReadMemStats(&after)
	if sig := intr.signal(); sig != 0 {
		return m, "", killedBy{sig}
	}
	m.peakRSS = procStatus("VmHWM:")
	m.mallocs = after.Mallocs - before.Mallocs
	m.allocBytes = after.TotalAlloc - before.TotalAlloc
	m.gcs = after.NumGC - before.NumGC
	m.heapSys = after.HeapSys - after.HeapReleased
	k := r.World.Kernel
	m.simTime = k.Now().Duration()
	m.events = k.Fired()
	m.packets, m.bytes = r.LinkPackets()
	m.drops = r.QueueDrops()
	m.outcome = r.Outcome()
	return m, scope, nil
}

// resetPeakRSS resets the kernel's record of this process's peak
// resident set (VmHWM) to its current size: Linux's clear_refs "5".
func resetPeakRSS() error {
	f, err := os.OpenFile("/proc/self/clear_refs", os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString("5")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// procStatus reads a size from /proc/self/status, in bytes: key "VmHWM:"
// is the peak resident set, "VmRSS:" the current one. It returns 0 where
// there is none.
func procStatus(key string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return n << 10
				}
			}
		}
	}
	return 0
}

// writeBenchReport prints a scenario's measurements as a table: hops'
// figure, and where the issue gives ns-3's, that one and the ratio.
func writeBenchReport(w io.Writer, rep *benchReport) {
	fmt.Fprintf(w, "\n%s: %s\n", rep.Name, rep.Summary)
	ref, q := rep.Reference, rep.Ratio
	var tab bytes.Buffer
	tw := tabwriter.NewWriter(&tab, 0, 0, 2, ' ', 0)
	if ref != nil {
		fmt.Fprintf(tw, "  \thops\tns-3 (the TCP issue's figures, not re-measured)\thops / ns-3\n")
	}
	// row prints one figure; ns3 is the reference's ("" where it gives
	// none) and ratio formats hops / ns-3.
	row := func(name, hops, ns3 string, ratio func() string) {
		if ref == nil {
			fmt.Fprintf(tw, "  %s\t%s\n", name, hops)
			return
		}
		r := ""
		switch {
		case ns3 == "":
			ns3 = "-"
		case rep.ReferenceScaling:
			r = "(scaled run)"
		case q != nil && ratio != nil:
			r = ratio()
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", name, hops, ns3, r)
	}
	var ns3 bench.Reference
	if ref != nil {
		ns3 = *ref
	}
	given := func(ok bool, s string) string {
		if !ok {
			return ""
		}
		return s
	}
	row("simulated time", secs(rep.SimTime), given(ns3.SimTime > 0, secsShort(ns3.SimTime)),
		func() string { return fmt.Sprintf("%.3f", q.SimTime) })
	row("events fired", commas(rep.Events), "", nil)
	row("packets on links", commas(rep.LinkPackets), given(ns3.LinkPackets > 0, commas(uint64(ns3.LinkPackets))),
		func() string { return fmt.Sprintf("%.3f", q.LinkPackets) })
	row("bytes on links", mib(int64(rep.LinkBytes)), "", nil)
	row("queue drops", commas(rep.QueueDrops), "", nil)
	wall := secs(rep.Wall)
	if rep.Runs > 1 {
		wall += fmt.Sprintf(" (median of %d; min %s, max %s)", rep.Runs, secs(rep.WallMin), secs(rep.WallMax))
	}
	row("wall time", wall, given(ns3.WallMin > 0, secsRange(ns3.WallMin, ns3.WallMax)),
		func() string { return span(q.Wall) + " (below 1: hops faster)" })
	row("link-packets per wall-second", commas(uint64(math.Round(rep.PacketsPerSec))),
		given(ns3.RateMin > 0, commas(uint64(ns3.RateMin))+"–"+commas(uint64(ns3.RateMax))),
		func() string { return span(q.Rate) + " (above 1: hops faster)" })
	row("events per wall-second", commas(uint64(math.Round(rep.EventsPerSec))), "", nil)
	row("allocations per link-packet", fmt.Sprintf("%.4f (%s in all)", rep.AllocsPerPacket, commas(rep.Allocs)), "", nil)
	row("bytes allocated", fmt.Sprintf("%s (%.1f B per link-packet; %d GC cycles)", mib(int64(rep.AllocBytes)), rep.BytesPerPacket, rep.GCCycles), "", nil)
	peak := "unknown (no /proc/self/status)"
	if rep.PeakRSS > 0 {
		peak = mib(rep.PeakRSS) + " resident (VmHWM"
		if rep.PeakRSSScope == "run" {
			peak += ", reset before the run"
		} else {
			peak += " since hops started"
		}
		if rep.StartRSS > 0 {
			peak += "; " + mib(rep.StartRSS) + " at its start"
		}
		peak += ")"
	}
	row("peak memory", peak, given(ns3.PeakMemory > 0, mib(ns3.PeakMemory)),
		func() string {
			if q.PeakMemory == 0 {
				return ""
			}
			return fmt.Sprintf("%.2f", q.PeakMemory)
		})
	row("Go heap held after the run", mib(int64(rep.HeapSys)), "", nil)
	tw.Flush()
	for line := range strings.Lines(tab.String()) {
		fmt.Fprintln(w, strings.TrimRight(line, " \n"))
	}
	fmt.Fprintf(w, "  result: %s\n", outcomeText(&rep.Result))
}

// outcomeText is a scenario's result in one line.
func outcomeText(o *bench.Outcome) string {
	var b strings.Builder
	switch o.Kind {
	case "tcp":
		fmt.Fprintf(&b, "%s of %s bytes in %s (%s), goodput %s, %s (%s), ",
			commas(uint64(o.Bytes)), commas(uint64(o.Size)), plural(o.Flows, "flow", "flows"), secs(o.Elapsed),
			mbits(o.Goodput), plural(int(o.Retransmits), "retransmission", "retransmissions"),
			plural(int(o.Timeouts), "timeout", "timeouts"))
		if o.Check == "sha256" {
			b.WriteString("SHA-256 ")
		} else {
			b.WriteString("every byte compared with the sender's: ")
		}
		switch {
		case o.Matched == o.Flows && o.Flows == 1:
			b.WriteString("match")
		case o.Matched == o.Flows:
			fmt.Fprintf(&b, "match in all %d flows", o.Flows)
		default:
			fmt.Fprintf(&b, "match in %d of %d flows", o.Matched, o.Flows)
		}
		fmt.Fprintf(&b, ", MSS %d", o.MSS)
	case "udp":
		fmt.Fprintf(&b, "%s of %s bytes in %s, %s, %s lost, %s corrupt",
			commas(uint64(o.Bytes)), commas(uint64(o.Size)), secs(o.Elapsed), mbits(o.Goodput), commas(uint64(o.Lost)), commas(uint64(o.Corrupt)))
	case "ping":
		fmt.Fprintf(&b, "%s of %s replies, %s lost, rtt avg %.3f ms, %s from first request to last",
			commas(uint64(o.Bytes)), commas(uint64(o.Size)), commas(uint64(o.Lost)), float64(o.AvgRTT)/1e6, secs(o.Elapsed))
	}
	if o.Err != "" {
		fmt.Fprintf(&b, "; error: %s", o.Err)
	}
	return b.String()
}

// commas writes n with thousands separators: 414,000.
func commas(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// secs is a duration in seconds to the millisecond, or in milliseconds
// below a hundredth of a second.
func secs(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.3f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.3f s", d.Seconds())
}

// secsRange is a range of reference figures in seconds: 1.1–2.9 s.
func secsRange(lo, hi time.Duration) string {
	return strconv.FormatFloat(lo.Seconds(), 'f', -1, 64) + "–" + secsShort(hi)
}

// secsShort is a reference figure in seconds, as precise as it was given.
func secsShort(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s"
}

// mib is a size in MiB (KiB below one MiB).
func mib(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// mbits is a rate in Mbit/s.
func mbits(bps float64) string { return fmt.Sprintf("%.2f Mbit/s", bps/1e6) }

// span is a range of ratios, lower first.
func span(r [2]float64) string {
	lo, hi := min(r[0], r[1]), max(r[0], r[1])
	return fmt.Sprintf("%.2f–%.2f", lo, hi)
}

// plural is n with the noun in its form.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return commas(uint64(max(n, 0))) + " " + many
}
