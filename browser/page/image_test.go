package page

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/hopsnet/hops/browser/fetch"
)

func testPNG(t *testing.T, w, h int, c color.RGBA) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestImageSizes checks the replaced-element sizing rules.
func TestImageSizes(t *testing.T) {
	f := fetch.Map{"a.png": testPNG(t, 100, 50, color.RGBA{255, 0, 0, 255}), "bad.png": "not an image"}
	src := `<body style="margin:0"><div style="width:400px">` +
		`<img id=i1 src="a.png">` +
		`<img src="a.png" width="200">` +
		`<img src="a.png" height="10">` +
		`<img src="a.png" style="width:50%">` +
		`<img src="a.png" width="30" height="30">` +
		`<img src="a.png" style="max-width:40px">` +
		`<img src="a.png" style="min-height:100px; max-width: 150px">` +
		`<img src="a.png" width="1e9">` +
		`<img src="bad.png" width="20" height="20">` +
		`<img src="missing.png">` +
		`</div></body>`
	p, err := Load([]byte(src), f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]float64{{100, 50}, {200, 100}, {20, 10}, {200, 100}, {30, 30}, {40, 20}, {150, 100}, {1, 0.5}, {20, 20}, {0, 0}}
	i := 0
	for _, e := range p.Boxes().Elements {
		if e.Tag != "img" {
			continue
		}
		if i < len(want) && (e.W != want[i][0] || e.H != want[i][1]) {
			t.Errorf("img %d: %gx%g, want %gx%g", i+1, e.W, e.H, want[i][0], want[i][1])
		}
		i++
	}
	if i != len(want) {
		t.Errorf("%d images, want %d", i, len(want))
	}
	var log strings.Builder
	for _, e := range p.Events {
		log.WriteString(e.String() + "\n")
	}
	for _, s := range []string{"resource loaded: image a.png (", "image broken: bad.png", "resource failed: image missing.png"} {
		if !strings.Contains(log.String(), s) {
			t.Errorf("events lack %q:\n%s", s, log.String())
		}
	}
}

// TestImagePaint checks that an image is painted scaled into its content
// box, and that the baseline puts its bottom on the text's baseline.
func TestImagePaint(t *testing.T) {
	f := fetch.Map{"a.png": testPNG(t, 10, 10, color.RGBA{0, 0, 255, 255})}
	p, err := Load([]byte(`<body style="margin:0"><img src="a.png" style="display:block; margin:10px; width:40px"></body>`), f, Options{Width: 100, Height: 100})
	if err != nil {
		t.Fatal(err)
	}
	img := p.Paint()
	for _, pt := range []image.Point{{10, 10}, {30, 30}, {49, 49}} {
		if c := img.RGBAAt(pt.X, pt.Y); c.B < 200 || c.R > 50 {
			t.Errorf("pixel %v = %v, want blue", pt, c)
		}
	}
	for _, pt := range []image.Point{{5, 5}, {55, 30}, {30, 55}} {
		if c := img.RGBAAt(pt.X, pt.Y); c != (color.RGBA{255, 255, 255, 255}) {
			t.Errorf("pixel %v = %v, want white", pt, c)
		}
	}
}

// TestLoadContentHostile: broken and enormous images and odd types do not
// panic.
func TestLoadContentHostile(t *testing.T) {
	huge := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\x00\x00\x00\x01\x00\x00\x08\x02\x00\x00\x00"
	if _, err := LoadContent([]byte(huge), "image/png", "huge.png", nil, Options{}); err == nil {
		t.Error("a 65536x65536 PNG was accepted")
	}
	for _, c := range []struct{ body, ct string }{{"{bad json", "application/json"}, {"<a><b></a>", "text/xml"}, {"\x00\x01", ""}, {"plain", ""}} {
		_, _ = LoadContent([]byte(c.body), c.ct, "x", nil, Options{})
	}
}
