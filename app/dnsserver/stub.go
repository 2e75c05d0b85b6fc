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
// line in resolv.conf: it asks its recursive resolver for A records with
// RD set over UDP (5 s timeout, 2 tries, TCP when the answer is
// truncated) and keeps what it learned, positive and negative, for the
// answer's TTL.
type Stub struct {
	n      *node.Node
	server netip.AddrPort
	ids    *sim.Rand
	cache  map[string]stubEntry
}

type stubEntry struct {
	addr    netip.Addr // invalid: a negative entry
	expires sim.Time
}

// StubAnswer is how a stub lookup ended.
type StubAnswer struct {
	// Addr is the first address of the answer when Err is nil.
	Addr netip.Addr
	// Cached: answered from the stub's cache, with nothing sent.
	Cached bool
	// Err is ErrNotFound (NXDOMAIN, or no A record: glibc's "Name or
	// service not known"), or an ErrTemporary (SERVFAIL, REFUSED, no
	// answer, an ICMP error: "Temporary failure in name resolution").
	Err error
}

// ErrNotFound is a stub lookup's error when the name has no A record.
var ErrNotFound = errors.New("Name or service not known")

// ErrTemporary is wrapped by a stub lookup's error when the resolver
// could not give an answer.
var ErrTemporary = errors.New("Temporary failure in name resolution")

// NewStub returns n's stub resolver asking server on port 53.
func NewStub(n *node.Node, server netip.Addr) *Stub {
	return &Stub{n: n, server: netip.AddrPortFrom(server, 53), ids: n.AppStream("stub"), cache: map[string]stubEntry{}}
}

// Server is the resolver the stub asks.
func (s *Stub) Server() netip.AddrPort { return s.server }

// LookupA looks name up (an absolute name with or without its final
// dot) and calls done once, from the cache at once or when the exchange
// ends.
func (s *Stub) LookupA(name string, done func(StubAnswer)) {
	fqdn := dns.Fqdn(strings.ToLower(name))
	if e, ok := s.cache[fqdn]; ok {
		if s.n.Now() < e.expires {
			a := StubAnswer{Addr: e.addr, Cached: true}
			if !e.addr.IsValid() {
				a.Err = ErrNotFound
			}
			done(a)
			return
		}
		delete(s.cache, fqdn)
	}
	s.ask(fqdn, 1, done)
}

// stubAttempts is glibc's default `attempts:2`: a query answered with an
// error (SERVFAIL, REFUSED, an ICMP error) is asked once more; unanswered
// ones are retried inside the exchange (its Tries).
const stubAttempts = 2

// ask sends one query for fqdn, asking again after an error reply until
// stubAttempts.
func (s *Stub) ask(fqdn string, attempt int, done func(StubAnswer)) {
	m := new(dns.Msg)
	m.SetQuestion(fqdn, dns.TypeA)
	m.Id = uint16(s.ids.Uint32())
	m.RecursionDesired = true
	q, err := m.Pack()
	if err != nil {
		done(StubAnswer{Err: fmt.Errorf("%w (%v)", ErrNotFound, err)})
		return
	}
	Exchange(s.n, ExchangeConfig{Server: s.server, Timeout: 5 * time.Second, Tries: 2}, q, func(r Reply) {
		a := s.answer(fqdn, r)
		if errors.Is(a.Err, ErrTemporary) && !errors.Is(r.Err, ErrTimeout) && attempt < stubAttempts {
			s.ask(fqdn, attempt+1, done)
			return
		}
		done(a)
	})
}

// answer reads a reply: the A records at the end of the CNAME chain from
// fqdn, or a negative answer (cached for the SOA's negative TTL, RFC
// 2308), or a failure.
func (s *Stub) answer(fqdn string, r Reply) StubAnswer {
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
		s.negative(fqdn, m)
		return StubAnswer{Err: ErrNotFound}
	default:
		return StubAnswer{Err: fmt.Errorf("%w (%s)", ErrTemporary, dns.RcodeToString[m.Rcode])}
	}
	owner, ttl := fqdn, uint32(1<<31-1)
	for range 16 { // follow the CNAME chain in the answer, as glibc does
		var next string
		for _, rr := range m.Answer {
			if !strings.EqualFold(rr.Header().Name, owner) {
				continue
			}
			switch rr := rr.(type) {
			case *dns.A:
				if a, ok := netip.AddrFromSlice(rr.A.To4()); ok {
					ttl = min(ttl, rr.Hdr.Ttl)
					s.cache[fqdn] = stubEntry{addr: a, expires: s.n.Now().Add(time.Duration(ttl) * time.Second)}
					return StubAnswer{Addr: a}
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
	s.negative(fqdn, m)
	return StubAnswer{Err: ErrNotFound}
}

// negative caches a negative answer for its SOA's TTL (the lesser of the
// record's TTL and its MINIMUM field), if it carries one.
func (s *Stub) negative(fqdn string, m *dns.Msg) {
	for _, rr := range m.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			ttl := min(soa.Hdr.Ttl, soa.Minttl)
			s.cache[fqdn] = stubEntry{expires: s.n.Now().Add(time.Duration(ttl) * time.Second)}
			return
		}
	}
}
