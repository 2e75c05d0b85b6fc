package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCurlCookies: -c writes the cookies a run received in the Netscape
// format curl writes (HttpOnly prefix, host-only flag, path, secure,
// expiry in Unix seconds, name, value); -b reads such a file back and
// sends its cookies; -b NAME=VALUE sends them as given.
func TestCurlCookies(t *testing.T) {
	out, errs, code := hops(t, "curl", "-s", "-o", "/dev/null", "-c", "-", "http://www.example.com/")
	if code != 0 || !strings.HasPrefix(out, "# Netscape HTTP Cookie File\n") ||
		!regexp.MustCompile(`(?m)^#HttpOnly_www\.example\.com\tFALSE\t/\tFALSE\t[0-9]+\tvisitor\t1$`).MatchString(out) {
		t.Fatalf("exit %d %s\n%s", code, errs, out)
	}
	jar := filepath.Join(t.TempDir(), "jar.txt")
	if _, errs, code := hops(t, "curl", "-s", "-o", "/dev/null", "-c", jar, "http://www.example.com/"); code != 0 {
		t.Fatalf("exit %d %s", code, errs)
	}
	if b, err := os.ReadFile(jar); err != nil || !strings.Contains(string(b), "\tvisitor\t1\n") {
		t.Fatalf("jar file: %q %v", b, err)
	}
	_, errs, code = hops(t, "curl", "-v", "-s", "-o", "/dev/null", "-b", jar, "http://www.example.com/style.css")
	if code != 0 || !strings.Contains(errs, "> Cookie: visitor=1\n") {
		t.Fatalf("-b FILE: exit %d\n%s", code, errs)
	}
	_, errs, code = hops(t, "curl", "-v", "-s", "-o", "/dev/null", "-b", "a=1; b=2", "http://www.example.com/")
	if code != 0 || !strings.Contains(errs, "> Cookie: a=1; b=2\n") {
		t.Fatalf("-b DATA: exit %d\n%s", code, errs)
	}
	// Without -b or -c no cookie goes back, as in curl.
	_, errs, _ = hops(t, "curl", "-v", "-s", "-o", "/dev/null", "-L", "http://www.example.com/")
	if strings.Contains(errs, "> Cookie:") {
		t.Fatalf("a Cookie header without the cookie engine:\n%s", errs)
	}
}

// TestAccessLog: the web server writes an access-log line per request to
// the event log (kind "app"): the client as the server saw it (the home
// router's public address, after NAT), the request line, the status and
// the body's size.
func TestAccessLog(t *testing.T) {
	out, errs, code := hops(t, "--events", "-", "curl", "-s", "-o", "/dev/null", "http://www.example.com/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := `"kind":"app","node":"www.example.com","reason":"http 198.51.100.2:`
	if !strings.Contains(out, want) || !strings.Contains(out, `\"GET / HTTP/1.1\" 200 440 www.example.com"}`) {
		t.Fatalf("no access-log line in the event log:\n%.2000s", out)
	}
}

// TestPushFromScenario: a web service's push entries replace the site's
// own: one resource pushed, or none.
func TestPushFromScenario(t *testing.T) {
	y := defaultWorldYAML(t)
	count := func(push string) int {
		w := strings.Replace(y, "services: [{kind: web, sites: [www.example.com]}]", "services: [{kind: web, sites: [www.example.com], push: "+push+"}]", 1)
		if w == y {
			t.Fatal("the default world's web service moved")
		}
		out, errs, code := hops(t, "--world", writeFile(t, "push.yaml", w), "browse", "--http2", "--push", "www.example.com")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		return strings.Count(out, "pushed by the server (PUSH_PROMISE")
	}
	if n := count(`["/ /style.css"]`); n != 1 {
		t.Errorf("push [/ /style.css]: %d resources pushed, want 1", n)
	}
	if n := count(`[none]`); n != 0 {
		t.Errorf("push [none]: %d resources pushed, want 0", n)
	}
	w := strings.Replace(y, "services: [{kind: web, sites: [www.example.com]}]", `services: [{kind: web, sites: [www.example.com], push: ["style.css"]}]`, 1)
	if _, errs, code := hops(t, "--world", writeFile(t, "bad.yaml", w), "browse", "www.example.com"); code != 2 || !strings.Contains(errs, `push "style.css": want "PAGE RESOURCE..."`) {
		t.Errorf("a bad push entry: exit %d, %s", code, errs)
	}
}
