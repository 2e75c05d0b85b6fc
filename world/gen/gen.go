// Package gen generates large worlds for scale runs: autonomous systems
// of routers with links inside and between them, and a server in each,
// written as a scenario file (YAML) that hops loads like any other.
//
// The shape, all drawn from the seed: AS i has Routers/ASes routers
// (the first ASes take the remainder) joined in a ring with a chord per
// two routers; the first three ASes form a fully meshed core, and every
// later AS links to one or two earlier ASes (its providers) and, with
// probability one half, to one more (a peer). A server hangs off one
// router of each AS. Every router carries its AS number (ASN) and the
// relationships are written for BGP: the core's ASes peer with each
// other, a later AS is a customer of the ASes it links to first and a
// peer of the extra one. Link delays are 1–10 ms inside an AS and 2–20 ms
// between ASes. Addresses: a /30 per link from 198.18.0.0/15 (the
// benchmarking range), so a world holds at most 32,768 links; each AS
// takes one run of consecutive /30s for its links inside, the link to
// its server and its links to earlier ASes, so that the routes towards
// it aggregate.
package gen

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
)

// Config says what to generate.
type Config struct {
	Routers int    // routers in all, at least ASes
	ASes    int    // autonomous systems, at least 1
	Seed    uint64 // the same seed gives the same world
	Routing string // the scenario's routing key ("" leaves it out)
}

// maxLinks is how many /30 subnets 198.18.0.0/15 holds.
const maxLinks = 1 << 15

// Internet returns the scenario file of a generated world.
func Internet(c Config) ([]byte, error) {
	switch {
	case c.ASes < 1:
		return nil, errors.New("gen: at least one AS")
	case c.Routers < c.ASes:
		return nil, fmt.Errorf("gen: %d routers for %d ASes: want at least one router per AS", c.Routers, c.ASes)
	}
	r := rand.New(rand.NewPCG(c.Seed, 0x9e3779b97f4a7c15))
	var b strings.Builder
	fmt.Fprintf(&b, "# hops generated world: %d routers in %d ASes, seed %d\nname: generated-%d-%d\n", c.Routers, c.ASes, c.Seed, c.Routers, c.ASes)
	if c.Routing != "" {
		fmt.Fprintf(&b, "routing: %s\n", c.Routing)
	}
	b.WriteString("nodes:\n")
	routers := make([][]string, c.ASes)
	for as := 0; as < c.ASes; as++ {
		n := c.Routers / c.ASes
		if as < c.Routers%c.ASes {
			n++
		}
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("as%d-r%d", as, i)
			routers[as] = append(routers[as], name)
			role := "router"
			if i == 0 {
				role = "backbone"
			}
			fmt.Fprintf(&b, "  - {name: %s, role: %s, as: %d}\n", name, role, ASN(as))
		}
		fmt.Fprintf(&b, "  - {name: as%d-server, role: server}\n", as)
	}
	// Links are drawn first and addressed afterwards, AS by AS: an AS's
	// links inside it, to its server and to the earlier ASes it links to
	// take consecutive /30s, so the routes towards an AS aggregate into a
	// few prefixes (see world's oracle).
	type genLink struct {
		x, y  string
		delay int
		as    int // the AS whose block addresses the link
	}
	var links []genLink
	link := func(as int, x, y string, lo, hi int) {
		links = append(links, genLink{x, y, lo + r.IntN(hi-lo+1), as})
	}
	for as, rs := range routers {
		n := len(rs)
		for i := 0; n > 1 && i < n && (n > 2 || i == 0); i++ {
			link(as, rs[i], rs[(i+1)%n], 1, 10)
		}
		for i := 0; i+2 < n; i += 2 {
			j := (i + 2 + r.IntN(n-2)) % n
			if j != i && j != (i+1)%n && (j+1)%n != i {
				link(as, rs[i], rs[j], 1, 10)
			}
		}
		link(as, rs[r.IntN(n)], fmt.Sprintf("as%d-server", as), 1, 1)
	}
	pick := func(as int) string { return routers[as][r.IntN(len(routers[as]))] }
	// The relationships, for BGP: the core's ASes peer, an AS's first
	// links go to its providers, its extra link to a peer (unless that AS
	// is a provider already).
	type pair struct{ a, b int }
	rel := map[pair]string{}
	var rels []pair
	relate := func(a, b int, kind string) {
		k := pair{min(a, b), max(a, b)}
		if _, ok := rel[k]; !ok {
			rel[k] = kind
			rels = append(rels, pair{a, b})
		}
	}
	for as := 1; as < c.ASes; as++ {
		switch {
		case as < 3:
			for p := 0; p < as; p++ {
				link(as, pick(as), pick(p), 2, 20)
				relate(p, as, "peer")
			}
		default:
			providers := 1 + r.IntN(2)
			for k := 0; k < providers; k++ {
				x := pick(as) // draws in the order they always had
				p := r.IntN(as)
				link(as, x, pick(p), 2, 20)
				relate(p, as, "provider")
			}
			if r.IntN(2) == 0 {
				x := pick(as)
				p := r.IntN(as)
				link(as, x, pick(p), 2, 20)
				relate(p, as, "peer")
			}
		}
	}
	if len(links) > maxLinks {
		return nil, fmt.Errorf("gen: %d links, more than %d: too many routers", len(links), maxLinks)
	}
	slices.SortStableFunc(links, func(a, b genLink) int { return a.as - b.as })
	if len(rels) > 0 {
		b.WriteString("as-relationships:\n")
		for _, p := range rels {
			if rel[pair{min(p.a, p.b), max(p.a, p.b)}] == "peer" {
				fmt.Fprintf(&b, "  - {peer: %d, peer-with: %d}\n", ASN(p.a), ASN(p.b))
			} else {
				fmt.Fprintf(&b, "  - {provider: %d, customer: %d}\n", ASN(p.a), ASN(p.b))
			}
		}
	}
	b.WriteString("links:\n")
	for next, l := range links {
		base := netip.AddrFrom4([4]byte{198, 18 + byte(next>>14), byte(next >> 6), byte(next<<2) & 0xfc})
		a := base.Next()
		fmt.Fprintf(&b, "  - {a: %s %s/30, b: %s %s/30, rate: 10Gbps, delay: %dms}\n", l.x, a, l.y, a.Next(), l.delay)
	}
	return []byte(b.String()), nil
}

// ASN is the AS number of generated AS i: from the 4-octet private-use
// range (RFC 6996), 4200000000 upwards, since the documentation ranges
// hold only 32.
func ASN(i int) int { return 4200000000 + i }

// DiamondConfig shapes Diamond's world.
type DiamondConfig struct {
	ECMP  string // r1's and r4's ecmp key: "per-flow", "per-packet", or "" (the default)
	Delay string // every link's delay, e.g. "1ms"
	Rate  string // every link's rate, e.g. "10Gbps"; "" unlimited
}

// Diamond returns the smallest world with equal-cost paths, routed by
// OSPF: h1 — r1 — (r2 | r3) — r4 — h2 (a server), every link alike, so r1
// and r4 each have two paths of one cost to the other side.
func Diamond(c DiamondConfig) []byte {
	ecmp, props := "", "delay: "+c.Delay
	if c.ECMP != "" {
		ecmp = ", ecmp: " + c.ECMP
	}
	if c.Rate != "" {
		props = "rate: " + c.Rate + ", " + props
	}
	var b strings.Builder
	fmt.Fprintf(&b, "routing: ospf\nnodes:\n  - {name: h1, role: host}\n  - {name: r1, role: router%s}\n  - {name: r2, role: router}\n  - {name: r3, role: router}\n  - {name: r4, role: router%s}\n  - {name: h2, role: server}\nlinks:\n", ecmp, ecmp)
	for _, l := range [][4]string{
		{"h1", "10.0.1.2/24", "r1", "10.0.1.1/24"},
		{"r1", "10.9.0.1/30", "r2", "10.9.0.2/30"},
		{"r1", "10.9.0.5/30", "r3", "10.9.0.6/30"},
		{"r2", "10.9.0.9/30", "r4", "10.9.0.10/30"},
		{"r3", "10.9.0.13/30", "r4", "10.9.0.14/30"},
		{"r4", "10.0.2.1/24", "h2", "10.0.2.2/24"},
	} {
		fmt.Fprintf(&b, "  - {a: %s %s, b: %s %s, %s}\n", l[0], l[1], l[2], l[3], props)
	}
	return []byte(b.String())
}
