package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden runs hops commands on the default world and compares their
// output with the files in testdata/golden (no wall-clock time appears in
// them: every number comes from the seeded simulation). Regenerate with
// `go test ./cmd/hops -run TestGolden -update` and review the diff.
func TestGolden(t *testing.T) {
	runs := []struct {
		file string
		args []string
	}{
		{"traceroute.txt", []string{"traceroute", "www.example.com"}},
		{"traceroute-reverse.txt", []string{"traceroute", "--from", "api.example.com", "-m", "7", "home-router"}}, // the home drops unsolicited probes
		{"ping.txt", []string{"ping", "-c", "4", "www.example.com"}},
		{"ping-quiet.txt", []string{"ping", "-q", "-c", "3", "www.example.com"}},
		{"traceroute-numeric.txt", []string{"traceroute", "-n", "-q", "1", "www.example.com"}},
		{"ping-fragmented.txt", []string{"ping", "-c", "2", "-s", "3000", "www.example.com"}},
		{"ping-ttl.txt", []string{"ping", "-c", "2", "-t", "3", "www.example.com"}},
		{"ping-cut.txt", []string{"--link-down", "isp-a-core--ixp@1.5s", "ping", "-c", "4", "www.example.com"}},
		{"ping-cut-static.txt", []string{"--static-routes", "--link-down", "isp-a-core--ixp@1.5s", "ping", "-c", "4", "www.example.com"}},
		{"ping-json.txt", []string{"--static-routes", "--link-down", "isp-a-core--ixp@1.5s", "--json", "ping", "-c", "4", "www.example.com"}},
		{"traceroute-json.txt", []string{"--json", "traceroute", "-q", "2", "www.example.com"}},
		{"routes.txt", []string{"routes", "isp-a-core", "laptop"}},
		{"routes-cut.txt", []string{"--link-down", "isp-a-core--ixp@0s", "routes", "isp-a-core"}},
		{"routes-ospf.txt", []string{"--routing", "ospf", "routes", "isp-a-core"}},
		{"routes-ospf-cut.txt", []string{"--routing", "ospf", "--link-down", "isp-a-core--ixp@1s", "routes", "isp-a-core"}},
		{"ping-ospf-cut.txt", []string{"--routing", "ospf", "--link-down", "isp-a-core--ixp@1.5s", "ping", "-c", "4", "www.example.com"}},
		{"bgp.txt", []string{"--routing", "bgp", "bgp", "isp-a-core"}},
		{"bgp-cut.txt", []string{"--routing", "bgp", "--link-down", "isp-a-core--ixp@1s", "bgp", "isp-a-core"}},
		{"routes-bgp.txt", []string{"--routing", "bgp", "routes", "isp-a-edge"}},
		{"routes-bgp-cut.txt", []string{"--routing", "bgp", "--link-down", "isp-a-core--ixp@1s", "routes", "isp-a-edge"}},
		{"traceroute-bgp.txt", []string{"--routing", "bgp", "traceroute", "--from", "resolver.isp-a.net", "a.gtld-servers.net"}},
		{"traceroute-oracle-valley.txt", []string{"traceroute", "--from", "resolver.isp-a.net", "a.gtld-servers.net"}},
		{"transfer-tcp.txt", []string{"transfer", "--size", "4MB", "-w", "512KiB"}},
		{"transfer-tcp-flows.txt", []string{"transfer", "-P", "3", "--size", "2MB", "-w", "512KiB"}},
		{"transfer-tcp-lossy.txt", []string{"--link-set", "home-uplink:loss=2%", "transfer", "--size", "2MB", "-w", "256KiB"}},
		{"browse.txt", []string{"browse", "http://www.example.com/"}},
		{"browse-visits.txt", []string{"browse", "-q", "--visits", "2", "www.example.com"}},
		{"compare-loss.txt", []string{"compare", "--b", "--link-set home-uplink:loss=5% --seed 145", "browse", "www.example.com"}},
		{"compare-h1-h2.txt", []string{"--link-set", "home-uplink:delay=50ms", "compare", "--a", "--http1.1", "--b", "--http2", "browse", "www.example.com/gallery.html"}},
		{"dhcp.txt", []string{"dhcp", "laptop", "home-router"}},
		{"dhcp-leases.txt", []string{"dhcp"}},
		{"dhcp-renew.txt", []string{"dhcp", "--renew", "laptop"}},
		{"nat-ping.txt", []string{"nat", "home-router", "--", "ping", "-c", "2", "www.example.com"}},
		{"nat-browse.txt", []string{"nat", "home-router", "--", "browse", "-q", "www.example.com"}},
		{"world.txt", []string{"world"}},
		{"world.dot", []string{"world", "--dot"}},
	}
	for _, r := range runs {
		t.Run(r.file, func(t *testing.T) {
			out, errs, code := hops(t, r.args...)
			if code != 0 && !strings.HasPrefix(r.file, "ping-ttl") {
				t.Fatalf("exit %d: %s", code, errs)
			}
			path := filepath.Join("testdata", "golden", r.file)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if out != string(want) {
				t.Fatalf("hops %s:\n%s\nwant (%s):\n%s", strings.Join(r.args, " "), out, path, want)
			}
		})
	}
}

// TestReadmeShowsRealOutput keeps the README's example runs true: they must
// be exactly what hops prints.
func TestReadmeShowsRealOutput(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"browse.txt", "browse-visits.txt", "compare-loss.txt", "traceroute.txt", "ping.txt", "ping-cut.txt", "ping-cut-static.txt", "transfer-tcp-lossy.txt", "dhcp.txt", "nat-ping.txt", "routes-ospf-cut.txt", "bgp.txt", "bgp-cut.txt", "routes-bgp.txt", "routes-bgp-cut.txt", "traceroute-bgp.txt", "traceroute-oracle-valley.txt", "dig-resolver.txt", "dig-trace.txt", "compare-h1-h2.txt", "curl-v.txt", "curl-write-out.txt", "curl-refused.txt"} {
		want, err := os.ReadFile(filepath.Join("testdata", "golden", f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(readme), string(want)) {
			t.Errorf("README.md does not show the current output of %s:\n%s", f, want)
		}
	}
}
