package layout

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hopsnet/hops/browser/css"
	"github.com/hopsnet/hops/browser/dom"
	"github.com/hopsnet/hops/browser/font"
	"github.com/hopsnet/hops/browser/style"
	"golang.org/x/net/html"
)

// lay lays out body with the style sheet sheet in an 800×600 viewport.
func lay(t *testing.T, sheet, body string) (*Tree, Boxes) {
	t.Helper()
	d, err := dom.Parse([]byte("<!DOCTYPE html><html><head><title>t</title></head><body>" + body + "</body></html>"))
	if err != nil {
		t.Fatal(err)
	}
	sh, err := css.Parse([]byte(sheet))
	if err != nil {
		t.Fatal(err)
	}
	st := style.NewStyler([]style.Sheet{{Name: "test", Author: true, Sheet: sh}})
	st.Compute(d.Root)
	tr, err := Build(d.Root, st, font.NewSet())
	if err != nil {
		t.Fatal(err)
	}
	tr.Layout(800, 600)
	return tr, tr.Boxes(d.Root)
}

func el(t *testing.T, b Boxes, path string) ElementBox {
	t.Helper()
	for _, e := range b.Elements {
		if e.Path == path {
			return e
		}
	}
	t.Fatalf("no element %s", path)
	return ElementBox{}
}

func lines(t *testing.T, b Boxes, parent string, index int) []string {
	t.Helper()
	for _, x := range b.Texts {
		if x.ParentPath == parent && x.TextIndex == index {
			var out []string
			for _, l := range x.Lines {
				out = append(out, l.Text)
			}
			return out
		}
	}
	t.Fatalf("no text %s#%d", parent, index)
	return nil
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.01 }

func wantBox(t *testing.T, b Boxes, path string, x, y, w, h float64) {
	t.Helper()
	e := el(t, b, path)
	if !e.HasBox || !near(e.X, x) || !near(e.Y, y) || !near(e.W, w) || !near(e.H, h) {
		t.Errorf("%s = (%g,%g %gx%g) box %v, want (%g,%g %gx%g)", path, e.X, e.Y, e.W, e.H, e.HasBox, x, y, w, h)
	}
}

func TestMarginCollapsing(t *testing.T) {
	// Siblings: the larger margin wins; negative margins add.
	_, b := lay(t, `div { height: 10px } .a { margin-bottom: 30px } .b { margin-top: 20px } .n { margin-top: -5px }`,
		`<div class="a"></div><div class="b"></div><div class="a"></div><div class="n"></div>`)
	wantBox(t, b, "html>body>div[1]", 8, 8, 784, 10)
	wantBox(t, b, "html>body>div[2]", 8, 48, 784, 10)
	wantBox(t, b, "html>body>div[4]", 8, 8+10+30+10+10+25, 784, 10)

	// Parent and first child: body's 8px, .o's 20px and .i's 30px collapse.
	_, b = lay(t, `.o { margin-top: 20px } .i { margin-top: 30px; height: 5px } .bt { border-top: 1px solid }`,
		`<div class="o"><div class="i"></div></div>`)
	wantBox(t, b, "html>body", 8, 30, 784, 5)
	wantBox(t, b, "html>body>div[1]>div[1]", 8, 30, 784, 5)
	// A border separates them.
	_, b = lay(t, `.o { margin-top: 20px; border-top: 1px solid } .i { margin-top: 30px; height: 5px }`,
		`<div class="o"><div class="i"></div></div>`)
	wantBox(t, b, "html>body>div[1]", 8, 20, 784, 36)
	wantBox(t, b, "html>body>div[1]>div[1]", 8, 51, 784, 5)
}

func TestSelfCollapsingBlock(t *testing.T) {
	// Margins collapse through empty blocks; an empty block sits after its
	// own top margin, not its bottom one (what Chromium does).
	_, b := lay(t, `.x { height: 10px } .e { margin: 15px 0 } .e2 { margin: 25px 0 -5px }`,
		`<div class="x"></div><div class="e"></div><div class="e2"></div><div class="x"></div>`)
	wantBox(t, b, "html>body>div[2]", 8, 18+15, 784, 0)
	wantBox(t, b, "html>body>div[3]", 8, 18+25, 784, 0)
	wantBox(t, b, "html>body>div[4]", 8, 18+20, 784, 10)
}

func TestWidths(t *testing.T) {
	_, b := lay(t, `div { height: 1px } .c { width: 200px; margin: 0 auto } .r { width: 100px; margin-left: auto }
		.bb { width: 300px; padding: 10px; border: 5px solid; box-sizing: border-box }
		.p { width: 50%; padding-left: 10% } .max { max-width: 300px } .min { width: 10px; min-width: 50px }`,
		`<div class="c"></div><div class="r"></div><div class="bb"></div><div class="p"></div><div class="max"></div><div class="min"></div>`)
	wantBox(t, b, "html>body>div[1]", 300, 8, 200, 1)
	wantBox(t, b, "html>body>div[2]", 692, 9, 100, 1)
	// border-box: height 1px is less than padding and border.
	wantBox(t, b, "html>body>div[3]", 8, 10, 300, 30)
	wantBox(t, b, "html>body>div[4]", 8, 40, 392+78.4, 1)
	wantBox(t, b, "html>body>div[5]", 8, 41, 300, 1)
	wantBox(t, b, "html>body>div[6]", 8, 42, 50, 1)
}

func TestAnonymousBlocksAndDisplayNone(t *testing.T) {
	tr, b := lay(t, ``, `<div>before<p>para</p>after <span style="display:none">x</span></div>`)
	div := tr.Root.Children[0].Children[0]
	if len(div.Children) != 3 || div.Children[0].Node != nil || div.Children[2].Node != nil {
		t.Fatalf("want anonymous, p, anonymous; got %d children", len(div.Children))
	}
	if e := el(t, b, "html>body>div[1]>span[1]"); e.HasBox {
		t.Error("display:none span has a box")
	}
	if e := el(t, b, "html>head"); e.HasBox {
		t.Error("head has a box")
	}
	if got := lines(t, b, "html>body>div[1]", 2); !slices.Equal(got, []string{"after"}) {
		t.Errorf("second text: %q", got)
	}
	var dump bytes.Buffer
	tr.Dump(&dump)
	for _, w := range []string{"block <body>", "anonymous", `line (8,8 `} {
		if !strings.Contains(dump.String(), w) {
			t.Errorf("dump lacks %q:\n%s", w, dump.String())
		}
	}
}

func TestLineBreaking(t *testing.T) {
	f := font.NewSet().Get(font.Key{})
	w := f.Width("aaa bbb", 16)
	css := `div { width: ` + strconvF(w+1) + `px } .nw { white-space: nowrap } .pw { white-space: pre-wrap }`
	_, b := lay(t, css, `<div>aaa bbb ccc</div><div class="nw">aaa bbb ccc</div><div>aaa <span class="nw">bbb ccc</span></div>`+
		`<div class="pw">aaa bbb  ccc</div><div>aaa<b>bbb</b>ccc ddd</div>`)
	for i, want := range [][]string{{"aaa bbb", "ccc"}, {"aaa bbb ccc"}, {"aaa"}, {"aaa bbb", "ccc"}, {"aaa"}} {
		p := "html>body>div[" + strconvF(float64(i+1)) + "]"
		if got := lines(t, b, p, 1); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", p, got, want)
		}
	}
	// The nowrap span moves to the next line whole.
	if got := lines(t, b, "html>body>div[3]>span[1]", 1); !slices.Equal(got, []string{"bbb ccc"}) {
		t.Errorf("nowrap span: %q", got)
	}
	// No break opportunity between inline boxes without a space.
	if e := el(t, b, "html>body>div[5]>b[1]"); !near(e.Y, el(t, b, "html>body>div[5]").Y) {
		t.Errorf("aaa<b>bbb</b>ccc broke before bbb: %+v", e)
	}
}

func strconvF(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

var htmlDocument = html.Node{Type: html.DocumentNode}

func TestPreAndBreaks(t *testing.T) {
	_, b := lay(t, ``, "<pre>a\n\tb\n</pre><p>x<br>y</p><p>z<br></p>")
	// Monospace defaults to 13px: Go Mono's content area is 15px.
	wantBox(t, b, "html>body>pre[1]", 8, 13, 784, 30)
	if got := lines(t, b, "html>body>pre[1]", 1); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("pre lines %q", got)
	}
	if got := lines(t, b, "html>body>p[1]", 1); !slices.Equal(got, []string{"x"}) {
		t.Errorf("br: %q", got)
	}
	if e := el(t, b, "html>body>p[1]"); !near(e.H, 36) {
		t.Errorf("two lines: %+v", e)
	}
	if e := el(t, b, "html>body>p[2]"); !near(e.H, 18) {
		t.Errorf("a final <br> opens no line: %+v", e)
	}
	if got := expandTabs("a\tb\t"); got != "a       b       " {
		t.Errorf("expandTabs %q", got)
	}
}

func TestTextAlignAndLineHeight(t *testing.T) {
	f := font.NewSet().Get(font.Key{})
	tw := f.Width("centred", 16)
	_, b := lay(t, `.c { text-align: center; width: 400px } .r { text-align: right; width: 400px }
		.lh { font-size: 13px; line-height: 1.4; width: 60px }`,
		`<div class="c">centred</div><div class="r">centred</div><p class="lh">aa bb cc dd ee ff gg hh ii</p>`)
	if l := b.Texts[0].Lines[0]; !near(l.X, 8+(400-tw)/2) {
		t.Errorf("centred at %g, want %g", l.X, 8+(400-tw)/2)
	}
	if l := b.Texts[1].Lines[0]; !near(l.X, 8+400-tw) {
		t.Errorf("right-aligned at %g", l.X)
	}
	// As Chromium: 13px × 1.4 = 18.2px is 18.1875 in layout units, and
	// the half-leading above the text is floored.
	p := el(t, b, "html>body>p[1]")
	n := len(b.Texts[2].Lines)
	if n < 2 || !near(p.H, float64(n)*18.1875) {
		t.Errorf("p height %g for %d lines", p.H, n)
	}
	if l := b.Texts[2].Lines[0]; !near(l.Y, p.Y+1) {
		t.Errorf("first line top %g, want %g", l.Y, p.Y+1)
	}
}

func TestInlineBoxesAndInlineBlocks(t *testing.T) {
	f := font.NewSet().Get(font.Key{})
	_, b := lay(t, `.p { padding: 2px 10px; border: 1px solid } .ib { display: inline-block; padding: 4px; border: 1px solid; margin: 2px }`,
		`<p>a <span class="p">mid</span> z</p><p>x <span class="ib">box</span> y</p>`)
	sp := el(t, b, "html>body>p[1]>span[1]")
	wantW := f.Width("mid", 16) + 22
	if !near(sp.W, wantW) || !near(sp.H, 18+6) || !near(sp.X, 8+f.Width("a ", 16)) {
		t.Errorf("inline span %+v, want width %g", sp, wantW)
	}
	z := b.Texts[len(b.Texts)-4].Lines[0] // " z"
	if !near(z.X, sp.X+sp.W) {
		t.Errorf("text after the span at %g, want %g", z.X, sp.X+sp.W)
	}
	ib := el(t, b, "html>body>p[2]>span[1]")
	if !near(ib.W, f.Width("box", 16)+10) || !near(ib.H, 18+10) {
		t.Errorf("inline-block %+v", ib)
	}
	// Its baseline (its text's) sits on the line's: the line grows by
	// what it adds above and below the strut.
	if p := el(t, b, "html>body>p[2]"); !near(p.H, 15+4+1+2+3+4+1+2) {
		t.Errorf("line with an inline-block is %g tall", p.H)
	}
}

func TestLimitsAndEmpty(t *testing.T) {
	tr, err := Build(&htmlDocument, nil, font.NewSet())
	if err != nil || tr.Root != nil {
		t.Fatalf("empty document: %v %v", tr, err)
	}
	tr.Layout(800, 600)
	if b := tr.Boxes(&htmlDocument); len(b.Elements) != 0 || b.ScrollHeight != 600 {
		t.Errorf("empty boxes %+v", b)
	}
}
