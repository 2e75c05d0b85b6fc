package tcp

import "time"

// rttEstimator is RFC 6298's retransmission timer state: the smoothed
// round-trip time, its variation, and the timeout they give, with the
// exponential backoff applied after timeouts.
type rttEstimator struct {
	srtt, rttvar time.Duration
	base         time.Duration // RTO before backoff
	backoff      uint          // doublings since the last valid sample
	samples      uint64        // samples taken
}

func newRTTEstimator() rttEstimator {
	// RFC 6298 section 2.1: "Until a round-trip time (RTT) measurement
	// has been made ..., the sender SHOULD set RTO <- 1 second".
	return rttEstimator{base: InitialRTO}
}

// sample folds one RTT measurement in (RFC 6298 section 2.2 and 2.3) and
// clears the backoff: a valid sample is what Karn's algorithm waits for.
func (r *rttEstimator) sample(rtt time.Duration) {
	rtt = max(rtt, 0)
	if r.samples == 0 {
		// (2.2) SRTT <- R, RTTVAR <- R/2.
		r.srtt, r.rttvar = rtt, rtt/2
	} else {
		// (2.3) RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R'|,
		//       SRTT   <- 7/8 SRTT + 1/8 R'.
		d := r.srtt - rtt
		if d < 0 {
			d = -d
		}
		r.rttvar = r.rttvar - r.rttvar/4 + d/4
		r.srtt = r.srtt - r.srtt/8 + rtt/8
	}
	r.samples++
	// RTO <- SRTT + max(G, K*RTTVAR) with K = 4. Like Linux, the floor
	// applies to the variance term (its rttvar never drops below
	// TCP_RTO_MIN), so RTO >= SRTT + 200 ms rather than RFC 6298's
	// (2.4) RTO >= 1 s.
	r.base = min(r.srtt+max(4*r.rttvar, MinRTO), MaxRTO)
	r.backoff = 0
}

// rto returns the current timeout: the base doubled once per backoff
// (RFC 6298 section 5.5), at most MaxRTO ((2.5) allows a maximum of at
// least 60 s; Linux's is 120 s).
func (r *rttEstimator) rto() time.Duration {
	d := r.base
	for i := uint(0); i < r.backoff && d < MaxRTO; i++ {
		d *= 2
	}
	return min(d, MaxRTO)
}

// backOff doubles the timeout after a retransmission timeout (RFC 6298
// section 5.5), up to MaxRTO.
func (r *rttEstimator) backOff() {
	if r.rto() < MaxRTO {
		r.backoff++
	}
}

// synLost applies RFC 6298 section 5.7: when the SYN (or SYN-ACK) was
// retransmitted and no sample has been taken, the RTO for data starts at
// 3 s.
func (r *rttEstimator) synLost() {
	if r.samples == 0 {
		r.base, r.backoff = 3*time.Second, 0
	}
}
