package tcp

import (
	"fmt"
	"time"

	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// Conn is one end of a TCP connection: the transmission control block of
// RFC 9293 section 3.3.1 and the state machine around it. It does no
// I/O: the caller hands it arriving segments ([Conn.Handle]), collects
// the segments to send ([Conn.AppendOutput]) and wakes it at
// [Conn.NextDeadline] ([Conn.Advance]). Every call that depends on time
// takes the current time. A Conn is not safe for concurrent use.
type Conn struct {
	cfg   Config
	state State
	err   error // why the connection ended abnormally; nil otherwise
	// softErr is the last ICMP error about an established connection
	// (Linux's sk_err_soft), reported with ErrTimeout.
	softErr error
	cc      CongestionControl
	ccs     CCState

	// Send sequence variables (RFC 9293 section 3.3.1). Invariant:
	// sndUna <= sndNxt <= sndMax.
	iss       seq.Value
	sndUna    seq.Value // oldest unacknowledged sequence number (SND.UNA)
	sndNxt    seq.Value // next sequence number to send (SND.NXT); rewound to sndUna by a timeout
	sndMax    seq.Value // one past the highest sequence number ever sent
	sndWnd    int       // the peer's receive window in bytes, scaled (SND.WND)
	sndWl1    seq.Value // segment sequence number of the last window update (SND.WL1)
	sndWl2    seq.Value // segment acknowledgment number of the last window update (SND.WL2)
	maxSndWnd int       // the largest window the peer has offered (RFC 5961 MAX.SND.WND)
	sndShift  uint8     // the peer's window scale (Snd.Wind.Shift, RFC 7323)
	sndBufSeq seq.Value // sequence number of snd's oldest byte
	snd       sendBuf   // written, unacknowledged bytes
	finQueued bool      // the app closed its side: FIN follows the data in snd
	smallEnd  seq.Value // end of the last segment shorter than the MSS (Nagle, Minshall's variant)

	// Receive sequence variables.
	irs        seq.Value // initial receive sequence number (IRS)
	rcvNxt     seq.Value // next sequence number expected (RCV.NXT)
	rcvShift   uint8     // our window scale (Rcv.Wind.Shift)
	rcvAdvEdge seq.Value // right edge of the window last advertised; it never moves left
	rcv        recvBuf
	rcvFin     bool      // the peer's FIN has been received in order
	finAhead   bool      // a FIN arrived out of order, at finAheadAt
	finAheadAt seq.Value // sequence number of that FIN
	rcvMSS     int       // largest payload the peer has sent us (Linux's rcv_mss)
	// Receive-buffer autotuning (Config.RecvBufMax), after Linux's
	// rcvq_space and rcv_rtt_est.
	rcvRead     uint64        // bytes the application has read
	rcvSpace    int           // what it read in the last measured round trip
	rcvSpaceAt  sim.Time      // when the current measurement began
	rcvSpaceOff uint64        // rcvRead then
	rcvSpaceOn  bool          // a measurement runs
	rcvRTT      time.Duration // the receiver's RTT estimate, from timestamps

	// Negotiated options.
	wsOK, tsOK, sackOK bool
	peerMSS            int       // the peer's MSS option, 536 without one (RFC 9293 section 3.7.1)
	pathMSS            int       // path MTU less 40, from SetPathMTU; 0 until then
	tsRecent           uint32    // TS.Recent (RFC 7323 section 4.3)
	lastAckSent        seq.Value // Last.ACK.sent (RFC 7323 section 4.3)

	// Round-trip time: one segment timed at a time (Karn's algorithm);
	// timestamps give a sample on every other ACK of new data.
	rtt       rttEstimator
	rttTiming bool
	rttSeq    seq.Value // the timed segment is acknowledged when SND.UNA reaches this
	rttAt     sim.Time  // when the timed segment went out
	rexmitTS  uint32    // our timestamp clock at the last retransmission
	rexmitted bool      // rexmitTS is set

	// Loss recovery (RFC 5681 section 3.2, RFC 6582, RFC 6675).
	dupAcks        int
	inRecovery     bool
	recover        seq.Value  // RFC 6582's recover (RFC 6675's RecoveryPoint), one past the highest sequence sent
	retransmitHead bool       // send the segment at SND.UNA now, whatever the windows
	sb             scoreboard // what the peer has SACKed above SND.UNA
	highRxt        seq.Value  // one past RFC 6675's HighRxt: the highest byte retransmitted in this recovery
	rescued        bool       // RFC 6675's RescueRxt is set: the rescue retransmission of this recovery went
	rtoEpisode     bool       // recover was set by a retransmission timeout (not fast recovery)

	// Congestion window validation (RFC 7661, as Linux's
	// tcp_cwnd_validate): cwnd grows only while it limits the sender.
	cwndLimited  bool      // the last output stopped at cwnd (during the current window)
	maxFlight    int       // the most bytes outstanding in the current window
	cwndUsageSeq seq.Value // the current window ends when SND.UNA reaches this

	// ACK generation.
	ackNow        bool     // send an ACK with the next output
	delackAt      sim.Time // delayed-ACK deadline, or sim.Never
	unackedBytes  int      // in-order bytes received since our last ACK
	quickAcks     int      // data segments still to ACK at once
	challengeAt   sim.Time // when the last challenge ACK went out
	challengeSent bool

	// Timers (deadlines, sim.Never when off) and their counters.
	rtoAt          sim.Time // retransmission timeout (RFC 6298)
	persistAt      sim.Time // zero-window probe (RFC 9293 section 3.8.6.1)
	keepaliveAt    sim.Time // keepalive probe (RFC 9293 section 3.8.4)
	closeAt        sim.Time // end of TIME-WAIT, or of an orphaned FIN-WAIT-2
	retries        int      // timeouts in a row without progress
	synRetransmits int      // timeouts of our SYN or SYN-ACK
	kaProbes       int      // keepalive probes unanswered
	probes         int      // window or keepalive probes unanswered
	persistBackoff uint     // doublings of the persist interval
	probeNow       bool     // send a window or keepalive probe with the next output
	forceData      bool     // send one data segment into a too-small window (persist)
	lastRecv       sim.Time // when the last segment arrived (keepalive idleness)

	// App side and pending control segments.
	active       bool    // opened by Dial (not Accept)
	closed       bool    // the app called Close: no more reads
	rstPending   bool    // send an RST (Abort) with the next output
	reply        Segment // an RST answering an unacceptable segment
	replyPending bool    // reply is waiting to go out

	stats Stats
}

// Dial starts an active open (RFC 9293 section 3.10.1, OPEN call in
// CLOSED state): the Conn is in SYN-SENT and its SYN comes out of the
// first AppendOutput.
func Dial(cfg Config, now sim.Time) *Conn {
	c := newConn(cfg, now)
	c.state = SynSent
	c.active = true
	// Offer every option we do; the peer's SYN-ACK decides.
	c.wsOK, c.tsOK, c.sackOK = !c.cfg.NoWindowScale, !c.cfg.NoTimestamps, !c.cfg.NoSACK
	return c
}

// Accept creates the connection a listener's SYN asks for (RFC 9293
// section 3.10.7.2, LISTEN state, third check): the Conn is in
// SYN-RECEIVED and its SYN-ACK comes out of the first AppendOutput. The
// listener should answer other segments itself (an RST for an ACK, see
// [RSTFor]; nothing for an RST). If syn is not a SYN without ACK and
// RST, the Conn is CLOSED with Err() == ErrNotSYN. Data on the SYN is
// ignored (no TCP Fast Open).
func Accept(cfg Config, now sim.Time, syn *Segment) *Conn {
	c := newConn(cfg, now)
	if syn.Flags&(wire.SYN|wire.ACK|wire.RST) != wire.SYN {
		c.err = ErrNotSYN
		return c
	}
	c.state = SynReceived
	c.takeSYN(syn)
	return c
}

func newConn(cfg Config, now sim.Time) *Conn {
	cfg = cfg.withDefaults()
	c := &Conn{
		cfg:          cfg,
		cc:           cfg.Congestion(),
		iss:          cfg.ISS,
		sndUna:       cfg.ISS,
		sndNxt:       cfg.ISS,
		sndMax:       cfg.ISS,
		sndBufSeq:    cfg.ISS.Add(1),
		smallEnd:     cfg.ISS,
		recover:      cfg.ISS,
		highRxt:      cfg.ISS,
		cwndUsageSeq: cfg.ISS,
		snd:          newSendBuf(cfg.SendBufSize, cfg.MSS),
		rcv:          newRecvBuf(cfg.RecvBufSize),
		peerMSS:      536,
		rtt:          newRTTEstimator(),
		delackAt:     sim.Never,
		rtoAt:        sim.Never,
		persistAt:    sim.Never, keepaliveAt: sim.Never, closeAt: sim.Never,
		lastRecv: now,
	}
	c.quickAcks = max(cfg.QuickAcks, 0)
	c.rcvMSS = min(cfg.MSS, 536)
	c.ccs.MSS = c.dataMSS()
	return c
}

// takeSYN records what the peer's SYN says (RFC 9293 section 3.10.7.2
// and 3.10.7.3): its initial sequence number and the options both sides
// must have offered to use (RFC 7323 sections 2.2 and 3.2, RFC 2018
// section 2).
func (c *Conn) takeSYN(syn *Segment) {
	c.irs = syn.Seq
	c.rcvNxt = syn.Seq.Add(1)
	c.rcv.nxt = c.rcvNxt
	o := &syn.Options
	if o.MSS != 0 {
		c.peerMSS = int(o.MSS)
	}
	c.wsOK = !c.cfg.NoWindowScale && o.HasWindowScale
	if c.wsOK {
		// RFC 7323 section 2.3: a shift above 14 is used as 14.
		c.sndShift = min(o.WindowScale, maxWindowShift)
		c.rcvShift = windowShift(max(c.cfg.RecvBufSize, c.cfg.RecvBufMax))
	}
	c.tsOK = !c.cfg.NoTimestamps && o.HasTimestamps
	if c.tsOK {
		c.tsRecent = o.TSVal
	}
	c.sackOK = !c.cfg.NoSACK && o.SACKPermitted
	// RFC 7323 section 2.2: the window field of a SYN is never scaled.
	c.sndWnd = int(syn.Window)
	c.maxSndWnd = c.sndWnd
	c.sndWl1 = syn.Seq
	c.ccs.MSS = c.dataMSS()
}

// sendMSS is the largest segment (payload and options) we may send:
// RFC 9293 section 3.7.1's Eff.snd.MSS before options, from the peer's
// MSS, our own, and the path MTU.
func (c *Conn) sendMSS() int {
	m := min(c.peerMSS, c.cfg.MSS)
	if c.pathMSS > 0 {
		m = min(m, c.pathMSS)
	}
	return max(m, minSendMSS)
}

// dataMSS is the payload of a full-sized segment: sendMSS less the
// options every segment carries (timestamps, RFC 7323 section 3.2).
func (c *Conn) dataMSS() int {
	if c.tsOK {
		return c.sendMSS() - 12
	}
	return c.sendMSS()
}

// State returns the connection's state.
func (c *Conn) State() State { return c.state }

// Err returns why the connection ended abnormally (ErrConnRefused,
// ErrReset, ErrTimeout, ErrAborted), or nil while it is open or after a
// normal close.
func (c *Conn) Err() error { return c.err }

// Write copies as much of p into the send buffer as fits and returns
// how many bytes it took: fewer than len(p), even 0, when the buffer is
// full (back-pressure; write the rest after the peer acknowledges). It
// takes nothing once the app has closed its side or the connection has
// ended. Data written before the handshake completes waits for it (RFC
// 9293 section 3.10.2).
func (c *Conn) Write(p []byte) int {
	if !c.writable() {
		return 0
	}
	return c.snd.write(p)
}

// Writable returns how many bytes Write would take now.
func (c *Conn) Writable() int {
	if !c.writable() {
		return 0
	}
	return c.snd.free()
}

// Unacked returns how many written bytes the peer has not acknowledged
// yet (sent or not).
func (c *Conn) Unacked() int { return c.snd.n }

// NotSent returns how many written bytes have not been sent even once
// (Linux's tcpi_notsent_bytes): what TCP_NOTSENT_LOWAT bounds.
func (c *Conn) NotSent() int {
	sent := 0
	if c.sndBufSeq.LessThan(c.sndMax) {
		sent = int(c.sndMax.Sub(c.sndBufSeq))
	}
	return max(c.snd.n-sent, 0)
}

func (c *Conn) writable() bool {
	switch c.state {
	case SynSent, SynReceived, Established, CloseWait:
		return !c.finQueued
	}
	return false
}

// Read copies received in-order bytes to p and returns how many. When
// reading opens the receive window enough, the next AppendOutput sends a
// window update.
func (c *Conn) Read(p []byte) int {
	if c.closed {
		return 0
	}
	before := c.advertisedNow()
	n := c.rcv.read(p)
	if n > 0 {
		c.rcvRead += uint64(n)
		c.rcvSpaceAdjust(c.lastRecv)
	}
	if n > 0 && c.state.synchronized() && !c.rcvFin {
		// Linux's tcp_cleanup_rbuf: tell the peer when the window
		// it may use has at least doubled.
		if w := c.windowToAdvertise(); w > 0 && w >= 2*before {
			c.ackNow = true
		}
	}
	return n
}

// rcvSpaceAdjust grows the receive buffer (Config.RecvBufMax), as
// Linux's tcp_rcv_space_adjust: once a round trip has passed since the
// measurement began, if the application read more in it than in the
// last, the buffer becomes twice that plus 16 segments, plus twice that
// again scaled by how much faster the application read than the round
// trip before (at most RecvBufMax). now is the last arrival: reads
// follow arrivals.
func (c *Conn) rcvSpaceAdjust(now sim.Time) {
	if c.cfg.RecvBufMax <= c.rcv.capacity || c.rcvRTT <= 0 {
		return
	}
	if !c.rcvSpaceOn {
		c.rcvSpaceOn, c.rcvSpaceAt, c.rcvSpaceOff = true, now, c.rcvRead
		c.rcvSpace = min(c.rcv.capacity, 10*c.rcvMSS)
		return
	}
	if now.Sub(c.rcvSpaceAt) < c.rcvRTT {
		return
	}
	if copied := int(c.rcvRead - c.rcvSpaceOff); copied > c.rcvSpace {
		win := 2*copied + 16*c.rcvMSS
		if c.rcvSpace > 0 {
			// The sender is growing (slow start doubles it each round
			// trip): give room for the growth to come, as Linux does.
			win += 2 * (win * (copied - c.rcvSpace) / c.rcvSpace)
		}
		if win > c.rcv.capacity {
			c.rcv.capacity = min(win, c.cfg.RecvBufMax)
			c.stats.RecvBufGrowths++
		}
		c.rcvSpace = copied
	}
	c.rcvSpaceAt, c.rcvSpaceOff = now, c.rcvRead
}

// rcvRTTSample folds in the round trip a data segment's echoed
// timestamp shows (Linux's tcp_rcv_rtt_measure_ts): the least seen,
// smoothed upwards, at least 1 ms (the clock's tick).
func (c *Conn) rcvRTTSample(now sim.Time, ecr uint32) {
	if ecr == 0 {
		return
	}
	m := time.Duration(int32(c.tsClock(now)-ecr)) * time.Millisecond
	if m < 0 {
		return
	}
	m = max(m, time.Millisecond)
	switch {
	case c.rcvRTT == 0 || m < c.rcvRTT:
		c.rcvRTT = m
	default:
		c.rcvRTT += (m - c.rcvRTT) / 8
	}
}

// Readable returns how many bytes Read would return now.
func (c *Conn) Readable() int {
	if c.closed {
		return 0
	}
	return c.rcv.n
}

// EOF reports whether the peer has closed its side and every byte it
// sent has been read.
func (c *Conn) EOF() bool { return c.rcvFin && c.rcv.n == 0 }

// CloseWrite closes our side (RFC 9293 section 3.10.4, CLOSE): a FIN
// goes out after the queued data, and the peer may go on sending. In
// SYN-SENT the connection simply ends.
func (c *Conn) CloseWrite() {
	switch c.state {
	case SynSent:
		c.finish(nil)
	case SynReceived:
		// "queue for processing after entering ESTABLISHED state"
		c.finQueued = true
	case Established:
		c.finQueued = true
		c.state = FinWait1
	case CloseWait:
		c.finQueued = true
		c.state = LastAck
	}
}

// Close closes both directions: CloseWrite, and no more reading. If
// received data is left unread the connection is reset instead, as RFC
// 1122 section 4.2.2.13 and Linux do (Err() is ErrAborted); data that
// arrives later resets it too.
func (c *Conn) Close() {
	if c.rcv.n > 0 && c.state.synchronized() {
		c.Abort()
		return
	}
	c.closed = true
	c.CloseWrite()
}

// Abort resets the connection (RFC 9293 section 3.10.5, ABORT): in a
// state where the peer holds state for it, an RST goes out with the
// next AppendOutput. Afterwards the Conn is CLOSED with ErrAborted.
func (c *Conn) Abort() {
	switch c.state {
	case SynReceived, Established, FinWait1, FinWait2, CloseWait:
		c.rstPending = true
	}
	if c.state != Closed {
		c.finish(ErrAborted)
	}
}

// finish enters CLOSED ("delete the TCB"): every timer stops and no
// segment goes out except a pending RST.
// ICMPError tells the connection that an ICMP error (destination
// unreachable other than fragmentation needed, time exceeded) came back
// about one of its segments; err says which (the caller's error value).
// As in Linux's tcp_v4_err: while the connection is opening (SYN-SENT,
// SYN-RECEIVED) it ends at once with err, without an RST; once it is
// established the error is soft (RFC 1122 section 4.2.3.9: a router's
// error may be transient) and only remembered, to be reported with
// ErrTimeout if the connection later gives up.
func (c *Conn) ICMPError(err error) {
	if err == nil || c.state == Closed {
		return
	}
	if c.state == SynSent || c.state == SynReceived {
		c.finish(err)
		return
	}
	c.softErr = err
}

// timeoutErr is the error of a connection that gave up: ErrTimeout, and
// the last soft ICMP error if there was one (Linux reports sk_err_soft).
func (c *Conn) timeoutErr() error {
	if c.softErr != nil {
		return fmt.Errorf("%w (last ICMP error: %w)", ErrTimeout, c.softErr)
	}
	return ErrTimeout
}

func (c *Conn) finish(err error) {
	c.state = Closed
	if c.err == nil {
		c.err = err
	}
	c.rtoAt, c.persistAt, c.keepaliveAt, c.closeAt, c.delackAt = sim.Never, sim.Never, sim.Never, sim.Never, sim.Never
	c.ackNow, c.probeNow, c.forceData, c.retransmitHead = false, false, false, false
}

// SetPathMTU tells the connection the path MTU towards the peer (an ICMP
// fragmentation-needed or packet-too-big). Segments shrink to fit it
// (RFC 1191 section 6.1: "the TCP layer ... must use the new value"),
// and those in flight that no longer fit are sent again at the new size
// at once, without counting as congestion (Linux's
// tcp_simple_retransmit). A larger MTU (the caller's path-MTU cache
// entry expired) raises the segment size back, never above what the
// handshake allowed.
func (c *Conn) SetPathMTU(mtu int) {
	before := c.dataMSS()
	c.pathMSS = max(mtu-40, minSendMSS)
	c.ccs.MSS = c.dataMSS()
	if c.ccs.MSS < before && c.sndUna != c.sndMax && c.state.synchronized() {
		c.sndNxt = c.sndUna
		c.rttTiming = false
	}
}

// Stats are a connection's counters and its congestion and RTT state.
type Stats struct {
	BytesSent          uint64        `json:"bytes_sent"`          // payload bytes sent, retransmissions included
	BytesRetransmitted uint64        `json:"bytes_retransmitted"` // payload bytes sent again
	BytesAcked         uint64        `json:"bytes_acked"`         // payload bytes the peer acknowledged
	BytesReceived      uint64        `json:"bytes_received"`      // in-order payload bytes received (each byte once)
	SegmentsOut        uint64        `json:"segments_out"`        // segments emitted by AppendOutput
	SegmentsIn         uint64        `json:"segments_in"`         // segments given to Handle
	Retransmits        uint64        `json:"retransmits"`         // segments sent again
	Timeouts           uint64        `json:"timeouts"`            // retransmission timeouts
	FastRetransmits    uint64        `json:"fast_retransmits"`    // fast retransmits (three duplicate ACKs)
	DupAcksIn          uint64        `json:"dup_acks_in"`         // duplicate ACKs received
	RTTSamples         uint64        `json:"rtt_samples"`         // round-trip time samples taken
	SRTT               time.Duration `json:"srtt_ns"`             // RFC 6298 state
	RTTVar             time.Duration `json:"rttvar_ns"`
	RTO                time.Duration `json:"rto_ns"`
	Cwnd               int           `json:"cwnd"`        // congestion window, bytes
	Ssthresh           int           `json:"ssthresh"`    // slow start threshold, bytes
	MSS                int           `json:"mss"`         // payload bytes of a full-sized segment
	SendWindow         int           `json:"send_window"` // the peer's window, bytes
	Congestion         string        `json:"congestion"`  // the congestion controller's name
	// RecvBuf is the receive buffer's size now; RecvBufGrowths counts
	// how often autotuning grew it (Config.RecvBufMax).
	RecvBuf        int    `json:"recv_buf"`
	RecvBufGrowths uint64 `json:"recv_buf_growths,omitempty"`
}

// Stats returns the connection's counters and current estimates.
func (c *Conn) Stats() Stats {
	s := c.stats
	s.RTTSamples = c.rtt.samples
	s.SRTT, s.RTTVar, s.RTO = c.rtt.srtt, c.rtt.rttvar, c.rtt.rto()
	s.Cwnd, s.Ssthresh, s.MSS = c.ccs.Cwnd, c.ccs.Ssthresh, c.ccs.MSS
	s.SendWindow = c.sndWnd
	s.Congestion = c.cc.Name()
	s.RecvBuf = c.rcv.capacity
	return s
}
