package page

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hopsnet/hops/browser/fetch"
	"github.com/hopsnet/hops/browser/layout"
)

// chromiumDir holds the layout test pages, the Go fonts they load through
// @font-face, and Chromium's boxes for each page (PAGE.boxes.json), written
// by scripts/chromium/boxes.js.
const chromiumDir = "../testdata/chromium"

// Floors: the scores hops achieved when the references were last
// regenerated. A change that lowers one fails the test; raise them as
// layout improves. The aims are in chromiumAims.
var chromiumFloors = score{Within1: 1, Within3: 1, Lines: 1, Pages: 1}

var chromiumAims = score{Within1: 0.90, Within3: 0.95, Lines: 0.95, Pages: 1}

// score is the share of element boxes within 1 and 3 px (x, y, w and h),
// of text nodes broken into the same lines, and of pages whose height is
// within 3 px.
type score struct {
	Within1, Within3, Lines, Pages float64
}

func (s score) String() string {
	return fmt.Sprintf("boxes within 1px %.1f%%, within 3px %.1f%%, identical line breaks %.1f%%, page heights within 3px %.1f%%",
		100*s.Within1, 100*s.Within3, 100*s.Lines, 100*s.Pages)
}

// tally counts matches for a score.
type tally struct {
	boxes, within1, within3 int
	texts, lines            int
	pages, heights          int
	// line rectangles of texts broken the same way, and how many of them
	// are within 1 px (reported, beyond the three scores)
	rects, rects1 int
	exact         int // boxes within 0.05 px
}

func (t *tally) add(o tally) {
	t.boxes += o.boxes
	t.within1 += o.within1
	t.within3 += o.within3
	t.texts += o.texts
	t.lines += o.lines
	t.pages += o.pages
	t.heights += o.heights
	t.rects += o.rects
	t.rects1 += o.rects1
	t.exact += o.exact
}

func (t tally) score() score {
	div := func(a, b int) float64 {
		if b == 0 {
			return 1
		}
		return float64(a) / float64(b)
	}
	return score{div(t.within1, t.boxes), div(t.within3, t.boxes), div(t.lines, t.texts), div(t.heights, t.pages)}
}

// compareBoxes scores got (hops) against want (Chromium) and describes
// every difference.
func compareBoxes(got, want layout.Boxes) (tally, []string) {
	var t tally
	var diffs []string
	els := map[string]layout.ElementBox{}
	for _, e := range got.Elements {
		els[e.Path] = e
	}
	for _, w := range want.Elements {
		if !w.HasBox {
			continue
		}
		t.boxes++
		g, ok := els[w.Path]
		if !ok || !g.HasBox {
			diffs = append(diffs, fmt.Sprintf("%s: no box in hops", w.Path))
			continue
		}
		d := max(math.Abs(g.X-w.X), math.Abs(g.Y-w.Y), math.Abs(g.W-w.W), math.Abs(g.H-w.H))
		if d <= 1 {
			t.within1++
		}
		if d <= 0.05 {
			t.exact++
		}
		if d <= 3 {
			t.within3++
		}
		if d > 1 {
			diffs = append(diffs, fmt.Sprintf("%s: hops (%g,%g %gx%g) chromium (%g,%g %gx%g)", w.Path, g.X, g.Y, g.W, g.H, w.X, w.Y, w.W, w.H))
		}
	}
	texts := map[string]layout.TextBox{}
	for _, x := range got.Texts {
		if x.TextIndex > 0 {
			texts[fmt.Sprintf("%s#%d", x.ParentPath, x.TextIndex)] = x
		}
	}
	for _, w := range want.Texts {
		wl := lineWords(w.Lines)
		if w.TextIndex == 0 || len(wl) == 0 {
			continue // white space, or not rendered
		}
		t.texts++
		key := fmt.Sprintf("%s#%d", w.ParentPath, w.TextIndex)
		gl := lineWords(texts[key].Lines)
		if slices.Equal(gl, wl) {
			t.lines++
			g, w := nonEmpty(texts[key].Lines), nonEmpty(w.Lines)
			for i := range w {
				t.rects++
				if max(math.Abs(g[i].X-w[i].X), math.Abs(g[i].Y-w[i].Y), math.Abs(g[i].W-w[i].W), math.Abs(g[i].H-w[i].H)) <= 1 {
					t.rects1++
				} else {
					diffs = append(diffs, fmt.Sprintf("text %s line %d %q: hops (%g,%g %gx%g) chromium (%g,%g %gx%g)", key, i+1, w[i].Text, g[i].X, g[i].Y, g[i].W, g[i].H, w[i].X, w[i].Y, w[i].W, w[i].H))
				}
			}
		} else {
			diffs = append(diffs, fmt.Sprintf("text %s: hops %q chromium %q", key, gl, wl))
		}
	}
	t.pages = 1
	if math.Abs(got.ScrollHeight-want.ScrollHeight) <= 3 {
		t.heights = 1
	} else {
		diffs = append(diffs, fmt.Sprintf("scroll_height: hops %g chromium %g", got.ScrollHeight, want.ScrollHeight))
	}
	return t, diffs
}

func nonEmpty(ls []layout.TextLine) []layout.TextLine {
	var out []layout.TextLine
	for _, l := range ls {
		if strings.TrimSpace(l.Text) != "" {
			out = append(out, l)
		}
	}
	return out
}

// lineWords gives each non-empty line's words, joined by one space.
func lineWords(ls []layout.TextLine) []string {
	var out []string
	for _, l := range ls {
		if w := strings.Join(strings.Fields(l.Text), " "); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// TestRenderChromium scores hops' layout of the test pages against
// Chromium's. Run with -v for the scores; HOPS_CHROMIUM_DIFFS=1 lists
// every box off by more than 1 px and every line break that differs.
// Pages named holdout-* were written before any tuning and are scored
// apart too, as the issue asks.
func TestRenderChromium(t *testing.T) {
	refs, err := filepath.Glob(filepath.Join(chromiumDir, "*.boxes.json"))
	if err != nil || len(refs) < 25 {
		t.Fatalf("want at least 25 reference pages in %s, found %d (%v)", chromiumDir, len(refs), err)
	}
	fsys := fetch.FS{FS: os.DirFS(chromiumDir)}
	var all, holdout tally
	for _, ref := range refs {
		name := strings.TrimSuffix(filepath.Base(ref), ".boxes.json")
		var want layout.Boxes
		b, err := os.ReadFile(ref)
		if err == nil {
			err = json.Unmarshal(b, &want)
		}
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		src, err := os.ReadFile(filepath.Join(chromiumDir, name+".html"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Load(src, fsys, Options{Width: 800, Height: 600})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tl, diffs := compareBoxes(p.Boxes(), want)
		all.add(tl)
		if strings.HasPrefix(name, "holdout-") {
			holdout.add(tl)
		}
		t.Logf("%-24s %s", name, tl.score())
		if os.Getenv("HOPS_CHROMIUM_DIFFS") != "" {
			for _, d := range diffs {
				t.Logf("    %s", d)
			}
		}
	}
	s := all.score()
	t.Logf("all %d pages: %s (%d boxes, %d texts)", all.pages, s, all.boxes, all.texts)
	t.Logf("boxes within 0.05px: %.1f%%", 100*float64(all.exact)/float64(max(all.boxes, 1)))
	t.Logf("text line rectangles within 1px: %.1f%% of %d", 100*float64(all.rects1)/float64(max(all.rects, 1)), all.rects)
	t.Logf("held-out %d pages: %s", holdout.pages, holdout.score())
	t.Logf("aims: %s", chromiumAims)
	const eps = 1e-9
	if s.Within1 < chromiumFloors.Within1-eps || s.Within3 < chromiumFloors.Within3-eps ||
		s.Lines < chromiumFloors.Lines-eps || s.Pages < chromiumFloors.Pages-eps {
		t.Errorf("layout regressed against Chromium:\n got %s\nfloor %s", s, chromiumFloors)
	}
}
