package node

import (
	"net/netip"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

// The cache follows Linux's __ip_rt_update_pmtu, step by step.
func TestPMTUCacheRules(t *testing.T) {
	dst := netip.MustParseAddr("192.0.2.1")
	at := func(d time.Duration) sim.Time { return sim.Time(d) }
	type step struct {
		at     time.Duration
		report int // 0: a report of MTU 0; -1: just look
		mtu    int // want: the path MTU known after the step (0: none)
		locked bool
		expiry time.Duration
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"learn, never raise", []step{
			{0, 1400, 1400, false, 10 * time.Minute},
			{time.Minute, 1450, 1400, false, 10 * time.Minute},
			{2 * time.Minute, 1300, 1300, false, 12 * time.Minute},
		}},
		{"an equal report refreshes only in the second half", []step{
			{0, 1400, 1400, false, 10 * time.Minute},
			{time.Minute, 1400, 1400, false, 10 * time.Minute},
			{6 * time.Minute, 1400, 1400, false, 16 * time.Minute},
		}},
		{"below 552 locks at 552, and a lock is not refreshed", []step{
			{0, 500, PMTUMin, true, 10 * time.Minute},
			{9 * time.Minute, 400, PMTUMin, true, 10 * time.Minute},
			{10 * time.Minute, -1, 0, false, 0},
		}},
		{"a zero MTU locks too", []step{
			{0, 0, PMTUMin, true, 10 * time.Minute},
		}},
		{"expiry", []step{
			{0, 1400, 1400, false, 10 * time.Minute},
			{10*time.Minute - 1, -1, 1400, false, 10 * time.Minute},
			{10 * time.Minute, -1, 0, false, 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c pmtuCache
			for i, s := range tt.steps {
				if s.report >= 0 {
					c.learn(at(s.at), dst, s.report, 1500)
				}
				e, ok := c.lookup(at(s.at), dst)
				if !ok {
					e = pmtuEntry{}
				}
				if e.mtu != s.mtu || e.locked != s.locked || (ok && e.expires != at(s.expiry)) {
					t.Fatalf("step %d: %+v (known %v), want mtu %d locked %v expiring at %v", i, e, ok, s.mtu, s.locked, s.expiry)
				}
			}
		})
	}
}
