package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hopsnet/hops/app/web"
	"github.com/hopsnet/hops/live/serve"
	"github.com/spf13/cobra"
)

func newServeCmd(g *globals) *cobra.Command {
	var (
		sites    []string
		listen   string
		duration time.Duration
	)
	cmd := &cobra.Command{
		Use:   "serve [--site NAME...] [--listen 127.0.0.1:PORT]",
		Short: "Serve a site of the world on a real loopback socket with hops' own HTTP/1.1 and HTTP/2 engines",
		Long: `serve listens on a real loopback socket and answers with the same HTTP/1.1
and HTTP/2 server engines the simulated web servers run, driven by the wall
clock: curl, a browser or any HTTP client can talk to hops' server code. A
connection opening with the HTTP/2 preface speaks HTTP/2 (h2c by prior
knowledge, e.g. curl --http2-prior-knowledge), any other HTTP/1.1. Sites
are chosen by Host; the first also answers any other Host. It runs until
Ctrl-C (or --duration). Only loopback addresses are accepted.`,
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
			h, err := web.SitesHandler(sites)
			if err != nil {
				return usageError{fmt.Errorf("serve: %v", err)}
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("serve: %v", err)
			}
			s := &serve.Server{Handler: h}
			s.HTTP2.Push = h.Push
			fmt.Fprintf(g.stderr, "hops serve: %v on http://%s/ (HTTP/1.1, and HTTP/2 by prior knowledge); Ctrl-C to stop\n", sites, ln.Addr())
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
