package resolver

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/hopsnet/hops/sim"
	"github.com/miekg/dns"
)

// request is one question to answer: a client's query or a Resolve call.
type request struct {
	id       RequestID
	client   uint64
	cq       *dns.Msg // the client's query; nil for Resolve
	tcp      bool     // the client asked over TCP
	name     string   // as asked
	qtype    uint16
	trace    *Trace
	queries  int  // queries sent for it, all tasks together
	hit      bool // answered from the cache without a query
	cacheOny bool // RD clear: answer from the cache or not at all
	done     bool
}

// nsServer is one name server of a zone being asked.
type nsServer struct {
	name  string
	addrs []netip.Addr
	// looked: its address was looked up (or is being), so a second
	// glueless lookup is not started.
	looked bool
}

// task is one iterative lookup of a name and type; the request's own
// name is the root task, and a glueless NS name is a child task.
type task struct {
	req    *request
	parent *task
	forNS  *nsServer // the parent's server whose address this task finds
	depth  int

	name   string // lower case, fully qualified; moves along CNAMEs
	qtype  uint16
	chain  []dns.RR // CNAMEs followed, in order
	cnames int

	zone      string // the closest zone cut known; "" when not yet found
	servers   []*nsServer
	labels    int // QNAME minimisation: labels of the name asked now
	referrals int

	bad  map[netip.Addr]int    // tries of each address in this task
	lame map[netip.Addr]bool   // addresses that answered lame
	why  map[netip.Addr]string // the last failure of each address
	tx   *tx                   // the query in flight
	done bool
}

// tx is one query in flight to a server.
type tx struct {
	id         TxID
	task       *task
	server     netip.Addr
	serverName string
	zone       string
	qname      string
	qtype      uint16
	msgID      uint16
	tcp        bool
	sent       sim.Time
	deadline   sim.Time
}

func (r *Resolver) newRequest(now sim.Time, name string, qtype uint16) *request {
	r.nextReq++
	return &request{id: r.nextReq, name: name, qtype: qtype, trace: &Trace{Name: name, QType: qtype}}
}

func (r *Resolver) newTask(req *request, parent *task, name string, qtype uint16) *task {
	t := &task{req: req, parent: parent, name: dns.CanonicalName(name), qtype: qtype,
		bad: map[netip.Addr]int{}, lame: map[netip.Addr]bool{}, why: map[netip.Addr]string{}}
	if parent != nil {
		t.depth = parent.depth + 1
	}
	return t
}

// start runs a new request's root task.
func (r *Resolver) start(now sim.Time, req *request) {
	r.run(now, r.newTask(req, nil, req.name, req.qtype))
}

// step records s in t's request trace.
func (t *task) step(now sim.Time, s Step) {
	s.At = now
	t.req.trace.add(s)
}

// run moves t on: from the cache if it can, else to a server of the
// closest zone cut known.
func (r *Resolver) run(now sim.Time, t *task) {
	for i := 0; i <= r.cfg.MaxCNAME+1 && !t.done; i++ {
		if !r.fromCache(now, t) {
			break
		}
	}
	if t.done {
		return
	}
	if t.req.cacheOny {
		r.finish(now, t, dns.RcodeSuccess, nil, nil)
		return
	}
	if t.zone == "" {
		r.delegation(now, t)
	}
	r.query(now, t)
}

// delegation finds the deepest zone cut above t's name whose NS set is
// cached, or starts from the root hints.
func (r *Resolver) delegation(now sim.Time, t *task) {
	for name := t.name; ; {
		if e := r.cache.get(now, name, dns.TypeNS); e != nil && e.neg == positive {
			r.setZone(now, t, name, e.rrs, nil)
			return
		}
		if name == "." {
			break
		}
		name = parentName(name)
	}
	t.zone, t.servers = ".", nil
	for _, h := range r.cfg.Roots {
		t.servers = append(t.servers, &nsServer{name: dns.Fqdn(h.Name), addrs: []netip.Addr{h.Addr}, looked: true})
	}
	t.labels = min(1, dns.CountLabel(t.name))
}

// setZone makes zone t's closest cut, with the servers of ns; addresses
// come from glue (the referral's additional section) or the cache.
func (r *Resolver) setZone(now sim.Time, t *task, zone string, ns []dns.RR, glue []dns.RR) {
	t.zone, t.servers = zone, nil
	for _, rr := range ns {
		n, ok := rr.(*dns.NS)
		if !ok {
			continue
		}
		s := &nsServer{name: dns.CanonicalName(n.Ns)}
		for _, g := range glue {
			if a, ok := g.(*dns.A); ok && dns.CanonicalName(a.Hdr.Name) == s.name {
				s.addrs = appendAddr(s.addrs, a.A)
			}
		}
		if e := r.cache.get(now, s.name, dns.TypeA); len(s.addrs) == 0 && e != nil && e.neg == positive {
			for _, rr := range e.rrs {
				s.addrs = appendAddr(s.addrs, rr.(*dns.A).A)
			}
		}
		if zone == "." && len(s.addrs) == 0 {
			// A root server's address comes from the hints when the
			// cache has none, as in BIND: looking it up would start from
			// the root itself (asking for a.root-servers.net after an
			// answer to ". NS" was a glueless loop, SERVFAIL).
			for _, h := range r.cfg.Roots {
				if dns.CanonicalName(h.Name) == s.name {
					s.addrs = appendAddr(s.addrs, h.Addr.AsSlice())
				}
			}
		}
		t.servers = append(t.servers, s)
	}
	t.labels = min(dns.CountLabel(zone)+1, dns.CountLabel(t.name))
}

func appendAddr(as []netip.Addr, ip []byte) []netip.Addr {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return as
	}
	a = a.Unmap()
	for _, x := range as {
		if x == a {
			return as
		}
	}
	return append(as, a)
}

// query asks the best server of t's zone that is left, or finds a
// glueless server's address first, or gives up.
func (r *Resolver) query(now sim.Time, t *task) {
	if t.done {
		return
	}
	if s, a, ok := r.pick(t); ok {
		r.send(now, t, s, a, false)
		return
	}
	for _, s := range t.servers {
		if len(s.addrs) > 0 || s.looked {
			continue
		}
		s.looked = true
		if t.depth >= r.cfg.MaxDepth || t.resolving(s.name) {
			continue
		}
		c := r.newTask(t.req, t, s.name, dns.TypeA)
		c.forNS = s
		r.run(now, c)
		return
	}
	r.fail(now, t, dns.ExtendedErrorCodeNoReachableAuthority, r.whyUnreachable(t))
}

// resolving reports whether t or a task above it is looking name up
// already (a glueless loop).
func (t *task) resolving(name string) bool {
	for x := t; x != nil; x = x.parent {
		if x.name == name {
			return true
		}
	}
	return false
}

// pick chooses the address with the lowest smoothed RTT among t's
// servers, skipping lame ones and those tried MaxTries times; ties go to
// the first in the NS set's order.
func (r *Resolver) pick(t *task) (*nsServer, netip.Addr, bool) {
	var best *nsServer
	var bestAddr netip.Addr
	var bestRTT time.Duration
	for _, s := range t.servers {
		for _, a := range s.addrs {
			if t.lame[a] || t.bad[a] >= r.cfg.MaxTries {
				continue
			}
			if d := r.infra.rtt(a); best == nil || d < bestRTT {
				best, bestAddr, bestRTT = s, a, d
			}
		}
	}
	return best, bestAddr, best != nil
}

// whyUnreachable says why no server of t's zone is left.
func (r *Resolver) whyUnreachable(t *task) string {
	var parts []string
	for _, s := range t.servers {
		switch {
		case len(s.addrs) == 0 && t.depth >= r.cfg.MaxDepth:
			parts = append(parts, s.name+" has no address (glueless lookups nested too deep)")
		case len(s.addrs) == 0:
			parts = append(parts, s.name+" has no address")
		}
		for _, a := range s.addrs {
			why := t.why[a]
			if why == "" {
				why = "was not asked"
			}
			parts = append(parts, fmt.Sprintf("%s (%s) %s", s.name, a, why))
		}
	}
	return fmt.Sprintf("no name server for %s answered: %s", t.zone, strings.Join(parts, "; "))
}

// asked is the name and type t asks its zone now: with QNAME
// minimisation the zone's child on the path to the name, with type A
// (RFC 9156 section 3, as Unbound does), until the whole name is asked.
func (r *Resolver) asked(t *task) (string, uint16) {
	if r.cfg.NoQNameMin || t.labels >= dns.CountLabel(t.name) {
		return t.name, t.qtype
	}
	return lastLabels(t.name, t.labels), dns.TypeA
}

// send asks server s at a.
func (r *Resolver) send(now sim.Time, t *task, s *nsServer, a netip.Addr, tcp bool) {
	if t.req.queries >= r.cfg.MaxQueries {
		r.fail(now, t, dns.ExtendedErrorCodeOther, fmt.Sprintf("gave up after %d queries", t.req.queries))
		return
	}
	t.req.queries++
	qname, qtype := r.asked(t)
	m := new(dns.Msg)
	m.Id = uint16(r.cfg.Rand.Uint32())
	m.Question = []dns.Question{{Name: qname, Qtype: qtype, Qclass: dns.ClassINET}}
	// RFC 6891: advertise our buffer; RD stays clear (an iterative query).
	m.SetEdns0(r.cfg.UDPSize, false)
	wire, err := m.Pack()
	if err != nil {
		r.fail(now, t, dns.ExtendedErrorCodeOther, "cannot build a query: "+err.Error())
		return
	}
	r.nextTx++
	timeout := r.infra.timeout(a, r.cfg.Timeout)
	if tcp {
		timeout = 2 * r.cfg.Timeout
		r.stats.TCP++
	}
	x := &tx{id: r.nextTx, task: t, server: a, serverName: s.name, zone: t.zone, qname: qname, qtype: qtype,
		msgID: m.Id, tcp: tcp, sent: now, deadline: now.Add(timeout)}
	r.txs[x.id] = x
	r.txOrder = append(r.txOrder, x)
	t.tx = x
	r.stats.Queries++
	r.queries = append(r.queries, Query{Tx: x.id, Server: a, TCP: tcp, Msg: wire})
}

// retry asks t's zone again after a failed query.
func (r *Resolver) retry(now sim.Time, t *task) {
	if !t.done && t.tx == nil {
		r.query(now, t)
	}
}

// fail ends t without an answer: a glueless lookup leaves its parent to
// try other servers; the request's own task ends in SERVFAIL with an
// extended error (RFC 8914) saying why.
func (r *Resolver) fail(now sim.Time, t *task, code uint16, why string) {
	t.done = true
	if t.parent != nil {
		t.req.trace.add(Step{At: now, Depth: t.depth, QName: t.name, QType: t.qtype, Event: "fail", Note: why})
		if t.req.queries >= r.cfg.MaxQueries {
			r.fail(now, t.parent, code, why)
			return
		}
		r.query(now, t.parent)
		return
	}
	r.stats.ServFail++
	r.complete(now, t, dns.RcodeServerFailure, nil, nil, &dns.EDNS0_EDE{InfoCode: code, ExtraText: why})
}

// finish ends t with an answer (rrs), NODATA (no rrs, soa) or NXDOMAIN.
func (r *Resolver) finish(now sim.Time, t *task, rcode int, rrs []dns.RR, soa *dns.SOA) {
	t.done = true
	if t.parent == nil {
		var ns []dns.RR
		if soa != nil && len(rrs) == 0 {
			ns = []dns.RR{soa}
		}
		r.complete(now, t, rcode, append(append([]dns.RR(nil), t.chain...), rrs...), ns, nil)
		return
	}
	for _, rr := range rrs {
		if a, ok := rr.(*dns.A); ok {
			t.forNS.addrs = appendAddr(t.forNS.addrs, a.A)
		}
	}
	r.query(now, t.parent)
}

// complete answers t's request and forgets its queries in flight.
func (r *Resolver) complete(now sim.Time, t *task, rcode int, ans, ns []dns.RR, ede *dns.EDNS0_EDE) {
	req := t.req
	if req.done {
		return
	}
	req.done = true
	for _, x := range append([]*tx(nil), r.txOrder...) {
		if x.task.req == req {
			r.endTx(x)
			r.queries = append(r.queries, Query{Tx: x.id, Server: x.server, Forget: true})
		}
	}
	if req.queries == 0 && req.cq != nil {
		req.hit = true
		r.stats.CacheHits++
	}
	r.results = append(r.results, r.reply(req, rcode, ans, ns, ede))
}

// parentName is name without its first label ("." stays ".").
func parentName(name string) string {
	off, end := dns.NextLabel(name, 0)
	if end {
		return "."
	}
	return name[off:]
}

// lastLabels is the last n labels of name, fully qualified.
func lastLabels(name string, n int) string {
	idx := dns.Split(name)
	if n <= 0 || len(idx) == 0 {
		return "."
	}
	if n >= len(idx) {
		return name
	}
	return name[idx[len(idx)-n]:]
}
