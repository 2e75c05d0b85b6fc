package tcp

import (
	"testing"
	"time"

	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/sim"
)

// hsDriver plays the sender side of slow start for a CUBIC controller:
// each round acknowledges the window sent at its start, one segment per
// ACK, every ACK with the RTT sample rttOf(round) (0: no sample).
type hsDriver struct {
	c   *Cubic
	s   *CCState
	una seq.Value // SND.UNA
	nxt seq.Value // SND.NXT
	now sim.Time
}

func newHSDriver() *hsDriver {
	d := &hsDriver{c: &Cubic{}, s: &CCState{MSS: cubicTestMSS}, una: 1000}
	d.c.Init(d.s, 0)
	d.nxt = d.una.Add(seq.Size(d.s.Cwnd)) // the initial window
	return d
}

// round acknowledges, segment by segment, what was in flight when it
// began, each ACK carrying rtt as its sample; after each ACK the sender
// fills its window again, as a cwnd-limited sender does.
func (d *hsDriver) round(rtt time.Duration) {
	end := d.nxt
	for d.una.LessThan(end) {
		d.ack(rtt)
	}
}

func (d *hsDriver) ack(rtt time.Duration) {
	d.una = d.una.Add(cubicTestMSS)
	d.now = d.now.Add(rtt / 10)
	d.c.OnAck(d.s, Ack{Now: d.now, Acked: cubicTestMSS, SRTT: rtt, RTT: rtt, Una: d.una, Nxt: d.nxt, CwndLimited: true})
	if n := d.una.Add(seq.Size(d.s.Cwnd)); d.nxt.LessThan(n) {
		d.nxt = n
	}
}

func (d *hsDriver) segs() int { return d.s.Cwnd / cubicTestMSS }

func TestHyStartRTTThresh(t *testing.T) {
	for _, tc := range []struct{ last, want time.Duration }{
		{8 * time.Millisecond, 4 * time.Millisecond},  // 1 ms, clamped up
		{40 * time.Millisecond, 5 * time.Millisecond}, // last / 8
		{100 * time.Millisecond, 12500 * time.Microsecond},
		{400 * time.Millisecond, 16 * time.Millisecond}, // 50 ms, clamped down
	} {
		if got := rttThresh(tc.last); got != tc.want {
			t.Errorf("RttThresh for lastRoundMinRTT %v = %v, want %v", tc.last, got, tc.want)
		}
	}
}

// TestHyStartCSS: a steady RTT is slow start (cwnd doubles per round);
// an RTT rise by RttThresh moves to CSS once N_RTT_SAMPLE samples show
// it, where cwnd grows a quarter as fast; after CSS_ROUNDS rounds in
// CSS ssthresh becomes cwnd and congestion avoidance begins (RFC 9406
// section 4.2).
func TestHyStartCSS(t *testing.T) {
	d := newHSDriver()
	const base = 40 * time.Millisecond
	for i, want := range []int{20, 40, 80} {
		d.round(base)
		if d.segs() != want || d.c.hs.css {
			t.Fatalf("slow start round %d: cwnd %d segments (css %v), want %d", i+1, d.segs(), d.c.hs.css, want)
		}
	}
	// 45 ms = 40 + RttThresh (5 ms): a queue is building.
	d.round(base + 5*time.Millisecond)
	if !d.c.hs.css || d.c.hs.cssEntries != 1 {
		t.Fatalf("RTT up by RttThresh: css %v, entries %d", d.c.hs.css, d.c.hs.cssEntries)
	}
	// The first 8 ACKs of the round grew cwnd by a segment each (slow
	// start), the other 72 by a quarter.
	if want := 80 + 8 + 72/4; d.segs() != want {
		t.Errorf("after the round that entered CSS: cwnd %d segments, want %d", d.segs(), want)
	}
	// CSS lasts CSS_ROUNDS rounds, the one it began in included.
	for r := 1; ; r++ {
		before := d.s.Cwnd
		d.round(base + 5*time.Millisecond)
		if d.c.hs.off {
			if r != hsCSSRounds-1 {
				t.Errorf("CSS ended after %d more rounds, want %d", r, hsCSSRounds-1)
			}
			if d.c.hs.caExits != 1 || d.s.Ssthresh < before || d.s.Ssthresh > d.s.Cwnd {
				t.Errorf("the end of CSS: ssthresh %d, want cwnd then (between %d and %d)", d.s.Ssthresh, before, d.s.Cwnd)
			}
			break
		}
		if grown, want := d.s.Cwnd-before, before/4; grown < want-cubicTestMSS || grown > want+cubicTestMSS {
			t.Errorf("CSS round %d: cwnd grew by %d, want about a quarter of %d", r, grown, before)
		}
		if d.s.Ssthresh != 1<<30 || r > hsCSSRounds {
			t.Fatalf("CSS round %d: ssthresh %d", r, d.s.Ssthresh)
		}
	}
}

// TestHyStartSpuriousCSS: when the RTT falls below the baseline that
// started CSS, the rise was a false positive: back to slow start.
func TestHyStartSpuriousCSS(t *testing.T) {
	d := newHSDriver()
	const base = 40 * time.Millisecond
	d.round(base)
	d.round(base)
	d.round(base + 10*time.Millisecond)
	if !d.c.hs.css {
		t.Fatal("no CSS after an RTT rise of 10 ms")
	}
	d.round(base)
	if d.c.hs.css || d.c.hs.ssResumes != 1 {
		t.Fatalf("RTT back to %v: css %v, resumes %d", base, d.c.hs.css, d.c.hs.ssResumes)
	}
	before := d.s.Cwnd
	d.round(base)
	if d.s.Cwnd != 2*before {
		t.Errorf("slow start again: cwnd %d after a round from %d, want doubled", d.s.Cwnd, before)
	}
}

// TestHyStartNeedsSamples: a rise is acted on only with N_RTT_SAMPLE
// samples in the round, and only below RttThresh it is noise.
func TestHyStartNeedsSamples(t *testing.T) {
	d := newHSDriver()
	const base = 40 * time.Millisecond
	d.round(base)
	d.round(base + 4*time.Millisecond) // below RttThresh (5 ms)
	if d.c.hs.css {
		t.Fatal("CSS on a rise below RttThresh")
	}
	// Seven samples of a large rise, then ACKs without samples.
	end := d.nxt
	for i := 0; d.una.LessThan(end); i++ {
		rtt := time.Duration(0)
		if i < hsNRTTSample-1 {
			rtt = 2 * base
		}
		d.ack(rtt)
	}
	if d.c.hs.css {
		t.Fatal("CSS on 7 samples")
	}
}

// TestHyStartOnlyInitial: a loss ends HyStart++ for the connection;
// later slow starts are RFC 5681's (RFC 9406 section 4.3). An ACK while
// cwnd does not limit the sender grows nothing.
func TestHyStartOnlyInitial(t *testing.T) {
	d := newHSDriver()
	d.round(40 * time.Millisecond)
	before := d.s.Cwnd
	d.c.OnAck(d.s, Ack{Now: d.now, Acked: cubicTestMSS, RTT: 40 * time.Millisecond, Una: d.una, Nxt: d.nxt})
	if d.s.Cwnd != before {
		t.Errorf("an application-limited ACK grew cwnd from %d to %d", before, d.s.Cwnd)
	}
	d.c.OnTimeout(d.s, d.now, d.s.Cwnd)
	d.nxt = d.una.Add(seq.Size(d.s.Cwnd)) // resent from SND.UNA
	if !d.c.hs.off {
		t.Fatal("HyStart++ still on after a timeout")
	}
	d.round(40 * time.Millisecond)
	d.round(80 * time.Millisecond) // would be CSS in the initial slow start
	if d.c.hs.css || d.segs() != 4 {
		t.Errorf("slow start after a timeout: css %v, cwnd %d segments, want 4", d.c.hs.css, d.segs())
	}
}

// TestCubicAppLimited: time the sender spends application-limited (or
// idle) does not count in t (RFC 9438 section 5.8): after a pause the
// curve resumes where it stopped, rather than jumping to where the
// elapsed time would put it.
func TestCubicAppLimited(t *testing.T) {
	const rtt = 100 * time.Millisecond
	run := func(pause bool) (*Cubic, *CCState) {
		c, s := cubicAfterLoss(t, 100)
		start := sim.Time(time.Second)
		drive(c, s, start, rtt, 2*time.Second, func(time.Duration) {})
		at := start.Add(2 * time.Second)
		if pause {
			// Application-limited for 10 s: ACKs that may not grow cwnd,
			// the last one leaving nothing outstanding.
			for i := range 10 {
				c.OnAck(s, Ack{Now: at.Add(time.Duration(i) * time.Second), Acked: s.MSS, SRTT: rtt})
			}
			c.OnAck(s, Ack{Now: at.Add(10 * time.Second), Acked: s.MSS, SRTT: rtt, Idle: true})
			at = at.Add(20 * time.Second) // then idle for 10 s
		}
		drive(c, s, at, rtt, time.Second, func(time.Duration) {})
		return c, s
	}
	c0, s0 := run(false)
	c1, s1 := run(true)
	if d := s1.Cwnd - s0.Cwnd; d < -2*cubicTestMSS || d > 2*cubicTestMSS {
		t.Errorf("cwnd %d after a 20 s application-limited pause, %d without: the pause counted in t", s1.Cwnd, s0.Cwnd)
	}
	if got := c1.epoch.Sub(c0.epoch); got != 20*time.Second {
		t.Errorf("epoch moved by %v, want the 20 s pause", got)
	}
}
