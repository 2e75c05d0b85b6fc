package layout

import (
	"math"
	"strings"

	"github.com/hopsnet/hops/browser/font"
	"github.com/hopsnet/hops/browser/style"
)

// A segment is an unbreakable piece of inline content: a word with its
// trailing collapsible space, a preserved run, or a forced break.
type segment struct {
	kind     segKind
	box      *Box // text or br box; the inline box of an edge; the inline-block
	text     string
	off      int     // where text starts in box's node's data; -1: not a slice of it
	w        float64 // advance including trailing space
	space    float64 // advance of the trailing collapsible space
	forced   bool    // a line break after this segment
	nowrap   bool    // may not break before this segment
	hasSpace bool
	// breakAfter: a soft wrap opportunity follows this segment (after a
	// space that white-space lets wrap).
	breakAfter bool
}

// segKind tells text (and breaks) from an inline box's start and end
// edges (margin, border and padding) and from inline-blocks.
type segKind int

const (
	segText segKind = iota
	segOpen
	segClose
	segAtomic
)

// fontOf returns the font and metrics of a style.
func (t *Tree) fontOf(s *style.Style) (*font.Font, font.Metrics) {
	f := t.Fonts.Get(s.FontKey())
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
			out = append(out, segment{box: c, off: -1, forced: true})
			lastSpace = true
		case Inline:
			open, close := inlineEdges(c, b.W)
			if c.Replaced {
				open += BrokenIconSize // a broken image's icon before its alt text
			}
			if open > 0 {
				out = append(out, segment{kind: segOpen, box: c, w: open})
			}
			for _, k := range c.Children {
				walk(k)
			}
			if close > 0 {
				out = append(out, segment{kind: segClose, box: c, w: close})
			}
		case Block: // an inline-block
			t.layoutAtomic(c, b.W)
			_, _, w, _ := c.BorderBox()
			out = append(out, segment{kind: segAtomic, box: c, w: c.Margin[style.Left] + w + c.Margin[style.Right]})
			lastSpace = false
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
		wrap := s.WhiteSpace == "pre-wrap"
		lines := strings.Split(strings.ReplaceAll(txt, "\r\n", "\n"), "\n")
		for i, ln := range lines {
			ln = expandTabs(ln)
			forced := i < len(lines)-1
			if !wrap {
				// A final newline ends its line and opens no new one.
				if ln != "" || forced {
					out = append(out, segment{box: c, text: ln, off: -1, w: f.Width(ln, size), forced: forced, nowrap: true})
				}
				continue
			}
			// pre-wrap: spaces are kept, and a line may wrap after each
			// run of them (the run hangs at the end of the line).
			for ln != "" || forced {
				j := 0
				for j < len(ln) && ln[j] != ' ' {
					j++
				}
				k := j
				for k < len(ln) && ln[k] == ' ' {
					k++
				}
				sg := segment{box: c, text: ln[:k], off: -1, w: f.Width(ln[:k], size), space: f.Width(ln[j:k], size), breakAfter: k > j}
				ln = ln[k:]
				if ln == "" {
					sg.forced = forced
					forced = false
				}
				out = append(out, sg)
			}
		}
		*lastSpace = false
		return out
	}
	nowrap := s.WhiteSpace == "nowrap"
	spaceW := f.Width(" ", size)
	wordEnd := -1 // where the last word of txt appended to out ends
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
				out = append(out, segment{box: c, off: -1, forced: true})
				*lastSpace = true
				i++
				continue
			}
			if !*lastSpace {
				// A space after a word: attach to the previous segment.
				if n := len(out); n > 0 && !out[n-1].forced && !out[n-1].hasSpace && out[n-1].box == c {
					if wordEnd == i && txt[i] == ' ' {
						out[n-1].text = txt[out[n-1].off : i+1] // the word and its space, as they are in txt
					} else {
						out[n-1].text += " "
						out[n-1].off = -1
					}
					out[n-1].w += spaceW
					out[n-1].space = spaceW
					out[n-1].hasSpace = true
					out[n-1].breakAfter = !nowrap
				} else {
					out = append(out, segment{box: c, text: " ", off: -1, w: spaceW, space: spaceW, hasSpace: true, nowrap: nowrap, breakAfter: !nowrap})
					if txt[i] == ' ' {
						out[len(out)-1].off = i
					}
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
		out = append(out, segment{box: c, text: w, off: i, w: f.Width(w, size), nowrap: nowrap})
		*lastSpace = false
		i, wordEnd = j, j
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
	// chunk[i]: the width from segment i to the next wrap opportunity,
	// without the spaces there (which hang), for the fit check.
	chunk := make([]float64, len(segs))
	for i := len(segs) - 1; i >= 0; i-- {
		sg := segs[i]
		if sg.breakAfter || sg.forced || i == len(segs)-1 {
			chunk[i] = sg.w - sg.space
		} else {
			chunk[i] = sg.w + chunk[i+1]
		}
	}
	canBreak := false // a soft wrap opportunity before the next segment
	for i, sg := range segs {
		if content && canBreak && sg.kind != segClose && x+chunk[i] > avail && sg.text != " " {
			lines = append(lines, cur)
			cur, x, content = nil, 0, false
		}
		if !content && sg.text == " " {
			continue // a collapsible space at the start of a line is removed
		}
		cur = append(cur, sg)
		x += sg.w
		content = true
		if sg.kind != segOpen && sg.kind != segClose {
			canBreak = sg.breakAfter // edges keep the opportunity before them
		}
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
	// A collapsible space at the end of a line is removed (looking
	// through inline boxes' end edges).
	segs = append([]segment(nil), segs...)
	for i := len(segs) - 1; i >= 0; i-- {
		if segs[i].kind == segClose {
			continue
		}
		if segs[i].hasSpace {
			segs[i].text = strings.TrimSuffix(segs[i].text, " ")
			segs[i].w -= segs[i].space
			segs[i].space = 0
			segs[i].hasSpace = false
			if segs[i].text == "" && !segs[i].forced {
				segs = append(segs[:i], segs[i+1:]...)
				continue
			}
		}
		break
	}
	// Preserved spaces (pre-wrap) at a wrapped line's end hang: they do
	// not count in the line's width.
	for i := len(segs) - 1; i >= 0; i-- {
		if segs[i].kind == segClose {
			continue
		}
		if sg := &segs[i]; sg.kind == segText && !sg.hasSpace && sg.breakAfter && sg.space > 0 && !sg.forced {
			sg.text = strings.TrimRight(sg.text, " ")
			sg.w -= sg.space
			sg.space = 0
		}
		break
	}
	above, below := t.leading(b.Style)
	var frags, edges []*Fragment
	var fragOff []int // where each fragment's text starts in its node's data; -1: a copy
	var atomics []*Box
	var atomicX []float64
	x := 0.0
	for _, sg := range segs {
		switch sg.kind {
		case segOpen, segClose:
			// The border box starts after the left margin and ends
			// before the right one.
			ex, ew := x, sg.w-sg.box.Margin[style.Right]
			if sg.kind == segOpen {
				ex, ew = x+sg.box.Margin[style.Left], sg.w-sg.box.Margin[style.Left]
			}
			edges = append(edges, &Fragment{Box: sg.box, X: ex, W: ew})
			x += sg.w
			continue
		case segAtomic:
			a := t.atomicBaseline(sg.box)
			_, _, _, h := sg.box.BorderBox()
			above = max(above, a)
			below = max(below, sg.box.Margin[style.Top]+h+sg.box.Margin[style.Bottom]-a)
			atomics = append(atomics, sg.box)
			atomicX = append(atomicX, x)
			x += sg.w
			continue
		}
		if n := len(frags); n > 0 && frags[n-1].Box == sg.box && sg.box.Kind == Text {
			f := frags[n-1]
			if o := fragOff[n-1]; o >= 0 && sg.off == o+len(f.Text) {
				f.Text = sg.box.Node.Data[o : sg.off+len(sg.text)] // adjacent in the node's data: no copy
			} else {
				f.Text += sg.text
				fragOff[n-1] = -1
			}
			f.W += sg.w
		} else if sg.box.Kind == Text || sg.box.Kind == Break {
			frags = append(frags, &Fragment{Box: sg.box, X: x, W: sg.w, Text: sg.text})
			fragOff = append(fragOff, sg.off)
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
	for _, f := range edges {
		_, m := t.fontOf(f.Box.Style)
		f.X += shift
		f.Baseline = l.Baseline
		f.Y = l.Baseline - m.Ascent
		f.H = m.ContentHeight()
		f.Box.frags = append(f.Box.frags, f)
	}
	for i, a := range atomics {
		a.relX = atomicX[i] + shift + a.Margin[style.Left]
		a.relY = l.Baseline - t.atomicBaseline(a) + a.Margin[style.Top]
	}
	l.Frags = append(frags, edges...)
	l.Atomics = atomics
	l.contentW = x
	return l
}

// inlineEdges resolves an inline box's horizontal margins, borders and
// padding (percentages of the containing block's width cbW) and returns
// the widths of its start and end edges. Vertical padding and borders
// are resolved too: they grow its border box, not the line.
func inlineEdges(b *Box, cbW float64) (open, close float64) {
	s := b.Style
	for i := 0; i < 4; i++ {
		b.Padding[i] = s.Padding[i].Resolve(cbW)
		b.Border[i] = s.BorderWidth[i]
		b.Margin[i] = 0
		if i == style.Left || i == style.Right {
			b.Margin[i] = s.Margin[i].Resolve(cbW)
		}
	}
	return b.Margin[style.Left] + b.Border[style.Left] + b.Padding[style.Left],
		b.Padding[style.Right] + b.Border[style.Right] + b.Margin[style.Right]
}

// layoutAtomic lays out an inline-block in a containing block cbW wide:
// shrink-to-fit width when auto (CSS 2.1 §10.3.9), margins that never
// collapse with its content.
func (t *Tree) layoutAtomic(c *Box, cbW float64) {
	if c.Style.Width.Auto && !c.Replaced {
		widths(c, cbW)
		edges := c.Margin[style.Left] + c.Margin[style.Right] + c.Padding[style.Left] + c.Padding[style.Right] +
			c.Border[style.Left] + c.Border[style.Right]
		maxW, minW := t.prefWidth(c, false), t.prefWidth(c, true)
		w := min(max(minW, cbW-edges), maxW)
		c.forceW = &w
	}
	t.layoutBlock(c, cbW, nil, true)
	c.forceW = nil
}

// prefWidth is a block's max-content width (or its min-content width).
func (t *Tree) prefWidth(b *Box, minContent bool) float64 {
	s := b.Style
	if b.Replaced {
		for i := 0; i < 4; i++ {
			b.Padding[i] = s.Padding[i].Resolve(0)
			b.Border[i] = s.BorderWidth[i]
		}
		w, _ := replacedSize(b, 0, nil)
		return w
	}
	if !s.Width.Auto && !s.Width.IsPct {
		w := s.Width.Resolve(0)
		if s.BoxSizing == "border-box" {
			w = max(0, w-s.Padding[style.Left].Resolve(0)-s.Padding[style.Right].Resolve(0)-s.BorderWidth[style.Left]-s.BorderWidth[style.Right])
		}
		return w
	}
	if b.inlineChildren {
		saved := b.W
		b.W = 1e7
		if minContent {
			b.W = 0
		}
		t.layoutInline(b)
		b.W = saved
		w := 0.0
		for _, l := range b.Lines {
			w = max(w, l.contentW)
		}
		b.Lines = nil
		clearFrags(b)
		return w
	}
	w := 0.0
	for _, c := range b.Children {
		cs := c.Style
		edges := cs.Padding[style.Left].Resolve(0) + cs.Padding[style.Right].Resolve(0) + cs.BorderWidth[style.Left] +
			cs.BorderWidth[style.Right] + cs.Margin[style.Left].Resolve(0) + cs.Margin[style.Right].Resolve(0)
		w = max(w, t.prefWidth(c, minContent)+edges)
	}
	return w
}

// clearFrags forgets the fragments of a measuring layout.
func clearFrags(b *Box) {
	for _, c := range b.Children {
		c.frags = nil
		if c.Kind != Block {
			clearFrags(c)
		}
	}
}

// atomicBaseline is an inline-block's baseline, from the top of its
// margin box: its last line box's, or its bottom margin edge when it has
// none (CSS 2.1 §10.8.1).
func (t *Tree) atomicBaseline(b *Box) float64 {
	if y, ok := lastBaseline(b); ok {
		return b.Margin[style.Top] + y
	}
	_, _, _, h := b.BorderBox()
	return b.Margin[style.Top] + h + b.Margin[style.Bottom]
}

// lastBaseline is the baseline of b's last line box from the top of its
// border box, before placement.
func lastBaseline(b *Box) (float64, bool) {
	top := b.Border[style.Top] + b.Padding[style.Top]
	if b.inlineChildren {
		if n := len(b.Lines); n > 0 {
			return top + b.Lines[n-1].Baseline, true
		}
		return 0, false
	}
	for i := len(b.Children) - 1; i >= 0; i-- {
		c := b.Children[i]
		if c.Kind != Block {
			continue
		}
		if y, ok := lastBaseline(c); ok {
			return top + c.relY + y, true
		}
	}
	return 0, false
}

// leading returns how far an inline box of style s reaches above and below
// the baseline: its content area plus half the leading on each side.
func (t *Tree) leading(s *style.Style) (above, below float64) {
	_, m := t.fontOf(s)
	lh := s.UsedLineHeight(m.Ascent + m.Descent + m.LineGap)
	// As Blink: the line height in layout units (1/64 px, floored), and
	// the half-leading above the text floored to a whole pixel, the rest
	// below.
	lh = math.Floor(lh*64) / 64
	leading := lh - m.ContentHeight()
	top := math.Floor(leading / 2)
	return m.Ascent + top, m.Descent + leading - top
}

// expandTabs replaces tabs by spaces up to the next tab stop, every 8
// columns (tab-size: 8; exact for monospace text starting a line).
func expandTabs(s string) string {
	if !strings.Contains(s, "\t") {
		return s
	}
	var b strings.Builder
	col := 0
	for _, r := range s {
		if r == '\t' {
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		}
		b.WriteRune(r)
		col++
	}
	return b.String()
}
