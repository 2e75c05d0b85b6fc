// Package style runs the cascade (origin and importance, specificity,
// order), inheritance and computed values for every element of a
// document, with a user-agent sheet of Chromium's defaults.
package style

import (
	"cmp"
	"fmt"
	"image/color"
	"io"
	"slices"
	"strings"

	"github.com/hopsnet/hops/browser/css"
	"github.com/hopsnet/hops/browser/dom"
	"github.com/hopsnet/hops/browser/font"
	"golang.org/x/net/html"
)

// Sides index Margin, Padding and the border arrays.
const (
	Top = iota
	Right
	Bottom
	Left
)

// LineHeight is a computed line-height: normal, a number (inherited as a
// factor) or a length in px.
type LineHeight struct {
	Normal bool
	Factor float64 // when not Normal and Px == 0
	Px     float64
}

// Style is an element's computed style.
type Style struct {
	Display    string // block, inline, inline-block, list-item, none
	Color      color.RGBA
	Background color.RGBA // transparent when A == 0
	FontSize   float64    // px
	// Family is the @font-face family (lower case) that font-family
	// chose: the first name of the list with a loaded face; "" for the
	// Go fonts, picked by Mono, Bold and Italic.
	Family string
	Weight int  // font-weight, 1 to 1000
	Bold   bool // Weight is 600 or more
	Italic bool
	Mono   bool
	// GenericMono: font-family is the generic monospace alone, whose
	// default size is 13px in Chromium rather than 16px.
	GenericMono bool
	// AbsoluteSize: font-size comes from an absolute length (px, pt …),
	// not from a keyword (medium, small …) or the initial value, possibly
	// through em or %. Only non-absolute sizes follow the generic
	// monospace family's smaller default.
	AbsoluteSize bool
	LineHeight   LineHeight
	Margin       [4]Length
	Padding      [4]Length
	BorderWidth  [4]float64 // px; 0 when the style is none
	BorderStyle  [4]string
	BorderColor  [4]color.RGBA
	Width        Length
	Height       Length
	MinWidth     Length // auto is 0
	MinHeight    Length
	MaxWidth     Length // Auto: none
	MaxHeight    Length
	BoxSizing    string // content-box, border-box
	TextAlign    string // left, center, right
	WhiteSpace   string // normal, pre, nowrap, pre-wrap, pre-line
	ListStyle    string // disc, circle, square, decimal, none
	Underline    bool   // text-decoration: underline on this element or an ancestor
}

// FontKey picks the style's font from a font.Set.
func (s *Style) FontKey() font.Key {
	return font.Key{Family: s.Family, Weight: s.Weight, Mono: s.Mono, Bold: s.Bold, Italic: s.Italic}
}

// UsedLineHeight returns line-height in px for a font whose normal line
// height is normal.
func (s *Style) UsedLineHeight(normal float64) float64 {
	switch {
	case s.LineHeight.Normal:
		return normal
	case s.LineHeight.Px != 0:
		return s.LineHeight.Px
	}
	return s.LineHeight.Factor * s.FontSize
}

// currentColor marks a border colour left at its initial value,
// currentcolor, resolved once color is known (a premultiplied colour can
// never have A == 0 and R != 0, so no real value collides).
var currentColor = color.RGBA{R: 1, A: 0}

// initial returns the initial values (the root's parent).
func initial() *Style {
	s := &Style{Display: "inline", Color: color.RGBA{0, 0, 0, 255}, FontSize: 16, Weight: 400,
		LineHeight: LineHeight{Normal: true}, Width: Length{Auto: true}, Height: Length{Auto: true},
		MaxWidth: Length{Auto: true}, MaxHeight: Length{Auto: true},
		BoxSizing: "content-box", TextAlign: "left", WhiteSpace: "normal", ListStyle: "disc"}
	for i := range s.BorderStyle {
		s.BorderStyle[i] = "none"
		s.BorderColor[i] = currentColor
	}
	return s
}

// inherit returns a child's starting style: inherited properties from
// parent, the others at their initial values.
func inherit(p *Style) *Style {
	s := initial()
	s.Color, s.FontSize, s.Bold, s.Italic, s.Mono = p.Color, p.FontSize, p.Bold, p.Italic, p.Mono
	s.Family, s.Weight = p.Family, p.Weight
	s.GenericMono, s.AbsoluteSize = p.GenericMono, p.AbsoluteSize
	s.LineHeight, s.TextAlign, s.WhiteSpace, s.ListStyle, s.Underline = p.LineHeight, p.TextAlign, p.WhiteSpace, p.ListStyle, p.Underline
	return s
}

// Origin ranks for the cascade, lowest first (CSS Cascade 4 §6.2).
const (
	uaNormal = iota
	authorNormal
	authorImportant
	uaImportant
)

// A matched declaration and its place in the cascade.
type matched struct {
	decl        css.Declaration
	origin      int
	specificity [4]int // style attribute, ids, classes, types
	order       int
}

// A Sheet is a style sheet with its origin for the cascade.
type Sheet struct {
	Name   string // "user agent", "style.css", "<style> 1"
	URL    string // the reference the sheet was fetched by; "" for <style> and the user-agent sheet
	Author bool
	Sheet  *css.Sheet
}

// A Styler computes styles for one document.
type Styler struct {
	Sheets []Sheet
	// Fonts, when set, says which @font-face families have a loaded face
	// (font.Set.HasFamily); font-family then picks the first such family
	// of its list before falling back to the Go fonts.
	Fonts  func(family string) bool
	styles map[*html.Node]*Style
	root   float64 // root element's font size, for rem
	// longhands[i][j] is rule j of Sheets[i] with its shorthands
	// expanded, filled on first use (expanding once per rule rather than
	// once per matching element).
	longhands [][][]longhand
	ms        []matched         // Cascade's scratch
	decls     []css.Declaration // compute's scratch
}

// NewStyler returns a styler with the user-agent sheet followed by the
// author sheets in document order.
func NewStyler(author []Sheet) *Styler {
	ua, _ := css.Parse([]byte(UserAgentCSS))
	sheets := append([]Sheet{{Name: "user agent", Sheet: ua}}, author...)
	return &Styler{Sheets: sheets, styles: map[*html.Node]*Style{}, root: 16}
}

// Compute styles every element under the document node doc.
func (s *Styler) Compute(doc *html.Node) {
	s.walk(doc, initial())
}

// Of returns the computed style of element n (nil if not computed).
func (s *Styler) Of(n *html.Node) *Style { return s.styles[n] }

func (s *Styler) walk(n *html.Node, parent *Style) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		st := s.compute(c, parent)
		s.styles[c] = st
		s.walk(c, st)
	}
}

// Cascade returns the winning declarations for n, longhands only, in the
// order they apply.
func (s *Styler) Cascade(n *html.Node) []css.Declaration {
	return s.cascade(n, nil)
}

// A longhand is one longhand of a rule, with the index in the rule of the
// declaration it came from.
type longhand struct {
	decl  css.Declaration
	index int
}

// rule returns the longhands of rule j of sheet i.
func (s *Styler) rule(i, j int) []longhand {
	for len(s.longhands) < len(s.Sheets) {
		s.longhands = append(s.longhands, nil)
	}
	if s.longhands[i] == nil {
		s.longhands[i] = make([][]longhand, len(s.Sheets[i].Sheet.Rules))
	}
	ls := s.longhands[i][j]
	if ls == nil {
		for k, d := range s.Sheets[i].Sheet.Rules[j].Declarations {
			for _, l := range expand(d) {
				ls = append(ls, longhand{l, k})
			}
		}
		if ls == nil {
			ls = []longhand{} // expanded, to nothing
		}
		s.longhands[i][j] = ls
	}
	return ls
}

// cascade appends the winning longhands for n to out, in the order they
// apply (CSS Cascade 4 §6: origin and importance, specificity, order of
// appearance). The longhands of one declaration share its order.
func (s *Styler) cascade(n *html.Node, out []css.Declaration) []css.Declaration {
	ms := s.ms[:0]
	order := 0
	// Presentational hints (HTML §15.4.3): an <img>'s width and height
	// attributes are author declarations that lose to every author rule.
	for _, d := range dimensionHints(n) {
		for _, l := range expand(d) {
			ms = append(ms, matched{l, origin(true, false), [4]int{}, -1})
		}
	}
	for i, sh := range s.Sheets {
		for j, r := range sh.Sheet.Rules {
			spec, ok := bestMatch(r.Selectors, n)
			if !ok {
				order += len(r.Declarations)
				continue
			}
			for _, l := range s.rule(i, j) {
				ms = append(ms, matched{l.decl, origin(sh.Author, l.decl.Important), spec, order + l.index})
			}
			order += len(r.Declarations)
		}
	}
	if st := dom.Attr(n, "style"); st != "" {
		for _, d := range css.ParseDeclarations([]byte(st)) {
			for _, l := range expand(d) {
				ms = append(ms, matched{l, origin(true, d.Important), [4]int{1}, order})
			}
			order++
		}
	}
	slices.SortStableFunc(ms, func(a, b matched) int {
		if c := cmp.Compare(a.origin, b.origin); c != 0 {
			return c
		}
		if c := slices.Compare(a.specificity[:], b.specificity[:]); c != 0 {
			return c
		}
		return cmp.Compare(a.order, b.order)
	})
	for _, m := range ms {
		out = append(out, m.decl)
	}
	s.ms = ms[:0]
	return out
}

func origin(author, important bool) int {
	switch {
	case author && important:
		return authorImportant
	case author:
		return authorNormal
	case important:
		return uaImportant
	}
	return uaNormal
}

// bestMatch returns the highest specificity among the selectors n matches.
func bestMatch(sels []css.Selector, n *html.Node) ([4]int, bool) {
	var best [4]int
	found := false
	for _, sl := range sels {
		if !sl.Match(n) {
			continue
		}
		sp := [4]int{0, sl.Specificity[0], sl.Specificity[1], sl.Specificity[2]}
		if !found || slices.Compare(sp[:], best[:]) > 0 {
			best, found = sp, true
		}
	}
	return best, found
}

// compute applies the cascaded declarations over the inherited style.
// font-size goes first since em lengths of the same element depend on it.
func (s *Styler) compute(n *html.Node, parent *Style) *Style {
	decls := s.cascade(n, s.decls[:0])
	s.decls = decls[:0]
	st := inherit(parent)
	for _, d := range decls {
		switch d.Property {
		case "font-size":
			st.FontSize, st.AbsoluteSize = fontSize(d.Value, parent.FontSize, s.root, st.FontSize, parent.AbsoluteSize, st.AbsoluteSize)
			st.FontSize = min(st.FontSize, maxFontSize)
		case "font-family":
			st.GenericMono = genericMono(d.Value, parent.GenericMono)
		}
	}
	// Chromium's default size is 16px, but 13px for the generic monospace
	// family: a size not given absolutely scales when an element switches
	// between monospace and the rest (Blink's
	// FontBuilder::CheckForGenericFamilyChange).
	if !st.AbsoluteSize && st.GenericMono != parent.GenericMono {
		if st.GenericMono {
			st.FontSize *= monoMedium / 16
		} else {
			st.FontSize *= 16 / monoMedium
		}
	}
	if n.Parent != nil && n.Parent.Type == html.DocumentNode {
		s.root = st.FontSize
	}
	for _, d := range decls {
		s.apply(st, parent, d)
	}
	for i := range st.BorderWidth {
		if st.BorderStyle[i] == "none" || st.BorderStyle[i] == "hidden" {
			st.BorderWidth[i] = 0
		}
		if st.BorderColor[i] == currentColor {
			st.BorderColor[i] = st.Color
		}
	}
	return st
}

// monoMedium is Chromium's default size for the generic monospace family.
const monoMedium = 13.0

// genericMono reports a font-family value that is the generic monospace
// family alone (keyword, not a quoted name).
func genericMono(v []css.Token, parent bool) bool {
	var names []css.Token
	for _, t := range v {
		if t.Type == css.Ident || t.Type == css.String {
			names = append(names, t)
		}
	}
	if len(names) == 1 && names[0].Type == css.Ident {
		switch strings.ToLower(names[0].Data) {
		case "monospace":
			return true
		case "inherit":
			return parent
		}
	}
	return false
}

// fontSize computes font-size and whether it is absolute (see
// Style.AbsoluteSize).
func fontSize(v []css.Token, parentPx, rootPx, cur float64, parentAbs, curAbs bool) (float64, bool) {
	if len(v) != 1 {
		return cur, curAbs
	}
	t := v[0]
	if t.Type == css.Ident {
		k := strings.ToLower(t.Data)
		if px, ok := fontSizeKeywords[k]; ok {
			return px, false
		}
		switch k {
		case "smaller":
			return parentPx / 1.2, parentAbs
		case "larger":
			return parentPx * 1.2, parentAbs
		case "inherit", "unset":
			return parentPx, parentAbs
		case "initial":
			return 16, false
		}
		return cur, curAbs
	}
	l, ok := length(t, parentPx, rootPx, false)
	if !ok || l.IsPct && l.Pct < 0 || l.Px < 0 {
		return cur, curAbs
	}
	if l.IsPct {
		return l.Pct / 100 * parentPx, parentAbs
	}
	if t.Type == css.Dimension {
		_, unit, _ := dimension(t)
		switch strings.ToLower(unit) {
		case "em", "ex", "ch", "rem":
			return l.Px, parentAbs
		}
	}
	return l.Px, true
}

var sideNames = [4]string{"top", "right", "bottom", "left"}

// apply sets one longhand.
func (s *Styler) apply(st, parent *Style, d css.Declaration) {
	v := d.Value
	kw := ""
	if len(v) == 1 && v[0].Type == css.Ident {
		kw = strings.ToLower(v[0].Data)
	}
	if kw == "inherit" {
		inheritOne(st, parent, d.Property)
		return
	}
	lengthOf := func(auto bool) (Length, bool) {
		if len(v) != 1 {
			return Length{}, false
		}
		return length(v[0], st.FontSize, s.root, auto)
	}
	p := d.Property
	switch {
	case p == "display":
		switch kw {
		case "block", "inline", "inline-block", "list-item", "none":
			st.Display = kw
		case "flex", "grid", "table", "flow-root", "table-row", "table-cell":
			st.Display = "block" // not supported: laid out as blocks
		}
	case p == "color":
		if c, ok := parseColor(v, parent.Color); ok {
			st.Color = c
		}
	case p == "background-color":
		if c, ok := parseColor(v, st.Color); ok {
			st.Background = c
		}
	case p == "font-weight":
		if w := fontWeight(kw, v, parent.Weight); w > 0 {
			st.Weight, st.Bold = w, w >= 600
		}
	case p == "font-style":
		st.Italic = kw == "italic" || kw == "oblique"
	case p == "font-family":
		if names := css.FamilyNames(v); len(names) > 0 {
			st.Family, st.Mono = s.family(names)
		}
	case p == "line-height":
		if kw == "normal" {
			st.LineHeight = LineHeight{Normal: true}
		} else if len(v) == 1 && v[0].Type == css.Number {
			f, _, _ := dimension(v[0])
			if f >= 0 {
				st.LineHeight = LineHeight{Factor: f}
			}
		} else if l, ok := lengthOf(false); ok {
			px := l.Px
			if l.IsPct {
				px = l.Pct / 100 * st.FontSize
			}
			if px >= 0 {
				st.LineHeight = LineHeight{Px: px, Factor: px / max(st.FontSize, 1e-9)}
			}
		}
	case strings.HasPrefix(p, "margin-"):
		if i := side(p[len("margin-"):]); i >= 0 {
			if l, ok := lengthOf(true); ok {
				st.Margin[i] = l
			}
		}
	case strings.HasPrefix(p, "padding-"):
		if i := side(p[len("padding-"):]); i >= 0 {
			if l, ok := lengthOf(false); ok && !l.IsPct && l.Px >= 0 || ok && l.IsPct && l.Pct >= 0 {
				st.Padding[i] = l
			}
		}
	case strings.HasPrefix(p, "border-") && strings.HasSuffix(p, "-width"):
		if i := side(strings.TrimSuffix(p[len("border-"):], "-width")); i >= 0 {
			st.BorderWidth[i] = borderWidth(v, st.FontSize, s.root, st.BorderWidth[i])
		}
	case strings.HasPrefix(p, "border-") && strings.HasSuffix(p, "-style"):
		if i := side(strings.TrimSuffix(p[len("border-"):], "-style")); i >= 0 && kw != "" {
			st.BorderStyle[i] = kw
		}
	case strings.HasPrefix(p, "border-") && strings.HasSuffix(p, "-color"):
		if i := side(strings.TrimSuffix(p[len("border-"):], "-color")); i >= 0 {
			if c, ok := parseColor(v, currentColor); ok {
				st.BorderColor[i] = c
			}
		}
	case p == "width" || p == "height":
		if l, ok := lengthOf(true); ok && l.Px >= 0 && l.Pct >= 0 {
			if p == "width" {
				st.Width = l
			} else {
				st.Height = l
			}
		}
	case p == "min-width" || p == "min-height" || p == "max-width" || p == "max-height":
		l, ok := lengthOf(strings.HasPrefix(p, "min-"))
		if kw == "none" && strings.HasPrefix(p, "max-") {
			l, ok = Length{Auto: true}, true
		}
		if !ok || l.Px < 0 || l.Pct < 0 {
			break
		}
		switch p {
		case "min-width":
			st.MinWidth = l
		case "min-height":
			st.MinHeight = l
		case "max-width":
			st.MaxWidth = l
		case "max-height":
			st.MaxHeight = l
		}
	case p == "box-sizing":
		if kw == "border-box" || kw == "content-box" {
			st.BoxSizing = kw
		}
	case p == "text-align":
		switch kw {
		case "left", "center", "right":
			st.TextAlign = kw
		case "start":
			st.TextAlign = "left"
		case "end":
			st.TextAlign = "right"
		case "justify":
			st.TextAlign = "left"
		}
	case p == "white-space":
		switch kw {
		case "normal", "pre", "nowrap", "pre-wrap", "pre-line":
			st.WhiteSpace = kw
		}
	case p == "list-style-type":
		if kw != "" {
			st.ListStyle = kw
		}
	case p == "text-decoration-line":
		if kw == "underline" {
			st.Underline = true
		} else if kw == "none" {
			// Decorations propagate to descendants and cannot be undone
			// by them; none only clears what this element would add.
			st.Underline = parent.Underline
		}
	}
}

// fontWeight computes font-weight (CSS Fonts 4 §2.2): normal 400, bold
// 700, a number from 1 to 1000, or bolder and lighter relative to the
// parent's weight by the spec's table. 0: invalid.
func fontWeight(kw string, v []css.Token, parent int) int {
	switch kw {
	case "normal":
		return 400
	case "bold":
		return 700
	case "bolder":
		switch {
		case parent < 350:
			return 400
		case parent < 550:
			return 700
		}
		return 900
	case "lighter":
		switch {
		case parent < 550:
			return 100
		case parent < 750:
			return 400
		}
		return 700
	}
	if len(v) == 1 && v[0].Type == css.Number {
		if f, _, ok := dimension(v[0]); ok && f >= 1 && f <= 1000 {
			return int(f + 0.5)
		}
	}
	return 0
}

// family picks from a font-family list (lower-case names) the first
// family hops can use (CSS Fonts 4 §5.1): one the page loaded through
// @font-face, a generic family, or a name taken for monospaced (with
// "mono" or "courier" in it: drawn with Go Mono). Other names are fonts
// hops does not have, passed over. It returns the @font-face family ("" for
// the Go fonts) and whether Go Mono is the fallback.
func (s *Styler) family(names []string) (string, bool) {
	for _, n := range names {
		switch {
		case s.Fonts != nil && s.Fonts(n):
			return n, false
		case n == "monospace" || strings.Contains(n, "mono") || strings.Contains(n, "courier"):
			return "", true
		case n == "serif" || n == "sans-serif" || n == "system-ui" || n == "cursive" || n == "fantasy" || strings.HasPrefix(n, "ui-"):
			return "", false
		}
	}
	return "", false
}

// borderWidth reads thin, medium, thick or a length.
func borderWidth(v []css.Token, fontSize, root, cur float64) float64 {
	if len(v) != 1 {
		return cur
	}
	switch strings.ToLower(v[0].Data) {
	case "thin":
		return 1
	case "medium":
		return 3
	case "thick":
		return 5
	}
	l, ok := length(v[0], fontSize, root, false)
	if !ok || l.IsPct || l.Px < 0 {
		return cur
	}
	return l.Px
}

func inheritOne(st, p *Style, prop string) {
	switch prop {
	case "color":
		st.Color = p.Color
	case "background-color":
		st.Background = p.Background
	case "display":
		st.Display = p.Display
	case "width":
		st.Width = p.Width
	case "height":
		st.Height = p.Height
	}
	for i, n := range sideNames {
		switch prop {
		case "margin-" + n:
			st.Margin[i] = p.Margin[i]
		case "padding-" + n:
			st.Padding[i] = p.Padding[i]
		}
	}
}

func side(s string) int {
	for i, n := range sideNames {
		if s == n {
			return i
		}
	}
	return -1
}

// Dump writes the CSSOM: every sheet's rules with their specificities, in
// cascade order.
func (s *Styler) Dump(w io.Writer) {
	for _, sh := range s.Sheets {
		origin := "author"
		if !sh.Author {
			origin = "user-agent"
		}
		fmt.Fprintf(w, "/* %s (%s origin, %d rules) */\n", sh.Name, origin, len(sh.Sheet.Rules))
		sh.Sheet.Dump(w)
		for _, sk := range sh.Sheet.Skipped {
			fmt.Fprintf(w, "/* skipped: %s */\n", sk)
		}
	}
}

// String describes the computed style compactly (for the render tree dump).
func (st *Style) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "display:%s font:%gpx", st.Display, round2(st.FontSize))
	if st.Family != "" {
		fmt.Fprintf(&b, " family:%q", st.Family)
	}
	if st.Bold {
		b.WriteString(" bold")
	}
	if st.Italic {
		b.WriteString(" italic")
	}
	if st.Mono {
		b.WriteString(" mono")
	}
	fmt.Fprintf(&b, " color:#%02x%02x%02x", st.Color.R, st.Color.G, st.Color.B)
	if st.Background.A != 0 {
		fmt.Fprintf(&b, " bg:#%02x%02x%02x", st.Background.R, st.Background.G, st.Background.B)
	}
	m := st.Margin
	if m != [4]Length{} {
		fmt.Fprintf(&b, " margin:%v %v %v %v", m[0], m[1], m[2], m[3])
	}
	if p := st.Padding; p != [4]Length{} {
		fmt.Fprintf(&b, " padding:%v %v %v %v", p[0], p[1], p[2], p[3])
	}
	if bw := st.BorderWidth; bw != [4]float64{} {
		fmt.Fprintf(&b, " border:%g %g %g %g", bw[0], bw[1], bw[2], bw[3])
	}
	if st.WhiteSpace != "normal" {
		b.WriteString(" white-space:" + st.WhiteSpace)
	}
	if st.TextAlign != "left" {
		b.WriteString(" text-align:" + st.TextAlign)
	}
	return b.String()
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

// Anonymous returns the style of an anonymous block box inside a box
// styled parent: inherited properties, the rest initial.
func Anonymous(parent *Style) *Style {
	s := inherit(parent)
	s.Display = "block"
	return s
}
