package waterfall

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// style is a font and size of the chart's text.
type style int

const (
	styleNormal style = iota // 12 px regular: rows, headers, legend
	styleTitle               // 15 px bold: chart titles
	nStyles
)

var styleInfo = [nStyles]struct {
	bold bool
	size float64 // in pixels
}{
	styleNormal: {false, 12},
	styleTitle:  {true, 15},
}

// fonts holds the faces of one drawing. The Go fonts are used to measure
// text for both outputs (the SVG asks for them first, too) and to draw
// it in the PNG. A face caches glyphs and so belongs to one drawing.
type fonts struct {
	faces [nStyles]font.Face
}

func newFonts() (*fonts, error) {
	regular, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return nil, fmt.Errorf("waterfall: Go Regular font: %v", err)
	}
	bold, err := opentype.Parse(gobold.TTF)
	if err != nil {
		return nil, fmt.Errorf("waterfall: Go Bold font: %v", err)
	}
	f := &fonts{}
	for s, info := range styleInfo {
		ot := regular
		if info.bold {
			ot = bold
		}
		face, err := opentype.NewFace(ot, &opentype.FaceOptions{Size: info.size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return nil, fmt.Errorf("waterfall: font face: %v", err)
		}
		f.faces[s] = face
	}
	return f, nil
}

// width returns the advance of s in st, in pixels.
func (f *fonts) width(st style, s string) float64 {
	return fromFixed(font.MeasureString(f.faces[st], s))
}

// fit returns s, shortened with "…" if needed so that it is at most max
// pixels wide in st.
func (f *fonts) fit(st style, s string, max float64) string {
	if f.width(st, s) <= max {
		return s
	}
	r := []rune(s)
	lo, hi := 0, len(r) // the longest prefix that fits is r[:lo]
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if f.width(st, string(r[:mid])+"…") <= max {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return strings.TrimRightFunc(string(r[:lo]), unicode.IsSpace) + "…"
}

func fromFixed(v fixed.Int26_6) float64 { return float64(v) / 64 }

func toFixed(v float64) fixed.Int26_6 {
	if v < 0 {
		return -fixed.Int26_6(-v*64 + 0.5)
	}
	return fixed.Int26_6(v*64 + 0.5)
}

// oneLine makes s safe to draw and to put in XML: invalid UTF-8 and the
// code points XML 1.0 forbids (U+FFFE, U+FFFF) become U+FFFD, and
// control characters (line breaks among them) become spaces.
func oneLine(s string) string {
	ok := true
	for _, r := range s {
		if r == utf8.RuneError || r < ' ' || (r >= 0x7f && r < 0xa0) || r == 0xfffe || r == 0xffff {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i, w := 0, 0; i < len(s); i += w {
		var r rune
		r, w = utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError || r == 0xfffe || r == 0xffff:
			r = '\uFFFD'
		case r < ' ' || (r >= 0x7f && r < 0xa0):
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fmtMs formats a duration the way DevTools' summary does: "0.85 ms",
// "12.3 ms", "412 ms", "1.24 s"; below 5 µs, "1.5 µs".
func fmtMs(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case d == 0:
		return "0 ms"
	case d < 5*time.Microsecond:
		return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', 1, 64) + " µs"
	case d < time.Millisecond:
		return strconv.FormatFloat(ms, 'f', 2, 64) + " ms"
	case d < 100*time.Millisecond:
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	case d < time.Second:
		return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
	case d < 100*time.Second:
		return strconv.FormatFloat(ms/1000, 'f', 2, 64) + " s"
	default:
		return strconv.FormatFloat(ms/1000, 'f', 0, 64) + " s"
	}
}

// fmtSize formats a byte count like DevTools: "512 B", "14.2 kB", "1.3 MB".
func fmtSize(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1000*1000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + " kB"
	default:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	}
}

// fmtTick formats a tick of the time axis in milliseconds with as many
// decimals as the step needs: step is m × 10^exp nanoseconds.
func fmtTick(t time.Duration, exp int) string {
	dec := 6 - exp
	if dec < 0 {
		dec = 0
	}
	ms := t / time.Millisecond
	s := strconv.FormatInt(int64(ms), 10)
	if dec > 0 {
		frac := int64(t % time.Millisecond) // nanoseconds, 6 digits
		fs := fmt.Sprintf("%06d", frac)[:dec]
		s += "." + fs
	}
	return s + " ms"
}
