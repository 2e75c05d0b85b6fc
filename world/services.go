package world

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/app/web"
	"github.com/hopsnet/hops/dns/auth"
	"github.com/hopsnet/hops/dns/resolver"
	"github.com/hopsnet/hops/tcp"
	"github.com/hopsnet/hops/world/scenario"
)

// startServices starts the software the scenario's nodes run: name
// servers first (so the root servers are known), then resolvers, then
// web servers. Nothing is sent until a client asks.
func (w *World) startServices() error {
	if err := w.checkResolvers(); err != nil {
		return err
	}
	sc := w.Scenario
	for _, kind := range []scenario.ServiceKind{scenario.ServiceDNS, scenario.ServiceResolver, scenario.ServiceWeb} {
		for _, sn := range sc.Nodes {
			for _, svc := range sn.Services {
				if svc.Kind != kind {
					continue
				}
				if err := w.startService(sn.Name, svc); err != nil {
					return fmt.Errorf("%s:%s: %s: %v", sc.File, svc.Pos, sn.Name, err)
				}
			}
		}
	}
	return nil
}

func (w *World) startService(nodeName string, svc scenario.Service) error {
	n := w.Node(nodeName)
	switch {
	case svc.Kind != scenario.ServiceDNS && len(svc.Zones) > 0:
		return fmt.Errorf("zones belong to a dns service, not %s", svc.Kind)
	case svc.Kind != scenario.ServiceWeb && len(svc.Push) > 0:
		return fmt.Errorf("push belongs to a web service, not %s", svc.Kind)
	case svc.Kind != scenario.ServiceWeb && len(svc.Sites) > 0:
		return fmt.Errorf("sites belong to a web service, not %s", svc.Kind)
	}
	switch svc.Kind {
	case scenario.ServiceDNS:
		if len(svc.Zones) == 0 {
			return fmt.Errorf("a dns service needs zones (hops ships %s)", strings.Join(dnsserver.EmbeddedOrigins(), " "))
		}
		var zones []*auth.Zone
		for _, entry := range svc.Zones {
			origin, file := zoneEntry(entry)
			if origin == "" {
				return fmt.Errorf("an empty zone name (the root zone is \".\")")
			}
			if file != "" {
				// A zone file of the scenario's own, relative to it.
				path := file
				if !filepath.IsAbs(path) {
					path = filepath.Join(filepath.Dir(w.Scenario.File), file)
				}
				z, err := auth.LoadZoneFile(path, origin)
				if err != nil {
					return err
				}
				zones = append(zones, z)
				continue
			}
			zf, ok := dnsserver.EmbeddedZone(origin)
			if !ok {
				return fmt.Errorf("no zone %q (hops ships %s; or name a file of your own: \"%s FILE\")", origin, strings.Join(dnsserver.EmbeddedOrigins(), " "), origin)
			}
			z, err := dnsserver.ParseEmbedded(zf)
			if err != nil {
				return err
			}
			zones = append(zones, z)
		}
		eng, err := auth.NewServer(zones...)
		if err != nil {
			return err
		}
		s, err := dnsserver.Start(n, eng)
		if err != nil {
			return err
		}
		w.NameServers = append(w.NameServers, s)
	case scenario.ServiceResolver:
		roots := w.RootHints()
		if len(roots) == 0 {
			return fmt.Errorf("a resolver needs a root server: no node's dns service serves the zone \".\"")
		}
		r, err := dnsserver.StartResolver(n, resolver.Config{Roots: roots})
		if err != nil {
			return err
		}
		w.Resolvers = append(w.Resolvers, r)
	case scenario.ServiceWeb:
		sites := svc.Sites
		if len(sites) == 0 {
			return fmt.Errorf("a web service needs sites (hops ships %s)", strings.Join(web.SiteNames(), ", "))
		}
		hosts, err := web.SitesHandler(sites)
		if err != nil {
			return err
		}
		if svc.Push != nil {
			pushes, err := web.PushTable(sites[0], svc.Push)
			if err != nil {
				return err
			}
			hosts.Pushes = pushes
		}
		// Nagle off, as Go's net/http and nginx's tcp_nodelay do: an
		// HTTP/2 server's small frames must not wait for ACKs.
		cfg := web.Config{TCP: tcp.Config{NoDelay: true}}
		cfg.HTTP2.Push = hosts.Push
		s, err := web.Serve(n, cfg, hosts)
		if err != nil {
			return err
		}
		w.WebServers = append(w.WebServers, s)
	}
	return nil
}

// RootHints returns the world's root servers, for resolvers: the nodes
// whose dns service serves the root zone, named after the node.
func (w *World) RootHints() []resolver.Hint {
	var out []resolver.Hint
	for _, sn := range w.Scenario.Nodes {
		for _, svc := range sn.Services {
			if svc.Kind != scenario.ServiceDNS {
				continue
			}
			for _, z := range svc.Zones {
				if origin, _ := zoneEntry(z); origin == "." {
					out = append(out, resolver.Hint{Name: strings.TrimSuffix(sn.Name, ".") + ".", Addr: w.Node(sn.Name).Addr()})
				}
			}
		}
	}
	return out
}

// ResolverFor returns the recursive resolver node nodeName's stub asks:
// its `resolver:` setting (a node name or an address), else the DNS
// server of its DHCP lease, else the world's first resolver node. ok is false when there is none.
func (w *World) ResolverFor(nodeName string) (addr netip.Addr, name string, ok bool) {
	for _, sn := range w.Scenario.Nodes {
		if sn.Name != nodeName || sn.Resolver == "" {
			continue
		}
		if a, err := netip.ParseAddr(sn.Resolver); err == nil {
			if n, _ := w.NodeByAddr(a); n != nil {
				return a, n.Name, true
			}
			return a, a.String(), true
		}
		if n := w.Node(sn.Resolver); n != nil {
			return n.Addr(), n.Name, true
		}
	}
	if c := w.DHCPClient(nodeName); c != nil {
		if b, ok := c.Binding(); ok && len(b.DNS) > 0 {
			if n, _ := w.NodeByAddr(b.DNS[0]); n != nil {
				return b.DNS[0], n.Name, true
			}
			return b.DNS[0], b.DNS[0].String(), true
		}
	}
	if r := w.ResolverNode(); r != "" {
		return w.Node(r).Addr(), r, true
	}
	return netip.Addr{}, "", false
}

// checkResolvers checks every node's resolver setting: an IPv4 address, or
// the name of a node.
func (w *World) checkResolvers() error {
	for _, sn := range w.Scenario.Nodes {
		if sn.Resolver == "" {
			continue
		}
		if a, err := netip.ParseAddr(sn.Resolver); err == nil && a.Is4() {
			continue
		}
		if w.Node(sn.Resolver) == nil {
			return fmt.Errorf("%s:%s: %s: resolver %q is neither an IPv4 address nor a node", w.Scenario.File, sn.Pos, sn.Name, sn.Resolver)
		}
	}
	return nil
}

// ResolverNode returns the name of the first node that runs a recursive
// resolver, or "": every host's resolver unless it names its own.
func (w *World) ResolverNode() string {
	for _, sn := range w.Scenario.Nodes {
		for _, svc := range sn.Services {
			if svc.Kind == scenario.ServiceResolver {
				return sn.Name
			}
		}
	}
	return ""
}

// zoneEntry splits a dns service's zone entry: "ORIGIN" names a zone hops
// ships, "ORIGIN FILE" a zone file of the scenario's own (its path
// relative to the scenario file).
func zoneEntry(e string) (origin, file string) {
	origin, file, _ = strings.Cut(strings.TrimSpace(e), " ")
	return origin, strings.TrimSpace(file)
}
