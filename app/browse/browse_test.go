package browse_test

import (
	"crypto/sha256"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hopsnet/hops/app/browse"
	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/app/web"
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

// TestHTTP2Priorities: over HTTP/2 the browser sends Chromium's
// priorities, and the server's scheduler honours them: a style sheet
// asked for after six large images, on the same connection, goes out as
// soon as its request is in, in one run, ahead of every image byte not
// yet handed to TCP (the server's 128 KiB send buffer already holds the
// first image and part of the second: they are done before it).
func TestHTTP2Priorities(t *testing.T) {
	sc, err := world.Default()
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.Build(sc, 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Settle(); err != nil {
		t.Fatal(err)
	}
	page := "<!DOCTYPE html><html><head><title>p</title></head><body>"
	files := fstest.MapFS{}
	for i := 1; i <= 6; i++ {
		page += fmt.Sprintf(`<img src="/%d.png" width="10" height="10">`, i)
		files[fmt.Sprintf("%d.png", i)] = &fstest.MapFile{Data: make([]byte, 100<<10)}
	}
	page += `<script src="/a.js"></script><link rel="stylesheet" href="/late.css"></body></html>`
	files["index.html"] = &fstest.MapFile{Data: []byte(page)}
	files["late.css"] = &fstest.MapFile{Data: []byte("p { color: red }\n" + strings.Repeat("/* padding */\n", 1500))}
	files["a.js"] = &fstest.MapFile{Data: []byte("var x = 1;\n")}
	site, err := web.NewSite(files)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := web.Serve(w.Node("www.example.com"), web.Config{Port: 8080}, site); err != nil {
		t.Fatal(err)
	}
	laptop := w.Node("laptop")
	addr, _, _ := w.ResolverFor("laptop")
	stub := dnsserver.NewStub(laptop, addr)
	b := browse.New(laptop, browse.Config{HTTP2: true, Lookup: func(host string, done func(browse.LookupResult)) {
		stub.LookupA(host, func(a dnsserver.StubAnswer) { done(browse.LookupResult{Addr: a.Addr, Cached: a.Cached, Err: a.Err}) })
	}})
	v := visit(t, w, b, "http://www.example.com:8080/")
	if v.Result.Err != nil {
		t.Fatal(v.Result.Err)
	}
	var css *web.Exchange
	var images []*web.Exchange
	wantPrio := map[loader.Kind]string{loader.Document: "u=0, i", loader.Stylesheet: "u=0", loader.Script: "u=1", loader.Image: "i"}
	for _, e := range v.Result.Entries {
		n := v.Net[e.ID]
		if got := n.Request.Header.Get("Priority"); got != wantPrio[e.Kind] {
			t.Errorf("%s %s: Priority %q, want %q", e.Kind, e.URL, got, wantPrio[e.Kind])
		}
		if n.Exchange == nil || n.Exchange.Err != nil || n.Exchange.Proto != "HTTP/2" {
			t.Fatalf("%s: exchange %+v", e.URL, n.Exchange)
		}
		switch e.Kind {
		case loader.Stylesheet:
			css = n.Exchange
		case loader.Image:
			images = append(images, n.Exchange)
		}
	}
	if css == nil || len(images) != 6 {
		t.Fatalf("style sheet %v, %d images", css, len(images))
	}
	after := 0
	for _, img := range images {
		if img.Stream > css.Stream {
			t.Fatalf("image stream %d after the style sheet's %d: the test needs the images asked for first", img.Stream, css.Stream)
		}
		if img.Done > css.Done {
			after++
		}
	}
	// The server keeps at most 16 KiB written to TCP and not yet sent
	// (TCP_NOTSENT_LOWAT), so the style sheet overtakes every image
	// (without it, the 128 KiB send buffer holds one image's bytes
	// already, and that image finishes first).
	if after < 6 {
		t.Errorf("%d of 6 images done after the style sheet; want all six", after)
	}
	// u=0, not incremental: its bytes come in one run
	if d := css.Done.Sub(css.FirstByte); d > 5*time.Millisecond {
		t.Errorf("style sheet took %v from its first byte to its last", d)
	}
	b.Close()
}
