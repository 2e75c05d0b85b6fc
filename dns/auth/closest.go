package auth

import "github.com/miekg/dns"

// walk goes down the zone from the apex towards qname (lower case, in the
// zone), one label at a time, as RFC 1034 section 4.3.2 step 3 does. It
// stops at the first zone cut below the apex (a name with NS records) and
// at the first name that does not exist. It returns the cut (or "" for
// none), the closest encloser (the deepest name on the way that exists,
// RFC 4592 section 3.3.1) and whether qname itself exists.
func (z *Zone) walk(qname string, qtype uint16) (cut, ce string, exact bool) {
	idx := dns.Split(qname)
	ce = z.Origin
	for i := len(idx) - z.labels - 1; i >= 0; i-- {
		name := qname[idx[i]:]
		nd := z.nodes[name]
		if nd == nil {
			return "", ce, false
		}
		ce = name
		if _, ok := nd.sets[dns.TypeNS]; ok {
			// RFC 4035 section 3.1.4.1: the parent side answers DS at the
			// cut itself.
			if i == 0 && qtype == dns.TypeDS {
				return "", ce, true
			}
			return name, ce, i == 0
		}
	}
	return "", ce, true
}
