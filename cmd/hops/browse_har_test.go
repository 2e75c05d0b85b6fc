package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/trace/har"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// loadHAR runs browse with --har and returns the file's bytes, parsed.
func loadHAR(t *testing.T, args ...string) ([]byte, *har.HAR) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "load.har")
	if _, errs, code := hops(t, append(args[:len(args)-1:len(args)-1], "--har", p, args[len(args)-1])...); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var h har.HAR
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return b, &h
}

// TestBrowseHAR: the HAR of a cold and a warm visit validates against
// the HAR 1.2 schema (written from the spec, in trace/har/testdata, with
// santhosh-tekuri/jsonschema as the validator), its timings add up
// (har.Check), they agree with the event log (the page's connect time is
// the SYN's send to the SYN-ACK's arrival on the laptop), and the second
// visit shows the cache.
func TestBrowseHAR(t *testing.T) {
	dir := t.TempDir()
	events := filepath.Join(dir, "e.jsonl")
	b, h := loadHAR(t, "--events", events, "browse", "-q", "--visits", "2", "www.example.com")
	sch := compileHARSchema(t)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("the HAR does not validate: %v", err)
	}
	if err := h.Check(); err != nil {
		t.Fatal(err)
	}
	if len(h.Log.Pages) != 2 || len(h.Log.Entries) != 8 {
		t.Fatalf("%d pages, %d entries", len(h.Log.Pages), len(h.Log.Entries))
	}
	doc := h.Log.Entries[0]
	if doc.Request.URL != "http://www.example.com/" || doc.Response.Status != 200 || doc.Timings.DNS <= 0 || doc.Timings.Connect <= 0 || doc.Response.Content.Size != 440 {
		t.Errorf("first entry %+v", doc)
	}
	// The event log: SYN sent, then the SYN-ACK delivered to the laptop.
	synAt, synackAt := eventTime(t, events, "send", `\[S\] seq`), eventTime(t, events, "deliver", `\[S\.\]`)
	if got := har.Ms(time.Duration(synackAt - synAt)); got != doc.Timings.Connect {
		t.Errorf("HAR connect %v ms, event log %v ms", doc.Timings.Connect, got)
	}
	// The navigation starts with the stub's query (after the world
	// settled: the laptop got its address by DHCP first).
	navAt := eventTime(t, events, "send", `> 192\.0\.2\.53:53 `)
	if doc.Timings.DNS != har.Ms(time.Duration(synAt-navAt)) {
		t.Errorf("HAR dns %v ms, but the SYN left %v ms after the query", doc.Timings.DNS, har.Ms(time.Duration(synAt-navAt)))
	}
	var warm []string
	for _, e := range h.Log.Entries[4:] {
		state := "net"
		if e.Cache.BeforeRequest.Known() {
			state = "cache"
		}
		warm = append(warm, e.Pageref+" "+state+" "+e.Response.StatusText)
	}
	if got := strings.Join(warm, ","); got != "page_2 cache Not Modified,page_2 cache OK,page_2 cache OK,page_2 cache OK" {
		t.Errorf("second visit: %s", got)
	}
	if r := h.Log.Entries[4]; r.Response.Status != 304 || r.Timings.Connect != har.NotApplicable || r.Timings.DNS != har.NotApplicable {
		t.Errorf("revalidation %+v", r)
	}
}

// TestBrowseHARLossy: loss on the uplink makes the page's requests wait
// and receive longer: the sum of wait and receive of the cold load grows.
func TestBrowseHARLossy(t *testing.T) {
	_, clean := loadHAR(t, "browse", "-q", "www.example.com")
	_, lossy := loadHAR(t, "--seed", "145", "--link-set", "home-uplink:loss=5%", "browse", "-q", "www.example.com")
	sum := func(h *har.HAR) (total float64) {
		for _, e := range h.Log.Entries {
			total += e.Timings.Wait + e.Timings.Receive + max(e.Timings.Connect, 0)
		}
		return total
	}
	if !(sum(lossy) > sum(clean)) {
		t.Errorf("lossy %v ms, clean %v ms", sum(lossy), sum(clean))
	}
	if err := lossy.Check(); err != nil {
		t.Error(err)
	}
}

func compileHARSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	const file = "../../trace/har/testdata/har-1.2.schema.json"
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(file, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(file)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// eventTime returns the time (ns) of the first event of kind on the
// laptop whose summary matches re.
func eventTime(t *testing.T, events, kind, re string) int64 {
	t.Helper()
	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	rx := regexp.MustCompile(re)
	for _, l := range strings.Split(string(b), "\n") {
		var e struct {
			T       int64  `json:"t_ns"`
			Kind    string `json:"kind"`
			Node    string `json:"node"`
			Summary string `json:"summary"`
		}
		if l == "" || json.Unmarshal([]byte(l), &e) != nil {
			continue
		}
		if e.Kind == kind && e.Node == "laptop" && rx.MatchString(e.Summary) {
			return e.T
		}
	}
	t.Fatalf("no %s event matching %s", kind, re)
	return 0
}

// TestBrowseWaterfallAndSequence: the waterfall is SVG that parses, one
// row per request; the sequence diagram is Mermaid with the resolver's
// walk, the handshake and the GETs in order.
func TestBrowseWaterfallAndSequence(t *testing.T) {
	dir := t.TempDir()
	svg, mmd, png := filepath.Join(dir, "w.svg"), filepath.Join(dir, "s.mmd"), filepath.Join(dir, "w.png")
	if _, errs, code := hops(t, "browse", "-q", "--waterfall", svg, "--sequence", mmd, "www.example.com"); code != 0 {
		t.Fatal(errs)
	}
	if _, errs, code := hops(t, "browse", "-q", "--visits", "2", "--waterfall", png, "www.example.com"); code != 0 {
		t.Fatal(errs)
	}
	b, _ := os.ReadFile(svg)
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("waterfall SVG: %v", err)
		}
	}
	for _, want := range []string{"GET /", "GET /style.css", "GET /app.js", "GET /logo.png", "DOMContentLoaded"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("waterfall lacks %q", want)
		}
	}
	if p, _ := os.ReadFile(png); !bytes.HasPrefix(p, []byte("\x89PNG")) {
		t.Error("waterfall PNG is not a PNG")
	}
	s, _ := os.ReadFile(mmd)
	seq := string(s)
	if !strings.HasPrefix(seq, "sequenceDiagram\n") {
		t.Fatalf("not a sequence diagram:\n%s", seq)
	}
	order := []string{
		"laptop->>resolver_isp_a_net: +0.0 ms DNS query www.example.com. A?",
		"resolver_isp_a_net->>a_root_servers_net:", "DNS referral to com.",
		"resolver_isp_a_net->>a_gtld_servers_net:", "DNS referral to example.com.",
		"resolver_isp_a_net->>ns1_example_com:", "DNS answer www.example.com. A = 203.0.113.10",
		"laptop->>www_example_com:", "SYN seq=", "SYN-ACK", "ACK ack=", "GET / HTTP/1.1", "HTTP/1.1 200 OK", "GET /style.css",
	}
	at := 0
	for _, w := range order {
		i := strings.Index(seq[at:], w)
		if i < 0 {
			t.Fatalf("sequence: %q missing or out of order after byte %d:\n%s", w, at, seq)
		}
		at += i
	}
	for _, l := range strings.Split(strings.TrimSpace(seq), "\n")[1:] {
		if strings.ContainsAny(strings.SplitN(l, ":", 2)[len(strings.SplitN(l, ":", 2))-1], ";#") && !strings.HasPrefix(strings.TrimSpace(l), "%%") {
			t.Errorf("a message holds ';' or '#', which Mermaid reads as syntax: %q", l)
		}
	}
}

// TestReadmeBrowsePictures keeps the README's pictures of the default
// load true: docs/browse-*.{png,mmd} are what hops draws today.
// Regenerate with `go run ./cmd/hops browse -q --png docs/browse-page.png
// --waterfall docs/browse-waterfall.png --sequence docs/browse-sequence.mmd
// http://www.example.com/`.
func TestReadmeBrowsePictures(t *testing.T) {
	dir := t.TempDir()
	names := []string{"browse-page.png", "browse-waterfall.png", "browse-sequence.mmd"}
	if _, errs, code := hops(t, "browse", "-q", "--png", filepath.Join(dir, names[0]), "--waterfall", filepath.Join(dir, names[1]),
		"--sequence", filepath.Join(dir, names[2]), "http://www.example.com/"); code != 0 {
		t.Fatal(errs)
	}
	for _, n := range names {
		got, _ := os.ReadFile(filepath.Join(dir, n))
		want, err := os.ReadFile(filepath.Join("..", "..", "docs", n))
		if err != nil || !bytes.Equal(got, want) || len(got) == 0 {
			t.Errorf("docs/%s is not what hops draws today (%v)", n, err)
		}
	}
}

// TestBrowseSequenceHTTP2: over HTTP/2 the diagram shows each stream's
// request and response.
func TestBrowseSequenceHTTP2(t *testing.T) {
	mmd := filepath.Join(t.TempDir(), "s.mmd")
	if _, errs, code := hops(t, "browse", "-q", "--http2", "--sequence", mmd, "www.example.com"); code != 0 {
		t.Fatal(errs)
	}
	b, _ := os.ReadFile(mmd)
	seq := string(b)
	at := 0
	for _, w := range []string{"SYN seq=", "SYN-ACK", "HTTP/2 HEADERS stream 1 GET /", "HTTP/2 HEADERS stream 1 :status 200", "HTTP/2 DATA stream 1 END_STREAM (440 bytes",
		"HTTP/2 HEADERS stream 3 GET /style.css", "HTTP/2 HEADERS stream 7 GET /logo.png", "HTTP/2 DATA stream 7 END_STREAM"} {
		i := strings.Index(seq[at:], w)
		if i < 0 {
			t.Fatalf("%q missing or out of order:\n%s", w, seq)
		}
		at += i
	}
}

// nodeJudge returns node and scripts/judges, where the judges written in
// JavaScript by others (Mermaid's parser, har-validator) are installed by
// scripts/test-deps.sh. It skips the test when they are missing, unless
// HOPS_REQUIRE_NODE_JUDGES is set.
func nodeJudge(t *testing.T) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	dir = filepath.Join("..", "..", "scripts", "judges")
	_, merr := os.Stat(filepath.Join(dir, "node_modules", "mermaid"))
	_, herr := os.Stat(filepath.Join(dir, "node_modules", "har-validator"))
	if err != nil || merr != nil || herr != nil {
		if os.Getenv("HOPS_REQUIRE_NODE_JUDGES") != "" {
			t.Fatalf("node or scripts/judges/node_modules missing (run scripts/test-deps.sh)")
		}
		t.Skip("node or scripts/judges/node_modules missing (scripts/test-deps.sh installs them)")
	}
	return node, dir
}

// runJudge runs script (in dir) over files and reports whether it
// accepted them all, with its output.
func runJudge(node, dir, script string, files ...string) (bool, string) {
	abs, _ := filepath.Abs(filepath.Join(dir, script))
	cmd := exec.Command(node, append([]string{abs}, files...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return err == nil, string(out)
}

// TestSequenceParsesInMermaid: Mermaid's own parser (mermaid 11 in a
// jsdom window) accepts the sequence diagrams of an HTTP/1.1 load, an
// HTTP/2 load and two visits, and rejects a broken diagram (so the judge
// can fail).
func TestSequenceParsesInMermaid(t *testing.T) {
	node, judge := nodeJudge(t)
	dir := t.TempDir()
	var files []string
	for i, args := range [][]string{{}, {"--http2"}, {"--visits", "2"}} {
		f := filepath.Join(dir, fmt.Sprintf("s%d.mmd", i))
		a := append(append([]string{"browse", "-q", "--sequence", f}, args...), "www.example.com")
		if _, errs, code := hops(t, a...); code != 0 {
			t.Fatal(errs)
		}
		files = append(files, f)
	}
	if ok, out := runJudge(node, judge, "check.mjs", files...); !ok {
		t.Fatalf("Mermaid rejects hops' diagrams:\n%s", out)
	}
	broken := filepath.Join(dir, "broken.mmd")
	os.WriteFile(broken, []byte("sequenceDiagram\n    laptop->>: GET /\n"), 0o644)
	if ok, _ := runJudge(node, judge, "check.mjs", broken); ok {
		t.Fatal("Mermaid's parser accepted a broken diagram: the judge judges nothing")
	}
}

// TestHARPassesHarValidator: har-validator (with har-schema, HAR 1.2
// schemas nobody here wrote) accepts the HARs of a cold and a warm
// visit, of HTTP/2 with server push and of a lossy load, and rejects a
// HAR without its creator (so the judge can fail).
func TestHARPassesHarValidator(t *testing.T) {
	node, judge := nodeJudge(t)
	dir := t.TempDir()
	var files []string
	for i, args := range [][]string{{"browse", "--visits", "2"}, {"browse", "--http2", "--push"}, {"--seed", "145", "--link-set", "home-uplink:loss=5%", "browse"}} {
		f := filepath.Join(dir, fmt.Sprintf("h%d.har", i))
		a := append(append(args, "-q", "--har", f), "www.example.com")
		if _, errs, code := hops(t, a...); code != 0 {
			t.Fatal(errs)
		}
		files = append(files, f)
	}
	if ok, out := runJudge(node, judge, "harcheck.mjs", files...); !ok {
		t.Fatalf("har-validator rejects hops' HAR:\n%s", out)
	}
	b, _ := os.ReadFile(files[0])
	broken := filepath.Join(dir, "broken.har")
	os.WriteFile(broken, bytes.Replace(b, []byte(`"creator"`), []byte(`"kreator"`), 1), 0o644)
	if ok, _ := runJudge(node, judge, "harcheck.mjs", broken); ok {
		t.Fatal("har-validator accepted a HAR without a creator: the judge judges nothing")
	}
}
