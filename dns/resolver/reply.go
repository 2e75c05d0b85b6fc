package resolver

import (
	"github.com/hopsnet/hops/sim"
	"github.com/miekg/dns"
)

// HandleQuery takes a client's query (a stub resolver asking with RD).
// client is the caller's name for whoever asked, handed back in the
// Result; tcp says the query came over TCP, which lifts the size limit.
// The answer comes out of AppendResults, at once when the cache holds it.
// It returns ErrDrop for a message that gets no answer at all.
func (r *Resolver) HandleQuery(now sim.Time, client uint64, tcp bool, msg []byte) (RequestID, error) {
	if len(msg) < 12 || msg[2]&0x80 != 0 {
		return 0, ErrDrop
	}
	q := new(dns.Msg)
	if err := q.Unpack(msg); err != nil {
		// FORMERR with the query's ID and opcode (RFC 1035 section 4.1.1).
		r.nextReq++
		h := []byte{msg[0], msg[1], 0x80 | msg[2]&0x79, 0x80 | byte(dns.RcodeFormatError), 0, 0, 0, 0, 0, 0, 0, 0}
		r.results = append(r.results, Result{Req: r.nextReq, Client: client, Wire: h})
		return r.nextReq, nil
	}
	r.stats.Requests++
	req := r.newRequest(now, "", 0)
	req.client, req.cq, req.tcp = client, q, tcp
	rcode := dns.RcodeSuccess
	o := q.IsEdns0()
	switch {
	case q.Opcode != dns.OpcodeQuery:
		rcode = dns.RcodeNotImplemented
	case len(q.Question) != 1:
		rcode = dns.RcodeFormatError
	case o != nil && o.Version() != 0:
		rcode = dns.RcodeBadVers
	case q.Question[0].Qclass != dns.ClassINET:
		rcode = dns.RcodeNotImplemented
	case q.Question[0].Qtype == dns.TypeAXFR || q.Question[0].Qtype == dns.TypeIXFR:
		rcode = dns.RcodeRefused
	}
	if rcode != dns.RcodeSuccess {
		req.done = true
		r.results = append(r.results, r.reply(req, rcode, nil, nil, nil))
		return req.id, nil
	}
	req.name, req.qtype = dns.CanonicalName(q.Question[0].Name), q.Question[0].Qtype
	req.trace.Name, req.trace.QType = req.name, req.qtype
	// RD clear: answer from the cache only, as BIND and Unbound do.
	req.cacheOny = !q.RecursionDesired
	r.start(now, req)
	return req.id, nil
}

// reply builds req's answer: RA set, the client's ID, flags and question,
// an OPT when the client sent one (with the extended error, RFC 8914
// section 3), and the wire bytes cut to fit a UDP client (TC set).
func (r *Resolver) reply(req *request, rcode int, ans, ns []dns.RR, ede *dns.EDNS0_EDE) Result {
	m := new(dns.Msg)
	m.Response, m.RecursionAvailable, m.Opcode, m.Compress = true, true, dns.OpcodeQuery, true
	m.Rcode, m.Answer, m.Ns = rcode, ans, ns
	var copt *dns.OPT
	if q := req.cq; q != nil {
		m.Id, m.Opcode, m.RecursionDesired, m.CheckingDisabled = q.Id, q.Opcode, q.RecursionDesired, q.CheckingDisabled
		m.Question = q.Question
		copt = q.IsEdns0()
	} else {
		m.RecursionDesired = true
		m.Question = []dns.Question{{Name: req.name, Qtype: req.qtype, Qclass: dns.ClassINET}}
	}
	if copt != nil || req.cq == nil {
		opt := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
		opt.SetUDPSize(r.cfg.UDPSize)
		if ede != nil {
			opt.Option = append(opt.Option, ede)
		}
		m.Extra = append(m.Extra, opt)
	}
	res := Result{Req: req.id, Client: req.client, Msg: m, Trace: req.trace}
	if req.cq == nil {
		return res
	}
	limit := 0xffff
	if !req.tcp {
		limit = 512
		if copt != nil {
			limit = int(min(max(copt.UDPSize(), 512), r.cfg.UDPSize))
		}
	}
	wire, err := m.Pack()
	if err == nil && len(wire) > limit {
		// RFC 2181 section 9: too big for the datagram; TC tells the
		// client to ask over TCP.
		t := m.Copy()
		t.Truncate(limit)
		t.Truncated = true
		wire, err = t.Pack()
	}
	if err != nil {
		m.Answer, m.Ns, m.Rcode = nil, nil, dns.RcodeServerFailure
		wire, _ = m.Pack()
	}
	res.Wire = wire
	return res
}
