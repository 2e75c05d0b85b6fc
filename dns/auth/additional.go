package auth

import "github.com/miekg/dns"

// additional adds the A and AAAA records the zone holds for the targets
// of NS, MX and SRV records in rrs (RFC 1034 section 4.3.2 step 6, RFC
// 1035 section 3.3.9, RFC 2782). They are optional: a UDP answer that is
// too large drops them before it sets TC.
func (z *Zone) additional(r *result, rrs []dns.RR) {
	for _, rr := range rrs {
		var target string
		switch rr := rr.(type) {
		case *dns.NS:
			target = rr.Ns
		case *dns.MX:
			target = rr.Mx
		case *dns.SRV:
			target = rr.Target
		default:
			continue
		}
		target = dns.CanonicalName(target)
		if dns.IsSubDomain(z.Origin, target) {
			z.addAddresses(r, target, false)
		}
	}
}

// addAddresses adds target's A and AAAA RRsets to the additional
// section, once per name. Required records (glue) go before the optional
// ones.
func (z *Zone) addAddresses(r *result, target string, required bool) {
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if r.seen[target] {
		return
	}
	r.seen[target] = true
	nd := z.nodes[target]
	if nd == nil {
		return
	}
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		for _, rr := range nd.sets[t] {
			if required {
				r.extra = append(r.extra, nil)
				copy(r.extra[r.required+1:], r.extra[r.required:])
				r.extra[r.required] = rr
				r.required++
			} else {
				r.extra = append(r.extra, rr)
			}
		}
	}
}
