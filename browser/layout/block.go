package layout

import (
	"github.com/hopsnet/hops/browser/style"
)

// margins is a set of adjoining margins being collapsed: the largest
// positive and the most negative (CSS 2.1 §8.3.1: the result is their sum).
type margins struct{ pos, neg float64 }

func (m margins) add(v float64) margins {
	if v > 0 {
		m.pos = max(m.pos, v)
	} else {
		m.neg = min(m.neg, v)
	}
	return m
}

func (m margins) join(o margins) margins {
	return margins{max(m.pos, o.pos), min(m.neg, o.neg)}
}

func (m margins) value() float64 { return m.pos + m.neg }

// Layout lays the tree out in a viewport.
func (t *Tree) Layout(viewportW, viewportH float64) {
	t.ViewportW, t.ViewportH = viewportW, viewportH
	if t.Root == nil {
		t.DocumentHeight = 0
		return
	}
	r := t.Root
	vh := viewportH
	t.layoutBlock(r, viewportW, &vh, true)
	// The root's margins do not collapse (CSS 2.1 §8.3.1).
	r.relX = r.Margin[style.Left]
	r.relY = r.Margin[style.Top]
	t.place(r, 0, 0)
	_, y, _, h := r.BorderBox()
	t.DocumentHeight = y + h + r.Margin[style.Bottom]
}

// widths resolves the horizontal edges and width of a block in a
// containing block cbW wide (CSS 2.1 §10.3.3).
func widths(b *Box, cbW float64) {
	s := b.Style
	for i := 0; i < 4; i++ {
		b.Padding[i] = s.Padding[i].Resolve(cbW)
		b.Border[i] = s.BorderWidth[i]
		b.Margin[i] = s.Margin[i].Resolve(cbW)
	}
	ml, mr := s.Margin[style.Left], s.Margin[style.Right]
	if b.Atomic {
		// Inline-blocks: auto margins are 0, and nothing is over-constrained.
		if ml.Auto {
			b.Margin[style.Left] = 0
		}
		if mr.Auto {
			b.Margin[style.Right] = 0
		}
		switch {
		case b.forceW != nil:
			b.W = *b.forceW
		case !s.Width.Auto:
			b.W = s.Width.Resolve(cbW)
			if s.BoxSizing == "border-box" {
				b.W = max(0, b.W-b.Padding[style.Left]-b.Padding[style.Right]-b.Border[style.Left]-b.Border[style.Right])
			}
		}
		return
	}
	edges := b.Padding[style.Left] + b.Padding[style.Right] + b.Border[style.Left] + b.Border[style.Right]
	widthWith(b, s.Width, cbW, edges, false)
	// min-width and max-width: the tentative width is clamped and the
	// rules rerun with it (CSS 2.1 §10.4).
	content := func(l style.Length) float64 {
		v := l.Resolve(cbW)
		if s.BoxSizing == "border-box" {
			v = max(0, v-edges)
		}
		return v
	}
	if !s.MaxWidth.Auto {
		if mx := content(s.MaxWidth); b.W > mx {
			widthWith(b, style.Length{Px: mx}, cbW, edges, true)
		}
	}
	if mn := content(s.MinWidth); b.W < mn {
		widthWith(b, style.Length{Px: mn}, cbW, edges, true)
	}
}

// widthWith applies CSS 2.1 §10.3.3 with width as the specified width
// (already a content width when isContent).
func widthWith(b *Box, width style.Length, cbW, edges float64, isContent bool) {
	s := b.Style
	ml, mr := s.Margin[style.Left], s.Margin[style.Right]
	b.Margin[style.Left] = ml.Resolve(cbW)
	b.Margin[style.Right] = mr.Resolve(cbW)
	if width.Auto {
		// 1. If width is auto, any other auto values become 0 and width
		// follows from the equality.
		b.W = max(0, cbW-b.Margin[style.Left]-b.Margin[style.Right]-edges)
		return
	}
	w := width.Resolve(cbW)
	if s.BoxSizing == "border-box" && !isContent {
		w = max(0, w-edges)
	}
	b.W = w
	rest := cbW - w - edges
	switch {
	case ml.Auto && mr.Auto:
		// 2. If both margin-left and margin-right are auto, their used
		// values are equal: the box is centred.
		b.Margin[style.Left] = max(0, rest/2)
		b.Margin[style.Right] = rest - b.Margin[style.Left]
	case ml.Auto:
		b.Margin[style.Left] = rest - b.Margin[style.Right]
	default:
		// 3. Over-constrained (or margin-right auto): margin-right gives.
		b.Margin[style.Right] = rest - b.Margin[style.Left]
	}
}

// layoutBlock lays out block box b in a containing block cbW wide (cbH is
// its height when definite). It sets b's size and its children's offsets,
// and the margins that collapse through b's top and bottom.
func (t *Tree) layoutBlock(b *Box, cbW float64, cbH *float64, root bool) {
	if b.Replaced {
		layoutReplaced(b, cbW, cbH)
		return
	}
	widths(b, cbW)
	s := b.Style
	var ownH *float64
	if !s.Height.Auto && (!s.Height.IsPct || cbH != nil) {
		h := s.Height.Resolve(0)
		if s.Height.IsPct {
			h = s.Height.Resolve(*cbH)
		}
		if s.BoxSizing == "border-box" {
			h = max(0, h-b.Padding[style.Top]-b.Padding[style.Bottom]-b.Border[style.Top]-b.Border[style.Bottom])
		}
		ownH = &h
	}
	top := margins{}.add(b.Margin[style.Top])
	bottom := margins{}.add(b.Margin[style.Bottom])
	// A parent's top margin collapses with its first in-flow child's when
	// there is no border, padding or clearance between them; the root is a
	// formatting context root, whose margins never collapse with children.
	collapseTop := !root && b.Border[style.Top] == 0 && b.Padding[style.Top] == 0
	collapseBottom := !root && b.Border[style.Bottom] == 0 && b.Padding[style.Bottom] == 0 && ownH == nil
	var contentH float64
	atTop := true // no in-flow content yet: margins still adjoin b's top
	if b.inlineChildren {
		contentH = t.layoutInline(b)
		atTop = len(b.Lines) == 0
		b.bottom = bottom
	} else {
		y := 0.0
		pending := margins{}
		for _, c := range b.Children {
			t.layoutBlock(c, b.W, ownH, false)
			c.relX = c.Margin[style.Left]
			if c.selfCollapsing {
				// Its top and bottom margins collapse through it.
				// It sits where its top border edge would be with a
				// bottom border: after the margins before it and its own
				// top margin, not its bottom one (CSS 2.1 §8.3.1).
				if atTop && collapseTop {
					c.relY = y
				} else {
					c.relY = y + pending.join(c.ownTop).value()
				}
				if atTop && collapseTop {
					top = top.join(c.top)
				} else {
					pending = pending.join(c.top)
				}
				continue
			}
			if atTop && collapseTop {
				top = top.join(c.top).join(pending)
				c.relY = 0
			} else {
				y += pending.join(c.top).value()
				c.relY = y
			}
			atTop = false
			_, _, _, h := c.BorderBox()
			y += h
			pending = c.bottom
		}
		if collapseBottom && !atTop {
			bottom = bottom.join(pending)
		} else if !atTop || !collapseTop {
			y += pending.value()
		} else {
			bottom = bottom.join(pending)
		}
		contentH = y
	}
	if ownH != nil {
		contentH = *ownH
	}
	contentH = clampHeight(b, contentH, cbH)
	b.H = contentH
	b.top, b.bottom = top, bottom
	// A box with no height, border, padding or in-flow content has its own
	// top and bottom margins adjoining: it collapses through.
	b.selfCollapsing = !root && atTop && collapseTop && collapseBottom && contentH == 0 &&
		(s.Height.Auto || ownH != nil && *ownH == 0)
	if b.selfCollapsing {
		b.ownTop = top
		b.top = top.join(bottom)
		b.bottom = margins{}
	}
}

// clampHeight applies min-height and max-height to a content height h
// (percentages only against a definite containing block height cbH).
func clampHeight(b *Box, h float64, cbH *float64) float64 {
	s := b.Style
	content := func(l style.Length) (float64, bool) {
		if l.IsPct && cbH == nil {
			return 0, false
		}
		v := l.Px
		if l.IsPct {
			v = l.Pct / 100 * *cbH
		}
		if s.BoxSizing == "border-box" {
			v = max(0, v-b.Padding[style.Top]-b.Padding[style.Bottom]-b.Border[style.Top]-b.Border[style.Bottom])
		}
		return v, true
	}
	if !s.MaxHeight.Auto {
		if mx, ok := content(s.MaxHeight); ok && h > mx {
			h = mx
		}
	}
	if !s.MinHeight.Auto {
		if mn, ok := content(s.MinHeight); ok && h < mn {
			h = mn
		}
	}
	return h
}

// place turns the offsets into absolute coordinates: b's border box is at
// (x+relX, y+relY).
func (t *Tree) place(b *Box, x, y float64) {
	bx, by := x+b.relX, y+b.relY
	b.X = bx + b.Border[style.Left] + b.Padding[style.Left]
	b.Y = by + b.Border[style.Top] + b.Padding[style.Top]
	if b.Kind != Block {
		return
	}
	for i := range b.Lines {
		l := &b.Lines[i]
		l.X += b.X
		l.Y += b.Y
		l.Baseline += b.Y
		for _, f := range l.Frags {
			f.X += b.X
			f.Y += b.Y
			f.Baseline += b.Y
		}
	}
	for i := range b.Lines {
		for _, a := range b.Lines[i].Atomics {
			t.place(a, b.X, b.Y)
		}
	}
	for _, c := range b.Children {
		if c.Kind == Block && !c.Atomic {
			t.place(c, b.X, b.Y)
		}
	}
}
