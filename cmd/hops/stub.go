package main

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/node"
)

// A nameError is a name the stub resolver could not turn into an
// address: Err wraps dnsserver.ErrNotFound (NXDOMAIN or no A record, and
// no node of that name either) or dnsserver.ErrTemporary (SERVFAIL, no
// answer, an ICMP error).
type nameError struct {
	name string
	err  error
}

func (e *nameError) Error() string { return e.name + ": " + e.reason() }
func (e *nameError) Unwrap() error { return e.err }

// reason is glibc's gai_strerror text for the failure.
func (e *nameError) reason() string {
	if e.temporary() {
		return dnsserver.ErrTemporary.Error()
	}
	return dnsserver.ErrNotFound.Error()
}

// temporary reports a failure to get an answer, not an answer that the
// name does not exist.
func (e *nameError) temporary() bool { return errors.Is(e.err, dnsserver.ErrTemporary) }

// usesDNS reports whether DEST is looked up in DNS: a dotted name (not an
// address) in a world that runs a recursive resolver. Names without a dot
// stay in the node table, as a short name does in /etc/hosts.
func (s *session) usesDNS(dest string) bool {
	if _, err := netip.ParseAddr(dest); err == nil {
		return false
	}
	return strings.Contains(dest, ".") && s.hasResolvers()
}

// hasResolvers reports whether any node has a resolver to ask.
func (s *session) hasResolvers() bool {
	if s.w.ResolverNode() != "" {
		return true
	}
	for _, sn := range s.w.Scenario.Nodes {
		if sn.Resolver != "" {
			return true
		}
	}
	return false
}

// stub returns n's stub resolver, asking the node's `resolver:` or the
// world's first resolver (World.ResolverFor).
func (s *session) stub(n *node.Node) *dnsserver.Stub {
	if st := s.stubs[n]; st != nil {
		return st
	}
	if s.stubs == nil {
		s.stubs = map[*node.Node]*dnsserver.Stub{}
	}
	addr, _, _ := s.w.ResolverFor(n.Name)
	st := dnsserver.NewStub(n, addr)
	s.stubs[n] = st
	return st
}

// lookup resolves name for an app on n the way getaddrinfo does, and
// calls done once: a dotted name through n's stub resolver (a query on
// the wire, in virtual time), falling back to the world's node names
// (the simulation's /etc/hosts) when DNS has no such name; anything else
// at once from the node table.
func (s *session) lookup(n *node.Node, name string, done func(netip.Addr, error)) {
	s.lookupCached(n, name, func(a netip.Addr, _ bool, err error) { done(a, err) })
}

// lookupCached is lookup that also says whether the stub answered from
// its cache, with nothing sent (the browser's narration tells it).
func (s *session) lookupCached(n *node.Node, name string, done func(addr netip.Addr, cached bool, err error)) {
	if !s.usesDNS(name) {
		a, err := s.resolve(name)
		done(a, false, err)
		return
	}
	s.stub(n).LookupA(name, func(a dnsserver.StubAnswer) {
		switch {
		case a.Err == nil:
			done(a.Addr, a.Cached, nil)
		case errors.Is(a.Err, dnsserver.ErrNotFound):
			if h := s.w.Node(strings.TrimSuffix(name, ".")); h != nil && h.Addr().IsValid() {
				done(h.Addr(), false, nil)
				return
			}
			done(netip.Addr{}, false, &nameError{name, a.Err})
		default:
			done(netip.Addr{}, false, &nameError{name, a.Err})
		}
	})
}

// digUnresolved is dig's error for an @SERVER it could not look up
// (dig exits 10 then).
func digUnresolved(g *globals) func(*session, *nameError) error {
	return func(_ *session, ne *nameError) error {
		why := "not found"
		if ne.temporary() {
			why = "failure"
		}
		fmt.Fprintf(g.stderr, "dig: couldn't get address for '%s': %s\n", ne.name, why)
		return silentExit{10}
	}
}

// transferUnresolved is iperf3's error for a server name that does not
// resolve (it exits 1).
func transferUnresolved(_ *session, ne *nameError) error {
	return fmt.Errorf("transfer: unable to connect to server: %v", ne)
}
