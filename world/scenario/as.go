package scenario

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// ASRelationship is a business relationship between two autonomous
// systems: either Provider and Customer, or Peer and PeerWith.
type ASRelationship struct {
	Provider int `yaml:"provider" json:"provider,omitempty" hops:"min=1; max=4294967295; alias=upstream|transit; doc=The AS that sells transit. With customer."`
	Customer int `yaml:"customer" json:"customer,omitempty" hops:"min=1; max=4294967295; alias=downstream; doc=The AS that buys it. With provider."`
	Peer     int `yaml:"peer" json:"peer,omitempty" hops:"min=1; max=4294967295; doc=One AS of a settlement-free peering. With peer-with."`
	PeerWith int `yaml:"peer-with" json:"peer_with,omitempty" hops:"min=1; max=4294967295; alias=with|and; doc=The other AS of the peering. With peer."`
	Pos      Pos `json:"pos,omitzero"` // position of the entry in the file
}

// Pair returns the relationship's two ASes, the provider (or the first
// peer) first, and whether they peer.
func (r ASRelationship) Pair() (a, b int, peers bool) {
	if r.Peer != 0 || r.PeerWith != 0 {
		return r.Peer, r.PeerWith, true
	}
	return r.Provider, r.Customer, false
}

// ParseStaticRoute reads a static route, "PREFIX via ADDR".
func ParseStaticRoute(e string) (prefix netip.Prefix, via netip.Addr, err error) {
	f := strings.Fields(e)
	if len(f) != 3 || f[1] != "via" {
		return prefix, via, fmt.Errorf("static route %q: want \"PREFIX via ADDR\", e.g. \"10.9.0.0/16 via 198.18.1.2\"", e)
	}
	if prefix, err = netip.ParsePrefix(f[0]); err != nil || !prefix.Addr().Is4() {
		return prefix, via, fmt.Errorf("static route %q: %q is not an IPv4 prefix (ADDR/LEN)", e, f[0])
	}
	if via, err = netip.ParseAddr(f[2]); err != nil || !via.Is4() {
		return prefix, via, fmt.Errorf("static route %q: %q is not an IPv4 address", e, f[2])
	}
	return prefix.Masked(), via, nil
}

// checkStaticRoutes checks the static routes' syntax (that the next hop
// is a neighbour is checked when the world is built).
func (d *decoder) checkStaticRoutes(nodes []nodeInfo) {
	for _, n := range nodes {
		for _, e := range n.StaticRoutes {
			if _, _, err := ParseStaticRoute(e); err != nil {
				pos := n.Pos
				if f := keyOf[Node](d, n.Pos, "static-routes"); f != nil {
					pos = f.val.pos
				}
				d.errorf(pos, "%v", err)
			}
		}
	}
}

// checkTimers checks the routing protocols' timers against each other.
func (d *decoder) checkTimers(s *Scenario) {
	if t := s.OSPF; t != nil && t.Dead > 0 && t.Hello > 0 && t.Dead <= t.Hello {
		if f := keyOf[OSPFTimers](d, t.Pos, "dead"); f != nil {
			d.errorf(f.val.pos, "dead %v is not longer than hello %v: neighbours would be declared down between two Hellos", t.Dead, t.Hello)
		} else if f := keyOf[OSPFTimers](d, t.Pos, "hello"); f != nil {
			d.errorf(f.val.pos, "hello %v is not shorter than the default dead interval %v: set dead too", t.Hello, t.Dead)
		}
	}
	if t := s.OSPF; t != nil {
		for _, k := range []struct {
			key string
			v   time.Duration
		}{{"hello", t.Hello}, {"dead", t.Dead}} {
			if k.v%time.Second != 0 || k.v > 65535*time.Second {
				if f := keyOf[OSPFTimers](d, t.Pos, k.key); f != nil {
					d.errorf(f.val.pos, "%s %v: OSPF counts it in whole seconds, at most 65535s", k.key, k.v)
				}
			}
		}
	}
	if t := s.BGP; t != nil && t.Hold != 0 && (t.Hold < 3*time.Second || t.Hold%time.Second != 0 || t.Hold > 65535*time.Second) {
		if f := keyOf[BGPTimers](d, t.Pos, "hold"); f != nil {
			d.errorf(f.val.pos, "hold %v: a BGP hold time is 0 or whole seconds from 3s to 65535s (RFC 4271 4.2)", t.Hold)
		}
	}
}

// checkASes checks the autonomous systems: as and route-server only on
// routers, relationships well formed, between ASes that exist, once per
// pair; with routing bgp, every router with a static address in an AS
// and a relationship for every two ASes whose routers share a link.
func (d *decoder) checkASes(s *Scenario, nodes []nodeInfo, links []linkInfo) {
	asOf := map[string]int{}
	exists := map[int]bool{}
	for _, n := range nodes {
		if n.AS != 0 {
			if !n.Role.IsRouter() && n.Role.Valid() {
				if f := keyOf[Node](d, n.Pos, "as"); f != nil {
					d.errorf(f.keyPos, "as is for routers, but %q is a %s (a host belongs to its router's AS)", n.Name, n.Role)
				}
				continue
			}
			asOf[n.Name] = n.AS
			exists[n.AS] = true
		}
		if n.RouteServer && n.AS == 0 {
			if f := keyOf[Node](d, n.Pos, "route-server"); f != nil {
				d.errorf(f.keyPos, "route-server needs an as on %q", n.Name)
			}
		}
	}
	type pair struct{ a, b int }
	rel := map[pair]Pos{}
	for _, r := range s.Relationships {
		a, b, peers := r.Pair()
		switch {
		case (r.Provider != 0 || r.Customer != 0) && (r.Peer != 0 || r.PeerWith != 0):
			d.errorf(r.Pos, "an AS relationship is either {provider, customer} or {peer, peer-with}, not both")
			continue
		case a == 0 || b == 0:
			if peers {
				d.errorf(r.Pos, "a peering needs both peer and peer-with")
			} else {
				d.errorf(r.Pos, "an AS relationship needs provider and customer (or peer and peer-with)")
			}
			continue
		case a == b:
			d.errorf(r.Pos, "AS %d cannot be in a relationship with itself", a)
			continue
		}
		for _, as := range []int{a, b} {
			if !exists[as] {
				d.errorf(r.Pos, "AS %d has no router (give a router \"as: %d\")", as, as)
			}
		}
		k := pair{min(a, b), max(a, b)}
		if first, dup := rel[k]; dup {
			d.errorf(r.Pos, "ASes %d and %d already have a relationship (at %s)", k.a, k.b, first)
			continue
		}
		rel[k] = r.Pos
	}
	if s.Routing != RoutingBGP {
		return
	}
	dhcp := map[string]bool{}
	for _, l := range links {
		for i, ep := range []*Endpoint{&l.A, &l.B} {
			if l.ends[i].dhcp {
				dhcp[ep.Node] = true
			}
		}
	}
	for _, n := range nodes {
		if n.Role.IsRouter() && n.AS == 0 && !dhcp[n.Name] {
			d.errorf(n.namePos, "router %q has no as: with routing bgp every router with a static address belongs to an autonomous system", n.Name)
		}
	}
	for _, l := range links {
		a, b := asOf[l.A.Node], asOf[l.B.Node]
		if a == 0 || b == 0 || a == b {
			continue
		}
		if _, ok := rel[pair{min(a, b), max(a, b)}]; !ok {
			d.errorf(l.ends[0].nodePos, "the link %s--%s joins AS %d and AS %d, which have no relationship in as-relationships (add {provider: %d, customer: %d} or {peer: %d, peer-with: %d})",
				l.A.Node, l.B.Node, a, b, a, b, a, b)
		}
	}
}
