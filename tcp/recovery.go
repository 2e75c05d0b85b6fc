package tcp

import "github.com/hopsnet/hops/sim"

// dupAckThreshold is RFC 5681 section 3.2's three duplicate ACKs.
const dupAckThreshold = 3

// onNewAck feeds an ACK of new data to loss recovery (RFC 6582 section
// 3.2, steps 3 and 4) or, outside recovery, to congestion control.
func (c *Conn) onNewAck(now sim.Time, acked int) {
	if !c.inRecovery {
		c.dupAcks = 0
		c.cc.OnAck(&c.ccs, now, acked, c.rtt.srtt)
		return
	}
	mss := c.ccs.MSS
	if !c.sndUna.LessThan(c.recover) {
		// Step 3, full acknowledgment: "Set cwnd to ... min (ssthresh,
		// max(FlightSize, SMSS) + SMSS)" and exit the procedure.
		flight := int(c.sndMax.Sub(c.sndUna))
		c.ccs.Cwnd = min(c.ccs.Ssthresh, max(flight, mss)+mss)
		c.inRecovery, c.dupAcks = false, 0
		return
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

// onDupAck counts a duplicate ACK: the third starts fast retransmit and
// fast recovery (RFC 5681 section 3.2, RFC 6582 section 3.2 step 2),
// later ones inflate the window (step 4 of RFC 5681's procedure). The
// first two let new data out (limited transmit, RFC 3042; see sendRoom).
func (c *Conn) onDupAck(now sim.Time) {
	c.stats.DupAcksIn++
	mss := c.ccs.MSS
	if c.inRecovery {
		c.ccs.Cwnd += mss
		return
	}
	c.dupAcks++
	// RFC 6582 step 2: only when the ACK covers more than recover, so
	// duplicate ACKs left over from before a timeout start nothing.
	if c.dupAcks != dupAckThreshold || c.sndUna.LessThan(c.recover) {
		return
	}
	flight := int(c.sndMax.Sub(c.sndUna))
	c.cc.OnLoss(&c.ccs, now, flight)
	c.ccs.Cwnd = c.ccs.Ssthresh + dupAckThreshold*mss
	c.recover = c.sndMax
	c.inRecovery = true
	c.retransmitHead = true
	c.stats.FastRetransmits++
}
