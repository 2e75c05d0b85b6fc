package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hopsnet/hops/internal/tsharkcheck"
	"github.com/hopsnet/hops/world/gen"
)

// TestDHCPCaptureTshark: the laptop's lease and its renewal, captured on
// the laptop and the home router, decoded by tshark with no warning: the
// four messages of the first exchange (broadcast DISCOVER and REQUEST,
// OFFER and ACK to the laptop), ARP, and at T1 a unicast REQUEST from the
// leased address (ciaddr set) answered by an ACK.
func TestDHCPCaptureTshark(t *testing.T) {
	tsharkcheck.Require(t)
	pcap := filepath.Join(t.TempDir(), "dhcp.pcapng")
	out, errs, code := hops(t, "--pcap", pcap, "--capture", "laptop,home-router", "dhcp", "--renew", "laptop")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "renewed 192.168.1.102/24") {
		t.Fatalf("no renewal in:\n%s", out)
	}
	if p, err := tsharkcheck.ProblemsPerInterface(pcap, "warning"); err != nil || len(p) > 0 {
		t.Fatalf("tshark: %v %s", err, strings.Join(p, "\n"))
	}
	// The laptop's MAC, from the first line: "laptop:wlan0 (MAC)".
	first, _, _ := strings.Cut(out, "\n")
	mac := strings.TrimSuffix(strings.TrimPrefix(first, "laptop:wlan0 ("), ")")
	rows, err := tsharkcheck.Fields(pcap, "frame.interface_name", "dhcp.hw.mac_addr", "eth.dst", "arp.opcode", "dhcp.option.dhcp", "dhcp.ip.client", "dhcp.ip.your", "ip.src", "ip.dst")
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	arps := 0
	for _, r := range rows {
		if r[0] != "laptop:wlan0" {
			continue
		}
		if r[3] != "" {
			arps++
			continue
		}
		if r[4] == "" || r[1] != mac {
			continue // not DHCP, or another client's broadcast
		}
		seq = append(seq, r[4]+" "+r[5]+" "+r[6]+" "+r[7]+">"+r[8])
	}
	want := []string{
		"1 0.0.0.0 0.0.0.0 0.0.0.0>255.255.255.255",               // DISCOVER
		"2 0.0.0.0 192.168.1.102 192.168.1.1>192.168.1.102",       // OFFER
		"3 0.0.0.0 0.0.0.0 0.0.0.0>255.255.255.255",               // REQUEST (selecting)
		"5 0.0.0.0 192.168.1.102 192.168.1.1>192.168.1.102",       // ACK
		"3 192.168.1.102 0.0.0.0 192.168.1.102>192.168.1.1",       // REQUEST (renewing, unicast)
		"5 192.168.1.102 192.168.1.102 192.168.1.1>192.168.1.102", // ACK
	}
	if strings.Join(seq, "\n") != strings.Join(want, "\n") {
		t.Fatalf("tshark: the laptop's DHCP messages:\n%s\nwant:\n%s", strings.Join(seq, "\n"), strings.Join(want, "\n"))
	}
	if arps == 0 {
		t.Fatal("tshark: no ARP on the laptop's interface")
	}
}

// TestNATCaptureTshark: ICMP (ping, and traceroute's time-exceeded
// errors), UDP (the stub's DNS) and TCP (curl) from the laptop, captured
// on both sides of the home router: tshark finds no warning, the inside
// interface shows only the laptop's private address on the home side,
// the outside only the public one, and the same seed gives the same
// bytes.
func TestNATCaptureTshark(t *testing.T) {
	tsharkcheck.Require(t)
	dir := t.TempDir()
	run := func(name, seed string, args ...string) []byte {
		p := filepath.Join(dir, name)
		if _, errs, code := hops(t, append([]string{"--seed", seed, "--pcap", p, "--capture", "home-router"}, args...)...); code != 0 {
			t.Fatalf("hops %v: exit %d: %s", args, code, errs)
		}
		if pr, err := tsharkcheck.ProblemsPerInterface(p, "warning"); err != nil || len(pr) > 0 {
			t.Fatalf("tshark on %s: %v %s", name, err, strings.Join(pr, "\n"))
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	protos := map[string]map[string]bool{} // interface → protocols seen
	for _, c := range []struct {
		name string
		args []string
	}{
		{"ping.pcapng", []string{"ping", "-c", "2", "www.example.com"}},
		{"trace.pcapng", []string{"traceroute", "-q", "1", "www.example.com"}},
		{"curl.pcapng", []string{"curl", "http://www.example.com/"}},
	} {
		run(c.name, "1", c.args...)
		rows, err := tsharkcheck.Fields(filepath.Join(dir, c.name), "frame.interface_name", "ip.src", "ip.dst", "ip.proto", "icmp.type", "udp.dstport")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r[1] == "" || r[5] == "67" || r[5] == "68" {
				continue // ARP, DHCP
			}
			if protos[r[0]] == nil {
				protos[r[0]] = map[string]bool{}
			}
			protos[r[0]][r[3]] = true
			if r[4] == "11" {
				protos[r[0]]["time-exceeded"] = true
			}
			// ICMP errors give the outer and the quoted header's addresses.
			addrs := strings.Split(r[1]+","+r[2], ",")
			private, public := false, false
			for _, a := range addrs {
				private = private || strings.HasPrefix(a, "192.168.")
				public = public || a == "198.51.100.2"
			}
			switch r[0] {
			case "home-router:wan0":
				if private {
					t.Fatalf("%s: a private address outside: %v", c.name, r)
				}
				if !public {
					t.Fatalf("%s: outside, neither end is the public address: %v", c.name, r)
				}
			case "home-router:lan0":
				if public {
					t.Fatalf("%s: the public address inside: %v", c.name, r)
				}
			}
		}
	}
	for _, ifc := range []string{"home-router:lan0", "home-router:wan0"} {
		for _, p := range []string{"1", "17", "6", "time-exceeded"} {
			if !protos[ifc][p] {
				t.Errorf("tshark: no %s on %s (saw %v)", p, ifc, protos[ifc])
			}
		}
	}
	a := run("a.pcapng", "7", "curl", "http://www.example.com/")
	b := run("b.pcapng", "7", "curl", "http://www.example.com/")
	c := run("c.pcapng", "8", "curl", "http://www.example.com/")
	if !bytes.Equal(a, b) {
		t.Fatal("same seed, different captures")
	}
	if bytes.Equal(a, c) {
		t.Fatal("another seed, the same capture")
	}
}

// TestHomeCommandErrors: mistakes with hops dhcp and hops nat are usage
// errors (exit 2) that say what is wrong.
func TestHomeCommandErrors(t *testing.T) {
	tiny := writeFile(t, "tiny.yaml", "nodes: [{name: a, role: host}, {name: b, role: host}]\nlinks:\n  - {a: a 10.0.0.1/30, b: b 10.0.0.2/30}\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"nat"}, "hops: nat: name the router whose NAT table to print"},
		{[]string{"nat", "nosuch"}, `hops: nat: unknown node "nosuch" (try ` + "`hops world`)"},
		{[]string{"nat", "isp-a-edge", "--", "ping", "-c", "1", "www.example.com"}, "hops: nat: isp-a-edge does not translate addresses"},
		{[]string{"nat", "home-router", "--", "nosuchcmd"}, `unknown command "nosuchcmd"`},
		{[]string{"dhcp", "nosuch"}, `hops: dhcp: unknown node "nosuch"`},
		{[]string{"--world", tiny, "dhcp"}, "hops: dhcp: no node of this world uses DHCP"},
	} {
		_, errs, code := hops(t, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("hops %s: exit %d, stderr %q; want 2 and %q", strings.Join(c.args, " "), code, errs, c.want)
		}
	}
	// The inner command's own failure is the exit status, and the table
	// still prints.
	out, _, code := hops(t, "nat", "home-router", "--", "ping", "-c", "1", "-W", "1", "198.51.100.77")
	if code != 1 || !strings.Contains(out, "home-router NAT table at") || !strings.Contains(out, "[UNREPLIED]") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestOSPFCaptureTshark: a run routed by OSPF with a link cut, captured
// on isp-a-core and the IXP: tshark decodes every OSPF packet (all five
// types appear: Hello, Database Description, Link State Request, Update
// and Acknowledgment) with no warning per interface, the packets go to
// AllSPFRouters with TTL 1 and precedence 0xc0, and the same seed gives
// the same bytes.
func TestOSPFCaptureTshark(t *testing.T) {
	tsharkcheck.Require(t)
	dir := t.TempDir()
	run := func(name, seed string) []byte {
		p := filepath.Join(dir, name)
		args := []string{"--seed", seed, "--routing", "ospf", "--pcap", p, "--capture", "isp-a-core,ixp",
			"--link-down", "isp-a-core--ixp@1s", "ping", "-c", "3", "www.example.com"}
		if _, errs, code := hops(t, args...); code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := run("a.pcapng", "1")
	p := filepath.Join(dir, "a.pcapng")
	if pr, err := tsharkcheck.ProblemsPerInterface(p, "warning"); err != nil || len(pr) > 0 {
		t.Fatalf("tshark: %v %s", err, strings.Join(pr, "\n"))
	}
	rows, err := tsharkcheck.Fields(p, "ospf.msg", "ip.dst", "ip.ttl", "ip.dsfield", "ospf.srcrouter")
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, r := range rows {
		if r[0] == "" {
			continue
		}
		types[r[0]]++
		if r[1] != "224.0.0.5" || r[2] != "1" || r[3] != "0xc0" {
			t.Fatalf("tshark: an OSPF packet to %s, TTL %s, DS field %s", r[1], r[2], r[3])
		}
	}
	for _, typ := range []string{"1", "2", "3", "4", "5"} {
		if types[typ] == 0 {
			t.Errorf("tshark: no OSPF packet of type %s (saw %v)", typ, types)
		}
	}
	if b := run("b.pcapng", "1"); !bytes.Equal(a, b) {
		t.Fatal("same seed, different captures")
	}
}

// TestECMPTransfer: hops routes shows r1's multipath route the way ip
// route does; a TCP transfer over per-flow ECMP stays on one path, and
// over per-packet ECMP uses both (its segments then arrive out of order);
// either way every byte arrives (SHA-256 equal).
func TestECMPTransfer(t *testing.T) {
	for _, mode := range []string{"per-flow", "per-packet"} {
		path := writeFile(t, mode+".yaml", string(gen.Diamond(gen.DiamondConfig{ECMP: mode, Delay: "1ms"})))
		out, errs, code := hops(t, "--world", path, "routes", "r1")
		if code != 0 || !strings.Contains(out, "  10.0.2.0/24 proto ospf metric 303\n  \tnexthop via 10.9.0.2 dev eth1 weight 1\n  \tnexthop via 10.9.0.6 dev eth2 weight 1\n") {
			t.Fatalf("hops routes r1: exit %d %s\n%s", code, errs, out)
		}
		events := filepath.Join(t.TempDir(), "e.jsonl")
		out, errs, code = hops(t, "--world", path, "--events", events, "transfer", "--from", "h1", "--to", "h2", "--size", "1MB")
		if code != 0 || !strings.Contains(out, "(equal: every byte arrived, in order)") {
			t.Fatalf("%s transfer: exit %d %s\n%s", mode, code, errs, out)
		}
		b, err := os.ReadFile(events)
		if err != nil {
			t.Fatal(err)
		}
		via := map[string]int{}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, `"kind":"forward"`) && strings.Contains(l, `"summary":"TCP 10.0.1.2:`) {
				for _, r := range []string{"r2", "r3"} {
					if strings.Contains(l, `"node":"`+r+`"`) {
						via[r]++
					}
				}
			}
		}
		switch {
		case mode == "per-flow" && (via["r2"] == 0) == (via["r3"] == 0):
			t.Errorf("per-flow: the transfer's segments went through %v; want one path", via)
		case mode == "per-packet" && (via["r2"] < 100 || via["r3"] < 100):
			t.Errorf("per-packet: the transfer's segments went through %v; want both paths", via)
		}
		t.Logf("%s: %v", mode, via)
	}
}

// TestOSPFReconvergenceStory: with OSPF routing, cutting the IXP link
// mid-load shows in the event log (neighbours going Down, SPF runs, route
// changes, each with its router and time) and in the narration (claim 4:
// who noticed, how many routers changed their routes, how fast).
func TestOSPFReconvergenceStory(t *testing.T) {
	events := filepath.Join(t.TempDir(), "e.jsonl")
	b := runBrowseJSON(t, "--routing", "ospf", "--events", events, "--link-down", "isp-a-core--ixp@70ms", "browse", "www.example.com")
	b.has(t, 4, "the link isp-a-core--ixp went down at 70.0 ms", "isp-a-core and ixp noticed at once", "routers changed their routes")
	raw, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	var down, spf, moved int
	for _, l := range strings.Split(string(raw), "\n") {
		if !strings.Contains(l, `"kind":"routing"`) {
			continue
		}
		switch {
		case strings.Contains(l, "Full -> Down"):
			down++
		case strings.Contains(l, "ospf spf run"):
			spf++
		case strings.Contains(l, `"node":"isp-a-core","reason":"ospf change 203.0.113.8/30 via 198.18.2.2 dev eth3`):
			moved++
		}
	}
	if down != 2 || spf == 0 || moved != 1 {
		t.Fatalf("routing events: %d neighbours down (want 2), %d SPF runs, isp-a-core's route moved %d times (want 1)", down, spf, moved)
	}
}

// TestNATOutputsReachTheInnerCommand: the global outputs given to hops
// nat (--pcap, --capture, --json) are the inner command's; with --json the
// table is one more JSON line.
func TestNATOutputsReachTheInnerCommand(t *testing.T) {
	pcap := filepath.Join(t.TempDir(), "n.pcapng")
	out, errs, code := hops(t, "--json", "--pcap", pcap, "--capture", "home-router", "nat", "home-router", "--", "ping", "-c", "1", "www.example.com")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(lines[0], `{"type":"start"`) || !strings.HasPrefix(last, `{"type":"conntrack","node":"home-router"`) ||
		!strings.Contains(last, "src=192.168.1.102 dst=203.0.113.10 type=8") {
		t.Fatalf("output:\n%s", out)
	}
	if b, err := os.ReadFile(pcap); err != nil || len(b) < 1000 {
		t.Fatalf("the capture: %d bytes, %v", len(b), err)
	}
}

// TestDHCPJSON: hops --json dhcp gives each client's exchange and lease
// and each server's leases, agreeing with each other.
func TestDHCPJSON(t *testing.T) {
	out, errs, code := hops(t, "--json", "dhcp")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var v dhcpOutput
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Clients) != 4 || len(v.Servers) != 2 {
		t.Fatalf("%d clients, %d servers", len(v.Clients), len(v.Servers))
	}
	leased := map[string]string{} // MAC → address, by the servers
	for _, s := range v.Servers {
		for _, l := range s.Leases {
			leased[l.MAC] = l.Addr
		}
	}
	for _, c := range v.Clients {
		var msgs []string
		for _, e := range c.Log {
			msgs = append(msgs, e.Message)
		}
		if got := strings.Join(msgs, ","); got != "DHCPDISCOVER,DHCPOFFER,DHCPREQUEST,DHCPACK," || c.Lease == nil || c.State != "BOUND" {
			t.Fatalf("%s: %s %+v", c.Node, got, c)
		}
		if addr, _, _ := strings.Cut(c.Lease.Prefix, "/"); leased[c.MAC] != addr {
			t.Errorf("%s holds %s, its server leased %s to %s", c.Node, c.Lease.Prefix, leased[c.MAC], c.MAC)
		}
	}
}
