package tcp

import (
	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// Why nextSegment sends nothing: the congestion window (the sender is
// cwnd-limited, RFC 7661), or anything else (no data, the peer's
// window, Nagle).
const (
	stopNone = iota
	stopCwnd
	stopOther
)

// appendData sends what the windows allow: first a retransmission of
// the segment at SND.UNA when loss recovery asks for one, then, in SACK
// recovery, the holes deemed lost (RFC 6675 NextSeg () rule 1), then
// segments from SND.NXT on (rule 2), then holes not yet deemed lost and
// a rescue retransmission (rules 3 and 4).
func (c *Conn) appendData(dst []Segment, now sim.Time) []Segment {
	start := len(dst)
	if c.retransmitHead {
		c.retransmitHead = false
		dst = c.appendHead(dst, now)
	}
	stop := stopNone
	// Each round sends at least one sequence number of a buffer of
	// bounded size; the bound only guards against a bug.
	for range c.snd.capacity + 2 {
		if c.sackRecovery() && !c.resending() {
			var sent bool
			if dst, sent, stop = c.appendLost(dst, now, false); sent || stop == stopCwnd {
				if sent {
					continue
				}
				break
			}
		}
		n, fin, why := c.nextSegment(c.skipSACKed())
		if why != stopNone {
			stop = why
			if why == stopOther && c.sackRecovery() && !c.resending() {
				// Rules (3) and (4): nothing new may go.
				var sent bool
				if dst, sent, stop = c.appendLost(dst, now, true); sent {
					continue
				}
			}
			break
		}
		dst = append(dst, c.dataSegment(now, c.sndNxt, n, fin))
		c.sndNxt = c.sndNxt.Add(seq.Size(n))
		if fin {
			c.sndNxt = c.sndNxt.Add(1)
		}
		c.forceData = false
	}
	c.validateCwnd(len(dst) > start, stop == stopCwnd)
	return dst
}

// appendHead retransmits the segment at SND.UNA (fast retransmit, a
// NewReno partial ACK), cut short where a SACKed run begins.
func (c *Conn) appendHead(dst []Segment, now sim.Time) []Segment {
	n, fin := c.segmentAt(c.sndUna, c.segMSS())
	if c.sackOK && c.sb.n > 0 {
		if _, end, ok := c.sb.hole(c.sndUna, c.sndMax); ok && int(end.Sub(c.sndUna)) < n {
			n, fin = int(end.Sub(c.sndUna)), false
		}
	}
	if n == 0 && !fin {
		return dst
	}
	if c.sackRecovery() {
		c.highRxt = seq.Max(c.highRxt, c.sndUna.Add(seq.Size(n)))
	}
	return append(dst, c.dataSegment(now, c.sndUna, n, fin))
}

// appendLost sends one retransmission chosen by RFC 6675's NextSeg ():
// rule (1), a hole deemed lost, or with more set (nothing new may go)
// rule (3), any hole below the highest SACKed byte, and rule (4), the
// rescue retransmission. It goes only when "cwnd - pipe >= 1 SMSS"
// (section 5 step (C)). It reports whether it sent, and why not.
func (c *Conn) appendLost(dst []Segment, now sim.Time, more bool) ([]Segment, bool, int) {
	mss := c.segMSS()
	at, n, ok := c.nextLost(mss, more)
	fin, rescue := false, false
	if !ok && more {
		at, n, fin, ok = c.rescue(mss)
		rescue = ok
	}
	if !ok {
		return dst, false, stopOther
	}
	if c.ccs.Cwnd-c.inFlight() < c.ccs.MSS {
		return dst, false, stopCwnd
	}
	if rescue {
		c.rescued = true // "RescueRxt set to RecoveryPoint"; HighRxt stays
	} else {
		c.highRxt = seq.Max(c.highRxt, at.Add(seq.Size(n)))
	}
	return append(dst, c.dataSegment(now, at, n, fin)), true, stopNone
}

// segmentAt returns the longest segment of at most mss bytes starting at
// sequence number at, and whether our FIN ends it.
func (c *Conn) segmentAt(at seq.Value, mss int) (n int, fin bool) {
	avail := int(c.sndBufSeq.Add(seq.Size(c.snd.n)).Sub(at))
	if avail < 0 || avail > c.snd.n {
		return 0, false // at is past the data (the FIN was sent) or before the buffer
	}
	n = min(avail, mss)
	return n, c.finQueued && n == avail
}

// nextSegment decides the next new (or, after a timeout, resent)
// segment at SND.NXT, at most limit bytes: its length, whether it
// carries our FIN, and whether it may go now under the send window, the
// congestion window, sender SWS avoidance and Nagle's algorithm (and if
// not, why).
func (c *Conn) nextSegment(limit int) (n int, fin bool, stop int) {
	mss := c.segMSS()
	n, fin = c.segmentAt(c.sndNxt, mss)
	if n > limit {
		n, fin = limit, false
	}
	if n == 0 {
		// A bare FIN needs no room (Linux sends it at the window's edge).
		if fin {
			return 0, true, stopNone
		}
		return 0, false, stopOther
	}
	wndRoom, cwndRoom := c.sendRoom()
	if c.forceData {
		// A timeout or the persist timer: one segment goes out even
		// into a closed or too-small window (RFC 9293 section 3.8.6.1).
		if wndRoom > 0 && wndRoom < n {
			n, fin = wndRoom, false
		}
		return n, fin, stopNone
	}
	if wndRoom < n {
		// Sender SWS avoidance (RFC 9293 section 3.8.6.2.1): a
		// window-limited partial segment waits unless it is at least
		// half the largest window the peer has offered; the persist
		// timer sends it if nothing else does.
		if wndRoom <= 0 || (wndRoom < c.maxSndWnd/2 && !c.resending()) {
			return 0, false, stopOther
		}
		n, fin = wndRoom, false
	}
	if cwndRoom < n {
		return 0, false, stopCwnd // ACKs will open the congestion window
	}
	if n < mss && !fin && !c.resending() && c.nagleHolds() {
		return 0, false, stopOther
	}
	return n, fin, stopNone
}

// sendRoom returns the room the peer's window leaves after what is in
// flight, and the room the congestion window leaves after what it
// limits (inFlight). Limited transmit (RFC 3042) lets the first two
// duplicate ACKs each add a segment to the congestion window; with a
// SACK scoreboard the SACKed bytes leave the flight instead (RFC 6675
// section 5 step (2)).
func (c *Conn) sendRoom() (wndRoom, cwndRoom int) {
	cwnd := c.ccs.Cwnd
	if !c.inRecovery && c.dupAcks > 0 && c.dupAcks < dupAckThreshold && c.sb.n == 0 {
		cwnd += c.dupAcks * c.ccs.MSS
	}
	return c.sndWnd - int(c.sndNxt.Sub(c.sndUna)), cwnd - c.inFlight()
}

// resending reports whether SND.NXT is below the highest sequence number
// sent: a timeout rewound it and old data is going out again.
func (c *Conn) resending() bool { return c.sndNxt.LessThan(c.sndMax) }

// nagleHolds is Nagle's algorithm (RFC 9293 section 3.7.4, RFC 896) as
// Linux applies it (Minshall's variant): a segment shorter than the MSS
// waits while an earlier short segment is unacknowledged.
func (c *Conn) nagleHolds() bool {
	return !c.cfg.NoDelay && c.sndUna != c.sndMax && c.sndUna.LessThan(c.smallEnd)
}

// segMSS is the payload room in a data segment now: the data MSS less
// the SACK blocks our ACKs currently carry.
func (c *Conn) segMSS() int {
	if !c.sackOK || c.rcv.nooo == 0 {
		return c.ccs.MSS
	}
	n := min(c.rcv.nooo, 4)
	if c.tsOK {
		n = min(n, 3)
	}
	return max(c.ccs.MSS-(4+8*n), 1)
}

// dataSegment builds the segment of n bytes at sequence number at (plus
// our FIN) and does the bookkeeping of sending it: SND.MAX, statistics,
// RTT timing (never of a retransmission: Karn's algorithm), Nagle.
func (c *Conn) dataSegment(now sim.Time, at seq.Value, n int, fin bool) Segment {
	s := c.baseSegment(now, at)
	off := int(at.Sub(c.sndBufSeq))
	s.Payload = c.snd.view(off, n)
	if n > 0 && off+n == c.snd.n {
		s.Flags |= wire.PSH // the segment empties the buffer (as BSD and Linux push)
	}
	end := at.Add(seq.Size(n))
	if fin {
		s.Flags |= wire.FIN
		end = end.Add(1)
	}
	c.stats.BytesSent += uint64(n)
	if at.LessThan(c.sndMax) {
		c.stats.Retransmits++
		c.stats.BytesRetransmitted += uint64(min(n, int(c.sndMax.Sub(at))))
		c.noteRetransmit(now)
	} else if !c.rttTiming {
		c.rttTiming, c.rttSeq, c.rttAt = true, end, now
	}
	if n < c.ccs.MSS {
		c.smallEnd = end
	}
	c.sndMax = seq.Max(c.sndMax, end)
	return s
}

// noteRetransmit stops RTT timing (Karn's algorithm) and remembers our
// timestamp clock, so that only echoes of this or later transmissions
// give samples.
func (c *Conn) noteRetransmit(now sim.Time) {
	c.rttTiming, c.rexmitted = false, true
	c.rexmitTS = c.tsClock(now)
}
