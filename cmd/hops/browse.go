package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/hopsnet/hops/app/browse"
	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/browser/loader"
	"github.com/hopsnet/hops/browser/page"
	"github.com/hopsnet/hops/dns/resolver"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/tcp"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// browseOpts are hops browse's flags.
type browseOpts struct {
	from      string
	http2     bool
	http11    bool
	push      bool
	visits    int
	png       string
	har       string
	waterfall string
	sequence  string
	verbose   bool
	step      bool
	quiet     bool
	cc        string
	width     int
	height    int
}

func newBrowseCmd(g *globals) *cobra.Command {
	var o browseOpts
	cmd := &cobra.Command{
		Use:   "browse [flags] URL",
		Short: "Load a web page from a node and tell its whole journey: DNS, TCP, HTTP, the browser, pixels",
		Long: `browse loads URL in hops' browser on a node (default: the laptop) and tells,
step by step and with the real values of this run, what happened between
typing the address and seeing the page:

  finding the address   the stub's DNS query, the resolver's walk from the
                        root to the TLD to the domain's servers, the cache
  opening the connection the three-way handshake, its random initial
                        sequence numbers and ISN+1
  the packets' path     the routers each packet crossed, TTL falling
  asking for the page   the GET and its headers, the status and content type,
                        sequence numbers that count bytes, retransmissions
  building the page     the sub-resources the HTML names, fetched in
                        parallel; the DOM, CSSOM, render tree, layout, paint

Every time is virtual. The browser keeps up to 6 connections per host
over HTTP/1.1 (the default), or one over HTTP/2 with --http2 (h2c, every
request a stream, headers compressed with HPACK); it scans the HTML as it
arrives, honours Cache-Control and revalidates with ETags (--visits 2
shows a warm second visit), keeps cookies, follows redirects and fetches
scripts without running them.

-q prints only the summary (DNS, connect, time to first byte,
DOMContentLoaded, load, first paint); -v adds every packet of the laptop;
--step waits for Enter after each step (on a terminal).
--png paints the page, --har writes an HTTP Archive (HAR 1.2) with each
request's blocked/dns/connect/send/wait/receive times, --waterfall draws
them as browser developer tools do, --sequence writes the conversation
between the laptop, the resolver, the name servers and the web server as a
Mermaid sequence diagram.`,
		Example: `  hops browse http://www.example.com/
  hops browse -q --visits 2 www.example.com
  hops browse --png page.png --har page.har --waterfall load.svg www.example.com
  hops browse --sequence load.mmd www.example.com
  hops browse --http2 www.example.com
  hops browse --link-down isp-a-core--ixp@60ms www.example.com
  hops browse --link-set home-uplink:loss=2% www.example.com
  hops browse --pcap load.pcapng www.example.com`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("browse: give exactly one URL")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return g.runBrowse(o, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "", "`NODE` to browse from (default: the laptop)")
	f.BoolVar(&o.http11, "http1.1", false, "use HTTP/1.1 (the default)")
	f.BoolVar(&o.http2, "http2", false, "use HTTP/2 by prior knowledge (h2c): one connection per host, every request a stream")
	f.BoolVar(&o.push, "push", false, "with --http2, let the server push resources (SETTINGS_ENABLE_PUSH 1; off by default, as in Chromium)")
	f.IntVar(&o.visits, "visits", 1, "load the page `N` times in a row with one browser (the second visit shows the caches)")
	f.StringVar(&o.png, "png", "", "paint the last visit's page to `FILE` (PNG)")
	f.StringVar(&o.har, "har", "", "write every visit as an HTTP Archive (HAR 1.2) to `FILE`")
	f.StringVar(&o.waterfall, "waterfall", "", "draw the network waterfall to `FILE` (.svg or .png; with --visits, the first and last side by side)")
	f.StringVar(&o.sequence, "sequence", "", "write a Mermaid sequence diagram of the conversation to `FILE` (.mmd)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "add every packet sent or received by the browsing node")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only the summary")
	f.BoolVar(&o.step, "step", false, "pause after each step until Enter is pressed (on a terminal)")
	f.StringVar(&o.cc, "cc", "cubic", "TCP congestion control of the browser's connections: `ALGO` cubic or newreno")
	f.IntVar(&o.width, "width", 800, "viewport width in CSS `px`")
	f.IntVar(&o.height, "height", 600, "viewport height in CSS `px`")
	return cmd
}

// browseRun is a browse run's state on the simulation's thread.
type browseRun struct {
	g      *globals
	o      browseOpts
	s      *session
	src    *node.Node
	b      *browse.Browser
	rec    *recorder
	visits []*browse.Visit
	raw    string
	// handshakes: connections whose SYN-ACK the sequence diagram has
	// shown and whose handshake ACK it waits for.
	handshakes map[segKey]bool
	st         *browseStory // the story, once told
}

func (g *globals) runBrowse(o browseOpts, raw string) error {
	switch {
	case o.push && !o.http2:
		return usageError{errors.New("browse: --push needs --http2 (server push is HTTP/2's)")}
	case o.http2 && o.http11:
		return usageError{errors.New("browse: --http1.1 and --http2 exclude each other")}
	case o.visits < 1 || o.visits > 100:
		return usageError{errors.New("browse: --visits must be 1 to 100")}
	case o.step && (o.quiet || g.json):
		return usageError{errors.New("browse: --step tells the story a step at a time; it goes with neither -q nor --json")}
	case o.step && !term.IsTerminal(int(os.Stdin.Fd())):
		return usageError{errors.New("browse: --step needs a terminal to wait on (standard input is not one)")}
	case o.verbose && o.quiet:
		return usageError{errors.New("browse: -v and -q exclude each other")}
	case o.width <= 0 || o.height <= 0 || o.width > 16384 || o.height > 16384:
		return usageError{errors.New("browse: --width and --height must be 1 to 16384")}
	}
	newCC, err := tcp.CongestionByName(o.cc)
	if err != nil {
		return usageError{fmt.Errorf("browse: unknown congestion control %q (hops has: %s)", o.cc, strings.Join(tcp.CongestionNames(), ", "))}
	}
	u, err := loader.ParseURL(raw)
	if err != nil {
		return usageError{fmt.Errorf("browse: %w", err)}
	}
	if err := g.knownHost(u.Hostname()); err != nil {
		return usageError{fmt.Errorf("browse: could not resolve host %s", u.Hostname())}
	}
	r := &browseRun{g: g, o: o, raw: u.String(), rec: newRecorder()}
	_, sig, err := g.runApp(appRun{
		from: o.from, noDest: true,
		plan:  10 * time.Minute,
		label: "browse " + u.String(),
		quiet: true,
		check: func(s *session, src *node.Node, _ netip.Addr) error {
			for _, out := range []string{o.png, o.har, o.waterfall, o.sequence} {
				if out != "" && (sameFile(out, g.pcap) || sameFile(out, g.events)) {
					return usageError{fmt.Errorf("browse: %s is named twice among the output files", out)}
				}
			}
			return nil
		},
		start: func(s *session, src *node.Node, _ netip.Addr, done func()) error {
			r.s, r.src = s, src
			s.w.Bus.Subscribe(r.rec)
			for _, res := range s.w.Resolvers {
				res := res
				prev := res.OnResult
				res.OnResult = func(x resolver.Result) {
					if prev != nil {
						prev(x)
					}
					r.rec.dns = append(r.rec.dns, dnsResult{at: res.Node().Now(), node: res.Node().Name, res: x})
				}
			}
			r.b = browse.New(src, browse.Config{Lookup: r.lookup, Page: page.Options{Width: o.width, Height: o.height},
				TCP: tcp.Config{Congestion: newCC}, HTTP2: o.http2, Push: o.push})
			return r.visit(done)
		},
	})
	if err != nil {
		return err
	}
	if sig != 0 {
		return killedBy{sig}
	}
	err = r.finish()
	if g.onBrowse != nil && len(r.visits) > 0 {
		g.onBrowse(r)
	}
	return err
}

// visit starts the next visit; the last one ends the run.
func (r *browseRun) visit(done func()) error {
	return r.b.Visit(r.raw, func(v *browse.Visit) {
		r.visits = append(r.visits, v)
		if v.Result.Err != nil || len(r.visits) == r.o.visits {
			r.b.Close()
			done()
			return
		}
		if err := r.visit(done); err != nil {
			v.Result.Err = err
			r.b.Close()
			done()
		}
	})
}

// lookup is the browser's getaddrinfo: the session's (a dotted name
// through the node's stub resolver, falling back to the world's node
// names), with a name nothing knows worded as the stub's "not found".
func (r *browseRun) lookup(host string, done func(browse.LookupResult)) {
	r.s.lookupCached(r.src, host, func(a netip.Addr, cached bool, err error) {
		var ne *nameError
		if err != nil && !errors.As(err, &ne) {
			err = &nameError{host, dnsserver.ErrNotFound}
		}
		done(browse.LookupResult{Addr: a, Cached: cached, Err: err})
	})
}

// finish prints the story and writes the outputs.
func (r *browseRun) finish() error {
	// The story goes where the command's own output goes: stdout, or
	// stderr when the capture or the event log takes stdout.
	out := r.s.text
	st := r.story()
	r.st = st
	switch {
	case r.g.json:
		if err := newJSON(out).Encode(st.json()); err != nil {
			return err
		}
	case r.o.quiet:
		for _, v := range st.summaries {
			fmt.Fprintln(out, v)
		}
	default:
		var pause func()
		if r.o.step {
			in := bufio.NewReader(os.Stdin)
			pause = func() {
				fmt.Fprint(out, "     [Enter: next step] ")
				in.ReadString('\n')
			}
		}
		st.print(out, pause)
	}
	last := r.visits[len(r.visits)-1]
	for _, w := range []struct {
		name  string
		write func(string) error
	}{{r.o.har, r.writeHAR}, {r.o.waterfall, r.writeWaterfall}, {r.o.sequence, r.writeSequence}} {
		if w.name != "" {
			if err := w.write(w.name); err != nil {
				return err
			}
		}
	}
	if r.o.png != "" && last.Result.Page != nil {
		var buf bytes.Buffer
		if err := last.Result.Page.WritePNG(&buf); err != nil {
			return err
		}
		if err := os.WriteFile(r.o.png, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if err := last.Result.Err; err != nil {
		return fmt.Errorf("browse: %s: %s", r.raw, browseErrText(err))
	}
	return nil
}

// browseErrText words a failed load as a browser's error page would.
func browseErrText(err error) string {
	var ne *nameError
	switch {
	case errors.As(err, &ne):
		return fmt.Sprintf("could not find the address of %s (%s)", ne.name, ne.reason())
	case errors.Is(err, loader.ErrTooManyRedirects):
		return "too many redirects: " + err.Error()
	}
	return errText(err)
}
