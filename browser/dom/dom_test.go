package dom

import (
	"errors"
	"strings"
	"testing"
)

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
	want := []Resource{{Stylesheet, "a.css"}, {Script, "app.js"}, {Image, "pic.png"}}
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
