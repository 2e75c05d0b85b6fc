package tcp

import (
	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// appendData sends what the windows allow: first a retransmission of
// the segment at SND.UNA when loss recovery asks for one, then segments
// from SND.NXT on.
func (c *Conn) appendData(dst []Segment, now sim.Time) []Segment {
	if c.retransmitHead {
		c.retransmitHead = false
		if n, fin := c.segmentAt(c.sndUna, c.segMSS()); n > 0 || fin {
			dst = append(dst, c.dataSegment(now, c.sndUna, n, fin))
		}
	}
	// Each round sends at least one sequence number of a buffer of
	// bounded size; the bound only guards against a bug.
	for range c.snd.capacity + 2 {
		n, fin, ok := c.nextSegment()
		if !ok {
			break
		}
		dst = append(dst, c.dataSegment(now, c.sndNxt, n, fin))
		c.sndNxt = c.sndNxt.Add(seq.Size(n))
		if fin {
			c.sndNxt = c.sndNxt.Add(1)
		}
		c.forceData = false
	}
	return dst
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
// segment at SND.NXT: its length, whether it carries our FIN, and
// whether it may go now under the send window, the congestion window,
// sender SWS avoidance and Nagle's algorithm.
func (c *Conn) nextSegment() (n int, fin, ok bool) {
	mss := c.segMSS()
	n, fin = c.segmentAt(c.sndNxt, mss)
	if n == 0 {
		// A bare FIN needs no room (Linux sends it at the window's edge).
		return 0, fin, fin
	}
	wndRoom, cwndRoom := c.sendRoom()
	if c.forceData {
		// A timeout or the persist timer: one segment goes out even
		// into a closed or too-small window (RFC 9293 section 3.8.6.1).
		if wndRoom > 0 && wndRoom < n {
			n, fin = wndRoom, false
		}
		return n, fin, true
	}
	if wndRoom < n {
		// Sender SWS avoidance (RFC 9293 section 3.8.6.2.1): a
		// window-limited partial segment waits unless it is at least
		// half the largest window the peer has offered; the persist
		// timer sends it if nothing else does.
		if wndRoom <= 0 || (wndRoom < c.maxSndWnd/2 && !c.resending()) {
			return 0, false, false
		}
		n, fin = wndRoom, false
	}
	if cwndRoom < n {
		return 0, false, false // ACKs will open the congestion window
	}
	if n < mss && !fin && !c.resending() && c.nagleHolds() {
		return 0, false, false
	}
	return n, fin, true
}

// sendRoom returns the room the peer's window leaves after what is in
// flight, and the room the congestion window leaves. Limited transmit
// (RFC 3042) lets the first two duplicate ACKs each add a segment to
// the congestion window.
func (c *Conn) sendRoom() (wndRoom, cwndRoom int) {
	flight := int(c.sndNxt.Sub(c.sndUna))
	cwnd := c.ccs.Cwnd
	if !c.inRecovery && c.dupAcks > 0 && c.dupAcks < dupAckThreshold {
		cwnd += c.dupAcks * c.ccs.MSS
	}
	return c.sndWnd - flight, cwnd - flight
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
	c.rttTiming, c.karnBlocked = false, true
	c.rexmitTS = c.tsClock(now)
}
