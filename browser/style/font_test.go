package style

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestFontProperties covers font-family against loaded @font-face
// families, font-weight (with bolder and lighter) and the font shorthand.
func TestFontProperties(t *testing.T) {
	cases := []struct {
		name, parent, style string
		family              string
		weight              int
		mono, italic        bool
		size, lineHeight    float64 // 0: not checked; lineHeight in px, -1 for normal
	}{
		{"loaded family", "", `font-family: "Shown"`, "shown", 400, false, false, 0, 0},
		{"unknown names passed over", "", `font-family: "No Such", Shown, serif`, "shown", 400, false, false, 0, 0},
		{"generic before a loaded family", "", `font-family: monospace, Shown`, "", 400, true, false, 0, 0},
		{"a mono-named family without a face", "", `font-family: "Courier New", Shown`, "", 400, true, false, 0, 0},
		{"no usable name: the default", "", `font-family: "No Such"`, "", 400, false, false, 0, 0},
		{"inherited", `font-family: Shown; font-weight: 700`, ``, "shown", 700, false, false, 0, 0},
		{"numeric weight", "", `font-weight: 600`, "", 600, false, false, 0, 0},
		{"bolder from 400", "", `font-weight: bolder`, "", 700, false, false, 0, 0},
		{"bolder from 700", `font-weight: bold`, `font-weight: bolder`, "", 900, false, false, 0, 0},
		{"lighter from 700", `font-weight: 700`, `font-weight: lighter`, "", 400, false, false, 0, 0},
		{"lighter from 400", ``, `font-weight: lighter`, "", 100, false, false, 0, 0},
		{"weight out of range ignored", ``, `font-weight: 1001`, "", 400, false, false, 0, 0},
		{"shorthand with size/line-height and a list", ``, `font: italic bold 14px/22px "No Such", Shown, serif`, "shown", 700, false, true, 14, 22},
		{"shorthand with spaces around the slash", ``, `font: 20px / 30px Shown`, "shown", 400, false, false, 20, 30},
		{"shorthand resets weight and style", `font-weight: bold; font-style: italic; line-height: 40px`, `font: 12px Shown`, "shown", 400, false, false, 12, -1},
		{"shorthand without a family is invalid", `font-weight: bold`, `font: 12px`, "", 700, false, false, 16, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, _ := html.Parse(strings.NewReader(`<div style='` + c.parent + `'><p style='` + c.style + `'>x</p></div>`))
			s := NewStyler(nil)
			s.Fonts = func(f string) bool { return f == "shown" }
			s.Compute(doc)
			p := s.Of(doc.FirstChild.LastChild.FirstChild.FirstChild)
			if p == nil {
				t.Fatal("no style for p")
			}
			if p.Family != c.family || p.Weight != c.weight || p.Bold != (c.weight >= 600) || p.Mono != c.mono || p.Italic != c.italic {
				t.Errorf("family %q weight %d bold %v mono %v italic %v, want %q %d %v %v %v", p.Family, p.Weight, p.Bold, p.Mono, p.Italic,
					c.family, c.weight, c.weight >= 600, c.mono, c.italic)
			}
			if c.size != 0 && p.FontSize != c.size {
				t.Errorf("font-size %v, want %v", p.FontSize, c.size)
			}
			if lh := p.UsedLineHeight(-1); c.lineHeight != 0 && lh != c.lineHeight {
				t.Errorf("line-height %v, want %v (-1: normal)", lh, c.lineHeight)
			}
			if k := p.FontKey(); k.Family != p.Family || k.Weight != p.Weight {
				t.Errorf("font key %+v", k)
			}
		})
	}
}
