package tcp

import (
	"time"

	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/sim"
)

// NextDeadline returns when the connection next needs [Conn.Advance],
// and false when no timer is running. The timers are deadlines in the
// connection's state (retransmission, persist, delayed ACK, keepalive,
// TIME-WAIT), pulled by the caller, never scheduled by the engine.
func (c *Conn) NextDeadline() (sim.Time, bool) {
	t := min(c.rtoAt, c.persistAt, c.delackAt, c.keepaliveAt, c.closeAt)
	return t, t != sim.Never
}

// Advance fires every timer due at or before now. Call AppendOutput
// afterwards for the segments the timers want sent.
func (c *Conn) Advance(now sim.Time) {
	if c.closeAt <= now {
		c.onClose()
	}
	if c.rtoAt <= now {
		c.onRTO(now)
	}
	if c.persistAt <= now {
		c.onPersist(now)
	}
	if c.delackAt <= now {
		c.delackAt = sim.Never
		c.ackNow = true
	}
	if c.keepaliveAt <= now {
		c.onKeepalive(now)
	}
}

// onClose ends TIME-WAIT (RFC 9293 section 3.10.8: "If the time-wait
// timeout expires on a connection, delete the TCB") or an orphaned
// FIN-WAIT-2, which Linux ends with an RST.
func (c *Conn) onClose() {
	if c.state == FinWait2 {
		c.rstPending = true
	}
	c.finish(nil)
}

// onRTO is a retransmission timeout (RFC 6298 section 5.4-5.6): resend
// from SND.UNA, back the timer off, and collapse the congestion window
// (RFC 5681 section 3.1), or give up after the retry limit.
func (c *Conn) onRTO(now sim.Time) {
	c.rtoAt = sim.Never
	if c.sndUna == c.sndMax {
		return
	}
	limit := c.cfg.DataRetries
	switch c.state {
	case SynSent:
		// Linux's tcp_write_timeout adds the linear timeouts to the
		// SYN's retries.
		limit = c.cfg.SynRetries + max(c.cfg.SynLinearTimeouts, 0)
	case SynReceived:
		limit = c.cfg.SynRetries
	}
	if c.retries >= limit {
		c.finish(c.timeoutErr())
		return
	}
	c.retries++
	c.stats.Timeouts++
	if c.state.synchronized() && c.state != SynReceived {
		ssthresh := c.ccs.Ssthresh
		// A timeout again before SND.UNA has passed the recover point
		// of the last one: the timer has resent the head already.
		again := c.rtoEpisode && c.sndUna.LessThan(c.recover)
		c.cc.OnTimeout(&c.ccs, now, int(c.sndMax.Sub(c.sndUna)))
		if c.inRecovery || again {
			// Fast recovery or an earlier timeout already reduced
			// ssthresh for this loss; like Linux's tcp_enter_loss, a
			// timeout then only collapses cwnd (RFC 5681 section 3.1:
			// ssthresh is set when the segment "has not yet been
			// resent by way of the retransmission timer").
			c.ccs.Ssthresh = ssthresh
		}
		c.rtoEpisode = true
	} else {
		c.synRetransmits++
	}
	// RFC 6582 section 3.2 step 1 (after a timeout): "record the
	// highest sequence number transmitted in the variable recover".
	c.recover = c.sndMax
	c.inRecovery, c.dupAcks, c.retransmitHead = false, 0, false
	// RFC 6675 section 5.1 and RFC 2018 section 8 allow for a receiver
	// that discards data it SACKed. Like Linux (tcp_check_sack_reneging,
	// tcp_timeout_mark_lost), the scoreboard is kept, so that only holes
	// are resent, unless the peer's ACK stops where a SACKed run
	// begins: then it has reneged, and the scoreboard is cleared.
	if c.sb.n > 0 && c.sb.r[0].left == c.sndUna {
		c.sb.reset()
	}
	if c.state != SynSent || c.retries > c.cfg.SynLinearTimeouts {
		// Linux's tcp_retransmit_timer keeps the RTO of an active
		// open's first tcp_syn_linear_timeouts timeouts.
		c.rtt.backOff()
	}
	c.sndNxt = c.sndUna
	c.forceData = true
	c.rttTiming = false
	c.rtoAt = now.Add(c.rtt.rto())
}

// persistInterval is the current zero-window probe interval: the RTO,
// doubled per unanswered probe, at most MaxRTO (Linux's
// tcp_probe0_when).
func (c *Conn) persistInterval() time.Duration {
	d := c.rtt.rto()
	for i := uint(0); i < c.persistBackoff && d < MaxRTO; i++ {
		d *= 2
	}
	return min(d, MaxRTO)
}

// onPersist is the persist timer (RFC 9293 section 3.8.6.1, RFC 1122
// section 4.2.2.17): probe a zero window, or send what fits into a
// window too small for sender SWS avoidance. The connection gives up
// after DataRetries probes the peer leaves unanswered.
func (c *Conn) onPersist(now sim.Time) {
	c.persistAt = sim.Never
	if c.probes >= c.cfg.DataRetries {
		c.finish(c.timeoutErr())
		return
	}
	c.probes++
	c.persistBackoff++
	if c.sndWnd > 0 {
		c.forceData = true
	} else {
		c.probeNow = true
	}
}

// onKeepalive sends a keepalive probe after the idle time, or gives up
// after KeepaliveProbes unanswered ones (RFC 9293 section 3.8.4, RFC
// 1122 section 4.2.3.6).
func (c *Conn) onKeepalive(now sim.Time) {
	c.keepaliveAt = sim.Never
	if c.kaProbes >= c.cfg.KeepaliveProbes {
		c.finish(c.timeoutErr())
		return
	}
	c.kaProbes++
	c.probeNow = true
	c.keepaliveAt = now.Add(c.cfg.KeepaliveInterval)
}

// armTimers starts or stops the retransmission, persist and keepalive
// timers after output, from what is outstanding and what waits.
func (c *Conn) armTimers(now sim.Time) {
	if c.state == TimeWait || c.state == Closed {
		return
	}
	// RFC 6298 (5.1): "Every time a packet containing data is sent
	// (including a retransmission), if the timer is not running, start
	// it running so that it will expire after RTO seconds".
	if c.sndUna == c.sndMax {
		c.rtoAt = sim.Never
	} else if c.rtoAt == sim.Never {
		c.rtoAt = now.Add(c.rtt.rto())
	}
	// The persist timer runs while data waits and nothing is in flight
	// to bring an ACK that opens the window.
	waiting := c.state.canSendData() && c.sndUna == c.sndMax && c.sndNxt.LessThan(c.sndBufSeq.Add(seq.Size(c.snd.n)))
	if !waiting {
		c.persistAt = sim.Never
	} else if c.persistAt == sim.Never {
		c.persistAt = now.Add(c.persistInterval())
	}
	c.armKeepalive()
}

// armKeepalive starts the keepalive idle time when it is on, the
// connection is open and idle, and no probe is out.
func (c *Conn) armKeepalive() {
	idle := c.state == Established || c.state == CloseWait
	idle = idle && c.sndUna == c.sndMax && c.snd.n == 0
	if !c.cfg.Keepalive || !idle {
		c.keepaliveAt, c.kaProbes = sim.Never, 0
		return
	}
	if c.keepaliveAt == sim.Never {
		c.keepaliveAt = c.lastRecv.Add(c.cfg.KeepaliveIdle)
	}
}
