// Package bench holds hops' named benchmark scenarios: small worlds with
// their traffic, built the same way every time, for `hops bench` to run
// and time. A scenario builds its world, starts its apps at virtual time
// zero and runs the kernel until every app is done; it subscribes no
// observer to the trace bus, so what is measured is the simulation alone.
//
// The scenarios, over one chain (host – r1 – r2 – r3 – host, every link
// 100 Mbit/s, 5 ms, a 100-packet drop-tail queue each way, MTU 1500):
//
//   - tcp-chain: one 100 MB TCP transfer (NewReno, MSS 1448 with
//     timestamps, 128 KiB socket buffers), the TCP issue's benchmark;
//   - tcp-dumbbell: ten 20 MB transfers at once from ten senders on r1 to
//     ten receivers on r3, every flow's path the chain's four links;
//   - udp-chain: a 90 Mbit/s UDP stream for 10 s (1460-byte payloads);
//   - ping: 10,000 echo requests 1 ms apart.
//
// This package only builds and runs; the wall clock and the memory
// statistics belong to the caller (cmd/hops), outside the simulation.
package bench

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hopsnet/hops/app/bulk"
	"github.com/hopsnet/hops/app/ping"
	"github.com/hopsnet/hops/app/udpstream"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/tcp"
	"github.com/hopsnet/hops/world"
)

// Reference is a measurement of the same scenario by another simulator,
// quoted, not re-measured: the figures the TCP issue gives for ns-3.
type Reference struct {
	Source      string        `json:"source"`                             // who measured, e.g. "ns-3 (optimized build)"
	SimTime     time.Duration `json:"sim_time_ns"`                        // simulated time; 0: not given
	LinkPackets int64         `json:"link_packets"`                       // transmissions on links, all directions; 0: not given
	WallMin     time.Duration `json:"wall_min_ns"`                        // the wall time range the source saw
	WallMax     time.Duration `json:"wall_max_ns"`                        // (it depends on the machine's load)
	RateMin     float64       `json:"link_packets_per_sec_min,omitempty"` // link-packets per wall-second; 0: not given
	RateMax     float64       `json:"link_packets_per_sec_max,omitempty"`
	PeakMemory  int64         `json:"peak_memory_bytes,omitempty"` // 0: not given
}

// ns3Chain and ns3Dumbbell are the figures quoted in the TCP issue.
var (
	ns3Chain = &Reference{
		Source:      "ns-3 (optimized build), the TCP issue's figures",
		SimTime:     31400 * time.Millisecond,
		LinkPackets: 414000,
		WallMin:     1100 * time.Millisecond, WallMax: 2900 * time.Millisecond,
		RateMin: 140000, RateMax: 380000,
		PeakMemory: 16 << 20,
	}
	ns3Dumbbell = &Reference{
		Source:  "ns-3 (optimized build), the TCP issue's figures",
		WallMin: 2700 * time.Millisecond, WallMax: 4700 * time.Millisecond,
	}
)

// Scenario is one named benchmark.
type Scenario struct {
	Name    string
	Summary string     // one line: the topology and the traffic
	Ref     *Reference // the figures for it, or nil
	build   func(r *Run, scale float64) error
}

// scenarios, in the order `hops bench` runs them.
var scenarios = []*Scenario{
	{
		Name:    "tcp-chain",
		Summary: "host a - r1 - r2 - r3 - host b, each link 100 Mbit/s, 5 ms, 100-packet drop-tail queue, MTU 1500; one 100 MB TCP transfer a→b (NewReno, MSS 1448, 128 KiB socket buffers)",
		Ref:     ns3Chain,
		build: func(r *Run, scale float64) error {
			return r.tcp(chainYAML(1), 1, scaled(100e6, scale))
		},
	},
	{
		Name:    "tcp-dumbbell",
		Summary: "the chain with 10 senders on r1 and 10 receivers on r3 (each path 4 links of 100 Mbit/s, 5 ms, 100 packets); 10 TCP transfers of 20 MB at once, sharing r1 - r2 - r3",
		Ref:     ns3Dumbbell,
		build: func(r *Run, scale float64) error {
			return r.tcp(chainYAML(10), 10, scaled(20e6, scale))
		},
	},
	{
		Name:    "udp-chain",
		Summary: "the chain; a constant 90 Mbit/s UDP stream a→b for 10 s (1460-byte payloads, every one checked at b)",
		build: func(r *Run, scale float64) error {
			return r.udp(time.Duration(math.Max(1e6, math.Round(10e9*scale))))
		},
	},
	{
		Name:    "ping",
		Summary: "the chain; 10,000 ICMP echo requests a→b, 1 ms apart (ping -c 10000 -i 0.001)",
		build: func(r *Run, scale float64) error {
			return r.ping(int(scaled(10000, scale)))
		},
	},
}

// scaled is n times scale, at least 1.
func scaled(n float64, scale float64) int64 {
	return int64(math.Max(1, math.Round(n*scale)))
}

// All returns the scenarios in their order.
func All() []*Scenario { return append([]*Scenario(nil), scenarios...) }

// Lookup returns the scenario called name, or nil.
func Lookup(name string) *Scenario {
	for _, s := range scenarios {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Names returns the scenarios' names in their order.
func Names() []string {
	var names []string
	for _, s := range scenarios {
		names = append(names, s.Name)
	}
	return names
}

// Suggest returns the scenario name closest to a misspelt one, or "" when
// none is close: within an edit distance of a third of its length (at
// least 2) of a whole name, or of one part of it ("dumbell" for
// "tcp-dumbbell"), or contained in one.
func Suggest(name string) string {
	best, bestD := "", math.MaxInt
	for _, s := range scenarios {
		d := editDistance(name, s.Name)
		if name != "" && (strings.Contains(s.Name, name) || strings.Contains(name, s.Name)) {
			d = min(d, 1)
		}
		for _, part := range strings.Split(s.Name, "-") {
			if len(part) >= 3 {
				d = min(d, editDistance(name, part)+1)
			}
		}
		if d < bestD {
			best, bestD = s.Name, d
		}
	}
	if bestD <= max(2, len(name)/3) {
		return best
	}
	return ""
}

// editDistance is the Damerau–Levenshtein distance (with adjacent
// transpositions) between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// link is every link's configuration in the scenarios.
const link = "rate: 100Mbps, delay: 5ms, queue: 100 packets, mtu: 1500"

// chainYAML is the chain r1 - r2 - r3 with n hosts on each end: with
// n = 1, host a on r1 and host b on r3; otherwise senders s1..sn on r1
// and receivers d1..dn on r3.
func chainYAML(n int) string {
	var b strings.Builder
	b.WriteString("name: bench-chain\nnodes:\n")
	src, dst := hostNames(n)
	for _, h := range src {
		fmt.Fprintf(&b, "  - {name: %s, role: host}\n", h)
	}
	b.WriteString("  - {name: r1, role: router}\n  - {name: r2, role: router}\n  - {name: r3, role: router}\n")
	for _, h := range dst {
		fmt.Fprintf(&b, "  - {name: %s, role: host}\n", h)
	}
	b.WriteString("links:\n")
	for i, h := range src {
		fmt.Fprintf(&b, "  - {a: %s 10.1.%d.2/30, b: r1 10.1.%d.1/30, %s}\n", h, i, i, link)
	}
	fmt.Fprintf(&b, "  - {a: r1 10.0.1.1/30, b: r2 10.0.1.2/30, %s}\n", link)
	fmt.Fprintf(&b, "  - {a: r2 10.0.2.1/30, b: r3 10.0.2.2/30, %s}\n", link)
	for i, h := range dst {
		fmt.Fprintf(&b, "  - {a: r3 10.2.%d.1/30, b: %s 10.2.%d.2/30, %s}\n", i, h, i, link)
	}
	return b.String()
}

// hostNames are the chain's senders and receivers.
func hostNames(n int) (src, dst []string) {
	if n == 1 {
		return []string{"a"}, []string{"b"}
	}
	for i := 1; i <= n; i++ {
		src = append(src, fmt.Sprintf("s%d", i))
		dst = append(dst, fmt.Sprintf("d%d", i))
	}
	return src, dst
}

// Outcome is what a scenario's traffic achieved. Fields that do not
// apply to its kind are zero.
type Outcome struct {
	Kind  string `json:"kind"` // "tcp", "udp" or "ping"
	Flows int    `json:"flows"`
	// Size is what the apps meant to move (bytes; ping: requests);
	// Bytes what arrived (ping: replies).
	Size  int64 `json:"size"`
	Bytes int64 `json:"bytes"`
	// Elapsed runs from the start to the last flow's end (its last byte
	// read, datagram received, reply).
	Elapsed time.Duration `json:"elapsed_ns"`
	Goodput float64       `json:"goodput_bps"` // Bytes·8 / Elapsed, every flow together
	// TCP: retransmitted segments and timeouts, senders summed; how the
	// bytes were checked (Run.Check: "stream" or "sha256") and the flows
	// whose received bytes passed the check.
	Retransmits uint64 `json:"retransmits,omitempty"`
	Timeouts    uint64 `json:"timeouts,omitempty"`
	Check       string `json:"check,omitempty"`
	Matched     int    `json:"matched,omitempty"`
	MSS         int    `json:"mss,omitempty"`
	// UDP and ping: datagrams or requests lost; UDP: datagrams that
	// arrived with other bytes than were sent.
	Lost    int64 `json:"lost,omitempty"`
	Corrupt int64 `json:"corrupt,omitempty"`
	// Ping: the average round trip.
	AvgRTT time.Duration `json:"avg_rtt_ns,omitempty"`
	// Err is the first flow's error, or "".
	Err string `json:"error,omitempty"`
}

// OK reports whether the traffic did what it should: no error, and for
// TCP every flow's bytes arrived intact.
func (o *Outcome) OK() bool {
	return o.Err == "" && (o.Kind != "tcp" || o.Matched == o.Flows)
}

// Run is one built scenario: its world and apps, ready to start.
type Run struct {
	Scenario *Scenario
	World    *world.World
	start    []func() error
	seed     uint64
	pending  int // apps started and not done
	out      Outcome
	// Check is how TCP scenarios check the bytes that arrived; set it
	// before Start. The zero value hashes both ends with SHA-256;
	// bulk.CheckStream compares every byte with the sender's stream,
	// which is exact and leaves the simulation most of the time.
	Check bulk.Check
}

// Build builds the scenario's world with its random streams from seed.
// scale multiplies its traffic (bytes, duration, requests; 1 is the
// benchmark as named); nothing is started yet.
func (s *Scenario) Build(seed uint64, scale float64) (*Run, error) {
	if !(scale > 0) || math.IsInf(scale, 0) {
		return nil, fmt.Errorf("bench: scale %v: must be positive", scale)
	}
	r := &Run{Scenario: s}
	r.seed = seed
	if err := s.build(r, scale); err != nil {
		return nil, fmt.Errorf("bench %s: %w", s.Name, err)
	}
	return r, nil
}

// world builds the run's world from a scenario text.
func (r *Run) world(yaml string) error {
	w, err := world.FromYAML(r.Scenario.Name+".yaml", []byte(yaml), r.seed, world.Options{})
	if err != nil {
		return err
	}
	r.World = w
	return nil
}

// pair returns flow i's two ends.
func (r *Run) pair(n, i int) (src, dst *node.Node) {
	s, d := hostNames(n)
	return r.World.Node(s[i]), r.World.Node(d[i])
}

// tcp sets up n bulk transfers of size bytes each.
func (r *Run) tcp(yaml string, n int, size int64) error {
	if err := r.world(yaml); err != nil {
		return err
	}
	r.out = Outcome{Kind: "tcp", Flows: n, Size: size * int64(n)}
	cfg := bulk.Config{
		Size: size,
		// No interval reports within the run. Not MaxInt64: bulk adds
		// the interval to the current time, which would overflow.
		Interval: 1000 * Limit,
		TCP: tcp.Config{
			SendBufSize: 128 << 10, RecvBufSize: 128 << 10,
			Congestion: tcp.NewNewReno,
		},
	}
	for i := range n {
		src, dst := r.pair(n, i)
		r.start = append(r.start, func() error {
			r.pending++
			cfg := cfg
			cfg.Check = r.Check
			r.out.Check = r.Check.String()
			_, err := bulk.Start(src, dst.Name, dst, dst.Addr(), cfg, func(res *bulk.Result) {
				r.pending--
				r.out.addTCP(res)
			})
			return err
		})
	}
	return nil
}

func (o *Outcome) addTCP(res *bulk.Result) {
	o.Bytes += res.BytesReceived
	o.Elapsed = max(o.Elapsed, res.Elapsed)
	o.Retransmits += res.Sender.Retransmits
	o.Timeouts += res.Sender.Timeouts
	o.MSS = res.Sender.MSS
	if res.Match {
		o.Matched++
	}
	if res.Err != nil && o.Err == "" {
		o.Err = res.Err.Error()
	}
}

// udp sets up a 90 Mbit/s stream for d.
func (r *Run) udp(d time.Duration) error {
	if err := r.world(chainYAML(1)); err != nil {
		return err
	}
	src, dst := r.pair(1, 0)
	cfg := udpstream.Config{Rate: 90_000_000, Length: udpstream.DefaultLength, Duration: d, Interval: -1}
	r.out = Outcome{Kind: "udp", Flows: 1, Size: int64(udpstream.Planned(d, cfg.Rate, cfg.Length)) * int64(cfg.Length)}
	r.start = append(r.start, func() error {
		r.pending++
		_, err := udpstream.Start(src, dst.Name, dst.Addr(), dst, cfg, func(res *udpstream.Result) {
			r.pending--
			o := &r.out
			o.Bytes = res.Receiver.Bytes
			o.Elapsed = res.Receiver.Elapsed
			o.Lost = res.Receiver.Lost
			o.Corrupt = res.Receiver.Corrupt
			if res.Err != nil {
				o.Err = res.Err.Error()
			}
		})
		return err
	})
	return nil
}

// ping sets up count echo requests 1 ms apart.
func (r *Run) ping(count int) error {
	if err := r.world(chainYAML(1)); err != nil {
		return err
	}
	src, dst := r.pair(1, 0)
	cfg := ping.Config{Count: count, Size: ping.DefaultSize, Interval: time.Millisecond, Handler: discard{}}
	r.out = Outcome{Kind: "ping", Flows: 1, Size: int64(count)}
	r.start = append(r.start, func() error {
		r.pending++
		ping.Start(src, dst.Name, dst.Addr(), cfg, func(res *ping.Result) {
			r.pending--
			o := &r.out
			o.Bytes = int64(res.Received)
			o.Lost = int64(res.Transmitted - res.Received)
			o.Elapsed = res.Elapsed
			o.AvgRTT = res.Avg
		})
		return nil
	})
	return nil
}

// discard is a ping handler that keeps nothing: the run keeps only its
// counters, as `ping -q` does.
type discard struct{}

func (discard) Start(*ping.Result)       {}
func (discard) Reply(ping.Reply)         {}
func (discard) ICMPError(ping.ICMPError) {}
func (discard) SendError(ping.SendError) {}

// Start starts the scenario's apps at the current virtual time (zero).
func (r *Run) Start() error {
	for _, f := range r.start {
		if err := f(); err != nil {
			return fmt.Errorf("bench %s: %w", r.Scenario.Name, err)
		}
	}
	r.start = nil
	return nil
}

// Limit bounds every run in virtual time: a scenario not done by then
// has failed.
const Limit = time.Hour

// RunToEnd runs the kernel until every app is done (or the queue
// empties, or Limit passes) and reports whether they all finished. It is
// the loop to time: one check of a counter per event. stop, when not
// nil, is asked every 65536 events whether to give up (a signal); it
// does not change what the simulation does.
func (r *Run) RunToEnd(stop func() bool) bool {
	k := r.World.Kernel
	limit := k.Now().Add(Limit)
	for n := uint32(1); r.pending > 0 && k.NextAt() <= limit && k.Step(); n++ {
		if n%(1<<16) == 0 && stop != nil && stop() {
			break
		}
	}
	return r.pending == 0
}

// LinkPackets is the sum over every link and both directions of the
// packets put on the wire (link.Stats.Sent): ns-3's "packets on links".
// Packets dropped at a full queue never reach the wire and are not
// counted; those lost to a loss model are.
func (r *Run) LinkPackets() (packets, bytes uint64) {
	for _, l := range r.World.Links {
		for side := range 2 {
			st := l.Stats(side)
			packets += st.Sent
			bytes += st.SentBytes
		}
	}
	return packets, bytes
}

// QueueDrops is the sum over every link direction of the packets dropped
// at a full queue.
func (r *Run) QueueDrops() uint64 {
	var n uint64
	for _, l := range r.World.Links {
		for side := range 2 {
			n += l.Stats(side).DroppedQueue
		}
	}
	return n
}

// Outcome returns what the traffic achieved; call it after RunToEnd.
func (r *Run) Outcome() Outcome {
	o := &r.out
	if r.pending > 0 && o.Err == "" {
		o.Err = fmt.Sprintf("%d of %d flows did not finish within %v of virtual time", r.pending, o.Flows, Limit)
	}
	if o.Elapsed > 0 {
		switch o.Kind {
		case "tcp", "udp":
			o.Goodput = float64(o.Bytes) * 8 / o.Elapsed.Seconds()
		}
	}
	return *o
}
