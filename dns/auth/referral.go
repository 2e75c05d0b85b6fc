package auth

import "github.com/miekg/dns"

// referral answers a query for a name at or below the zone cut cut: no
// answer, AA off, the child's NS RRset in the authority section and the
// glue the parent holds for those servers in the additional section (RFC
// 1034 section 4.3.2 step 3b). Glue for servers inside the delegated zone
// (in-domain glue) is required: without it the referral is useless, so
// truncation must not drop it silently (RFC 9471).
func (z *Zone) referral(r *result, cut string) {
	ns := z.nodes[cut].sets[dns.TypeNS]
	r.ns = append(r.ns, ns...)
	for _, rr := range ns {
		target := dns.CanonicalName(rr.(*dns.NS).Ns)
		if !dns.IsSubDomain(z.Origin, target) {
			continue
		}
		required := dns.IsSubDomain(cut, target)
		z.addAddresses(r, target, required)
	}
}
