package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hopsnet/hops/internal/tsharkcheck"
)

// tsharkAs runs tshark on file with TCP port 80 decoded as proto (h2c by
// prior knowledge is not recognised from the port), in a clean
// configuration, and returns the rows of fields for the packets filter
// keeps.
func tsharkAs(t *testing.T, file, proto, filter string, fields ...string) [][]string {
	t.Helper()
	args := []string{"-n", "-r", file, "-d", "tcp.port==80," + proto, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
		"-Y", filter, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	cmd := exec.Command("tshark", args...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "WIRESHARK_CONFIG_DIR="+home)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v", args, err)
	}
	var rows [][]string
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if l != "" {
			rows = append(rows, strings.Split(l, "\t"))
		}
	}
	return rows
}

// TestHTTPTsharkPageLoads: tshark decodes captures of an HTTP/1.1 and
// an HTTP/2 page load (with -d tcp.port==80,http2 and without) with no
// malformed packet, no expert warning and no bad checksum; the HTTP/2
// one shows one connection carrying many streams, HPACK-compressed
// header blocks (indexed fields, decoded back to the request's path)
// and PUSH_PROMISE frames.
func TestHTTPTsharkPageLoads(t *testing.T) {
	tsharkcheck.Require(t)
	dir := t.TempDir()
	h1cap, h2cap, h2plain := filepath.Join(dir, "h1.pcapng"), filepath.Join(dir, "h2.pcapng"), filepath.Join(dir, "h2plain.pcapng")
	runBrowseJSON(t, "--pcap", h1cap, "--capture", "laptop", "browse", "www.example.com")
	runBrowseJSON(t, "--pcap", h2cap, "--capture", "laptop", "browse", "--http2", "--push", "www.example.com")
	runBrowseJSON(t, "--pcap", h2plain, "--capture", "laptop", "browse", "--http2", "www.example.com")
	for _, f := range []string{h1cap, h2cap, h2plain} {
		if p, err := tsharkcheck.ProblemsPerInterface(f, "warning"); err != nil || len(p) > 0 {
			t.Fatalf("tshark on %s: %v\n%s", filepath.Base(f), err, strings.Join(p, "\n"))
		}
	}
	bad := "_ws.malformed || _ws.expert.severity >= 4194304 || tcp.checksum.status == \"Bad\" || ip.checksum.status == \"Bad\""

	// HTTP/1.1: the page and its three resources, each 200
	if rows := tsharkAs(t, h1cap, "http", bad, "frame.number"); len(rows) > 0 {
		t.Errorf("HTTP/1.1 capture as http: problems in frames %v", rows)
	}
	var gets, codes []string
	for _, r := range tsharkAs(t, h1cap, "http", "http", "http.request.method", "http.request.uri", "http.response.code") {
		if r[0] != "" {
			gets = append(gets, r[0]+" "+r[1])
		}
		if r[2] != "" {
			codes = append(codes, r[2])
		}
	}
	if strings.Join(gets, ",") != "GET /,GET /style.css,GET /app.js,GET /logo.png" || strings.Join(codes, ",") != "200,200,200,200" {
		t.Errorf("HTTP/1.1: requests %v, statuses %v", gets, codes)
	}

	// HTTP/2, decoded as the issue asks: -d tcp.port==80,http2
	if rows := tsharkAs(t, h2cap, "http2", bad, "frame.number"); len(rows) > 0 {
		t.Errorf("HTTP/2 capture as http2: problems in frames %v", rows)
	}
	conns := map[string]bool{}
	types := map[string]int{}
	streams := map[string]bool{}
	var promised, paths, reprs []string
	for _, r := range tsharkAs(t, h2cap, "http2", "http2", "tcp.stream", "http2.type", "http2.streamid", "http2.push_promise.promised_stream_id", "http2.headers.path", "http2.header.repr") {
		conns[r[0]] = true
		ids := strings.Split(r[2], ",")
		for i, typ := range strings.Split(r[1], ",") {
			types[typ]++
			if i < len(ids) && ids[i] != "0" {
				streams[ids[i]] = true
			}
		}
		if r[3] != "" {
			promised = append(promised, strings.Split(r[3], ",")...)
		}
		if r[4] != "" {
			paths = append(paths, strings.Split(r[4], ",")...)
		}
		if r[5] != "" {
			reprs = append(reprs, strings.Split(r[5], ",")...)
		}
	}
	if len(conns) != 1 {
		t.Errorf("HTTP/2 frames on %d TCP connections, want 1", len(conns))
	}
	// 0 DATA, 1 HEADERS, 4 SETTINGS, 5 PUSH_PROMISE
	if types["0"] == 0 || types["1"] < 4 || types["4"] < 2 || types["5"] != 2 {
		t.Errorf("frame types %v", types)
	}
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range streams {
			if !yield(id) {
				return
			}
		}
	})
	if strings.Join(ids, " ") != "1 2 3 4" || strings.Join(promised, " ") != "2 4" {
		t.Errorf("streams %v, promised %v; want requests 1 and 3 and pushes 2 and 4 on one connection", ids, promised)
	}
	// without push, every resource is a request stream of its own
	if rows := tsharkAs(t, h2plain, "http2", bad, "frame.number"); len(rows) > 0 {
		t.Errorf("HTTP/2 capture without push: problems in frames %v", rows)
	}
	var plainPaths []string
	plainIDs := map[string]bool{}
	conns = map[string]bool{}
	for _, r := range tsharkAs(t, h2plain, "http2", "http2", "tcp.stream", "http2.streamid", "http2.headers.path") {
		conns[r[0]] = true
		for _, id := range strings.Split(r[1], ",") {
			plainIDs[id] = true
		}
		if r[2] != "" {
			plainPaths = append(plainPaths, strings.Split(r[2], ",")...)
		}
	}
	delete(plainIDs, "0")
	if len(conns) != 1 || len(plainIDs) != 4 || !plainIDs["1"] || !plainIDs["3"] || !plainIDs["5"] || !plainIDs["7"] ||
		strings.Join(plainPaths, " ") != "/ /style.css /app.js /logo.png" {
		t.Errorf("without push: %d connections, streams %v, paths %v", len(conns), plainIDs, plainPaths)
	}
	if !slices.Contains(paths, "/") || !slices.Contains(paths, "/app.js") {
		t.Errorf("HPACK-decoded paths %v", paths)
	}
	indexed := 0
	for _, r := range reprs {
		if strings.HasPrefix(r, "Indexed Header Field") {
			indexed++
		}
	}
	if indexed < 10 {
		t.Errorf("%d fields sent as an index (HPACK) of %d: %v", indexed, len(reprs), reprs)
	}
}
