package tcpview

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// Options tune a Narrator.
type Options struct {
	// Size is how many bytes the client will send; progress is told at
	// each quarter of it. 0: a progress line each second of virtual time.
	Size int64
	// TimeWait is how long the end that closes first waits in TIME-WAIT
	// (2·MSL), to say so; 0 leaves the number out.
	TimeWait time.Duration
	// Detail bounds the volume: at most this many retransmissions of one
	// kind in a row, and this many out-of-order episodes, are told one by
	// one; the rest are counted. 0 means 3.
	Detail int
}

// Narrator is an observer that tells the watched connection's story to a
// writer, one line per step a learner should see, each with its virtual
// time. It reads only the segments' bytes (at the two ends and where
// they were dropped).
type Narrator struct {
	f   flow
	out io.Writer
	o   Options

	// OnClosed, if set, is called once both ends have closed (or a reset
	// ended the connection), after the last line.
	OnClosed func()

	// Handshake.
	synAt, lastSyn sim.Time
	syns           int
	cISN, sISN     uint32
	cOpts, sOpts   wire.TCPOptions
	synAckSent     bool
	synAckSeen     bool // reached the client
	established    bool // the client sent its ACK
	srvEstablished bool // that ACK reached the server
	srvScale       uint8

	// The client's data, at the client.
	dataStarted bool
	sndMax      int64 // highest byte sent + 1
	cumAck      int64 // highest ACK received
	firstAck    bool
	dupAcks     int // duplicate ACKs for cumAck
	ackAt       sim.Time
	board       []Block // what the receiver's SACK blocks reported above cumAck
	segSize     int     // payload of a full data segment
	inRecovery  bool    // after a fast retransmit, until cumAck >= recover
	afterRTO    bool    // after a timeout, until cumAck >= recover
	recover     int64
	lastRTO     int64 // seq of the last timeout's retransmission, -1 none
	rtoAt       sim.Time
	rtoBackoff  int
	segments    int
	origins     []origin          // first transmission of each new segment
	drops       map[int64]dropped // data segments dropped on the way, by seq
	srtt        time.Duration
	rttSamples  int
	nextProg    int64    // acknowledged bytes of the next progress line
	progAt      sim.Time // next time-based progress line
	retx        [nReasons]int
	run         run
	told        int           // retransmissions told one by one
	quiet       [nReasons]int // retransmissions counted, not told, since the last report
	quietFrom   sim.Time

	// The receiver.
	rcvNxt    int64
	ooo       []Block // held out of order
	held      int     // segments held in the current episode
	holeFrom  int64   // the missing bytes' first position in this episode
	holeAt    sim.Time
	episodes  int // out-of-order episodes (holes filled)
	quietOOO  int // episodes not told one by one
	dupArrive int // segments the receiver already had

	// The close.
	cFin, sFin         int64 // relative FIN positions, -1 none
	cFinAt             sim.Time
	cFinAcked, sFinAck bool
	firstCloser        string
	lastAckSent        bool
	closed             bool
	closedAt           sim.Time
}

type origin struct {
	seq int64
	at  sim.Time
}

type dropped struct {
	at         sim.Time
	node, link string
}

// reason is why a segment was sent again.
type reason uint8

const (
	rTimeout reason = iota
	rFast
	rSACK
	rPartial
	rRescue
	rAfterRTO
	rOther
	nReasons
)

var reasonNames = [nReasons]string{"timeout", "fast retransmit", "SACK hole", "partial ACK", "rescue", "after the timeout", "other"}

// run is a run of retransmissions of one reason, for collapsing.
type run struct {
	r          reason
	told, more int
	from, to   sim.Time
}

// NewNarrator returns a Narrator for c that writes to w.
func NewNarrator(w io.Writer, c Conn, o Options) *Narrator {
	if o.Detail <= 0 {
		o.Detail = 3
	}
	return &Narrator{f: flow{c: c}, out: w, o: o, drops: map[int64]dropped{},
		cFin: -1, sFin: -1, lastRTO: -1, run: run{r: nReasons}}
}

// Closed reports whether the connection has been seen to close.
func (n *Narrator) Closed() bool { return n.closed }

const indent = "               " // as wide as a time stamp

func stamp(t sim.Time) string { return fmt.Sprintf("[%9.3f ms] ", float64(t)/1e6) }

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64) + " ms" }

func (n *Narrator) line(t sim.Time, format string, a ...any) {
	fmt.Fprintf(n.out, stamp(t)+format+"\n", a...)
}

func (n *Narrator) more(format string, a ...any) {
	fmt.Fprintf(n.out, indent+format+"\n", a...)
}

// Observe takes one event.
func (n *Narrator) Observe(e *trace.Event) {
	if n.closed {
		return
	}
	w, s, ok := n.f.decode(e)
	if !ok {
		return
	}
	if s.has(wire.RST) && (w == clientOut || w == serverOut) {
		from, to := n.names(w)
		n.flushRun()
		n.line(s.at, "%s → %s  RST: %s resets the connection; it ends here", from, to, from)
		n.close(s.at)
		return
	}
	switch w {
	case clientOut:
		n.clientOut(&s)
	case clientIn:
		n.clientIn(&s)
	case serverOut:
		n.serverOut(&s)
	case serverIn:
		n.serverIn(&s)
	case lostOnWay:
		if (s.n > 0 || s.has(wire.FIN)) && s.h.DstPort == n.f.c.Port && n.established {
			seq := unwrap(s.h.Seq, n.cISN, n.sndMax)
			n.drops[seq] = dropped{at: s.at, node: s.node, link: s.link}
		}
	}
}

func (n *Narrator) names(w where) (from, to string) {
	if w == clientOut || w == serverIn {
		return n.f.c.Client, n.f.c.Server
	}
	return n.f.c.Server, n.f.c.Client
}

// options describes a SYN's options for a learner.
func options(o *wire.TCPOptions, explain bool) string {
	var p []string
	if o.MSS != 0 {
		p = append(p, fmt.Sprintf("MSS %d", o.MSS))
		if explain {
			p[len(p)-1] += " (largest payload it accepts)"
		}
	}
	if o.HasWindowScale {
		p = append(p, fmt.Sprintf("window scale %d", o.WindowScale))
		if explain {
			p[len(p)-1] += fmt.Sprintf(" (windows in units of %d bytes)", 1<<o.WindowScale)
		}
	}
	if o.SACKPermitted {
		p = append(p, "SACK permitted")
	}
	if o.HasTimestamps {
		p = append(p, fmt.Sprintf("timestamps (TSval %d)", o.TSVal))
	}
	if len(p) == 0 {
		return "no options"
	}
	return strings.Join(p, ", ")
}

func (n *Narrator) clientOut(s *seg) {
	c := n.f.c
	switch {
	case s.has(wire.SYN):
		n.syns++
		defer func() { n.lastSyn = s.at }()
		if n.syns == 1 {
			n.synAt, n.cISN, n.cOpts = s.at, s.h.Seq, s.h.Options
			n.line(s.at, "%s → %s  SYN  seq %d", c.Client, c.Server, s.h.Seq)
			n.more("%s's initial sequence number (ISN) is %d, chosen at random (RFC 6528),", c.Client, s.h.Seq)
			n.more("so that segments of an old connection, or a blind attacker, cannot guess where it starts")
			n.more("options: %s", options(&s.h.Options, true))
		} else {
			n.retx[rTimeout]++
			n.line(s.at, "%s → %s  SYN again, seq %d: timeout, no SYN-ACK came back within %s (attempt %d)",
				c.Client, c.Server, s.h.Seq, ms(s.at.Sub(n.lastSyn)), n.syns)
			n.more("after a lost SYN or SYN-ACK the sender starts with a window of one segment (RFC 6298, 5.7)")
		}
		return
	case !n.synAckSeen:
		return
	case !n.established && s.has(wire.ACK):
		n.established = true
		ack := s.h.Ack
		n.line(s.at, "%s → %s  ACK  seq %d  ack %d", c.Client, c.Server, s.h.Seq, ack)
		if n.syns == 1 {
			n.more("ack %d = %s's ISN + 1: the three-way handshake is complete, one round trip (%s) after the SYN",
				ack, c.Server, ms(s.at.Sub(n.synAt)))
		} else {
			n.more("ack %d = %s's ISN + 1: the three-way handshake is complete, %s after the first SYN",
				ack, c.Server, ms(s.at.Sub(n.synAt)))
		}
		n.more("agreed: %s", n.agreed())
		n.more("from here on sequence numbers are relative to each side's ISN, as Wireshark shows them:")
		n.more("%s's first data byte, seq %d, is seq 1", c.Client, n.cISN+1)
		n.sndMax, n.cumAck, n.rcvNxt, n.nextProg = 1, 1, 1, n.o.Size/4
		n.progAt = s.at.Add(time.Second)
	}
	seq := unwrap(s.h.Seq, n.cISN, n.sndMax)
	end := seq + int64(s.n)
	if s.n > 0 {
		n.data(s, seq, end)
	}
	if s.has(wire.FIN) {
		fin := end
		if n.cFin < 0 {
			n.cFin = fin
			n.flushRun()
			n.flushQuiet()
			if n.firstCloser == "" {
				n.firstCloser = c.Client
			}
			n.cFinAt = s.at
			n.line(s.at, "%s → %s  FIN  seq %d: %s has sent all %d bytes and closes its direction",
				c.Client, c.Server, fin, c.Client, fin-1)
			n.more("the FIN takes one sequence number too, so its ACK will be %d", fin+1)
		} else if fin == n.cFin && s.n == 0 {
			n.retransmit(s, fin, fin)
		}
		n.sndMax = max(n.sndMax, fin+1)
	}
	if n.sFin >= 0 && !n.lastAckSent && s.has(wire.ACK) {
		ack := unwrap(s.h.Ack, n.sISN, 1)
		if ack == n.sFin+1 {
			n.lastAckSent = true
			n.line(s.at, "%s → %s  ACK  ack %d: %s's FIN + 1", c.Client, c.Server, ack, c.Server)
			if n.firstCloser == c.Client {
				tw := ""
				if n.o.TimeWait > 0 {
					tw = " (" + strconv.FormatFloat(n.o.TimeWait.Seconds(), 'f', -1, 64) + " s)"
				}
				n.more("%s closed first, so it now waits in TIME-WAIT for 2·MSL%s: if this last ACK", c.Client, tw)
				n.more("is lost, %s sends its FIN again and still gets an answer", c.Server)
			}
		}
	}
}

// agreed says what the SYN and SYN-ACK settled.
func (n *Narrator) agreed() string {
	c, s := &n.cOpts, &n.sOpts
	var p []string
	if c.MSS != 0 && s.MSS != 0 {
		p = append(p, fmt.Sprintf("%s sends segments of up to %d bytes, %s up to %d", n.f.c.Client, s.MSS, n.f.c.Server, c.MSS))
	}
	if c.HasWindowScale && s.HasWindowScale {
		p = append(p, "window scaling")
	}
	if c.SACKPermitted && s.SACKPermitted {
		p = append(p, "SACK")
	}
	if c.HasTimestamps && s.HasTimestamps {
		p = append(p, "timestamps")
	}
	if len(p) == 0 {
		return "no options"
	}
	return strings.Join(p, ", ")
}

// data tells a data segment the client sent, if it is worth a line.
func (n *Narrator) data(s *seg, seq, end int64) {
	c := n.f.c
	n.segments++
	if !n.dataStarted {
		n.dataStarted = true
		n.segSize = s.n
		opt := s.h.DataOffset - wire.TCPHeaderLen
		n.line(s.at, "%s starts sending data: %d bytes per segment", c.Client, s.n)
		if mss := int(n.sOpts.MSS); mss != 0 && opt > 0 && mss-opt == s.n {
			n.more("(the MSS, %d, less %d bytes of TCP options that every segment carries: %s)", mss, opt, n.everyOpts(s))
		}
		k := int64(s.n)
		n.more("sequence numbers count bytes: seq %d → %d → %d → %d …", seq, seq+k, seq+2*k, seq+3*k)
	}
	if seq >= n.sndMax {
		n.origins = append(n.origins, origin{seq, s.at})
		n.sndMax = end
		return
	}
	n.retransmit(s, seq, end)
}

func (n *Narrator) everyOpts(s *seg) string {
	if s.h.Options.HasTimestamps {
		return "timestamps"
	}
	return "options"
}

// retransmit tells why the client sent bytes again, inferring it from
// what reached the client before: no ACK at this instant means the
// retransmission timer fired; three duplicate ACKs a fast retransmit; a
// SACK block above the bytes a hole the receiver reports.
func (n *Narrator) retransmit(s *seg, seq, end int64) {
	c := n.f.c
	var r reason
	triggered := n.ackAt == s.at
	switch {
	case !triggered && n.rtoAt == s.at:
		r = rAfterRTO // more from the same timer
	case !triggered:
		r = rTimeout
	case n.afterRTO:
		r = rAfterRTO
	case n.inRecovery && n.sackedAbove(seq) > 0:
		r = rSACK
	case n.inRecovery && n.sackAgreed():
		r = rRescue
	case n.inRecovery:
		r = rPartial
	case seq == n.cumAck && (n.dupAcks >= 3 || n.sackLost(seq)):
		r = rFast
	default:
		r = rOther
	}
	n.retx[r]++
	var why string
	switch r {
	case rTimeout:
		since := s.at.Sub(n.origin(seq, end))
		if n.lastRTO == seq {
			n.rtoBackoff++
			why = fmt.Sprintf("again: the retransmission timer has doubled (exponential backoff, %d×)", 1<<n.rtoBackoff)
		} else {
			n.rtoBackoff = 0
			why = fmt.Sprintf("%s since the original went out, no ACK for %s and no duplicate ACKs", ms(since), ms(s.at.Sub(n.ackAt)))
			if n.srtt > 0 {
				why += fmt.Sprintf(" (a round trip is ≈ %s): the retransmission timer fired", ms(n.srtt))
			}
		}
		n.lastRTO, n.rtoAt = seq, s.at
		n.afterRTO, n.inRecovery, n.recover = true, false, n.sndMax
	case rFast:
		if n.dupAcks >= 3 {
			why = fmt.Sprintf("%s for %d: the receiver keeps asking for these bytes while later ones arrive", plural(n.dupAcks, "duplicate ACK"), n.cumAck)
		} else {
			why = fmt.Sprintf("%s for %d, whose SACK blocks show %d bytes beyond it:", plural(n.dupAcks, "duplicate ACK"), n.cumAck, n.sackedAbove(seq))
			why += " more than 2 segments' worth, so these count as lost (RFC 6675)"
		}
		n.inRecovery, n.recover = true, n.sndMax
	case rAfterRTO:
		why = "the sender goes back and sends again what was in flight"
	case rSACK:
		why = "the receiver's SACK blocks (" + blocks(n.board) + ") show it has later bytes but not these"
	case rPartial:
		why = fmt.Sprintf("ack %d moved during recovery but not past %d, so the next hole is resent (NewReno)", n.cumAck, n.recover)
	case rRescue:
		why = "the highest unSACKed bytes, sent again so that a lost tail need not wait for a timeout (RFC 6675)"
	default:
		why = "no ACK or SACK explains it"
	}
	if n.told >= 4*n.o.Detail {
		// Enough told one by one: from now on they are counted and
		// reported with the progress.
		if n.quietTotal() == 0 {
			n.quietFrom = s.at
		}
		n.quiet[r]++
		return
	}
	if n.run.r != r {
		n.flushRun()
		n.run = run{r: r, from: s.at}
	}
	n.run.to = s.at
	if n.run.told >= n.o.Detail {
		n.run.more++
		return
	}
	n.run.told++
	n.told++
	fin := ""
	if s.has(wire.FIN) {
		fin = " and its FIN"
	}
	if end == seq {
		n.line(s.at, "%s resends its FIN, seq %d: %s", c.Client, seq, reasonNames[r])
	} else {
		n.line(s.at, "%s resends seq %d-%d (%d bytes)%s: %s", c.Client, seq, end, end-seq, fin, reasonNames[r])
	}
	n.more("%s", why)
	orig := n.origin(seq, end)
	if d, ok := n.drops[seq]; ok && d.at >= orig {
		n.more("the original (sent at %.3f ms) was dropped on %s at %.3f ms", float64(orig)/1e6, d.link, float64(d.at)/1e6)
	} else if end > seq && end <= n.rcvNxt {
		n.more("the original (sent at %.3f ms) had arrived: only its ACKs were lost or late, a spurious retransmission", float64(orig)/1e6)
	}
}

// flushRun says how many retransmissions of the current run were not
// told one by one.
func (n *Narrator) flushRun() {
	if n.run.more > 0 {
		n.line(n.run.to, "… %s (%s) since %.3f ms", plural(n.run.more, "more retransmission"), reasonNames[n.run.r], float64(n.run.from)/1e6)
	}
	n.run = run{r: nReasons}
}

func (n *Narrator) quietTotal() int {
	t := 0
	for _, k := range n.quiet {
		t += k
	}
	return t
}

// flushQuiet reports the retransmissions counted since the last report.
func (n *Narrator) flushQuiet() {
	if t := n.quietTotal(); t > 0 {
		n.more("(and %s since %.3f ms: %s)", plural(t, "more retransmission"), float64(n.quietFrom)/1e6, reasons(&n.quiet))
		n.quiet = [nReasons]int{}
	}
}

// reasons lists counts by reason: "1 timeout, 3 fast retransmits".
func reasons(k *[nReasons]int) string {
	var p []string
	for r := range nReasons {
		if k[r] > 0 {
			name := reasonNames[r]
			if k[r] > 1 && r != rAfterRTO {
				name += "s"
			}
			p = append(p, fmt.Sprintf("%d %s", k[r], name))
		}
	}
	return strings.Join(p, ", ")
}

// origin returns when the segment starting at seq (or containing it)
// was first sent; a FIN alone (end == seq) when the first FIN was.
func (n *Narrator) origin(seq, end int64) sim.Time {
	if end == seq && seq == n.cFin {
		return n.cFinAt
	}
	i, ok := slices.BinarySearchFunc(n.origins, seq, func(o origin, s int64) int {
		switch {
		case o.seq < s:
			return -1
		case o.seq > s:
			return 1
		}
		return 0
	})
	if !ok && i > 0 {
		i--
	}
	if i < len(n.origins) {
		return n.origins[i].at
	}
	return n.synAt
}

// sackedAbove returns how many bytes above seq the receiver has
// reported holding.
func (n *Narrator) sackedAbove(seq int64) int64 {
	k := int64(0)
	for _, b := range n.board {
		if b.Right > seq {
			k += b.Right - max(b.Left, seq)
		}
	}
	return k
}

// sackLost is RFC 6675's IsLost: three runs SACKed above seq, or more
// than two segments' worth of bytes.
func (n *Narrator) sackLost(seq int64) bool {
	runs := 0
	for _, b := range n.board {
		if b.Left > seq {
			runs++
		}
	}
	return runs >= 3 || n.sackedAbove(seq) > 2*int64(max(n.segSize, 1))
}

func (n *Narrator) sackAgreed() bool { return n.cOpts.SACKPermitted && n.sOpts.SACKPermitted }

func blocks(bs []Block) string {
	var p []string
	for _, b := range bs {
		p = append(p, fmt.Sprintf("%d-%d", b.Left, b.Right))
	}
	return strings.Join(p, ", ")
}

func (n *Narrator) clientIn(s *seg) {
	c := n.f.c
	if s.has(wire.SYN) {
		if !n.synAckSeen && s.has(wire.ACK) && s.h.Ack == n.cISN+1 {
			n.synAckSeen = true
			if n.cOpts.HasWindowScale && s.h.Options.HasWindowScale {
				n.srvScale = s.h.Options.WindowScale
			}
		}
		return
	}
	if !n.established || !s.has(wire.ACK) {
		return
	}
	ack := unwrap(s.h.Ack, n.cISN, n.cumAck)
	n.ackAt = s.at
	for i := range min(s.h.Options.NumSACK, len(s.h.Options.SACK)) {
		b := s.h.Options.SACK[i]
		n.board = addBlock(n.board, Block{unwrap(b.Left, n.cISN, ack), unwrap(b.Right, n.cISN, ack)})
	}
	for len(n.board) > 0 && n.board[0].Right <= ack {
		n.board = n.board[1:]
	}
	switch {
	case ack > n.cumAck:
		n.rttSample(s.at, ack)
		n.cumAck, n.dupAcks = ack, 0
		if ack >= n.recover {
			n.inRecovery, n.afterRTO = false, false
		}
		if n.lastRTO >= 0 && ack > n.lastRTO {
			n.lastRTO = -1
		}
		i, _ := slices.BinarySearchFunc(n.origins, ack, func(o origin, s int64) int {
			if o.seq < s {
				return -1
			}
			return 1
		})
		if i > 0 { // keep the segment that holds ack
			n.origins = n.origins[i-1:]
		}
		if !n.firstAck && ack > 1 {
			n.firstAck = true
			segs := 0
			for _, o := range n.origins {
				if o.at <= s.at {
					segs++
				}
			}
			n.line(s.at, "%s receives the first ACK: ack %d, the next byte %s expects (it has bytes 1-%d)",
				c.Client, ack, c.Server, ack-1)
			win := int64(s.h.Window) << n.srvScale
			n.more("its window, %d × %d = %d bytes, says how much more it can take", s.h.Window, 1<<n.srvScale, win)
			n.more("before this ACK came back %s had sent %d segments (%d bytes): its initial window", c.Client, n.segments, n.sndMax-1)
		}
		if n.cFin >= 0 && ack == n.cFin+1 && !n.cFinAcked {
			n.cFinAcked = true
			n.line(s.at, "%s receives ack %d = its FIN + 1: every byte and the FIN arrived", c.Client, ack)
		}
		n.progress(s.at)
	case ack == n.cumAck && s.n == 0 && !s.has(wire.FIN) && n.cumAck < n.sndMax:
		n.dupAcks++
	}
}

// rttSample keeps a smoothed round-trip time (RFC 6298's SRTT) from the
// ACKs of segments sent once (Karn's rule), to put timeouts in scale.
func (n *Narrator) rttSample(now sim.Time, ack int64) {
	if n.inRecovery || n.afterRTO {
		return
	}
	// The newest segment this ACK covers, if it was sent only once.
	var at sim.Time = -1
	for _, o := range n.origins {
		if o.seq >= ack {
			break
		}
		at = o.at
	}
	if at < 0 {
		return
	}
	r := now.Sub(at)
	if n.rttSamples == 0 {
		n.srtt = r
	} else {
		n.srtt += (r - n.srtt) / 8
	}
	n.rttSamples++
}

// progress tells how far the transfer is, at each quarter of the size
// (or each second when the size is unknown).
func (n *Narrator) progress(now sim.Time) {
	acked := n.cumAck - 1
	if n.o.Size > 0 {
		if n.nextProg <= 0 || acked < n.nextProg || acked >= n.o.Size {
			return
		}
		for n.nextProg > 0 && acked >= n.nextProg {
			n.nextProg += n.o.Size / 4
		}
		n.flushRun()
		n.line(now, "%d%% acknowledged: %d of %d bytes; %d data segments sent, %d of them resent",
			acked*100/n.o.Size, acked, n.o.Size, n.segments, n.resent())
	} else {
		if now < n.progAt {
			return
		}
		for n.progAt <= now {
			n.progAt = n.progAt.Add(time.Second)
		}
		n.flushRun()
		n.line(now, "%d bytes acknowledged; %d data segments sent, %d of them resent", acked, n.segments, n.resent())
	}
	n.flushQuiet()
	if n.quietOOO > 0 {
		n.more("(and %s put back in order at %s)", plural(n.quietOOO, "more hole"), n.f.c.Server)
		n.quietOOO = 0
	}
}

func (n *Narrator) resent() int {
	t := 0
	for _, k := range n.retx {
		t += k
	}
	return t
}

func (n *Narrator) serverOut(s *seg) {
	c := n.f.c
	switch {
	case s.has(wire.SYN) && s.has(wire.ACK):
		if s.h.Ack != n.cISN+1 {
			return
		}
		if n.synAckSent {
			n.line(s.at, "%s → %s  SYN-ACK again, seq %d  ack %d: no ACK came back in time", c.Server, c.Client, s.h.Seq, s.h.Ack)
			return
		}
		n.synAckSent = true
		n.sISN, n.sOpts = s.h.Seq, s.h.Options
		n.line(s.at, "%s → %s  SYN-ACK  seq %d  ack %d", c.Server, c.Client, s.h.Seq, s.h.Ack)
		n.more("ack %d = %s's ISN + 1: the SYN counts as one byte of sequence space", s.h.Ack, c.Client)
		n.more("%s's own initial sequence number is %d, random too", c.Server, s.h.Seq)
		n.more("options: %s", options(&s.h.Options, false))
	case !n.srvEstablished:
	case s.has(wire.FIN):
		fin := unwrap(s.h.Seq, n.sISN, 1) + int64(s.n)
		if n.sFin >= 0 {
			if fin == n.sFin && !n.lastAckSent {
				n.line(s.at, "%s → %s  FIN again, seq %d: no ACK came back in time", c.Server, c.Client, fin)
			}
			return
		}
		n.sFin = fin
		if n.firstCloser == "" {
			n.firstCloser = c.Server
		}
		ack := ""
		if s.has(wire.ACK) {
			ack = fmt.Sprintf("  ack %d", unwrap(s.h.Ack, n.cISN, n.rcvNxt))
		}
		n.line(s.at, "%s → %s  FIN  seq %d%s: %s is done too and closes its direction", c.Server, c.Client, fin, ack, c.Server)
	case n.cFin >= 0 && s.has(wire.ACK) && !n.sFinAck:
		if ack := unwrap(s.h.Ack, n.cISN, n.rcvNxt); ack == n.cFin+1 {
			n.sFinAck = true
			n.line(s.at, "%s → %s  ACK  ack %d: %s's FIN + 1", c.Server, c.Client, ack, c.Client)
		}
	}
}

func (n *Narrator) serverIn(s *seg) {
	c := n.f.c
	if !n.established {
		return
	}
	if !n.srvEstablished {
		if s.has(wire.SYN) || !s.has(wire.ACK) {
			return
		}
		n.srvEstablished = true
	}
	if s.n > 0 {
		seq := unwrap(s.h.Seq, n.cISN, n.rcvNxt)
		n.arrive(s, seq, seq+int64(s.n))
	}
	if n.lastAckSent && s.has(wire.ACK) && unwrap(s.h.Ack, n.sISN, 1) == n.sFin+1 {
		n.line(s.at, "%s receives the last ACK and closes: the connection is over", c.Server)
		n.close(s.at)
	}
}

// arrive follows the receiver's sequence space: a segment beyond the
// next expected byte waits in the buffer; the one that fills the hole
// puts the waiting ones back in order.
func (n *Narrator) arrive(s *seg, seq, end int64) {
	c := n.f.c
	tell := n.episodes < n.o.Detail
	switch {
	case end <= n.rcvNxt:
		n.dupArrive++
	case seq > n.rcvNxt:
		if len(n.ooo) == 0 {
			n.held, n.holeFrom, n.holeAt = 0, n.rcvNxt, s.at
			if tell {
				n.line(s.at, "%s receives seq %d-%d out of order: it expects %d, so bytes %d-%d are missing (lost or late)",
					c.Server, seq, end, n.rcvNxt, n.rcvNxt, seq)
				n.more("it keeps the segment in its receive buffer and ACKs %d again, with a SACK block for what it holds", n.rcvNxt)
			}
		}
		n.held++
		n.ooo = addBlock(n.ooo, Block{seq, end})
	default:
		from := n.rcvNxt
		n.rcvNxt = end
		waited := int64(0)
		for len(n.ooo) > 0 && n.ooo[0].Left <= n.rcvNxt {
			b := n.ooo[0]
			waited += b.Right - b.Left
			n.rcvNxt = max(n.rcvNxt, b.Right)
			n.ooo = n.ooo[1:]
		}
		if waited == 0 {
			return
		}
		if len(n.ooo) > 0 {
			// Part of the hole is filled; the rest waits.
			if tell {
				n.line(s.at, "%s receives seq %d-%d: part of the hole; %d bytes join them in order, ack %d → %d, still missing from %d",
					c.Server, seq, end, waited, from, n.rcvNxt, n.rcvNxt)
			}
			return
		}
		n.episodes++
		if !tell {
			n.quietOOO++
			return
		}
		n.line(s.at, "%s receives seq %d-%d, which fills the hole: the %d segments (%d bytes) that waited",
			c.Server, seq, end, n.held, waited)
		n.more("are put back in order behind it and handed to the app; its ACK jumps from %d to %d", n.holeFrom, n.rcvNxt)
		if n.episodes == n.o.Detail {
			n.more("(further holes are counted, not told one by one)")
		}
	}
}

// addBlock inserts b into the sorted, disjoint list bs, merging.
func addBlock(bs []Block, b Block) []Block {
	i := 0
	for i < len(bs) && bs[i].Right < b.Left {
		i++
	}
	j := i
	for j < len(bs) && bs[j].Left <= b.Right {
		b.Left, b.Right = min(b.Left, bs[j].Left), max(b.Right, bs[j].Right)
		j++
	}
	return slices.Insert(slices.Delete(bs, i, j), i, b)
}

// close ends the story with a summary.
func (n *Narrator) close(at sim.Time) {
	n.closed, n.closedAt = true, at
	n.flushRun()
	n.flushQuiet()
	resent := "none resent"
	if t := n.resent(); t > 0 {
		resent = fmt.Sprintf("%d resent: %s", t, reasons(&n.retx))
	}
	n.line(n.closedAt, "in all: %d data segments, %s;", n.segments, resent)
	n.more("%s put %s back in order", n.f.c.Server, plural(n.episodes, "hole"))
	if n.OnClosed != nil {
		n.OnClosed()
	}
}

// plural returns "1 hole", "2 holes".
func plural(k int, what string) string {
	if k == 1 {
		return "1 " + what
	}
	return strconv.Itoa(k) + " " + what + "s"
}
