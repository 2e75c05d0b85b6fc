package dnsjudge

import (
	"fmt"
	"slices"

	"github.com/miekg/dns"
)

// The named differences between hops and Knot DNS 3.2. Each says why the
// two disagree and which RFC backs which side; each Mask checks the
// difference is exactly that before it removes it.

// cdCopied: hops copies the CD bit of the query into the response, Knot
// clears it.
var cdCopied = &difference{
	Name: "CD copied",
	Why: "RFC 4035 section 3.1.6: the name server side SHOULD copy the CD bit from the " +
		"query to the response; hops does, Knot 3.2 leaves it clear in an authoritative answer " +
		"(it has no DNSSEC data to check for an unsigned zone). hops follows the RFC",
	Mask: func(h, k *dns.Msg) error {
		if !h.CheckingDisabled || k.CheckingDisabled {
			return fmt.Errorf("want CD set by hops and clear by knot; hops %v, knot %v", h.CheckingDisabled, k.CheckingDisabled)
		}
		h.CheckingDisabled = false
		return nil
	},
}

// chaosIdentity: Knot answers version.bind CH TXT with its version.
var chaosIdentity = &difference{
	Name: "CHAOS identity queries",
	Why: "Knot answers version.bind/id.server in class CH with its own name and version " +
		"(a convention, RFC 4892 section 2, not a requirement); hops serves only class IN and " +
		"REFUSES a class it has no zone for (RFC 1035 section 4.1.1), as the issue asks",
	Mask: func(h, k *dns.Msg) error {
		if h.Rcode != dns.RcodeRefused || k.Rcode != dns.RcodeSuccess || len(k.Answer) != 1 ||
			k.Answer[0].Header().Class != dns.ClassCHAOS {
			return fmt.Errorf("want REFUSED from hops, one CH record from knot")
		}
		k.Rcode, k.Answer = h.Rcode, nil
		return nil
	},
}

// twoQuestions: Knot drops a query with QDCOUNT 2, hops answers FORMERR.
var twoQuestions = &difference{
	Name:       "QDCOUNT > 1",
	KnotSilent: true,
	Why: "RFC 9619 section 4: a QUERY with QDCOUNT > 1 is malformed and the server " +
		"should answer FORMERR; hops does, Knot 3.2 (older than RFC 9619) sends nothing",
	Mask: func(h, k *dns.Msg) error {
		if h.Rcode != dns.RcodeFormatError || len(h.Answer)+len(h.Ns)+len(h.Extra) != 0 {
			return fmt.Errorf("want an empty FORMERR from hops")
		}
		return nil
	},
}

// notifyRefused: Knot answers a NOTIFY from a master it does not know
// NOTAUTH; hops does not implement NOTIFY.
var notifyRefused = &difference{
	Name: "NOTIFY",
	Why: "hops has no secondary zones, so NOTIFY (RFC 1996) is an opcode it does not implement: " +
		"NOTIMP (RFC 1035 section 4.1.1); Knot implements it and answers NOTAUTH to a " +
		"sender not allowed by its ACL",
	Mask: func(h, k *dns.Msg) error {
		if h.Rcode != dns.RcodeNotImplemented || k.Rcode != dns.RcodeNotAuth {
			return fmt.Errorf("want NOTIMP from hops, NOTAUTH from knot")
		}
		k.Rcode = h.Rcode
		return nil
	},
}

// axfrRefused: zone transfers are refused, with different codes.
var axfrRefused = &difference{
	Name: "AXFR refused",
	Why: "neither server transfers zones to this client; hops says REFUSED, the code RFC 5936 " +
		"section 4.2 and RFC 1035 section 4.1.1 give for policy, Knot says NOTAUTH (its choice " +
		"when no ACL allows the transfer)",
	Mask: func(h, k *dns.Msg) error {
		if h.Rcode != dns.RcodeRefused || k.Rcode != dns.RcodeNotAuth {
			return fmt.Errorf("want REFUSED from hops, NOTAUTH from knot")
		}
		k.Rcode = h.Rcode
		return nil
	},
}

// anyInFull: hops answers ANY with every RRset, Knot with one.
var anyInFull = &difference{
	Name: "ANY answered in full",
	Why: "RFC 8482 section 4 lets a server answer ANY with a subset of the RRsets, and Knot " +
		"answers with one (over UDP and TCP); hops gives every RRset at the name (RFC 1035 " +
		"section 3.2.3), which RFC 8482 still allows and which `hops dig ANY` wants to show",
	Mask: func(h, k *dns.Msg) error {
		hs, ks := rrSet(h.Answer), rrSet(k.Answer)
		if len(ks) == 0 || len(hs) <= len(ks) {
			return fmt.Errorf("want more records from hops than from knot")
		}
		for _, s := range ks {
			if !slices.Contains(hs, s) {
				return fmt.Errorf("knot's %q is not in hops' answer", s)
			}
		}
		h.Answer = k.Answer
		// The addresses of the targets of the RRsets Knot left out go too.
		ke := rrSet(k.Extra)
		var keep []dns.RR
		for _, rr := range h.Extra {
			if rr.Header().Rrtype == dns.TypeOPT || slices.Contains(ke, rrSet([]dns.RR{rr})[0]) {
				keep = append(keep, rr)
			}
		}
		h.Extra = keep
		return nil
	},
}

// axfrUDP: AXFR over UDP.
var axfrUDP = &difference{
	Name: "AXFR over UDP",
	Why: "AXFR over UDP is not defined (RFC 5936 section 4.2); Knot answers NOTIMP, hops REFUSED, " +
		"as for any transfer it will not do (RFC 1035 section 4.1.1)",
	Mask: func(h, k *dns.Msg) error {
		if h.Rcode != dns.RcodeRefused || k.Rcode != dns.RcodeNotImplemented {
			return fmt.Errorf("want REFUSED from hops, NOTIMP from knot")
		}
		k.Rcode = h.Rcode
		return nil
	},
}
