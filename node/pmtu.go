package node

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/hopsnet/hops/sim"
)

// PMTUDisc is a sender's path-MTU discovery mode (RFC 1191), as Linux's
// IP_MTU_DISCOVER socket option sets it.
type PMTUDisc uint8

// Path-MTU discovery modes. The zero value is Linux's default for every
// socket, PMTUWant (ip_no_pmtu_disc=0).
const (
	// PMTUWant sets DF when the datagram fits the path MTU and fragments
	// it locally (without DF) when it does not (IP_PMTUDISC_WANT).
	PMTUWant PMTUDisc = iota
	// PMTUDont never sets DF and fragments locally to the path MTU
	// (IP_PMTUDISC_DONT).
	PMTUDont
	// PMTUDo always sets DF and refuses a datagram larger than the path
	// MTU with a local "message too long" (IP_PMTUDISC_DO).
	PMTUDo
	// PMTUProbe always sets DF and ignores the path-MTU cache: only the
	// interface's MTU limits it (IP_PMTUDISC_PROBE).
	PMTUProbe
)

// String returns the mode as ping -M spells it: want, dont, do, probe.
func (m PMTUDisc) String() string {
	switch m {
	case PMTUWant:
		return "want"
	case PMTUDont:
		return "dont"
	case PMTUDo:
		return "do"
	case PMTUProbe:
		return "probe"
	}
	return fmt.Sprintf("PMTUDisc(%d)", uint8(m))
}

// ParsePMTUDisc reads a mode as ping -M takes it.
func ParsePMTUDisc(s string) (PMTUDisc, error) {
	for _, m := range []PMTUDisc{PMTUWant, PMTUDont, PMTUDo, PMTUProbe} {
		if s == m.String() {
			return m, nil
		}
	}
	return 0, fmt.Errorf("invalid path MTU discovery mode %q (want do, want, dont or probe)", s)
}

// Path-MTU cache constants, Linux's defaults.
const (
	// PMTUExpires is how long a learned path MTU is kept (ip_rt_mtu_expires).
	PMTUExpires = 10 * time.Minute
	// PMTUMin is the smallest path MTU a node believes
	// (ip_rt_min_pmtu = 512 + 20 + 20); a smaller report locks the path
	// at this MTU and stops DF on it.
	PMTUMin = 552
	// pmtuEntriesMax bounds the cache; learning a new destination when it
	// is full first forgets the expired entries, then the soonest to
	// expire.
	pmtuEntriesMax = 4096
)

// TooBigError is the local error for a datagram that does not fit the
// path MTU with DF: ping prints "local error: message too long, mtu=1400".
// It unwraps to ErrTooBig.
type TooBigError struct {
	Node string
	Size int // the datagram's length
	MTU  int // the path MTU it exceeds
}

// Error describes the refusal with the sizes.
func (e *TooBigError) Error() string {
	return fmt.Sprintf("%s: %d-byte datagram over the %d-byte path MTU with DF: %v", e.Node, e.Size, e.MTU, ErrTooBig)
}

// Unwrap returns ErrTooBig.
func (e *TooBigError) Unwrap() error { return ErrTooBig }

// pmtuEntry is what a node learned about the path to one destination.
type pmtuEntry struct {
	mtu     int
	expires sim.Time
	locked  bool // a report below PMTUMin: send without DF
}

// pmtuCache holds path MTUs learned from ICMP fragmentation needed
// (RFC 1191), per destination, as Linux keeps them in its route cache's
// exceptions.
type pmtuCache struct {
	m map[netip.Addr]pmtuEntry
}

// lookup returns the learned path MTU to dst, if one is current.
func (c *pmtuCache) lookup(now sim.Time, dst netip.Addr) (pmtuEntry, bool) {
	e, ok := c.m[dst]
	if !ok {
		return e, false
	}
	if now >= e.expires {
		delete(c.m, dst)
		return e, false
	}
	return e, true
}

// learn records a fragmentation-needed report of mtu for the path to dst,
// whose interface MTU is ifMTU, as Linux's __ip_rt_update_pmtu does: a
// locked path is left alone until it expires; a report never raises the
// path MTU; one below PMTUMin (a zero from a pre-RFC 1191 router too)
// locks the path at PMTUMin, where datagrams go without DF; and a report
// equal to what is known refreshes the entry only once less than half of
// its lifetime is left.
func (c *pmtuCache) learn(now sim.Time, dst netip.Addr, mtu, ifMTU int) {
	old := ifMTU
	cur, ok := c.lookup(now, dst)
	if ok {
		if cur.locked {
			return
		}
		old = cur.mtu
	}
	if mtu > old {
		return
	}
	locked := false
	if mtu < PMTUMin {
		locked, mtu = true, min(old, PMTUMin)
	}
	if ok && cur.mtu == mtu && !locked && now < cur.expires.Add(-PMTUExpires/2) {
		return
	}
	if c.m == nil {
		c.m = map[netip.Addr]pmtuEntry{}
	}
	if !ok && len(c.m) >= pmtuEntriesMax {
		c.evict(now)
	}
	c.m[dst] = pmtuEntry{mtu: mtu, expires: now.Add(PMTUExpires), locked: locked}
}

// evict makes room: expired entries go, and if none had, the one that
// expires soonest.
func (c *pmtuCache) evict(now sim.Time) {
	var oldest netip.Addr
	var at sim.Time = -1
	for a, e := range c.m {
		if now >= e.expires {
			delete(c.m, a)
			continue
		}
		if at < 0 || e.expires < at || (e.expires == at && a.Less(oldest)) {
			oldest, at = a, e.expires
		}
	}
	if len(c.m) >= pmtuEntriesMax {
		delete(c.m, oldest)
	}
}

// PathMTU returns the MTU of the path to dst as the node knows it: the
// outgoing interface's MTU, or less if an ICMP fragmentation needed taught
// it so within the last PMTUExpires. A transport sizes its segments by it
// (TCP's MSS is PathMTU - 40).
func (n *Node) PathMTU(dst netip.Addr) (int, error) {
	if n.HasAddr(dst) {
		return 65535, nil // the loopback path has no MTU to speak of
	}
	_, out, err := n.route(dst)
	if err != nil {
		return 0, err
	}
	mtu := out.MTU()
	if e, ok := n.pmtu.lookup(n.k.Now(), dst); ok && e.mtu < mtu {
		mtu = e.mtu
	}
	return mtu, nil
}
