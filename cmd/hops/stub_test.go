package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dnsQueries counts the DNS queries the laptop sent in an event log.
func dnsQueries(t *testing.T, events string) int {
	t.Helper()
	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, `"kind":"send"`) && strings.Contains(l, `"node":"laptop"`) && strings.Contains(l, ":53 ttl") {
			n++
		}
	}
	return n
}

// A dotted name DNS does not know, and no node has, fails the way
// getaddrinfo fails each tool, after the lookup went out on the wire.
func TestUnknownNameFailsLikeTheRealTools(t *testing.T) {
	events := filepath.Join(t.TempDir(), "ev.jsonl")
	out, errs, code := hops(t, "--events", events, "ping", "-c", "1", "nosuch.example.com")
	if code != 2 || out != "" || errs != "ping: nosuch.example.com: Name or service not known\n" {
		t.Fatalf("ping: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if n := dnsQueries(t, events); n != 1 {
		t.Fatalf("%d DNS queries from the laptop, want 1", n)
	}
	out, errs, code = hops(t, "traceroute", "nosuch.example.com")
	if code != 2 || out != "" || errs != "nosuch.example.com: Name or service not known\nCannot handle \"host\" cmdline arg `nosuch.example.com' on position 1 (argc 1)\n" {
		t.Fatalf("traceroute: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	out, errs, code = hops(t, "curl", "http://nosuch.example.com/")
	if code != 6 || out != "" || errs != "curl: (6) Could not resolve host: nosuch.example.com\n" {
		t.Fatalf("curl: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	out, errs, code = hops(t, "dig", "@nosuch.example.com", "www.example.com")
	if code != 10 || out != "" || errs != "dig: couldn't get address for 'nosuch.example.com': not found\n" {
		t.Fatalf("dig: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	_, errs, code = hops(t, "transfer", "--to", "nosuch.example.com")
	if code != 1 || errs != "hops: transfer: unable to connect to server: nosuch.example.com: Name or service not known\n" {
		t.Fatalf("transfer: exit %d, stderr %q", code, errs)
	}
	// Names without a dot stay in the node table, checked before the run.
	if _, errs, code = hops(t, "ping", "nosuch"); code != 2 || !strings.Contains(errs, `unknown host "nosuch"`) {
		t.Fatalf("ping nosuch: exit %d, stderr %q", code, errs)
	}
}

// The world's node names are the hosts file: a name DNS has no record of
// (NXDOMAIN) still reaches the node of that name, after the lookup.
func TestNodeNamesBackDNS(t *testing.T) {
	events := filepath.Join(t.TempDir(), "ev.jsonl")
	out, errs, code := hops(t, "--events", events, "ping", "-c", "1", "resolver.isp-a.net")
	if code != 0 || !strings.HasPrefix(out, "PING resolver.isp-a.net (192.0.2.53) ") {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	if n := dnsQueries(t, events); n != 1 {
		t.Fatalf("%d DNS queries from the laptop, want 1", n)
	}
}

// With the resolver cut off, the stub gets no answer (two tries, 5s
// apart): "Temporary failure in name resolution", as glibc says it.
func TestDeadResolver(t *testing.T) {
	cut := []string{"--link-down", "isp-a-core--resolver.isp-a.net@0s"}
	out, errs, code := hops(t, append(cut, "ping", "-c", "1", "www.example.com")...)
	if code != 2 || out != "" || errs != "ping: www.example.com: Temporary failure in name resolution\n" {
		t.Fatalf("ping: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	out, errs, code = hops(t, append(cut, "curl", "http://www.example.com/")...)
	if code != 6 || out != "" || errs != "curl: (6) Could not resolve host: www.example.com\n" {
		t.Fatalf("curl: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	out, errs, code = hops(t, append(cut, "dig", "@a.root-servers.net", "com", "NS")...)
	if code != 10 || out != "" || errs != "dig: couldn't get address for 'a.root-servers.net': failure\n" {
		t.Fatalf("dig: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// An address needs no lookup.
	if _, errs, code = hops(t, append(cut, "ping", "-c", "1", "203.0.113.10")...); code != 0 {
		t.Fatalf("ping by address: exit %d: %s", code, errs)
	}
}

// With the laptop's own network down, the query cannot even be sent.
func TestPingNameDeadNetwork(t *testing.T) {
	out, errs, code := hops(t, "--link-down", "home-wifi@0s", "ping", "-c", "1", "www.example.com")
	if code != 2 || out != "" || errs != "ping: www.example.com: Temporary failure in name resolution\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// The stub caches: following a redirect to the same host asks DNS once.
func TestStubCache(t *testing.T) {
	events := filepath.Join(t.TempDir(), "ev.jsonl")
	out, errs, code := hops(t, "--events", events, "curl", "-L", "-o", os.DevNull, "-w", "%{num_redirects}", "http://www.example.com/about")
	if code != 0 || out != "1" {
		t.Fatalf("exit %d: %q %s", code, out, errs)
	}
	if n := dnsQueries(t, events); n != 1 {
		t.Fatalf("%d DNS queries from the laptop, want 1 (the second lookup from the cache)", n)
	}
}
