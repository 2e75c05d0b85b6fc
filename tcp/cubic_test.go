package tcp

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

const cubicTestMSS = 1000

// cubicAfterLoss returns a CUBIC controller in congestion avoidance
// that has just lost at a window of wMax segments, with cwnd set to
// ssthresh as the connection's recovery leaves it.
func cubicAfterLoss(t *testing.T, wMax int) (*Cubic, *CCState) {
	t.Helper()
	c := &Cubic{}
	s := &CCState{MSS: cubicTestMSS}
	c.Init(s, 0)
	s.Cwnd, s.Ssthresh = wMax*cubicTestMSS, 1
	c.OnLoss(s, 0, s.Cwnd)
	if want := int(float64(wMax) * 0.7 * cubicTestMSS); s.Ssthresh != want {
		t.Fatalf("ssthresh %d after a loss at %d segments, want beta*cwnd = %d", s.Ssthresh, wMax, want)
	}
	s.Cwnd = s.Ssthresh
	return c, s
}

// drive acknowledges one window per rtt, spread over the round trip,
// from start for d, calling check after each round trip.
func drive(c *Cubic, s *CCState, start sim.Time, rtt, d time.Duration, check func(t time.Duration)) {
	for at := time.Duration(0); at < d; at += rtt {
		n := max(s.Cwnd/s.MSS, 1)
		for i := range n {
			c.OnAck(s, Ack{Now: start.Add(at + rtt*time.Duration(i)/time.Duration(n)), Acked: s.MSS, SRTT: rtt, CwndLimited: true})
		}
		check(at + rtt)
	}
}

// TestCubicCurve follows the window after a loss at W_max = 100
// segments on a 100 ms path: K = cbrt(W_max (1 - beta) / C) = cbrt(75),
// and cwnd tracks W_cubic(t) = C (t - K)^3 + W_max from below (RFC 9438
// sections 4.2, 4.4, 4.5), concave up to W_max at K, convex beyond,
// except near the plateau where the Reno-friendly W_est is larger
// (section 4.3).
func TestCubicCurve(t *testing.T) {
	c, s := cubicAfterLoss(t, 100)
	const rtt = 100 * time.Millisecond
	wCubic := func(t float64) float64 { return 0.4*math.Pow(t-math.Cbrt(75), 3) + 100 }
	wEst, reno := 70.0, false
	start := sim.Time(time.Second)
	drive(c, s, start, rtt, 12*time.Second, func(d time.Duration) {
		if wEst += cubicAlpha; wEst >= 100 {
			wEst += 1 - cubicAlpha
		}
		got := float64(s.Cwnd) / cubicTestMSS
		lo := max(wCubic(d.Seconds()-rtt.Seconds()), wEst) - 1.5
		hi := max(wCubic(d.Seconds()+rtt.Seconds()), wEst) + 1.5
		if got < lo || got > hi {
			t.Errorf("t=%v: cwnd %.2f segments, want within [%.2f, %.2f]", d, got, lo, hi)
		}
		reno = reno || wEst > wCubic(d.Seconds())+1
	})
	if want := math.Cbrt(75); math.Abs(c.k-want) > 1e-9 {
		t.Errorf("K = %v, want %v", c.k, want)
	}
	if !reno {
		t.Error("the Reno-friendly region was never entered near the plateau")
	}
	if got, want := float64(s.Cwnd)/cubicTestMSS, wCubic(12); got < want-2 {
		t.Errorf("cwnd %.1f segments after 12 s, want the convex curve's %.1f", got, want)
	}
}

// TestCubicRenoFriendly: on a short path the cubic curve grows slower
// than Reno would, and cwnd follows the Reno-friendly estimate, which
// grows by alpha = 3 (1 - beta) / (1 + beta) segments per round trip up
// to cwnd_prior, then by one (RFC 9438 section 4.3).
func TestCubicRenoFriendly(t *testing.T) {
	c, s := cubicAfterLoss(t, 100)
	const rtt = time.Millisecond
	rounds := 0
	drive(c, s, 0, rtt, 50*time.Millisecond, func(d time.Duration) {
		rounds++
		got := float64(s.Cwnd) / cubicTestMSS
		// W_est after n rounds, alpha/cwnd per ACK and cwnd ACKs a round.
		want := 70 + cubicAlpha*float64(rounds)
		if want > 100 {
			want = 100 + float64(rounds) - 30/cubicAlpha
		}
		if math.Abs(got-want) > 1.5 {
			t.Errorf("round %d: cwnd %.2f segments, want W_est about %.2f", rounds, got, want)
		}
	})
	if cubicAlpha < 0.529 || cubicAlpha > 0.53 {
		t.Errorf("alpha_cubic = %v, want 3*0.3/1.7", cubicAlpha)
	}
}

// TestCubicFastConvergence: a loss below the previous W_max lowers W_max
// to cwnd (1 + beta) / 2, releasing bandwidth to new flows (RFC 9438
// section 4.7).
func TestCubicFastConvergence(t *testing.T) {
	for _, fc := range []bool{true, false} {
		c, s := cubicAfterLoss(t, 100)
		c.noFastConv = !fc
		s.Cwnd = 80 * cubicTestMSS
		c.OnLoss(s, 0, s.Cwnd)
		want := 80.0
		if fc {
			want = 80 * 1.7 / 2
		}
		if math.Abs(c.wMax-want) > 1e-9 || s.Ssthresh != 56*cubicTestMSS {
			t.Errorf("fast convergence %v: W_max %v, ssthresh %d; want %v, %d", fc, c.wMax, s.Ssthresh, want, 56*cubicTestMSS)
		}
	}
}

// TestCubicTimeout: a timeout sets ssthresh by beta and cwnd to one
// segment; after slow start the next curve starts at K = 0 from the
// window it has (RFC 9438 section 4.8).
func TestCubicTimeout(t *testing.T) {
	c := &Cubic{}
	s := &CCState{MSS: cubicTestMSS}
	c.Init(s, 0)
	if s.Cwnd != 10*cubicTestMSS {
		t.Fatalf("initial window %d", s.Cwnd)
	}
	s.Cwnd = 50 * cubicTestMSS
	c.OnTimeout(s, 0, s.Cwnd)
	if s.Cwnd != cubicTestMSS || s.Ssthresh != 35*cubicTestMSS {
		t.Fatalf("after a timeout cwnd %d ssthresh %d", s.Cwnd, s.Ssthresh)
	}
	for s.Cwnd < s.Ssthresh {
		c.OnAck(s, Ack{Acked: s.MSS, SRTT: 10 * time.Millisecond, CwndLimited: true}) // slow start
	}
	c.OnAck(s, Ack{Now: sim.Time(time.Second), Acked: s.MSS, SRTT: 10 * time.Millisecond, CwndLimited: true})
	if c.k != 0 || c.origin != 35 {
		t.Errorf("after a timeout: K %v, origin %v; want 0, 35", c.k, c.origin)
	}
}

func TestCongestionByName(t *testing.T) {
	for _, name := range CongestionNames() {
		f, err := CongestionByName(name)
		if err != nil || f().Name() != name {
			t.Errorf("CongestionByName(%q): %v", name, err)
		}
	}
	if _, err := CongestionByName("bbr"); !errors.Is(err, ErrUnknownCongestion) {
		t.Errorf("CongestionByName(bbr) error %v", err)
	}
}

// TestPipeCubic runs CUBIC through the lossy pipe on both sides.
func TestPipeCubic(t *testing.T) {
	for _, tc := range []struct {
		name string
		pc   pipeConfig
	}{
		{"clean", pipeConfig{delay: 10 * time.Millisecond}},
		{"loss-5%", pipeConfig{delay: 10 * time.Millisecond, loss: 0.05}},
		{"all-faults", pipeConfig{delay: 5 * time.Millisecond, loss: 0.05, dup: 0.05, reorder: 0.2, jitter: 10 * time.Millisecond}},
		{"no-sack-lossy", pipeConfig{delay: 10 * time.Millisecond, loss: 0.03, cfg: func(side int, c *Config) { c.NoSACK = true }}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pc := tc.pc
			inner := pc.cfg
			pc.cfg = func(side int, c *Config) {
				c.Congestion = NewCubic
				if inner != nil {
					inner(side, c)
				}
			}
			pc.seed, pc.bytes, pc.limit = 1, 1<<20, time.Hour
			p := newPipe(t, pc)
			if err := p.run(); err != nil {
				t.Fatal(err)
			}
			if got := p.ends[0].c.Stats().Congestion; got != "cubic" {
				t.Errorf("congestion %q", got)
			}
			t.Log(p.describe())
		})
	}
}
