package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type compareJSON struct {
	A, B visitSummary
}

func runCompareJSON(t *testing.T, args ...string) compareJSON {
	t.Helper()
	out, errs, code := hops(t, append([]string{"--json", "compare"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var c compareJSON
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCompare: cold against warm caches — the warm load opens no
// connection and asks for one revalidation; the run's own global flags
// reach both conditions; a lossy condition retransmits. The waterfall
// of both is drawn.
func TestCompare(t *testing.T) {
	c := runCompareJSON(t, "--b", "--visits 2", "browse", "www.example.com")
	if c.A.Connections != 3 || c.B.Connections != 0 || c.B.FromCache != 3 || c.B.Revalidated != 1 || !(c.B.LoadMs < c.A.LoadMs) {
		t.Errorf("cold %+v\nwarm %+v", c.A, c.B)
	}
	// --link-set of the compare run applies to both.
	out, errs, code := hops(t, "--json", "--seed", "145", "--link-set", "home-uplink:loss=5%", "compare", "--b", "--cc newreno", "browse", "www.example.com")
	var l compareJSON
	if code != 0 || json.Unmarshal([]byte(out), &l) != nil {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if l.A.Retransmitted == 0 || l.B.Retransmitted == 0 {
		t.Errorf("loss given to compare did not reach both: %+v %+v", l.A, l.B)
	}
	p := filepath.Join(t.TempDir(), "cmp.svg")
	out, errs, code = hops(t, "compare", "--a", "--link-set home-uplink:delay=50ms", "--waterfall", p, "browse", "www.example.com")
	if code != 0 {
		t.Fatal(errs)
	}
	if !strings.Contains(out, "A: --link-set home-uplink:delay=50ms") || !strings.Contains(out, "connections") {
		t.Errorf("table:\n%s", out)
	}
	if b, _ := os.ReadFile(p); !strings.Contains(string(b), "A: --link-set home-uplink:delay=50ms") {
		t.Error("the comparison waterfall lacks condition A's title")
	}
	if _, errs, code := hops(t, "compare", "--b", "--cc nosuch", "browse", "www.example.com"); code != 2 || !strings.Contains(errs, `condition B ("--cc nosuch")`) {
		t.Errorf("exit %d: %s", code, errs)
	}
	if _, errs, code := hops(t, "compare", "ping", "x"); code != 2 || !strings.Contains(errs, "browse [FLAGS] URL") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

// TestCompareHTTP1HTTP2: the default page over a ~100 ms round trip
// (50 ms more each way on the home uplink): HTTP/1.1 opens three
// connections, HTTP/2 one, and HTTP/2 loads the page a round trip sooner.
func TestCompareHTTP1HTTP2(t *testing.T) {
	out, errs, code := hops(t, "--json", "--link-set", "home-uplink:delay=50ms", "compare", "--a", "--http1.1", "--b", "--http2", "browse", "www.example.com")
	var c compareJSON
	if code != 0 || json.Unmarshal([]byte(out), &c) != nil {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if c.A.Connections != 3 || c.B.Connections != 1 || c.A.Requests != 4 || c.B.Requests != 4 || !(c.B.LoadMs < c.A.LoadMs) {
		t.Errorf("HTTP/1.1 %+v\nHTTP/2 %+v", c.A, c.B)
	}
}

// TestCompareTwentyResources: a page of twenty resources over a 100 ms
// round trip (50 ms each way on the uplink): HTTP/1.1 opens six
// connections to the host, HTTP/2 one, and the load ends sooner over
// HTTP/2, every request answered either way.
func TestCompareTwentyResources(t *testing.T) {
	out, errs, code := hops(t, "--json", "--link-set", "home-uplink:delay=50ms", "compare", "--a", "--http1.1", "--b", "--http2", "browse", "www.example.com/gallery.html")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var v struct {
		A, B struct {
			Requests    int     `json:"requests"`
			Connections int     `json:"connections"`
			LoadMs      float64 `json:"load_ms"`
		}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if v.A.Requests != 20 || v.B.Requests != 20 || v.A.Connections != 6 || v.B.Connections != 1 || !(v.B.LoadMs < v.A.LoadMs) {
		t.Fatalf("HTTP/1.1 %+v, HTTP/2 %+v", v.A, v.B)
	}
}
