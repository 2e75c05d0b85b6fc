package node

import (
	"net/netip"
	"time"

	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// ICMPRateLimit is how often a node may send ICMP errors, after Linux's
// sysctls. Two token buckets apply: errors to one destination
// (icmp_ratelimit: one per PerDest, bursts of PerDestBurst) and errors in
// total (icmp_msgs_per_sec with bursts of icmp_msgs_burst). Only the types
// in Mask are limited, and never fragmentation needed, whose loss would
// black-hole path-MTU discovery. The zero value limits nothing; so does a
// zero PerDest or MsgsPerSec for its bucket (in Linux a zero
// icmp_msgs_per_sec would stop all limited errors once the burst is spent).
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

// applies reports whether errors of type typ and code count against the
// limits (Linux's icmpv4_mask_allow): types above 18 (NR_ICMP_TYPES) and
// fragmentation needed never do, the others when Mask has their bit.
func (l *ICMPRateLimit) applies(typ, code uint8) bool {
	if typ > 18 || (typ == wire.ICMPDestUnreachable && code == wire.ICMPFragNeeded) {
		return false
	}
	return l.Mask&(1<<typ) != 0
}

// rateLimiter applies an ICMPRateLimit.
type rateLimiter struct {
	perDest map[netip.Addr]*destBucket
	credit  int      // the global bucket; may go below zero, as in Linux
	stamp   sim.Time // when credit was last refilled
	primed  bool     // stamp is set
}

// destBucket is Linux's inet_peer rate_tokens and rate_last, in
// nanoseconds instead of jiffies.
type destBucket struct {
	tokens time.Duration
	last   sim.Time
}

// destAllow is Linux's inet_peer_xrlim_allow: tokens accrue with time up
// to burst × interval, and each error costs one interval. A new
// destination starts with a full bucket (inet_getpeer sets rate_last 60 s
// back).
func (r *rateLimiter) destAllow(l *ICMPRateLimit, now sim.Time, dst netip.Addr) bool {
	if l.PerDest <= 0 {
		return true
	}
	limit := time.Duration(max(l.PerDestBurst, 1)) * l.PerDest
	b := r.perDest[dst]
	if b == nil {
		if r.perDest == nil {
			r.perDest = map[netip.Addr]*destBucket{}
		}
		if len(r.perDest) >= rateDestsMax {
			r.forgetIdle(limit, now)
		}
		b = &destBucket{tokens: limit, last: now}
		r.perDest[dst] = b
	}
	tokens := min(b.tokens+now.Sub(b.last), limit)
	b.last = now
	ok := tokens >= l.PerDest
	if ok {
		tokens -= l.PerDest
	}
	b.tokens = tokens
	return ok
}

// forgetIdle drops destinations whose buckets are full again: forgetting
// them changes nothing. If none is, the table starts afresh.
func (r *rateLimiter) forgetIdle(limit time.Duration, now sim.Time) {
	for a, b := range r.perDest {
		if b.tokens+now.Sub(b.last) >= limit {
			delete(r.perDest, a)
		}
	}
	if len(r.perDest) >= rateDestsMax {
		clear(r.perDest)
	}
}

// globalRefillMin is Linux's HZ/50: the global bucket refills at most
// every 20 ms.
const globalRefillMin = 20 * time.Millisecond

// globalAllow is Linux's icmp_global_allow: while credit is left the error
// may go; otherwise, if at least 20 ms have passed since the last refill,
// the bucket refills by MsgsPerSec for the time passed (at most a second's
// worth, at most MsgsBurst in all). It spends nothing: globalConsume does,
// once the per-destination limit has let the error through. Linux counts
// time in jiffies; hops in milliseconds (HZ=1000). The bucket starts full,
// as Linux's does at boot.
func (r *rateLimiter) globalAllow(l *ICMPRateLimit, now sim.Time) bool {
	if l.MsgsPerSec <= 0 {
		return true
	}
	if !r.primed {
		r.primed, r.credit, r.stamp = true, min(l.MsgsPerSec, l.MsgsBurst), now
	}
	if r.credit > 0 {
		return true
	}
	delta := min(now.Sub(r.stamp).Truncate(time.Millisecond), time.Second)
	if delta < globalRefillMin {
		return false
	}
	incr := int(int64(l.MsgsPerSec) * delta.Milliseconds() / 1000)
	if incr == 0 {
		return false
	}
	r.stamp = now.Add(-(now.Sub(r.stamp) % time.Millisecond)) // whole jiffies
	r.credit = min(r.credit+incr, l.MsgsBurst)
	return true
}

// globalConsume is Linux's icmp_global_consume. Linux spends a random
// 0–2 credits (one on average) to hide the bucket from attackers; hops
// spends exactly one, so runs stay reproducible.
func (r *rateLimiter) globalConsume(l *ICMPRateLimit) {
	if l.MsgsPerSec > 0 {
		r.credit--
	}
}
