// Package paint paints a laid-out render tree into an image: the canvas
// background (propagated from the root or body), box backgrounds, solid
// borders, images scaled into their content boxes, list markers and
// anti-aliased text with underlines.
package paint

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/hopsnet/hops/browser/font"
	"github.com/hopsnet/hops/browser/layout"
	"github.com/hopsnet/hops/browser/style"
	xdraw "golang.org/x/image/draw"
	xfont "golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
	"golang.org/x/net/html/atom"
)

// MaxPixels bounds the canvas.
const MaxPixels = 64 << 20

// Paint paints the viewport (w×h px from the top of the document).
func Paint(t *layout.Tree, w, h int) *image.RGBA {
	w, h = max(1, w), max(1, h)
	if w*h > MaxPixels {
		h = MaxPixels / w
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	p := &painter{img: img, fonts: t.Fonts}
	canvas := color.RGBA{255, 255, 255, 255}
	var skip *layout.Box
	if r := t.Root; r != nil {
		// CSS Backgrounds 3 §2.11.2: the root's background paints the
		// canvas; when it has none, body's does instead.
		if r.Style.Background.A != 0 {
			canvas, skip = over(canvas, r.Style.Background), r
		} else if body := bodyOf(r); body != nil && body.Style.Background.A != 0 {
			canvas, skip = over(canvas, body.Style.Background), body
		}
	}
	draw.Draw(img, img.Bounds(), image.NewUniform(canvas), image.Point{}, draw.Src)
	if t.Root != nil {
		p.box(t.Root, skip)
	}
	return img
}

func bodyOf(r *layout.Box) *layout.Box {
	for _, c := range r.Children {
		if c.Node != nil && c.Node.DataAtom == atom.Body {
			return c
		}
	}
	return nil
}

func over(dst, src color.RGBA) color.RGBA {
	a := 255 - uint32(src.A)
	return color.RGBA{uint8(uint32(src.R) + uint32(dst.R)*a/255), uint8(uint32(src.G) + uint32(dst.G)*a/255),
		uint8(uint32(src.B) + uint32(dst.B)*a/255), uint8(uint32(src.A) + uint32(dst.A)*a/255)}
}

type painter struct {
	icons map[*layout.Box]bool // broken images whose icon is painted
	img   *image.RGBA
	fonts *font.Set
	ras   vector.Rasterizer
}

// box paints b and its descendants in tree order (a simplified stacking
// order: no floats, positioning or z-index).
func (p *painter) box(b *layout.Box, skipBG *layout.Box) {
	if b.Kind == layout.Inline {
		// Inline-blocks inside inline boxes.
		for _, c := range b.Children {
			p.box(c, skipBG)
		}
		return
	}
	if b.Kind != layout.Block {
		return
	}
	x, y, w, h := b.BorderBox()
	if b != skipBG && b.Style.Background.A != 0 {
		p.fill(x, y, w, h, b.Style.Background)
	}
	p.borders(b, x, y, w, h)
	if b.Replaced && b.Image != nil {
		p.image(b)
	}
	if b.ListItem {
		p.marker(b)
	}
	for _, l := range b.Lines {
		for _, f := range l.Frags {
			if f.Box.Kind == layout.Inline && f.Box.Replaced {
				p.brokenIcon(f)
				continue
			}
			p.text(f)
		}
	}
	for _, c := range b.Children {
		p.box(c, skipBG)
	}
}

// fill blends a rectangle, with edges anti-aliased by coverage.
func (p *painter) fill(x, y, w, h float64, c color.RGBA) {
	if w <= 0 || h <= 0 {
		return
	}
	r := image.Rect(int(math.Floor(x)), int(math.Floor(y)), int(math.Ceil(x+w)), int(math.Ceil(y+h))).Intersect(p.img.Bounds())
	if r.Empty() {
		return
	}
	p.ras.Reset(r.Dx(), r.Dy())
	ox, oy := float32(r.Min.X), float32(r.Min.Y)
	p.ras.MoveTo(float32(x)-ox, float32(y)-oy)
	p.ras.LineTo(float32(x+w)-ox, float32(y)-oy)
	p.ras.LineTo(float32(x+w)-ox, float32(y+h)-oy)
	p.ras.LineTo(float32(x)-ox, float32(y+h)-oy)
	p.ras.ClosePath()
	p.ras.Draw(p.img, r, image.NewUniform(c), image.Point{})
}

// borders paints every side as a solid band (other styles are drawn
// solid too).
func (p *painter) borders(b *layout.Box, x, y, w, h float64) {
	bw := b.Border
	if bw[style.Top] > 0 {
		p.fill(x, y, w, bw[style.Top], b.Style.BorderColor[style.Top])
	}
	if bw[style.Bottom] > 0 {
		p.fill(x, y+h-bw[style.Bottom], w, bw[style.Bottom], b.Style.BorderColor[style.Bottom])
	}
	if bw[style.Left] > 0 {
		p.fill(x, y+bw[style.Top], bw[style.Left], h-bw[style.Top]-bw[style.Bottom], b.Style.BorderColor[style.Left])
	}
	if bw[style.Right] > 0 {
		p.fill(x+w-bw[style.Right], y+bw[style.Top], bw[style.Right], h-bw[style.Top]-bw[style.Bottom], b.Style.BorderColor[style.Right])
	}
}

func (p *painter) face(s *style.Style) (*font.Font, xfont.Face) {
	f := p.fonts.Get(s.FontKey())
	return f, f.Face(s.FontSize)
}

// text draws one fragment at its baseline, and its underline.
func (p *painter) text(fr *layout.Fragment) {
	if fr.Box.Kind != layout.Text || fr.Text == "" {
		return
	}
	s := fr.Box.Style
	f, face := p.face(s)
	if face == nil {
		return
	}
	if fr.Y > float64(p.img.Bounds().Max.Y) || fr.Y+fr.H < 0 {
		return
	}
	d := xfont.Drawer{Dst: p.img, Src: image.NewUniform(s.Color), Face: face}
	// Glyph by glyph at layout's advances (whole pixels, as Chromium
	// places them), not the face's fractional ones.
	x := fr.X
	var buf [4]byte
	for _, r := range fr.Text {
		g := string(utf8.AppendRune(buf[:0], r))
		if r != ' ' {
			d.Dot = fixed.Point26_6{X: fixed.Int26_6(x * 64), Y: fixed.Int26_6(fr.Baseline * 64)}
			d.DrawString(g)
		}
		x += f.Width(g, s.FontSize)
	}
	if s.Underline {
		m := f.Metrics(s.FontSize)
		thick := max(1, math.Round(s.FontSize/16))
		uy := fr.Baseline + math.Max(1, math.Round(m.Descent/2)) - thick/2
		p.fill(fr.X, uy, f.Width(trimRight(fr.Text), s.FontSize), thick, s.Color)
	}
}

func trimRight(s string) string {
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}

// marker paints a list item's outside marker left of its first line.
func (p *painter) marker(b *layout.Box) {
	l := firstLine(b)
	if l == nil {
		return
	}
	s := b.Style
	f, face := p.face(s)
	switch s.ListStyle {
	case "disc", "circle", "square":
		r := s.FontSize * 0.3 / 2 * 1.1
		cx := b.X - s.FontSize*0.5 - r
		cy := l.Baseline - f.Metrics(s.FontSize).Ascent*0.35
		if s.ListStyle == "square" {
			p.fill(cx-r, cy-r, 2*r, 2*r, s.Color)
			return
		}
		p.disc(cx, cy, r, s.Color, s.ListStyle == "circle")
	case "decimal":
		txt := strconv.Itoa(b.Ordinal) + ". "
		w := f.Width(txt, s.FontSize)
		if face == nil {
			return
		}
		d := xfont.Drawer{Dst: p.img, Src: image.NewUniform(s.Color), Face: face,
			Dot: fixed.Point26_6{X: fixed.Int26_6((b.X - w) * 64), Y: fixed.Int26_6(l.Baseline * 64)}}
		d.DrawString(txt)
	}
}

func firstLine(b *layout.Box) *layout.Line {
	if len(b.Lines) > 0 {
		return &b.Lines[0]
	}
	for _, c := range b.Children {
		if l := firstLine(c); l != nil {
			return l
		}
	}
	return nil
}

// disc fills a circle (or a ring) approximated by a 32-gon.
func (p *painter) disc(cx, cy, r float64, c color.RGBA, ring bool) {
	rect := image.Rect(int(cx-r-1), int(cy-r-1), int(cx+r+2), int(cy+r+2)).Intersect(p.img.Bounds())
	if rect.Empty() {
		return
	}
	p.ras.Reset(rect.Dx(), rect.Dy())
	poly := func(rad float64, rev bool) {
		for i := 0; i <= 32; i++ {
			a := float64(i) / 32 * 2 * math.Pi
			if rev {
				a = -a
			}
			px, py := float32(cx+rad*math.Cos(a)-float64(rect.Min.X)), float32(cy+rad*math.Sin(a)-float64(rect.Min.Y))
			if i == 0 {
				p.ras.MoveTo(px, py)
			} else {
				p.ras.LineTo(px, py)
			}
		}
		p.ras.ClosePath()
	}
	poly(r, false)
	if ring {
		poly(r-1, true)
	}
	p.ras.Draw(p.img, rect, image.NewUniform(c), image.Point{})
}

// maxKernelSide bounds the destination of a Catmull-Rom scaling, whose
// scaler holds weights for every destination column and row; larger
// images are scaled bilinearly.
const maxKernelSide = 4096

// image paints a replaced box's image scaled into its content box, on
// whole device pixels: copied as it is when the size is unchanged, else
// resampled with the Catmull-Rom cubic (sharp when enlarging, no
// aliasing when shrinking), composited over what is below.
func (p *painter) image(b *layout.Box) {
	src := b.Image
	sr := src.Bounds()
	dr := image.Rect(int(math.Round(b.X)), int(math.Round(b.Y)), int(math.Round(b.X+b.W)), int(math.Round(b.Y+b.H)))
	if dr.Empty() || sr.Empty() || dr.Intersect(p.img.Bounds()).Empty() {
		return
	}
	if dr.Dx() == sr.Dx() && dr.Dy() == sr.Dy() {
		draw.Draw(p.img, dr, src, sr.Min, draw.Over)
		return
	}
	var sc xdraw.Scaler = xdraw.CatmullRom
	if dr.Dx() > maxKernelSide || dr.Dy() > maxKernelSide {
		sc = xdraw.ApproxBiLinear
	}
	sc.Scale(p.img, dr, src, sr, xdraw.Over, nil)
}

// brokenIcon paints a broken image's icon, a grey framed square, at the
// start edge of its inline box (once, on the first line).
func (p *painter) brokenIcon(f *layout.Fragment) {
	if p.icons[f.Box] {
		return
	}
	if p.icons == nil {
		p.icons = map[*layout.Box]bool{}
	}
	p.icons[f.Box] = true
	const side = layout.BrokenIconSize
	x, y := f.X+f.W-side, f.Baseline-side+2
	grey := color.RGBA{160, 160, 160, 255}
	p.fill(x+1, y+1, side-2, 1, grey)
	p.fill(x+1, y+side-2, side-2, 1, grey)
	p.fill(x+1, y+2, 1, side-4, grey)
	p.fill(x+side-2, y+2, 1, side-4, grey)
}
