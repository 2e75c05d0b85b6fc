package loader

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

// site is a fake origin server: path → response.
type site map[string]Response

// harness drives a Loader as a network would: every request's response
// head and first half of the body arrive rtt after it was sent, the rest
// half an rtt later.
type harness struct {
	t       *testing.T
	l       *Loader
	sites   map[string]site // by host
	rtt     time.Duration
	now     sim.Time
	pending []pend
	sent    []Request
	maxLive map[string]int // the most requests in flight per host
	live    map[string]int
	got     map[int][]Field // request headers by entry
}

type pend struct {
	at   sim.Time
	id   int
	host string
	resp Response
	part bool // the first half of the body
}

func newHarness(t *testing.T, cfg Config, sites map[string]site) *harness {
	return &harness{t: t, l: New(cfg), sites: sites, rtt: 10 * time.Millisecond,
		maxLive: map[string]int{}, live: map[string]int{}, got: map[int][]Field{}}
}

func (h *harness) send() {
	for _, r := range h.l.Requests(h.now, nil) {
		h.sent = append(h.sent, r)
		h.got[r.ID] = r.Header
		host := r.URL.Host
		h.live[host]++
		h.maxLive[host] = max(h.maxLive[host], h.live[host])
		resp, ok := h.sites[r.URL.Hostname()][r.URL.RequestURI()]
		if !ok {
			resp = Response{Status: 404, Header: []Field{{"Content-Type", "text/plain"}}, Body: []byte("not found\n")}
		}
		if inm := fieldOf(r.Header, "If-None-Match"); inm != "" && inm == resp.Get("ETag") {
			resp = Response{Status: 304, Header: []Field{{"ETag", inm}}}
		}
		h.pending = append(h.pending, pend{at: h.now.Add(h.rtt), id: r.ID, host: host, resp: resp, part: true},
			pend{at: h.now.Add(h.rtt + h.rtt/2), id: r.ID, host: host, resp: resp})
	}
}

func fieldOf(fs []Field, name string) string {
	for _, f := range fs {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// run navigates to raw and runs until the load is done.
func (h *harness) run(raw string) Result {
	if err := h.l.Navigate(h.now, raw); err != nil {
		h.t.Fatal(err)
	}
	for i := 0; !h.l.Done(); i++ {
		if i > 10000 {
			h.t.Fatal("the load never finished")
		}
		h.send()
		if len(h.pending) == 0 {
			if h.l.Done() {
				break
			}
			h.t.Fatal("stalled: nothing in flight and not done")
		}
		slices.SortStableFunc(h.pending, func(a, b pend) int { return int(a.at - b.at) })
		p := h.pending[0]
		h.pending = h.pending[1:]
		h.now = p.at
		if p.part {
			h.l.Body(h.now, p.id, p.resp.Body[:len(p.resp.Body)/2])
			continue
		}
		h.live[p.host]--
		h.l.Response(h.now, p.id, p.resp)
	}
	return h.l.Result()
}

func html(body string) Response {
	return Response{Status: 200, Header: []Field{{"Content-Type", "text/html; charset=utf-8"}, {"Cache-Control", "no-cache"}, {"ETag", `"h1"`}}, Body: []byte(body)}
}

func css(body string) Response {
	return Response{Status: 200, Header: []Field{{"Content-Type", "text/css"}, {"Cache-Control", "max-age=60"}, {"ETag", `"c1"`}}, Body: []byte(body)}
}

func script(body string) Response {
	return Response{Status: 200, Header: []Field{{"Content-Type", "text/javascript"}}, Body: []byte(body)}
}

const testPage = `<!DOCTYPE html><html><head><title>t</title>
<link rel="stylesheet" href="/style.css"><script src="app.js" defer></script></head>
<body><h1>Hello</h1><p>` + "padding padding padding padding padding padding padding padding padding padding" + `</p>
<p>more text to push the body past the first half of the bytes so the scan sees only the head first</p></body></html>`

func TestDiscoverBeforeDocumentEnds(t *testing.T) {
	h := newHarness(t, Config{}, map[string]site{"www.example.com": {
		"/": html(testPage), "/style.css": css("h1 { color: rgb(255, 0, 0) }"), "/app.js": script("x()"),
	}})
	res := h.run("www.example.com")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if len(res.Entries) != 3 {
		t.Fatalf("%d entries, want 3", len(res.Entries))
	}
	doc, sheet, js := res.Entries[0], res.Entries[1], res.Entries[2]
	if sheet.URL != "http://www.example.com/style.css" || js.URL != "http://www.example.com/app.js" || !js.Defer {
		t.Fatalf("entries %+v %+v", sheet, js)
	}
	// Found in the document's first half, and asked for before its end.
	if sheet.DiscoveredAfter != len(testPage)/2 || sheet.Started >= doc.Done {
		t.Errorf("style sheet discovered after %d bytes, sent at %v, document done at %v", sheet.DiscoveredAfter, sheet.Started, doc.Done)
	}
	if !(res.DOMLoaded == doc.Done && res.DCL == js.Done && res.FirstPaint == max(doc.Done, sheet.Done) && res.Load == max(sheet.Done, js.Done)) {
		t.Errorf("milestones DOM %v DCL %v paint %v load %v; doc %v css %v js %v", res.DOMLoaded, res.DCL, res.FirstPaint, res.Load, doc.Done, sheet.Done, js.Done)
	}
	if got := fieldOf(h.got[1], "Accept"); got != "text/css,*/*;q=0.1" {
		t.Errorf("style sheet Accept %q", got)
	}
	// The page was built with the style sheet: the h1 is red.
	if res.Page == nil || !strings.Contains(dumpStyles(res), "rgb(255,0,0)") {
		t.Errorf("the page did not use the style sheet")
	}
}

func dumpStyles(res Result) string {
	var b strings.Builder
	res.Page.Styles.Dump(&b)
	return b.String()
}

func TestPerOriginLimit(t *testing.T) {
	var imgs strings.Builder
	s := site{}
	for i := range 9 {
		fmt.Fprintf(&imgs, `<img src="/i%d.png">`, i)
		s[fmt.Sprintf("/i%d.png", i)] = Response{Status: 200, Header: []Field{{"Content-Type", "image/png"}}, Body: []byte("not a png")}
	}
	s["/"] = html("<body>" + imgs.String() + "</body>")
	for _, limit := range []int{1, 6} {
		h := newHarness(t, Config{MaxPerOrigin: limit}, map[string]site{"a.example": s})
		res := h.run("http://a.example/")
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		if h.maxLive["a.example"] != limit {
			t.Errorf("limit %d: at most %d in flight", limit, h.maxLive["a.example"])
		}
		if len(h.sent) != 10 {
			t.Errorf("limit %d: %d requests", limit, len(h.sent))
		}
	}
}

func TestRedirects(t *testing.T) {
	h := newHarness(t, Config{}, map[string]site{"a.example": {
		"/old":   {Status: 301, Header: []Field{{"Location", "/new"}}},
		"/new":   html(`<link rel=stylesheet href="s.css"><p>x</p>`),
		"/s.css": {Status: 302, Header: []Field{{"Location", "http://b.example/s.css"}}},
	}, "b.example": {"/s.css": css("p { color: rgb(0, 0, 255) }")}})
	res := h.run("http://a.example/old")
	if res.Err != nil || res.URL != "http://a.example/new" {
		t.Fatalf("url %s err %v", res.URL, res.Err)
	}
	var urls []string
	for _, e := range res.Entries {
		urls = append(urls, fmt.Sprintf("%d %s %s", e.Status, e.Initiator, e.URL))
	}
	want := "301 navigation http://a.example/old|200 redirect http://a.example/new|302 parser http://a.example/s.css|200 redirect http://b.example/s.css"
	if got := strings.Join(urls, "|"); got != want {
		t.Errorf("entries\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(dumpStyles(res), "rgb(0,0,255)") {
		t.Error("the redirected style sheet was not used")
	}

	loop := newHarness(t, Config{MaxRedirects: 3}, map[string]site{"a.example": {
		"/": {Status: 302, Header: []Field{{"Location", "/"}}},
	}})
	if res := loop.run("a.example"); !errors.Is(res.Err, ErrTooManyRedirects) || len(loop.sent) != 4 {
		t.Errorf("redirect loop: %v after %d requests", res.Err, len(loop.sent))
	}
}

// TestCacheSecondVisit loads a page twice with one cache: the style
// sheet (max-age=60) comes from the cache without a request, the HTML
// (no-cache, ETag) is revalidated and answered 304, the script (no
// validator, no max-age) is fetched again; after 61 s the style sheet is
// revalidated too.
func TestCacheSecondVisit(t *testing.T) {
	sites := map[string]site{"www.example.com": {
		"/": html(testPage), "/style.css": css("h1 { color: rgb(255, 0, 0) }"), "/app.js": script("x()"),
	}}
	cache := NewCache()
	first := newHarness(t, Config{Cache: cache}, sites)
	first.run("www.example.com")
	if cache.Len() != 2 {
		t.Fatalf("cache holds %d responses, want 2 (HTML and CSS)", cache.Len())
	}
	second := newHarness(t, Config{Cache: cache}, sites)
	second.now = first.now.Add(time.Second)
	res := second.run("www.example.com")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	doc, sheet, js := res.Entries[0], res.Entries[1], res.Entries[2]
	if !doc.Revalidated || doc.Response.Status != 304 || doc.Status != 200 || string(doc.Body) != testPage {
		t.Errorf("document: revalidated %v, wire status %d, page status %d", doc.Revalidated, doc.Response.Status, doc.Status)
	}
	if fieldOf(second.got[0], "If-None-Match") != `"h1"` {
		t.Errorf("document request headers %v", second.got[0])
	}
	if !sheet.FromCache || sheet.Response != nil || sheet.Done != sheet.Queued {
		t.Errorf("style sheet: from cache %v", sheet.FromCache)
	}
	if js.FromCache || js.Revalidated || js.Response == nil {
		t.Errorf("script should be fetched again")
	}
	if len(second.sent) != 2 {
		t.Errorf("%d requests on the second visit, want 2", len(second.sent))
	}
	third := newHarness(t, Config{Cache: cache}, sites)
	third.now = second.now.Add(61 * time.Second)
	res = third.run("www.example.com")
	if sh := res.Entries[1]; sh.FromCache || !sh.Revalidated {
		t.Errorf("after max-age: from cache %v, revalidated %v", sh.FromCache, sh.Revalidated)
	}
}

func TestContentTypes(t *testing.T) {
	h := newHarness(t, Config{}, map[string]site{"api.example": {
		"/items": {Status: 200, Header: []Field{{"Content-Type", "application/json"}}, Body: []byte(`{"items":[1,2]}`)},
	}})
	res := h.run("http://api.example/items")
	if res.Err != nil || res.Page == nil {
		t.Fatal(res.Err)
	}
	if ev := res.Page.Events[0].String(); ev != "content type: application/json: shown as text" {
		t.Errorf("first page event %q", ev)
	}
}

func TestFailures(t *testing.T) {
	for _, raw := range []string{"https://a.example/", "http://", "ftp://x/", "http://a.example:99999/"} {
		if err := New(Config{}).Navigate(0, raw); !errors.Is(err, ErrBadURL) {
			t.Errorf("%q: %v", raw, err)
		}
	}
	l := New(Config{})
	if err := l.Navigate(0, "a.example"); err != nil {
		t.Fatal(err)
	}
	reqs := l.Requests(0, nil)
	refused := errors.New("connection refused")
	l.Failed(5, reqs[0].ID, refused)
	if !l.Done() || !errors.Is(l.Result().Err, refused) {
		t.Errorf("done %v err %v", l.Done(), l.Result().Err)
	}
	// A sub-resource that fails leaves the page whole without it.
	h := newHarness(t, Config{}, map[string]site{"a.example": {"/": html(`<img src="/gone.png"><p>x</p>`)}})
	res := h.run("a.example")
	if res.Err != nil || res.Entries[1].Status != 404 {
		t.Errorf("err %v, image status %d", res.Err, res.Entries[1].Status)
	}
}

// TestLargeDocumentScansLinearly: a 4 MiB document arriving 1 KiB at a
// time is scanned a few dozen times, not four thousand, and every image
// in it is still found.
func TestLargeDocumentScansLinearly(t *testing.T) {
	var b strings.Builder
	b.WriteString("<html><body>")
	for i := 0; b.Len() < 4<<20; i++ {
		fmt.Fprintf(&b, `<p>%s</p>`, strings.Repeat("x", 1000))
		if i%1000 == 0 {
			fmt.Fprintf(&b, `<img src="/i%d.png">`, i)
		}
	}
	doc := b.String()
	l := New(Config{})
	if err := l.Navigate(0, "a.example"); err != nil {
		t.Fatal(err)
	}
	l.Requests(0, nil)
	scans := 0
	docb := []byte(doc)
	for end := 1024; end < len(doc); end += 1024 {
		before := l.scanned
		l.Body(sim.Time(end), 0, docb[:end])
		if l.scanned != before {
			scans++
		}
	}
	if scans > 40 {
		t.Errorf("%d scans", scans)
	}
	l.Response(sim.Time(len(doc)), 0, html(doc))
	images := 0
	for _, e := range l.entries {
		if e.Kind == Image {
			images++
		}
	}
	if want := strings.Count(doc, "<img"); images != want {
		t.Errorf("%d images found, want %d", images, want)
	}
}
