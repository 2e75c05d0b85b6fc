package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hopsnet/hops/app/bulk"
	"github.com/hopsnet/hops/app/udpstream"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/trace/tcpplot"
	"github.com/hopsnet/hops/trace/tcpview"
	"github.com/hopsnet/hops/world/scenario"
	"github.com/spf13/cobra"
)

// defaultTransferDest is where transfer sends without --to or DEST: the
// default world's web server.
const defaultTransferDest = "www.example.com"

func newTransferCmd(g *globals) *cobra.Command {
	var (
		from, to string
		udp      bool
		noServer bool
		cfg      udpstream.Config
		duration time.Duration
		interval time.Duration
		port     int
		cc       string
		window   int64
		verbose  bool
		plotFile string
		flows    = 1
		synLin   int
	)
	cfg.Rate, cfg.Length, port = udpstream.DefaultRate, udpstream.DefaultLength, udpstream.DefaultPort
	cmd := &cobra.Command{
		Use:   "transfer [flags] [DEST]",
		Short: "Send a TCP transfer or a UDP stream to DEST and measure it, like iperf3",
		Long: `transfer sends a stream from a node (default: the laptop) to DEST (--to or the
argument; default: www.example.com) and reports what arrived the way
iperf3 does.

By default it is a TCP transfer: a connection to DEST's port 5201, --size
bytes (default 10 MiB) of pseudo-random data written as fast as TCP
allows, reported per second of virtual time (bytes acknowledged, bitrate,
retransmissions, congestion window), then both ends' totals, how losses
were repaired, and the SHA-256 of what was sent and of what arrived. -w
sets the socket buffers of both ends, --cc the congestion control. -v
tells the connection as it happens (the handshake with its sequence
numbers, each retransmission and why, the close); --plot draws its
time-sequence graph and congestion window.

With --udp (-u) it is iperf3 -u: datagrams at a constant rate (--rate, of
UDP payload) to a receiver bound on DEST's port 5201, each carrying a
sequence number and its virtual send time. Each second of virtual time the
receiver's report is printed as the simulation reaches it: bytes,
bitrate, jitter (RFC 3550, smoothed over 16 datagrams as iperf3 does) and
lost/total datagrams; then the sender's and receiver's summaries, the
datagrams received out of order, and an integrity check of every payload
against what was sent. Ctrl-C prints the summary so far. --no-server binds
nothing on DEST: its ICMP port unreachable ends the run with "connection
refused".

The run is deterministic: the same seed gives the same bytes on the wire.`,
		Example: `  hops transfer --size 20MB
  hops --link-set home-uplink:loss=1% transfer --size 5MB -v --plot tcp.png
  hops transfer --cc cubic -w 1MiB --to api.example.com
  hops transfer --udp --rate 90Mbps
  hops transfer -u -b 10M -t 5 --to api.example.com
  hops --link-set home-uplink:loss=5% transfer --udp --rate 20Mbps --size 10MB
  hops --json transfer --udp --time 3s | jq -c 'select(.type == "interval")'`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.MaximumNArgs(1)(cmd, args); err != nil {
				return usageError{fmt.Errorf("transfer: %w", err)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			dest := defaultTransferDest
			switch {
			case len(args) == 1 && cmd.Flags().Changed("to"):
				return usageError{errors.New("transfer: give DEST either as an argument or with --to, not both")}
			case len(args) == 1:
				dest = args[0]
			case to != "":
				dest = to
			}
			f := cmd.Flags()
			if !udp {
				return g.tcpTransfer(cmd, from, dest, tcpOpts{size: cfg.Bytes, port: port, interval: interval, cc: cc, window: window,
					verbose: verbose, plot: plotFile, flows: flows, synLinear: synLin})
			}
			switch {
			case f.Changed("time") && f.Changed("size"):
				return usageError{errors.New("transfer: --time and --size both say when to stop; give one")}
			case f.Changed("size"):
				duration = 0
			case duration <= 0:
				return usageError{errors.New("transfer: --time must be greater than 0")}
			}
			for _, name := range []string{"verbose", "plot", "syn-linear-timeouts"} {
				if f.Changed(name) {
					return usageError{fmt.Errorf("transfer: --%s is about a TCP connection; a --udp stream has none", name)}
				}
			}
			cfg.Duration, cfg.Port = duration, uint16(port)
			cfg.Interval = interval
			if interval == 0 {
				cfg.Interval = -1 // iperf3 -i 0: no interval reports
			}
			send := duration
			if cfg.Bytes > 0 {
				n := (cfg.Bytes + int64(cfg.Length) - 1) / int64(cfg.Length)
				secs := float64(n) * float64(cfg.Length) * 8 / float64(cfg.Rate)
				if secs > 100*365*86400 {
					return usageError{fmt.Errorf("transfer: --size %d bytes at %s/sec takes longer than 100 years", cfg.Bytes, udpstream.Units(float64(cfg.Rate), false)+"s")}
				}
				send = time.Duration(math.Ceil(secs * 1e9))
			}
			var (
				st  *udpstream.Stream
				res *udpstream.Result
			)
			_, sig, err := g.runApp(appRun{
				from: from, dest: dest, unresolved: transferUnresolved,
				plan:  send + udpstream.DefaultWait,
				label: "transfer to " + dest,
				start: func(s *session, src *node.Node, dst netip.Addr, done func()) error {
					var rcv *node.Node
					if !noServer {
						rcv, _ = s.w.NodeByAddr(dst)
					}
					var summary func(*udpstream.Result)
					if g.json {
						j := &transferJSON{enc: json.NewEncoder(s.out)}
						cfg.Handler, summary = j, j.summary
					} else {
						p := &udpstream.Printer{Out: s.out}
						cfg.Handler = p
						summary = func(r *udpstream.Result) {
							if r.Err == nil {
								p.Summary(r)
							}
						}
					}
					var err error
					st, err = udpstream.Start(src, dest, dst, rcv, cfg, func(r *udpstream.Result) {
						res = r
						summary(r)
						done()
					})
					if err != nil {
						return fmt.Errorf("transfer: %w", err)
					}
					return nil
				},
				interrupted: func(s *session, sig syscall.Signal) {
					// iperf3 catches SIGINT and SIGTERM alike, prints the
					// results so far and exits with status 1.
					st.Stop()
				},
				progress: func() (int64, int64) {
					sent, planned := st.Sent()
					return int64(sent), int64(planned)
				},
			})
			if err != nil {
				return err
			}
			if sig != 0 {
				return errors.New("transfer: interrupt - the client has terminated")
			}
			if errors.Is(res.Err, udpstream.ErrRefused) {
				return fmt.Errorf("transfer: unable to write to stream socket: Connection refused (ICMP port unreachable from %s: nothing listens on UDP port %d)", res.ErrFrom, cfg.Port)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "`NODE` to send from (default: the laptop)")
	f.StringVar(&to, "to", "", "`DEST` to send to, a node or an address (default: www.example.com)")
	f.BoolVarP(&udp, "udp", "u", false, "send a UDP stream at a constant rate instead of a TCP transfer")
	f.StringVar(&cc, "cc", "cubic", "TCP congestion control: `ALGO` cubic (with HyStart++, as Linux) or newreno")
	f.VarP(intFlag{&flows, "transfer", 1, maxFlows}, "flows", "P", "TCP: `N` parallel connections (ports 5201, 5202 …), like iperf3 -P")
	f.VarP(sizeFlag{&window}, "window", "w", "TCP send and receive buffer `SIZE` of both ends, fixed (default: Linux's, the receive buffer autotuned from 128 KiB to 6 MiB, the send buffer up to 4 MiB)")
	f.VarP(rateFlag{&cfg.Rate}, "rate", "b", "UDP payload `RATE` in bits per second: 90Mbps, 1.5Gbps, or iperf3's 90M")
	f.VarP(intFlag{&cfg.Length, "transfer", udpstream.HeaderLen, udpstream.MaxLength}, "length", "l", "UDP payload `BYTES` per datagram")
	secondsVarP(f, &duration, "time", "t", udpstream.DefaultDuration, "how long to send, in seconds or as a duration (10, 500ms)")
	f.VarP(sizeFlag{&cfg.Bytes}, "size", "n", "send `SIZE` instead of sending for a time: 100MB, 64KiB, or iperf3's 100M (MiB); rounded up to whole datagrams")
	f.VarP(intFlag{&port, "transfer", 1, 65535}, "port", "p", "the receiver's UDP `PORT`")
	secondsVarP(f, &interval, "interval", "i", udpstream.DefaultInterval, "seconds between the receiver's reports (0: none)")
	f.BoolVarP(&verbose, "verbose", "v", false, "TCP: tell the connection as it happens, from its packets: handshake, sequence numbers, retransmissions and why, reordering, close")
	f.StringVar(&plotFile, "plot", "", "TCP: draw the time-sequence graph (tcptrace/Stevens) and the congestion window into `FILE.png`")
	f.VarP(intFlag{&synLin, "transfer", 0, 100}, "syn-linear-timeouts", "", "TCP: keep the first SYN timeout (1 s) for `N` timeouts before doubling, and add N SYN retries, as Linux 6.5+ does with net.ipv4.tcp_syn_linear_timeouts (4 there); 0, hops' default, doubles from the first (RFC 6298, Linux before 6.5)")
	f.BoolVar(&noServer, "no-server", false, "bind no receiver on DEST (its ICMP port unreachable then ends the run: connection refused)")
	return cmd
}

// transferJSON streams a transfer as JSON Lines: "start", one "interval"
// per receiver report, then "summary", each with a "type".
type transferJSON struct{ enc *json.Encoder }

func (j *transferJSON) Start(r *udpstream.Result) {
	j.enc.Encode(struct {
		Type     string         `json:"type"`
		Protocol string         `json:"protocol"`
		Dest     string         `json:"dest"`
		Src      netip.AddrPort `json:"src"`
		Dst      netip.AddrPort `json:"dst"`
		Rate     int64          `json:"rate_bps"`
		Length   int            `json:"length"`
		Duration time.Duration  `json:"duration_ns,omitempty"`
		Bytes    int64          `json:"bytes,omitempty"`
		Planned  int64          `json:"planned_datagrams"`
	}{"start", r.Protocol, r.Dest, r.Src, r.Dst, r.Rate, r.Length, r.Duration, r.Bytes, r.Planned})
}

func (j *transferJSON) Interval(i udpstream.Interval) {
	j.enc.Encode(struct {
		Type string `json:"type"`
		udpstream.Interval
	}{"interval", i})
}

func (j *transferJSON) summary(r *udpstream.Result) {
	j.enc.Encode(struct {
		Type string `json:"type"`
		*udpstream.Result
	}{"summary", r})
}

// rateFlag is transfer --rate: a rate with a unit as in scenario files
// (90Mbps), or as iperf3 -b takes it (90M, 1.5G, 500K, or bits per second).
type rateFlag struct{ p *int64 }

func (f rateFlag) String() string {
	if f.p == nil {
		return ""
	}
	n, unit := *f.p, "bps"
	for _, u := range []string{"kbps", "Mbps", "Gbps", "Tbps"} {
		if n == 0 || n%1000 != 0 {
			break
		}
		n, unit = n/1000, u
	}
	return strconv.FormatInt(n, 10) + unit
}

func (f rateFlag) Set(v string) error {
	n, err := scenario.ParseRate(v)
	if err != nil {
		var ok bool
		if n, ok = iperfQuantity(v, 1000); !ok {
			return argError{fmt.Sprintf("transfer: invalid rate '%s': %v (or iperf3's 90M)", v, err)}
		}
	}
	if n <= 0 {
		return argError{fmt.Sprintf("transfer: invalid rate '%s': must be greater than 0", v)}
	}
	*f.p = n
	return nil
}

func (f rateFlag) Type() string { return "rate" }

// sizeFlag is transfer --size: a size with a unit as in scenario files
// (100MB, 64KiB), or as iperf3 -n takes it (100M is 100 MiB, as there).
type sizeFlag struct{ p *int64 }

func (f sizeFlag) String() string {
	if f.p == nil || *f.p == 0 {
		return ""
	}
	return strconv.FormatInt(*f.p, 10) + "B"
}

func (f sizeFlag) Set(v string) error {
	n, err := scenario.ParseSize(v)
	m := int64(n)
	if err != nil {
		var ok bool
		if m, ok = iperfQuantity(v, 1024); !ok {
			return argError{fmt.Sprintf("transfer: invalid size '%s': %v (or iperf3's 100M)", v, err)}
		}
	}
	if m <= 0 {
		return argError{fmt.Sprintf("transfer: invalid size '%s': must be greater than 0", v)}
	}
	*f.p = m
	return nil
}

func (f sizeFlag) Type() string { return "size" }

// iperfQuantity reads a number with iperf3's optional suffix K, M, G or T
// (either case), in powers of base, as iperf3's unit_atof does.
func iperfQuantity(v string, base float64) (int64, bool) {
	num, mult := v, 1.0
	if v != "" {
		switch v[len(v)-1] {
		case 'k', 'K':
			mult = base
		case 'm', 'M':
			mult = base * base
		case 'g', 'G':
			mult = base * base * base
		case 't', 'T':
			mult = base * base * base * base
		}
		if mult != 1 {
			num = v[:len(v)-1]
		}
	}
	x, err := strconv.ParseFloat(num, 64)
	if err != nil || x < 0 || math.IsInf(x, 0) || math.IsNaN(x) || strings.ContainsAny(num, "eEpPxX_") || x*mult > 1e18 {
		return 0, false
	}
	return int64(math.Round(x * mult)), true
}

// tcpOpts are transfer's settings for a TCP transfer.
type tcpOpts struct {
	size     int64
	port     int
	interval time.Duration
	cc       string
	window   int64
	verbose  bool   // -v: narrate the connection
	plot     string // --plot: the time-sequence graph's PNG file
	flows    int    // --flows: parallel connections
	// --syn-linear-timeouts: Linux 6.5's tcp_syn_linear_timeouts
	synLinear int
}

// Linux's TCP buffer sizes (net.ipv4.tcp_rmem, tcp_wmem): what hops
// transfer's connections use without -w.
const (
	linuxRmemDefault = 131072
	linuxRmemMax     = 6291456
	linuxWmemMax     = 4194304
)

// defaultTCPSize is what a TCP transfer sends without --size.
const defaultTCPSize = 10 << 20

// tcpTransfer runs a TCP bulk transfer (app/bulk) and prints it as iperf3
// prints a TCP test, plus the SHA-256 of both ends.
func (g *globals) tcpTransfer(cmd *cobra.Command, from, dest string, o tcpOpts) error {
	f := cmd.Flags()
	for _, name := range []string{"rate", "length", "time", "no-server"} {
		if f.Changed(name) {
			return usageError{fmt.Errorf("transfer: --%s is for --udp streams; a TCP transfer sends --size bytes as fast as TCP allows", name)}
		}
	}
	newCC, err := tcp.CongestionByName(o.cc)
	if err != nil {
		return usageError{fmt.Errorf("transfer: unknown congestion control %q (hops has: %s)", o.cc, strings.Join(tcp.CongestionNames(), ", "))}
	}
	cfg := bulk.Config{Size: o.size, Port: uint16(o.port), Interval: o.interval}
	if o.window > 1<<30 {
		return usageError{fmt.Errorf("transfer: --window %d: at most 1 GiB (RFC 7323's largest window)", o.window)}
	}
	if o.window == 0 {
		// Linux's defaults: the receive buffer starts at tcp_rmem's
		// default and autotunes to its maximum; the send buffer may
		// reach tcp_wmem's maximum (memory is taken as it fills).
		cfg.TCP.RecvBufSize, cfg.TCP.RecvBufMax, cfg.TCP.SendBufSize = linuxRmemDefault, linuxRmemMax, linuxWmemMax
	} else {
		// -w sets both buffers and no autotuning, as SO_SNDBUF and
		// SO_RCVBUF do in Linux (iperf3 -w).
		cfg.TCP.SendBufSize, cfg.TCP.RecvBufSize = int(o.window), int(o.window)
	}
	cfg.TCP.Congestion = newCC
	cfg.TCP.SynLinearTimeouts = o.synLinear
	if cfg.Size == 0 {
		cfg.Size = defaultTCPSize
	}
	if o.interval == 0 {
		cfg.Interval = -1 // no interval reports
	}
	if o.flows > 1 {
		if o.verbose || o.plot != "" {
			return usageError{errors.New("transfer: -v and --plot follow one connection; leave out --flows")}
		}
		return g.tcpFlows(from, dest, cfg, o.flows)
	}
	var (
		tr       *bulk.Transfer
		res      *bulk.Result
		rec      *tcpview.Recorder
		finished bool
		finish   func()
	)
	_, sig, err := g.runApp(appRun{
		from: from, dest: dest, unresolved: transferUnresolved,
		plan:  24 * time.Hour,
		label: "transfer to " + dest,
		start: func(s *session, src *node.Node, dst netip.Addr, done func()) error {
			rcv, _ := s.w.NodeByAddr(dst)
			if rcv == nil {
				return usageError{fmt.Errorf("transfer: %s is not a node of the world: nothing can receive there", dest)}
			}
			var summary func(*bulk.Result)
			if g.json {
				j := &bulkJSON{enc: json.NewEncoder(s.out)}
				cfg.Handler, summary = j, j.summary
			} else {
				p := &bulk.Printer{Out: s.out}
				cfg.Handler, summary = p, p.Summary
			}
			finish = func() {
				if !finished {
					finished = true
					summary(res)
					done()
				}
			}
			conn := tcpview.Conn{Client: src.Name, Server: rcv.Name, Port: cfg.Port}
			if conn.Port == 0 {
				conn.Port = bulk.DefaultPort
			}
			narr := g.watchTCP(s, conn, o, cfg, func() {
				if res != nil {
					finish()
				}
			})
			if o.plot != "" {
				rec = tcpview.NewRecorder(conn)
				s.w.Bus.Subscribe(rec)
				// cwnd and ssthresh live in the sender's engine, not in
				// the packets: sample them whenever the sender sends or
				// takes a segment.
				s.w.Bus.Subscribe(trace.ObserverFunc(func(e *trace.Event) {
					if tr == nil || e.Node != src.Name || e.Kind != trace.Send && e.Kind != trace.Deliver {
						return
					}
					if c := tr.Sender(); c != nil {
						st := c.Engine().Stats()
						rec.SampleCwnd(e.At, st.Cwnd, st.Ssthresh)
					}
				}))
			}
			var err error
			tr, err = bulk.Start(src, dest, rcv, dst, cfg, func(r *bulk.Result) {
				res = r
				if rec != nil {
					rec.SampleCwnd(s.w.Kernel.Now(), r.Sender.Cwnd, r.Sender.Ssthresh)
				}
				if narr != nil && r.Err == nil && !r.Interrupted && !narr.Closed() {
					// The receiver has everything; let the narration
					// see the FIN exchange through, for a while at most.
					s.w.Kernel.Schedule(s.w.Kernel.Now().Add(closeWatch), sim.HandlerFunc(func(sim.Time, uint64) { finish() }), 0)
					return
				}
				finish()
			})
			if err != nil {
				return fmt.Errorf("transfer: %w", err)
			}
			return nil
		},
		interrupted: func(s *session, sig syscall.Signal) {
			if res != nil {
				finish() // done, but still watching the close
				return
			}
			tr.Stop()
		},
		progress: func() (int64, int64) { return tr.Progress() },
	})
	if err != nil {
		return err
	}
	if rec != nil && res != nil {
		if err := writePlot(o.plot, rec.Recording()); err != nil {
			return err
		}
	}
	if sig != 0 {
		return errors.New("transfer: interrupt - the client has terminated")
	}
	if res.Err != nil {
		return fmt.Errorf("transfer: %v", res.Err)
	}
	if !res.Match {
		return fmt.Errorf("transfer: the bytes received differ from the bytes sent")
	}
	return nil
}

// closeWatch bounds how long, in virtual time, transfer -v goes on
// after the receiver has read everything, to tell the FIN exchange.
const closeWatch = 10 * time.Second

// watchTCP subscribes transfer -v's narrator, if asked for: to the
// command's output, or to stderr when that carries JSON. closed runs
// once the narrator has seen the connection close.
func (g *globals) watchTCP(s *session, conn tcpview.Conn, o tcpOpts, cfg bulk.Config, closed func()) *tcpview.Narrator {
	if !o.verbose {
		return nil
	}
	var w io.Writer = s.out
	if g.json {
		w = s.errw
	}
	msl := cfg.TCP.MSL
	if msl == 0 {
		msl = tcp.DefaultMSL
	}
	n := tcpview.NewNarrator(w, conn, tcpview.Options{Size: cfg.Size, TimeWait: 2 * msl})
	n.OnClosed = closed
	s.w.Bus.Subscribe(n)
	return n
}

// Plot sizes, in pixels.
const plotWidth, plotHeight = 1400, 1000

// plotted, when a test sets it, gets each graph transfer --plot draws.
var plotted func(*tcpplot.Graph)

// writePlot draws the time-sequence graph of rec into the PNG file path.
func writePlot(path string, rec *tcpview.Recording) error {
	g := tcpplot.New(rec)
	if plotted != nil {
		plotted(g)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("transfer: --plot: %w", err)
	}
	bw := bufio.NewWriter(f)
	err = g.WritePNG(bw, plotWidth, plotHeight)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("transfer: --plot: %w", err)
	}
	return nil
}

// bulkJSON streams a TCP transfer as JSON Lines: "start", one
// "interval" per report, then "summary".
// With -P, Stream numbers each record's stream (5, 7, 9 … as iperf3
// numbers them); 0 leaves it out.
type bulkJSON struct {
	enc    *json.Encoder
	Stream int
}

func (j *bulkJSON) Start(r *bulk.Result) {
	j.enc.Encode(struct {
		Type     string         `json:"type"`
		Stream   int            `json:"stream,omitempty"`
		Protocol string         `json:"protocol"`
		Dest     string         `json:"dest"`
		Src      netip.AddrPort `json:"src"`
		Dst      netip.AddrPort `json:"dst"`
		Size     int64          `json:"size"`
		Connect  time.Duration  `json:"connect_ns"`
	}{"start", j.Stream, "tcp", r.Dest, r.Src, r.Dst, r.Size, r.Connect})
}

func (j *bulkJSON) Interval(i bulk.Interval) {
	j.enc.Encode(struct {
		Type   string `json:"type"`
		Stream int    `json:"stream,omitempty"`
		bulk.Interval
	}{"interval", j.Stream, i})
}

func (j *bulkJSON) summary(r *bulk.Result) {
	j.enc.Encode(struct {
		Type   string `json:"type"`
		Stream int    `json:"stream,omitempty"`
		*bulk.Result
	}{"summary", j.Stream, r})
}

// maxFlows bounds --flows (iperf3 -P allows 128).
const maxFlows = 128

// tcpFlows runs n TCP transfers at once, from the same source to the same
// destination on ports port, port+1 …, printed as iperf3 -P prints them.
func (g *globals) tcpFlows(from, dest string, cfg bulk.Config, n int) error {
	var (
		trs  []*bulk.Transfer
		res  = make([]*bulk.Result, n)
		left = n
	)
	if cfg.Port == 0 {
		cfg.Port = bulk.DefaultPort
	}
	_, sig, err := g.runApp(appRun{
		from: from, dest: dest, unresolved: transferUnresolved,
		plan:  24 * time.Hour,
		label: fmt.Sprintf("%d transfers to %s", n, dest),
		start: func(s *session, src *node.Node, dst netip.Addr, done func()) error {
			rcv, _ := s.w.NodeByAddr(dst)
			if rcv == nil {
				return usageError{fmt.Errorf("transfer: %s is not a node of the world: nothing can receive there", dest)}
			}
			m := &bulk.Multi{Out: s.out, Flows: n}
			enc := json.NewEncoder(s.out)
			for i := 0; i < n; i++ {
				c := cfg
				c.Port = cfg.Port + uint16(i)
				// -n is the whole test's size, as in iperf3: the streams
				// share it.
				c.Size = cfg.Size / int64(n)
				if i == 0 {
					c.Size += cfg.Size % int64(n)
				}
				if g.json {
					c.Handler = &bulkJSON{enc: enc, Stream: 5 + 2*i}
				} else {
					c.Handler = m.Flow(i)
				}
				tr, err := bulk.Start(src, dest, rcv, dst, c, func(r *bulk.Result) {
					res[i] = r
					if left--; left > 0 {
						return
					}
					if g.json {
						for i, r := range res {
							(&bulkJSON{enc: enc, Stream: 5 + 2*i}).summary(r)
						}
					} else {
						m.Summary(res)
					}
					done()
				})
				if err != nil {
					return fmt.Errorf("transfer: flow %d: %w", i+1, err)
				}
				trs = append(trs, tr)
			}
			return nil
		},
		interrupted: func(s *session, sig syscall.Signal) {
			for _, tr := range trs {
				tr.Stop()
			}
		},
		progress: func() (int64, int64) {
			var d, t int64
			for _, tr := range trs {
				a, b := tr.Progress()
				d, t = d+a, t+b
			}
			return d, t
		},
	})
	if err != nil {
		return err
	}
	if sig != 0 {
		return errors.New("transfer: interrupt - the client has terminated")
	}
	for i, r := range res {
		if r.Err != nil {
			return fmt.Errorf("transfer: flow %d: %v", i+1, r.Err)
		}
		if !r.Match {
			return fmt.Errorf("transfer: flow %d: the bytes received differ from the bytes sent", i+1)
		}
	}
	return nil
}
