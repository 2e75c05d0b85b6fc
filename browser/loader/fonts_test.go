package loader

import (
	"strings"
	"testing"

	"golang.org/x/image/font/gofont/gomono"
)

func fontResp(b []byte) Response {
	return Response{Status: 200, Header: []Field{{"Content-Type", "font/ttf"}}, Body: b}
}

// TestFontsFromStyleSheets: the @font-face files of a linked style sheet
// (resolved against the sheet's URL) and of a <style> element are asked
// for when the sheet or the document arrives, count for the load event,
// and reach page building, whose layout uses them.
func TestFontsFromStyleSheets(t *testing.T) {
	page := `<!DOCTYPE html><html><head><link rel="stylesheet" href="/css/site.css">
<style>@font-face{font-family:Inline;src:url(/fonts/mono.ttf)}</style></head>
<body><p style="font-family:Sheet;width:200px">iiii iiii iiii iiii iiii iiii iiii iiii iiii iiii</p>
<p style="font-family:Inline;width:200px">iiii iiii iiii iiii iiii iiii iiii iiii iiii iiii</p>
<p style="font-family:Woff,Go;width:200px">iiii iiii iiii iiii iiii iiii iiii iiii iiii iiii</p></body></html>`
	h := newHarness(t, Config{}, map[string]site{"www.example.com": {
		"/": html(page),
		"/css/site.css": css(`@font-face{font-family:Sheet;src:url(../fonts/mono.ttf) format("truetype")}
@font-face{font-family:Woff;src:url(/fonts/x.woff2) format("woff2"),url(/fonts/x.woff)}`),
		"/fonts/mono.ttf": fontResp(gomono.TTF),
		"/fonts/x.woff":   fontResp([]byte("wOFF\x00\x01\x00\x00 not a real one")),
	}})
	res := h.run("www.example.com")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	var fonts []string
	for _, e := range res.Entries {
		if e.Kind == Font {
			fonts = append(fonts, e.URL+" from "+e.Initiator)
			if res.Load < e.Done {
				t.Errorf("load at %v before font %s at %v", res.Load, e.URL, e.Done)
			}
			if a := fieldOf(e.Header, "Accept"); a != "*/*" {
				t.Errorf("font Accept %q", a)
			}
		}
	}
	// One request for mono.ttf (named by both sheets); none for the
	// WOFF2 source, whose format() hint hops does not read.
	want := "http://www.example.com/fonts/mono.ttf from stylesheet, http://www.example.com/fonts/x.woff from stylesheet"
	if got := strings.Join(fonts, ", "); got != want {
		t.Errorf("fonts %s\nwant %s", got, want)
	}
	b := res.Page.Boxes()
	var lines []int
	for _, tx := range b.Texts {
		if tx.TextIndex > 0 {
			lines = append(lines, len(tx.Lines))
		}
	}
	// Go Mono breaks the ten words into three lines of 200px; Go (the
	// WOFF face fails, so the next family) keeps them on one.
	if len(lines) != 3 || lines[0] != 3 || lines[1] != 3 || lines[2] != 1 {
		t.Errorf("lines per paragraph %v, want [3 3 1]", lines)
	}
	var broken bool
	for _, e := range res.Page.Events {
		broken = broken || e.Kind == "font broken" && strings.Contains(e.Detail, "WOFF (hops reads")
	}
	if !broken {
		t.Errorf("no font broken event for the WOFF file: %v", res.Page.Events)
	}
}
