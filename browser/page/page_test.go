package page

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"testing"

	"github.com/hopsnet/hops/browser/fetch"
	"github.com/hopsnet/hops/browser/layout"
)

func load(t testing.TB, src string, css map[string]string) *Page {
	t.Helper()
	p, err := Load([]byte(src), fetch.Map(css), Options{Width: 800, Height: 600})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func elem(t *testing.T, b layout.Boxes, path string) layout.ElementBox {
	t.Helper()
	for _, e := range b.Elements {
		if e.Path == path {
			return e
		}
	}
	t.Fatalf("no element %s", path)
	return layout.ElementBox{}
}

// Hand-checked against Chromium's UA sheet: body margin 8px; h1 2em with
// 0.67em = 21.44px margins collapsing through body; Go fonts: 16px has
// ascent 15 + descent 3 = 18px line height, 32px has 30 + 6 = 36... (read
// from the font, see below).
func TestLayoutGolden(t *testing.T) {
	p := load(t, `<!DOCTYPE html><html><head><style>div{height:10px}</style></head><body>
<h1>Title</h1><p>para</p><div></div><ul><li>a</li></ul></body></html>`, nil)
	b := p.Boxes()
	cases := []struct {
		path       string
		x, y, w, h float64
	}{
		{"html", 0, 0, 800, 0},
		{"html>body>h1[1]", 8, 21.44, 784, 0},
		{"html>body>p[1]", 8, 0, 784, 18},
		{"html>body>div[1]", 8, 0, 784, 10},
		{"html>body>ul[1]", 8, 0, 784, 18},
		{"html>body>ul[1]>li[1]", 48, 0, 744, 18},
	}
	h1 := elem(t, b, "html>body>h1[1]")
	// h1: 32px Go Bold, normal line height = rounded ascent+descent+gap.
	f := p.Tree.Fonts
	_ = f
	y := 21.44 + h1.H + 21.44 // p's 16px margin collapses into h1's 21.44
	cases[2].y = y
	y += 18 + 16
	cases[3].y = y
	y += 10 + 16
	cases[4].y = y
	cases[5].y = y
	cases[0].h = y + 18 + 16 // ul's 16px bottom margin collapses with body's 8px
	for _, c := range cases {
		e := elem(t, b, c.path)
		if !e.HasBox || !near(e.X, c.x) || !near(e.Y, c.y) || !near(e.W, c.w) || (c.h != 0 || c.path == "html>body>h1[1]") && c.path != "html>body>h1[1]" && !near(e.H, c.h) {
			t.Errorf("%s = (%v,%v %vx%v), want (%v,%v %vx%v)", c.path, e.X, e.Y, e.W, e.H, c.x, c.y, c.w, c.h)
		}
	}
	if h1.H != 37 {
		t.Errorf("h1 height %v, want 37 (Go Bold 32px: ascent 30.x and descent 6.x, rounded separately)", h1.H)
	}
	if head := elem(t, b, "html>head"); head.HasBox {
		t.Error("head has a box")
	}
	if b.ScrollHeight != 600 {
		t.Errorf("scroll height %v", b.ScrollHeight)
	}
	var txt []string
	for _, tx := range b.Texts {
		if tx.WhitespaceOnly {
			if len(tx.Lines) != 0 || tx.TextIndex != 0 {
				t.Errorf("white space text %+v", tx)
			}
			continue
		}
		txt = append(txt, fmt.Sprintf("%s#%d:%s", tx.ParentPath, tx.TextIndex, tx.Lines[0].Text))
	}
	if got := strings.Join(txt, " "); got != "html>body>h1[1]#1:Title html>body>p[1]#1:para html>body>ul[1]>li[1]#1:a" {
		t.Errorf("texts %s", got)
	}
}

func near(a, b float64) bool { return a-b < 0.01 && b-a < 0.01 }

func TestMarginCollapsing(t *testing.T) {
	cases := []struct {
		name, body string
		path       string
		y          float64
	}{
		{"siblings take the larger", `<div style="margin-bottom:30px;height:5px"></div><div style="margin-top:20px;height:5px"></div>`, "html>body>div[2]", 8 + 5 + 30},
		{"negative adds", `<div style="margin-bottom:30px;height:5px"></div><div style="margin-top:-10px;height:5px"></div>`, "html>body>div[2]", 8 + 5 + 20},
		{"parent and first child", `<div style="margin-top:5px"><p style="margin-top:40px">x</p></div>`, "html>body>div[1]", 40},
		{"border stops it", `<div style="margin-top:5px;border-top:1px solid"><p style="margin-top:40px">x</p></div>`, "html>body>div[1]>p[1]", 8 + 1 + 40},
		{"padding stops it", `<div style="padding-top:2px"><p>x</p></div>`, "html>body>div[1]>p[1]", 8 + 2 + 16},
		{"empty block collapses through", `<div style="height:5px"></div><div style="margin:10px 0 25px"></div><div style="margin-top:5px;height:1px"></div>`, "html>body>div[3]", 8 + 5 + 25},
		{"auto margins centre", `<div style="width:100px;margin:0 auto;height:1px"></div>`, "html>body>div[1]", 8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := load(t, "<!DOCTYPE html><body>"+c.body, nil)
			e := elem(t, p.Boxes(), c.path)
			if !near(e.Y, c.y) {
				t.Errorf("%s y = %v, want %v", c.path, e.Y, c.y)
			}
			if c.name == "auto margins centre" && !near(e.X, 8+(784-100)/2.0) {
				t.Errorf("x = %v", e.X)
			}
		})
	}
}

func TestLineBreaking(t *testing.T) {
	cases := []struct {
		name, html string
		lines      []string
	}{
		{"fits", `<p>a b  c</p>`, []string{"a b c"}},
		{"wraps at spaces", `<p style="width:60px">alpha beta gamma delta</p>`, []string{"alpha", "beta", "gamma", "delta"}},
		{"br", `<p>one<br>two</p>`, []string{"one", "two"}},
		{"pre keeps lines (--boxes text is collapsed)", "<pre>a  b\nc</pre>", []string{"a b", "c"}},
		{"long word overflows", `<p style="width:10px">abcdefghij</p>`, []string{"abcdefghij"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := load(t, "<!DOCTYPE html><body>"+c.html, nil)
			var got []string
			for _, tx := range p.Boxes().Texts {
				for _, l := range tx.Lines {
					got = append(got, l.Text)
				}
			}
			if strings.Join(got, "|") != strings.Join(c.lines, "|") {
				t.Errorf("lines %q, want %q", got, c.lines)
			}
		})
	}
}

func TestTextAlignCenter(t *testing.T) {
	p := load(t, `<!DOCTYPE html><body><p style="text-align:center">hi</p>`, nil)
	l := p.Boxes().Texts[0].Lines[0]
	if !near(l.X, 8+(784-l.W)/2) || l.H != 18 {
		t.Errorf("line %+v", l)
	}
}

func TestPaintPixels(t *testing.T) {
	p := load(t, `<!DOCTYPE html><html><head><link rel=stylesheet href=s.css></head><body><p>Hello world</p></body></html>`,
		map[string]string{"s.css": "body{background:#00ff00} p{color:#ff0000}"})
	img := p.Paint()
	if c := img.RGBAAt(400, 500); c.R != 0 || c.G != 255 || c.B != 0 {
		t.Errorf("canvas at (400,500) = %v, want body's green propagated", c)
	}
	l := p.Boxes().Texts[0].Lines[0]
	red := 0
	for y := int(l.Y); y < int(l.Y+l.H); y++ {
		for x := int(l.X); x < int(l.X+l.W); x++ {
			if c := img.RGBAAt(x, y); c.R > 128 && c.G < 128 {
				red++
			}
		}
	}
	if red < 20 {
		t.Errorf("only %d red text pixels in %+v", red, l)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat("<div>", 1000)
	if _, err := Load([]byte(deep), nil, Options{}); err == nil {
		t.Errorf("deep: %v", err)
	}
	big := `<p title="` + strings.Repeat("x", 70000) + `">`
	if _, err := Load([]byte(big), nil, Options{}); err == nil || !strings.Contains(err.Error(), "attribute too large") {
		t.Errorf("attr: %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	for _, s := range []string{"", "<p>x", "<ul><li>a<li>b</ul>", "<pre>a\n b</pre><br><br>", "<span><div>x</div></span>",
		`<style>p{margin:-5px auto;width:50%;line-height:2}</style><p>a b c`, "<h1 style='font-size:1e9px'>x</h1>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Load(b, nil, Options{Width: 200, Height: 100})
		if err != nil {
			return
		}
		p.Boxes()
		p.Paint()
	})
}

func BenchmarkRender200(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("<!DOCTYPE html><html><head><style>p{margin:4px 0} .x{color:#333;padding:2px;border:1px solid #ccc}</style></head><body><h1>Bench</h1>")
	for i := 0; i < 66; i++ {
		fmt.Fprintf(&sb, `<div class="x"><p>Paragraph %d with <b>some bold</b> and <a href="#">a link</a> text that wraps.</p></div>`, i)
	}
	sb.WriteString("</body></html>")
	src := []byte(sb.String())
	b.ReportAllocs()
	for b.Loop() {
		p, err := Load(src, nil, Options{})
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := p.WritePNG(&buf); err != nil {
			b.Fatal(err)
		}
	}
}
