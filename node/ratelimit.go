package node

import (
	"net/netip"
	"time"

	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// ICMPRateLimit is how often a node may send ICMP errors, after Linux's
// sysctls. Two token buckets apply, the per-destination one first (as
// since Linux 6.12, "icmp: change the order of rate limits"): errors to
// one destination (icmp_ratelimit: one per PerDest, bursts of
// PerDestBurst) and errors in total (icmp_msgs_per_sec with bursts of
// icmp_msgs_burst). Only the types in Mask are limited, and never
// fragmentation needed, whose loss would black-hole path-MTU discovery.
// The zero value limits nothing.
type ICMPRateLimit struct {
	PerDest      time.Duration // icmp_ratelimit; 0: no per-destination limit
	PerDestBurst int           // XRLIM_BURST_FACTOR
	MsgsPerSec   int           // icmp_msgs_per_sec; 0: no global limit
	MsgsBurst    int           // icmp_msgs_burst
	Mask         uint32        // icmp_ratemask: bit t set limits ICMP type t
}

// LinuxICMPRateLimit is Linux's default: 1 s per destination with bursts
// of 6, 1000 messages a second with bursts of 50, for destination
// unreachable, source quench, time exceeded and parameter problem
// (icmp_ratemask 0x1818). Every node starts with it.
var LinuxICMPRateLimit = ICMPRateLimit{
	PerDest: time.Second, PerDestBurst: 6,
	MsgsPerSec: 1000, MsgsBurst: 50,
	Mask: 0x1818,
}

// rateDestsMax bounds the per-destination table; when it is full, the
// buckets that have filled up again (idle destinations) are forgotten.
const rateDestsMax = 4096

// rateLimiter applies an ICMPRateLimit.
type rateLimiter struct {
	perDest map[netip.Addr]*destBucket
	credit  int // the global bucket
	stamp   sim.Time
	primed  bool
}

// destBucket is Linux's inet_peer rate_tokens and rate_last, in
// nanoseconds instead of jiffies.
type destBucket struct {
	tokens time.Duration
	last   sim.Time
}

// allow reports whether an ICMP error of type typ and code to dst may be
// sent now, and spends the tokens if so.
func (r *rateLimiter) allow(l *ICMPRateLimit, now sim.Time, dst netip.Addr, typ, code uint8) bool {
	if typ >= 32 || l.Mask&(1<<typ) == 0 || (typ == wire.ICMPDestUnreachable && code == wire.ICMPFragNeeded) {
		return true
	}
	if l.PerDest > 0 && !r.allowDest(l, now, dst) {
		return false
	}
	return l.MsgsPerSec <= 0 || r.allowGlobal(l, now)
}

// allowDest is Linux's inet_peer_xrlim_allow: tokens accrue with time up
// to burst × interval, and each error costs one interval. A new
// destination starts with a full bucket.
func (r *rateLimiter) allowDest(l *ICMPRateLimit, now sim.Time, dst netip.Addr) bool {
	limit := time.Duration(max(l.PerDestBurst, 1)) * l.PerDest
	b := r.perDest[dst]
	if b == nil {
		if r.perDest == nil {
			r.perDest = map[netip.Addr]*destBucket{}
		}
		if len(r.perDest) >= rateDestsMax {
			r.forgetIdle(l, now)
		}
		b = &destBucket{tokens: limit, last: now}
		r.perDest[dst] = b
	}
	tokens := b.tokens + now.Sub(b.last)
	b.last = now
	tokens = min(tokens, limit)
	ok := tokens >= l.PerDest
	if ok {
		tokens -= l.PerDest
	}
	b.tokens = tokens
	return ok
}

// forgetIdle drops destinations whose buckets are full again: forgetting
// them changes nothing. If none is, the table starts afresh.
func (r *rateLimiter) forgetIdle(l *ICMPRateLimit, now sim.Time) {
	limit := time.Duration(max(l.PerDestBurst, 1)) * l.PerDest
	for a, b := range r.perDest {
		if b.tokens+now.Sub(b.last) >= limit {
			delete(r.perDest, a)
		}
	}
	if len(r.perDest) >= rateDestsMax {
		clear(r.perDest)
	}
}

// allowGlobal is Linux's icmp_global_allow: credit refills at MsgsPerSec
// (counting at most one second of idle time) up to MsgsBurst, and each
// error spends one. Linux spends a random 0–2 credits to hide the bucket
// from attackers; hops spends exactly one, so runs stay reproducible.
func (r *rateLimiter) allowGlobal(l *ICMPRateLimit, now sim.Time) bool {
	if !r.primed {
		r.primed, r.credit, r.stamp = true, l.MsgsBurst, now
	}
	if delta := min(now.Sub(r.stamp), time.Second); delta > 0 {
		if incr := int(int64(l.MsgsPerSec) * int64(delta) / int64(time.Second)); incr > 0 {
			r.credit = min(r.credit+incr, l.MsgsBurst)
			r.stamp = now
		}
	}
	if r.credit <= 0 {
		return false
	}
	r.credit--
	return true
}
