package dnsserver

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
)

// A Stub is a host's stub resolver, as glibc's is with one nameserver
// line in resolv.conf: it asks its recursive resolver for A records
// (getaddrinfo) or PTR records (getnameinfo, reverse lookups) with RD set
// over UDP (5 s timeout, 2 tries, TCP when the answer is truncated) and
// keeps what it learned, positive and negative, for the answer's TTL.
type Stub struct {
	n      *node.Node
	server netip.AddrPort
	ids    *sim.Rand
	cache  map[stubKey]stubEntry
}

// stubKey is a cached question: the name asked and A or PTR.
type stubKey struct {
	name  string
	qtype uint16
}

type stubEntry struct {
	addr    netip.Addr // an A answer; invalid for PTR and negative entries
	name    string     // a PTR answer
	neg     bool       // a negative entry
	expires sim.Time
}

// StubAnswer is how a stub lookup ended.
type StubAnswer struct {
	// Addr is the first address of the answer when Err is nil (LookupA).
	Addr netip.Addr
	// Name is the host name of the answer when Err is nil (LookupPTR),
	// fully qualified.
	Name string
	// Cached: answered from the stub's cache, with nothing sent.
	Cached bool
	// Err is ErrNotFound (NXDOMAIN, or no record of the type asked:
	// glibc's "Name or service not known"), or an ErrTemporary (SERVFAIL,
	// REFUSED, no answer, an ICMP error: "Temporary failure in name
	// resolution").
	Err error
}

// ErrNotFound is a stub lookup's error when the name has no record of
// the type asked.
var ErrNotFound = errors.New("Name or service not known")

// ErrTemporary is wrapped by a stub lookup's error when the resolver
// could not give an answer.
var ErrTemporary = errors.New("Temporary failure in name resolution")

// NewStub returns n's stub resolver asking server on port 53.
func NewStub(n *node.Node, server netip.Addr) *Stub {
	return &Stub{n: n, server: netip.AddrPortFrom(server, 53), ids: n.AppStream("stub"), cache: map[stubKey]stubEntry{}}
}

// Server is the resolver the stub asks.
func (s *Stub) Server() netip.AddrPort { return s.server }

// LookupA looks name up (an absolute name with or without its final
// dot) and calls done once, from the cache at once or when the exchange
// ends.
func (s *Stub) LookupA(name string, done func(StubAnswer)) {
	s.lookup(dns.Fqdn(strings.ToLower(name)), dns.TypeA, done)
}

// ReverseName is the name in in-addr.arpa. whose PTR record names a (RFC
// 1035 section 3.5): 203.0.113.10 → 10.113.0.203.in-addr.arpa.
func ReverseName(a netip.Addr) string {
	a = a.Unmap()
	if !a.Is4() {
		name, _ := dns.ReverseAddr(a.String()) // ip6.arpa. (RFC 3596)
		return name
	}
	b := a.As4()
	return fmt.Sprintf("%d.%d.%d.%d.in-addr.arpa.", b[3], b[2], b[1], b[0])
}

// LookupPTR looks up the host name of a (a reverse lookup, as
// getnameinfo does for traceroute): the PTR record at ReverseName(a),
// after the CNAMEs an RFC 2317 delegation puts in the way. done is
// called once, with Name set or Err ErrNotFound when the world has no
// reverse zone for a.
func (s *Stub) LookupPTR(a netip.Addr, done func(StubAnswer)) {
	s.lookup(ReverseName(a), dns.TypePTR, done)
}

// lookup answers fqdn (lower case) and qtype from the cache, or asks.
func (s *Stub) lookup(fqdn string, qtype uint16, done func(StubAnswer)) {
	k := stubKey{fqdn, qtype}
	if e, ok := s.cache[k]; ok {
		if s.n.Now() < e.expires {
			a := StubAnswer{Addr: e.addr, Name: e.name, Cached: true}
			if e.neg {
				a.Err = ErrNotFound
			}
			done(a)
			return
		}
		delete(s.cache, k)
	}
	s.ask(k, 1, done)
}

// stubAttempts is glibc's default `attempts:2`: a query answered with an
// error (SERVFAIL, REFUSED, an ICMP error) is asked once more; unanswered
// ones are retried inside the exchange (its Tries).
const stubAttempts = 2

// ask sends one query for k, asking again after an error reply until
// stubAttempts.
func (s *Stub) ask(k stubKey, attempt int, done func(StubAnswer)) {
	m := new(dns.Msg)
	m.SetQuestion(k.name, k.qtype)
	m.Id = uint16(s.ids.Uint32())
	m.RecursionDesired = true
	q, err := m.Pack()
	if err != nil {
		done(StubAnswer{Err: fmt.Errorf("%w (%v)", ErrNotFound, err)})
		return
	}
	Exchange(s.n, ExchangeConfig{Server: s.server, Timeout: 5 * time.Second, Tries: 2}, q, func(r Reply) {
		a := s.answer(k, r)
		if errors.Is(a.Err, ErrTemporary) && !errors.Is(r.Err, ErrTimeout) && attempt < stubAttempts {
			s.ask(k, attempt+1, done)
			return
		}
		done(a)
	})
}

// answer reads a reply: the record asked for at the end of the CNAME
// chain from k's name, or a negative answer (cached for the SOA's
// negative TTL, RFC 2308), or a failure.
func (s *Stub) answer(k stubKey, r Reply) StubAnswer {
	if r.Err != nil {
		return StubAnswer{Err: fmt.Errorf("%w (%v)", ErrTemporary, r.Err)}
	}
	m := new(dns.Msg)
	if err := m.Unpack(r.Msg); err != nil {
		return StubAnswer{Err: fmt.Errorf("%w (bad answer: %v)", ErrTemporary, err)}
	}
	switch m.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		s.negative(k, m)
		return StubAnswer{Err: ErrNotFound}
	default:
		return StubAnswer{Err: fmt.Errorf("%w (%s)", ErrTemporary, dns.RcodeToString[m.Rcode])}
	}
	owner, ttl := k.name, uint32(1<<31-1)
	for range 16 { // follow the CNAME chain in the answer, as glibc does
		var next string
		for _, rr := range m.Answer {
			if !strings.EqualFold(rr.Header().Name, owner) {
				continue
			}
			switch rr := rr.(type) {
			case *dns.A:
				if a, ok := netip.AddrFromSlice(rr.A.To4()); ok && k.qtype == dns.TypeA {
					ttl = min(ttl, rr.Hdr.Ttl)
					s.cache[k] = stubEntry{addr: a, expires: s.n.Now().Add(time.Duration(ttl) * time.Second)}
					return StubAnswer{Addr: a}
				}
			case *dns.PTR:
				if k.qtype == dns.TypePTR {
					ttl = min(ttl, rr.Hdr.Ttl)
					s.cache[k] = stubEntry{name: rr.Ptr, expires: s.n.Now().Add(time.Duration(ttl) * time.Second)}
					return StubAnswer{Name: rr.Ptr}
				}
			case *dns.CNAME:
				next = rr.Target
				ttl = min(ttl, rr.Hdr.Ttl)
			}
		}
		if next == "" {
			break
		}
		owner = next
	}
	s.negative(k, m)
	return StubAnswer{Err: ErrNotFound}
}

// negative caches a negative answer for its SOA's TTL (the lesser of the
// record's TTL and its MINIMUM field), if it carries one.
func (s *Stub) negative(k stubKey, m *dns.Msg) {
	for _, rr := range m.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			ttl := min(soa.Hdr.Ttl, soa.Minttl)
			s.cache[k] = stubEntry{neg: true, expires: s.n.Now().Add(time.Duration(ttl) * time.Second)}
			return
		}
	}
}
