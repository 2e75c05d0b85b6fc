package auth

import "github.com/miekg/dns"

// cname answers a name that holds a CNAME (RFC 1034 section 4.3.2 step
// 3a): the CNAME goes in the answer and, when its target is inside the
// zone, the lookup goes on at the target, up to maxChain links and never
// round a loop. The RCODE is that of the last name of the chain (RFC
// 6604 section 2.1), so a chain ending at a missing name is NXDOMAIN.
func (z *Zone) cname(r *result, owner string, c *dns.CNAME, qtype uint16, depth int) {
	r.ans = appendOwned(r.ans, []dns.RR{c}, owner)
	target := dns.CanonicalName(c.Target)
	if depth+1 >= maxChain || !dns.IsSubDomain(z.Origin, target) {
		return
	}
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	r.seen["cname:"+owner] = true
	if r.seen["cname:"+target] {
		return // a loop: the chain stops where it would come round
	}
	z.lookup(r, target, qtype, depth+1)
}
