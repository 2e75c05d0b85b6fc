package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hopsnet/hops/app/dhcpapp"
	"github.com/hopsnet/hops/dhcp"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
	"github.com/spf13/cobra"
)

// hops dhcp and hops nat: the home network's DHCP exchanges and leases,
// and a router's NAT table.

func newDHCPCmd(g *globals) *cobra.Command {
	var renew bool
	cmd := &cobra.Command{
		Use:   "dhcp [NODE...]",
		Short: "Show how hosts got their addresses: the DHCP exchanges and the servers' leases",
		Long: `dhcp starts the world, lets every DHCP client get its lease, and prints each
client's exchange the way dhclient -v does (DISCOVER, OFFER, REQUEST, ACK, with
virtual times) and the lease it holds, then each server's lease table.

NODE limits the output to those clients and servers (default: all of them).
--renew runs on until every lease has been renewed once, at its T1 (half the
lease time), to show the unicast REQUEST and the ACK that extends it.`,
		Example: `  hops dhcp
  hops dhcp laptop
  hops dhcp --renew laptop
  hops dhcp --pcap dhcp.pcapng && tshark -r dhcp.pcapng -Y 'dhcp || arp'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := newSession(g)
			if err != nil {
				return err
			}
			want := map[string]bool{}
			for _, a := range args {
				if s.w.Node(a) == nil {
					return usageError{fmt.Errorf("dhcp: unknown node %q (try `hops world`)", a)}
				}
				want[a] = true
			}
			if len(s.w.DHCPClients) == 0 && len(s.w.DHCPServers) == 0 {
				return usageError{errors.New("dhcp: no node of this world uses DHCP (give an interface the address \"dhcp\" and its router a dhcp service)")}
			}
			if err := s.start(); err != nil {
				return err
			}
			if renew {
				end := sim.Time(0)
				for _, c := range s.w.DHCPClients {
					if b, ok := c.Binding(); ok && b.T1 != sim.Never {
						end = max(end, b.T1)
					}
				}
				s.w.Kernel.RunUntil(end.Add(time.Second))
			}
			pick := func(name string) bool { return len(want) == 0 || want[name] }
			if g.json {
				if err := s.printJSON(dhcpJSON(s, pick)); err != nil {
					return err
				}
				return s.close()
			}
			first := true
			for _, c := range s.w.DHCPClients {
				if !pick(c.Node().Name) {
					continue
				}
				if !first {
					fmt.Fprintln(s.out)
				}
				first = false
				writeDHCPClient(s.out, c)
			}
			for _, srv := range s.w.DHCPServers {
				if !pick(srv.Node().Name) {
					continue
				}
				for _, i := range srv.Ifaces() {
					if !first {
						fmt.Fprintln(s.out)
					}
					first = false
					writeLeases(s.out, srv, i, s.w.Kernel.Now())
				}
			}
			return s.close()
		},
	}
	cmd.Flags().BoolVar(&renew, "renew", false, "run until every lease has been renewed once (at T1)")
	return cmd
}

// dhcpOutput is hops dhcp's JSON: each client's exchange and lease, each
// server's leases; times in nanoseconds of virtual time since the world
// booted.
type dhcpOutput struct {
	Clients []dhcpClientJSON `json:"clients"`
	Servers []dhcpServerJSON `json:"servers"`
}

type dhcpClientJSON struct {
	Node  string          `json:"node"`
	Iface string          `json:"iface"`
	MAC   string          `json:"mac"`
	State string          `json:"state"`
	Log   []dhcpEventJSON `json:"log"`
	Lease *dhcpLeaseJSON  `json:"lease,omitempty"`
}

type dhcpEventJSON struct {
	AtNs    int64  `json:"at_ns"`
	Sent    bool   `json:"sent,omitempty"`
	Message string `json:"message,omitempty"` // DHCPDISCOVER …
	Peer    string `json:"peer,omitempty"`
	Addr    string `json:"addr,omitempty"`
	Kind    string `json:"kind,omitempty"` // a lease change: bound, renewed …
}

type dhcpLeaseJSON struct {
	Prefix    string   `json:"prefix"`
	Router    []string `json:"router"`
	DNS       []string `json:"dns"`
	Server    string   `json:"server"`
	LeaseNs   int64    `json:"lease_ns"`
	T1Ns      int64    `json:"t1_ns"`
	T2Ns      int64    `json:"t2_ns"`
	ExpiresNs int64    `json:"expires_ns"`
}

type dhcpServerJSON struct {
	Node   string              `json:"node"`
	Iface  string              `json:"iface"`
	Leases []dhcpServLeaseJSON `json:"leases"`
}

type dhcpServLeaseJSON struct {
	Addr      string `json:"addr"`
	MAC       string `json:"mac"`
	Hostname  string `json:"hostname,omitempty"`
	State     string `json:"state"`
	ExpiresNs int64  `json:"expires_ns"`
}

func strs[T fmt.Stringer](as []T) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.String())
	}
	return out
}

func dhcpJSON(s *session, pick func(string) bool) dhcpOutput {
	out := dhcpOutput{Clients: []dhcpClientJSON{}, Servers: []dhcpServerJSON{}}
	for _, c := range s.w.DHCPClients {
		if !pick(c.Node().Name) {
			continue
		}
		cj := dhcpClientJSON{Node: c.Node().Name, Iface: c.Iface().Name, MAC: c.Iface().MAC().String(), State: c.State().String(), Log: []dhcpEventJSON{}}
		for _, ev := range c.Log() {
			e := dhcpEventJSON{AtNs: int64(ev.At), Sent: ev.Sent, Kind: ev.Kind}
			if ev.Message != 0 {
				e.Message = ev.Message.String()
			}
			if ev.Peer.IsValid() {
				e.Peer = ev.Peer.String()
			}
			if ev.Addr.IsValid() && !ev.Addr.IsUnspecified() {
				e.Addr = ev.Addr.String()
			} else if ev.Message == 0 {
				e.Addr = ev.Binding.Prefix.String()
			}
			cj.Log = append(cj.Log, e)
		}
		if b, ok := c.Binding(); ok {
			cj.Lease = &dhcpLeaseJSON{Prefix: b.Prefix.String(), Router: strs(b.Router), DNS: strs(b.DNS), Server: b.Server.String(),
				LeaseNs: int64(b.LeaseTime), T1Ns: int64(b.T1), T2Ns: int64(b.T2), ExpiresNs: int64(b.Expires)}
		}
		out.Clients = append(out.Clients, cj)
	}
	for _, srv := range s.w.DHCPServers {
		if !pick(srv.Node().Name) {
			continue
		}
		for _, i := range srv.Ifaces() {
			sj := dhcpServerJSON{Node: srv.Node().Name, Iface: i.Name, Leases: []dhcpServLeaseJSON{}}
			for _, l := range srv.Leases(i) {
				var mac wire.MAC
				copy(mac[:], l.HW)
				sj.Leases = append(sj.Leases, dhcpServLeaseJSON{Addr: l.Addr.String(), MAC: mac.String(), Hostname: l.Hostname, State: l.State.String(), ExpiresNs: int64(l.Expires)})
			}
			out.Servers = append(out.Servers, sj)
		}
	}
	return out
}

// writeDHCPClient prints a client's exchange like dhclient -v.
func writeDHCPClient(w io.Writer, c *dhcpapp.Client) {
	i := c.Iface()
	fmt.Fprintf(w, "%s:%s (%s)\n", c.Node().Name, i.Name, i.MAC())
	for _, ev := range c.Log() {
		at := fmtClock(ev.At)
		switch {
		case ev.Message == 0:
			b := ev.Binding
			switch ev.Kind {
			case "bound", "renewed":
				verb := "bound to"
				if ev.Kind == "renewed" {
					verb = "renewed"
				}
				fmt.Fprintf(w, "  %14s  %s %s -- renewal in %s, rebinding in %s, lease %s\n", at, verb, b.Prefix,
					fmtDur(time.Duration(b.T1-ev.At)), fmtDur(time.Duration(b.T2-ev.At)), fmtDur(b.LeaseTime))
				fmt.Fprintf(w, "  %14s  router %s, dns %s, server %s\n", "", joinAddrs(b.Router), joinAddrs(b.DNS), b.Server)
			default:
				fmt.Fprintf(w, "  %14s  lease %s: %s released from %s\n", at, ev.Kind, b.Prefix, i.Name)
			}
		case ev.Sent:
			what := fmt.Sprintf("%s on %s to %s port 67", ev.Message, i.Name, ev.Peer)
			if ev.Addr.IsValid() && !ev.Addr.IsUnspecified() {
				what = fmt.Sprintf("%s for %s on %s to %s port 67", ev.Message, ev.Addr, i.Name, ev.Peer)
			}
			fmt.Fprintf(w, "  %14s  %s\n", at, what)
		default:
			verb := "of"
			if ev.Message == dhcp.Nak {
				verb = "for"
			}
			fmt.Fprintf(w, "  %14s  %s %s %s from %s\n", at, ev.Message, verb, ev.Addr, ev.Peer)
		}
	}
	if _, ok := c.Binding(); !ok {
		fmt.Fprintf(w, "  no lease (state %s)\n", c.State())
	}
}

// writeLeases prints a server's lease table for one interface, like a
// dnsmasq leases file made readable.
func writeLeases(w io.Writer, srv *dhcpapp.Server, i *node.Iface, now sim.Time) {
	fmt.Fprintf(w, "%s:%s leases\n", srv.Node().Name, i.Name)
	ls := srv.Leases(i)
	if len(ls) == 0 {
		fmt.Fprintln(w, "  (none)")
		return
	}
	fmt.Fprintf(w, "  %-15s  %-17s  %-12s  %-8s  %s\n", "ADDRESS", "MAC", "HOSTNAME", "STATE", "EXPIRES IN")
	for _, l := range ls {
		var mac wire.MAC
		copy(mac[:], l.HW)
		host := l.Hostname
		if host == "" {
			host = "-"
		}
		fmt.Fprintf(w, "  %-15s  %-17s  %-12s  %-8s  %s\n", l.Addr, mac, host, l.State, fmtDur(time.Duration(l.Expires-now)))
	}
}

func fmtMillis(t sim.Time) string {
	return fmt.Sprintf("%.3f ms", float64(t)/1e6)
}

// fmtClock prints a virtual instant as h:mm:ss.micro, which stays
// readable from the first milliseconds to a lease's renewal hours later.
func fmtClock(t sim.Time) string {
	d := time.Duration(t)
	h, m := d/time.Hour, d%time.Hour/time.Minute
	sec := float64(d%time.Minute) / 1e9
	return fmt.Sprintf("%d:%02d:%09.6f", h, m, sec)
}

// fmtDur prints a duration rounded to the second (or the millisecond
// below a second).
func fmtDur(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	// 1h0m0s reads better as 1h, 30m0s as 30m.
	t := d.Round(time.Second).String()
	if strings.HasSuffix(t, "m0s") {
		t = strings.TrimSuffix(t, "0s")
	}
	if strings.HasSuffix(t, "h0m") {
		t = strings.TrimSuffix(t, "0m")
	}
	return t
}

func joinAddrs[T fmt.Stringer](as []T) string {
	if len(as) == 0 {
		return "none"
	}
	var b strings.Builder
	for k, a := range as {
		if k > 0 {
			b.WriteString(" ")
		}
		b.WriteString(a.String())
	}
	return b.String()
}

func newNATCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "nat NODE [-- COMMAND [ARGS...]]",
		Short: "Print a router's NAT table like conntrack -L, after running a command",
		Long: `nat runs a hops COMMAND (ping, traceroute, dig, curl, browse, transfer …) in the
world, then prints NODE's NAT table at the end of that run, the way
conntrack -L does: each mapping's protocol, seconds left, TCP state, the
original tuple (inside address and port, to the server) and the reply tuple
(server to the public address and port), UNREPLIED or ASSURED.

Without a command it prints the table once the world has settled: the
port-forward rules only.`,
		Example: `  hops nat home-router -- ping -c 2 www.example.com
  hops nat home-router -- browse www.example.com
  hops nat home-router -- ping --from phone -c 1 198.51.100.1`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 {
				return usageError{errors.New("nat: name the router whose NAT table to print (e.g. hops nat home-router -- ping www.example.com)")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			router, inner := args[0], args[1:]
			if len(inner) > 0 && inner[0] == "--" {
				inner = inner[1:]
			}
			var table []byte
			var when, start sim.Time
			var found, hasNAT bool
			var exit error
			grab := func(s *session) {
				n := s.w.Node(router)
				if n == nil {
					return
				}
				found = true
				if t := n.NAT(); t != nil {
					hasNAT = true
					when, start = s.w.Kernel.Now(), s.w.Start
					t.Expire(when)
					table = t.AppendConntrack(nil, when)
				}
			}
			if len(inner) == 0 {
				s, err := newSession(g)
				if err != nil {
					return err
				}
				grab(s)
			} else {
				child := *g
				child.onClose = grab
				root := newRootWith(&child)
				// The inner command runs the world: the outputs are its.
				args := g.baseArgs()
				if g.pcap != "" {
					args = append(args, "--pcap", g.pcap)
				}
				if len(g.capture) > 0 {
					args = append(args, "--capture", strings.Join(g.capture, ","))
				}
				if g.events != "" {
					args = append(args, "--events", g.events)
				}
				if g.stats {
					args = append(args, "--stats")
				}
				if g.json {
					args = append(args, "--json")
				}
				root.SetArgs(append(args, inner...))
				root.SetOut(g.stdout)
				root.SetErr(g.stderr)
				if err := root.Execute(); err != nil {
					var se silentExit
					if !errors.As(err, &se) {
						return err
					}
					exit = err
				}
			}
			switch {
			case !found:
				return usageError{fmt.Errorf("nat: unknown node %q (try `hops world`)", router)}
			case !hasNAT:
				return usageError{fmt.Errorf("nat: %s does not translate addresses (no nat: in the scenario, or its public side has no address)", router)}
			}
			if g.json {
				lines := strings.Split(strings.TrimSuffix(string(table), "\n"), "\n")
				if len(table) == 0 {
					lines = []string{}
				}
				err := json.NewEncoder(g.stdout).Encode(struct {
					Type    string   `json:"type"`
					Node    string   `json:"node"`
					AtNs    int64    `json:"at_ns"`
					Entries []string `json:"entries"`
				}{"conntrack", router, int64(when - start), lines})
				if err != nil {
					return err
				}
				return exit
			}
			fmt.Fprintf(g.stdout, "\n%s NAT table at %s (conntrack -L):\n", router, fmtMillis(when-start))
			g.stdout.Write(table)
			fmt.Fprintf(g.stdout, "conntrack v1.4.8 (conntrack-tools): %d flow entries have been shown.\n", strings.Count(string(table), "\n"))
			return exit
		},
	}
	cmd.Flags().SetInterspersed(false)
	return cmd
}
