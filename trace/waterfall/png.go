package waterfall

import (
	"image"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// rasterize draws s into a new image: rectangles snapped to whole
// pixels (one that has any width keeps at least one pixel), 1-pixel lines
// through the pixel their coordinate falls in, anti-aliased text in the
// Go fonts.
func rasterize(s *scene) (*image.RGBA, error) {
	f, err := newFonts()
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, int(math.Ceil(s.w)), int(math.Ceil(s.h))))
	draw.Draw(img, img.Bounds(), image.NewUniform(colBackground), image.Point{}, draw.Src)
	for i := range s.items {
		it := &s.items[i]
		switch it.kind {
		case kRect:
			x0, x1 := snap(it.x0, it.x1)
			y0, y1 := snap(it.y0, it.y1)
			draw.Draw(img, image.Rect(x0, y0, x1, y1), image.NewUniform(it.col), image.Point{}, draw.Over)
		case kLine:
			var r image.Rectangle
			if it.x0 == it.x1 {
				x := int(math.Floor(it.x0))
				y0, y1 := snap(it.y0, it.y1)
				r = image.Rect(x, y0, x+1, y1)
			} else {
				y := int(math.Floor(it.y0))
				x0, x1 := snap(it.x0, it.x1)
				r = image.Rect(x0, y, x1, y+1)
			}
			draw.Draw(img, r, image.NewUniform(it.col), image.Point{}, draw.Over)
		case kText:
			dst := draw.Image(img)
			if it.clip > 0 {
				c := s.clips[it.clip-1]
				x0, x1 := snap(c.x0, c.x1)
				y0, y1 := snap(c.y0, c.y1)
				dst = img.SubImage(image.Rect(x0, y0, x1, y1)).(*image.RGBA)
			}
			face := f.faces[it.st]
			x := toFixed(it.x0)
			if it.anchor == anchorEnd {
				x -= font.MeasureString(face, it.text)
			}
			d := font.Drawer{Dst: dst, Src: image.NewUniform(it.col), Face: face, Dot: fixed.Point26_6{X: x, Y: toFixed(it.y0)}}
			d.DrawString(it.text)
		}
	}
	return img, nil
}

// snap turns the span a–b into whole pixels; a span with any length keeps
// at least one.
func snap(a, b float64) (int, int) {
	i, j := int(math.Round(a)), int(math.Round(b))
	if j <= i && b > a {
		j = i + 1
	}
	return i, j
}
