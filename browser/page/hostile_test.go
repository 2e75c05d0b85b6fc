package page

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/browser/css"
	"github.com/hopsnet/hops/browser/dom"
	"github.com/hopsnet/hops/browser/fetch"
)

// TestHostileInput runs the whole pipeline (parse, style, layout, paint)
// over input built to hurt it: it never panics, each limit answers with
// an error that says which limit, and what is under the limits renders.
func TestHostileInput(t *testing.T) {
	rep := strings.Repeat
	cases := []struct {
		name    string
		html    string
		files   fetch.Map
		wantErr error  // nil: the page loads
		msg     string // a substring of the error, or of the load's events
	}{
		{"10,000 nested divs", rep("<div>", 10000), nil, dom.ErrTooDeep, "depth over 256"},
		{"10,000 nested spans", "<p>" + rep("<span>", 10000) + "x", nil, dom.ErrTooDeep, "depth over 256"},
		{"10,000 nested formatting elements", rep("<b><i>", 5000) + "x", nil, dom.ErrTooDeep, "depth over 256"},
		{"10,000 nested tables", rep("<table><tr><td>", 3400), nil, dom.ErrTooDeep, "depth over 256"},
		{"10,000 nested lists", rep("<ul><li>", 5000), nil, dom.ErrTooDeep, "depth over 256"},
		{"250 nested blocks with borders and padding render", rep(`<div style="border:1px solid;padding:1px;margin:1px">`, 250) + "x", nil, nil, "layout complete"},
		{"enormous attribute", `<p title="` + rep("x", dom.MaxAttrBytes+1) + `">`, nil, dom.ErrAttr, "limit 65536"},
		{"enormous attribute name", `<p ` + rep("x", dom.MaxAttrBytes+1) + `=1>`, nil, dom.ErrAttr, "limit 65536"},
		{"enormous style attribute under the limit", `<p style="` + rep("color:red;margin:1px 2px;", 2500) + `">x`, nil, nil, "layout complete"},
		{"many attributes", `<p ` + rep(`a=1 `, 20000) + `>x`, nil, nil, "layout complete"},
		{"enormous document", rep("x", dom.MaxDocumentBytes+1), nil, dom.ErrTooLarge, "limit 8388608"},
		{"enormous style sheet is refused", `<link rel=stylesheet href=big.css><p>x`, fetch.Map{"big.css": rep("p{color:red}", css.MaxSheetBytes/12+1)}, nil, "stylesheet refused: big.css: css: style sheet is"},
		{"10,000 nested CSS blocks", `<style>` + rep("@media screen{", 10000) + `p{color:red}</style><p>x`, nil, nil, "layout complete"},
		{"10,000 nested CSS brackets", `<style>p{color:` + rep("(", 10000) + rep("[", 10000) + `}</style><p>x`, nil, nil, "layout complete"},
		{"10,000 nested :not() selectors", `<style>` + rep(":not(", 10000) + "p" + rep(")", 10000) + `{color:red}</style><p>x`, nil, nil, "layout complete"},
		{"10,000 nested functions in a value", `<p style="width:` + rep("calc(", 10000) + `">x`, nil, nil, "layout complete"},
		{"an enormous selector", `<style>` + rep("p ", 50000) + `{color:red}</style><p>x`, nil, nil, "layout complete"},
		{"too many rules", `<style>` + rep("p{color:red}", css.MaxRules+10) + `</style><p>x`, nil, nil, "layout complete"},
		{"huge lengths", `<p style="font-size:1e308px;width:1e308px;margin:-1e308px;padding:1e308px;line-height:1e308">x</p><img width=99999999999 height=1>`, nil, nil, "layout complete"},
		{"many @font-face rules", `<style>` + rep(`@font-face{font-family:f;src:url(none.ttf)}`, 500) + `</style><p style="font-family:f">x`, nil, nil, "font not loaded"},
		{"an @font-face file that is not a font", `<style>@font-face{font-family:f;src:url(f.ttf)}</style><p style="font-family:f">x`, fetch.Map{"f.ttf": "\x00\x01\x00\x00" + rep("\xff", 5000)}, nil, "font broken: f.ttf"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			p, err := Load([]byte(c.html), c.files, Options{Width: 400, Height: 300})
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) || !strings.Contains(err.Error(), c.msg) {
					t.Fatalf("err %v, want %v with %q", err, c.wantErr, c.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var events strings.Builder
			for _, e := range p.Events {
				events.WriteString(e.Kind + ": " + e.Detail + "\n")
			}
			if !strings.Contains(events.String(), c.msg) {
				t.Errorf("no %q in the events:\n%.2000s", c.msg, events.String())
			}
			for _, e := range p.Boxes().Elements {
				for _, v := range []float64{e.X, e.Y, e.W, e.H} {
					if math.IsNaN(v) {
						t.Fatalf("%s: NaN in its box", e.Path)
					}
				}
			}
			p.Paint()
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}
