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
	n       *node.Node
	k       *sim.Kernel
	cfg     Config
	dst     netip.Addr
	conn    *node.UDPConn
	res     Result
	ttl     int
	port    uint16
	sentAt  map[uint16]sim.Time
	slot    map[uint16]int // destination port → index in the current hop
	waiting int
	timer   sim.Timer
	stop    bool // an answer from the destination, or an unreachable, ends the trace after this hop
	done    func(*Result)
	payload []byte
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
	t := &Tracer{n: n, k: n.Kernel(), cfg: cfg, dst: dst, done: done, port: BasePort,
		sentAt: map[uint16]sim.Time{}, slot: map[uint16]int{}}
	conn, err := n.ListenUDP(0, nil)
	if err != nil {
		return nil, err
	}
	t.conn = conn
	t.res = Result{Dest: dest, Addr: dst, MaxTTL: cfg.MaxTTL, PacketLen: cfg.PacketLen}
	if r, ok := n.Routes.Lookup(dst); ok {
		t.res.Src = n.Ifaces()[r.Iface].Addr()
	}
	// traceroute's UDP payload is zeroes after the headers; Linux fills it
	// with 0x40, 0x41, ... which is what we do.
	t.payload = make([]byte, cfg.PacketLen-28)
	for i := range t.payload {
		t.payload[i] = byte(0x40 + (i+8)&0x3f)
	}
	n.ListenICMP(t.onICMP)
	t.ttl = cfg.FirstTTL
	t.sendHop()
	return t, nil
}

func (t *Tracer) sendHop() {
	hop := Hop{TTL: t.ttl, Probes: make([]Probe, t.cfg.Queries)}
	t.res.Hops = append(t.res.Hops, hop)
	t.conn.TTL = uint8(t.ttl)
	clear(t.slot)
	t.waiting = t.cfg.Queries
	for q := 0; q < t.cfg.Queries; q++ {
		port := t.port
		t.port++
		t.slot[port] = q
		t.sentAt[port] = t.k.Now()
		if _, err := t.conn.SendTo(netip.AddrPortFrom(t.dst, port), t.payload); err != nil {
			// Like Linux traceroute, a probe that cannot even be sent
			// ends the trace with the error; the hop has no answer to show.
			t.res.Hops = t.res.Hops[:len(t.res.Hops)-1]
			t.res.Error = err.Error()
			t.finish()
			return
		}
	}
	t.timer = t.k.AfterFunc(t.cfg.Wait, t.hopDone)
}

func (t *Tracer) onICMP(now sim.Time, m *node.ICMPPacket) {
	if t.done == nil {
		return // finished
	}
	if !m.IsError() || !m.HasQuote || m.Quoted.Protocol != wire.ProtoUDP || m.Quoted.Dst != t.dst || len(m.QuotedPayload) < 8 {
		return
	}
	udp := wire.UDP(m.QuotedPayload)
	if udp.SrcPort() != t.conn.LocalPort() {
		return
	}
	q, ok := t.slot[udp.DstPort()]
	if !ok {
		return // a late answer to an earlier hop
	}
	delete(t.slot, udp.DstPort())
	hop := &t.res.Hops[len(t.res.Hops)-1]
	p := Probe{From: m.IP.Src, RTT: now.Sub(t.sentAt[udp.DstPort()]), TTL: m.IP.TTL}
	switch m.Msg.Type {
	case wire.ICMPDestUnreachable:
		switch m.Msg.Code {
		case wire.ICMPPortUnreachable:
			if m.IP.Src == t.dst {
				t.res.Reached = true
			}
		case wire.ICMPNetUnreachable:
			p.Note = "!N"
		case wire.ICMPHostUnreachable:
			p.Note = "!H"
		case wire.ICMPProtoUnreachable:
			p.Note = "!P"
		case wire.ICMPFragNeeded:
			p.Note = fmt.Sprintf("!F-%d", m.Msg.MTU)
		default:
			p.Note = fmt.Sprintf("!<%d>", m.Msg.Code)
		}
		t.stop = true
	}
	hop.Probes[q] = p
	t.waiting--
	if t.waiting == 0 {
		t.k.Cancel(t.timer)
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
	if t.stop || t.ttl >= t.cfg.MaxTTL {
		t.finish()
		return
	}
	t.ttl++
	t.sendHop()
}

func (t *Tracer) finish() {
	t.conn.Close()
	if done := t.done; done != nil {
		t.done = nil
		done(&t.res)
	}
}

// Write prints r the way Linux traceroute does; name gives a host name for
// an address (like reverse DNS; "" prints the address twice, as traceroute
// does for an address without a name), and a nil name prints addresses
// only, like traceroute -n.
func (r *Result) Write(w io.Writer, name func(netip.Addr) string) {
	fmt.Fprintf(w, "traceroute to %s (%s), %d hops max, %d byte packets\n", r.Dest, r.Addr, r.MaxTTL, r.PacketLen)
	for _, h := range r.Hops {
		var b strings.Builder
		fmt.Fprintf(&b, "%2d ", h.TTL)
		var last netip.Addr
		for _, p := range h.Probes {
			if p.Timeout {
				b.WriteString(" *")
				continue
			}
			if p.From != last {
				if name == nil {
					fmt.Fprintf(&b, " %s", p.From) // like traceroute -n
				} else {
					host := p.From.String()
					if n := name(p.From); n != "" {
						host = n
					}
					fmt.Fprintf(&b, " %s (%s)", host, p.From)
				}
				last = p.From
			}
			fmt.Fprintf(&b, "  %.3f ms", float64(p.RTT)/1e6)
			if p.Note != "" {
				b.WriteString(" " + p.Note)
			}
		}
		fmt.Fprintln(w, b.String())
	}
	if r.Error != "" {
		fmt.Fprintf(w, "traceroute: send: %s\n", r.Error)
	}
}
