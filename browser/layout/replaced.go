package layout

import (
	"math"

	"github.com/hopsnet/hops/browser/style"
)

// layoutReplaced lays out a replaced element (an image) in a containing
// block cbW wide (cbH its height when definite): its used width and
// height (CSS 2.1 §10.3.2, §10.6.2 and §10.4), its margins (auto ones
// centre a block-level image, and are 0 on an atomic inline), and margins
// that never collapse through it.
func layoutReplaced(b *Box, cbW float64, cbH *float64) {
	s := b.Style
	for i := 0; i < 4; i++ {
		b.Padding[i] = s.Padding[i].Resolve(cbW)
		b.Border[i] = s.BorderWidth[i]
		b.Margin[i] = s.Margin[i].Resolve(cbW)
	}
	w, h := replacedSize(b, cbW, cbH)
	edges := b.Padding[style.Left] + b.Padding[style.Right] + b.Border[style.Left] + b.Border[style.Right]
	if b.Atomic {
		b.W = w
	} else {
		widthWith(b, style.Length{Px: w}, cbW, edges, true)
	}
	b.H = h
	b.Lines = nil
	b.top = margins{}.add(b.Margin[style.Top])
	b.bottom = margins{}.add(b.Margin[style.Bottom])
	b.selfCollapsing = false
}

// intrinsic is the image's natural size in CSS px (0×0 for a broken one).
func (b *Box) intrinsic() (w, h float64) {
	if b.Image == nil {
		return 0, 0
	}
	sz := b.Image.Bounds().Size()
	return float64(sz.X), float64(sz.Y)
}

// replacedSize is a replaced box's used content width and height: the
// specified ones; one given, the other from the intrinsic ratio; neither,
// the intrinsic size; then min-/max- constraints, keeping the ratio when
// both were auto (the table of CSS 2.1 §10.4).
func replacedSize(b *Box, cbW float64, cbH *float64) (w, h float64) {
	s := b.Style
	iw, ih := b.intrinsic()
	ratio := iw > 0 && ih > 0
	edgesX := b.Padding[style.Left] + b.Padding[style.Right] + b.Border[style.Left] + b.Border[style.Right]
	edgesY := b.Padding[style.Top] + b.Padding[style.Bottom] + b.Border[style.Top] + b.Border[style.Bottom]
	contentW := func(l style.Length) float64 {
		v := l.Resolve(cbW)
		if s.BoxSizing == "border-box" {
			v = max(0, v-edgesX)
		}
		return v
	}
	// A percentage height against an indefinite containing block is auto
	// (for max-height: none; for min-height: 0).
	contentH := func(l style.Length, auto float64) float64 {
		if l.Auto || l.IsPct && cbH == nil {
			return auto
		}
		v := l.Px
		if l.IsPct {
			v = l.Pct / 100 * *cbH
		}
		if s.BoxSizing == "border-box" {
			v = max(0, v-edgesY)
		}
		return v
	}
	wAuto := s.Width.Auto
	hAuto := s.Height.Auto || s.Height.IsPct && cbH == nil
	if !wAuto {
		w = contentW(s.Width)
	}
	if !hAuto {
		h = contentH(s.Height, 0)
	}
	switch {
	case !wAuto && !hAuto:
	case !wAuto:
		h = ih
		if ratio {
			h = w * ih / iw
		}
	case !hAuto:
		w = iw
		if ratio {
			w = h * iw / ih
		}
	default:
		w, h = iw, ih
	}
	minW := contentW(s.MinWidth)
	maxW := math.Inf(1)
	if !s.MaxWidth.Auto {
		maxW = contentW(s.MaxWidth)
	}
	minH := contentH(s.MinHeight, 0)
	maxH := contentH(s.MaxHeight, math.Inf(1))
	maxW, maxH = max(minW, maxW), max(minH, maxH)
	switch {
	case wAuto && hAuto && ratio && w > 0 && h > 0:
		return constrain(w, h, minW, maxW, minH, maxH)
	case hAuto && ratio:
		// The width is clamped first; the height follows from it.
		w = min(max(w, minW), maxW)
		h = min(max(w*ih/iw, minH), maxH)
	case wAuto && ratio:
		h = min(max(h, minH), maxH)
		w = min(max(h*iw/ih, minW), maxW)
	default:
		w = min(max(w, minW), maxW)
		h = min(max(h, minH), maxH)
	}
	return w, h
}

// constrain applies min-/max- to an auto-sized replaced element, keeping
// its ratio where it can (CSS 2.1 §10.4, the table).
func constrain(w, h, minW, maxW, minH, maxH float64) (float64, float64) {
	switch {
	case w > maxW && h > maxH:
		if maxW/w <= maxH/h {
			return maxW, max(minH, maxW*h/w)
		}
		return max(minW, maxH*w/h), maxH
	case w < minW && h < minH:
		if minW/w <= minH/h {
			return min(maxW, minH*w/h), minH
		}
		return minW, min(maxH, minW*h/w)
	case w < minW && h > maxH:
		return minW, maxH
	case w > maxW && h < minH:
		return maxW, minH
	case w > maxW:
		return maxW, max(maxW*h/w, minH)
	case w < minW:
		return minW, min(minW*h/w, maxH)
	case h > maxH:
		return max(maxH*w/h, minW), maxH
	case h < minH:
		return min(minH*w/h, maxW), minH
	}
	return w, h
}
