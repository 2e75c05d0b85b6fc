// Package ping is the ping app: ICMP echo requests at an interval, replies
// matched by identifier and sequence number, round-trip times from the
// virtual clock, and the statistics Linux ping prints.
package ping

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"strconv"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// DefaultSize is ping's default ICMP data size: 56 bytes, 84 with headers.
const DefaultSize = 56

// Config says what to send. Zero durations and count take Linux ping's
// defaults; Size is taken as given (0 sends echo requests with no data).
type Config struct {
	Count    int           // echo requests to send (default 4)
	Size     int           // ICMP data bytes, as ping -s (negative: DefaultSize)
	Interval time.Duration // between requests (default 1s)
	Timeout  time.Duration // how long to wait for the last reply (default 10s, as ping -W)
	TTL      uint8         // 0: the node's default
	DontFrag bool          // set DF (ping -M do)
}

// Reply is one echo reply (or duplicate).
type Reply struct {
	Seq   int           `json:"seq"`
	From  netip.Addr    `json:"from"`
	Bytes int           `json:"bytes"` // ICMP bytes received, as ping prints
	TTL   uint8         `json:"ttl"`
	RTT   time.Duration `json:"rtt_ns"`
	At    sim.Time      `json:"at_ns"`
	Dup   bool          `json:"dup,omitempty"`
}

// ICMPError is an ICMP error a probe brought back.
type ICMPError struct {
	Seq  int        `json:"seq"`
	From netip.Addr `json:"from"`
	Text string     `json:"error"`
	At   sim.Time   `json:"at_ns"`
}

// SendError is a request that could not be sent (ping: sendmsg: ...).
type SendError struct {
	Seq  int      `json:"seq"`
	Text string   `json:"error"`
	At   sim.Time `json:"at_ns"`
}

// Result is a finished run.
type Result struct {
	Dest        string        `json:"dest"`
	Addr        netip.Addr    `json:"addr"`
	Src         netip.Addr    `json:"src"`
	Size        int           `json:"size"`
	Transmitted int           `json:"transmitted"`
	Received    int           `json:"received"`
	Duplicates  int           `json:"duplicates"`
	Errors      int           `json:"errors"`
	Loss        float64       `json:"loss"` // fraction of requests unanswered
	Elapsed     time.Duration `json:"elapsed_ns"`
	Min         time.Duration `json:"min_ns"`
	Avg         time.Duration `json:"avg_ns"`
	Max         time.Duration `json:"max_ns"`
	Mdev        time.Duration `json:"mdev_ns"`
	Replies     []Reply       `json:"replies"`
	ICMPErrors  []ICMPError   `json:"icmp_errors,omitempty"`
	SendErrors  []SendError   `json:"send_errors,omitempty"`
}

// Pinger is a running ping.
type Pinger struct {
	n        *node.Node
	k        *sim.Kernel
	cfg      Config
	dst      netip.Addr
	id       uint16
	seq      int
	sentAt   map[int]sim.Time
	answered map[int]bool
	res      Result
	start    sim.Time
	done     func(*Result)
	finished bool
	timer    sim.Timer
	data     []byte
}

// Start begins pinging dst from n; done is called once with the result
// when the run ends (all replies in, or the timeout after the last request).
func Start(n *node.Node, dest string, dst netip.Addr, cfg Config, done func(*Result)) *Pinger {
	if cfg.Count <= 0 {
		cfg.Count = 4
	}
	if cfg.Size < 0 {
		cfg.Size = DefaultSize
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	p := &Pinger{
		n: n, k: n.Kernel(), cfg: cfg, dst: dst, done: done,
		id:       uint16(n.Rand().Uint32()),
		sentAt:   map[int]sim.Time{},
		answered: map[int]bool{},
	}
	p.res = Result{Dest: dest, Addr: dst, Size: cfg.Size}
	if r, ok := n.Routes.Lookup(dst); ok {
		p.res.Src = n.Ifaces()[r.Iface].Addr()
	}
	p.start = p.k.Now()
	n.ListenICMP(p.onICMP)
	p.send()
	return p
}

// timevalLen is the size of the struct timeval iputils puts first in the
// echo data.
const timevalLen = 16

// payload builds the echo data like iputils: byte i is i, and the first 16
// bytes are overwritten by a struct timeval (seconds and microseconds,
// 64-bit little-endian as on x86-64) holding the virtual send time, so
// Wireshark shows "Timestamp from icmp data" and the familiar 0x10, 0x11 ...
func (p *Pinger) payload() []byte {
	if cap(p.data) < p.cfg.Size {
		p.data = make([]byte, p.cfg.Size)
	}
	d := p.data[:p.cfg.Size]
	for i := range d {
		d[i] = byte(i)
	}
	if len(d) >= timevalLen {
		now := int64(p.k.Now())
		binary.LittleEndian.PutUint64(d[0:8], uint64(now/1e9))
		binary.LittleEndian.PutUint64(d[8:16], uint64(now%1e9/1e3))
	}
	return d
}

func (p *Pinger) send() {
	if p.finished {
		return
	}
	p.seq++
	seq := p.seq
	m := wire.ICMPMessage{Type: wire.ICMPEchoRequest, ID: p.id, Seq: uint16(seq), Data: p.payload()}
	p.sentAt[seq] = p.k.Now()
	p.res.Transmitted++
	if _, err := p.n.SendICMP(p.dst, &m, node.SendOptions{TTL: p.cfg.TTL, DontFragment: p.cfg.DontFrag}); err != nil {
		p.sendFailed(seq, err)
	}
	if seq < p.cfg.Count {
		p.timer = p.k.AfterFunc(p.cfg.Interval, p.send)
		return
	}
	p.timer = p.k.AfterFunc(p.cfg.Timeout, p.finish)
}

// sendFailed records a request the node refused to send, the way iputils
// reports each kind of failure.
func (p *Pinger) sendFailed(seq int, err error) {
	now := p.k.Now()
	switch {
	case errors.Is(err, node.ErrHostUnreachable):
		// Linux learns this from failed neighbour resolution and reports
		// it like an ICMP error from the host itself.
		p.res.Errors++
		p.res.ICMPErrors = append(p.res.ICMPErrors, ICMPError{Seq: seq, From: p.res.Src, Text: "Destination Host Unreachable", At: now})
	case errors.Is(err, node.ErrTooBig):
		mtu := 0
		if r, ok := p.n.Routes.Lookup(p.dst); ok {
			mtu = p.n.Ifaces()[r.Iface].MTU()
		}
		p.res.Errors++
		p.res.SendErrors = append(p.res.SendErrors, SendError{Seq: seq, Text: fmt.Sprintf("local error: message too long, mtu=%d", mtu), At: now})
	case errors.Is(err, node.ErrNoRoute):
		p.res.SendErrors = append(p.res.SendErrors, SendError{Seq: seq, Text: "sendmsg: Network is unreachable", At: now})
	case errors.Is(err, node.ErrLinkDown):
		p.res.SendErrors = append(p.res.SendErrors, SendError{Seq: seq, Text: "sendmsg: Network is down", At: now})
	default:
		p.res.SendErrors = append(p.res.SendErrors, SendError{Seq: seq, Text: "sendmsg: " + err.Error(), At: now})
	}
}

func (p *Pinger) onICMP(now sim.Time, m *node.ICMPPacket) {
	if p.finished {
		return
	}
	switch {
	case m.Msg.Type == wire.ICMPEchoReply && m.Msg.ID == p.id && m.IP.Src == p.dst:
		seq := p.matchSeq(m.Msg.Seq)
		sent, ok := p.sentAt[seq]
		if !ok {
			return
		}
		r := Reply{Seq: seq, From: m.IP.Src, Bytes: 8 + len(m.Msg.Data), TTL: m.IP.TTL, RTT: now.Sub(sent), At: now}
		if p.answered[seq] {
			r.Dup = true
			p.res.Duplicates++
		} else {
			p.answered[seq] = true
			p.res.Received++
		}
		p.res.Replies = append(p.res.Replies, r)
		p.maybeDone()
	case m.IsError() && m.HasQuote && m.Quoted.Protocol == wire.ProtoICMP && m.Quoted.Dst == p.dst && len(m.QuotedPayload) >= 8:
		q := wire.ICMP(m.QuotedPayload)
		if q.Type() != wire.ICMPEchoRequest || q.ID() != p.id {
			return
		}
		p.res.Errors++
		p.res.ICMPErrors = append(p.res.ICMPErrors, ICMPError{Seq: p.matchSeq(q.Seq()), From: m.IP.Src, Text: errorText(m), At: now})
		p.maybeDone()
	}
}

// maybeDone ends the run, as iputils does with -c, once every request has
// been sent and answered by a reply or an error.
func (p *Pinger) maybeDone() {
	if p.seq == p.cfg.Count && p.res.Received+p.res.Errors >= p.cfg.Count {
		p.finish()
	}
}

// matchSeq widens a 16-bit sequence number back to the run's counter.
func (p *Pinger) matchSeq(s uint16) int {
	base := p.seq &^ 0xffff
	v := base | int(s)
	if v > p.seq {
		v -= 0x10000
	}
	return v
}

func (p *Pinger) finish() {
	if p.finished {
		return
	}
	p.finished = true
	p.k.Cancel(p.timer)
	r := &p.res
	r.Elapsed = p.k.Now().Sub(p.start)
	if r.Transmitted > 0 {
		r.Loss = float64(r.Transmitted-r.Received) / float64(r.Transmitted)
	}
	var sum, sum2 float64
	n := 0
	for _, rep := range r.Replies {
		if rep.Dup {
			continue
		}
		if n == 0 || rep.RTT < r.Min {
			r.Min = rep.RTT
		}
		if rep.RTT > r.Max {
			r.Max = rep.RTT
		}
		v := float64(rep.RTT)
		sum += v
		sum2 += v * v
		n++
	}
	if n > 0 {
		avg := sum / float64(n)
		r.Avg = time.Duration(avg)
		r.Mdev = time.Duration(math.Sqrt(math.Max(0, sum2/float64(n)-avg*avg)))
	}
	if p.done != nil {
		p.done(r)
	}
}

// errorText words an ICMP error the way ping does.
func errorText(m *node.ICMPPacket) string {
	switch m.Msg.Type {
	case wire.ICMPTimeExceeded:
		if m.Msg.Code == wire.ICMPFragReassemblyExceeded {
			return "Frag reassembly time exceeded"
		}
		return "Time to live exceeded"
	case wire.ICMPDestUnreachable:
		switch m.Msg.Code {
		case wire.ICMPNetUnreachable:
			return "Destination Net Unreachable"
		case wire.ICMPHostUnreachable:
			return "Destination Host Unreachable"
		case wire.ICMPProtoUnreachable:
			return "Destination Protocol Unreachable"
		case wire.ICMPPortUnreachable:
			return "Destination Port Unreachable"
		case wire.ICMPFragNeeded:
			return fmt.Sprintf("Frag needed and DF set (mtu = %d)", m.Msg.MTU)
		}
	}
	return fmt.Sprintf("ICMP type %d code %d", m.Msg.Type, m.Msg.Code)
}

// ms formats a duration in milliseconds with three decimals, like ping.
func ms(d time.Duration) string { return fmt.Sprintf("%.3f", float64(d)/1e6) }

// Write prints r the way Linux ping (iputils) does, in event order.
func (r *Result) Write(w io.Writer) {
	fmt.Fprintf(w, "PING %s (%s) %d(%d) bytes of data.\n", r.Dest, r.Addr, r.Size, r.Size+28)
	type line struct {
		at  sim.Time
		txt string
	}
	var lines []line
	for _, rep := range r.Replies {
		s := fmt.Sprintf("%d bytes from %s: icmp_seq=%d ttl=%d", rep.Bytes, rep.From, rep.Seq, rep.TTL)
		if timed(r.Size) {
			s += " time=" + FormatRTT(rep.RTT) + " ms"
		}
		if rep.Dup {
			s += " (DUP!)"
		}
		lines = append(lines, line{rep.At, s})
	}
	for _, e := range r.ICMPErrors {
		lines = append(lines, line{e.At, fmt.Sprintf("From %s icmp_seq=%d %s", e.From, e.Seq, e.Text)})
	}
	for _, e := range r.SendErrors {
		lines = append(lines, line{e.At, "ping: " + e.Text})
	}
	// Stable merge by time: replies and errors interleave as they arrived.
	for i := 1; i < len(lines); i++ {
		for j := i; j > 0 && lines[j].at < lines[j-1].at; j-- {
			lines[j], lines[j-1] = lines[j-1], lines[j]
		}
	}
	for _, l := range lines {
		fmt.Fprintln(w, l.txt)
	}
	fmt.Fprintf(w, "\n--- %s ping statistics ---\n", r.Dest)
	s := fmt.Sprintf("%d packets transmitted, %d received", r.Transmitted, r.Received)
	if r.Duplicates > 0 {
		s += fmt.Sprintf(", +%d duplicates", r.Duplicates)
	}
	if r.Errors > 0 {
		s += fmt.Sprintf(", +%d errors", r.Errors)
	}
	// iputils prints the loss as a C float with %g.
	loss := strconv.FormatFloat(float64(float32(r.Loss*100)), 'g', 6, 64)
	s += fmt.Sprintf(", %s%% packet loss, time %dms", loss, (r.Elapsed + 500*time.Microsecond).Milliseconds())
	fmt.Fprintln(w, s)
	if r.Received > 0 && timed(r.Size) {
		fmt.Fprintf(w, "rtt min/avg/max/mdev = %s/%s/%s/%s ms\n", ms(r.Min), ms(r.Avg), ms(r.Max), ms(r.Mdev))
	}
}

// timed reports whether requests of size data bytes carry a timestamp
// (iputils needs room for a struct timeval, 16 bytes); without one it
// prints no times.
func timed(size int) bool { return size >= timevalLen }

// FormatRTT formats an RTT in milliseconds exactly like iputils:
// microseconds rounded to three significant figures below 100 ms, whole
// milliseconds above.
func FormatRTT(d time.Duration) string {
	us := int64(d / time.Microsecond)
	switch {
	case us >= 100000-50:
		return fmt.Sprintf("%d", (us+500)/1000)
	case us >= 10000-5:
		return fmt.Sprintf("%d.%01d", (us+50)/1000, ((us+50)%1000)/100)
	case us >= 1000:
		return fmt.Sprintf("%d.%02d", (us+5)/1000, ((us+5)%1000)/10)
	}
	return fmt.Sprintf("%d.%03d", us/1000, us%1000)
}
