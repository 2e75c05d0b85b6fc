package world_test

import (
	"strings"
	"testing"

	"github.com/hopsnet/hops/world"
)

// The default world starts its name servers, resolver, web servers and
// DHCP servers and clients, and knows its root servers.
func TestDefaultServices(t *testing.T) {
	w, err := world.FromYAML("default.yaml", world.DefaultYAML(), 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.NameServers) != 4 || len(w.Resolvers) != 1 || len(w.WebServers) != 2 {
		t.Fatalf("%d name servers, %d resolvers, %d web servers; want 4, 1, 2", len(w.NameServers), len(w.Resolvers), len(w.WebServers))
	}
	roots := w.RootHints()
	if len(roots) != 1 || roots[0].Name != "a.root-servers.net." || roots[0].Addr.String() != "192.0.2.1" {
		t.Fatalf("root hints %+v", roots)
	}
	if w.ResolverNode() != "resolver.isp-a.net" {
		t.Fatalf("resolver %q", w.ResolverNode())
	}
	// Starting the services sends nothing; then, at the first instant,
	// only the DHCP clients speak: one DISCOVER each (the home router's on
	// its WAN side, the laptop's, phone's and TV's on the LAN).
	if len(w.DHCPServers) != 2 || len(w.DHCPClients) != 4 || w.Pool.Live() != 0 {
		t.Fatalf("%d DHCP servers, %d clients, %d packets out; want 2, 4, 0", len(w.DHCPServers), len(w.DHCPClients), w.Pool.Live())
	}
	w.Kernel.RunUntil(0)
	if w.Pool.Live() != 4 {
		t.Fatalf("%d packets out at 0 s; want the 4 DISCOVERs", w.Pool.Live())
	}
}

// Mistakes in services are reported with their position.
func TestServiceErrors(t *testing.T) {
	const head = "nodes:\n  - {name: a, role: host}\n  - {name: s, role: server, services: ["
	const tail = "]}\nlinks:\n  - {a: a 10.0.0.1/30, b: s 10.0.0.2/30}\n"
	for _, tt := range []struct{ svc, want string }{
		{"{kind: dns, zones: [example.invalid.]}", `t.yaml:3:40: s: no zone "example.invalid." (hops ships`},
		{"{kind: dns}", `t.yaml:3:40: s: a dns service needs zones`},
		{`{kind: dns, zones: [""]}`, `t.yaml:3:40: s: an empty zone name (the root zone is ".")`},
		{"{kind: web, sites: [www.example.org]}", `t.yaml:3:40: s: no site "www.example.org"`},
		{"{kind: web, zones: [com.]}", `t.yaml:3:40: s: zones belong to a dns service, not web`},
		{"{kind: resolver}", `t.yaml:3:40: s: a resolver needs a root server`},
	} {
		_, err := world.FromYAML("t.yaml", []byte(head+tt.svc+tail), 1, world.Options{})
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %s…", tt.svc, err, tt.want)
		}
	}
}

// Each node's stub asks its own resolver (resolv.conf), else the world's
// first; a bad setting is reported with the node's position.
func TestResolverSettings(t *testing.T) {
	const src = `nodes:
  - {name: a, role: host, resolver: r2}
  - {name: b, role: host}
  - {name: c, role: host, resolver: 10.0.3.2}
  - {name: root, role: dns, services: [{kind: dns, zones: [.]}]}
  - {name: r1, role: resolver, services: [{kind: resolver}]}
  - {name: r2, role: resolver, services: [{kind: resolver}]}
  - {name: x, role: router}
links:
  - {a: a 10.0.0.1/30, b: x 10.0.0.2/30}
  - {a: b 10.0.1.1/30, b: x 10.0.1.2/30}
  - {a: c 10.0.2.1/30, b: x 10.0.2.2/30}
  - {a: r1 10.0.3.2/30, b: x 10.0.3.1/30}
  - {a: r2 10.0.4.2/30, b: x 10.0.4.1/30}
  - {a: root 10.0.5.2/30, b: x 10.0.5.1/30}
`
	w, err := world.FromYAML("t.yaml", []byte(src), 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ node, name, addr string }{
		{"a", "r2", "10.0.4.2"}, {"b", "r1", "10.0.3.2"}, {"c", "r1", "10.0.3.2"},
	} {
		addr, name, ok := w.ResolverFor(tt.node)
		if !ok || name != tt.name || addr.String() != tt.addr {
			t.Errorf("%s asks %s (%v, %v), want %s (%s)", tt.node, name, addr, ok, tt.name, tt.addr)
		}
	}
	bad := strings.Replace(src, "resolver: r2}", "resolver: nowhere}", 1)
	if _, err := world.FromYAML("t.yaml", []byte(bad), 1, world.Options{}); err == nil || !strings.Contains(err.Error(), `t.yaml:2:5: a: resolver "nowhere" is neither an IPv4 address nor a node`) {
		t.Fatalf("bad resolver: %v", err)
	}
}
