// Package ping is the ping app: ICMP echo requests at an interval, replies
// matched by identifier and sequence number, round-trip times from the
// virtual clock, and the statistics Linux ping prints.
package ping

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"slices"
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
	Timeout  time.Duration // how long to wait after the last request when no reply came (default 10s, as ping -W)
	TTL      uint8         // 0: the node's default
	// PMTU is the path-MTU discovery mode, as ping -M sets it; the zero
	// value is Linux's default, node.PMTUWant (DF while the request fits
	// the path MTU; fragmented locally once a smaller path MTU is known).
	PMTU node.PMTUDisc

	// Handler gets the run's lines as they happen, and the run keeps
	// nothing but its counters: memory stays constant however many
	// requests go out. Without a Handler the Result records every reply
	// and error (in memory bounded only by Count), for small runs that
	// print everything at the end with Result.Write.
	Handler Handler
}

// Handler receives a run's events in the order they happen, on the
// simulation's thread.
type Handler interface {
	Start(r *Result)       // before the first request; Dest, Addr, Src and Size are set
	Reply(r Reply)         // an echo reply (or a duplicate)
	ICMPError(e ICMPError) // an ICMP error about one of our requests
	SendError(e SendError) // a request the node could not send
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

// Result is a run's statistics. Replies, ICMPErrors and SendErrors are
// filled only when Config.Handler is nil.
type Result struct {
	Dest        string        `json:"dest"`
	Addr        netip.Addr    `json:"addr"`
	Src         netip.Addr    `json:"src"`
	Size        int           `json:"size"`
	Transmitted int           `json:"transmitted"`
	Received    int           `json:"received"`
	Duplicates  int           `json:"duplicates"`
	Errors      int           `json:"errors"`
	Loss        float64       `json:"loss"`       // fraction of requests unanswered
	Elapsed     time.Duration `json:"elapsed_ns"` // from the first request to the last, as iputils' "time"
	Min         time.Duration `json:"min_ns"`
	Avg         time.Duration `json:"avg_ns"`
	Max         time.Duration `json:"max_ns"`
	Mdev        time.Duration `json:"mdev_ns"`
	Interrupted bool          `json:"interrupted,omitempty"` // ended by Stop (Ctrl-C) before its end
	Replies     []Reply       `json:"replies,omitempty"`
	ICMPErrors  []ICMPError   `json:"icmp_errors,omitempty"`
	SendErrors  []SendError   `json:"send_errors,omitempty"`
}

// seqWindow is how many sequence numbers the run keeps track of: the
// 16-bit ICMP sequence space. iputils keeps the same window, a table of
// 65536 bits of received sequence numbers (MAX_DUP_CHK, rcvd_tbl in
// ping.h), so its memory does not grow with the count either.
const seqWindow = 1 << 16

// Pinger is a running ping. Its memory is fixed (about 520 KiB for the
// send times and the received bits of the last 65536 requests) whatever
// the count.
type Pinger struct {
	n        *node.Node
	cfg      Config
	h        Handler
	dst      netip.Addr
	id       uint16
	seq      int                    // requests sent so far; the last one's sequence number
	sentAt   []sim.Time             // send time of request seq, at seq % seqWindow
	rcvd     [seqWindow / 64]uint64 // bit seq % seqWindow: a reply to seq came (cleared when seq is sent)
	lastSend sim.Time
	sum      float64 // of the RTTs of non-duplicate replies, in ns
	sum2     float64 // of their squares
	res      Result
	start    sim.Time
	done     func(*Result)
	finished bool
	timer    *node.Timer // the next request, then the end of the linger time
	listener *node.ICMPListener
	data     []byte
}

// Start begins pinging dst from n; done is called once with the result
// when the run ends (all replies in, the linger time after the last
// request, or Stop).
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
		n: n, cfg: cfg, dst: dst, done: done, h: cfg.Handler,
		id:     uint16(n.AppStream("ping").Uint32()),
		sentAt: make([]sim.Time, seqWindow),
	}
	if p.h == nil {
		p.h = (*recorder)(&p.res)
	}
	p.res = Result{Dest: dest, Addr: dst, Size: cfg.Size}
	if r, ok := n.Routes.Lookup(dst); ok {
		p.res.Src = n.Ifaces()[r.Iface].Addr()
	}
	p.start = n.Now()
	p.h.Start(&p.res)
	p.listener = n.ListenICMP(p.onICMP)
	p.timer = n.NewTimer(p.fire)
	p.send()
	return p
}

// recorder is the Handler of a run without one: it keeps every line in
// the Result.
type recorder Result

func (r *recorder) Start(*Result)         {}
func (r *recorder) Reply(x Reply)         { r.Replies = append(r.Replies, x) }
func (r *recorder) ICMPError(x ICMPError) { r.ICMPErrors = append(r.ICMPErrors, x) }
func (r *recorder) SendError(x SendError) { r.SendErrors = append(r.SendErrors, x) }

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
		now := int64(p.n.Now())
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
	now := p.n.Now()
	p.sentAt[seq%seqWindow] = now
	p.rcvd[seq%seqWindow/64] &^= 1 << (seq % 64) // iputils: rcvd_clear in advance_ntransmitted
	p.lastSend = now
	p.res.Transmitted++
	if _, err := p.n.SendICMP(p.dst, &m, node.SendOptions{TTL: p.cfg.TTL, PMTU: p.cfg.PMTU}); err != nil {
		p.sendFailed(seq, err)
		if p.maybeDone(); p.finished {
			return
		}
	}
	if seq < p.cfg.Count {
		p.timer.Reset(p.cfg.Interval)
		return
	}
	p.timer.Reset(p.linger())
}

// fire is the run's one timer: the next request, or the end of the wait
// after the last one.
func (p *Pinger) fire(sim.Time) {
	if p.seq < p.cfg.Count {
		p.send()
		return
	}
	p.finish()
}

// linger is how long ping waits after its last request, as iputils
// computes it when that request has gone (ping_common.c,
// __schedule_exit): twice the longest round trip seen, but at least one
// interval, once any reply has come; the linger time -W when none has.
func (p *Pinger) linger() time.Duration {
	if p.res.Received == 0 {
		return p.cfg.Timeout
	}
	return max(2*p.res.Max, p.cfg.Interval)
}

// sendFailed reports a request the node refused to send, the way iputils
// reports each kind of failure.
func (p *Pinger) sendFailed(seq int, err error) {
	now := p.n.Now()
	var tooBig *node.TooBigError
	switch {
	case errors.Is(err, node.ErrHostUnreachable):
		// Linux learns this from failed neighbour resolution and reports
		// it like an ICMP error from the host itself.
		p.res.Errors++
		p.h.ICMPError(ICMPError{Seq: seq, From: p.res.Src, Text: "Destination Host Unreachable", At: now})
	case errors.As(err, &tooBig):
		// iputils reads the path MTU from the socket's error queue
		// (IP_RECVERR, SO_EE_ORIGIN_LOCAL) and counts it as an error.
		p.res.Errors++
		p.h.SendError(SendError{Seq: seq, Text: fmt.Sprintf("local error: message too long, mtu=%d", tooBig.MTU), At: now})
	case errors.Is(err, node.ErrNoBufferSpace):
		p.h.SendError(SendError{Seq: seq, Text: "sendmsg: No buffer space available", At: now})
	case errors.Is(err, node.ErrNoRoute):
		p.h.SendError(SendError{Seq: seq, Text: "sendmsg: Network is unreachable", At: now})
	case errors.Is(err, node.ErrLinkDown):
		p.h.SendError(SendError{Seq: seq, Text: "sendmsg: Network is down", At: now})
	default:
		p.h.SendError(SendError{Seq: seq, Text: "sendmsg: " + err.Error(), At: now})
	}
}

func (p *Pinger) onICMP(now sim.Time, m *node.ICMPPacket) {
	if p.finished {
		return
	}
	switch {
	case m.Msg.Type == wire.ICMPEchoReply && m.Msg.ID == p.id && m.IP.Src == p.dst:
		seq, ok := p.matchSeq(m.Msg.Seq)
		if !ok {
			return
		}
		rtt := now.Sub(p.sentAt[seq%seqWindow])
		r := Reply{Seq: seq, From: m.IP.Src, Bytes: 8 + len(m.Msg.Data), TTL: m.IP.TTL, RTT: rtt, At: now}
		bit := uint64(1) << (seq % 64)
		if w := &p.rcvd[seq%seqWindow/64]; *w&bit != 0 {
			r.Dup = true
			p.res.Duplicates++
		} else {
			*w |= bit
			p.res.Received++
			p.account(rtt)
		}
		p.h.Reply(r)
		p.maybeDone()
	case m.IsError() && m.HasQuote && m.Quoted.Protocol == wire.ProtoICMP && m.Quoted.Dst == p.dst && len(m.QuotedPayload) >= 8:
		q := wire.ICMP(m.QuotedPayload)
		if q.Type() != wire.ICMPEchoRequest || q.ID() != p.id {
			return
		}
		seq, ok := p.matchSeq(q.Seq())
		if !ok {
			return
		}
		p.res.Errors++
		p.h.ICMPError(ICMPError{Seq: seq, From: m.IP.Src, Text: errorText(m), At: now})
		p.maybeDone()
	}
}

// account adds a round trip to the running statistics (min, max, sum and
// sum of squares, as iputils' gather_statistics keeps them).
func (p *Pinger) account(rtt time.Duration) {
	r := &p.res
	if r.Received == 1 || rtt < r.Min {
		r.Min = rtt
	}
	if rtt > r.Max {
		r.Max = rtt
	}
	v := float64(rtt)
	p.sum += v
	p.sum2 += v * v
}

// maybeDone ends the run, as iputils does with -c, once every request has
// been sent and answered by a reply or an error.
func (p *Pinger) maybeDone() {
	if p.seq == p.cfg.Count && p.res.Received+p.res.Errors >= p.cfg.Count {
		p.finish()
	}
}

// matchSeq widens a 16-bit sequence number back to the run's counter; it
// reports false for a number never sent.
func (p *Pinger) matchSeq(s uint16) (int, bool) {
	base := p.seq &^ 0xffff
	v := base | int(s)
	if v > p.seq {
		v -= 0x10000
	}
	return v, v >= 1
}

// Stop ends the run now, as Ctrl-C ends iputils ping: the statistics
// cover what was sent so far, and done is called. It does nothing once
// the run has ended.
func (p *Pinger) Stop() {
	if p.finished {
		return
	}
	p.res.Interrupted = true
	p.finish()
}

// Result returns the statistics so far (final once done was called).
func (p *Pinger) Result() *Result { return &p.res }

func (p *Pinger) finish() {
	if p.finished {
		return
	}
	p.finished = true
	p.timer.Stop()
	p.listener.Close()
	r := &p.res
	// iputils prints the time from the first request to the last
	// (finish() in ping_common.c subtracts start_time from cur_time, which
	// pinger() sets at each send), not to the end of the wait.
	r.Elapsed = p.lastSend.Sub(p.start)
	if r.Transmitted > 0 {
		r.Loss = float64(r.Transmitted-r.Received) / float64(r.Transmitted)
	}
	if n := float64(r.Received); n > 0 {
		avg := p.sum / n
		r.Avg = time.Duration(avg)
		r.Mdev = time.Duration(math.Sqrt(math.Max(0, p.sum2/n-avg*avg)))
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

// Write prints a run recorded without a Handler the way iputils ping
// does: the header, every line in the order it happened, the summary.
// Local errors (ping: sendmsg: ...) go to w too.
func (r *Result) Write(w io.Writer) {
	p := &Printer{Out: w, Err: w}
	p.Start(r)
	type line struct {
		at   sim.Time
		kind int
		i    int
	}
	var lines []line
	for i, x := range r.Replies {
		lines = append(lines, line{x.At, 0, i})
	}
	for i, x := range r.ICMPErrors {
		lines = append(lines, line{x.At, 1, i})
	}
	for i, x := range r.SendErrors {
		lines = append(lines, line{x.At, 2, i})
	}
	slices.SortStableFunc(lines, func(a, b line) int { return cmp.Compare(a.at, b.at) })
	for _, l := range lines {
		switch l.kind {
		case 0:
			p.Reply(r.Replies[l.i])
		case 1:
			p.ICMPError(r.ICMPErrors[l.i])
		default:
			p.SendError(r.SendErrors[l.i])
		}
	}
	p.Summary(r)
}

// Printer is a Handler that prints each line the way iputils ping does,
// as it happens: replies and ICMP errors to Out, local errors (ping:
// sendmsg: ...) to Err, as iputils prints them with error(3) on stderr.
type Printer struct {
	Out   io.Writer
	Err   io.Writer
	Quiet bool // ping -q: the header and the summary only
	size  int
	buf   []byte
}

// Start prints the header.
func (p *Printer) Start(r *Result) {
	p.size = r.Size
	fmt.Fprintf(p.Out, "PING %s (%s) %d(%d) bytes of data.\n", r.Dest, r.Addr, r.Size, r.Size+28)
}

// Reply prints "64 bytes from ...".
func (p *Printer) Reply(r Reply) {
	if p.Quiet {
		return
	}
	b := p.buf[:0]
	b = strconv.AppendInt(b, int64(r.Bytes), 10)
	b = append(b, " bytes from "...)
	b = r.From.AppendTo(b)
	b = append(b, ": icmp_seq="...)
	b = strconv.AppendInt(b, int64(r.Seq), 10)
	b = append(b, " ttl="...)
	b = strconv.AppendInt(b, int64(r.TTL), 10)
	if timed(p.size) {
		b = append(b, " time="...)
		b = append(b, FormatRTT(r.RTT)...)
		b = append(b, " ms"...)
	}
	if r.Dup {
		b = append(b, " (DUP!)"...)
	}
	b = append(b, '\n')
	p.buf = b
	p.Out.Write(b)
}

// ICMPError prints "From ... icmp_seq=N ...".
func (p *Printer) ICMPError(e ICMPError) {
	if !p.Quiet {
		fmt.Fprintf(p.Out, "From %s icmp_seq=%d %s\n", e.From, e.Seq, e.Text)
	}
}

// SendError prints "ping: sendmsg: ..." to Err.
func (p *Printer) SendError(e SendError) {
	if !p.Quiet {
		fmt.Fprintf(p.Err, "ping: %s\n", e.Text)
	}
}

// Summary prints the statistics.
func (p *Printer) Summary(r *Result) { r.WriteSummary(p.Out) }

// WriteSummary prints the statistics block iputils prints at the end.
func (r *Result) WriteSummary(w io.Writer) {
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
	// iputils' finish() ends the statistics line, prints the rtt line
	// without a newline, then always prints one: with no rtt line, the
	// output ends with an empty line.
	if r.Received > 0 && timed(r.Size) {
		fmt.Fprintf(w, "rtt min/avg/max/mdev = %s/%s/%s/%s ms\n", ms(r.Min), ms(r.Avg), ms(r.Max), ms(r.Mdev))
	} else {
		fmt.Fprintln(w)
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
