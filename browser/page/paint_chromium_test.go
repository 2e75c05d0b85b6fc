package page

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hopsnet/hops/browser/fetch"
)

// paintFloor bounds the share of pixels that may differ from Chromium's
// screenshot on any page, after both are blurred (see paintDiff); the
// pages painted when this was set differ by at most about half of it.
const paintFloor = 0.01

// gray is an image's luminance, blurred with a 3×3 box filter so that
// anti-aliasing and sub-pixel glyph placement count for little.
func gray(img image.Image) [][]float64 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	g := make([][]float64, h)
	for y := range h {
		g[y] = make([]float64, w)
		for x := range w {
			r, gg, bb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			g[y][x] = (0.299*float64(r) + 0.587*float64(gg) + 0.114*float64(bb)) / 257
		}
	}
	out := make([][]float64, h)
	for y := range h {
		out[y] = make([]float64, w)
		for x := range w {
			s, n := 0.0, 0
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					if yy, xx := y+dy, x+dx; yy >= 0 && yy < h && xx >= 0 && xx < w {
						s += g[yy][xx]
						n++
					}
				}
			}
			out[y][x] = s / float64(n)
		}
	}
	return out
}

// paintDiff is the share of pixels whose blurred luminance differs by
// more than 48 of 255.
func paintDiff(a, b image.Image) float64 {
	ga, gb := gray(a), gray(b)
	n, bad := 0, 0
	for y := range min(len(ga), len(gb)) {
		for x := range min(len(ga[y]), len(gb[y])) {
			n++
			if d := ga[y][x] - gb[y][x]; d > 48 || d < -48 {
				bad++
			}
		}
	}
	return float64(bad) / float64(max(n, 1))
}

// TestRenderPaintChromium compares hops' paint with Chromium's screenshots
// (PAGE.chromium.png, written by `node boxes.js --png`).
func TestRenderPaintChromium(t *testing.T) {
	shots, _ := filepath.Glob(filepath.Join(chromiumDir, "*.chromium.png"))
	if len(shots) < 8 {
		t.Fatalf("%d Chromium screenshots in %s, want at least 8", len(shots), chromiumDir)
	}
	fsys := fetch.FS{FS: os.DirFS(chromiumDir)}
	for _, shot := range shots {
		name := strings.TrimSuffix(filepath.Base(shot), ".chromium.png")
		f, err := os.Open(shot)
		if err != nil {
			t.Fatal(err)
		}
		want, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", shot, err)
		}
		src, err := os.ReadFile(filepath.Join(chromiumDir, name+".html"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Load(src, fsys, Options{Width: 800, Height: 600})
		if err != nil {
			t.Fatal(err)
		}
		d := paintDiff(p.Paint(), want)
		t.Logf("%-20s %.3f%% of pixels differ", name, 100*d)
		if d > paintFloor {
			t.Errorf("%s: %.3f%% of pixels differ from Chromium's, over %.1f%%", name, 100*d, 100*paintFloor)
		}
	}
}
