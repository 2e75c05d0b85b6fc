package tcp

// Congestion window validation: RFC 7661's rule that cwnd must not grow
// while the sender does not use it (it is application-limited, or the
// peer's receive window limits it), in the form Linux gives it
// (tcp_cwnd_validate and tcp_is_cwnd_limited). Once per window of data
// the connection records whether output stopped at cwnd and the most
// bytes it had outstanding; cwnd grows only if it stopped at cwnd or,
// in slow start, while cwnd is below twice that flight ("ensure cwnd
// grows to twice what was ACKed").

// validateCwnd records the outcome of an output pass that sent
// something or stopped at cwnd. limited reports a segment held back by
// cwnd; a flight within a segment of cwnd counts as limited too.
func (c *Conn) validateCwnd(sent, limited bool) {
	limited = limited || c.ccs.Cwnd-c.inFlight() < c.ccs.MSS
	if !sent && !limited {
		return
	}
	flight := int(c.sndNxt.Sub(c.sndUna))
	if !c.sndUna.LessThan(c.cwndUsageSeq) || limited || (!c.cwndLimited && flight > c.maxFlight) {
		c.cwndLimited = limited
		c.maxFlight = flight
		c.cwndUsageSeq = c.sndNxt
	}
}

// isCwndLimited reports whether cwnd may grow on an ACK.
func (c *Conn) isCwndLimited() bool {
	if c.cwndLimited {
		return true
	}
	if c.ccs.Cwnd < c.ccs.Ssthresh {
		return c.ccs.Cwnd < 2*c.maxFlight
	}
	return false
}
