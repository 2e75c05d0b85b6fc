package main

// hops curl's redirect and cookie layer judged by Go's net/http server
// and by the curl program, over real loopback sockets: the same flags
// drive curlOpts.request, redirect, switchAfter and followRequest and
// the cookie engine (curlCookies) over h1.ClientConn, and the server
// records every request it gets. The records must match RFC 9110
// section 15.4's method and body rules as curl applies them, and match
// what curl itself sends to the same server with the same flags.

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hopsnet/hops/http/h1"
	"github.com/spf13/pflag"
)

// redirectRecorder is a net/http server that redirects /r/CODE/... to the rest
// of the path with CODE, setting cookies on the way, and records what
// each request carried.
type redirectRecorder struct {
	mu   sync.Mutex
	seen []string
}

func (rec *redirectRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	line := fmt.Sprintf("%s %s len=%d sha=%x ct=%q cookie=%q", r.Method, r.URL.Path, len(body), sha256.Sum256(body), r.Header.Get("Content-Type"), r.Header.Get("Cookie"))
	rec.mu.Lock()
	rec.seen = append(rec.seen, line)
	rec.mu.Unlock()
	if rest, ok := strings.CutPrefix(r.URL.Path, "/r/"); ok {
		code, next, _ := strings.Cut(rest, "/")
		n, _ := strconv.Atoi(code)
		// RFC 6265: a cookie for every path, one for /r only, one that
		// deletes itself, one with a Domain that is not this host's.
		w.Header().Add("Set-Cookie", "hop"+code+"=1; Path=/; HttpOnly")
		w.Header().Add("Set-Cookie", "only-r=1; Path=/r")
		w.Header().Add("Set-Cookie", "gone=1; Max-Age=0")
		w.Header().Add("Set-Cookie", "other=1; Domain=example.org")
		w.Header().Set("Location", "/"+next)
		w.WriteHeader(n)
		io.WriteString(w, "moved")
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "%s %d bytes", r.Method, len(body))
}

func (rec *redirectRecorder) take() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	s := rec.seen
	rec.seen = nil
	return s
}

// hopsFollow runs curl's redirect loop with the flags args against the
// loopback server at url, over h1.ClientConn on real sockets, reusing
// a connection while the engine allows. It returns the final response
// and the -v notes switchAfter gave.
func hopsFollow(t *testing.T, args []string, url string) (*h1.Response, []string) {
	t.Helper()
	var o curlOpts
	fs := pflag.NewFlagSet("curl", pflag.ContinueOnError)
	o.flags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	u, err := parseCurlURL(url)
	if err != nil {
		t.Fatal(err)
	}
	cookies, err := loadCurlCookies(o.cookieIn, o.jarOut)
	if err != nil {
		t.Fatal(err)
	}
	var conn net.Conn
	var cc *h1.ClientConn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	var notes []string
	drop := false
	for hop := 0; ; hop++ {
		if hop > o.maxRedir {
			t.Fatalf("more than %d redirects", o.maxRedir)
		}
		req, err := o.followRequest(u, drop)
		if err != nil {
			t.Fatal(err)
		}
		if h := cookies.header(0, u); h != "" {
			req.Header.Add("Cookie", h)
		}
		if cc == nil || !cc.Reusable() {
			if conn != nil {
				conn.Close()
			}
			if conn, err = net.Dial("tcp", u.hostPort()); err != nil {
				t.Fatal(err)
			}
			cc = h1.NewClientConn(h1.ClientConfig{})
		}
		resp := exchange(t, conn, cc, req)
		cookies.took(0, u, resp.Header.Values("Set-Cookie"))
		next, follow := o.redirect(u, resp)
		if !follow {
			return resp, notes
		}
		var note string
		if drop, note = o.switchAfter(resp.Status, drop); note != "" {
			notes = append(notes, note)
		}
		u = next
	}
}

// exchange sends req on cc over conn and returns the final response.
func exchange(t *testing.T, conn net.Conn, cc *h1.ClientConn, req *h1.Request) *h1.Response {
	t.Helper()
	if _, err := cc.Send(0, req); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 32<<10)
	for {
		for len(cc.Output()) > 0 {
			n, err := conn.Write(cc.Output())
			cc.Consume(n)
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, ev := range cc.Events(nil) {
			switch ev.Kind {
			case h1.ClientDone:
				return ev.Resp
			case h1.ClientError:
				t.Fatalf("%s %s: %v", req.Method, req.Target, ev.Err)
			}
		}
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := conn.Read(buf[:min(len(buf), cc.Room())])
		for b := buf[:n]; len(b) > 0; {
			b = b[cc.Receive(0, b):]
		}
		if err != nil {
			cc.ReceiveEOF(0)
		}
	}
}

// TestHTTPCurlRedirectsJudged: for each redirect status and each kind
// of request, the methods, bodies (length and SHA-256), Content-Types
// and cookies Go's server saw from hops' client are RFC 9110's (as curl
// applies them) and, when the curl program is installed, exactly what it
// saw from curl with the same flags.
func TestHTTPCurlRedirectsJudged(t *testing.T) {
	rec := &redirectRecorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	base := srv.URL
	big := strings.Repeat("0123456789abcdef", 3<<16) // 3 MiB, one line for -d @FILE
	dir := t.TempDir()
	jar, bigFile := dir+"/jar", dir+"/big"
	if err := os.WriteFile(bigFile, []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	_, curlErr := exec.LookPath("curl")
	type hop struct{ method, body string }
	cases := []struct {
		name  string
		args  []string
		codes []int
		want  []hop // the requests after the first, method and body
		notes string
	}{
		// 301 and 302: a POST becomes a GET without body or Content-Type
		// (RFC 9110 15.4.2, 15.4.3 allow it; curl and browsers do it)
		{"POST 301", []string{"-d", "x=1"}, []int{301}, []hop{{"GET", ""}}, "Switch from POST to GET"},
		{"POST 302", []string{"-d", "x=1"}, []int{302}, []hop{{"GET", ""}}, "Switch from POST to GET"},
		// 303: a GET (15.4.4)
		{"POST 303", []string{"-d", "x=1"}, []int{303}, []hop{{"GET", ""}}, "Switch to GET"},
		{"HEAD 303", []string{"-I"}, []int{303}, []hop{{"HEAD", ""}}, "Switch to HEAD"},
		// 307 and 308: the same method and the same body (15.4.8, 15.4.9)
		{"POST 307", []string{"-d", "x=1"}, []int{307}, []hop{{"POST", "x=1"}}, ""},
		{"POST 308 3 MiB", []string{"-d", "@" + bigFile}, []int{308}, []hop{{"POST", big}}, ""},
		{"JSON 307", []string{"--json", `{"a":1}`}, []int{307}, []hop{{"POST", `{"a":1}`}}, ""},
		{"JSON 302", []string{"--json", `{"a":1}`}, []int{302}, []hop{{"GET", ""}}, "Switch from POST to GET"},
		{"PUT 307", []string{"-X", "PUT", "-d", "v"}, []int{307}, []hop{{"PUT", "v"}}, ""},
		{"PUT 308 then 303", []string{"-X", "PUT", "-d", "v"}, []int{308, 303}, []hop{{"PUT", "v"}, {"PUT", ""}}, "Switch to GET"},
		{"DELETE 301", []string{"-X", "DELETE"}, []int{301}, []hop{{"DELETE", ""}}, ""},
		{"OPTIONS 308", []string{"-X", "OPTIONS"}, []int{308}, []hop{{"OPTIONS", ""}}, ""},
		{"GET 302", nil, []int{302}, []hop{{"GET", ""}}, ""},
		// once a 302 made it a GET, a 307 keeps the GET
		{"POST 302 then 307", []string{"-d", "x=1"}, []int{302, 307}, []hop{{"GET", ""}, {"GET", ""}}, "Switch from POST to GET"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := "/"
			for _, c := range tc.codes {
				path += "r/" + strconv.Itoa(c) + "/"
			}
			path += "end"
			args := append([]string{"-L", "-c", jar}, tc.args...)
			rec.take()
			resp, notes := hopsFollow(t, args, base+path)
			got := rec.take()
			if resp.Status != 200 || len(got) != len(tc.codes)+1 {
				t.Fatalf("final status %d after %d requests: %q", resp.Status, len(got), got)
			}
			if strings.Join(notes, ",") != tc.notes {
				t.Errorf("notes %q, want %q", notes, tc.notes)
			}
			for i, w := range tc.want {
				f := strings.Fields(got[i+1])
				if f[0] != w.method || f[2] != "len="+strconv.Itoa(len(w.body)) || f[3] != fmt.Sprintf("sha=%x", sha256.Sum256([]byte(w.body))) {
					t.Errorf("request %d: %.120s, want %s with %d bytes", i+1, got[i+1], w.method, len(w.body))
				}
				// the redirect's cookies: Path=/ sent everywhere, Path=/r
				// only under /r, Max-Age=0 and a foreign Domain never
				cookie := got[i+1][strings.Index(got[i+1], "cookie="):]
				if !strings.Contains(cookie, "hop"+strconv.Itoa(tc.codes[0])+"=1") || strings.Contains(cookie, "gone") || strings.Contains(cookie, "other") {
					t.Errorf("request %d: %s", i+1, cookie)
				}
				if strings.Contains(cookie, "only-r") != (i+1 < len(tc.codes)) {
					t.Errorf("request %d (path %s): %s", i+1, f[1], cookie)
				}
			}
			if tc.args != nil && tc.args[0] == "-I" {
				if resp.Body != nil {
					t.Errorf("HEAD answered with a body")
				}
			} else if want := tc.want[len(tc.want)-1]; string(resp.Body) != fmt.Sprintf("%s %d bytes", want.method, len(want.body)) {
				t.Errorf("final body %q", resp.Body)
			}
			if curlErr != nil {
				return
			}
			out, err := exec.Command("curl", append([]string{"-s", "-o", "/dev/null"}, append(args, base+path)...)...).CombinedOutput()
			if err != nil {
				t.Fatalf("curl: %v %s", err, out)
			}
			// curl orders cookies of equal path length newest first;
			// hops, as RFC 6265 section 5.4 says, oldest first
			if theirs := rec.take(); strings.Join(cookieSets(theirs), "\n") != strings.Join(cookieSets(got), "\n") {
				t.Errorf("hops sent:\n%s\ncurl sent:\n%s", strings.Join(got, "\n"), strings.Join(theirs, "\n"))
			}
		})
	}
}

// cookieSets returns the records with each Cookie field's pairs sorted.
func cookieSets(recs []string) []string {
	var out []string
	for _, r := range recs {
		head, c, _ := strings.Cut(r, "cookie=")
		c, _ = strconv.Unquote(c)
		pairs := strings.Split(c, "; ")
		slices.Sort(pairs)
		out = append(out, head+"cookie="+strings.Join(pairs, "; "))
	}
	return out
}
