package har_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hopsnet/hops/trace/har"
)

// schemaFile is the HAR 1.2 schema written from the spec for these tests.
const schemaFile = "testdata/har-1.2.schema.json"

// compileSchema compiles the schema; the compiler checks it against the
// draft 2020-12 meta-schema first.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", schemaFile, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaFile, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(schemaFile)
	if err != nil {
		t.Fatalf("compile %s: %v", schemaFile, err)
	}
	return sch
}

// validate validates JSON text against the schema.
func validate(sch *jsonschema.Schema, b []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// hv builds header fields from name, value pairs.
func hv(pairs ...string) []har.NameValue {
	var out []har.NameValue
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, har.NameValue{Name: pairs[i], Value: pairs[i+1]})
	}
	return out
}

// headersSize is the size of an HTTP/1.1 head: first line, fields, and
// the empty line.
func headersSize(first string, h []har.NameValue) int64 {
	n := len(first) + 2
	for _, f := range h {
		n += len(f.Name) + 2 + len(f.Value) + 2
	}
	return int64(n + 2)
}

// phases are an entry's timings as durations; a negative one does not
// apply.
type phases struct {
	blocked, dns, connect, send, wait, receive time.Duration
}

func (p phases) timings() har.Timings {
	ms := func(d time.Duration) float64 {
		if d < 0 {
			return har.NotApplicable
		}
		return har.Ms(d)
	}
	return har.Timings{
		Blocked: ms(p.blocked), DNS: ms(p.dns), Connect: ms(p.connect),
		Send: ms(p.send), Wait: ms(p.wait), Receive: ms(p.receive),
		SSL: har.NotApplicable,
	}
}

// end is when the response has been read, from the entry's start.
func (p phases) end() time.Duration {
	var sum time.Duration
	for _, d := range []time.Duration{p.blocked, p.dns, p.connect, p.send, p.wait, p.receive} {
		sum += max(d, 0)
	}
	return sum
}

const us = time.Microsecond

// sample is a realistic archive: one page load over HTTP/1.1 with two
// connections. The HTML opens connection 49152 (lookup and handshake),
// the CSS, found by the preload scan while the HTML arrives, opens
// 49153 (the lookup answered from the stub's cache), the PNG reuses
// 49152 (no dns, no connect), and the JS, cached but stale, is
// revalidated on 49153 and answered 304 Not Modified.
func sample() *har.HAR {
	const origin = "http://shop.example"
	pageStart := 1200 * time.Millisecond

	type spec struct {
		start      time.Duration // since the page's start
		p          phases
		path, conn string
		reqH       []har.NameValue
		status     int
		text       string
		respH      []har.NameValue
		mime       string
		size, body int64
		body64     string
		cache      har.Cache
	}
	html := `<!doctype html><html><head><title>Shop</title><link rel="stylesheet" href="/style.css"><script src="/app.js"></script></head><body><img src="/logo.png"></body></html>`
	css := "body { font: 16px serif; margin: 0 }\n"
	p0 := phases{21 * us, 24518 * us, 20104 * us, 12 * us, 21377 * us, 4893 * us}
	p1 := phases{8 * us, 0, 20097 * us, 10 * us, 20412 * us, 1205 * us}
	p2 := phases{4 * us, -1, -1, 11 * us, 20386 * us, 12640 * us}
	p3 := phases{3 * us, -1, -1, 9 * us, 20377 * us, 102 * us}
	s1 := 66100 * us            // the preload scan found the CSS
	s2 := p0.end() + 150*us     // the HTML's connection is free again
	s3 := s1 + p1.end() + 90*us // and so is the CSS's
	specs := []spec{
		{0, p0, "/", "49152", hv("Host", "shop.example", "User-Agent", "hops", "Accept", "text/html"),
			200, "OK", hv("Content-Type", "text/html; charset=utf-8", "Content-Length", strconv.Itoa(len(html)), "Cache-Control", "no-cache"),
			"text/html; charset=utf-8", int64(len(html)), int64(len(html)), html,
			har.Cache{BeforeRequest: har.NotCached(), AfterRequest: har.NotCached()}},
		{s1, p1, "/style.css", "49153", hv("Host", "shop.example", "User-Agent", "hops", "Accept", "text/css"),
			200, "OK", hv("Content-Type", "text/css", "Content-Length", strconv.Itoa(len(css)), "ETag", `"c55"`, "Cache-Control", "max-age=3600"),
			"text/css", int64(len(css)), int64(len(css)), css,
			har.Cache{BeforeRequest: har.NotCached(), AfterRequest: har.Cached(har.CacheEntry{
				Expires: har.Time(pageStart + s1 + p1.end() + time.Hour), LastAccess: har.Time(pageStart + s1 + p1.end()), ETag: `"c55"`})}},
		{s2, p2, "/logo.png", "49152", hv("Host", "shop.example", "User-Agent", "hops", "Accept", "image/*"),
			200, "OK", hv("Content-Type", "image/png", "Content-Length", "4242"),
			"image/png", 4242, 4242, "", har.Cache{}},
		{s3, p3, "/app.js", "49153", hv("Host", "shop.example", "User-Agent", "hops", "Accept", "*/*", "If-None-Match", `"a1"`),
			304, "Not Modified", hv("ETag", `"a1"`, "Cache-Control", "max-age=600"),
			"text/javascript", 1830, 0, "",
			har.Cache{
				BeforeRequest: har.Cached(har.CacheEntry{Expires: har.Time(pageStart - time.Minute), LastAccess: har.Time(pageStart - 11*time.Minute), ETag: `"a1"`, HitCount: 2}),
				AfterRequest:  har.Cached(har.CacheEntry{Expires: har.Time(pageStart + s3 + p3.end() + 10*time.Minute), LastAccess: har.Time(pageStart + s3 + p3.end()), ETag: `"a1"`, HitCount: 3}),
			}},
	}

	h := &har.HAR{Log: har.Log{
		Version: har.Version,
		Creator: har.Creator{Name: "hops", Version: "0.1"},
		Browser: &har.Creator{Name: "hops browser", Version: "0.1"},
		Pages: []har.Page{{
			StartedDateTime: har.Time(pageStart),
			ID:              "page_1",
			Title:           "Shop",
			PageTimings:     har.PageTimings{OnContentLoad: har.Ms(s3 + p3.end() + 2*time.Millisecond), OnLoad: har.Ms(s3 + p3.end() + 3*time.Millisecond)},
		}},
	}}
	for _, s := range specs {
		e := har.Entry{
			Pageref:         "page_1",
			StartedDateTime: har.Time(pageStart + s.start),
			Request: har.Request{
				Method: "GET", URL: origin + s.path, HTTPVersion: "HTTP/1.1",
				Headers:     s.reqH,
				HeadersSize: headersSize("GET "+s.path+" HTTP/1.1", s.reqH),
				BodySize:    0,
			},
			Response: har.Response{
				Status: s.status, StatusText: s.text, HTTPVersion: "HTTP/1.1",
				Headers:     s.respH,
				Content:     har.Content{Size: s.size, MimeType: s.mime, Text: s.body64},
				HeadersSize: headersSize(fmt.Sprintf("HTTP/1.1 %d %s", s.status, s.text), s.respH),
				BodySize:    s.body,
			},
			Cache:           s.cache,
			Timings:         s.p.timings(),
			ServerIPAddress: "203.0.113.80",
			Connection:      s.conn,
		}
		e.Time = e.Timings.Total()
		h.Log.Entries = append(h.Log.Entries, e)
	}
	return h
}

func write(t *testing.T, h *har.HAR) []byte {
	t.Helper()
	var b bytes.Buffer
	n, err := h.WriteTo(&b)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(b.Len()) {
		t.Fatalf("WriteTo returned %d, wrote %d bytes", n, b.Len())
	}
	return b.Bytes()
}

func TestSampleValidates(t *testing.T) {
	sch := compileSchema(t)
	h := sample()
	if err := h.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	b := write(t, h)
	if err := validate(sch, b); err != nil {
		t.Fatalf("the sample HAR does not validate:\n%v\n%s", err, b)
	}

	if !bytes.HasSuffix(b, []byte("}\n")) || !bytes.HasPrefix(b, []byte("{\n  \"log\": {\n    \"version\": \"1.2\",\n")) {
		t.Errorf("not two-space indented JSON ending in a newline:\n%s", b)
	}
	for _, want := range []string{
		`"startedDateTime": "2000-01-01T00:00:01.200Z"`,
		`"dns": -1,`,
		`"connect": -1,`,
		`"beforeRequest": null,`,
		`"status": 304,`,
		`"queryString": [],`,
		`"cookies": [],`,
		`<!doctype html><html>`, // HTML is not escaped
	} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("output lacks %s", want)
		}
	}

	// The same archive writes the same bytes, and reading them back
	// gives them again.
	if again := write(t, sample()); !bytes.Equal(b, again) {
		t.Error("two writes of the same archive differ")
	}
	var back har.HAR
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if rt := write(t, &back); !bytes.Equal(b, rt) {
		t.Errorf("round trip changed the output:\n%s\n---\n%s", b, rt)
	}
}

// at walks a decoded JSON document by keys and indexes.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

func obj(v any, path ...any) map[string]any { return at(v, path...).(map[string]any) }

func TestSchemaRejects(t *testing.T) {
	sch := compileSchema(t)
	good := write(t, sample())
	entry := func(i int, more ...any) []any { return append([]any{"log", "entries", i}, more...) }
	tests := []struct {
		name   string
		mutate func(doc any)
		ok     bool
	}{
		{"unchanged", func(any) {}, true},
		{"custom field with underscore", func(d any) { obj(d, entry(0)...)["_priority"] = "high" }, true},
		{"no pages", func(d any) { delete(obj(d, "log"), "pages") }, true},
		{"empty cache", func(d any) { obj(d, entry(0)...)["cache"] = map[string]any{} }, true},
		{"post data with text", func(d any) {
			obj(d, entry(0, "request")...)["postData"] = map[string]any{"mimeType": "text/plain", "text": "hi"}
		}, true},

		{"no log", func(d any) { delete(d.(map[string]any), "log") }, false},
		{"no version", func(d any) { delete(obj(d, "log"), "version") }, false},
		{"no creator name", func(d any) { delete(obj(d, "log", "creator"), "name") }, false},
		{"no entries", func(d any) { delete(obj(d, "log"), "entries") }, false},
		{"entries null", func(d any) { obj(d, "log")["entries"] = nil }, false},
		{"no page title", func(d any) { delete(obj(d, "log", "pages", 0), "title") }, false},
		{"no timings", func(d any) { delete(obj(d, entry(1)...), "timings") }, false},
		{"no cache", func(d any) { delete(obj(d, entry(1)...), "cache") }, false},
		{"no request headers", func(d any) { delete(obj(d, entry(1, "request")...), "headers") }, false},
		{"request cookies null", func(d any) { obj(d, entry(1, "request")...)["cookies"] = nil }, false},
		{"no query string", func(d any) { delete(obj(d, entry(1, "request")...), "queryString") }, false},
		{"no redirectURL", func(d any) { delete(obj(d, entry(1, "response")...), "redirectURL") }, false},
		{"no content mimeType", func(d any) { delete(obj(d, entry(1, "response", "content")...), "mimeType") }, false},
		{"header without value", func(d any) { delete(obj(d, entry(1, "request", "headers", 0)...), "value") }, false},
		{"status as a string", func(d any) { obj(d, entry(2, "response")...)["status"] = "200" }, false},
		{"time as a string", func(d any) { obj(d, entry(2)...)["time"] = "12.5" }, false},
		{"headersSize fractional", func(d any) { obj(d, entry(2, "request")...)["headersSize"] = 12.5 }, false},
		{"bodySize below -1", func(d any) { obj(d, entry(2, "response")...)["bodySize"] = -2 }, false},
		{"negative send", func(d any) { obj(d, entry(2, "timings")...)["send"] = -0.5 }, false},
		{"send -1", func(d any) { obj(d, entry(2, "timings")...)["send"] = -1 }, false},
		{"no wait", func(d any) { delete(obj(d, entry(2, "timings")...), "wait") }, false},
		{"dns -2", func(d any) { obj(d, entry(2, "timings")...)["dns"] = -2 }, false},
		{"onLoad -0.5", func(d any) { obj(d, "log", "pages", 0, "pageTimings")["onLoad"] = -0.5 }, false},
		{"unknown timing", func(d any) { obj(d, entry(2, "timings")...)["total"] = 3 }, false},
		{"startedDateTime not ISO 8601", func(d any) { obj(d, entry(3)...)["startedDateTime"] = "Sat, 01 Jan 2000 00:00:01 GMT" }, false},
		{"startedDateTime without zone", func(d any) { obj(d, entry(3)...)["startedDateTime"] = "2000-01-01T00:00:01.200" }, false},
		{"cache entry without eTag", func(d any) { delete(obj(d, entry(3, "cache", "afterRequest")...), "eTag") }, false},
		{"cache state a string", func(d any) { obj(d, entry(3, "cache")...)["beforeRequest"] = "none" }, false},
		{"post data with text and params", func(d any) {
			obj(d, entry(0, "request")...)["postData"] = map[string]any{"mimeType": "text/plain", "text": "a=1", "params": []any{map[string]any{"name": "a", "value": "1"}}}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc any
			if err := json.Unmarshal(good, &doc); err != nil {
				t.Fatal(err)
			}
			tt.mutate(doc)
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			err = validate(sch, b)
			switch {
			case tt.ok && err != nil:
				t.Errorf("rejected: %v", err)
			case !tt.ok && err == nil:
				t.Errorf("accepted a broken HAR")
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(h *har.HAR)
		want   []string // substrings of the error; none: no error
	}{
		{"sample", func(*har.HAR) {}, nil},
		{"empty log", func(h *har.HAR) { h.Log = har.Log{} }, nil},
		{"entry without page", func(h *har.HAR) { h.Log.Entries[0].Pageref = "" }, nil},
		{"ssl within connect", func(h *har.HAR) { h.Log.Entries[0].Timings.SSL = 5 }, nil},
		{"time a rounding off", func(h *har.HAR) { h.Log.Entries[1].Time += 0.001 }, nil},
		{"milestones not reached", func(h *har.HAR) {
			h.Log.Pages[0].PageTimings = har.PageTimings{OnContentLoad: har.NotApplicable, OnLoad: har.NotApplicable}
		}, nil},
		{"onLoad only", func(h *har.HAR) { h.Log.Pages[0].PageTimings.OnContentLoad = har.NotApplicable }, nil},

		{"time is not the sum", func(h *har.HAR) { h.Log.Entries[1].Time += 1 },
			[]string{"entry 1 (GET http://shop.example/style.css): time 42.732 ms is not the sum of its timings, 41.732 ms"}},
		{"time counts -1", func(h *har.HAR) { e := &h.Log.Entries[2]; e.Time -= 2 },
			[]string{"entry 2 (GET http://shop.example/logo.png): time", "not the sum"}},
		{"ssl added twice", func(h *har.HAR) {
			e := &h.Log.Entries[0]
			e.Timings.SSL = 5
			e.Time = e.Timings.Total() + e.Timings.SSL
		}, []string{"entry 0 (GET http://shop.example/): time", "ssl is part of connect"}},
		{"ssl beyond connect", func(h *har.HAR) { h.Log.Entries[0].Timings.SSL = 30 },
			[]string{"entry 0 (GET http://shop.example/): timings.ssl 30 ms exceeds connect 20.104 ms"}},
		{"negative send", func(h *har.HAR) {
			e := &h.Log.Entries[2]
			e.Timings.Send = -1
			e.Time = e.Timings.Total()
		}, []string{"entry 2 (GET http://shop.example/logo.png): timings.send is -1; it must be >= 0"}},
		{"negative receive", func(h *har.HAR) { h.Log.Entries[3].Timings.Receive = -0.5 },
			[]string{"entry 3 (GET http://shop.example/app.js): timings.receive is -0.5", "time"}},
		{"NaN wait", func(h *har.HAR) { h.Log.Entries[3].Timings.Wait = math.NaN() },
			[]string{"entry 3 (GET http://shop.example/app.js): timings.wait is NaN"}},
		{"dns -2", func(h *har.HAR) { h.Log.Entries[2].Timings.DNS = -2 },
			[]string{"entry 2 (GET http://shop.example/logo.png): timings.dns is -2; it must be -1 (does not apply) or >= 0"}},
		{"unknown pageref", func(h *har.HAR) { h.Log.Entries[3].Pageref = "page_2" },
			[]string{`entry 3 (GET http://shop.example/app.js): pageref "page_2" names no page`}},
		{"unsorted entries", func(h *har.HAR) {
			e := h.Log.Entries
			e[1], e[2] = e[2], e[1]
		}, []string{"entry 2 (GET http://shop.example/style.css): started at 2000-01-01T00:00:01.266Z, before entry 1 (GET http://shop.example/logo.png) at 2000-01-01T00:00:01.271Z; entries must be sorted by startedDateTime"}},
		{"bad startedDateTime", func(h *har.HAR) { h.Log.Entries[1].StartedDateTime = "yesterday" },
			[]string{`entry 1 (GET http://shop.example/style.css): startedDateTime: "yesterday" is not an ISO 8601 time`}},
		{"onContentLoad after onLoad", func(h *har.HAR) { h.Log.Pages[0].PageTimings.OnContentLoad = 500 },
			[]string{`page 0 (id "page_1"): onContentLoad 500 ms is after onLoad`}},
		{"negative onLoad", func(h *har.HAR) { h.Log.Pages[0].PageTimings.OnLoad = -3 },
			[]string{`page 0 (id "page_1"): onLoad is -3`}},
		{"duplicate page id", func(h *har.HAR) { h.Log.Pages = append(h.Log.Pages, h.Log.Pages[0]) },
			[]string{`page 1 (id "page_1"): id is also page 0's`}},
		{"two problems", func(h *har.HAR) {
			h.Log.Entries[0].Pageref = "nope"
			h.Log.Entries[3].Time = 0
		}, []string{"entry 0 (GET http://shop.example/): pageref", "entry 3 (GET http://shop.example/app.js): time 0 ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sample()
			tt.mutate(h)
			err := h.Check()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Check found nothing")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if !strings.HasPrefix(err.Error(), "har: ") {
				t.Errorf("error %q does not start with har:", err)
			}
		})
	}
}

func TestTime(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "2000-01-01T00:00:00.000Z"},
		{123 * time.Millisecond, "2000-01-01T00:00:00.123Z"},
		{1234567 * us, "2000-01-01T00:00:01.234Z"},
		{999999 * time.Nanosecond, "2000-01-01T00:00:00.000Z"}, // truncated
		{25*time.Hour + 61*time.Second, "2000-01-02T01:01:01.000Z"},
		{-time.Millisecond, "1999-12-31T23:59:59.999Z"},
	} {
		if got := har.Time(tt.d); got != tt.want {
			t.Errorf("Time(%v) = %s, want %s", tt.d, got, tt.want)
		}
	}
}

func TestMs(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want float64
		text string
	}{
		{0, 0, "0"},
		{20 * time.Millisecond, 20, "20"},
		{1234567 * time.Nanosecond, 1.235, "1.235"},
		{1500 * time.Nanosecond, 0.002, "0.002"},
		{1499 * time.Nanosecond, 0.001, "0.001"},
		{123456789 * time.Nanosecond, 123.457, "123.457"},
		{3*time.Hour + 7*us, 10800000.007, "10800000.007"},
		{-1500 * time.Nanosecond, -0.002, "-0.002"},
	} {
		got := har.Ms(tt.d)
		b, _ := json.Marshal(got)
		if got != tt.want || string(b) != tt.text {
			t.Errorf("Ms(%v) = %v (%s), want %v (%s)", tt.d, got, b, tt.want, tt.text)
		}
	}
}

func TestTotal(t *testing.T) {
	tm := har.Timings{Blocked: 0.1, DNS: har.NotApplicable, Connect: 5, Send: 0.2, Wait: 10, Receive: 1.001, SSL: 3}
	if got := tm.Total(); got != 16.301 {
		t.Errorf("Total = %v, want 16.301 (dns -1 and ssl left out)", got)
	}
	if got := (har.Timings{Send: 0.1, Wait: 0.2}).Total(); got != 0.3 {
		t.Errorf("Total = %v, want 0.3 exactly", got)
	}
}

// TestRequiredArrays: nil slices of required arrays are written as [],
// by WriteTo and by json.Marshal alike.
func TestRequiredArrays(t *testing.T) {
	h := &har.HAR{Log: har.Log{Version: har.Version, Creator: har.Creator{Name: "t", Version: "1"}}}
	b := write(t, h)
	if !bytes.Contains(b, []byte(`"entries": []`)) || bytes.Contains(b, []byte("null")) || bytes.Contains(b, []byte("pages")) {
		t.Errorf("empty log:\n%s", b)
	}
	h.Log.Entries = []har.Entry{{StartedDateTime: har.Time(0)}}
	for _, b := range [][]byte{write(t, h), must(json.Marshal(h))} {
		if n := bytes.Count(b, []byte(`"cookies":`)); n != 2 {
			t.Errorf("%d cookies arrays, want 2:\n%s", n, b)
		}
		if bytes.Contains(b, []byte("null")) {
			t.Errorf("null in output:\n%s", b)
		}
		for _, f := range []string{"cookies", "headers", "queryString"} {
			if !bytes.Contains(b, []byte(`"`+f+`": []`)) && !bytes.Contains(b, []byte(`"`+f+`":[]`)) {
				t.Errorf("%s is not []:\n%s", f, b)
			}
		}
	}
	if err := validate(compileSchema(t), write(t, h)); err != nil {
		t.Errorf("a zero entry does not validate: %v", err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestCacheState(t *testing.T) {
	entry := har.CacheEntry{LastAccess: har.Time(0), ETag: `"x"`, HitCount: 1}
	for _, tt := range []struct {
		c    har.Cache
		want string
	}{
		{har.Cache{}, `{}`},
		{har.Cache{AfterRequest: har.NotCached()}, `{"afterRequest":null}`},
		{har.Cache{BeforeRequest: har.NotCached(), AfterRequest: har.Cached(entry)},
			`{"beforeRequest":null,"afterRequest":{"lastAccess":"2000-01-01T00:00:00.000Z","eTag":"\"x\"","hitCount":1}}`},
	} {
		b, err := json.Marshal(tt.c)
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal = %s, %v; want %s", b, err, tt.want)
			continue
		}
		var back har.Cache
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.BeforeRequest.Known() != tt.c.BeforeRequest.Known() || back.AfterRequest.Known() != tt.c.AfterRequest.Known() {
			t.Errorf("%s read back as known %v/%v", b, back.BeforeRequest.Known(), back.AfterRequest.Known())
		}
		got, ok := back.AfterRequest.Entry()
		want, wantOK := tt.c.AfterRequest.Entry()
		if ok != wantOK || got != want {
			t.Errorf("%s read back entry %+v %v, want %+v %v", b, got, ok, want, wantOK)
		}
	}
	if _, ok := har.NotCached().Entry(); ok {
		t.Error("NotCached has an entry")
	}
	if har.Cached(entry).IsZero() || !(har.CacheState{}).IsZero() {
		t.Error("IsZero wrong")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteToErrors(t *testing.T) {
	h := sample()
	if _, err := h.WriteTo(failWriter{}); err == nil || err.Error() != "disk full" {
		t.Errorf("WriteTo to a failing writer: %v", err)
	}
	h.Log.Entries[0].Time = math.Inf(1)
	var b bytes.Buffer
	if n, err := h.WriteTo(&b); err == nil || n != 0 || b.Len() != 0 {
		t.Errorf("WriteTo with an infinite time: n=%d err=%v, %d bytes", n, err, b.Len())
	}
}
