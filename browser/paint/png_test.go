package paint_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/hopsnet/hops/browser/paint"
)

// pattern fills an image with colours that change along both axes, so
// that any row or column mix-up shows.
func pattern(r image.Rectangle, alpha uint8) *image.RGBA {
	img := image.NewRGBA(r)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			a := uint8(255)
			if (x+y)%7 == 0 {
				a = alpha
			}
			c := color.RGBA{uint8(x * 7), uint8(y * 13), uint8(x ^ y), 255}
			img.SetRGBA(x, y, color.RGBA{uint8(uint16(c.R) * uint16(a) / 255), uint8(uint16(c.G) * uint16(a) / 255), uint8(uint16(c.B) * uint16(a) / 255), a})
		}
	}
	return img
}

func TestEncodePNG(t *testing.T) {
	cases := []struct {
		name     string
		img      *image.RGBA
		wantType byte // IHDR colour type
		// tol is the error allowed per channel: PNG stores colours
		// unpremultiplied, so translucent pixels round.
		tol int
	}{
		{"opaque", pattern(image.Rect(0, 0, 37, 23), 255), 2, 0},
		{"opaque sub-image", pattern(image.Rect(0, 0, 50, 40), 255).SubImage(image.Rect(5, 7, 45, 33)).(*image.RGBA), 2, 0},
		{"one pixel", pattern(image.Rect(0, 0, 1, 1), 255), 2, 0},
		{"several IDAT chunks", pattern(image.Rect(0, 0, 900, 700), 255), 2, 0},
		{"transparent pixels: image/png", pattern(image.Rect(0, 0, 30, 20), 100), 6, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := paint.EncodePNG(&buf, c.img); err != nil {
				t.Fatal(err)
			}
			if typ := buf.Bytes()[8+8+9]; typ != c.wantType {
				t.Errorf("colour type %d, want %d", typ, c.wantType)
			}
			got, err := png.Decode(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			b := c.img.Bounds()
			if got.Bounds().Size() != b.Size() {
				t.Fatalf("size %v, want %v", got.Bounds().Size(), b.Size())
			}
			for y := 0; y < b.Dy(); y++ {
				for x := 0; x < b.Dx(); x++ {
					w := c.img.RGBAAt(b.Min.X+x, b.Min.Y+y)
					r, gr, bl, a := got.At(x, y).RGBA()
					g := [4]int{int(r >> 8), int(gr >> 8), int(bl >> 8), int(a >> 8)}
					for i, want := range [4]uint8{w.R, w.G, w.B, w.A} {
						if d := g[i] - int(want); d > c.tol || -d > c.tol {
							t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, g, w)
						}
					}
				}
			}
		})
	}
}

// failWriter fails after n bytes.
type failWriter struct{ n int }

var errFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errFull
	}
	w.n -= len(p)
	return len(p), nil
}

func TestEncodePNGWriteError(t *testing.T) {
	for _, n := range []int{0, 10, 40 << 10} {
		err := paint.EncodePNG(&failWriter{n: n}, pattern(image.Rect(0, 0, 400, 300), 255))
		if !errors.Is(err, errFull) {
			t.Errorf("after %d bytes: err %v, want %v", n, err, errFull)
		}
	}
}
