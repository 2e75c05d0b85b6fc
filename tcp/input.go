package tcp

import (
	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// challengeInterval spaces challenge ACKs (RFC 5961 section 7: "an ACK
// throttling mechanism"); Linux's per-socket limit is 500 ms
// (tcp_invalid_ratelimit).
const challengeInterval = 500 * 1000 * 1000 // ns

// Handle processes an arriving segment, already parsed and checksummed
// by the caller, as RFC 9293 section 3.10.7 orders it: sequence number,
// RST, SYN, ACK, text, FIN. Segments the engine wants to send in answer
// come out of the next AppendOutput. Handle keeps no reference to seg.
func (c *Conn) Handle(now sim.Time, seg *Segment) {
	c.stats.SegmentsIn++
	switch c.state {
	case Closed, Listen:
		return // the caller answers for a closed port (RSTFor)
	case SynSent:
		c.handleSynSent(now, seg)
		return
	}
	c.noteArrival(now)
	s := *seg // trimmed below; the caller's segment is left alone
	switch {
	case s.Flags&wire.RST != 0:
		c.handleRST(now, &s)
		return
	case s.Flags&wire.SYN != 0 && !c.simultaneousSynAck(&s):
		c.handleSYN(now, &s)
		return
	}
	if !c.acceptable(now, &s) {
		return
	}
	// Fifth, check the ACK field: "if the ACK bit is off, drop the
	// segment and return".
	tsSeq := seg.Seq // RFC 7323's SEG.SEQ, before trimming
	if s.Flags&wire.ACK == 0 || !c.handleACK(now, &s) {
		return
	}
	// Like Linux, TS.Recent moves only for a segment whose ACK passed.
	c.updateTSRecent(tsSeq, &s)
	// Sixth (URG) is not implemented; the urgent pointer is ignored.
	c.handleText(now, &s)
	c.handleFIN(now, &s)
}

// noteArrival restarts the keepalive idle time (RFC 9293 section
// 3.8.4 counts idleness from the last segment received).
func (c *Conn) noteArrival(now sim.Time) {
	c.lastRecv = now
	c.kaProbes = 0
	c.keepaliveAt = sim.Never
}

// rcvWindow is RCV.WND: the room left in the receive buffer, or the
// window last advertised if that reaches further (by at most the slack a
// window rounded up to the scale takes).
func (c *Conn) rcvWindow() seq.Size { return seq.Size(max(c.rcv.free(), c.advertisedNow())) }

// acceptable is the first check of RFC 9293 section 3.10.7.4 with PAWS
// (RFC 7323 section 5.3) in front. An unacceptable segment gets an ACK
// and is dropped; an acceptable one is trimmed to the window.
func (c *Conn) acceptable(now sim.Time, s *Segment) bool {
	if c.pawsReject(s) {
		c.ackNow = true
		return false
	}
	wnd := c.rcvWindow()
	n := s.Len()
	ok := seq.Acceptable(s.Seq, n, c.rcvNxt, wnd) ||
		// Like Linux (tcp_sequence), a segment that starts before
		// RCV.NXT and reaches into the window is taken and trimmed.
		(n > 0 && s.Seq.LessThan(c.rcvNxt) && c.rcvNxt.LessThan(s.Seq.Add(n)))
	if !ok && wnd == 0 && s.Seq == c.rcvNxt {
		// "If the RCV.WND is zero, no segments will be acceptable, but
		// special allowance should be made to accept valid ACKs, URGs,
		// and RSTs": keep the ACK, drop the text. A bare FIN is kept
		// too, as Linux does.
		ok = true
		if len(s.Payload) > 0 {
			s.Payload, s.Flags = nil, s.Flags&^wire.FIN
			c.ackNow = true
		}
	}
	if !ok {
		// "If an incoming segment is not acceptable, an acknowledgment
		// should be sent in reply (unless the RST bit is set)".
		c.ackNow = true
		if c.state == TimeWait && s.Flags&wire.FIN != 0 {
			// A retransmitted FIN: "Acknowledge it, and restart the
			// 2 MSL timeout."
			c.closeAt = now.Add(2 * c.cfg.MSL)
		}
		return false
	}
	c.trim(s, wnd)
	return true
}

// pawsReject is RFC 7323 section 5.3 R1: a segment whose TSval is older
// than TS.Recent is an old duplicate.
func (c *Conn) pawsReject(s *Segment) bool {
	return c.tsOK && s.Options.HasTimestamps && int32(s.Options.TSVal-c.tsRecent) < 0
}

// updateTSRecent is RFC 7323 section 4.3 (2): "If SEG.TSval >= TS.Recent
// and SEG.SEQ =< Last.ACK.sent, then SEG.TSval is copied to TS.Recent".
func (c *Conn) updateTSRecent(segSeq seq.Value, s *Segment) {
	if c.tsOK && s.Options.HasTimestamps && segSeq.LessThanEq(c.lastAckSent) {
		c.tsRecent = s.Options.TSVal
	}
}

// trim cuts an acceptable segment down to the window [RCV.NXT,
// RCV.NXT+wnd) (RFC 9293 section 3.10.7.4: "segments ... may be trimmed
// ... to contain only data within the window").
func (c *Conn) trim(s *Segment, wnd seq.Size) {
	if s.Seq.LessThan(c.rcvNxt) {
		d := c.rcvNxt.Sub(s.Seq)
		if d > seq.Size(len(s.Payload)) {
			s.Flags &^= wire.FIN // the FIN too is old
		}
		s.Payload = s.Payload[min(d, seq.Size(len(s.Payload))):]
		s.Seq = c.rcvNxt
	}
	if room := c.rcvNxt.Add(wnd).Sub(s.Seq); seq.Size(len(s.Payload)) > room {
		s.Payload = s.Payload[:room]
		s.Flags &^= wire.FIN
	}
}

// handleRST is the second check, with RFC 5961 section 3.2: an RST
// exactly at RCV.NXT resets the connection; one elsewhere in the window
// gets a challenge ACK; one outside it is dropped.
func (c *Conn) handleRST(now sim.Time, s *Segment) {
	switch {
	case s.Seq == c.rcvNxt:
		c.reset()
	case s.Seq.InWindow(c.rcvNxt, max(c.rcvWindow(), 1)):
		c.challengeACK(now)
	}
}

// reset ends the connection on a valid RST (RFC 9293 section
// 3.10.7.4, second check, by state).
func (c *Conn) reset() {
	switch c.state {
	case SynReceived:
		// A passive open "returns to LISTEN": the caller's listener
		// lives on, this Conn ends. An active one is refused.
		if c.active {
			c.finish(ErrConnRefused)
		} else {
			c.finish(ErrReset)
		}
	case Established, FinWait1, FinWait2, CloseWait:
		c.finish(ErrReset)
	default: // CLOSING, LAST-ACK, TIME-WAIT: "enter the CLOSED state"
		c.finish(nil)
	}
}

// handleSYN is the fourth check, with RFC 5961 section 4.2: a SYN in a
// synchronized state gets a challenge ACK, whatever its sequence
// number. In SYN-RECEIVED the peer's retransmitted SYN means our SYN-ACK
// was lost, and it is sent again (as Linux does).
func (c *Conn) handleSYN(now sim.Time, s *Segment) {
	if c.state == SynReceived {
		if c.tsOK && s.Options.HasTimestamps && int32(s.Options.TSVal-c.tsRecent) > 0 {
			c.tsRecent = s.Options.TSVal // echo the latest SYN, as Linux does
		}
		c.sndNxt = c.iss
		return
	}
	c.challengeACK(now)
}

// simultaneousSynAck reports whether s is the peer's SYN-ACK in a
// simultaneous open, which SYN-RECEIVED accepts (RFC 9293 figure 8;
// Linux's exception to RFC 5961 in tcp_validate_incoming). The SYN is
// stripped so that processing goes on with the ACK.
func (c *Conn) simultaneousSynAck(s *Segment) bool {
	ok := c.state == SynReceived && c.active && s.Flags&wire.ACK != 0 &&
		s.Seq.Add(1) == c.rcvNxt && s.Ack == c.sndMax
	if ok {
		s.Flags &^= wire.SYN
		s.Seq = c.rcvNxt
	}
	return ok
}

// challengeACK queues a challenge ACK (RFC 5961 sections 3.2, 4.2 and
// 5.2), at most one per challengeInterval (section 7).
func (c *Conn) challengeACK(now sim.Time) {
	if c.challengeSent && now-c.challengeAt < challengeInterval {
		return
	}
	c.challengeSent, c.challengeAt = true, now
	c.ackNow = true
}

// handleText is the seventh step: in-window data goes into the receive
// buffer, in order or held out of order, and an ACK is scheduled.
func (c *Conn) handleText(now sim.Time, s *Segment) {
	if len(s.Payload) == 0 || !c.state.canReceiveData() {
		return // CLOSE-WAIT and later: "This should not occur ... Ignore"
	}
	if c.closed {
		// Data for an app that closed: reset (RFC 1122 4.2.2.13, Linux).
		c.Abort()
		return
	}
	c.rcvMSS = min(max(c.rcvMSS, len(s.Payload)), c.cfg.MSS)
	off := int(s.Seq.Sub(c.rcvNxt))
	free := c.rcv.free()
	data := s.Payload[:max(min(len(s.Payload), free-off), 0)]
	hadHoles := c.rcv.nooo > 0
	if c.cfg.RecvBufMax > 0 && c.tsOK && s.Options.HasTimestamps {
		c.rcvRTTSample(now, s.Options.TSEcr)
	}
	advanced, _ := c.rcv.write(s.Seq, data)
	c.rcvNxt = c.rcv.nxt
	c.stats.BytesReceived += uint64(advanced)
	if off > 0 || hadHoles || len(data) < len(s.Payload) {
		// RFC 5681 section 4.2: an out-of-order segment, or one that
		// fills a hole, is ACKed at once.
		c.ackNow = true
		return
	}
	c.scheduleACK(now, advanced)
}

// scheduleACK decides when to ACK in-order data, as Linux does: at once
// for the first QuickAcks segments, then for every second full-sized
// segment (RFC 5681 section 4.2; Linux: more than one rcv_mss unacked),
// otherwise within the delayed-ACK timeout (RFC 9293 section 3.8.6.3:
// "MUST be less than 0.5 seconds").
func (c *Conn) scheduleACK(now sim.Time, advanced int) {
	c.unackedBytes += advanced
	switch {
	case c.cfg.DelayedAck < 0:
		c.ackNow = true
	case c.quickAcks > 0:
		c.quickAcks--
		c.ackNow = true
	case c.unackedBytes > c.rcvMSS:
		c.ackNow = true
	case c.delackAt == sim.Never:
		c.delackAt = now.Add(c.cfg.DelayedAck)
	}
}

// handleFIN is the eighth step: a FIN at RCV.NXT closes the peer's side;
// one that arrived ahead of missing data is remembered until the data
// comes.
func (c *Conn) handleFIN(now sim.Time, s *Segment) {
	if s.Flags&wire.FIN == 0 {
		if c.finAhead && c.finAheadAt == c.rcvNxt && c.state.canReceiveData() {
			c.takeFIN(now)
		}
		return
	}
	switch {
	case c.state == TimeWait:
		// "Acknowledge it, and restart the 2 MSL timeout."
		c.ackNow = true
		c.closeAt = now.Add(2 * c.cfg.MSL)
		return
	case !c.state.canReceiveData():
		return // CLOSE-WAIT, CLOSING, LAST-ACK: "Remain in the ... state"
	}
	at := s.Seq.Add(seq.Size(len(s.Payload)))
	if at == c.rcvNxt {
		c.takeFIN(now)
	} else if c.rcvNxt.LessThan(at) {
		c.finAhead, c.finAheadAt = true, at
		c.ackNow = true // out of order: a duplicate ACK at once
	}
}

// takeFIN advances RCV.NXT over the peer's FIN, ACKs it, and moves the
// state on (RFC 9293 section 3.10.7.4, eighth).
func (c *Conn) takeFIN(now sim.Time) {
	c.rcvNxt = c.rcvNxt.Add(1)
	c.rcvFin, c.finAhead = true, false
	c.ackNow = true
	switch c.state {
	case Established:
		c.state = CloseWait
	case FinWait1:
		if c.finAcked() {
			c.enterTimeWait(now)
		} else {
			c.state = Closing
		}
	case FinWait2:
		c.enterTimeWait(now)
	}
}

// enterTimeWait starts the 2·MSL wait (RFC 9293 section 3.10.7.4; Linux
// TCP_TIMEWAIT_LEN is 60 s).
func (c *Conn) enterTimeWait(now sim.Time) {
	c.state = TimeWait
	c.closeAt = now.Add(2 * c.cfg.MSL)
	c.rtoAt, c.persistAt, c.keepaliveAt = sim.Never, sim.Never, sim.Never
}

// RSTFor returns the reset a host sends for seg when no connection
// exists for it (RFC 9293 section 3.10.7.1, CLOSED state), and false
// when none is due (seg itself is an RST). "If the ACK bit is off,
// sequence number zero is used, <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>;
// if the ACK bit is on, <SEQ=SEG.ACK><CTL=RST>".
func RSTFor(seg *Segment) (Segment, bool) {
	if seg.Flags&wire.RST != 0 {
		return Segment{}, false
	}
	if seg.Flags&wire.ACK == 0 {
		return Segment{Ack: seg.Seq.Add(seg.Len()), Flags: wire.RST | wire.ACK}, true
	}
	return Segment{Seq: seg.Ack, Flags: wire.RST}, true
}
