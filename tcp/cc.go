package tcp

import (
	"time"

	"github.com/hopsnet/hops/sim"
)

// CCState is the congestion window state a [CongestionControl] works
// on, in bytes (RFC 5681 section 2). The connection owns it; its loss
// recovery also sets Cwnd (to Ssthresh on entering RFC 6675 SACK
// recovery; NewReno's RFC 6582 inflates and deflates it).
type CCState struct {
	Cwnd     int // congestion window
	Ssthresh int // slow start threshold
	MSS      int // sender maximum segment size (SMSS), payload bytes
}

// CongestionControl decides how the congestion window grows and how it
// shrinks on loss. The connection calls it; the loss recovery around it
// (duplicate ACK counting, fast retransmit, partial ACKs) belongs to the
// connection, so a new algorithm (CUBIC, RFC 9438) implements only
// these hooks.
type CongestionControl interface {
	// Name names the algorithm ("newreno", "cubic").
	Name() string
	// Init sets the initial window when the connection is established.
	Init(s *CCState, now sim.Time)
	// OnAck reports acked new bytes acknowledged outside loss
	// recovery, with the current smoothed RTT (0 before any sample).
	// It is not called while the sender does not use its cwnd (RFC
	// 7661), so an implementation need not check that itself.
	OnAck(s *CCState, now sim.Time, acked int, srtt time.Duration)
	// OnLoss reports a loss detected by duplicate ACKs, with flight
	// bytes outstanding; it sets Ssthresh (the recovery sets Cwnd).
	OnLoss(s *CCState, now sim.Time, flight int)
	// OnTimeout reports a retransmission timeout; it sets Ssthresh and
	// Cwnd (RFC 5681 section 3.1: the loss window, one segment). A
	// timeout during fast recovery keeps the Ssthresh that recovery
	// set (the connection restores it, as Linux's tcp_enter_loss).
	OnTimeout(s *CCState, now sim.Time, flight int)
}

// initialWindow is RFC 6928's IW = min(10*MSS, max(2*MSS, 14600)); Linux
// uses ten segments (TCP_INIT_CWND).
func initialWindow(mss int) int { return min(10*mss, max(2*mss, 14600)) }

// lossSsthresh is RFC 5681 equation (4): ssthresh = max(FlightSize/2,
// 2*SMSS).
func lossSsthresh(flight, mss int) int { return max(flight/2, 2*mss) }
