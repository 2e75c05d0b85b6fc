package auth

import "github.com/miekg/dns"

// edns handles the query's OPT record (RFC 6891). It returns the OPT to
// put in the response (nil when the query had none, as section 7 asks)
// and whether the query is answered with an error already: a second OPT
// is FORMERR (section 6.1.1), a version above 0 is BADVERS (section
// 6.1.3). The response's OPT carries the server's UDP size, no options,
// and the query's DO bit (RFC 3225 section 3: "The DO bit of the query
// MUST be copied in the response"; no zone is signed, so nothing else
// changes).
func (s *Server) edns(q, resp *dns.Msg) (opt *dns.OPT, bad bool) {
	n := 0
	var qopt *dns.OPT
	for _, rr := range q.Extra {
		if o, ok := rr.(*dns.OPT); ok {
			qopt = o
			n++
		}
	}
	if qopt == nil {
		return nil, false
	}
	opt = &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
	opt.SetUDPSize(s.udpSize())
	if qopt.Do() {
		opt.SetDo()
	}
	switch {
	case n > 1 || qopt.Hdr.Name != ".":
		resp.Rcode = dns.RcodeFormatError
		return opt, true
	case qopt.Version() != 0:
		// The extended RCODE's upper bits travel in the OPT; miekg's
		// packer splits resp.Rcode between header and OPT.
		resp.Rcode = dns.RcodeBadVers
		return opt, true
	}
	return opt, false
}

// udpSize is the size the server advertises.
func (s *Server) udpSize() uint16 {
	if s.UDPSize == 0 {
		return DefaultUDPSize
	}
	return max(s.UDPSize, 512)
}

// udpLimit is the largest UDP answer to q: 512 without EDNS0 (RFC 1035
// section 4.2.1), otherwise the client's size, at least 512 (RFC 6891
// section 6.2.5) and at most the server's own.
func (s *Server) udpLimit(q *dns.Msg) int {
	o := q.IsEdns0()
	if o == nil {
		return 512
	}
	return int(min(max(o.UDPSize(), 512), s.udpSize()))
}
