package node

import (
	"net/netip"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

// The global bucket refills as Linux's icmp_global_allow does: offered an
// error every 0.9 ms for 10 s, it lets through the initial burst of 50
// plus about 1000 a second, not less (a refill must not lose the time it
// does not pay for).
func TestGlobalLimitRate(t *testing.T) {
	l := ICMPRateLimit{MsgsPerSec: 1000, MsgsBurst: 50, Mask: LinuxICMPRateLimit.Mask}
	var r rateLimiter
	allowed := 0
	for now := sim.Time(0); now < sim.Time(10*time.Second); now += sim.Time(900 * time.Microsecond) {
		if r.globalAllow(&l, now) {
			r.globalConsume(&l)
			allowed++
		}
	}
	if allowed < 10000 || allowed > 10060 {
		t.Fatalf("%d errors allowed in 10 s at 1000/s with a burst of 50, want about 10050", allowed)
	}
}

// An error the global bucket refuses spends nothing of its destination's
// bucket (Linux checks the global bucket first, without spending).
func TestGlobalRefusalSparesDestination(t *testing.T) {
	l := LinuxICMPRateLimit
	var r rateLimiter
	x := netip.MustParseAddr("192.0.2.1")
	try := func(now sim.Time, dst netip.Addr) bool {
		if r.globalAllow(&l, now) && r.destAllow(&l, now, dst) {
			r.globalConsume(&l)
			return true
		}
		return false
	}
	for i := range 50 {
		if !try(0, netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})) {
			t.Fatalf("error %d of the burst refused", i)
		}
	}
	for range 6 {
		if try(0, x) {
			t.Fatal("the global bucket is spent: must refuse")
		}
	}
	// 100 ms later the global bucket has refilled and x's is untouched:
	// six errors go at once.
	for i := range 6 {
		if !try(sim.Time(100*time.Millisecond), x) {
			t.Fatalf("error %d to x refused: the refused ones spent x's tokens", i)
		}
	}
}
