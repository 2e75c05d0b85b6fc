package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestServeErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--listen", "10.0.0.1:80"}, "hops serves only on loopback addresses"},
		{[]string{"serve", "--listen", "localhost"}, `--listen "localhost": want ADDRESS:PORT`},
		{[]string{"serve", "--site", "www.example.org"}, `no site "www.example.org"`},
	} {
		_, errs, code := hops(t, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("hops %v: exit %d, %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
}

// TestServe: hops serve answers real clients on loopback: Go's net/http
// and, when it is installed, the curl program, over HTTP/1.1 and HTTP/2
// by prior knowledge.
func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	type result struct {
		errs string
		code int
	}
	done := make(chan result, 1)
	go func() {
		_, errs, code := hops(t, "serve", "--listen", addr, "--duration", "3s")
		done <- result{errs, code}
	}()
	var up bool
	for i := 0; i < 100 && !up; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			up = true
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if !up {
		t.Fatal("hops serve did not listen")
	}
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(b) != 440 {
		t.Fatalf("GET /: %d, %d bytes", resp.StatusCode, len(b))
	}
	if curl, err := exec.LookPath("curl"); err == nil {
		// --http2 on http:// is curl's h2c upgrade (RFC 7540 section 3.2).
		for _, flag := range []string{"--http1.1", "--http2-prior-knowledge", "--http2"} {
			out, err := exec.Command(curl, "-s", "-m", "2", flag, "-o", "/dev/null", "-w", "%{http_code} %{http_version} %{size_download}", "http://"+addr+"/style.css").Output()
			want := map[string]string{"--http1.1": "200 1.1 154", "--http2-prior-knowledge": "200 2 154", "--http2": "200 2 154"}[flag]
			if err != nil || string(out) != want {
				t.Errorf("curl %s: %q %v, want %q", flag, out, err, want)
			}
		}
		// curl's own cookie file, written by curl from hops' Set-Cookie,
		// read by hops curl -b: the format is the one curl writes.
		jar := filepath.Join(t.TempDir(), "curl-jar.txt")
		_, port, _ := net.SplitHostPort(addr)
		if out, err := exec.Command(curl, "-s", "-m", "2", "-o", "/dev/null", "-c", jar, "--resolve", "www.example.com:"+port+":127.0.0.1",
			"http://www.example.com:"+port+"/").CombinedOutput(); err != nil {
			t.Fatalf("curl -c: %v %s", err, out)
		}
		b, _ := os.ReadFile(jar)
		m := regexp.MustCompile(`(?m)^#HttpOnly_www\.example\.com\tFALSE\t/\tFALSE\t[0-9]+\tvisitor\t([0-9]+)$`).FindStringSubmatch(string(b))
		if m == nil {
			t.Fatalf("curl wrote no visitor cookie:\n%s", b)
		}
		_, errs, code := hops(t, "curl", "-v", "-s", "-o", "/dev/null", "-b", jar, "http://www.example.com/style.css")
		if code != 0 || !strings.Contains(errs, "> Cookie: visitor="+m[1]+"\n") {
			t.Errorf("hops curl -b with curl's jar:\n%s\nexit %d\n%s", b, code, errs)
		}
	} else {
		t.Log("curl not installed: judged by net/http only")
	}
	r := <-done
	if r.code != 0 || !strings.Contains(r.errs, "requests answered") {
		t.Fatalf("hops serve: exit %d, %s", r.code, r.errs)
	}
}
