package tcp

import (
	"fmt"

	"github.com/hopsnet/hops/seq"
)

// checkInvariants reports the first broken invariant of the
// connection's state, for tests and fuzzing: the send sequence
// variables in order, the buffers within their bounds, the
// out-of-order store sorted inside the window, the SACK scoreboard
// sorted above SND.UNA.
func (c *Conn) checkInvariants() error {
	switch {
	case c.sndNxt.LessThan(c.sndUna):
		return fmt.Errorf("SND.NXT %d before SND.UNA %d", c.sndNxt, c.sndUna)
	case c.sndMax.LessThan(c.sndNxt):
		return fmt.Errorf("SND.NXT %d after SND.MAX %d", c.sndNxt, c.sndMax)
	case c.snd.n < 0 || c.snd.n > c.snd.capacity:
		return fmt.Errorf("send buffer holds %d of %d", c.snd.n, c.snd.capacity)
	case c.rcv.n < 0 || c.rcv.n > c.rcv.capacity+c.rcv.slack || c.rcv.n > len(c.rcv.buf):
		return fmt.Errorf("receive buffer holds %d of %d (%d allocated)", c.rcv.n, c.rcv.capacity, len(c.rcv.buf))
	case c.sndUna != c.iss && c.sndUna != c.sndBufSeq && c.sndUna != c.sndBufSeq.Add(1):
		return fmt.Errorf("SND.UNA %d is neither the send buffer's start %d nor its FIN", c.sndUna, c.sndBufSeq)
	case c.sndBufSeq.Add(seq.Size(c.snd.n)).Add(1).LessThan(c.sndMax):
		return fmt.Errorf("SND.MAX %d beyond the data and FIN (%d bytes from %d)", c.sndMax, c.snd.n, c.sndBufSeq)
	}
	if err := c.sackInvariants(); err != nil {
		return err
	}
	return c.rcvInvariants()
}

// sackInvariants checks that the scoreboard's runs are sorted, apart,
// and inside (SND.UNA, SND.MAX].
func (c *Conn) sackInvariants() error {
	prev := c.sndUna
	for i := range c.sb.n {
		r := c.sb.r[i]
		if !prev.LessThan(r.left) && !(i == 0 && prev == r.left) || !r.left.LessThan(r.right) || c.sndMax.LessThan(r.right) {
			return fmt.Errorf("SACKed run %d [%d,%d) misplaced (after %d, SND.MAX %d)", i, r.left, r.right, prev, c.sndMax)
		}
		prev = r.right
	}
	return nil
}

func (c *Conn) rcvInvariants() error {
	limit := c.rcv.nxt.Add(seq.Size(c.rcv.free()))
	prev := c.rcv.nxt
	for i := range c.rcv.nooo {
		r := c.rcv.ooo[i]
		if !prev.LessThan(r.start) || !r.start.LessThan(r.end) || limit.LessThan(r.end) {
			return fmt.Errorf("out-of-order run %d [%d,%d) misplaced (after %d, limit %d)", i, r.start, r.end, prev, limit)
		}
		prev = r.end
	}
	return nil
}
