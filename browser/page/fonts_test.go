package page

import (
	"strings"
	"testing"

	"github.com/hopsnet/hops/browser/fetch"
	"golang.org/x/image/font/gofont/gomono"
)

// fontFiles are the files of the @font-face tests: Go Mono written out
// as a TrueType file, and two files that are not fonts hops reads.
var fontFiles = fetch.Map{
	"fonts/mono.ttf":     string(gomono.TTF),
	"fonts/packed.woff2": "wOF2\x00\x01\x00\x00 not really WOFF2",
	"fonts/broken.ttf":   "<!DOCTYPE html><p>404</p>",
	"css/site.css":       `@font-face{font-family:Sheet;src:url(../fonts/mono.ttf)}`,
}

func TestFontFace(t *testing.T) {
	const words = `iiii iiii iiii iiii iiii iiii iiii iiii iiii iiii`
	cases := []struct {
		name, css string
		family    string // the font-family of the test paragraph
		mono      bool   // the paragraph is set in Go Mono
		event     string // a substring of the load's events
	}{
		{"loaded from the page's files", `@font-face{font-family:"Shown";src:url(fonts/mono.ttf)}`, `"Shown"`, true, `resource loaded: font fonts/mono.ttf (173248 bytes) for "shown" 400 normal`},
		{"format hint skips WOFF2 unfetched", `@font-face{font-family:Shown;src:url(fonts/packed.woff2) format("woff2"), url(fonts/mono.ttf) format("truetype")}`, `Shown, serif`, true, `resource loaded: font fonts/mono.ttf`},
		{"local() is passed over", `@font-face{font-family:Shown;src:local(Go Mono),url(fonts/mono.ttf)}`, `Shown`, true, `resource loaded: font fonts/mono.ttf`},
		{"WOFF2 data: a message, then the next source", `@font-face{font-family:Shown;src:url(fonts/packed.woff2),url(fonts/mono.ttf)}`, `Shown`, true, `font broken: fonts/packed.woff2 (`},
		{"not a font: falls back to the Go fonts", `@font-face{font-family:Shown;src:url(fonts/broken.ttf)}`, `Shown`, false, `not a TrueType or OpenType font`},
		{"WOFF2 only: falls back", `@font-face{font-family:Shown;src:url(fonts/packed.woff2)}`, `Shown`, false, `WOFF2 (hops reads TrueType and OpenType fonts`},
		{"missing file: falls back", `@font-face{font-family:Shown;src:url(fonts/gone.ttf)}`, `Shown`, false, `font not loaded: "shown" 400 normal has no face (a font-family list goes on to its next name): fonts/gone.ttf: fetch: not found`},
		{"an unknown family is passed over", `@font-face{font-family:Shown;src:url(fonts/mono.ttf)}`, `"No Such", Shown`, true, ""},
		{"a family without a face is not used", `@font-face{font-family:Shown;src:url(fonts/mono.ttf)}`, `Other, sans-serif`, false, ""},
		{"url resolved against the style sheet", ``, `Sheet`, true, `resource loaded: font fonts/mono.ttf`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := `<!DOCTYPE html><head><link rel=stylesheet href=css/site.css><style>` + c.css + `
p{width:200px;font-family:` + c.family + `}</style></head><body><p>` + words + `</p>`
			p := load(t, src, fontFiles)
			tx := p.Boxes().Texts[0]
			var events []string
			for _, e := range p.Events {
				events = append(events, e.Kind+": "+e.Detail)
			}
			if c.event != "" && !strings.Contains(strings.Join(events, "\n"), c.event) {
				t.Errorf("no event %q in\n%s", c.event, strings.Join(events, "\n"))
			}
			// Go Mono's advances are 10px at 16px: four words (19
			// characters, 190px) a line of 200px, so three lines. Go
			// Regular's i and space are 4px: the ten words (196px) fit
			// on one.
			wantLines := 1
			if c.mono {
				wantLines = 3
			}
			if len(tx.Lines) != wantLines {
				t.Errorf("%d lines %q, want %d", len(tx.Lines), lineWords(tx.Lines), wantLines)
			}
			if c.mono && tx.Lines[0].W != 190 {
				t.Errorf("first line %gpx wide, want 190 (four words of Go Mono)", tx.Lines[0].W)
			}
		})
	}
}

func TestFontRef(t *testing.T) {
	cases := []struct{ sheet, ref, want string }{
		{"", "fonts/a.ttf", "fonts/a.ttf"},
		{"fonts.css", "fonts/a.ttf", "fonts/a.ttf"},
		{"css/site.css", "../fonts/a.ttf", "fonts/a.ttf"},
		{"css/site.css", "a.ttf?v=2", "css/a.ttf?v=2"},
		{"/css/site.css", "a.ttf", "/css/a.ttf"},
		{"css/site.css", "/fonts/a.ttf", "/fonts/a.ttf"},
		{"http://cdn.example/css/x.css", "../f/a.ttf", "http://cdn.example/f/a.ttf"},
		{"css/site.css", "http://cdn.example/a.ttf", "http://cdn.example/a.ttf"},
	}
	for _, c := range cases {
		if got := FontRef(c.sheet, c.ref); got != c.want {
			t.Errorf("FontRef(%q, %q) = %q, want %q", c.sheet, c.ref, got, c.want)
		}
	}
}
