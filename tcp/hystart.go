package tcp

import (
	"math"
	"time"

	"github.com/hopsnet/hops/seq"
)

// HyStart++ (RFC 9406): slow start that watches the round-trip time
// and, when it rises by more than a threshold (a queue is building),
// slows down to Conservative Slow Start (CSS) for a few rounds before
// congestion avoidance, rather than growing until the queue overflows
// and a whole window's worth of losses.
//
// The constants are RFC 9406 section 4.3's. L, the most an ACK may
// grow cwnd by, is the connection's RFC 3465 limit of 2*SMSS rather
// than RFC 9406's 8 for unpaced senders, so that slow start grows as
// NewReno's does until HyStart++ steps in.
const (
	hsMinRTTThresh    = 4 * time.Millisecond
	hsMaxRTTThresh    = 16 * time.Millisecond
	hsMinRTTDivisor   = 8
	hsNRTTSample      = 8
	hsCSSGrowthDivide = 4
	hsCSSRounds       = 5
)

// hsNoRTT is "infinity" for the round minimums.
const hsNoRTT = time.Duration(math.MaxInt64)

// hyStart is HyStart++'s state. As RFC 9406 section 4.3 recommends,
// it is used only in the initial slow start: a loss, a timeout or the
// end of CSS turn it off for the rest of the connection (later slow
// starts have the ssthresh they discovered).
type hyStart struct {
	off          bool          // HyStart++ no longer applies
	css          bool          // in Conservative Slow Start
	started      bool          // windowEnd is set
	windowEnd    seq.Value     // the current round ends when SND.UNA reaches this
	lastRoundMin time.Duration // lastRoundMinRTT
	curRoundMin  time.Duration // currentRoundMinRTT
	samples      int           // rttSampleCount
	cssBaseline  time.Duration // cssBaselineMinRtt
	cssRounds    int           // rounds completed in CSS
	// Counters for tests and Stats: CSS entries, returns to slow
	// start because the RTT fell again, and exits to congestion
	// avoidance at the end of CSS.
	cssEntries, ssResumes, caExits int
}

func (h *hyStart) init() {
	*h = hyStart{lastRoundMin: hsNoRTT, curRoundMin: hsNoRTT, cssBaseline: hsNoRTT}
}

// rttThresh is RttThresh = clamp(lastRoundMinRTT / 8, 4 ms, 16 ms).
func rttThresh(lastRoundMin time.Duration) time.Duration {
	return min(max(lastRoundMin/hsMinRTTDivisor, hsMinRTTThresh), hsMaxRTTThresh)
}

// onAck is RFC 9406 section 4.2 for an ACK in slow start (cwnd <
// ssthresh): it keeps the rounds and the RTT samples, moves between
// slow start and CSS, and returns how much cwnd grows (nothing unless
// cwnd limits the sender). At the end of the last CSS round it sets
// ssthresh to cwnd: congestion avoidance follows.
func (h *hyStart) onAck(s *CCState, a Ack) int {
	if h.off {
		return slowStartIncrease(s, a)
	}
	// "When windowEnd is ACKed, the current round ends and windowEnd
	// is set to SND.NXT": when SND.UNA passes it (byte windowEnd is
	// acknowledged), as Linux's after(snd_una, end_seq).
	if !h.started || h.windowEnd.LessThan(a.Una) {
		if h.started && h.css {
			if h.cssRounds++; h.cssRounds >= hsCSSRounds {
				// "If CSS_ROUNDS rounds are complete, enter
				// congestion avoidance by setting the ssthresh to
				// the current cwnd."
				s.Ssthresh = s.Cwnd
				h.off, h.css = true, false
				h.caExits++
				return 0
			}
		}
		h.started, h.windowEnd = true, a.Nxt
		h.lastRoundMin, h.curRoundMin, h.samples = h.curRoundMin, hsNoRTT, 0
	}
	// The ACK grows cwnd as the state it arrives in says; its sample
	// then may change the state for the next ones.
	inc := slowStartIncrease(s, a)
	if h.css {
		inc /= hsCSSGrowthDivide // cwnd += min(N, L*SMSS) / CSS_GROWTH_DIVISOR
	}
	if a.RTT > 0 {
		h.curRoundMin = min(h.curRoundMin, a.RTT)
		h.samples++
	}
	enough := h.samples >= hsNRTTSample && h.curRoundMin != hsNoRTT
	switch {
	case !h.css && enough && h.lastRoundMin != hsNoRTT &&
		h.curRoundMin >= h.lastRoundMin+rttThresh(h.lastRoundMin):
		// Delay increase: "exit slow start and enter CSS".
		h.css, h.cssBaseline, h.cssRounds = true, h.curRoundMin, 0
		h.cssEntries++
	case h.css && enough && h.curRoundMin < h.cssBaseline:
		// "The RTT increase in slow start was a false positive":
		// resume slow start.
		h.css, h.cssBaseline = false, hsNoRTT
		h.ssResumes++
	}
	return inc
}

// slowStartIncrease is standard slow start's growth for an ACK: the
// bytes acknowledged, at most 2*SMSS (RFC 3465 section 2.2, L = 2),
// and nothing while cwnd does not limit the sender.
func slowStartIncrease(s *CCState, a Ack) int {
	if !a.CwndLimited {
		return 0
	}
	return min(a.Acked, 2*s.MSS)
}

// stop turns HyStart++ off for the rest of the connection: a loss or a
// timeout ends the initial slow start.
func (h *hyStart) stop() { h.off, h.css = true, false }
