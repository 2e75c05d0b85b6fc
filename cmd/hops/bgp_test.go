package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hopsnet/hops/internal/tsharkcheck"
)

// TestBGPCaptureTshark: the default world routed by BGP, with the IXP
// link cut during a ping, captured on isp-a-core and the IXP: tshark
// decodes every BGP and OSPF packet with no warning per interface; OPEN,
// UPDATE and KEEPALIVE messages appear over TCP port 179, and UPDATEs
// after the cut withdraw routes; OSPF stays inside AS 64496 (no OSPF
// packet on the IXP link); the same seed gives the same bytes.
func TestBGPCaptureTshark(t *testing.T) {
	tsharkcheck.Require(t)
	dir := t.TempDir()
	run := func(name, seed string) []byte {
		p := filepath.Join(dir, name)
		args := []string{"--seed", seed, "--routing", "bgp", "--pcap", p, "--capture", "isp-a-core,ixp",
			"--link-down", "isp-a-core--ixp@1s", "ping", "-c", "4", "www.example.com"}
		out, errs, code := hops(t, args...)
		if code != 0 || !strings.Contains(out, "4 received") {
			t.Fatalf("exit %d: %s\n%s", code, errs, out)
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
	rows, err := tsharkcheck.Fields(p, "bgp.type", "tcp.port", "bgp.update.path_attribute.as_path_segment.as4", "bgp.withdrawn_prefix", "ospf.msg", "frame.interface_name")
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	withdrawn := 0
	for _, r := range rows {
		for _, typ := range strings.Split(r[0], ",") {
			if typ != "" {
				types[typ]++
				if !strings.Contains(r[1], "179") {
					t.Fatalf("tshark: BGP outside port 179: %v", r)
				}
			}
		}
		if r[3] != "" {
			withdrawn++
		}
		if r[4] != "" && strings.Contains(r[5], "ixp") {
			t.Fatalf("tshark: OSPF on the IXP (between ASes): %v", r)
		}
	}
	for _, typ := range []string{"1", "2", "4"} {
		if types[typ] == 0 {
			t.Errorf("tshark: no BGP message of type %s (saw %v)", typ, types)
		}
	}
	if withdrawn == 0 {
		t.Error("tshark: no UPDATE withdrew a route after the cut")
	}
	if b := run("b.pcapng", "1"); !bytes.Equal(a, b) {
		t.Fatal("same seed, different captures")
	}
}

// TestBGPTransferAcrossCut: a TCP transfer from the laptop to
// www.example.com while the IXP link is cut mid-transfer: BGP moves the
// traffic to the carriers and every byte arrives (SHA-256 equal); hops
// routes after the cut says when the routing converged.
func TestBGPTransferAcrossCut(t *testing.T) {
	events := filepath.Join(t.TempDir(), "e.jsonl")
	out, errs, code := hops(t, "--routing", "bgp", "--events", events, "--link-down", "isp-a-core--ixp@300ms",
		"transfer", "--size", "4MB")
	if code != 0 || !strings.Contains(out, "(equal: every byte arrived, in order)") {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	for _, want := range []string{
		`"node":"isp-a-core","iface":"eth2","link":"isp-a-core--ixp","reason":"bgp neighbor ixp (198.18.100.2, AS 64510) Established -> Idle`,
		`"node":"isp-a-core","reason":"bgp change 203.0.113.8/29 via 198.18.2.2 dev eth3 metric 20 as-path [64501 64502 64498]"`,
		`"node":"isp-a-edge","reason":"bgp update from isp-a-core (198.18.1.2, AS 64496)`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("event log lacks %s", want)
		}
	}
	// Data segments crossed the carriers after the cut.
	if !regexp.MustCompile(`"kind":"forward"[^\n]*"node":"carrier-2"[^\n]*TCP 198\.51\.100\.2:`).MatchString(log) {
		t.Error("no segment of the transfer went through carrier-2")
	}
	out, errs, code = hops(t, "--routing", "bgp", "--link-down", "isp-a-core--ixp@1s", "routes", "isp-a-edge")
	if code != 0 || !strings.Contains(out, "the routing converged") || !strings.Contains(out, "203.0.113.8/29 via 198.18.1.2 dev eth0 proto bgp metric 200") {
		t.Fatalf("routes after the cut: exit %d %s\n%s", code, errs, out)
	}
}

// The browse narration tells BGP's reaction to a cut mid-load (claim 4):
// the session over the link ended at once and the routers changed routes.
func TestBrowseBGPCut(t *testing.T) {
	out, errs, code := hops(t, "--routing", "bgp", "--link-down", "isp-a-core--ixp@100ms", "browse", "www.example.com")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"the link isp-a-core--ixp went down at 100.0 ms, and the routers found another path on their own: isp-a-core and ixp ended their BGP session over the link at once",
		"isp-a-core → carrier-1 → carrier-2 → dc-router → www.example.com",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}
