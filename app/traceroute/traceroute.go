// Package traceroute is the traceroute app, after Linux traceroute's
// default method: UDP probes to port 33434 and up with the TTL rising one
// hop at a time, three probes per hop. Each router where a probe's TTL runs
// out answers ICMP time exceeded; the destination answers ICMP port
// unreachable, which ends the trace.
package traceroute

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// BasePort is the first destination port probed (traceroute -p default).
const BasePort = 33434

// Config says how to probe. The zero value is Linux traceroute's defaults.
type Config struct {
	FirstTTL  int           // default 1 (traceroute -f)
	MaxTTL    int           // default 30 (traceroute -m)
	Queries   int           // probes per hop, default 3 (traceroute -q)
	Wait      time.Duration // how long to wait for a probe's answer, default 5s (traceroute -w)
	PacketLen int           // total IP datagram length, default 60 (as traceroute's packetlen argument)

	// Handler, if set, gets each probe's outcome as soon as it and every
	// probe before it in its hop are known, in the order traceroute
	// prints them, and each hop when it is complete.
	Handler Handler
}

// Handler receives a trace as it happens, on the simulation's thread.
type Handler interface {
	Start(r *Result)               // before the first probe; Dest, Addr, Src, MaxTTL and PacketLen are set
	Probe(ttl, index int, p Probe) // probe index (0, 1, ...) of the hop with this TTL
	Hop(h Hop)                     // the hop's probes are all known
}

// Probe is one probe's outcome.
type Probe struct {
	From    netip.Addr    `json:"from,omitempty"` // who answered; invalid if nobody did
	RTT     time.Duration `json:"rtt_ns,omitempty"`
	TTL     uint8         `json:"reply_ttl,omitempty"` // TTL of the answer as it arrived
	Note    string        `json:"note,omitempty"`      // "!N", "!H", "!P", "!F-1500" ... as traceroute prints
	Timeout bool          `json:"timeout,omitempty"`
}

// Hop is one line of the trace.
type Hop struct {
	TTL    int     `json:"ttl"`
	Probes []Probe `json:"probes"`
}

// Result is a finished trace.
type Result struct {
	Dest      string     `json:"dest"`
	Addr      netip.Addr `json:"addr"`
	Src       netip.Addr `json:"src"`
	MaxTTL    int        `json:"max_hops"`
	PacketLen int        `json:"packet_len"`
	Reached   bool       `json:"reached"`
	Hops      []Hop      `json:"hops"`
	Error     string     `json:"error,omitempty"`
}

// Tracer is a running traceroute.
type Tracer struct {
	n        *node.Node
	cfg      Config
	dst      netip.Addr
	conn     *node.UDPConn
	res      Result
	ttl      int
	port     uint16
	sentAt   map[uint16]sim.Time
	slot     map[uint16]int // destination port → index in the current hop
	waiting  int
	timer    *node.Timer // the end of the current hop's wait
	stop     bool        // an answer from the destination, or an unreachable, ends the trace after this hop
	done     func(*Result)
	payload  []byte
	h        Handler
	shown    int // probes of the current hop handed to h so far
	finished bool
}

// Start traces the route from n to dst; done gets the result.
func Start(n *node.Node, dest string, dst netip.Addr, cfg Config, done func(*Result)) (*Tracer, error) {
	if cfg.FirstTTL <= 0 {
		cfg.FirstTTL = 1
	}
	if cfg.MaxTTL <= 0 {
		cfg.MaxTTL = 30
	}
	if cfg.Queries <= 0 {
		cfg.Queries = 3
	}
	if cfg.Wait <= 0 {
		cfg.Wait = 5 * time.Second
	}
	if cfg.PacketLen <= 0 {
		cfg.PacketLen = 60
	}
	if cfg.MaxTTL > 255 {
		return nil, fmt.Errorf("max hops %d out of range (1..255)", cfg.MaxTTL)
	}
	if cfg.FirstTTL > cfg.MaxTTL {
		return nil, fmt.Errorf("first hop %d out of range (1..%d, the max hops)", cfg.FirstTTL, cfg.MaxTTL)
	}
	if cfg.PacketLen < 28 {
		return nil, fmt.Errorf("packet length %d is less than the 28 bytes of the IP and UDP headers", cfg.PacketLen)
	}
	t := &Tracer{n: n, cfg: cfg, dst: dst, done: done, port: BasePort,
		sentAt: map[uint16]sim.Time{}, slot: map[uint16]int{}}
	conn, err := n.ListenUDP(0, nil)
	if err != nil {
		return nil, err
	}
	// Like Linux traceroute (IP_RECVERR), the probes' socket hears the
	// ICMP errors about them; without -F it never sets DF
	// (IP_PMTUDISC_DONT).
	conn.OnError(t.onError)
	conn.PMTU = node.PMTUDont
	t.conn = conn
	t.timer = n.NewTimer(func(sim.Time) { t.hopDone() })
	t.res = Result{Dest: dest, Addr: dst, MaxTTL: cfg.MaxTTL, PacketLen: cfg.PacketLen}
	if r, ok := n.Routes.Lookup(dst); ok {
		t.res.Src = n.Ifaces()[r.Iface].Addr()
	}
	// Linux traceroute fills the probe's data with 0x40, 0x41, ... 0x7f,
	// 0x40 ... (traceroute.c: data[i] = 0x40 + (i & 0x3f)).
	t.payload = make([]byte, cfg.PacketLen-28)
	for i := range t.payload {
		t.payload[i] = byte(0x40 + i&0x3f)
	}
	t.h = cfg.Handler
	if t.h != nil {
		t.h.Start(&t.res)
	}
	t.ttl = cfg.FirstTTL
	t.sendHop()
	return t, nil
}

func (t *Tracer) sendHop() {
	hop := Hop{TTL: t.ttl, Probes: make([]Probe, t.cfg.Queries)}
	t.res.Hops = append(t.res.Hops, hop)
	t.conn.TTL = uint8(t.ttl)
	clear(t.slot)
	t.shown = 0
	t.waiting = t.cfg.Queries
	for q := 0; q < t.cfg.Queries; q++ {
		port := t.port
		t.port++
		t.slot[port] = q
		t.sentAt[port] = t.n.Now()
		if _, err := t.conn.SendTo(netip.AddrPortFrom(t.dst, port), t.payload); err != nil {
			// Like Linux traceroute, a probe that cannot even be sent
			// ends the trace with the error; the hop has no answer to show.
			t.res.Hops = t.res.Hops[:len(t.res.Hops)-1]
			t.res.Error = err.Error()
			t.finish()
			return
		}
	}
	t.timer.Reset(t.cfg.Wait)
}

// onError takes an ICMP error about one of the probes, as the node hands
// it to the probes' socket.
func (t *Tracer) onError(now sim.Time, e *node.ICMPError) {
	if t.finished || e.Quoted.Dst != t.dst || len(e.QuotedPayload) < 8 {
		return
	}
	udp := wire.UDP(e.QuotedPayload)
	q, ok := t.slot[udp.DstPort()]
	if !ok {
		return // a late answer to an earlier hop
	}
	delete(t.slot, udp.DstPort())
	hop := &t.res.Hops[len(t.res.Hops)-1]
	p := Probe{From: e.From, RTT: now.Sub(t.sentAt[udp.DstPort()]), TTL: e.TTL}
	switch e.Type {
	case wire.ICMPDestUnreachable:
		switch e.Code {
		case wire.ICMPPortUnreachable:
			if e.From == t.dst {
				t.res.Reached = true
			}
		case wire.ICMPNetUnreachable:
			p.Note = "!N"
		case wire.ICMPHostUnreachable:
			p.Note = "!H"
		case wire.ICMPProtoUnreachable:
			p.Note = "!P"
		case wire.ICMPFragNeeded:
			p.Note = fmt.Sprintf("!F-%d", e.MTU)
		default:
			p.Note = fmt.Sprintf("!<%d>", e.Code)
		}
		t.stop = true
	}
	hop.Probes[q] = p
	t.show(hop)
	t.waiting--
	if t.waiting == 0 {
		t.timer.Stop()
		t.hopDone()
	}
}

func (t *Tracer) hopDone() {
	hop := &t.res.Hops[len(t.res.Hops)-1]
	for i := range hop.Probes {
		if !hop.Probes[i].From.IsValid() {
			hop.Probes[i].Timeout = true
		}
	}
	t.show(hop)
	if t.h != nil {
		t.h.Hop(*hop)
	}
	if t.stop || t.ttl >= t.cfg.MaxTTL {
		t.finish()
		return
	}
	t.ttl++
	t.sendHop()
}

// show hands the handler the hop's probes that are known, in order,
// like Linux traceroute, which prints a probe once it and all before it
// are done.
func (t *Tracer) show(hop *Hop) {
	for t.shown < len(hop.Probes) {
		p := hop.Probes[t.shown]
		if !p.From.IsValid() && !p.Timeout {
			return
		}
		if t.h != nil {
			t.h.Probe(hop.TTL, t.shown, p)
		}
		t.shown++
	}
}

func (t *Tracer) finish() {
	if t.finished {
		return
	}
	t.finished = true
	t.timer.Stop()
	t.conn.Close()
	if t.done != nil {
		t.done(&t.res)
	}
}

// Write prints r the way Linux traceroute does; name gives a host name for
// an address (like reverse DNS; "" prints the address twice, as traceroute
// does for an address without a name), and a nil name prints addresses
// only, like traceroute -n. A send error goes to w too.
func (r *Result) Write(w io.Writer, name func(netip.Addr) string) {
	p := &Printer{Out: w, Name: name}
	p.Start(r)
	for _, h := range r.Hops {
		for i, pr := range h.Probes {
			p.Probe(h.TTL, i, pr)
		}
		p.Hop(h)
	}
	if r.Error != "" {
		WriteError(w, r)
	}
}

// WriteError prints the error that ended a trace, if any.
func WriteError(w io.Writer, r *Result) {
	if r.Error != "" {
		fmt.Fprintf(w, "traceroute: send: %s\n", r.Error)
	}
}

// Printer is a Handler that prints a trace the way Linux traceroute does,
// each probe as soon as it is known.
type Printer struct {
	Out  io.Writer
	Name func(netip.Addr) string // the host name of an address ("" if none); nil: numeric, like -n
	last netip.Addr
	b    strings.Builder
	Open bool // a hop's line is started and not yet ended
}

// Start prints the header.
func (p *Printer) Start(r *Result) {
	fmt.Fprintf(p.Out, "traceroute to %s (%s), %d hops max, %d byte packets\n", r.Dest, r.Addr, r.MaxTTL, r.PacketLen)
}

// Probe prints one probe's part of its hop's line.
func (p *Printer) Probe(ttl, index int, pr Probe) {
	b := &p.b
	b.Reset()
	if index == 0 {
		fmt.Fprintf(b, "%2d ", ttl)
		p.last = netip.Addr{}
		p.Open = true
	}
	if pr.Timeout {
		b.WriteString(" *")
	} else {
		if pr.From != p.last {
			if p.Name == nil {
				fmt.Fprintf(b, " %s", pr.From) // like traceroute -n
			} else {
				host := pr.From.String()
				if n := p.Name(pr.From); n != "" {
					host = n
				}
				fmt.Fprintf(b, " %s (%s)", host, pr.From)
			}
			p.last = pr.From
		}
		fmt.Fprintf(b, "  %.3f ms", float64(pr.RTT)/1e6)
		if pr.Note != "" {
			b.WriteString(" " + pr.Note)
		}
	}
	io.WriteString(p.Out, b.String())
}

// Hop ends the hop's line.
func (p *Printer) Hop(Hop) {
	io.WriteString(p.Out, "\n")
	p.Open = false
}
