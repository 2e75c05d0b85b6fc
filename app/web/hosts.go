package web

import (
	"embed"
	"fmt"
	"io/fs"
	"net"
	"strings"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
)

// Hosts picks a handler by the request's Host (without its port), as
// virtual hosts do; an unknown host gets Default, or 404.
type Hosts struct {
	ByName  map[string]h1.Handler
	Default h1.Handler
	// Pushes are, by host and then by path, the paths an HTTP/2 server
	// pushes with a response (when the client allows push).
	Pushes map[string]map[string][]string
}

// Push returns the paths to push with the response to req (for
// h2.ServerConfig.Push).
func (v *Hosts) Push(req *h1.Request) []string {
	host := strings.ToLower(req.Host())
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	p, _, _ := strings.Cut(req.Target, "?")
	return v.Pushes[host][p]
}

// sitePushes is what the sites hops ships push over HTTP/2: the home
// page's style sheet and logo, the resources its first paint needs.
var sitePushes = map[string]map[string][]string{
	"www.example.com": {"/": {"/style.css", "/logo.png"}, "/index.html": {"/style.css", "/logo.png"}},
}

// ServeHTTP passes the request on.
func (v *Hosts) ServeHTTP(now sim.Time, req *h1.Request, resp *h1.Response) {
	host := strings.ToLower(req.Host())
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if h := v.ByName[host]; h != nil {
		h.ServeHTTP(now, req, resp)
		return
	}
	if v.Default != nil {
		v.Default.ServeHTTP(now, req, resp)
		return
	}
	textError(resp, 404)
}

//go:embed site
var siteFiles embed.FS

// visitorCookie wraps a site: a page (text/html) answered 200 to a
// request without a "visitor" cookie sets one, numbered in the order
// visitors came (deterministic), valid for a day on the whole site.
type visitorCookie struct {
	h    h1.Handler
	next int
}

func (v *visitorCookie) ServeHTTP(now sim.Time, req *h1.Request, resp *h1.Response) {
	v.h.ServeHTTP(now, req, resp)
	if resp.Status != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		return
	}
	for _, c := range req.Header.Values("Cookie") {
		for _, pair := range strings.Split(c, ";") {
			if name, _, _ := strings.Cut(strings.TrimSpace(pair), "="); name == "visitor" {
				return
			}
		}
	}
	v.next++
	resp.Header.Add("Set-Cookie", fmt.Sprintf("visitor=%d; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax", v.next))
}

// WWW returns the default world's www.example.com site: its pages, with
// /about moved permanently to /about.html and /home found at /; a page
// sets a "visitor" cookie for a browser that has none.
func WWW() (h1.Handler, error) {
	sub, err := fs.Sub(siteFiles, "site/www.example.com")
	if err != nil {
		return nil, err
	}
	s, err := NewSite(sub)
	if err != nil {
		return nil, err
	}
	s.Redirect("/about", 301, "/about.html")
	s.Redirect("/home", 302, "http://www.example.com/")
	return &visitorCookie{h: s}, nil
}

// StartDefault starts the default world's web servers on the nodes lookup
// finds by name: www.example.com's site and api.example.com's API, each
// on port 80 and the default for its node. A missing node is skipped.
func StartDefault(lookup func(name string) *node.Node, cfg Config) ([]*Server, error) {
	www, err := WWW()
	if err != nil {
		return nil, err
	}
	var out []*Server
	for _, d := range []struct {
		name string
		h    h1.Handler
	}{{"www.example.com", www}, {"api.example.com", NewAPI()}} {
		n := lookup(d.name)
		if n == nil {
			continue
		}
		s, err := Serve(n, cfg, &Hosts{ByName: map[string]h1.Handler{d.name: d.h}, Default: d.h})
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// SiteNames lists the sites hops ships, for scenario files.
func SiteNames() []string { return []string{"www.example.com", "api.example.com"} }

// SiteHandler returns the handler of a site hops ships, by host name.
func SiteHandler(name string) (h1.Handler, error) {
	switch strings.ToLower(name) {
	case "www.example.com":
		return WWW()
	case "api.example.com":
		return NewAPI(), nil
	}
	return nil, fmt.Errorf("no site %q (hops ships %s)", name, strings.Join(SiteNames(), ", "))
}

// SitesHandler returns the handler of the named sites, by Host; the
// first site also answers any other Host. Its Push lists what an HTTP/2
// server pushes with a page.
func SitesHandler(names []string) (*Hosts, error) {
	hosts := &Hosts{ByName: map[string]h1.Handler{}, Pushes: map[string]map[string][]string{}}
	for _, name := range names {
		if p := sitePushes[strings.ToLower(name)]; p != nil {
			hosts.Pushes[strings.ToLower(name)] = p
		}
		h, err := SiteHandler(name)
		if err != nil {
			return nil, err
		}
		hosts.ByName[strings.ToLower(name)] = h
		if hosts.Default == nil {
			hosts.Default = h
		}
	}
	return hosts, nil
}

// ServeSites starts an HTTP server on n's port 80 for the named sites,
// by Host; the first site also answers any other Host.
func ServeSites(n *node.Node, cfg Config, names []string) (*Server, error) {
	hosts, err := SitesHandler(names)
	if err != nil {
		return nil, err
	}
	if cfg.HTTP2.Push == nil {
		cfg.HTTP2.Push = hosts.Push
	}
	return Serve(n, cfg, hosts)
}

// PushTable reads a scenario's push entries (a web service's push:
// "PAGE RESOURCE..." for the site first, "HOST/PAGE RESOURCE..." for
// another, "none" for nothing) into a Hosts.Pushes table.
func PushTable(first string, entries []string) (map[string]map[string][]string, error) {
	out := map[string]map[string][]string{}
	for _, e := range entries {
		f := strings.Fields(e)
		if len(f) == 1 && f[0] == "none" {
			continue
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("push %q: want \"PAGE RESOURCE...\", e.g. \"/ /style.css /logo.png\", or none", e)
		}
		host, page := strings.ToLower(first), f[0]
		if !strings.HasPrefix(page, "/") {
			h, p, ok := strings.Cut(page, "/")
			if !ok || h == "" {
				return nil, fmt.Errorf("push %q: the page %q must be a path (/…) or HOST/PATH", e, page)
			}
			host, page = strings.ToLower(h), "/"+p
		}
		for _, r := range f[1:] {
			if !strings.HasPrefix(r, "/") {
				return nil, fmt.Errorf("push %q: the resource %q must be a path on the same site (/…)", e, r)
			}
		}
		if out[host] == nil {
			out[host] = map[string][]string{}
		}
		out[host][page] = append(out[host][page], f[1:]...)
	}
	return out, nil
}
