package tcp

import (
	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// AppendOutput appends the segments the connection wants to send now to
// dst and returns the extended slice: a pending RST, the SYN or SYN-ACK,
// data and FIN as the windows and Nagle allow, retransmissions, probes,
// and an ACK when one is due and no other segment carries it. Call it
// after Handle, Advance and every app call. Payloads alias the send
// buffer and stay valid until the next call on c.
func (c *Conn) AppendOutput(dst []Segment, now sim.Time) []Segment {
	start := len(dst)
	dst = c.appendControl(dst, now)
	switch c.state {
	case Closed, Listen:
		c.stats.SegmentsOut += uint64(len(dst) - start)
		return dst
	case SynSent, SynReceived:
		dst = c.appendSYN(dst, now)
	}
	sent := len(dst)
	if c.state.canSendData() {
		dst = c.appendData(dst, now)
	}
	if c.probeNow {
		dst = append(dst, c.probeSegment(now))
		c.probeNow = false
	}
	if c.ackNow && len(dst) == sent && c.state != SynSent {
		dst = append(dst, c.baseSegment(now, c.sndMax))
	}
	c.armTimers(now)
	c.stats.SegmentsOut += uint64(len(dst) - start)
	return dst
}

// appendControl sends a pending RST: ours (Abort) or one answering an
// unacceptable segment.
func (c *Conn) appendControl(dst []Segment, now sim.Time) []Segment {
	if c.rstPending {
		// RFC 9293 section 3.10.5: "<SEQ=SND.NXT><CTL=RST>"; Linux
		// sets ACK too.
		rst := c.baseSegment(now, c.sndMax)
		rst.Flags = wire.RST | wire.ACK
		rst.Options.NumSACK = 0
		dst = append(dst, rst)
		c.rstPending = false
	}
	if c.replyPending {
		dst = append(dst, c.reply)
		c.replyPending = false
	}
	return dst
}

// appendSYN sends our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) when
// SND.NXT is at ISS: the first time, or again after a timeout or a
// duplicate SYN rewound it.
func (c *Conn) appendSYN(dst []Segment, now sim.Time) []Segment {
	if c.sndNxt != c.iss {
		return dst
	}
	s := Segment{Seq: c.iss, Flags: wire.SYN, Options: c.synOptions(now)}
	if c.state == SynReceived {
		s.Flags |= wire.ACK
		s.Ack = c.rcvNxt
		c.noteAckSent()
	}
	s.Window = c.synWindow()
	c.rcvAdvEdge = c.rcvNxt.Add(seq.Size(s.Window))
	if c.sndMax == c.iss {
		c.rttTiming, c.rttSeq, c.rttAt = true, c.iss.Add(1), now
	} else {
		c.stats.Retransmits++
		c.noteRetransmit(now)
	}
	c.sndNxt = c.iss.Add(1)
	c.sndMax = seq.Max(c.sndMax, c.sndNxt)
	return append(dst, s)
}

// synOptions are the options of our SYN, all that we offer (MSS,
// SACK-permitted, timestamps, window scale: RFC 9293 section 3.7.1, RFC
// 2018, RFC 7323), or of our SYN-ACK, only those the peer offered too.
func (c *Conn) synOptions(now sim.Time) wire.TCPOptions {
	o := wire.TCPOptions{MSS: uint16(c.cfg.MSS)}
	offer := c.state == SynSent
	o.SACKPermitted = c.sackOK && !c.cfg.NoSACK
	if c.tsOK && !c.cfg.NoTimestamps {
		o.HasTimestamps, o.TSVal = true, c.tsClock(now)
		if !offer {
			o.TSEcr = c.tsRecent
		}
	}
	if c.wsOK && !c.cfg.NoWindowScale {
		o.HasWindowScale, o.WindowScale = true, windowShift(max(c.cfg.RecvBufSize, c.cfg.RecvBufMax))
	}
	return o
}

// synWindow is the window of our SYN or SYN-ACK, never scaled (RFC 7323
// section 2.2): the buffer, at most 65535, rounded down to a multiple of
// the MSS as Linux's tcp_select_initial_window does (so 64240 for a
// 1460-byte MSS; 65160 with timestamps on a SYN-ACK).
func (c *Conn) synWindow() uint16 {
	w := min(c.rcv.free(), 65535)
	mss := c.cfg.MSS
	if c.state == SynReceived && c.tsOK {
		mss -= 12
	}
	if w > mss {
		w -= w % mss
	}
	return uint16(w)
}

// tsClock is our timestamp clock: milliseconds of virtual time plus the
// configured offset (Linux's TSval also ticks in milliseconds).
func (c *Conn) tsClock(now sim.Time) uint32 {
	return uint32(int64(now)/1e6) + c.cfg.TSOffset
}

// baseSegment is an ACK segment at sequence number at with our current
// window and options (timestamps, SACK blocks). Sending it sends an ACK,
// so pending and delayed ACKs are cleared.
func (c *Conn) baseSegment(now sim.Time, at seq.Value) Segment {
	s := Segment{Seq: at, Ack: c.rcvNxt, Flags: wire.ACK, Window: c.windowField()}
	if c.tsOK {
		// RFC 7323 section 3.2: TSval from our clock, TSecr = TS.Recent.
		s.Options.HasTimestamps = true
		s.Options.TSVal, s.Options.TSEcr = c.tsClock(now), c.tsRecent
	}
	if c.sackOK && c.rcv.nooo > 0 {
		var blocks [4]sackBlock
		n := c.rcv.sackBlocks(&blocks)
		if c.tsOK {
			n = min(n, 3) // 40 option bytes: timestamps and three blocks
		}
		for i := range n {
			s.Options.SACK[i] = wire.SACKBlock{Left: uint32(blocks[i].left), Right: uint32(blocks[i].right)}
		}
		s.Options.NumSACK = n
	}
	c.noteAckSent()
	return s
}

// noteAckSent records that an ACK of RCV.NXT is going out.
func (c *Conn) noteAckSent() {
	c.lastAckSent = c.rcvNxt
	c.ackNow = false
	c.delackAt = sim.Never
	c.unackedBytes = 0
}

// windowToAdvertise is the receive window to offer, in bytes: the free
// buffer, except that the right edge moves only in steps of at least
// min(half the buffer, one MSS) (receiver SWS avoidance, RFC 9293
// section 3.8.6.2.2).
func (c *Conn) windowToAdvertise() int {
	free := c.rcv.free()
	cur := c.advertisedNow()
	if free > cur && free-cur < min(c.rcv.capacity/2, c.rcvMSS) {
		return cur
	}
	return free
}

// windowField is the window field for a non-SYN segment: the window
// scaled down (RFC 7323 section 2.3) and rounded down, unless that would
// pull the right edge back (then up, into the buffer's slack). Windows
// are measured from the next data byte, so the peer's FIN does not shift
// them.
func (c *Conn) windowField() uint16 {
	f := c.windowToAdvertise() >> c.rcvShift
	if cur := c.advertisedNow(); f<<c.rcvShift < cur {
		// Rounding down would move the right edge left (shrink the
		// window, which RFC 9293 section 3.8.6.2.1 says a receiver
		// SHOULD NOT do): round the window up instead, as Linux's
		// tcp_select_window does; the buffer keeps the few bytes of
		// slack that may take.
		f = (cur + 1<<c.rcvShift - 1) >> c.rcvShift
	}
	f = min(f, 65535)
	c.rcv.slack = 1<<c.rcvShift - 1
	c.rcvAdvEdge = c.rcv.nxt.Add(seq.Size(f << c.rcvShift))
	return uint16(f)
}

// advertisedNow is the window last advertised, measured from the next
// data byte expected.
func (c *Conn) advertisedNow() int {
	if c.rcv.nxt.LessThan(c.rcvAdvEdge) {
		return int(c.rcvAdvEdge.Sub(c.rcv.nxt))
	}
	return 0
}

// probeSegment is a zero-window or keepalive probe: an ACK one below
// SND.UNA, which the peer must answer with an ACK (RFC 9293 section
// 3.8.4 and Linux's tcp_xmit_probe_skb).
func (c *Conn) probeSegment(now sim.Time) Segment {
	return c.baseSegment(now, back(c.sndUna, 1))
}
