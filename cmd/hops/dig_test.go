package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hopsnet/hops/internal/tsharkcheck"
)

// digCmd runs `hops dig` in-process. The command is called through its
// constructor, with globals set as the root's flags would set them, so
// the test does not depend on its registration in main.go.
func digCmd(t *testing.T, g globals, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	g.stdout, g.stderr = &out, &errb
	if g.seed == 0 {
		g.seed = 1
	}
	cmd := newDigCmd(&g)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	code := 0
	if err := cmd.Execute(); err != nil {
		code = exitStatus(err, &errb)
	}
	return out.String(), errb.String(), code
}

// TestDigGolden compares hops dig's output with testdata/golden (regenerate
// with -update): a root referral, a TLD referral with glue, an answer.
func TestDigGolden(t *testing.T) {
	runs := []struct {
		file string
		args []string
	}{
		{"dig-root.txt", []string{"@a.root-servers.net", "www.example.com"}},
		{"dig-tld.txt", []string{"@a.gtld-servers.net", "www.example.com"}},
		{"dig-answer.txt", []string{"@ns1.example.com", "www.example.com"}},
		{"dig-tcp-mx.txt", []string{"+tcp", "@ns1.example.com", "example.com", "MX"}},
		{"dig-nxdomain.txt", []string{"+norecurse", "@ns1.example.com", "nope.example.com"}},
		// The laptop's resolver (resolver.isp-a.net), recursion available.
		{"dig-resolver.txt", []string{"www.example.com"}},
		{"dig-resolver-repeat.txt", []string{"www.example.com", "--repeat", "2", "--interval", "30s"}},
		{"dig-resolver-cname.txt", []string{"shop.example.com"}},
		// Iteration in the client, root → com. → example.com.
		{"dig-trace.txt", []string{"+trace", "www.example.com"}},
		// A glueless delegation: example.net.'s server is named in com.
		{"dig-trace-glueless.txt", []string{"+trace", "www.example.net"}},
	}
	for _, r := range runs {
		t.Run(r.file, func(t *testing.T) {
			out, errs, code := digCmd(t, globals{}, r.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			path := filepath.Join("testdata", "golden", r.file)
			if *update {
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
				t.Errorf("output differs from %s:\n%s", path, out)
			}
		})
	}
}

func TestDigShort(t *testing.T) {
	out, errs, code := digCmd(t, globals{}, "@ns1.example.com", "+short", "web.example.com")
	if code != 0 || out != "www.example.com.\n203.0.113.10\n" {
		t.Errorf("exit %d, out %q, err %q", code, out, errs)
	}
}

func TestDigJSON(t *testing.T) {
	out, errs, code := digCmd(t, globals{json: true}, "@a.gtld-servers.net", "www.example.com")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var j digJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatal(err)
	}
	if j.Status != "NOERROR" || len(j.Authority) != 2 || j.Authority[0].Data != "ns1.example.com." ||
		len(j.Additional) != 2 || j.Additional[0].Data != "203.0.113.53" || j.Transport != "UDP" || j.EDNS == nil {
		t.Errorf("%s", out)
	}
}

func TestDigErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"@ns1.example.com"}, 2, "no NAME"},
		{[]string{"x", "--repeat", "0"}, 2, "--repeat wants 1..100"},
		{[]string{"@ns1.example.com", "+frob", "x"}, 2, "unknown option +frob"},
		{[]string{"@nowhere", "x"}, 2, "unknown host"},
		{[]string{"@ns1.example.com", "a", "A", "b"}, 2, "unexpected argument"},
	} {
		_, errs, code := digCmd(t, globals{}, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
	// A node with no DNS server answers ICMP port unreachable.
	out, _, code := digCmd(t, globals{}, "@www.example.com", "www.example.com")
	if code != 9 || !strings.Contains(out, ";; communications error to 203.0.113.10#53: connection refused") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestDigCapture: a dig's packets, UDP and TCP, decode cleanly in tshark.
func TestDigCapture(t *testing.T) {
	tsharkcheck.Require(t)
	for _, args := range [][]string{
		{"@ns1.example.com", "www.example.com"},
		{"+tcp", "@ns1.example.com", "example.com", "MX"},
		{"@a.root-servers.net", "www.example.com"},
	} {
		file := filepath.Join(t.TempDir(), "dig.pcapng")
		if _, errs, code := digCmd(t, globals{pcap: file, capture: []string{"laptop"}}, args...); code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		probs, err := tsharkcheck.ProblemsPerInterface(file, "warning")
		if err != nil {
			t.Fatal(err)
		}
		if len(probs) > 0 {
			t.Errorf("%v: tshark finds:\n%s", args, strings.Join(probs, "\n"))
		}
		pkts, err := tsharkcheck.Decode(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(pkts, "\n"), "DNS") {
			t.Errorf("%v: no DNS in the capture:\n%s", args, strings.Join(pkts, "\n"))
		}
	}
}

// TestDigResolverCache: the second of two lookups 30s apart comes from
// the resolver's cache, faster, with the TTL 30 seconds less.
func TestDigResolverCache(t *testing.T) {
	out, errs, code := digCmd(t, globals{json: true}, "www.example.com", "--repeat", "2", "--interval", "30s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var a, b digJSON
	if err := dec.Decode(&a); err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(&b); err != nil {
		t.Fatal(err)
	}
	if len(a.Answer) != 1 || len(b.Answer) != 1 || a.Answer[0].TTL-b.Answer[0].TTL != 30 || b.QueryTime >= a.QueryTime ||
		!slices.Contains(a.Flags, "ra") || a.ServerAddr.String() != "192.0.2.53" {
		t.Errorf("first %+v\nsecond %+v", a, b)
	}
}

// TestDigTraceDeadServer: with ns1.example.com cut off, +trace says so
// and gets the answer from ns2.example.com (at ISP B).
func TestDigTraceDeadServer(t *testing.T) {
	out, errs, code := digCmd(t, globals{linkDown: []string{"dc-router--ns1.example.com@0s"}}, "+trace", "api.example.com")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	for _, want := range []string{
		";; communications error to 203.0.113.53#53(ns1.example.com): network is unreachable",
		"api.example.com.\t3600\tIN\tA\t203.0.113.14\n;; Received 60 bytes from 198.18.100.10#53(ns2.example.com)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// TestDigTraceCapture: tshark decodes a +trace capture cleanly and shows
// the queries going root → TLD → authoritative, with the whole name.
func TestDigTraceCapture(t *testing.T) {
	tsharkcheck.Require(t)
	file := filepath.Join(t.TempDir(), "trace.pcapng")
	if _, errs, code := digCmd(t, globals{pcap: file, capture: []string{"laptop"}}, "+trace", "www.example.com"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	probs, err := tsharkcheck.ProblemsPerInterface(file, "warning")
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) > 0 {
		t.Errorf("tshark finds:\n%s", strings.Join(probs, "\n"))
	}
	pkts, err := tsharkcheck.Decode(file)
	if err != nil {
		t.Fatal(err)
	}
	var queries []string
	for _, p := range pkts {
		if strings.Contains(p, "Standard query 0x") && !strings.Contains(p, "response") {
			queries = append(queries, p)
		}
	}
	want := []string{"192.0.2.1", "192.0.2.9", "203.0.113.53"}
	if len(queries) != len(want) {
		t.Fatalf("queries:\n%s", strings.Join(pkts, "\n"))
	}
	for i, q := range queries {
		if !strings.Contains(q, want[i]) || !strings.Contains(q, "A www.example.com") {
			t.Errorf("query %d to %s: %s", i, want[i], q)
		}
	}
}
