package resolver

import (
	"net/netip"
	"time"
)

// Smoothed round-trip times, after BIND's ADB: a new sample weighs 0.3,
// a timeout doubles the estimate (capped), and a server never measured
// counts as unknownRTT, so it is tried before a known slow one.
const (
	unknownRTT = 200 * time.Millisecond
	maxRTT     = 5 * time.Second
	minTimeout = 250 * time.Millisecond
)

// infra remembers how each server address behaved.
type infra struct {
	srtt map[netip.Addr]time.Duration
}

func (f *infra) rtt(a netip.Addr) time.Duration {
	if d, ok := f.srtt[a]; ok {
		return d
	}
	return unknownRTT
}

// sample folds one measured round trip into the estimate.
func (f *infra) sample(a netip.Addr, rtt time.Duration) {
	old, ok := f.srtt[a]
	if !ok {
		f.srtt[a] = rtt
		return
	}
	f.srtt[a] = (7*old + 3*rtt) / 10
}

// timedOut backs the server off: its estimate doubles, up to maxRTT.
func (f *infra) timedOut(a netip.Addr) {
	f.srtt[a] = min(2*max(f.rtt(a), minTimeout), maxRTT)
}

// timeout is how long to wait for a: four smoothed RTTs, at least
// minTimeout, at most the configured ceiling; the ceiling for an address
// never measured.
func (f *infra) timeout(a netip.Addr, ceiling time.Duration) time.Duration {
	d, ok := f.srtt[a]
	if !ok {
		return ceiling
	}
	return min(max(4*d, minTimeout), ceiling)
}
