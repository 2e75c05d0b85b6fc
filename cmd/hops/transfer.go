package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hopsnet/hops/app/bulk"
	"github.com/hopsnet/hops/app/udpstream"
	"github.com/hopsnet/hops/node"
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
	)
	cfg.Rate, cfg.Length, port = udpstream.DefaultRate, udpstream.DefaultLength, udpstream.DefaultPort
	cmd := &cobra.Command{
		Use:   "transfer --udp [flags] [DEST]",
		Short: "Send a stream to DEST and measure it, like iperf3 (today UDP: --udp)",
		Long: `transfer sends a stream from a node (default: the laptop) to DEST (--to or the
argument; default: www.example.com) and reports what arrived the way
iperf3 does.

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

TCP transfers come with hops' TCP engine; until then transfer needs --udp.`,
		Example: `  hops transfer --udp --rate 90Mbps
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
				return g.tcpTransfer(cmd, from, dest, tcpOpts{size: cfg.Bytes, port: port, interval: interval, cc: cc, window: window})
			}
			switch {
			case f.Changed("time") && f.Changed("size"):
				return usageError{errors.New("transfer: --time and --size both say when to stop; give one")}
			case f.Changed("size"):
				duration = 0
			case duration <= 0:
				return usageError{errors.New("transfer: --time must be greater than 0")}
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
				from: from, dest: dest,
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
	f.StringVar(&cc, "cc", "newreno", "TCP congestion control: `ALGO` newreno")
	f.VarP(sizeFlag{&window}, "window", "w", "TCP send and receive buffer `SIZE` of both ends (default 4MiB; hops has no buffer autotuning yet)")
	f.VarP(rateFlag{&cfg.Rate}, "rate", "b", "UDP payload `RATE` in bits per second: 90Mbps, 1.5Gbps, or iperf3's 90M")
	f.VarP(intFlag{&cfg.Length, "transfer", udpstream.HeaderLen, udpstream.MaxLength}, "length", "l", "UDP payload `BYTES` per datagram")
	secondsVarP(f, &duration, "time", "t", udpstream.DefaultDuration, "how long to send, in seconds or as a duration (10, 500ms)")
	f.VarP(sizeFlag{&cfg.Bytes}, "size", "n", "send `SIZE` instead of sending for a time: 100MB, 64KiB, or iperf3's 100M (MiB); rounded up to whole datagrams")
	f.VarP(intFlag{&port, "transfer", 1, 65535}, "port", "p", "the receiver's UDP `PORT`")
	secondsVarP(f, &interval, "interval", "i", udpstream.DefaultInterval, "seconds between the receiver's reports (0: none)")
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
}

// defaultTCPWindow stands in for Linux's receive-buffer autotuning, which
// hops lacks: a buffer about as large as an autotuned Linux socket grows
// to on the default world's paths (tcp_rmem's maximum is 6 MiB).
const defaultTCPWindow = 4 << 20

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
	if o.cc != "newreno" {
		return usageError{fmt.Errorf("transfer: unknown congestion control %q (hops has: newreno)", o.cc)}
	}
	cfg := bulk.Config{Size: o.size, Port: uint16(o.port), Interval: o.interval}
	if o.window == 0 {
		o.window = defaultTCPWindow
	}
	if o.window > 1<<30 {
		return usageError{fmt.Errorf("transfer: --window %d: at most 1 GiB (RFC 7323's largest window)", o.window)}
	}
	cfg.TCP.SendBufSize, cfg.TCP.RecvBufSize = int(o.window), int(o.window)
	if cfg.Size == 0 {
		cfg.Size = defaultTCPSize
	}
	if o.interval == 0 {
		cfg.Interval = 1<<63 - 1 // no interval reports
	}
	var (
		tr  *bulk.Transfer
		res *bulk.Result
	)
	_, sig, err := g.runApp(appRun{
		from: from, dest: dest,
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
			var err error
			tr, err = bulk.Start(src, dest, rcv, dst, cfg, func(r *bulk.Result) {
				res = r
				summary(r)
				done()
			})
			if err != nil {
				return fmt.Errorf("transfer: %w", err)
			}
			return nil
		},
		interrupted: func(s *session, sig syscall.Signal) { tr.Stop() },
		progress:    func() (int64, int64) { return tr.Progress() },
	})
	if err != nil {
		return err
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

// bulkJSON streams a TCP transfer as JSON Lines: "start", one
// "interval" per report, then "summary".
type bulkJSON struct{ enc *json.Encoder }

func (j *bulkJSON) Start(r *bulk.Result) {
	j.enc.Encode(struct {
		Type     string         `json:"type"`
		Protocol string         `json:"protocol"`
		Dest     string         `json:"dest"`
		Src      netip.AddrPort `json:"src"`
		Dst      netip.AddrPort `json:"dst"`
		Size     int64          `json:"size"`
		Connect  time.Duration  `json:"connect_ns"`
	}{"start", "tcp", r.Dest, r.Src, r.Dst, r.Size, r.Connect})
}

func (j *bulkJSON) Interval(i bulk.Interval) {
	j.enc.Encode(struct {
		Type string `json:"type"`
		bulk.Interval
	}{"interval", i})
}

func (j *bulkJSON) summary(r *bulk.Result) {
	j.enc.Encode(struct {
		Type string `json:"type"`
		*bulk.Result
	}{"summary", r})
}
