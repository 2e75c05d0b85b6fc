package tcp

import "github.com/hopsnet/hops/seq"

// maxSACKRanges bounds the sender's scoreboard: at most this many
// separate SACKed runs above SND.UNA are remembered. The peer names at
// most four per ACK; when a new run would not fit, the highest runs are
// forgotten first (they are the ones the peer reports again soonest),
// which only makes loss detection more cautious.
const maxSACKRanges = 32

// scoreboard is RFC 6675's record of what the peer has selectively
// acknowledged: disjoint runs [left, right) above SND.UNA, sorted, never
// touching one another. Everything is a fixed array: nothing is
// allocated per segment.
type scoreboard struct {
	r [maxSACKRanges]sackBlock
	n int // r[:n] are in use
}

// reset forgets every SACKed run.
func (b *scoreboard) reset() { b.n = 0 }

// ackTo drops what the cumulative acknowledgment una covers.
func (b *scoreboard) ackTo(una seq.Value) {
	k := 0
	for k < b.n && b.r[k].right.LessThanEq(una) {
		k++
	}
	if k > 0 {
		copy(b.r[:], b.r[k:b.n])
		b.n -= k
	}
	if b.n > 0 && b.r[0].left.LessThan(una) {
		b.r[0].left = una
	}
}

// add records [left, right) as SACKed, merging it with the runs it
// overlaps or touches, and reports whether any byte in it was new.
func (b *scoreboard) add(left, right seq.Value) bool {
	i := 0
	for i < b.n && b.r[i].right.LessThan(left) {
		i++
	}
	j := i // r[i:j] overlap or touch [left, right)
	for j < b.n && b.r[j].left.LessThanEq(right) {
		j++
	}
	if i == j {
		if b.n == maxSACKRanges {
			if i == b.n {
				return false // above every run we keep: forget it
			}
			b.n-- // forget the highest run
		}
		copy(b.r[i+1:b.n+1], b.r[i:b.n])
		b.n++
		b.r[i] = sackBlock{left, right}
		return true
	}
	if j-i == 1 && b.r[i].left.LessThanEq(left) && right.LessThanEq(b.r[i].right) {
		return false // nothing new
	}
	b.r[i] = sackBlock{seq.Min(left, b.r[i].left), seq.Max(right, b.r[j-1].right)}
	copy(b.r[i+1:], b.r[j:b.n])
	b.n -= j - i - 1
	return true
}

// highest returns the right edge of the highest SACKed run (RFC 6675's
// HighSACK, plus one), or una when nothing is SACKed.
func (b *scoreboard) highest(una seq.Value) seq.Value {
	if b.n == 0 {
		return una
	}
	return b.r[b.n-1].right
}

// lostBelow returns the sequence number below which every unSACKed
// byte is lost by RFC 6675's IsLost: "DupThresh discontiguous SACKed
// sequences have arrived above" it, or "more than (DupThresh - 1) *
// SMSS bytes with sequence numbers greater than" it have been SACKed.
// It returns una when no byte is lost.
func (b *scoreboard) lostBelow(una seq.Value, mss int) seq.Value {
	sacked := 0
	for i := b.n - 1; i >= 0; i-- {
		sacked += int(b.r[i].right.Sub(b.r[i].left))
		if b.n-i >= dupAckThreshold || sacked > (dupAckThreshold-1)*mss {
			return b.r[i].left
		}
	}
	return una
}

// sackedIn returns how many bytes of [from, to) are SACKed.
func (b *scoreboard) sackedIn(from, to seq.Value) int {
	n := 0
	for i := range b.n {
		l, r := seq.Max(b.r[i].left, from), seq.Min(b.r[i].right, to)
		if l.LessThan(r) {
			n += int(r.Sub(l))
		}
	}
	return n
}

// hole returns the first unSACKed run at or after from and below
// limit, and false when there is none.
func (b *scoreboard) hole(from, limit seq.Value) (start, end seq.Value, ok bool) {
	start = from
	for i := range b.n {
		r := b.r[i]
		if r.right.LessThanEq(start) {
			continue
		}
		if start.LessThan(r.left) {
			return start, seq.Min(r.left, limit), start.LessThan(limit)
		}
		start = r.right // start lies inside r: skip it
	}
	return start, limit, start.LessThan(limit)
}

// takeSACK updates the scoreboard from the SACK blocks of an
// acceptable ACK (RFC 6675 section 5, "Update ()") and reports whether
// they named bytes not SACKed before. Blocks are taken only when they
// lie above SEG.ACK and within what we sent; those at or below it
// (D-SACK, RFC 2883, or stale ones) and beyond SND.MAX are ignored, as
// Linux's tcp_is_sackblock_valid does.
func (c *Conn) takeSACK(s *Segment) bool {
	if !c.sackOK {
		return false
	}
	una := c.sndUna
	if una.LessThan(s.Ack) {
		una = s.Ack
	}
	c.sb.ackTo(una)
	fresh := false
	for i := range min(max(s.Options.NumSACK, 0), len(s.Options.SACK)) {
		blk := s.Options.SACK[i]
		l, r := seq.Value(blk.Left), seq.Value(blk.Right)
		if !una.LessThan(l) || !l.LessThan(r) || c.sndMax.LessThan(r) {
			continue
		}
		if c.sb.add(l, r) {
			fresh = true
		}
	}
	return fresh
}

// sackRecovery reports whether loss recovery runs on the scoreboard
// (RFC 6675) rather than on duplicate ACK counts alone (RFC 6582).
func (c *Conn) sackRecovery() bool { return c.sackOK && c.inRecovery }

// isLost is RFC 6675's IsLost (HighACK + 1): the segment at SND.UNA is
// deemed lost.
func (c *Conn) isLost() bool {
	return c.sb.n > 0 && c.sndUna.LessThan(c.sb.lostBelow(c.sndUna, c.ccs.MSS))
}

// inFlight is the data the congestion window limits. Without SACK
// information it is the sequence space sent from SND.UNA up to SND.NXT.
// During SACK recovery it is RFC 6675's pipe ("SetPipe ()"): every
// unSACKed byte not deemed lost counts once, and once more if it was
// retransmitted (it is below HighRxt). Otherwise it is the unSACKed
// bytes below SND.NXT (after a timeout everything from SND.NXT on
// counts as lost, as Linux's tcp_packets_in_flight).
func (c *Conn) inFlight() int {
	sent := int(c.sndNxt.Sub(c.sndUna))
	if !c.sackOK || (c.sb.n == 0 && !c.inRecovery) {
		return sent
	}
	if !c.inRecovery || c.resending() {
		return sent - c.sb.sackedIn(c.sndUna, c.sndNxt)
	}
	lost := c.sb.lostBelow(c.sndUna, c.ccs.MSS)
	pipe := 0
	for at := c.sndUna; ; {
		start, end, ok := c.sb.hole(at, c.sndMax)
		if !ok {
			break
		}
		// (a) "If IsLost (S1) returns false: Pipe is incremented by 1 octet."
		if lost.LessThan(end) {
			pipe += int(end.Sub(seq.Max(start, lost)))
		}
		// (b) "If S1 <= HighRxt: Pipe is incremented by 1 octet."
		if start.LessThan(c.highRxt) {
			pipe += int(seq.Min(end, c.highRxt).Sub(start))
		}
		at = end
	}
	return pipe
}

// nextLost is rule (1) of RFC 6675's NextSeg (): the first unSACKed
// run above HighRxt that is deemed lost, cut to a segment of at most
// mss bytes. Rule (3), a hole not yet deemed lost below the highest
// SACKed byte, applies when rule3 is set (no new data can go).
func (c *Conn) nextLost(mss int, rule3 bool) (at seq.Value, n int, ok bool) {
	limit := c.sb.lostBelow(c.sndUna, c.ccs.MSS)
	if rule3 {
		limit = c.sb.highest(c.sndUna)
	}
	from := seq.Max(c.highRxt, c.sndUna)
	start, end, ok := c.sb.hole(from, limit)
	if !ok {
		return 0, 0, false
	}
	return start, min(int(end.Sub(start)), mss), true
}

// skipSACKed moves SND.NXT past a SACKed run it points into while old
// data is being resent after a timeout, and returns the room before the
// next SACKed run (or the bytes left when there is none), so a resent
// segment does not repeat what the peer holds (RFC 6675 section 5.1:
// "use this SACK information when determining what data should be
// sent").
func (c *Conn) skipSACKed() int {
	if !c.sackOK || c.sb.n == 0 || !c.resending() {
		return 1 << 30
	}
	start, end, ok := c.sb.hole(c.sndNxt, c.sndMax)
	if !ok {
		c.sndNxt = c.sndMax
		return 1 << 30
	}
	c.sndNxt = start
	if end == c.sndMax {
		return 1 << 30
	}
	return int(end.Sub(start))
}
