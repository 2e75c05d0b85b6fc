package resolver

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/hopsnet/hops/sim"
	"github.com/miekg/dns"
)

// HandleResponse takes msg, which arrived from `from` for query id. It
// reports whether the transaction is over (the caller may close its
// socket): an answer that does not match the query — another source, ID
// or question, or no QR bit — is ignored and the query still waits
// (RFC 5452 section 9.1), so a spoofed datagram can neither poison the
// cache nor end the wait.
func (r *Resolver) HandleResponse(now sim.Time, id TxID, from netip.Addr, msg []byte) bool {
	x := r.txs[id]
	if x == nil {
		return true
	}
	var m dns.Msg
	why := ""
	switch {
	case from.Unmap() != x.server:
		why = fmt.Sprintf("from %s, not the server asked", from)
	case m.Unpack(msg) != nil:
		why = "does not parse"
	default:
		why = mismatch(x, &m)
	}
	if why != "" {
		r.stats.Ignored++
		x.task.step(now, stepFor(x, "ignored", why, nil, 0))
		return false
	}
	r.endTx(x)
	rtt := now.Sub(x.sent)
	r.infra.sample(x.server, rtt)
	raw := append([]byte(nil), msg...)
	t := x.task
	if t.done {
		return true
	}
	if m.Truncated && !x.tcp {
		// RFC 7766 section 5: a truncated answer is asked again over TCP.
		t.step(now, stepFor(x, "truncated", "asking again over TCP", raw, rtt))
		r.send(now, t, &nsServer{name: x.serverName}, x.server, true)
		return true
	}
	r.handleAnswer(now, x, &m, raw, rtt)
	return true
}

// mismatch says why m does not answer x ("" when it does).
func mismatch(x *tx, m *dns.Msg) string {
	switch {
	case !m.Response:
		return "QR bit clear"
	case m.Id != x.msgID:
		return fmt.Sprintf("ID %d, not %d", m.Id, x.msgID)
	case m.Opcode != dns.OpcodeQuery:
		return "opcode " + dns.OpcodeToString[m.Opcode]
	case len(m.Question) != 1:
		return fmt.Sprintf("%d questions", len(m.Question))
	}
	q := m.Question[0]
	if !strings.EqualFold(q.Name, x.qname) || q.Qtype != x.qtype || q.Qclass != dns.ClassINET {
		return fmt.Sprintf("question %s %s, not %s %s", q.Name, dns.Type(q.Qtype), x.qname, dns.Type(x.qtype))
	}
	return ""
}

// handleAnswer acts on a matching answer to x.
func (r *Resolver) handleAnswer(now sim.Time, x *tx, m *dns.Msg, raw []byte, rtt time.Duration) {
	t := x.task
	st := stepFor(x, "", "", raw, rtt)
	r.scrub(m, x.zone)
	minimised := x.qname != t.name || x.qtype != t.qtype
	soa := findSOA(m.Ns)
	switch {
	case m.Rcode == dns.RcodeNameError && minimised && m.Authoritative:
		// RFC 8020: nothing exists below a name that does not exist, so
		// the whole name is NXDOMAIN (RFC 9156 section 2.3).
		st.Event, st.Note = "nxdomain", x.qname+" does not exist, so neither does "+t.name
		t.step(now, st)
		r.cache.putNegative(now, x.qname, 0, nxdomain, soa)
		r.finish(now, t, dns.RcodeNameError, nil, soa)
	case m.Rcode == dns.RcodeNameError && m.Authoritative:
		r.answerChain(now, x, m, st, soa)
	case m.Rcode != dns.RcodeSuccess, m.Rcode == dns.RcodeSuccess && !m.Authoritative && !isReferral(m, x, t):
		r.lame(now, x, st, lameWhy(m))
	case minimised && !isReferral(m, x, t):
		// The minimised name exists (or is an empty non-terminal) inside
		// this zone: ask one label more (RFC 9156 section 3, step 6).
		st.Event, st.Note = "nodata", fmt.Sprintf("no zone cut at %s; asking one label more", x.qname)
		if len(m.Answer) > 0 {
			st.Event = "answer"
		}
		t.step(now, st)
		t.labels++
		r.query(now, t)
	case isReferral(m, x, t):
		r.referral(now, x, m, st)
	default:
		r.answerChain(now, x, m, st, soa)
	}
}

// lameWhy names what made an answer lame.
func lameWhy(m *dns.Msg) string {
	if m.Rcode != dns.RcodeSuccess {
		return dns.RcodeToString[m.Rcode]
	}
	return "not authoritative and no referral below the zone"
}

// lame gives x's server up for this request and tries another.
func (r *Resolver) lame(now sim.Time, x *tx, st Step, why string) {
	r.stats.LameServer++
	st.Event, st.Note = "lame", why
	x.task.step(now, st)
	x.task.lame[x.server] = true
	x.task.why[x.server] = "is lame (" + why + ")"
	r.retry(now, x.task)
}

// isReferral reports whether m delegates t's name to a zone strictly
// below the zone x asked (RFC 1034 section 4.3.2): a referral upward or
// sideways is lame, which bounds the referrals of one task by the
// name's labels.
func isReferral(m *dns.Msg, x *tx, t *task) bool {
	if len(m.Answer) > 0 || m.Rcode != dns.RcodeSuccess {
		return false
	}
	cut := referralCut(m)
	return cut != "" && dns.CountLabel(cut) > dns.CountLabel(x.zone) && dns.IsSubDomain(cut, t.name)
}

// referralCut is the owner of the first NS record in the authority
// section, or "".
func referralCut(m *dns.Msg) string {
	for _, rr := range m.Ns {
		if rr.Header().Rrtype == dns.TypeNS {
			return dns.CanonicalName(rr.Header().Name)
		}
	}
	return ""
}

// referral follows a delegation: the NS set and in-bailiwick glue are
// cached (below authoritative data), and the child zone is asked next.
func (r *Resolver) referral(now sim.Time, x *tx, m *dns.Msg, st Step) {
	t := x.task
	cut := referralCut(m)
	var ns, names []dns.RR
	for _, rr := range m.Ns {
		if rr.Header().Rrtype == dns.TypeNS && dns.CanonicalName(rr.Header().Name) == cut {
			ns = append(ns, rr)
			names = append(names, rr)
		}
	}
	r.cache.putRRset(now, ns, rankNS)
	for _, set := range rrsets(m.Extra, dns.TypeA) {
		r.cache.putRRset(now, set, rankGlue)
	}
	var list []string
	for _, rr := range names {
		list = append(list, rr.(*dns.NS).Ns)
	}
	st.Event, st.Note = "referral", fmt.Sprintf("referral to %s (%s)", cut, strings.Join(list, ", "))
	t.step(now, st)
	if t.referrals++; t.referrals > 2*dns.CountLabel(t.name)+2 {
		r.fail(now, t, dns.ExtendedErrorCodeOther, "referral loop")
		return
	}
	r.setZone(now, t, cut, ns, m.Extra)
	r.run(now, t)
}

// answerChain reads an authoritative answer from the name asked: the
// CNAMEs in it (each cached), then the RRset of the type asked, or NODATA,
// or NXDOMAIN at the chain's end. A chain that leaves the zone is
// followed by resolving its target from the top.
func (r *Resolver) answerChain(now sim.Time, x *tx, m *dns.Msg, st Step, soa *dns.SOA) {
	t := x.task
	for i := 0; ; i++ {
		if set := rrsetOf(m.Answer, t.name, t.qtype); len(set) > 0 {
			r.cache.putRRset(now, set, rankAnswer)
			st.Event, st.Note = "answer", fmt.Sprintf("%d %s record(s) for %s", len(set), dns.Type(t.qtype), t.name)
			t.step(now, st)
			r.finish(now, t, dns.RcodeSuccess, set, nil)
			return
		}
		c := rrsetOf(m.Answer, t.name, dns.TypeCNAME)
		if len(c) == 0 || t.qtype == dns.TypeCNAME {
			break
		}
		r.cache.putRRset(now, c[:1], rankAnswer)
		if !r.followCNAME(now, t, c[0].(*dns.CNAME)) {
			return
		}
		if !dns.IsSubDomain(x.zone, t.name) {
			// The chain leaves the zone: resolve the target afresh.
			st.Event, st.Note = "cname", "CNAME to "+t.name+", in another zone"
			t.step(now, st)
			t.zone = ""
			r.run(now, t)
			return
		}
	}
	if m.Rcode == dns.RcodeNameError {
		st.Event, st.Note = "nxdomain", t.name+" does not exist"
		t.step(now, st)
		r.cache.putNegative(now, t.name, 0, nxdomain, soa)
		r.finish(now, t, dns.RcodeNameError, nil, soa)
		return
	}
	if len(m.Answer) > 0 && len(t.chain) == 0 {
		r.lame(now, x, st, "answer does not hold "+t.name)
		return
	}
	st.Event, st.Note = "nodata", fmt.Sprintf("%s has no %s records", t.name, dns.Type(t.qtype))
	t.step(now, st)
	r.cache.putNegative(now, t.name, t.qtype, nodata, soa)
	r.finish(now, t, dns.RcodeSuccess, nil, soa)
}

// followCNAME moves t to the CNAME's target; it fails t on a loop or a
// chain longer than MaxCNAME.
func (r *Resolver) followCNAME(now sim.Time, t *task, c *dns.CNAME) bool {
	target := dns.CanonicalName(c.Target)
	if t.cnames++; t.cnames > r.cfg.MaxCNAME {
		r.fail(now, t, dns.ExtendedErrorCodeOther, fmt.Sprintf("CNAME chain longer than %d", r.cfg.MaxCNAME))
		return false
	}
	for _, rr := range append(t.chain, c) {
		if dns.CanonicalName(rr.Header().Name) == target {
			r.fail(now, t, dns.ExtendedErrorCodeOther, "CNAME loop at "+target)
			return false
		}
	}
	t.chain = append(t.chain, c)
	t.name = target
	return true
}

// fromCache moves t on from the cache. It reports whether it did (t is
// finished, or followed a CNAME and should look again).
func (r *Resolver) fromCache(now sim.Time, t *task) bool {
	c := r.cache
	if c == nil {
		return false
	}
	if e := c.get(now, t.name, t.qtype); e != nil && (e.rank == rankAnswer || t.parent != nil) {
		t.step(now, Step{Depth: t.depth, QName: t.name, QType: t.qtype, Event: "cache", Note: cacheNote(e)})
		if e.neg == nodata {
			r.finish(now, t, dns.RcodeSuccess, nil, e.withTTL(now)[0].(*dns.SOA))
		} else {
			r.finish(now, t, dns.RcodeSuccess, e.withTTL(now), nil)
		}
		return true
	}
	for name := t.name; ; name = parentName(name) {
		if e := c.get(now, name, 0); e != nil && e.neg == nxdomain {
			// RFC 8020: a cached NXDOMAIN covers every name below it.
			t.step(now, Step{Depth: t.depth, QName: t.name, QType: t.qtype, Event: "cache", Note: "NXDOMAIN (" + name + ")"})
			r.finish(now, t, dns.RcodeNameError, nil, e.withTTL(now)[0].(*dns.SOA))
			return true
		}
		if name == "." {
			break
		}
	}
	if t.qtype == dns.TypeCNAME {
		return false
	}
	if e := c.get(now, t.name, dns.TypeCNAME); e != nil && e.rank == rankAnswer {
		rrs := e.withTTL(now)
		t.step(now, Step{Depth: t.depth, QName: t.name, QType: t.qtype, Event: "cache", Note: "CNAME " + rrs[0].(*dns.CNAME).Target})
		if r.followCNAME(now, t, rrs[0].(*dns.CNAME)) {
			t.zone = ""
			return true
		}
		return true
	}
	return false
}

func cacheNote(e *entry) string {
	if e.neg == nodata {
		return "NODATA"
	}
	return fmt.Sprintf("%d record(s)", len(e.rrs))
}

// scrub drops every record outside zone, the bailiwick of the server
// asked: a server may speak only for its own zone (RFC 2181 section
// 5.4.1; Unbound's scrubber). Only in-zone data is ever cached.
func (r *Resolver) scrub(m *dns.Msg, zone string) {
	keep := func(rrs []dns.RR) []dns.RR {
		out := rrs[:0]
		for _, rr := range rrs {
			if rr.Header().Rrtype == dns.TypeOPT || dns.IsSubDomain(zone, rr.Header().Name) {
				out = append(out, rr)
			} else {
				r.stats.OutOfBailiwick++
			}
		}
		return out
	}
	m.Answer, m.Ns, m.Extra = keep(m.Answer), keep(m.Ns), keep(m.Extra)
}

// findSOA returns the first SOA of the authority section.
func findSOA(ns []dns.RR) *dns.SOA {
	for _, rr := range ns {
		if s, ok := rr.(*dns.SOA); ok {
			return s
		}
	}
	return nil
}

// rrsetOf returns the records of rrs owned by name (lower case) of type t.
func rrsetOf(rrs []dns.RR, name string, t uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		h := rr.Header()
		if h.Rrtype == t && h.Class == dns.ClassINET && strings.EqualFold(h.Name, name) {
			out = append(out, rr)
		}
	}
	return out
}

// rrsets groups the records of type t in rrs by owner, in order.
func rrsets(rrs []dns.RR, t uint16) [][]dns.RR {
	var out [][]dns.RR
	idx := map[string]int{}
	for _, rr := range rrs {
		if rr.Header().Rrtype != t {
			continue
		}
		n := dns.CanonicalName(rr.Header().Name)
		i, ok := idx[n]
		if !ok {
			i = len(out)
			idx[n] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], rr)
	}
	return out
}
