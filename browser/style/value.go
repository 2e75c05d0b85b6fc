package style

import (
	"errors"
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/hopsnet/hops/browser/css"
	"github.com/hopsnet/hops/browser/dom"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// A Length is a specified length after the cascade: px, a percentage kept
// for layout to resolve, or auto.
type Length struct {
	Px   float64
	Pct  float64 // used when IsPct
	Auto bool
	// IsPct: the value is Pct percent of the containing block's width
	// (or height, for height).
	IsPct bool
}

// Resolve returns the used value against a containing block size; auto
// gives 0.
func (l Length) Resolve(cb float64) float64 {
	if l.IsPct {
		return l.Pct / 100 * cb
	}
	if l.Auto {
		return 0
	}
	return l.Px
}

func (l Length) String() string {
	switch {
	case l.Auto:
		return "auto"
	case l.IsPct:
		return fmtNum(l.Pct) + "%"
	}
	return fmtNum(l.Px) + "px"
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// dimension splits a number token with a unit: "1.5em" → 1.5, "em".
func dimension(t css.Token) (float64, string, bool) {
	s := t.Data
	i := 0
	for i < len(s) && (s[i] == '+' || s[i] == '-' || s[i] == '.' || s[i] >= '0' && s[i] <= '9' || (s[i] == 'e' || s[i] == 'E') && i+1 < len(s) && (s[i+1] >= '0' && s[i+1] <= '9' || s[i+1] == '-')) {
		i++
	}
	f, err := strconv.ParseFloat(s[:i], 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsNaN(f) {
		return 0, "", false
	}
	// Numbers beyond any layout's reach are clamped, so that sums of
	// lengths stay finite (1e308px + 1e308px is +Inf, and Inf - Inf NaN).
	f = max(-maxNumber, min(maxNumber, f))
	return f, strings.ToLower(s[i:]), true
}

// maxNumber bounds a CSS number; maxLengthPx a length in px, as Blink's
// LayoutUnit (a 32-bit count of 1/64 px) does; maxFontSize a font size,
// Blink's limit.
const (
	maxNumber   = 1e9
	maxLengthPx = 1<<25 - 1
	maxFontSize = 10000
)

// length converts a token to a Length. em is relative to fontSize, rem to
// rootSize. allowPct and allowAuto say what the property accepts.
func length(t css.Token, fontSize, rootSize float64, allowAuto bool) (Length, bool) {
	switch t.Type {
	case css.Ident:
		if allowAuto && strings.EqualFold(t.Data, "auto") {
			return Length{Auto: true}, true
		}
	case css.Number:
		if f, _, ok := dimension(t); ok && f == 0 {
			return Length{}, true
		}
	case css.Percentage:
		if f, _, ok := dimension(t); ok {
			return Length{Pct: f, IsPct: true}, true
		}
	case css.Dimension:
		f, unit, ok := dimension(t)
		if !ok {
			return Length{}, false
		}
		if px, ok := absolute(f, unit, fontSize, rootSize); ok {
			return Length{Px: max(-maxLengthPx, min(maxLengthPx, px))}, true
		}
	}
	return Length{}, false
}

// absolute converts f unit to px.
func absolute(f float64, unit string, fontSize, rootSize float64) (float64, bool) {
	switch unit {
	case "px":
		return f, true
	case "em":
		return f * fontSize, true
	case "rem":
		return f * rootSize, true
	case "ex":
		return f * fontSize / 2, true
	case "ch":
		return f * fontSize / 2, true
	case "pt":
		return f * 96 / 72, true
	case "pc":
		return f * 16, true
	case "in":
		return f * 96, true
	case "cm":
		return f * 96 / 2.54, true
	case "mm":
		return f * 96 / 25.4, true
	case "q":
		return f * 96 / 101.6, true
	}
	return 0, false
}

// fontSizeKeywords are the absolute-size keywords at medium = 16px.
var fontSizeKeywords = map[string]float64{
	"xx-small": 9, "x-small": 10, "small": 13, "medium": 16,
	"large": 18, "x-large": 24, "xx-large": 32, "xxx-large": 48,
}

var namedColors = map[string]color.RGBA{
	"black": {0, 0, 0, 255}, "silver": {192, 192, 192, 255}, "gray": {128, 128, 128, 255}, "grey": {128, 128, 128, 255},
	"white": {255, 255, 255, 255}, "maroon": {128, 0, 0, 255}, "red": {255, 0, 0, 255}, "purple": {128, 0, 128, 255},
	"fuchsia": {255, 0, 255, 255}, "magenta": {255, 0, 255, 255}, "green": {0, 128, 0, 255}, "lime": {0, 255, 0, 255},
	"olive": {128, 128, 0, 255}, "yellow": {255, 255, 0, 255}, "navy": {0, 0, 128, 255}, "blue": {0, 0, 255, 255},
	"teal": {0, 128, 128, 255}, "aqua": {0, 255, 255, 255}, "cyan": {0, 255, 255, 255}, "orange": {255, 165, 0, 255},
	"transparent": {}, "lightgray": {211, 211, 211, 255}, "lightgrey": {211, 211, 211, 255}, "darkgray": {169, 169, 169, 255},
	"darkgrey": {169, 169, 169, 255}, "pink": {255, 192, 203, 255}, "brown": {165, 42, 42, 255}, "gold": {255, 215, 0, 255},
	"lightblue": {173, 216, 230, 255}, "darkblue": {0, 0, 139, 255}, "darkred": {139, 0, 0, 255}, "darkgreen": {0, 100, 0, 255},
	"lightyellow": {255, 255, 224, 255}, "whitesmoke": {245, 245, 245, 255}, "beige": {245, 245, 220, 255},
	"coral": {255, 127, 80, 255}, "salmon": {250, 128, 114, 255}, "tomato": {255, 99, 71, 255}, "steelblue": {70, 130, 180, 255},
	"skyblue": {135, 206, 235, 255}, "indigo": {75, 0, 130, 255}, "violet": {238, 130, 238, 255}, "tan": {210, 180, 140, 255},
	"crimson": {220, 20, 60, 255}, "khaki": {240, 230, 140, 255}, "ivory": {255, 255, 240, 255}, "lavender": {230, 230, 250, 255},
	"aliceblue": {240, 248, 255, 255}, "honeydew": {240, 255, 240, 255}, "mintcream": {245, 255, 250, 255},
	"slategray": {112, 128, 144, 255}, "dimgray": {105, 105, 105, 255}, "chocolate": {210, 105, 30, 255},
}

// parseColor reads a colour value; currentColor is cur.
func parseColor(v []css.Token, cur color.RGBA) (color.RGBA, bool) {
	if len(v) == 0 {
		return color.RGBA{}, false
	}
	t := v[0]
	switch t.Type {
	case css.Ident:
		name := strings.ToLower(t.Data)
		if name == "currentcolor" {
			return cur, true
		}
		c, ok := namedColors[name]
		return c, ok
	case css.Hash:
		return hexColor(strings.TrimPrefix(t.Data, "#"))
	case css.Function:
		name := strings.ToLower(strings.TrimSuffix(t.Data, "("))
		if name == "rgb" || name == "rgba" {
			return rgbFunc(v[1:])
		}
	}
	return color.RGBA{}, false
}

func hexColor(h string) (color.RGBA, bool) {
	var n [8]uint8
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return color.RGBA{}, false
		}
		if i < 8 {
			n[i] = c
		}
	}
	switch len(h) {
	case 3, 4:
		a := uint8(15)
		if len(h) == 4 {
			a = n[3]
		}
		return premul(n[0]*17, n[1]*17, n[2]*17, a*17), true
	case 6, 8:
		a := uint8(255)
		if len(h) == 8 {
			a = n[6]<<4 | n[7]
		}
		return premul(n[0]<<4|n[1], n[2]<<4|n[3], n[4]<<4|n[5], a), true
	}
	return color.RGBA{}, false
}

// premul returns a premultiplied color.RGBA.
func premul(r, g, b, a uint8) color.RGBA {
	m := func(c uint8) uint8 { return uint8(uint32(c) * uint32(a) / 255) }
	return color.RGBA{m(r), m(g), m(b), a}
}

func rgbFunc(v []css.Token) (color.RGBA, bool) {
	var nums []float64
	for _, t := range v {
		switch t.Type {
		case css.Number:
			f, _, ok := dimension(t)
			if !ok {
				return color.RGBA{}, false
			}
			nums = append(nums, f)
		case css.Percentage:
			f, _, ok := dimension(t)
			if !ok {
				return color.RGBA{}, false
			}
			if len(nums) == 3 {
				nums = append(nums, f/100)
			} else {
				nums = append(nums, f*2.55)
			}
		}
	}
	if len(nums) < 3 {
		return color.RGBA{}, false
	}
	a := 1.0
	if len(nums) > 3 {
		a = nums[3]
	}
	c := func(f float64) uint8 { return uint8(max(0, min(255, f+0.5))) }
	return premul(c(nums[0]), c(nums[1]), c(nums[2]), c(a*255)), true
}

// dimensionHints maps an <img>'s width and height attributes to the
// width and height properties, parsed by the HTML rules for dimension
// values (a number, maybe a percentage; anything after it ignored).
func dimensionHints(n *html.Node) []css.Declaration {
	if n.Type != html.ElementNode || n.DataAtom != atom.Img {
		return nil
	}
	var out []css.Declaration
	for _, prop := range [...]string{"width", "height"} {
		v, ok := htmlDimension(dom.Attr(n, prop))
		if !ok {
			continue
		}
		out = append(out, css.ParseDeclarations([]byte(prop+":"+v))...)
	}
	return out
}

// htmlDimension parses an HTML dimension value into a CSS length.
func htmlDimension(s string) (string, bool) {
	s = strings.TrimLeft(s, " \t\n\r\f")
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return "", false
	}
	j := i
	if j < len(s) && s[j] == '.' {
		k := j + 1
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j+1 {
			j = k
		}
	}
	num := s[:j]
	if len(num) > 12 {
		return "", false
	}
	if j < len(s) && s[j] == '%' {
		return num + "%", true
	}
	return num + "px", true
}
