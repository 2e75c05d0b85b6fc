package tcp

import (
	"time"

	"github.com/hopsnet/hops/seq"
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
	// OnAck reports an ACK of new data outside loss recovery. It is
	// called for every such ACK, also while the sender does not use
	// its cwnd: then a.CwndLimited is false and cwnd must not grow
	// (RFC 7661), but an algorithm may still track round trips and
	// RTT samples (HyStart++) or the time it spends application-limited
	// (CUBIC, RFC 9438 section 5.8).
	OnAck(s *CCState, a Ack)
	// OnLoss reports a loss detected by duplicate ACKs, with flight
	// bytes outstanding; it sets Ssthresh (the recovery sets Cwnd).
	OnLoss(s *CCState, now sim.Time, flight int)
	// OnTimeout reports a retransmission timeout; it sets Ssthresh and
	// Cwnd (RFC 5681 section 3.1: the loss window, one segment). A
	// timeout during fast recovery, or one repeated before SND.UNA
	// passed the data outstanding at the last timeout, keeps the
	// Ssthresh set before (the connection restores it, as Linux's
	// tcp_enter_loss).
	OnTimeout(s *CCState, now sim.Time, flight int)
}

// Ack is what [CongestionControl.OnAck] learns of an ACK of new data.
type Ack struct {
	Now   sim.Time
	Acked int           // sequence space newly acknowledged, bytes
	SRTT  time.Duration // smoothed RTT (RFC 6298), 0 before any sample
	// RTT is the round-trip sample this ACK gave (from the timed
	// segment or the echoed timestamp), 0 if it gave none. With
	// timestamps every ACK of new data gives one, at millisecond
	// precision; without, one segment per round trip is timed.
	RTT time.Duration
	// Una is SND.UNA after the ACK, Nxt SND.NXT: a round trip that
	// begins now (RFC 9406's windowEnd) ends when Una reaches Nxt.
	Una, Nxt seq.Value
	// CwndLimited reports that cwnd is what limits the sender (RFC
	// 7661, Linux's tcp_is_cwnd_limited): only then may cwnd grow.
	CwndLimited bool
	// Idle reports that the ACK left nothing outstanding and nothing
	// written waiting to be sent: the sender idles until the app
	// writes more.
	Idle bool
}

// initialWindow is RFC 6928's IW = min(10*MSS, max(2*MSS, 14600)); Linux
// uses ten segments (TCP_INIT_CWND).
func initialWindow(mss int) int { return min(10*mss, max(2*mss, 14600)) }

// lossSsthresh is RFC 5681 equation (4): ssthresh = max(FlightSize/2,
// 2*SMSS).
func lossSsthresh(flight, mss int) int { return max(flight/2, 2*mss) }
