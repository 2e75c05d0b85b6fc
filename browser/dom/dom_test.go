package dom

import (
	"errors"
	"strings"
	"testing"
)

// TestScannerIncremental feeds a document to the preload scan a few
// bytes at a time, as the network delivers it: every resource is found
// once, in order, as soon as its tag is whole, with its script flags.
func TestScannerIncremental(t *testing.T) {
	src := `<html><head><link rel=stylesheet href="/s.css"><script src="a.js" defer></script>
<script async src="b.js"></script><script src="c.js"></script></head><body><img src="/i.png"></body></html>`
	want := []Resource{{Kind: Stylesheet, Ref: "/s.css"}, {Kind: Script, Ref: "a.js", Defer: true},
		{Kind: Script, Ref: "b.js", Async: true}, {Kind: Script, Ref: "c.js"}, {Kind: Image, Ref: "/i.png"}}
	for _, step := range []int{1, 7, 50, len(src)} {
		var sc Scanner
		var got []Resource
		firstAt := map[string]int{}
		for end := step; ; end += step {
			end = min(end, len(src))
			found, err := sc.Scan([]byte(src[:end]), end == len(src))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range found {
				firstAt[r.Ref] = end
			}
			got = append(got, found...)
			if end == len(src) {
				break
			}
		}
		if len(got) != len(want) {
			t.Fatalf("step %d: %v, want %v", step, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("step %d: resource %d = %+v, want %+v", step, i, got[i], want[i])
			}
		}
		// Found as soon as the tag's '>' arrived, never later.
		if i := strings.Index(src, `href="/s.css">`) + len(`href="/s.css">`); step == 1 && firstAt["/s.css"] != i {
			t.Errorf("s.css found after %d bytes, its tag ends at %d", firstAt["/s.css"], i)
		}
	}
}

func TestParseEventsAndPreload(t *testing.T) {
	src := `<!DOCTYPE html><html><head>
<link rel="preload stylesheet" href=" a.css ">
<script src="app.js"></script>
<link rel="icon" href="favicon.ico">
</head><body><img src="pic.png"><p>text</p><script>inline()</script></body></html>`
	d, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Resource{{Kind: Stylesheet, Ref: "a.css"}, {Kind: Script, Ref: "app.js"}, {Kind: Image, Ref: "pic.png"}}
	if len(d.Resources) != len(want) {
		t.Fatalf("resources %v, want %v", d.Resources, want)
	}
	for i := range want {
		if d.Resources[i] != want[i] {
			t.Errorf("resource %d = %v, want %v", i, d.Resources[i], want[i])
		}
	}
	var kinds []string
	for _, e := range d.Events {
		kinds = append(kinds, e.Kind)
	}
	got := strings.Join(kinds, ",")
	if got != "parsing started,resource discovered,resource discovered,resource discovered,DOM complete" {
		t.Errorf("events %s", got)
	}
	if s := d.Events[len(d.Events)-1].String(); s != "DOM complete: 9 elements" {
		t.Errorf("last event %q", s)
	}
	if s := (Event{Kind: "x"}).String(); s != "x" {
		t.Errorf("event without detail: %q", s)
	}
	img := Find(d.Root, "img")
	if img == nil || Attr(img, "src") != "pic.png" || Attr(img, "alt") != "" {
		t.Fatalf("Find/Attr: %v", img)
	}
	if Find(d.Root, "table") != nil {
		t.Error("found a table that is not there")
	}
	var b strings.Builder
	Dump(&b, d.Root)
	for _, w := range []string{"#document", "<!DOCTYPE html>", `<img src="pic.png">`, `"text"`} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("dump lacks %s:\n%s", w, b.String())
		}
	}
}

func TestLimits(t *testing.T) {
	if _, err := Parse([]byte(strings.Repeat("a", MaxDocumentBytes+1))); !errors.Is(err, ErrTooLarge) {
		t.Errorf("huge document: %v", err)
	}
	if _, err := Parse([]byte(`<p title="` + strings.Repeat("x", MaxAttrBytes+1) + `">`)); !errors.Is(err, ErrAttr) {
		t.Errorf("huge attribute: %v", err)
	}
	// 10,000 nested elements: an error with a clear message, never a panic.
	_, err := Parse([]byte(strings.Repeat("<div>", 10000)))
	if err == nil || !strings.Contains(err.Error(), "deep") && !strings.Contains(err.Error(), "dom") {
		t.Errorf("deep nesting: %v", err)
	}
	if d, err := Parse([]byte(strings.Repeat("<div>", 100))); err != nil || d.Root == nil {
		t.Errorf("100 nested elements: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "<p>a", "<table><td><p></table>", "<<>>&amp;&#0;", `<link rel=stylesheet href="x`, "<svg><math><p>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse([]byte(s))
		if err == nil && d.Root == nil {
			t.Fatal("no root and no error")
		}
	})
}
