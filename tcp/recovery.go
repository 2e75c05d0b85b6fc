package tcp

import (
	"time"

	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/sim"
)

// dupAckThreshold is RFC 5681 section 3.2's three duplicate ACKs (RFC
// 6675's DupThresh).
const dupAckThreshold = 3

// Loss recovery has two forms. When the peer permitted SACK, it is RFC
// 6675's conservative SACK-based recovery: the scoreboard (sack.go)
// tells which holes are lost, cwnd is set to ssthresh once, and what
// may be sent is cwnd less the pipe, lost holes first (see appendData).
// Without SACK it is RFC 5681's fast retransmit and fast recovery with
// RFC 6582's NewReno partial ACKs and RFC 3042's limited transmit.

// onNewAck feeds an ACK of new data, with the RTT sample it gave (0
// if none), to loss recovery (RFC 6582 section 3.2, steps 3 and 4; RFC
// 6675 section 5) or, outside recovery, to congestion control, which
// grows cwnd only while cwnd is what limits the sender (RFC 7661,
// Linux's tcp_is_cwnd_limited).
func (c *Conn) onNewAck(now sim.Time, acked int, rtt time.Duration) {
	if !c.inRecovery {
		c.dupAcks = 0
		c.cc.OnAck(&c.ccs, Ack{
			Now: now, Acked: acked, SRTT: c.rtt.srtt, RTT: rtt,
			Una: c.sndUna, Nxt: c.sndNxt, CwndLimited: c.isCwndLimited(),
			Idle: c.sndUna == c.sndMax && c.snd.n == 0,
		})
		return
	}
	mss := c.ccs.MSS
	if !c.sndUna.LessThan(c.recover) {
		c.inRecovery, c.dupAcks = false, 0
		if c.sackOK {
			// RFC 6675 leaves cwnd at ssthresh when recovery ends,
			// as Linux's tcp_end_cwnd_reduction does.
			c.ccs.Cwnd = c.ccs.Ssthresh
			return
		}
		// RFC 6582 step 3, full acknowledgment: "Set cwnd to ... min
		// (ssthresh, max(FlightSize, SMSS) + SMSS)" and exit the
		// procedure.
		flight := int(c.sndMax.Sub(c.sndUna))
		c.ccs.Cwnd = min(c.ccs.Ssthresh, max(flight, mss)+mss)
		return
	}
	if c.sackOK {
		return // RFC 6675: NextSeg () finds the next hole; pipe shrank
	}
	// Step 4, partial acknowledgment: "retransmit the first
	// unacknowledged segment ... deflate the congestion window by the
	// amount of new data acknowledged ... If the partial ACK
	// acknowledges at least one SMSS of new data, then add back SMSS".
	c.retransmitHead = true
	c.ccs.Cwnd = max(c.ccs.Cwnd-acked, 0)
	if acked >= mss {
		c.ccs.Cwnd += mss
	}
	c.ccs.Cwnd = max(c.ccs.Cwnd, mss)
}

// onDupAck counts a duplicate ACK (with SACK, RFC 6675's: one that
// SACKs new data counts too). Without SACK, later ones in recovery
// inflate the window (step 4 of RFC 5681's procedure); the first two
// let new data out (limited transmit, RFC 3042; see sendRoom).
func (c *Conn) onDupAck() {
	c.stats.DupAcksIn++
	if c.inRecovery {
		if !c.sackOK {
			c.ccs.Cwnd += c.ccs.MSS
		}
		return
	}
	c.dupAcks++
}

// detectLoss starts fast retransmit and fast recovery on the third
// duplicate ACK (RFC 5681 section 3.2, RFC 6582 section 3.2 step 2)
// or, with SACK, as soon as the scoreboard deems the segment at SND.UNA
// lost (RFC 6675 section 5, "IsLost (HighACK + 1)").
func (c *Conn) detectLoss(now sim.Time) {
	if c.inRecovery || c.state < Established || c.sndUna == c.sndMax {
		return
	}
	// RFC 6582 step 2 and RFC 6675 section 5.1: only when the ACK
	// covers more than recover, so duplicate ACKs left over from
	// before a timeout start nothing.
	if c.sndUna.LessThan(c.recover) {
		return
	}
	start := c.dupAcks == dupAckThreshold
	if c.sackOK {
		start = c.dupAcks >= dupAckThreshold || c.isLost()
	}
	if start {
		c.enterRecovery(now)
	}
}

// enterRecovery is RFC 6675 section 5 step (4) or RFC 6582 step 2:
// remember the highest sequence number sent, set ssthresh, and
// retransmit the segment at SND.UNA. With SACK cwnd becomes ssthresh;
// without, ssthresh plus the three segments that have left the network.
func (c *Conn) enterRecovery(now sim.Time) {
	flight := int(c.sndMax.Sub(c.sndUna))
	c.cc.OnLoss(&c.ccs, now, flight)
	c.recover = c.sndMax
	c.inRecovery, c.rtoEpisode = true, false
	c.retransmitHead = true
	c.stats.FastRetransmits++
	if c.sackOK {
		c.ccs.Cwnd = c.ccs.Ssthresh
		c.highRxt, c.rescued = c.sndUna, false
		return
	}
	c.ccs.Cwnd = c.ccs.Ssthresh + dupAckThreshold*c.ccs.MSS
}

// rescue is rule (4) of RFC 6675's NextSeg (): once per recovery, when
// nothing else may go, one segment that "MUST include the highest
// outstanding unSACKed sequence number", so that a lost tail is
// repaired without a timeout. HighRxt does not move.
func (c *Conn) rescue(mss int) (at seq.Value, n int, fin, ok bool) {
	if c.rescued || !c.sb.highest(c.sndUna).LessThan(c.sndMax) {
		return 0, 0, false, false
	}
	dataEnd := c.sndBufSeq.Add(seq.Size(c.snd.n))
	last := seq.Min(c.sndMax, dataEnd) // end of the data sent
	at = seq.Min(seq.Max(seq.Max(c.sb.highest(c.sndUna), back(last, mss)), c.sndUna), last)
	n = int(last.Sub(at))
	fin = c.finQueued && c.sndMax == dataEnd.Add(1)
	if n == 0 && !fin {
		return 0, 0, false, false
	}
	return at, n, fin, true
}
