package paint_test

import (
	"image"
	"image/color"
	"testing"

	"github.com/hopsnet/hops/browser/page"
	"github.com/hopsnet/hops/browser/paint"
)

func render(t *testing.T, src string) *image.RGBA {
	t.Helper()
	p, err := page.Load([]byte(src), nil, page.Options{Width: 200, Height: 150})
	if err != nil {
		t.Fatal(err)
	}
	img := p.Paint()
	if img.Bounds() != image.Rect(0, 0, 200, 150) {
		t.Fatalf("bounds %v", img.Bounds())
	}
	return img
}

func is(c color.RGBA, r, g, b uint8) bool { return c.R == r && c.G == g && c.B == b }

func TestBackgroundsAndBorders(t *testing.T) {
	img := render(t, `<body style="background: #00ff00; margin: 0">
<div style="background: red; width: 50px; height: 20px; margin: 10px"></div>
<div style="border: 4px solid blue; width: 40px; height: 40px; margin: 10px"></div></body>`)
	// body's background propagates to the whole canvas.
	if c := img.RGBAAt(199, 149); !is(c, 0, 255, 0) {
		t.Errorf("canvas %v, want body's green", c)
	}
	if c := img.RGBAAt(30, 20); !is(c, 255, 0, 0) {
		t.Errorf("div %v, want red", c)
	}
	if c := img.RGBAAt(9, 20); !is(c, 0, 255, 0) {
		t.Errorf("margin %v, want green", c)
	}
	// second div: border box at (10, 40), 48×48.
	if c := img.RGBAAt(11, 60); !is(c, 0, 0, 255) {
		t.Errorf("left border %v, want blue", c)
	}
	if c := img.RGBAAt(30, 60); !is(c, 0, 255, 0) {
		t.Errorf("inside the border %v, want green", c)
	}
}

// dark counts pixels darker than mid-grey in r.
func dark(img *image.RGBA, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c := img.RGBAAt(x, y); int(c.R)+int(c.G)+int(c.B) < 3*128 {
				n++
			}
		}
	}
	return n
}

func TestTextMarkersAndInlineBlocks(t *testing.T) {
	img := render(t, `<body style="margin: 0"><p style="margin: 0">Hello</p>
<ul style="margin: 0"><li>item</li></ul><p style="margin: 0">x <b>in <span style="display: inline-block; background: black; width: 20px; height: 10px"></span></b></p></body>`)
	if n := dark(img, image.Rect(0, 0, 40, 18)); n < 20 {
		t.Errorf("text: %d dark pixels", n)
	}
	if n := dark(img, image.Rect(60, 0, 200, 18)); n != 0 {
		t.Errorf("right of the text: %d dark pixels", n)
	}
	// The disc sits left of the item's text (which starts at 40px).
	if n := dark(img, image.Rect(20, 18, 40, 36)); n == 0 {
		t.Error("no list marker")
	}
	// The inline-block inside <b> is painted where layout put it, on the
	// third line.
	if n := dark(img, image.Rect(0, 36, 200, 54)); n < 150 {
		t.Errorf("inline-block: %d dark pixels", n)
	}
}

func TestHugeCanvas(t *testing.T) {
	p, err := page.Load([]byte(`<p>x</p>`), nil, page.Options{Width: 16384, Height: 16384})
	if err != nil {
		t.Fatal(err)
	}
	img := paint.Paint(p.Tree, 16384, 16384)
	if px := img.Bounds().Dx() * img.Bounds().Dy(); px > paint.MaxPixels {
		t.Errorf("%d pixels over the limit", px)
	}
}
