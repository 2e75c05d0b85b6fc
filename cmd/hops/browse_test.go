package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hopsnet/hops/internal/tsharkcheck"
	"github.com/hopsnet/hops/trace/har"
	"golang.org/x/net/html"
)

// browseJSON is `hops --json browse` output.
type browseJSON struct {
	Lines   []storyLine    `json:"lines"`
	Summary []visitSummary `json:"summary"`
}

func runBrowseJSON(t *testing.T, args ...string) browseJSON {
	t.Helper()
	out, errs, code := hops(t, append([]string{"--json"}, args...)...)
	if code != 0 {
		t.Fatalf("hops %v: exit %d: %s", args, code, errs)
	}
	var b browseJSON
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return b
}

// claim returns the text of the lines showing claim c, in order.
func (b browseJSON) claim(c int) []string {
	var out []string
	for _, l := range b.Lines {
		for _, x := range l.Claims {
			if x == c {
				out = append(out, l.Text)
				break
			}
		}
	}
	return out
}

// has fails unless some line of claim c contains every one of want.
func (b browseJSON) has(t *testing.T, c int, want ...string) {
	t.Helper()
	for _, l := range b.claim(c) {
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(l, w)
		}
		if ok {
			return
		}
	}
	t.Errorf("claim %d: no line holds %q; lines:\n%s", c, want, strings.Join(b.claim(c), "\n"))
}

// TestBrowseClaims maps DESIGN.md's "What hops must let a person see"
// to the narration of the default `hops browse` run, and checks each
// value the narration gives against an independent record of the same
// run: tshark's decoding of the capture (the laptop's and the resolver's
// interfaces) and the JSON Lines event log. Claims 4 (rerouting) is in
// TestBrowseReroute; 5 (DHCP and NAT) in TestBrowseClaimHome; 10 (HTTP/2)
// in TestBrowseHTTP2.
func TestBrowseClaims(t *testing.T) {
	tsharkcheck.Require(t)
	dir := t.TempDir()
	pcap, events := filepath.Join(dir, "load.pcapng"), filepath.Join(dir, "events.jsonl")
	b := runBrowseJSON(t, "--pcap", pcap, "--capture", "laptop,resolver.isp-a.net", "--events", events, "browse", "http://www.example.com/")
	for _, c := range []int{1, 2, 3, 5, 6, 7, 8, 9, 11, 12} {
		if len(b.claim(c)) == 0 {
			t.Errorf("claim %d: no narration line shows it", c)
		}
	}
	if p, err := tsharkcheck.ProblemsPerInterface(pcap, "warning"); err != nil || len(p) > 0 {
		t.Fatalf("tshark: %v %s", err, strings.Join(p, "\n"))
	}
	rows, err := tsharkcheck.Fields(pcap, "frame.interface_name", "ip.src", "ip.dst", "ip.len", "ip.ttl", "ip.checksum", "ip.proto",
		"udp.dstport", "dns.id", "dns.flags.response", "dns.qry.name", "tcp.srcport", "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack",
		"tcp.seq_raw", "tcp.ack_raw", "http.request.method", "http.request.uri", "http.response.code", "http.content_type")
	if err != nil {
		t.Fatal(err)
	}
	const (
		ifc = iota
		src
		dst
		iplen
		ttl
		csum
		proto
		udport
		dnsid
		dnsresp
		qname
		sport
		dport
		syn
		ack
		seq
		ackn
		method
		uri
		code
		ctype
	)
	const laptop, resolverAddr = "192.168.1.102", "192.0.2.53"
	var synRow, synackRow, stubQ []string
	var resolverQs [][]string
	var gets []string
	ctypes := map[string]bool{}
	for _, r := range rows {
		switch {
		case r[src] == laptop && r[udport] == "53" && stubQ == nil:
			stubQ = r
		case r[src] == resolverAddr && r[udport] == "53" && r[dnsresp] == "0" || r[src] == resolverAddr && r[udport] == "53" && r[dnsresp] == "False":
			resolverQs = append(resolverQs, r)
		case r[src] == laptop && r[syn] == "1" && r[ack] == "0" && synRow == nil, r[src] == laptop && r[syn] == "True" && r[ack] == "False" && synRow == nil:
			synRow = r
		case synRow != nil && synackRow == nil && r[dst] == laptop && (r[syn] == "1" || r[syn] == "True") && r[sport] == synRow[dport] && r[dport] == synRow[sport]:
			synackRow = r
		}
		if r[src] == laptop && r[method] == "GET" {
			gets = append(gets, r[uri])
		}
		if r[dst] == laptop && r[code] != "" {
			ctypes[r[ctype]] = true
		}
	}
	if synRow == nil || synackRow == nil || stubQ == nil {
		t.Fatalf("capture lacks the SYN, SYN-ACK or stub query")
	}

	// 1: a packet is a header and a slice of payload.
	csumHex := strings.TrimPrefix(synRow[csum], "0x")
	b.has(t, 1, fmt.Sprintf("source %s, destination 203.0.113.10, protocol %s = TCP, TTL %s, checksum 0x%s", laptop, synRow[proto], synRow[ttl], csumHex))

	// 2: the path, as the event log saw the SYN forwarded.
	m := regexp.MustCompile(`The SYN is packet #(\d+)`).FindStringSubmatch(strings.Join(b.claim(1), "\n"))
	if m == nil {
		t.Fatal("the narration does not name the SYN's packet")
	}
	path := forwardedBy(t, events, m[1])
	want := "laptop → " + strings.Join(path, " → ") + " → www.example.com"
	if strings.Join(path, ",") != "home-wifi,home-router,isp-a-edge,isp-a-core,ixp,dc-router" {
		t.Errorf("event log path %v", path)
	}
	// The access point forwards too, but it is no router.
	b.has(t, 2, want, fmt.Sprintf("It crossed %d routers and the Wi-Fi access point home-wifi", len(path)-1))
	b.has(t, 2, "The SYN-ACK came back", "www.example.com → dc-router → ixp → isp-a-core → isp-a-edge → home-router → home-wifi → laptop")

	// 3: each router's choice.
	b.has(t, 3, "home-router: ", "→ isp-a-edge", "dc-router: ", "→ www.example.com")

	// 6: random ISNs acknowledged as ISN+1.
	isn, _ := strconv.ParseUint(synRow[seq], 10, 32)
	peerISN, _ := strconv.ParseUint(synackRow[seq], 10, 32)
	if a, _ := strconv.ParseUint(synackRow[ackn], 10, 32); a != isn+1 {
		t.Fatalf("tshark: SYN-ACK acknowledges %d, SYN's ISN %d", a, isn)
	}
	b.has(t, 6, fmt.Sprintf("ISN = %d", isn))
	b.has(t, 6, fmt.Sprintf("ISN = %d", peerISN), fmt.Sprintf("acknowledgement number %d = %d + 1", isn+1, isn))
	b.has(t, 6, fmt.Sprintf("acknowledgement number %d = %d + 1", peerISN+1, peerISN), "three-way handshake")
	b.has(t, 6, "sequence numbers count bytes")
	b.has(t, 6, "No segment of this visit was lost")

	// 7 and 8: the stub's datagram, then the resolver's walk.
	b.has(t, 7, fmt.Sprintf("one UDP datagram of %s bytes", stubQ[iplen]), fmt.Sprintf("(%s)", stubQ[dnsid]), "no handshake")
	var walk []string
	for _, q := range resolverQs {
		walk = append(walk, q[dst]+" "+q[qname])
	}
	if strings.Join(walk, ",") != "192.0.2.1 com,192.0.2.9 example.com,203.0.113.53 www.example.com" {
		t.Errorf("tshark: the resolver asked %v", walk)
	}
	b.has(t, 8, "(192.0.2.1), a root server, \"com. A?\" → referral to com.")
	b.has(t, 8, "(192.0.2.9), a server of the com TLD, \"example.com. A?\" → referral to example.com.")
	b.has(t, 8, "(203.0.113.53), a server of example.com, \"www.example.com. A?\"")
	b.has(t, 8, "www.example.com is 203.0.113.10", "in its cache for its TTL, 3600 s")

	// 9: the GET, its headers, the status.
	if strings.Join(gets, ",") != "/,/style.css,/app.js,/logo.png" {
		t.Errorf("tshark: GETs %v", gets)
	}
	b.has(t, 9, `"GET / HTTP/1.1"`, "Host: www.example.com", "User-Agent: ")
	b.has(t, 9, `"HTTP/1.1 200 OK"`, "Content-Type: text/html; charset=utf-8", "Content-Length: 440")
	b.has(t, 9, "Set-Cookie: visitor=1; Path=/; Max-Age=86400; HttpOnly", "jar")

	// 11: sub-resources found while parsing, fetched in parallel; the
	// DOM has the elements the HTML has.
	b.has(t, 11, "preload scanner found 3 sub-resources", "/style.css (stylesheet)", "/app.js (script, defer)", "/logo.png (image)")
	b.has(t, 11, "at once", "/app.js on #")
	b.has(t, 11, fmt.Sprintf("DOM complete: %d elements", countElements(t, "../../app/web/site/www.example.com/index.html")), "CSSOM complete: 2 style sheets")
	b.has(t, 11, "DOMContentLoaded at", "first paint at", "load at")

	// 12: each content type handled in its own way; the types are those
	// tshark read in the responses.
	for ct, use := range map[string]string{
		"text/css; charset=utf-8":        "parsed into the CSSOM",
		"text/javascript; charset=utf-8": "not executed",
		"image/png":                      "decoded: a 64×64 image",
	} {
		if !ctypes[ct] {
			t.Errorf("tshark saw no %s response (%v)", ct, ctypes)
		}
		b.has(t, 12, strings.SplitN(ct, ";", 2)[0], use)
	}
	b.has(t, 12, "Content-Type, text/html, makes the browser parse it as HTML")

	s := b.Summary[0]
	if s.Status != 200 || s.Requests != 4 || s.Connections < 2 || s.Retransmitted != 0 || !(s.DNSMs > 0 && s.ConnectMs > 0 && s.TTFBMs > s.DNSMs+s.ConnectMs && s.FirstPaintMs <= s.LoadMs && s.DOMContentLoaded <= s.LoadMs) {
		t.Errorf("summary %+v", s)
	}
}

// forwardedBy returns the nodes that forwarded packet id, from an event
// log.
func forwardedBy(t *testing.T, events, id string) []string {
	t.Helper()
	f, err := os.Open(events)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct {
			Kind   string `json:"kind"`
			Packet uint64 `json:"packet"`
			Node   string `json:"node"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if e.Kind == "forward" && strconv.FormatUint(e.Packet, 10) == id {
			out = append(out, e.Node)
		}
	}
	return out
}

// countElements parses an HTML file with x/net/html and counts its
// elements, as the DOM holds them.
func countElements(t *testing.T, name string) int {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var walk func(*html.Node)
	walk = func(x *html.Node) {
		if x.Type == html.ElementNode {
			n++
		}
		for c := x.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return n
}

// TestBrowseSecondVisit: a warm second visit revalidates the page (304)
// and takes its files from the cache; the name from the stub's cache.
func TestBrowseSecondVisit(t *testing.T) {
	b := runBrowseJSON(t, "browse", "--visits", "2", "www.example.com")
	if len(b.Summary) != 2 {
		t.Fatalf("%d summaries", len(b.Summary))
	}
	cold, warm := b.Summary[0], b.Summary[1]
	if cold.FromCache != 0 || warm.FromCache != 3 || warm.Revalidated != 1 || warm.Connections != 0 || warm.DNSMs != 0 || !(warm.LoadMs < cold.LoadMs) {
		t.Errorf("cold %+v\nwarm %+v", cold, warm)
	}
	var warmLines []string
	for _, l := range b.Lines {
		if l.Visit == 2 {
			warmLines = append(warmLines, l.Text)
		}
	}
	all := strings.Join(warmLines, "\n")
	for _, want := range []string{"still has it cached", "no new handshake", "304 Not Modified", "If-None-Match", "from the browser's cache, still fresh", "Cookie: visitor=1 — "} {
		if !strings.Contains(all, want) {
			t.Errorf("second visit does not say %q:\n%s", want, all)
		}
	}
}

// TestBrowseLossy: with loss on the home uplink, the narration tells the
// segments sent again, and the summary counts them.
func TestBrowseLossy(t *testing.T) {
	b := runBrowseJSON(t, "--seed", "145", "--link-set", "home-uplink:loss=5%", "browse", "www.example.com")
	if b.Summary[0].Retransmitted == 0 {
		t.Fatalf("no retransmission with 5%% loss and seed 145: %+v", b.Summary[0])
	}
	b.has(t, 6, "sent again", "the first copy was dropped (loss at")
	b.has(t, 7, "The stub sent the query 1 more time(s)", "5000.0 ms after the first")
}

// TestBrowseReroute: with the IXP link of ISP A down, the packets take
// the carriers instead, and the narration's path says so.
func TestBrowseReroute(t *testing.T) {
	b := runBrowseJSON(t, "--link-down", "isp-a-core--ixp@0s", "browse", "www.example.com")
	b.has(t, 2, "laptop → home-wifi → home-router → isp-a-edge → isp-a-core → carrier-1 → carrier-2 → dc-router → www.example.com")
	if b.Summary[0].Status != 200 {
		t.Errorf("summary %+v", b.Summary[0])
	}
}

// TestBrowseCutMidLoad (claims 3 and 4): the IXP link of ISP A goes
// down 70 ms into the load, after the SYN crossed it: later packets take
// the carriers, and the narration says so with the link's name and time.
func TestBrowseCutMidLoad(t *testing.T) {
	b := runBrowseJSON(t, "--link-down", "isp-a-core--ixp@70ms", "browse", "www.example.com")
	b.has(t, 2, "laptop → home-wifi → home-router → isp-a-edge → isp-a-core → ixp → dc-router → www.example.com")
	b.has(t, 4, "Not every packet took that way", "isp-a-core → carrier-1 → carrier-2 → dc-router", "the link isp-a-core--ixp went down at 70.0 ms")
	if b.Summary[0].Status != 200 {
		t.Errorf("summary %+v", b.Summary[0])
	}
}

// TestBrowseDeterministic: the same seed gives the same narration, HAR,
// capture and PNG byte for byte; another seed other initial sequence
// numbers.
func TestBrowseDeterministic(t *testing.T) {
	dir := t.TempDir()
	run := func(name, seed string) (string, []byte, []byte) {
		p, img, h := filepath.Join(dir, name+".pcapng"), filepath.Join(dir, name+".png"), filepath.Join(dir, name+".har")
		out, errs, code := hops(t, "--seed", seed, "--pcap", p, "browse", "--png", img, "--har", h, "www.example.com")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		cap, _ := os.ReadFile(p)
		png, _ := os.ReadFile(img)
		hb, _ := os.ReadFile(h)
		return out + string(hb), cap, png
	}
	o1, c1, p1 := run("a", "5")
	o2, c2, p2 := run("b", "5")
	o3, c3, _ := run("c", "6")
	// The whole load, every node's interfaces: DNS, TCP and HTTP decode
	// cleanly.
	if tsharkcheck.Available() || os.Getenv("HOPS_REQUIRE_TSHARK") != "" {
		tsharkcheck.Require(t)
		if p, err := tsharkcheck.ProblemsPerInterface(filepath.Join(dir, "a.pcapng"), "warning"); err != nil || len(p) > 0 {
			t.Errorf("tshark: %v\n%s", err, strings.Join(p, "\n"))
		}
	}
	if o1 != o2 || !bytes.Equal(c1, c2) || !bytes.Equal(p1, p2) || len(p1) == 0 {
		t.Fatal("same seed, different narration, capture or PNG")
	}
	if o1 == o3 || bytes.Equal(c1, c3) {
		t.Fatal("different seeds, same run")
	}
}

func TestBrowseErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"browse", "https://www.example.com/"}, 2, "hops has no TLS"},
		{[]string{"browse", "--http2", "--http1.1", "www.example.com"}, 2, "exclude each other"},
		{[]string{"browse", "--visits", "0", "www.example.com"}, 2, "--visits must be 1 to 100"},
		{[]string{"browse", "nosuch"}, 2, "could not resolve host nosuch"},
		{[]string{"browse", "http://nosuch.example.com/"}, 1, "could not find the address of nosuch.example.com (Name or service not known)"},
		{[]string{"browse", "http://www.example.com:81/"}, 1, "Connection refused"},
	} {
		_, errs, code := hops(t, c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.msg)
		}
	}
}

// TestBrowseStepPauses: --step's pause comes after every numbered line,
// and the story printed with pauses is the story printed without.
func TestBrowseStepPauses(t *testing.T) {
	var got *browseRun
	var out bytes.Buffer
	g := &globals{stdout: &out, stderr: &out, onBrowse: func(r *browseRun) { got = r }}
	root := newRootWith(g)
	root.SetArgs([]string{"browse", "www.example.com"})
	if err := root.Execute(); err != nil || got == nil {
		t.Fatal(err)
	}
	var with bytes.Buffer
	pauses := 0
	got.st.print(&with, func() { pauses++ })
	if pauses != len(got.st.lines) || pauses < 20 {
		t.Errorf("%d pauses for %d lines", pauses, len(got.st.lines))
	}
	if with.String() != out.String() {
		t.Error("the story with pauses differs from the story without")
	}
	if _, errs, code := hops(t, "browse", "--step", "-q", "www.example.com"); code != 2 || !strings.Contains(errs, "--step") {
		t.Errorf("--step -q: exit %d %s", code, errs)
	}
}

// TestBrowseContentTypes (claim 12): JSON, an image and a redirect are
// each handled as a browser does.
func TestBrowseContentTypes(t *testing.T) {
	j := runBrowseJSON(t, "browse", "http://www.example.com/data.json")
	j.has(t, 12, "Content-Type, application/json, is not HTML", "as JSON, pretty-printed")
	// The API negotiates: a browser's Accept ranks application/xml (q=0.9)
	// above */* (q=0.8), so it gets XML, as RFC 9110 section 12.5.1 says.
	x := runBrowseJSON(t, "browse", "http://api.example.com/items")
	x.has(t, 12, "Content-Type, application/xml, is not HTML", "as XML, an indented tree")
	img := runBrowseJSON(t, "browse", "http://www.example.com/logo.png")
	img.has(t, 12, "Content-Type, image/png, is not HTML", "as an image centred")
	r := runBrowseJSON(t, "browse", "http://www.example.com/about")
	r.has(t, 9, "answered 301 with Location: http://www.example.com/about.html")
	if r.Summary[0].Status != 200 || r.Summary[0].Requests != 3 {
		t.Errorf("redirected load %+v", r.Summary[0])
	}
}

// TestBrowsePcapToStdout: with --pcap -, the capture owns stdout and the
// story goes to stderr.
func TestBrowsePcapToStdout(t *testing.T) {
	out, errs, code := hops(t, "--pcap", "-", "browse", "-q", "www.example.com")
	if code != 0 {
		t.Fatal(errs)
	}
	if !strings.HasPrefix(out, "\x0a\x0d\x0d\x0a") || strings.Contains(out, "visit 1:") {
		t.Errorf("stdout is not only the pcapng capture (%d bytes)", len(out))
	}
	if !strings.Contains(errs, "visit 1: http://www.example.com/ 200") {
		t.Errorf("stderr: %q", errs)
	}
}

// TestBrowseHTTP2 (claim 10): over HTTP/2 the four requests are streams
// 1, 3, 5 and 7 of one connection, with HPACK-compressed headers; tshark
// decodes the same frames from the capture.
func TestBrowseHTTP2(t *testing.T) {
	tsharkcheck.Require(t)
	pcap := filepath.Join(t.TempDir(), "h2.pcapng")
	b := runBrowseJSON(t, "--pcap", pcap, "--capture", "laptop", "browse", "--http2", "www.example.com")
	b.has(t, 10, "HTTP/2 by prior knowledge", "HEADERS frame on stream 1", ":path /", "HPACK")
	b.has(t, 10, "answers on stream 1", ":status 200")
	b.has(t, 10, "/style.css on stream 3", "/app.js on stream 5", "/logo.png on stream 7", "one connection")
	if s := b.Summary[0]; s.Connections != 1 || s.Requests != 4 || s.Status != 200 {
		t.Errorf("summary %+v", s)
	}
	if p, err := tsharkcheck.ProblemsPerInterface(pcap, "warning"); err != nil || len(p) > 0 {
		t.Fatalf("tshark: %v %s", err, strings.Join(p, "\n"))
	}
	rows, err := tsharkcheck.Fields(pcap, "tcp.srcport", "http2.streamid", "http2.headers.path")
	if err != nil {
		t.Fatal(err)
	}
	ports, paths := map[string]bool{}, []string{}
	for _, r := range rows {
		if r[1] == "" {
			continue
		}
		ports[r[0]] = true
		if r[2] != "" {
			paths = append(paths, strings.Split(r[2], ",")...)
		}
	}
	if len(ports) != 2 || strings.Join(paths, " ") != "/ /style.css /app.js /logo.png" {
		t.Errorf("tshark: ports %v, paths %v", ports, paths)
	}
}

// TestBrowseServerPush (claim 10's server push): with --http2 --push the
// site pushes its style sheet and logo with the page; the browser uses
// them with no request, tshark sees the PUSH_PROMISE frames, the HAR
// still adds up, and the first paint comes sooner.
func TestBrowseServerPush(t *testing.T) {
	tsharkcheck.Require(t)
	dir := t.TempDir()
	pcap, harFile := filepath.Join(dir, "push.pcapng"), filepath.Join(dir, "push.har")
	b := runBrowseJSON(t, "--pcap", pcap, "--capture", "laptop", "browse", "--http2", "--push", "--har", harFile, "www.example.com")
	b.has(t, 10, "/style.css already pushed by the server (PUSH_PROMISE on stream 1 for pushed stream 2", "/logo.png already pushed", "/app.js on stream 3")
	plain := runBrowseJSON(t, "browse", "--http2", "www.example.com")
	if !(b.Summary[0].FirstPaintMs < plain.Summary[0].FirstPaintMs) || b.Summary[0].Requests != 4 {
		t.Errorf("push %+v\nno push %+v", b.Summary[0], plain.Summary[0])
	}
	rows, err := tsharkcheck.Fields(pcap, "http2.type", "http2.push_promise.promised_stream_id")
	if err != nil {
		t.Fatal(err)
	}
	var promised []string
	for _, r := range rows {
		if r[1] != "" {
			promised = append(promised, strings.Split(r[1], ",")...)
		}
	}
	if strings.Join(promised, " ") != "2 4" {
		t.Errorf("tshark: promised streams %v", promised)
	}
	raw, _ := os.ReadFile(harFile)
	var h har.HAR
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	if err := h.Check(); err != nil {
		t.Error(err)
	}
	if _, errs, code := hops(t, "browse", "--push", "www.example.com"); code != 2 || !strings.Contains(errs, "--push needs --http2") {
		t.Errorf("--push without --http2: %d %s", code, errs)
	}
}

// TestBrowseClaimHome (claim 5): the laptop's address came by DHCP and
// is private; the home router rewrote the SYN's source to its public
// address and the SYN-ACK's destination back. tshark, reading the same
// flow captured on the laptop and on both sides of the router, is the
// judge of every address, port and checksum the narration gives.
func TestBrowseClaimHome(t *testing.T) {
	tsharkcheck.Require(t)
	pcap := filepath.Join(t.TempDir(), "home.pcapng")
	b := runBrowseJSON(t, "--pcap", pcap, "--capture", "laptop,home-router", "browse", "http://www.example.com/")
	if p, err := tsharkcheck.ProblemsPerInterface(pcap, "warning"); err != nil || len(p) > 0 {
		t.Fatalf("tshark: %v %s", err, strings.Join(p, "\n"))
	}
	rows, err := tsharkcheck.Fields(pcap, "frame.interface_name", "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport",
		"tcp.flags.syn", "tcp.flags.ack", "ip.checksum", "tcp.checksum", "dhcp.option.dhcp", "dhcp.ip.your")
	if err != nil {
		t.Fatal(err)
	}
	isSet := func(v string) bool { return v == "1" || v == "True" }
	// The first SYN and SYN-ACK on each interface, and the laptop's ACK.
	syn, synack := map[string][]string{}, map[string][]string{}
	var ack string
	for _, r := range rows {
		if r[5] == "" {
			if r[0] == "laptop:wlan0" && r[9] == "5" && ack == "" { // DHCPACK
				ack = r[10]
			}
			continue
		}
		if isSet(r[5]) && !isSet(r[6]) && syn[r[0]] == nil {
			syn[r[0]] = r
		}
		if isSet(r[5]) && isSet(r[6]) && synack[r[0]] == nil {
			synack[r[0]] = r
		}
	}
	in, out := syn["home-router:lan0"], syn["home-router:wan0"]
	if in == nil || out == nil || syn["laptop:wlan0"] == nil || synack["home-router:wan0"] == nil || synack["laptop:wlan0"] == nil {
		t.Fatalf("capture lacks the SYN or SYN-ACK on an interface: %v %v", syn, synack)
	}
	if ack == "" || ack != in[1] {
		t.Fatalf("tshark: the laptop's DHCPACK gave %q, its SYN came from %s", ack, in[1])
	}
	if out[1] != "198.51.100.2" || out[2] != in[2] || out[4] != in[4] {
		t.Fatalf("tshark: the SYN inside %v, outside %v", in, out)
	}
	b.has(t, 5, fmt.Sprintf("The laptop's address, %s/24, is private (RFC 1918)", ack), "home-router's DHCP server leased it", "the default router 192.168.1.1")
	hex := func(s string) string { return "0x" + strings.TrimPrefix(s, "0x") }
	b.has(t, 5, fmt.Sprintf("source %s:%s became %s:%s", in[1], in[3], out[1], out[3]), "which isp-a-edge's DHCP server gave it",
		fmt.Sprintf("IPv4 header checksum (%s → %s)", hex(in[7]), hex(out[7])), fmt.Sprintf("TCP checksum (%s → %s)", hex(in[8]), hex(out[8])))
	back := synack["laptop:wlan0"]
	b.has(t, 5, fmt.Sprintf("SYN-ACK to %s:%s", synack["home-router:wan0"][2], synack["home-router:wan0"][4]),
		fmt.Sprintf("rewrote the destination back to %s:%s", back[2], back[4]))
	// No private address outside the home, by tshark.
	for _, r := range rows {
		if r[0] == "home-router:wan0" && (strings.HasPrefix(r[1], "192.168.") || strings.HasPrefix(r[2], "192.168.")) {
			t.Fatalf("tshark: a private address on the WAN side: %v", r)
		}
	}
}
