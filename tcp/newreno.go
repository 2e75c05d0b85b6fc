package tcp

import "github.com/hopsnet/hops/sim"

// NewReno is the congestion control of RFC 5681 (slow start and
// congestion avoidance, with RFC 3465 byte counting) whose loss
// recovery is RFC 6582's NewReno. Use it through [Config.Congestion].
type NewReno struct {
	acked int // bytes acknowledged in congestion avoidance since cwnd last grew
}

// NewNewReno returns a NewReno controller (by name "newreno").
func NewNewReno() CongestionControl { return &NewReno{} }

// Name returns "newreno".
func (r *NewReno) Name() string { return "newreno" }

// Init sets cwnd to the initial window (RFC 6928) and ssthresh to
// "arbitrarily high" (RFC 5681 section 3.1).
func (r *NewReno) Init(s *CCState, now sim.Time) {
	s.Cwnd = initialWindow(s.MSS)
	s.Ssthresh = 1 << 30
	r.acked = 0
}

// OnAck grows cwnd: in slow start by the bytes acknowledged, at most
// 2*SMSS per ACK (RFC 3465 section 2.2 with L = 2); in congestion
// avoidance by one SMSS per cwnd of bytes acknowledged (RFC 5681
// section 3.1, the byte-counting variant of equation (3)); not at all
// while cwnd does not limit the sender. NewReno uses standard slow
// start, without HyStart++ (as Linux's reno).
func (r *NewReno) OnAck(s *CCState, a Ack) {
	if !a.CwndLimited {
		return
	}
	acked := a.Acked
	if s.Cwnd < s.Ssthresh {
		s.Cwnd += min(acked, 2*s.MSS)
		return
	}
	r.acked += acked
	if r.acked >= s.Cwnd {
		r.acked -= s.Cwnd
		s.Cwnd += s.MSS
	}
}

// OnLoss halves the flight into ssthresh (RFC 5681 equation (4)).
func (r *NewReno) OnLoss(s *CCState, now sim.Time, flight int) {
	s.Ssthresh = lossSsthresh(flight, s.MSS)
	r.acked = 0
}

// OnTimeout sets ssthresh by RFC 5681 equation (4) and cwnd to the loss
// window of one segment.
func (r *NewReno) OnTimeout(s *CCState, now sim.Time, flight int) {
	s.Ssthresh = lossSsthresh(flight, s.MSS)
	s.Cwnd = s.MSS
	r.acked = 0
}
