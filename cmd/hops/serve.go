package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hopsnet/hops/app/web"
	"github.com/hopsnet/hops/live/serve"
	"github.com/hopsnet/hops/world/scenario"
	"github.com/spf13/cobra"
)

func newServeCmd(g *globals) *cobra.Command {
	var (
		sites    []string
		listen   string
		duration time.Duration
	)
	cmd := &cobra.Command{
		Use:   "serve [--world FILE] [--site NAME|NODE...] [--listen 127.0.0.1:PORT]",
		Short: "Serve a site of the world on a real loopback socket with hops' own HTTP/1.1 and HTTP/2 engines",
		Long: `serve listens on a real loopback socket and answers with the same HTTP/1.1
and HTTP/2 server engines the simulated web servers run, driven by the wall
clock: curl, a browser or any HTTP client can talk to hops' server code. A
connection opening with the HTTP/2 preface speaks HTTP/2 (h2c by prior
knowledge, e.g. curl --http2-prior-knowledge), any other HTTP/1.1, and an
HTTP/1.1 request offering Upgrade: h2c switches to HTTP/2 (curl --http2).
Sites are chosen by Host; the first also answers any other Host. --site
names a site hops ships (www.example.com, api.example.com) or a node of
the world (--world FILE, or the default world) whose web service's sites
and push rules are served. It runs until Ctrl-C (or --duration). Only
loopback addresses are accepted.`,
		Example: `  hops serve --listen 127.0.0.1:8080
  curl -v http://127.0.0.1:8080/
  curl --http2-prior-knowledge http://127.0.0.1:8080/style.css
  curl -H 'Host: api.example.com' http://127.0.0.1:8080/items`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ap, err := netip.ParseAddrPort(listen)
			if err != nil {
				return usageError{fmt.Errorf("serve: --listen %q: want ADDRESS:PORT, e.g. 127.0.0.1:8080", listen)}
			}
			if !ap.Addr().IsLoopback() {
				return usageError{fmt.Errorf("serve: --listen %s: hops serves only on loopback addresses (127.0.0.0/8, ::1)", listen)}
			}
			h, names, err := serveSites(g, sites)
			if err != nil {
				return usageError{fmt.Errorf("serve: %v", err)}
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("serve: %v", err)
			}
			s := &serve.Server{Handler: h}
			s.HTTP2.Push = h.Push
			fmt.Fprintf(g.stderr, "hops serve: %v on http://%s/ (HTTP/1.1, and HTTP/2 by prior knowledge or Upgrade: h2c); Ctrl-C to stop\n", names, ln.Addr())
			done := make(chan error, 1)
			go func() { done <- s.Serve(ln) }()
			var timeout <-chan time.Time
			if duration > 0 {
				timeout = time.After(duration)
			}
			sigs := make(chan os.Signal, 1)
			signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(sigs)
			select {
			case err = <-done:
			case <-timeout:
			case <-sigs:
			}
			ln.Close()
			s.Close()
			if err != nil && !errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("serve: %v", err)
			}
			fmt.Fprintf(g.stderr, "hops serve: %d requests answered\n", s.Requests())
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&sites, "site", []string{"www.example.com", "api.example.com"}, "the sites to serve, by host name")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "the loopback `ADDRESS:PORT` to listen on")
	cmd.Flags().DurationVar(&duration, "duration", 0, "stop after this long (default: until Ctrl-C)")
	return cmd
}

// serveSites returns the handler of --site's values: a site hops ships
// by host name, or a node of the world whose web service's sites (and
// push rules) are served; names are the sites, in order.
func serveSites(g *globals, args []string) (*web.Hosts, []string, error) {
	var names []string
	var pushes map[string]map[string][]string
	sc, err := loadScenario(g)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range args {
		// a node of the world first (a node named like a site serves
		// what its web service says), then a site hops ships
		var svc *scenario.Service
		for i := range sc.Nodes {
			if !strings.EqualFold(sc.Nodes[i].Name, a) {
				continue
			}
			for j := range sc.Nodes[i].Services {
				if sc.Nodes[i].Services[j].Kind == scenario.ServiceWeb {
					svc = &sc.Nodes[i].Services[j]
					break
				}
			}
			if svc == nil {
				return nil, nil, fmt.Errorf("--site %s: the node runs no web service", a)
			}
		}
		if svc == nil {
			if _, err := web.SiteHandler(a); err == nil {
				names = append(names, a)
				continue
			}
			return nil, nil, fmt.Errorf("no site %q (hops ships %s) and no node %q in the world", a, strings.Join(web.SiteNames(), ", "), a)
		}
		if len(svc.Sites) == 0 {
			return nil, nil, fmt.Errorf("--site %s: its web service names no sites", a)
		}
		names = append(names, svc.Sites...)
		if svc.Push != nil {
			p, err := web.PushTable(svc.Sites[0], svc.Push)
			if err != nil {
				return nil, nil, fmt.Errorf("--site %s: %v", a, err)
			}
			if pushes == nil {
				pushes = map[string]map[string][]string{}
			}
			for _, s := range svc.Sites {
				pushes[strings.ToLower(s)] = p[strings.ToLower(s)]
			}
		}
	}
	h, err := web.SitesHandler(names)
	if err != nil {
		return nil, nil, err
	}
	for host, p := range pushes {
		h.Pushes[host] = p
	}
	return h, names, nil
}
