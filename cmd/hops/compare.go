package main

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/hopsnet/hops/trace/waterfall"
	"github.com/spf13/cobra"
)

// compareOpts are hops compare's flags.
type compareOpts struct {
	a, b      string
	waterfall string
}

func newCompareCmd(g *globals) *cobra.Command {
	var o compareOpts
	cmd := &cobra.Command{
		Use:   "compare [--a 'FLAGS'] [--b 'FLAGS'] browse [FLAGS] URL",
		Short: "Run hops browse under two conditions and show them side by side",
		Long: `compare runs one hops browse twice, under condition A and condition B, and
prints the key figures of each (the last visit of each run) side by side,
with B − A. A condition is a list of flags added to the command: the global
ones (--link-set, --link-down, --seed, --world) and browse's own (--visits,
--cc, --from ...). An empty condition is the command as given. The run's
own global flags (--seed, --world, --link-*) apply to both.

--waterfall draws both loads in one picture, on one time scale.`,
		Example: `  hops compare --b '--link-set home-uplink:loss=2% --seed 3' browse www.example.com
  hops compare --b '--visits 2' browse www.example.com          # cold against warm caches
  hops compare --a '--cc cubic' --b '--cc newreno' --waterfall cc.png browse www.example.com
  hops compare --b '--link-down isp-a-core--ixp@0s' browse www.example.com`,
		DisableFlagParsing: false,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 || args[0] != "browse" {
				return usageError{errors.New("compare: give the command to compare: browse [FLAGS] URL")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return g.runCompare(o, args[1:]) },
	}
	cmd.Flags().SetInterspersed(false)
	f := cmd.Flags()
	f.StringVar(&o.a, "a", "", "condition A: `FLAGS` added to the command (default: none)")
	f.StringVar(&o.b, "b", "", "condition B: `FLAGS` added to the command (default: none)")
	f.StringVar(&o.waterfall, "waterfall", "", "draw both waterfalls on one time scale to `FILE` (.svg or .png)")
	return cmd
}

// baseArgs gives back the global flags of this run, for the conditions'.
func (g *globals) baseArgs() []string {
	out := []string{"--seed", strconv.FormatUint(g.seed, 10)}
	if g.world != "" {
		out = append(out, "--world", g.world)
	}
	for _, l := range g.linkDown {
		out = append(out, "--link-down", l)
	}
	for _, l := range g.linkUp {
		out = append(out, "--link-up", l)
	}
	for _, l := range g.linkSet {
		out = append(out, "--link-set", l)
	}
	if g.staticRt {
		out = append(out, "--static-routes")
	}
	if g.routing != "" {
		out = append(out, "--routing", g.routing)
	}
	return out
}

func (g *globals) runCompare(o compareOpts, browseArgs []string) error {
	if g.pcap != "" || g.events != "" {
		return usageError{errors.New("compare: --pcap and --events belong to one run; give them inside --a or --b")}
	}
	conds := []struct{ label, flags string }{{"A", o.a}, {"B", o.b}}
	runs := make([]*browseRun, 2)
	for i, c := range conds {
		args := append(g.baseArgs(), "browse", "-q")
		args = append(args, strings.Fields(c.flags)...)
		args = append(args, browseArgs...)
		var errb bytes.Buffer
		child := &globals{stdout: io.Discard, stderr: &errb, intr: g.intr, onBrowse: func(r *browseRun) { runs[i] = r }}
		root := newRootWith(child)
		root.SetArgs(args)
		root.SetOut(io.Discard)
		root.SetErr(&errb)
		err := root.Execute()
		if runs[i] == nil {
			msg := strings.TrimSpace(errb.String())
			if err != nil && msg == "" {
				msg = err.Error()
			}
			return usageError{fmt.Errorf("compare: condition %s (%q): %s", c.label, c.flags, msg)}
		}
	}
	name := func(i int) string {
		if conds[i].flags == "" {
			return conds[i].label + ": as given"
		}
		return conds[i].label + ": " + conds[i].flags
	}
	a, b := runs[0].st.summaries[len(runs[0].visits)-1], runs[1].st.summaries[len(runs[1].visits)-1]
	if g.json {
		return newJSON(g.stdout).Encode(struct {
			A      visitSummary `json:"a"`
			B      visitSummary `json:"b"`
			AFlags string       `json:"a_flags"`
			BFlags string       `json:"b_flags"`
		}{a, b, o.a, o.b})
	}
	w := g.stdout
	fmt.Fprintf(w, "hops compare: browse %s\n\n", strings.Join(browseArgs, " "))
	fmt.Fprintf(w, "%-18s %22s %22s %14s\n", "", name(0), name(1), "B − A")
	msRow := func(label string, x, y float64) {
		fmt.Fprintf(w, "%-18s %19.1f ms %19.1f ms %+11.1f ms\n", label, x, y, y-x)
	}
	nRow := func(label string, x, y int) {
		fmt.Fprintf(w, "%-18s %22d %22d %+14d\n", label, x, y, y-x)
	}
	msRow("DNS", a.DNSMs, b.DNSMs)
	msRow("connect", a.ConnectMs, b.ConnectMs)
	msRow("TTFB", a.TTFBMs, b.TTFBMs)
	msRow("DOMContentLoaded", a.DOMContentLoaded, b.DOMContentLoaded)
	msRow("first paint", a.FirstPaintMs, b.FirstPaintMs)
	msRow("load", a.LoadMs, b.LoadMs)
	nRow("requests", a.Requests, b.Requests)
	nRow("from the cache", a.FromCache, b.FromCache)
	nRow("revalidated", a.Revalidated, b.Revalidated)
	nRow("connections", a.Connections, b.Connections)
	nRow("packets", a.Packets, b.Packets)
	nRow("retransmitted", a.Retransmitted, b.Retransmitted)
	nRow("bytes of content", a.Bytes, b.Bytes)
	for i, s := range []visitSummary{a, b} {
		if s.Error != "" {
			fmt.Fprintf(w, "\n%s failed: %s\n", conds[i].label, s.Error)
		}
	}
	if o.waterfall == "" {
		return nil
	}
	ca, cb := runs[0].chart(len(runs[0].visits)-1), runs[1].chart(len(runs[1].visits)-1)
	ca.Title, cb.Title = name(0), name(1)
	var buf bytes.Buffer
	var err error
	if strings.HasSuffix(strings.ToLower(o.waterfall), ".svg") {
		err = waterfall.CompareSVG(&buf, ca, cb)
	} else {
		img, e := waterfall.ComparePNG(ca, cb)
		if err = e; err == nil {
			err = png.Encode(&buf, img)
		}
	}
	if err != nil {
		return fmt.Errorf("compare: waterfall: %w", err)
	}
	return os.WriteFile(o.waterfall, buf.Bytes(), 0o644)
}
