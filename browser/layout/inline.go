package layout

import (
	"strings"

	"github.com/hopsnet/hops/browser/font"
	"github.com/hopsnet/hops/browser/style"
)

// A segment is an unbreakable piece of inline content: a word with its
// trailing collapsible space, a preserved run, or a forced break.
type segment struct {
	box      *Box // text or br box
	text     string
	w        float64 // advance including trailing space
	space    float64 // advance of the trailing collapsible space
	forced   bool    // a line break after this segment
	nowrap   bool    // may not break before this segment
	hasSpace bool
}

// fontOf returns the font and metrics of a style.
func (t *Tree) fontOf(s *style.Style) (*font.Font, font.Metrics) {
	f := t.Fonts.Get(font.Key{Mono: s.Mono, Bold: s.Bold, Italic: s.Italic})
	return f, f.Metrics(s.FontSize)
}

// segments collects the inline content of block b (CSS Text 3 §4.1.1:
// white space processing, then breaking opportunities at spaces).
func (t *Tree) segments(b *Box) []segment {
	var out []segment
	lastSpace := true // at the start of a line, a collapsible space is removed
	var walk func(c *Box)
	walk = func(c *Box) {
		switch c.Kind {
		case Break:
			out = append(out, segment{box: c, forced: true})
			lastSpace = true
		case Inline:
			for _, k := range c.Children {
				walk(k)
			}
		case Text:
			out = t.textSegments(c, out, &lastSpace)
		}
	}
	for _, c := range b.Children {
		walk(c)
	}
	return out
}

func isSpace(r byte) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' }

func (t *Tree) textSegments(c *Box, out []segment, lastSpace *bool) []segment {
	s := c.Style
	f, _ := t.fontOf(s)
	size := s.FontSize
	txt := c.Node.Data
	if s.WhiteSpace == "pre" || s.WhiteSpace == "pre-wrap" {
		lines := strings.Split(strings.ReplaceAll(txt, "\r\n", "\n"), "\n")
		for i, ln := range lines {
			ln = strings.ReplaceAll(ln, "\t", "        ")
			out = append(out, segment{box: c, text: ln, w: f.Width(ln, size), forced: i < len(lines)-1, nowrap: true})
		}
		*lastSpace = false
		return out
	}
	nowrap := s.WhiteSpace == "nowrap"
	spaceW := f.Width(" ", size)
	i := 0
	for i < len(txt) {
		if isSpace(txt[i]) {
			j := i
			for j < len(txt) && isSpace(txt[j]) {
				if txt[j] == '\n' && s.WhiteSpace == "pre-line" {
					break
				}
				j++
			}
			if j < len(txt) && txt[j] == '\n' && j == i {
				out = append(out, segment{box: c, forced: true})
				*lastSpace = true
				i++
				continue
			}
			if !*lastSpace {
				// A space after a word: attach to the previous segment.
				if n := len(out); n > 0 && !out[n-1].forced && !out[n-1].hasSpace && out[n-1].box == c {
					out[n-1].text += " "
					out[n-1].w += spaceW
					out[n-1].space = spaceW
					out[n-1].hasSpace = true
				} else {
					out = append(out, segment{box: c, text: " ", w: spaceW, space: spaceW, hasSpace: true, nowrap: nowrap})
				}
				*lastSpace = true
			}
			i = j
			continue
		}
		j := i
		for j < len(txt) && !isSpace(txt[j]) {
			j++
		}
		w := txt[i:j]
		out = append(out, segment{box: c, text: w, w: f.Width(w, size), nowrap: nowrap})
		*lastSpace = false
		i = j
	}
	return out
}

// layoutInline breaks b's inline content into line boxes and returns
// their total height.
func (t *Tree) layoutInline(b *Box) float64 {
	segs := t.segments(b)
	avail := b.W
	var lines [][]segment
	var cur []segment
	x := 0.0
	content := false
	for _, sg := range segs {
		wordW := sg.w - sg.space
		if content && !sg.nowrap && x+wordW > avail && sg.text != " " {
			lines = append(lines, cur)
			cur, x, content = nil, 0, false
		}
		if !content && sg.text == " " {
			continue // a collapsible space at the start of a line is removed
		}
		cur = append(cur, sg)
		x += sg.w
		content = true
		if sg.forced {
			lines = append(lines, cur)
			cur, x, content = nil, 0, false
		}
	}
	if len(cur) > 0 {
		lines = append(lines, cur)
	}
	y := 0.0
	b.Lines = b.Lines[:0]
	for _, ln := range lines {
		l := t.buildLine(b, ln, y, avail)
		b.Lines = append(b.Lines, l)
		y += l.H
	}
	return y
}

// buildLine positions one line's fragments: a fragment per text box,
// baselines aligned, the line as tall as the strut and every fragment's
// line-height (CSS 2.1 §10.8.1).
func (t *Tree) buildLine(b *Box, segs []segment, y, avail float64) Line {
	// A collapsible space at the end of a line is removed.
	for i := len(segs) - 1; i >= 0; i-- {
		if segs[i].hasSpace {
			segs[i].text = strings.TrimSuffix(segs[i].text, " ")
			segs[i].w -= segs[i].space
			segs[i].hasSpace = false
			if segs[i].text == "" && !segs[i].forced {
				segs = segs[:i]
				continue
			}
		}
		break
	}
	above, below := t.leading(b.Style)
	var frags []*Fragment
	x := 0.0
	for _, sg := range segs {
		if n := len(frags); n > 0 && frags[n-1].Box == sg.box && sg.box.Kind == Text {
			frags[n-1].Text += sg.text
			frags[n-1].W += sg.w
		} else if sg.box.Kind == Text || sg.box.Kind == Break {
			frags = append(frags, &Fragment{Box: sg.box, X: x, W: sg.w, Text: sg.text})
			a, d := t.leading(sg.box.Style)
			above, below = max(above, a), max(below, d)
		}
		x += sg.w
	}
	shift := 0.0
	switch b.Style.TextAlign {
	case "center":
		shift = (avail - x) / 2
	case "right":
		shift = avail - x
	}
	l := Line{X: 0, Y: y, W: avail, H: above + below, Baseline: y + above}
	for _, f := range frags {
		_, m := t.fontOf(f.Box.Style)
		f.X += shift
		f.Baseline = l.Baseline
		f.Y = l.Baseline - m.Ascent
		f.H = m.ContentHeight()
		f.Box.frags = append(f.Box.frags, f)
	}
	l.Frags = frags
	return l
}

// leading returns how far an inline box of style s reaches above and below
// the baseline: its content area plus half the leading on each side.
func (t *Tree) leading(s *style.Style) (above, below float64) {
	_, m := t.fontOf(s)
	lh := s.UsedLineHeight(m.Ascent + m.Descent + m.LineGap)
	half := (lh - m.ContentHeight()) / 2
	return m.Ascent + half, m.Descent + half
}
