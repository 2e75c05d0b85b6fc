// Package tcp is hops' TCP engine (RFC 9293): a sans-I/O state machine
// for one connection. It never reads a clock, never schedules anything
// and never sees an address; the caller (the node binding) owns ports,
// demultiplexing, IP, checksums and time.
//
// # The shape of the engine
//
// Every call that depends on time takes the current time:
//
//	c := tcp.Dial(cfg, now)            // active open: SYN-SENT
//	c := tcp.Accept(cfg, now, &syn)    // a listener's SYN: SYN-RECEIVED
//	c.Handle(now, &seg)                // a segment arrived (parsed, checksum verified)
//	out = c.AppendOutput(out[:0], now) // segments to send now
//	t, ok := c.NextDeadline()          // when to wake the engine
//	c.Advance(now)                     // time passed: fire the due timers
//
// Call AppendOutput after Handle, Advance and every app call (Write,
// Read, CloseWrite, Close, Abort, SetPathMTU). Output payloads alias the
// connection's send buffer until the next call on it. [FromWire] and
// [Segment.Header] convert to and from wire.TCPHeader; [RSTFor] is the
// reset for a segment to a closed port; [ISS] computes RFC 6528 initial
// sequence numbers.
//
// The app side is Write (copies into a finite send buffer and returns
// what it took: back-pressure), Read, Readable, Writable, EOF,
// CloseWrite (half-close), Close, Abort; State, Err (ErrConnRefused,
// ErrReset, ErrTimeout, ErrAborted, for errors.Is) and Stats.
//
// # What is implemented
//
//   - the three-way handshake, simultaneous open, all eleven states, the
//     closing sequences (active, passive, simultaneous), TIME-WAIT for
//     2·MSL and a FIN-WAIT-2 timeout after Close;
//   - options: MSS, window scale (shift from the receive buffer, as
//     Linux), timestamps (RFC 7323: RTTM on every ACK of new data and
//     PAWS), SACK-permitted and SACK blocks (RFC 2018), generated on
//     the receive side and used by the sender's loss recovery;
//   - segmentation by the effective MSS less options; finite send and
//     receive buffers preallocated once; out-of-order data held in the
//     receive buffer (at most 32 separate runs) and delivered once;
//   - RFC 9293 acceptability and trimming (and Linux's acceptance of a
//     segment overlapping RCV.NXT), RFC 5961 RST, SYN and ACK checks with
//     rate-limited challenge ACKs;
//   - sender and receiver silly-window avoidance, Nagle (Linux's
//     Minshall variant; Config.NoDelay), delayed ACKs (Linux-like quick
//     ACKs at first, then every second full segment or 40 ms);
//   - RFC 6298 retransmission timer (1 s initial, Linux's 200 ms floor on
//     the variance term, 120 s cap, Karn's algorithm, timestamp samples
//     guarded by the last retransmission's TSval), persist timer with
//     backoff, keepalive;
//   - loss recovery: with SACK, RFC 6675 (a scoreboard of at most 32
//     SACKed runs, IsLost, pipe, NextSeg rules 1 to 4 with the rescue
//     retransmission; after a timeout only the holes are resent, as
//     Linux, unless the peer reneged); without SACK, fast retransmit
//     and NewReno recovery (RFC 6582) with limited transmit (RFC 3042);
//   - congestion control behind [CongestionControl]: [Cubic] (RFC 9438,
//     with fast convergence, the Reno-friendly region and
//     application-limited time left out of t; its initial slow start
//     is HyStart++, RFC 9406; the default, as in Linux) and [NewReno]
//     (RFC 5681 with RFC 3465 byte counting and standard slow start),
//     both with the RFC 6928 initial window, chosen by
//     [Config.Congestion] or by name with [CongestionByName]; cwnd
//     grows only while it limits the sender (RFC 7661, as Linux's
//     tcp_is_cwnd_limited), and a timeout repeated before the last
//     one's data is acknowledged keeps ssthresh (RFC 5681 section 3.1);
//   - path MTU (RFC 1191): SetPathMTU shrinks segments and resends what
//     is in flight at the new size.
//
// Not implemented: urgent data, ECN, TCP Fast
// Open, RFC 7323's window-shrinking and 24-day PAWS rules, DSACK, RACK
// and TLP, PRR (RFC 6937), early retransmit, pacing, undo of spurious
// retransmissions.
//
// # Invariants
//
// checkInvariants (tests and fuzzing) checks SND.UNA <= SND.NXT <=
// SND.MAX, the buffer bounds, that SND.MAX never passes the data and
// FIN, that the out-of-order runs are sorted inside the window, and
// that the SACK scoreboard is sorted inside (SND.UNA, SND.MAX].
package tcp
