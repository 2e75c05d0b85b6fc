package resolver

import (
	"time"

	"github.com/hopsnet/hops/sim"
	"github.com/miekg/dns"
)

// Limits on what the cache keeps (RFC 2308 section 5 suggests one to
// three hours as the ceiling for negative answers; Unbound caps positive
// TTLs at a day).
const (
	maxTTL    = 86400
	maxNegTTL = 3 * 3600
)

// rank is how much a cached RRset is believed, after RFC 2181 section
// 5.4.1: glue and referral data rank below an authoritative answer, and
// data of a lower rank never replaces data of a higher one that is still
// live.
type rank uint8

const (
	rankGlue   rank = iota + 1 // additional section of a referral
	rankNS                     // NS set of a referral (the parent's copy)
	rankAnswer                 // answer or authority of an authoritative reply
)

// negKind says what a negative entry means.
type negKind uint8

const (
	positive negKind = iota
	nodata           // the name exists, without records of this type
	nxdomain         // the name does not exist (stored with type 0)
)

// cacheKey names an RRset: lower-case owner and type (0 for NXDOMAIN).
type cacheKey struct {
	name  string
	qtype uint16
}

// entry is one cached RRset or negative answer.
type entry struct {
	rrs     []dns.RR // the records (TTLs as received); the SOA of a negative entry
	neg     negKind
	rank    rank
	expires sim.Time
}

// cache is a bounded TTL cache. Entries leave in insertion order when it
// is full (a FIFO ring of keys keeps eviction deterministic, unlike a
// walk over a map).
type cache struct {
	max     int
	entries map[cacheKey]*entry
	order   []cacheKey // insertion order, oldest first; may hold stale keys
}

func newCache(max int) *cache {
	return &cache{max: max, entries: map[cacheKey]*entry{}}
}

// get returns the live entry for name and type, or nil.
func (c *cache) get(now sim.Time, name string, qtype uint16) *entry {
	if c == nil {
		return nil
	}
	e := c.entries[cacheKey{name, qtype}]
	if e == nil || now >= e.expires {
		return nil
	}
	return e
}

// put stores rrs (one RRset) for ttl seconds unless a live entry of a
// higher rank holds the key.
func (c *cache) put(now sim.Time, k cacheKey, e *entry, ttl uint32) {
	if c == nil || ttl == 0 {
		return
	}
	if old := c.entries[k]; old != nil && now < old.expires && old.rank > e.rank {
		return
	}
	e.expires = now.Add(time.Duration(ttl) * time.Second)
	if _, ok := c.entries[k]; !ok {
		c.order = append(c.order, k)
	}
	c.entries[k] = e
	for len(c.entries) > c.max && len(c.order) > 0 {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	if len(c.order) > 2*c.max+16 {
		c.compact()
	}
}

// compact drops keys from order that no longer have an entry.
func (c *cache) compact() {
	keep := c.order[:0]
	for _, k := range c.order {
		if _, ok := c.entries[k]; ok {
			keep = append(keep, k)
		}
	}
	c.order = keep
}

// putRRset caches one RRset; its TTL is the smallest of its records'
// (RFC 2181 section 5.2), capped at maxTTL.
func (c *cache) putRRset(now sim.Time, rrs []dns.RR, r rank) {
	if len(rrs) == 0 {
		return
	}
	h := rrs[0].Header()
	ttl := uint32(maxTTL)
	for _, rr := range rrs {
		ttl = min(ttl, rr.Header().Ttl)
	}
	c.put(now, cacheKey{dns.CanonicalName(h.Name), h.Rrtype}, &entry{rrs: rrs, rank: r}, ttl)
}

// putNegative caches a negative answer for name (and qtype, for NODATA)
// with the SOA from the authority section: its TTL is the smaller of the
// SOA's TTL and its MINIMUM field (RFC 2308 section 5). Without an SOA
// nothing is cached (section 5: "SHOULD NOT be cached").
func (c *cache) putNegative(now sim.Time, name string, qtype uint16, kind negKind, soa *dns.SOA) {
	if soa == nil {
		return
	}
	if kind == nxdomain {
		qtype = 0
	}
	ttl := min(soa.Hdr.Ttl, soa.Minttl, maxNegTTL)
	c.put(now, cacheKey{name, qtype}, &entry{rrs: []dns.RR{soa}, neg: kind, rank: rankAnswer}, ttl)
}

// withTTL returns copies of e's records with the TTL left at now.
func (e *entry) withTTL(now sim.Time) []dns.RR {
	left := uint32(e.expires.Sub(now) / time.Second) // whole seconds left, rounded down as Unbound does
	out := make([]dns.RR, len(e.rrs))
	for i, rr := range e.rrs {
		cp := dns.Copy(rr)
		cp.Header().Ttl = min(cp.Header().Ttl, left)
		if soa, ok := cp.(*dns.SOA); ok && e.neg != positive {
			// RFC 2308 section 5: the SOA of a negative answer from the
			// cache carries the TTL that remains.
			soa.Hdr.Ttl = left
		}
		out[i] = cp
	}
	return out
}

// Len is how many entries the cache holds (live or not yet evicted).
func (c *cache) Len() int { return len(c.entries) }
