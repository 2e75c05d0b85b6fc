package tcp

import (
	"time"

	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// handleACK is the fifth check of RFC 9293 section 3.10.7.4, with RFC
// 5961 section 5.2's stricter test. It reports false when the segment
// is to be dropped or the connection has ended.
func (c *Conn) handleACK(now sim.Time, s *Segment) bool {
	if c.state == SynReceived {
		// "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED ...
		// If the segment acknowledgment is not acceptable, form a
		// reset segment <SEQ=SEG.ACK><CTL=RST> and send it."
		if !c.sndUna.LessThan(s.Ack) || c.sndMax.LessThan(s.Ack) {
			c.replyRST(s)
			return false
		}
		c.ackNew(now, s)
		c.establish(now)
		c.setWindow(s)
		return true
	}
	// RFC 5961 section 5.2: acceptable only if (SND.UNA - MAX.SND.WND)
	// =< SEG.ACK =< SND.NXT.
	if c.sndMax.LessThan(s.Ack) {
		c.ackNow = true // "If the ACK acks something not yet sent ... send an ACK, drop"
		return false
	}
	if s.Ack.LessThan(back(c.sndUna, c.maxSndWnd)) {
		c.challengeACK(now)
		return false
	}
	c.probes = 0 // the peer answers: window probes are not lost
	fresh := c.takeSACK(s)
	switch {
	case c.sndUna.LessThan(s.Ack):
		c.ackNew(now, s)
	case s.Ack == c.sndUna && (c.isDupAck(s) || (fresh && c.sndUna != c.sndMax)):
		// RFC 6675 section 2: an ACK that SACKs new data is a
		// duplicate ACK even when it carries data or a new window.
		c.onDupAck()
	}
	c.updateWindow(s)
	c.detectLoss(now)
	return c.afterAck(now)
}

// back returns the sequence number n before v.
func back(v seq.Value, n int) seq.Value { return v - seq.Value(uint32(n)) }

// ackNew takes an ACK that acknowledges new sequence space: SND.UNA
// advances, acknowledged bytes leave the send buffer, an RTT sample may
// be taken, congestion control and loss recovery learn of it, and the
// retransmission timer restarts or stops (RFC 6298 section 5.2, 5.3).
func (c *Conn) ackNew(now sim.Time, s *Segment) {
	acked := int(s.Ack.Sub(c.sndUna))
	data := c.releaseAcked(s.Ack)
	c.sndUna = s.Ack
	if c.sndNxt.LessThan(c.sndUna) {
		c.sndNxt = c.sndUna // a timeout rewound SND.NXT; the original got through
	}
	c.retries, c.probes, c.persistBackoff = 0, 0, 0
	c.stats.BytesAcked += uint64(data)
	rtt := c.takeRTTSample(now, s)
	if c.state >= Established {
		c.onNewAck(now, acked, rtt)
	}
	if c.sndUna == c.sndMax {
		c.rtoAt = sim.Never // (5.2) "When all outstanding data has been acknowledged, turn off"
	} else {
		c.rtoAt = now.Add(c.rtt.rto()) // (5.3) "restart it so that it will expire after RTO"
	}
}

// releaseAcked drops the bytes below ack from the send buffer and
// returns how many. SYN and FIN take sequence space but no bytes.
func (c *Conn) releaseAcked(ack seq.Value) int {
	end := c.sndBufSeq.Add(seq.Size(c.snd.n))
	upto := seq.Min(ack, end)
	if !c.sndBufSeq.LessThan(upto) {
		return 0
	}
	k := int(upto.Sub(c.sndBufSeq))
	c.snd.consume(k)
	c.sndBufSeq = upto
	return k
}

// takeRTTSample takes one round-trip sample from an ACK of new data:
// from the timed segment when this ACK covers it (microsecond
// precision), otherwise, when timestamps are on, from the echoed
// timestamp, as RFC 7323 section 4 ("RTTM") and Linux's
// tcp_ack_update_rtt do for every ACK that advances SND.UNA. The echo
// names the transmission the ACK answers, so retransmissions stay
// unambiguous (Karn's algorithm) — except that an echo older than our
// last retransmission may answer a copy whose ACK was lost or delayed
// (a duplicate arriving at the peer is answered with its older
// TS.Recent), and would fold the backed-off timeout into SRTT: those
// are skipped. It returns the sample, 0 if none was taken.
func (c *Conn) takeRTTSample(now sim.Time, s *Segment) time.Duration {
	if c.rttTiming && c.rttSeq.LessThanEq(s.Ack) {
		rtt := max(now.Sub(c.rttAt), 0)
		c.rtt.sample(rtt)
		c.rttTiming = false
		return max(rtt, time.Nanosecond)
	}
	if !c.tsOK || !s.Options.HasTimestamps || s.Options.TSEcr == 0 {
		return 0
	}
	if c.rexmitted && int32(s.Options.TSEcr-c.rexmitTS) < 0 {
		return 0
	}
	if ms := int32(c.tsClock(now) - s.Options.TSEcr); ms >= 0 {
		// Millisecond clock: at least 1 ms, as Linux's tcp_rtt_tsopt_us.
		rtt := time.Duration(max(ms, 1)) * time.Millisecond
		c.rtt.sample(rtt)
		return rtt
	}
	return 0
}

// isDupAck is RFC 5681 section 2's DUPLICATE ACKNOWLEDGMENT: data
// outstanding, no data, SYN or FIN on the ACK, the same acknowledgment
// number and the same window.
func (c *Conn) isDupAck(s *Segment) bool {
	return c.sndUna != c.sndMax && len(s.Payload) == 0 &&
		s.Flags&(wire.SYN|wire.FIN) == 0 && c.scaledWindow(s) == c.sndWnd
}

func (c *Conn) scaledWindow(s *Segment) int { return int(s.Window) << c.sndShift }

// updateWindow: "If SND.UNA =< SEG.ACK =< SND.NXT, the send window
// should be updated. If (SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and
// SND.WL2 =< SEG.ACK)), set SND.WND <- SEG.WND, SND.WL1 <- SEG.SEQ, and
// set SND.WL2 <- SEG.ACK."
func (c *Conn) updateWindow(s *Segment) {
	if s.Ack.LessThan(c.sndUna) {
		return
	}
	if c.sndWl1.LessThan(s.Seq) || (c.sndWl1 == s.Seq && c.sndWl2.LessThanEq(s.Ack)) {
		c.setWindow(s)
	}
}

// setWindow takes the segment's window (scaled, RFC 7323 section 2.3)
// as SND.WND.
func (c *Conn) setWindow(s *Segment) {
	w := c.scaledWindow(s)
	if w > c.sndWnd {
		c.persistBackoff = 0
	}
	c.sndWnd, c.sndWl1, c.sndWl2 = w, s.Seq, s.Ack
	c.maxSndWnd = max(c.maxSndWnd, w)
}

// finAcked reports whether our FIN has been sent and acknowledged.
func (c *Conn) finAcked() bool {
	return c.finQueued && c.snd.n == 0 && c.sndUna == c.sndBufSeq.Add(1)
}

// afterAck moves the closing states on once our FIN is acknowledged
// (RFC 9293 section 3.10.7.4, fifth, FIN-WAIT-1, CLOSING and LAST-ACK).
// It reports false when the connection has ended.
func (c *Conn) afterAck(now sim.Time) bool {
	if !c.finAcked() {
		return true
	}
	switch c.state {
	case FinWait1:
		c.state = FinWait2
		if c.closed {
			c.closeAt = now.Add(c.cfg.FinWait2Timeout)
		}
	case Closing:
		c.enterTimeWait(now)
	case LastAck:
		c.finish(nil)
		return false
	}
	return true
}
