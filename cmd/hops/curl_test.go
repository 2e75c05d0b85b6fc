package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hopsnet/hops/internal/tsharkcheck"
)

// hopsCurl runs `hops curl ARGS` through its constructor (main.go adds
// the command with root.AddCommand(newCurlCmd(g))), with stdout and
// stderr into one buffer, as a terminal shows them, and returns the
// exit status as hops would.
func hopsCurl(t *testing.T, g *globals, args ...string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	if g == nil {
		g = &globals{}
	}
	g.seed, g.stdout, g.stderr = 1, &out, &out
	cmd := newCurlCmd(g)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	if err == nil {
		return out.String(), 0
	}
	code := exitStatus(err, &out)
	return out.String(), code
}

// TestCurlGolden compares hops curl's output (stderr and stdout as one
// terminal shows them) with testdata/golden/curl-*.txt; -update rewrites
// them.
func TestCurlGolden(t *testing.T) {
	runs := []struct {
		file string
		args [][]string
		code int
	}{
		{"curl-v.txt", [][]string{{"-v", "http://www.example.com/"}}, 0},
		{"curl-head.txt", [][]string{{"-I", "www.example.com/style.css"}}, 0},
		{"curl-api.txt", [][]string{
			{"-v", "-X", "POST", "-H", "Content-Type: application/json", "-d", `{"name":"plum"}`, "http://api.example.com/items"},
		}, 0},
		{"curl-write-out.txt", [][]string{{"-s", "-o", "/dev/null", "-w", `%{http_code} connect=%{time_connect} ttfb=%{time_starttransfer} total=%{time_total} size=%{size_download}\n`, "www.example.com"}}, 0},
		{"curl-refused.txt", [][]string{{"-v", "http://www.example.com:81/"}}, 7},
		{"curl-unknown-host.txt", [][]string{{"http://nosuch.example/"}}, 6},
		{"curl-bad-url.txt", [][]string{{"http://www.example.com:99999/"}}, 3},
		{"curl-https.txt", [][]string{{"https://www.example.com/"}}, 1},
		{"curl-redirect.txt", [][]string{{"-v", "-L", "http://www.example.com/about"}}, 0},
		{"curl-redirects-max.txt", [][]string{{"-L", "--max-redirs", "0", "http://www.example.com/home"}}, 47},
		{"curl-api-sequence.txt", [][]string{
			{"-i", "-X", "PUT", "-H", "Content-Type: application/json", "-d", `{"name":"quince"}`, "http://api.example.com/items/1"},
			{"-i", "-X", "DELETE", "http://api.example.com/items/2"},
			{"-i", "http://api.example.com/items/9"},
			{"-i", "-X", "POST", "-d", "name=plum", "http://api.example.com/items"},
			{"http://api.example.com/items"},
		}, 0},
		{"curl-404.txt", [][]string{{"-i", "http://www.example.com/nope"}}, 0},
		{"curl-405.txt", [][]string{{"-i", "-X", "DELETE", "http://api.example.com/items"}}, 0},
		{"curl-http2-upgrade.txt", [][]string{
			{"-v", "--http2", "http://www.example.com/style.css"},
			{"-v", "--http2", "-H", "Content-Type: application/json", "-d", `{"name":"fig"}`, "http://api.example.com/items"},
		}, 0},
	}
	for _, r := range runs {
		t.Run(r.file, func(t *testing.T) {
			var all string
			for _, args := range r.args {
				out, code := hopsCurl(t, nil, args...)
				if code != r.code {
					t.Fatalf("hops curl %s: exit %d, want %d:\n%s", strings.Join(args, " "), code, r.code, out)
				}
				all += out
			}
			golden(t, r.file, all)
		})
	}
}

func golden(t *testing.T, file, out string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", file)
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
		t.Fatalf("output:\n%s\nwant (%s):\n%s", out, path, want)
	}
}

// TestCurlCaptureTshark: tshark decodes a capture of hops curl as HTTP
// with no malformed packet and no warning.
func TestCurlCaptureTshark(t *testing.T) {
	tsharkcheck.Require(t)
	p := filepath.Join(t.TempDir(), "curl.pcapng")
	out, code := hopsCurl(t, &globals{pcap: p, capture: []string{"laptop"}},
		"-X", "POST", "-H", "Content-Type: application/json", "-d", `{"name":"plum"}`, "http://api.example.com/items")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	probs, err := tsharkcheck.ProblemsPerInterface(p, "warning")
	if err != nil || len(probs) > 0 {
		t.Fatalf("tshark: %v %v", err, probs)
	}
	rows, err := tsharkcheck.Fields(p, "http.request.method", "http.response.code")
	if err != nil {
		t.Fatal(err)
	}
	var methods, codes []string
	for _, r := range rows {
		if r[0] != "" {
			methods = append(methods, r[0])
		}
		if r[1] != "" {
			codes = append(codes, r[1])
		}
	}
	if strings.Join(methods, ",") != "POST" || strings.Join(codes, ",") != "201" {
		t.Fatalf("tshark saw methods %v and codes %v, want POST and 201", methods, codes)
	}
}

// TestCurlCases checks flags and failures by exit status and a piece of
// the output.
func TestCurlCases(t *testing.T) {
	file := filepath.Join(t.TempDir(), "logo.png")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--json", `{"name":"kiwi"}`, "api.example.com/items"}, 0, `{"id":3,"name":"kiwi"}`},
		{[]string{"-v", "203.0.113.14/items/2"}, 0, "* Connected to 203.0.113.14 (203.0.113.14) port 80\n> GET /items/2 HTTP/1.1\n> Host: 203.0.113.14\n"},
		{[]string{"-v", "-H", "Accept:", "-H", "User-Agent: x/1", "-H", "X-Test: 1", "www.example.com/app.js"}, 0, "> User-Agent: x/1\n> X-Test: 1\n> \n"},
		{[]string{"-X", "HEAD", "-v", "www.example.com/"}, 0, "< Content-Length: 440\n< \n* Connection #0 to host www.example.com left intact\n"},
		{[]string{"-H", "X: a\r\nInjected: 1", "www.example.com/"}, 2, "hops: curl: -H"},
		{[]string{"http://www.example.com/bad path"}, 3, "curl: (3) URL rejected: Malformed input to a URL function\n"},
		{[]string{"http://"}, 3, "curl: (3) URL rejected: No host part in the URL\n"},
		{[]string{"-s", "nosuch"}, 6, ""},
		// The home router forwards it to the ISP, whose edge router has no
		// route and answers net unreachable (translated back by the NAT).
		{[]string{"http://10.99.99.99/"}, 7, "curl: (7) Failed to connect to 10.99.99.99 port 80 after 25 ms: Couldn't connect to server\n"},
		{[]string{"-o", file, "-w", "%{http_code} %{size_download}", "www.example.com/logo.png"}, 0, "200 315"},
		{[]string{"-w", "%{url_effective} %{num_redirects}", "-L", "-o", os.DevNull, "www.example.com/about"}, 0, "http://www.example.com/about.html 1"},
	} {
		out, code := hopsCurl(t, nil, c.args...)
		if code != c.code || !strings.Contains(out, c.want) || (c.want == "" && out != "") {
			t.Errorf("hops curl %q: exit %d, want %d and %q in:\n%s", c.args, code, c.code, c.want, out)
		}
	}
	if b, err := os.ReadFile(file); err != nil || len(b) != 315 || string(b[1:4]) != "PNG" {
		t.Errorf("-o: %d bytes, %v", len(b), err)
	}
}

// TestCurlHTTP2PriorKnowledge: --http2-prior-knowledge speaks HTTP/2 to
// the default site: curl's HTTP/2 head layout, the file's bytes, -w.
func TestCurlHTTP2PriorKnowledge(t *testing.T) {
	out, errs, code := hops(t, "curl", "-v", "-i", "--http2-prior-knowledge", "http://www.example.com/style.css")
	want, _ := os.ReadFile("../../app/web/site/www.example.com/style.css")
	if code != 0 || !strings.HasPrefix(out, "HTTP/2 200 \r\ncontent-type: text/css; charset=utf-8\r\n") || !strings.HasSuffix(out, "\r\n\r\n"+string(want)) {
		t.Errorf("exit %d stdout %q", code, out)
	}
	if !strings.Contains(errs, "> GET /style.css HTTP/2\n> Host: www.example.com\n") || !strings.Contains(errs, "< HTTP/2 200 \n") {
		t.Errorf("stderr %q", errs)
	}
	out, _, code = hops(t, "curl", "-s", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code}", "www.example.com")
	if code != 0 || out != "200" {
		t.Errorf("-w: %q", out)
	}
}

// -m and --connect-timeout end a run in virtual time as curl's do: exit
// 28 with curl's words, timed from the world's start; an answer in time
// is untouched; a bad value is a usage error.
func TestCurlTimeouts(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--link-set", "dc-router--www.example.com:loss=100%", "curl", "--connect-timeout", "3", "http://www.example.com/"}, 28,
			"curl: (28) Failed to connect to www.example.com port 80 after 3000 ms: Timeout was reached\n"},
		{[]string{"--link-set", "home-uplink:rate=10kbps", "curl", "-m", "1", "-o", os.DevNull, "http://www.example.com/logo.png"}, 28,
			"curl: (28) Operation timed out after 1000 milliseconds with 0 bytes received\n"},
		{[]string{"--link-set", "home-uplink:rate=2kbps", "curl", "-m", "2.5", "-o", os.DevNull, "http://www.example.com/"}, 28,
			"Operation timed out after 2500 milliseconds with"},
		{[]string{"curl", "-m", "5", "--connect-timeout", "1", "-s", "-o", os.DevNull, "-w", "%{http_code}", "http://www.example.com/"}, 0, "200"},
		{[]string{"curl", "-m", "-1", "http://www.example.com/"}, 2, "curl: --max-time -1: expected a proper numerical parameter"},
		// The name lookup counts too.
		{[]string{"--link-set", "isp-a-core--resolver.isp-a.net:loss=100%", "curl", "-m", "2", "http://www.example.com/"}, 28,
			"curl: (28) Resolving timed out after 2000 milliseconds\n"},
	} {
		out, errs, code := hops(t, c.args...)
		if code != c.code || !strings.Contains(out+errs, c.want) {
			t.Errorf("hops %q: exit %d, want %d and %q in:\n%s%s", c.args, code, c.code, c.want, out, errs)
		}
	}
}

// A connection that is up before --connect-timeout stays good even if the
// first byte comes after it (the default world connects at 74 ms and
// answers at 97 ms).
func TestCurlConnectTimeoutAfterConnect(t *testing.T) {
	for _, args := range [][]string{
		{"curl", "-s", "-o", os.DevNull, "-w", "%{http_code}", "--connect-timeout", "0.08", "http://www.example.com/"},
		{"curl", "-s", "-o", os.DevNull, "-w", "%{http_code}", "--connect-timeout", "0.08", "--http2-prior-knowledge", "http://www.example.com/"},
		// A redirect on the same connection opens none: no new timeout.
		{"curl", "-s", "-L", "-o", os.DevNull, "-w", "%{http_code}", "--connect-timeout", "0.08", "http://www.example.com/about"},
	} {
		out, errs, code := hops(t, args...)
		if code != 0 || out != "200" {
			t.Errorf("hops %q: exit %d, %q %s", args, code, out, errs)
		}
	}
	// A timeout still writes -w, with code 000.
	out, _, code := hops(t, "--link-set", "dc-router--www.example.com:loss=100%", "curl", "-s", "--connect-timeout", "1", "-w", "%{http_code}", "http://www.example.com/")
	if code != 28 || out != "000" {
		t.Errorf("connect timeout: exit %d, -w %q", code, out)
	}
}
