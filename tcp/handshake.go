package tcp

import (
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// handleSynSent processes a segment in SYN-SENT (RFC 9293 section
// 3.10.7.3).
func (c *Conn) handleSynSent(now sim.Time, s *Segment) {
	ackOK := false
	if s.Flags&wire.ACK != 0 {
		// "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless
		// the RST bit is set, if so drop the segment and return)".
		if s.Ack.LessThanEq(c.iss) || c.sndMax.LessThan(s.Ack) {
			if s.Flags&wire.RST == 0 {
				c.replyRST(s)
			}
			return
		}
		ackOK = true
	}
	if s.Flags&wire.RST != 0 {
		// "If the ACK was acceptable, then signal to the user 'error:
		// connection reset', drop the segment, enter CLOSED state";
		// otherwise drop it (RFC 5961 section 3.2 keeps this rule).
		if ackOK {
			c.finish(ErrConnRefused)
		}
		return
	}
	if s.Flags&wire.SYN == 0 {
		return // "If neither of the SYN or RST bits is set, then drop"
	}
	c.noteArrival(now)
	c.takeSYN(s)
	if !ackOK {
		// Simultaneous open: "enter SYN-RECEIVED, form a SYN,ACK
		// segment <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> and send it".
		c.state = SynReceived
		c.sndNxt = c.iss
		c.rttTiming = false
		return
	}
	c.ackNew(now, s)
	c.establish(now)
	c.setWindow(s)
	// "form an ACK segment <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and send
	// it. Data or controls that were queued for transmission may be
	// included." Text on the SYN-ACK continues at the sixth step.
	c.ackNow = true
	rest := *s
	rest.Flags &^= wire.SYN
	rest.Seq = c.rcvNxt
	rest.Payload = rest.Payload[:min(len(rest.Payload), c.rcv.free())]
	c.handleText(now, &rest)
	c.handleFIN(now, &rest)
}

// establish enters ESTABLISHED (or FIN-WAIT-1 when the app closed during
// the handshake) and starts congestion control.
func (c *Conn) establish(now sim.Time) {
	c.state = Established
	c.forceData = false
	c.ccs.MSS = c.dataMSS()
	c.cc.Init(&c.ccs, now)
	if c.synRetransmits > 0 {
		// RFC 5681 section 3.1: "if the SYN or SYN/ACK is lost, the
		// initial window used by a sender after a correctly
		// transmitted SYN MUST be one segment"; RFC 6298 section 5.7.
		c.ccs.Cwnd = c.ccs.MSS
		c.rtt.synLost()
	}
	if c.finQueued {
		c.state = FinWait1
	}
}

// replyRST queues the reset RSTFor gives for s.
func (c *Conn) replyRST(s *Segment) {
	if r, ok := RSTFor(s); ok {
		c.reply, c.replyPending = r, true
	}
}
