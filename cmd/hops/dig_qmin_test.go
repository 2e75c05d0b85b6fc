package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hopsnet/hops/internal/tsharkcheck"
)

// TestDigQNameMinimisationCapture: the resolver's side of `hops dig
// www.example.com`, captured on resolver.isp-a.net and read by tshark,
// shows QNAME minimisation (RFC 9156) on the wire: the root is asked
// only "com.", the com. server only "example.com." (both with type A, as
// Unbound does), and only example.com.'s own server the whole name. The
// stub's query and the answer to it carry the whole name, and tshark
// finds nothing to warn about.
func TestDigQNameMinimisationCapture(t *testing.T) {
	tsharkcheck.Require(t)
	file := filepath.Join(t.TempDir(), "qmin.pcapng")
	if out, errs, code := digCmd(t, globals{pcap: file, capture: []string{"resolver.isp-a.net"}}, "www.example.com"); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	probs, err := tsharkcheck.ProblemsPerInterface(file, "warning")
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) > 0 {
		t.Errorf("tshark finds:\n%s", strings.Join(probs, "\n"))
	}
	rows, err := tsharkcheck.Fields(file, "ip.src", "ip.dst", "dns.flags.response", "dns.qry.name", "dns.qry.type")
	if err != nil {
		t.Fatal(err)
	}
	// The queries the resolver sent (source 192.0.2.53, QR clear), in
	// order, as "server name type" (tshark gives names without the final
	// dot and types as numbers: 1 is A).
	var sent, stub []string
	for _, r := range rows {
		if r[3] == "" || r[2] != "0" && r[2] != "False" {
			continue // not DNS, or a response
		}
		q := r[1] + " " + r[3] + " " + r[4]
		if r[0] == "192.0.2.53" {
			sent = append(sent, q)
		} else {
			stub = append(stub, q)
		}
	}
	want := []string{
		"192.0.2.1 com 1",                // the root: only the TLD's label
		"192.0.2.9 example.com 1",        // com.: one label more
		"203.0.113.53 www.example.com 1", // example.com.'s server: the whole name
	}
	if !slices.Equal(sent, want) {
		t.Errorf("the resolver asked %q, want %q\n%s", sent, want, rowsText(rows))
	}
	if len(stub) != 1 || !strings.HasSuffix(stub[0], " www.example.com 1") {
		t.Errorf("the stub's queries to the resolver: %q, want one for the whole name", stub)
	}
}

func rowsText(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, "\t"))
		b.WriteByte('\n')
	}
	return b.String()
}
