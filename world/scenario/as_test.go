package scenario

import (
	"strings"
	"testing"
	"time"
)

const asWorld = `routing: bgp
nodes:
  - {name: a1, role: router, as: 64496}
  - {name: a2, role: router, as: 64496}
  - {name: b1, role: router, as: 64497}
  - {name: ix, role: ixp, as: 64510, route-server: true}
  - {name: h, role: host}
links:
  - {a: a1 10.0.0.1/30, b: a2 10.0.0.2/30}
  - {a: a2 10.0.1.1/30, b: b1 10.0.1.2/30}
  - {a: a1 10.0.2.1/30, b: ix 10.0.2.2/30}
  - {a: ix 10.0.3.1/30, b: b1 10.0.3.2/30}
  - {a: b1 10.0.4.1/30, b: h 10.0.4.2/30}
`

// ASes, route servers and relationships parse, and Pair reads both
// forms.
func TestASes(t *testing.T) {
	s, err := Parse("w.yaml", []byte(asWorld+`as-relationships:
  - {provider: 64497, customer: 64496}
  - {peer: 64510, peer-with: 64496}
  - {peer: 64497, peer-with: 64510}
`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Routing != RoutingBGP || s.Nodes[0].AS != 64496 || !s.Nodes[3].RouteServer || len(s.Relationships) != 3 {
		t.Fatalf("%+v", s)
	}
	for i, want := range [][3]int{{64497, 64496, 0}, {64510, 64496, 1}, {64497, 64510, 1}} {
		a, b, peers := s.Relationships[i].Pair()
		if a != want[0] || b != want[1] || peers != (want[2] == 1) {
			t.Errorf("relationship %d: %d %d %v, want %v", i, a, b, peers, want)
		}
	}
}

// fullRels gives asWorld every relationship it needs.
const fullRels = "as-relationships:\n  - {provider: 64497, customer: 64496}\n  - {peer: 64510, peer-with: 64496}\n  - {peer: 64497, peer-with: 64510}\n"

// Every mistake is reported where it is, with what to do.
func TestASErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"missing relationship", asWorld + "as-relationships:\n  - {provider: 64497, customer: 64496}\n  - {peer: 64497, peer-with: 64510}\n",
			"w.yaml:11:9: the link a1--ix joins AS 64496 and AS 64510, which have no relationship in as-relationships (add {provider: 64496, customer: 64510} or {peer: 64496, peer-with: 64510})"},
		{"both forms", asWorld + "as-relationships:\n  - {provider: 64497, customer: 64496, peer: 64510, peer-with: 64496}\n",
			"w.yaml:15:5: an AS relationship is either {provider, customer} or {peer, peer-with}, not both"},
		{"half a peering", asWorld + "as-relationships:\n  - {peer: 64497}\n", "w.yaml:15:5: a peering needs both peer and peer-with"},
		{"unknown AS", asWorld + "as-relationships:\n  - {provider: 65000, customer: 64496}\n", `w.yaml:15:5: AS 65000 has no router (give a router "as: 65000")`},
		{"twice", asWorld + "as-relationships:\n  - {provider: 64497, customer: 64496}\n  - {peer: 64496, peer-with: 64497}\n",
			"w.yaml:16:5: ASes 64496 and 64497 already have a relationship (at 15:5)"},
		{"itself", asWorld + "as-relationships:\n  - {peer: 64497, peer-with: 64497}\n", "w.yaml:15:5: AS 64497 cannot be in a relationship with itself"},
		{"host with as", strings.Replace(asWorld, "{name: h, role: host}", "{name: h, role: host, as: 64497}", 1),
			`w.yaml:7:27: as is for routers, but "h" is a host (a host belongs to its router's AS)`},
		{"router without as", strings.Replace(asWorld, "{name: a2, role: router, as: 64496}", "{name: a2, role: router}", 1),
			`w.yaml:4:12: router "a2" has no as: with routing bgp every router with a static address belongs to an autonomous system`},
		{"route server without as", "nodes:\n  - {name: r, role: router, route-server: true}\n", `w.yaml:2:29: route-server needs an as on "r"`},
		{"AS 0", "nodes:\n  - {name: r, role: router, as: 0}\n", "w.yaml:2:33: as 0 out of range (must be 1..4294967295)"},
	} {
		if !strings.Contains(tc.src, "as-relationships") {
			tc.src += fullRels
		}
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("w.yaml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant %s", err, tc.want)
			}
		})
	}
}

// The routing timers parse with their defaults, and contradictions are
// reported where they are.
func TestRoutingTimers(t *testing.T) {
	s, err := Parse("w.yaml", []byte("ospf: {hello: 1s}\nbgp: {hold: 9s}\nnodes:\n  - {name: r, role: router}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.OSPF.Hello != time.Second || s.OSPF.Dead != 40*time.Second || s.BGP.Hold != 9*time.Second ||
		s.BGP.ConnectRetry != 5*time.Second || s.BGP.MRAI != 100*time.Millisecond {
		t.Fatalf("%+v %+v", s.OSPF, s.BGP)
	}
	for _, tc := range []struct{ src, want string }{
		{"ospf: {hello: 10s, dead: 5s}\n", "w.yaml:1:26: dead 5s is not longer than hello 10s"},
		{"bgp: {hold: 2s}\n", "w.yaml:1:13: hold 2s: a BGP hold time is 0 or whole seconds from 3s to 65535s (RFC 4271 4.2)"},
		{"bgp: {hold: 3500ms}\n", "w.yaml:1:13: hold 3.5s: a BGP hold time is 0 or whole seconds"},
		{"ospf: {hello: 60s}\n", "w.yaml:1:15: hello 1m0s is not shorter than the default dead interval 40s: set dead too"},
		{"ospf: {hello: 1500ms, dead: 6s}\n", "w.yaml:1:15: hello 1.5s: OSPF counts it in whole seconds, at most 65535s"},
	} {
		_, err := Parse("w.yaml", []byte(tc.src+"nodes:\n  - {name: r, role: router}\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %s", tc.src, err, tc.want)
		}
	}
}

// Static routes read as "PREFIX via ADDR"; anything else is reported at
// the key.
func TestStaticRouteSyntax(t *testing.T) {
	s, err := Parse("w.yaml", []byte(`nodes:
  - {name: r, role: router, static-routes: ["10.9.0.0/16 via 198.18.1.2"]}
`))
	if err != nil || len(s.Nodes[0].StaticRoutes) != 1 {
		t.Fatalf("%v %+v", err, s)
	}
	for _, tc := range []struct{ route, want string }{
		{"10.9.0.0/16", `w.yaml:2:44: static route "10.9.0.0/16": want "PREFIX via ADDR"`},
		{"10.9.0.0 via 198.18.1.2", `w.yaml:2:44: static route "10.9.0.0 via 198.18.1.2": "10.9.0.0" is not an IPv4 prefix (ADDR/LEN)`},
		{"10.9.0.0/16 via r2", `w.yaml:2:44: static route "10.9.0.0/16 via r2": "r2" is not an IPv4 address`},
	} {
		_, err := Parse("w.yaml", []byte("nodes:\n  - {name: r, role: router, static-routes: [\""+tc.route+"\"]}\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %s", tc.route, err, tc.want)
		}
	}
}
