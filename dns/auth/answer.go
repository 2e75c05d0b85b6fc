package auth

import "github.com/miekg/dns"

// result is what the zone says about one question, before it becomes a
// message.
type result struct {
	rcode int
	aa    bool
	ans   []dns.RR
	ns    []dns.RR
	extra []dns.RR
	// required counts the records at the start of extra that must not be
	// dropped to fit (in-domain glue); the rest are optional.
	required int
	// seen holds the names already in extra, and the CNAME owners already
	// followed.
	seen map[string]bool
}

// maxChain bounds a CNAME chain followed inside the zone.
const maxChain = 8

// lookup answers qname (lower case, inside the zone) and qtype into r.
func (z *Zone) lookup(r *result, qname string, qtype uint16, depth int) {
	cut, ce, exact := z.walk(qname, qtype)
	switch {
	case cut != "":
		if depth == 0 {
			r.aa = false
		}
		z.referral(r, cut)
	case exact:
		z.answer(r, qname, z.nodes[qname], qtype, depth)
	default:
		if w := z.wildcard(ce); w != nil {
			z.answer(r, qname, w, qtype, depth)
			return
		}
		r.rcode = dns.RcodeNameError
		z.negative(r)
	}
}

// answer answers from the node nd for owner (qname itself, or the name a
// wildcard stands for): the RRset asked for, a CNAME to follow, or NODATA.
func (z *Zone) answer(r *result, owner string, nd *node, qtype uint16, depth int) {
	if qtype != dns.TypeCNAME && len(nd.sets[dns.TypeCNAME]) == 1 {
		z.cname(r, owner, nd.sets[dns.TypeCNAME][0].(*dns.CNAME), qtype, depth)
		return
	}
	n := len(r.ans)
	if qtype == dns.TypeANY {
		for _, set := range sortedSets(nd) {
			r.ans = appendOwned(r.ans, set, owner)
		}
	} else {
		r.ans = appendOwned(r.ans, nd.sets[qtype], owner)
	}
	if len(r.ans) == n {
		// NODATA: the name exists, the type does not (RFC 2308 section 2.2).
		z.negative(r)
		return
	}
	z.additional(r, r.ans[n:])
}

// negative puts the SOA in the authority section of an NXDOMAIN or NODATA
// answer, with the TTL RFC 2308 section 3 asks for: the smaller of the
// SOA's own TTL and its MINIMUM field.
func (z *Zone) negative(r *result) {
	soa := *z.SOA
	soa.Hdr.Ttl = min(soa.Hdr.Ttl, soa.Minttl)
	r.ns = append(r.ns, &soa)
}

// appendOwned appends set to dst, each record renamed to owner when it
// differs (wildcard synthesis, RFC 4592 section 4.1: the owner becomes
// the query name).
func appendOwned(dst, set []dns.RR, owner string) []dns.RR {
	for _, rr := range set {
		if rr.Header().Name != owner {
			rr = dns.Copy(rr)
			rr.Header().Name = owner
		}
		dst = append(dst, rr)
	}
	return dst
}

// sortedSets returns a node's RRsets in type order, for ANY.
func sortedSets(nd *node) [][]dns.RR {
	var out [][]dns.RR
	for t := 0; t <= 0xffff && len(out) < len(nd.sets); t++ {
		if s, ok := nd.sets[uint16(t)]; ok {
			out = append(out, s)
		}
	}
	return out
}
