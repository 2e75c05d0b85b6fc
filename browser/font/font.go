// Package font provides the Go fonts (regular, bold, italic, mono) with the
// metrics layout needs, read from the fonts' own tables with
// golang.org/x/image/font/sfnt, and faces to draw them.
package font

import (
	"fmt"
	"math"

	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gobolditalic"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// A Key picks one of the fonts: a face of Family when the page loaded one
// (matched by Weight and Italic), else one of the Go fonts by Mono, Bold
// and Italic.
type Key struct {
	Family             string // an @font-face family, lower case; "" for the Go fonts
	Weight             int    // 1 to 1000; used with Family
	Mono, Bold, Italic bool
}

// A Font is one parsed font with per-rune advances in font units.
type Font struct {
	Name  string
	sfnt  *sfnt.Font
	upem  float64
	asc   float64 // in font units, positive up
	desc  float64 // positive down
	gap   float64
	adv   map[rune]float64
	ascii [128]float64
	buf   sfnt.Buffer
	faces map[float64]xfont.Face
}

// A Set holds the fonts of one rendering: the Go fonts, and the faces the
// page loaded through @font-face. It is not safe for concurrent use.
type Set struct {
	fonts    map[Key]*Font
	families map[string][]face // by lower-case family name
}

// NewSet returns a set with the Go fonts, parsed on first use.
func NewSet() *Set { return &Set{fonts: map[Key]*Font{}, families: map[string][]face{}} }

// Get returns the font for k: the best face of k.Family (see match), or
// the Go font for k's Mono, Bold and Italic when the family has none.
func (s *Set) Get(k Key) *Font {
	if f := s.fonts[k]; f != nil {
		return f
	}
	if k.Family != "" {
		if f := s.match(k); f != nil {
			s.fonts[k] = f
			return f
		}
	}
	k = Key{Mono: k.Mono, Bold: k.Bold, Italic: k.Italic}
	if f := s.fonts[k]; f != nil {
		return f
	}
	var data []byte
	var name string
	switch {
	case k.Mono && k.Bold:
		data, name = gomonobold.TTF, "Go Mono Bold"
	case k.Mono:
		data, name = gomono.TTF, "Go Mono"
	case k.Bold && k.Italic:
		data, name = gobolditalic.TTF, "Go Bold Italic"
	case k.Bold:
		data, name = gobold.TTF, "Go Bold"
	case k.Italic:
		data, name = goitalic.TTF, "Go Italic"
	default:
		data, name = goregular.TTF, "Go Regular"
	}
	f, err := parseFont(name, data)
	if err != nil {
		panic(fmt.Sprintf("font: embedded %s: %v", name, err)) // the embedded fonts always parse
	}
	s.fonts[k] = f
	return f
}

func parseFont(name string, data []byte) (*Font, error) {
	sf, err := sfnt.Parse(data)
	if err != nil {
		return nil, err
	}
	if sf.UnitsPerEm() < 16 {
		return nil, fmt.Errorf("%d units per em", sf.UnitsPerEm())
	}
	f := &Font{Name: name, sfnt: sf, upem: float64(sf.UnitsPerEm()), adv: map[rune]float64{}, faces: map[float64]xfont.Face{}}
	ppem := fixed.Int26_6(sf.UnitsPerEm()) << 6
	m, err := sf.Metrics(&f.buf, ppem, xfont.HintingNone)
	if err != nil {
		return nil, err
	}
	f.asc = float64(m.Ascent) / 64
	f.desc = float64(m.Descent) / 64
	f.gap = float64(m.Height)/64 - f.asc - f.desc
	for r := rune(0); r < 128; r++ {
		f.ascii[r] = f.advance(r)
	}
	return f, nil
}

func (f *Font) advance(r rune) float64 {
	ppem := fixed.Int26_6(f.sfnt.UnitsPerEm()) << 6
	gi, err := f.sfnt.GlyphIndex(&f.buf, r)
	if err != nil {
		return 0
	}
	if gi == 0 {
		gi, _ = f.sfnt.GlyphIndex(&f.buf, '?')
	}
	a, err := f.sfnt.GlyphAdvance(&f.buf, gi, ppem, xfont.HintingNone)
	if err != nil {
		return 0
	}
	return float64(a) / 64
}

// Metrics are a font's vertical metrics at a size, in px. As Chromium
// does, ascent, descent and line gap are rounded to whole pixels.
type Metrics struct {
	Ascent, Descent, LineGap float64
}

// ContentHeight is the height of the content area: ascent + descent.
func (m Metrics) ContentHeight() float64 { return m.Ascent + m.Descent }

// Metrics returns the metrics at size px.
func (f *Font) Metrics(size float64) Metrics {
	k := size / f.upem
	return Metrics{Ascent: math.Round(f.asc * k), Descent: math.Round(f.desc * k), LineGap: math.Round(f.gap * k)}
}

// Width returns the advance width of s at size px. Each glyph's advance
// is rounded to a whole pixel, as Chromium on Linux lays text out (it
// positions glyphs on whole pixels unless subpixel positioning is on).
//
// Chromium on Linux also shapes at the font size rounded to a whole pixel
// (13.28px text advances as 13px text does), which this follows too.
func (f *Font) Width(s string, size float64) float64 {
	k := math.Round(size) / f.upem
	w := 0.0
	for _, r := range s {
		if r >= 0 && r < 128 {
			w += pixelAdvance(f.ascii[r] * k)
			continue
		}
		a, ok := f.adv[r]
		if !ok {
			a = f.advance(r)
			if len(f.adv) < 4096 {
				f.adv[r] = a
			}
		}
		w += pixelAdvance(a * k)
	}
	return w
}

// pixelAdvance rounds an advance in px as FreeType and Skia do: to 26.6
// fixed point first, then to a whole pixel (12.4951px is 12.5, so 13).
func pixelAdvance(px float64) float64 {
	return math.Round(math.Round(px*64) / 64)
}

// Face returns a face for drawing at size px (72 dpi, so points are px).
func (f *Font) Face(size float64) xfont.Face {
	if fc := f.faces[size]; fc != nil {
		return fc
	}
	fc, err := opentype.NewFace(f.sfnt, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: xfont.HintingNone})
	if err != nil {
		return nil
	}
	if len(f.faces) < 64 {
		f.faces[size] = fc
	}
	return fc
}
