package world

import (
	"net/netip"

	"github.com/hopsnet/hops/node"
)

// Route aggregation for the oracle's large tables. A router of a big
// world would otherwise hold one route per subnet of the world (15,000
// on a 10,000-router world, 8 MB each table). When a table would hold
// more than aggregateAbove computed routes, two routes for the halves of
// one prefix with the same next hop become one route for the whole
// prefix, over and over (10.0.0.0/30 and 10.0.0.4/30 via the same
// router make 10.0.0.0/29). The merged table forwards every address
// exactly as the full one would: a merged prefix covers just the
// addresses of its two halves, and longer routes inside it still win.
// So forwarding, captures and traces are the same; only the table that
// `hops routes` shows is shorter, and a merged route's metric is the
// least of its parts'. Connected routes are never merged.

// aggregateAbove is how many computed routes a table holds at most
// before they are aggregated (a variable so that tests can lower it).
var aggregateAbove = 512

// aggregate merges the routes rs (none of them connected, at most one
// per prefix) as described above, in an order that depends on rs alone.
// taken reports a prefix that must not be made (a connected subnet).
func aggregate(rs []node.Route, taken func(netip.Prefix) bool) []node.Route {
	at := make(map[uint64]int, len(rs)) // a live route's index in rs, by prefixKey
	var byLen [33][]int
	for i, r := range rs {
		at[prefixKey(r.Prefix)] = i
		byLen[r.Prefix.Bits()] = append(byLen[r.Prefix.Bits()], i)
	}
	dead := make([]bool, len(rs), len(rs)+len(rs)/2)
	drop := func(i int) {
		dead[i] = true
		delete(at, prefixKey(rs[i].Prefix))
	}
	for l := 32; l >= 1; l-- {
		for _, i := range byLen[l] {
			if dead[i] {
				continue
			}
			r := rs[i]
			j, ok := at[prefixKey(sibling(r.Prefix))]
			if !ok || !sameHop(rs[j], r) {
				continue
			}
			parent := netip.PrefixFrom(r.Prefix.Addr(), l-1).Masked()
			if taken(parent) {
				continue
			}
			if k, ok := at[prefixKey(parent)]; ok {
				if sameHop(rs[k], r) {
					drop(i) // the parent routes both halves alike already
					drop(j)
				}
				continue
			}
			m := min(r.Metric, rs[j].Metric)
			drop(i)
			drop(j)
			rs = append(rs, node.Route{Prefix: parent, Iface: r.Iface, NextHop: r.NextHop, Metric: m})
			dead = append(dead, false)
			at[prefixKey(parent)] = len(rs) - 1
			byLen[l-1] = append(byLen[l-1], len(rs)-1)
		}
	}
	out := rs[:0]
	for i := range rs {
		if !dead[i] {
			out = append(out, rs[i])
		}
	}
	return out
}

// prefixKey packs an IPv4 prefix into a map key cheaper to hash than
// netip.Prefix.
func prefixKey(p netip.Prefix) uint64 {
	b := p.Addr().As4()
	return uint64(b[0])<<40 | uint64(b[1])<<32 | uint64(b[2])<<24 | uint64(b[3])<<16 | uint64(p.Bits())
}

// sibling returns the other half of the prefix one bit shorter than p.
func sibling(p netip.Prefix) netip.Prefix {
	b := p.Addr().As4()
	bit := 32 - p.Bits() // the last bit of the prefix, counted from the right
	b[3-bit/8] ^= 1 << (bit % 8)
	return netip.PrefixFrom(netip.AddrFrom4(b), p.Bits())
}

// sameHop reports whether a and b send datagrams the same way.
func sameHop(a, b node.Route) bool {
	return a.Iface == b.Iface && a.NextHop == b.NextHop && len(a.Alt) == 0 && len(b.Alt) == 0
}
