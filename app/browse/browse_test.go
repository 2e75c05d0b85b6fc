package browse_test

import (
	"crypto/sha256"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hopsnet/hops/app/browse"
	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/browser/loader"
	"github.com/hopsnet/hops/world"
)

// browser returns the default world and a browser on its laptop whose
// lookups go through the laptop's stub to the ISP's resolver.
func browser(t testing.TB, seed uint64) (*world.World, *browse.Browser) {
	t.Helper()
	sc, err := world.Default()
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.Build(sc, seed, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Settle(); err != nil {
		t.Fatal(err)
	}
	laptop := w.Node("laptop")
	addr, _, ok := w.ResolverFor("laptop")
	if !ok {
		t.Fatal("no resolver for the laptop")
	}
	stub := dnsserver.NewStub(laptop, addr)
	b := browse.New(laptop, browse.Config{Lookup: func(host string, done func(browse.LookupResult)) {
		stub.LookupA(host, func(a dnsserver.StubAnswer) { done(browse.LookupResult{Addr: a.Addr, Cached: a.Cached, Err: a.Err}) })
	}})
	return w, b
}

func visit(t testing.TB, w *world.World, b *browse.Browser, url string) *browse.Visit {
	t.Helper()
	var v *browse.Visit
	if err := b.Visit(url, func(x *browse.Visit) { v = x }); err != nil {
		t.Fatal(err)
	}
	for v == nil && w.Kernel.Step() {
	}
	if v == nil {
		t.Fatalf("%s: the visit never finished", url)
	}
	return v
}

// TestDefaultSite loads www.example.com from the laptop: one DNS lookup,
// four resources over HTTP/1.1 (the page, its style sheet, script and
// logo), each byte as the server has it, the sub-resources asked for in
// parallel on more than one connection; a second visit revalidates the
// page (304) and takes the rest from the cache.
func TestDefaultSite(t *testing.T) {
	w, b := browser(t, 1)
	v := visit(t, w, b, "http://www.example.com/")
	res := v.Result
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if len(v.Lookups) != 1 || v.Lookups[0].Host != "www.example.com" || v.Lookups[0].Result.Addr.String() != "203.0.113.10" || v.Lookups[0].Result.Cached {
		t.Fatalf("lookups %+v", v.Lookups)
	}
	site, err := sitefiles()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	conns := map[int]bool{}
	for _, e := range res.Entries {
		got = append(got, fmt.Sprintf("%s %d %s", e.Kind, e.Status, e.URL))
		path := strings.TrimPrefix(e.URL, "http://www.example.com")
		if path == "/" {
			path = "/index.html"
		}
		if sha256.Sum256(e.Body) != sha256.Sum256(site[path]) {
			t.Errorf("%s: %d bytes differ from the site's %d", e.URL, len(e.Body), len(site[path]))
		}
		x := v.Net[e.ID].Exchange
		if x == nil || x.Err != nil {
			t.Fatalf("%s: exchange %+v", e.URL, x)
		}
		conns[x.ConnID] = true
	}
	want := "document 200 http://www.example.com/|stylesheet 200 http://www.example.com/style.css|script 200 http://www.example.com/app.js|image 200 http://www.example.com/logo.png"
	if g := strings.Join(got, "|"); g != want {
		t.Errorf("entries\n%s\nwant\n%s", g, want)
	}
	if len(conns) < 2 {
		t.Errorf("sub-resources on %d connection(s); a browser opens more in parallel", len(conns))
	}
	if !(res.DOMLoaded <= res.DCL && res.DCL <= res.Load && res.FirstPaint <= res.Load && res.Load > 0) {
		t.Errorf("milestones DOM %v DCL %v paint %v load %v", res.DOMLoaded, res.DCL, res.FirstPaint, res.Load)
	}
	if res.Page == nil || res.Page.Tree == nil {
		t.Fatal("no page")
	}

	second := visit(t, w, b, "http://www.example.com/")
	var kinds []string
	for _, e := range second.Result.Entries {
		switch {
		case e.FromCache:
			kinds = append(kinds, "cache")
		case e.Revalidated:
			kinds = append(kinds, "304")
		default:
			kinds = append(kinds, fmt.Sprint(e.Status))
		}
	}
	if g := strings.Join(kinds, " "); g != "304 cache cache cache" {
		t.Errorf("second visit: %s", g)
	}
	if len(second.Lookups) != 1 || !second.Lookups[0].Result.Cached {
		t.Errorf("second visit lookups %+v", second.Lookups)
	}
	if x := second.Net[0].Exchange; x == nil || !x.Reused {
		t.Errorf("second visit's page request should reuse a kept connection")
	}
	b.Close()
}

func TestUnknownHost(t *testing.T) {
	w, b := browser(t, 1)
	v := visit(t, w, b, "http://nosuch.example.com/")
	if v.Result.Err == nil || !strings.Contains(v.Result.Err.Error(), "Name or service not known") {
		t.Errorf("err %v", v.Result.Err)
	}
	if err := b.Visit("https://www.example.com/", func(*browse.Visit) {}); err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Errorf("https: %v", err)
	}
	_ = loader.ErrBadURL
}

// sitefiles reads the default site's files from the source tree.
func sitefiles() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, name := range []string{"index.html", "style.css", "app.js", "logo.png"} {
		b, err := os.ReadFile("../web/site/www.example.com/" + name)
		if err != nil {
			return nil, err
		}
		out["/"+name] = b
	}
	return out, nil
}

// BenchmarkColdLoad loads www.example.com cold from the laptop of a
// freshly built default world (the build is not timed): DNS from the
// root, three connections, four resources, the page laid out. It
// reports the simulation's events per load and per wall-clock second.
func BenchmarkColdLoad(b *testing.B) {
	events := uint64(0)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		w, br := browser(b, uint64(i+1))
		before := w.Kernel.Fired()
		b.StartTimer()
		v := visit(b, w, br, "http://www.example.com/")
		if v.Result.Err != nil {
			b.Fatal(v.Result.Err)
		}
		events += w.Kernel.Fired() - before
	}
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
