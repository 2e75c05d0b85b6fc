package tcp

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hopsnet/hops/sim"
)

// CUBIC's constants (RFC 9438 section 5): the multiplicative decrease
// factor and the scaling constant, with windows in segments and time in
// seconds.
const (
	cubicBeta = 0.7
	cubicC    = 0.4
	// cubicAlpha is the additive increase of the Reno-friendly estimate
	// that makes it as fair as Reno on average (section 4.3):
	// 3 * (1 - beta) / (1 + beta).
	cubicAlpha = 3 * (1 - cubicBeta) / (1 + cubicBeta)
)

// Cubic is the congestion control of RFC 9438 (Linux's default): after
// a loss the window follows W_cubic(t) = C*(t-K)^3 + W_max, concave up
// to the window where the loss happened and convex beyond it, never
// slower than Reno would grow (the Reno-friendly region), with fast
// convergence. The initial slow start is HyStart++ (RFC 9406), later
// ones RFC 5681's. Time spent application-limited does not count in
// the curve's t (RFC 9438 section 5.8). It is the default: a nil
// [Config.Congestion] means [NewCubic]; by name it is "cubic"
// ([CongestionByName]).
type Cubic struct {
	cwnd       float64  // cwnd in bytes with its fraction (s.Cwnd is its integer part)
	wMax       float64  // W_max, segments: the window before the last reduction (0: unknown)
	cwndPrior  float64  // cwnd_prior, segments: the window when the last loss was detected
	k          float64  // K, seconds
	origin     float64  // the window the curve plateaus at (W_max, or cwnd after a timeout), segments
	wEst       float64  // W_est, segments: the Reno-friendly estimate
	epoch      sim.Time // t_epoch: when the current congestion avoidance stage began
	inEpoch    bool     // epoch, k, origin and wEst are set
	noFastConv bool     // turn fast convergence off (tests)
	// An application-limited period (RFC 9438 section 5.8): it began
	// at pausedAt, with an ACK while cwnd did not limit the sender or
	// that left the sender idle; the next cwnd-limited ACK ends it and
	// moves the epoch on by its length, as Linux's bictcp_cwnd_event
	// does on CA_EVENT_TX_START after idle.
	paused   bool
	pausedAt sim.Time
	hs       hyStart // the initial slow start
}

// NewCubic returns a CUBIC controller (with HyStart++), the default.
func NewCubic() CongestionControl { return &Cubic{} }

// Name returns "cubic".
func (c *Cubic) Name() string { return "cubic" }

// Init sets cwnd to the initial window (RFC 6928) and ssthresh to
// "arbitrarily high" (RFC 5681 section 3.1).
func (c *Cubic) Init(s *CCState, now sim.Time) {
	*c = Cubic{noFastConv: c.noFastConv}
	c.hs.init()
	s.Cwnd = initialWindow(s.MSS)
	s.Ssthresh = 1 << 30
	c.cwnd = float64(s.Cwnd)
}

// OnAck grows cwnd: in slow start as HyStart++ says (RFC 9406); in
// congestion avoidance towards W_cubic(t + RTT) (RFC 9438 section 4.2),
// or to the Reno-friendly W_est where that is larger (section 4.3),
// with t not counting application-limited time (section 5.8).
func (c *Cubic) OnAck(s *CCState, a Ack) {
	if int(c.cwnd) != s.Cwnd {
		c.cwnd = float64(s.Cwnd) // the connection set cwnd (recovery, a timeout)
	}
	if s.Cwnd < s.Ssthresh {
		s.Cwnd += c.hs.onAck(s, a)
		c.cwnd = float64(s.Cwnd)
		return
	}
	if !a.CwndLimited {
		c.pause(a.Now)
		return
	}
	if c.paused {
		c.paused = false
		if c.inEpoch {
			c.epoch = c.epoch.Add(a.Now.Sub(c.pausedAt))
		}
	}
	c.grow(s, a.Now, a.Acked, a.SRTT)
	if a.Idle {
		c.pause(a.Now)
	}
}

// pause begins an application-limited period, if none is running.
func (c *Cubic) pause(now sim.Time) {
	if !c.paused {
		c.paused, c.pausedAt = true, now
	}
}

// grow is congestion avoidance for acked bytes.
func (c *Cubic) grow(s *CCState, now sim.Time, acked int, srtt time.Duration) {
	mss := float64(s.MSS)
	cwnd := c.cwnd / mss // segments
	if !c.inEpoch {
		c.startEpoch(now, cwnd)
	}
	segs := float64(acked) / mss
	// Section 4.3: "W_est = W_est + alpha_cubic * segments_acked /
	// cwnd", with alpha 1 once W_est has reached cwnd_prior.
	alpha := cubicAlpha
	if c.wEst >= c.cwndPrior {
		alpha = 1
	}
	c.wEst += alpha * segs / cwnd
	t := now.Sub(c.epoch).Seconds()
	var next float64
	if c.window(t) < c.wEst {
		next = c.wEst // the Reno-friendly region
	} else {
		// Section 4.4 and 4.5: "cwnd SHOULD be incremented by
		// (target - cwnd) / cwnd" per ACK, target = W_cubic(t + RTT)
		// held within [cwnd, 1.5 * cwnd].
		target := min(max(c.window(t+srtt.Seconds()), cwnd), 1.5*cwnd)
		next = cwnd + (target-cwnd)/cwnd*segs
	}
	c.cwnd = max(next*mss, c.cwnd)
	s.Cwnd = int(c.cwnd)
}

// startEpoch begins a congestion avoidance stage: K from W_max and the
// window now (RFC 9438 section 4.2, with cwnd_epoch), or after a
// timeout K = 0 and W_max = cwnd (section 4.8).
func (c *Cubic) startEpoch(now sim.Time, cwnd float64) {
	c.epoch, c.inEpoch = now, true
	c.paused = false
	c.wEst = cwnd
	if c.wMax <= cwnd {
		c.k, c.origin = 0, cwnd
		return
	}
	c.k = math.Cbrt((c.wMax - cwnd) / cubicC)
	c.origin = c.wMax
}

// window is W_cubic(t) = C*(t-K)^3 + W_max (equation 1), in segments.
func (c *Cubic) window(t float64) float64 {
	d := t - c.k
	return cubicC*d*d*d + c.origin
}

// OnLoss is RFC 9438 section 4.6 and 4.7: remember W_max (lowered by
// fast convergence when the window shrank since the last loss), and
// set ssthresh to beta times cwnd (as Linux does; the RFC allows cwnd
// in place of the flight size), at least two segments.
func (c *Cubic) OnLoss(s *CCState, now sim.Time, flight int) {
	c.reduce(s)
}

// OnTimeout sets ssthresh as OnLoss does and cwnd to one segment (RFC
// 9438 section 4.8); the next stage starts its curve from the window it
// has then (K = 0).
func (c *Cubic) OnTimeout(s *CCState, now sim.Time, flight int) {
	c.reduce(s)
	c.wMax = 0
	s.Cwnd = s.MSS
	c.cwnd = float64(s.Cwnd)
}

func (c *Cubic) reduce(s *CCState) {
	mss := float64(s.MSS)
	cwnd := float64(s.Cwnd) / mss
	if cwnd < c.wMax && !c.noFastConv {
		c.wMax = cwnd * (1 + cubicBeta) / 2
	} else {
		c.wMax = cwnd
	}
	c.cwndPrior = cwnd
	s.Ssthresh = max(int(cwnd*cubicBeta*mss), 2*s.MSS)
	c.inEpoch, c.paused = false, false
	c.hs.stop()
}

// congestionControls are the controllers CongestionByName knows.
var congestionControls = []struct {
	name string
	new  func() CongestionControl
}{
	{"newreno", NewNewReno},
	{"cubic", NewCubic},
}

// CongestionNames returns the names [CongestionByName] accepts.
func CongestionNames() []string {
	names := make([]string, len(congestionControls))
	for i, cc := range congestionControls {
		names[i] = cc.name
	}
	return names
}

// CongestionByName returns the constructor of the congestion control
// called name ("newreno" or "cubic", as Linux's
// net.ipv4.tcp_congestion_control names them), for [Config.Congestion].
func CongestionByName(name string) (func() CongestionControl, error) {
	for _, cc := range congestionControls {
		if cc.name == name {
			return cc.new, nil
		}
	}
	return nil, fmt.Errorf("%w %q (hops has: %s)", ErrUnknownCongestion, name, strings.Join(CongestionNames(), ", "))
}
