package waterfall

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var out = flag.String("out", "", "write sample waterfall.{svg,png} and compare.{svg,png} to this directory")

// ms is a duration of v milliseconds.
func ms(v float64) time.Duration { return time.Duration(math.Round(v * float64(time.Millisecond))) }

// h1Page and h2Page are one page loaded over HTTP/1.1 (six connections,
// requests queued behind each other) and over HTTP/2 (one connection).
func h1Page() Chart {
	return Chart{
		Title: "HTTP/1.1",
		Requests: []Request{
			{Label: "GET http://www.example.com/", Status: 200, Size: 14230, Start: 0, Blocked: ms(1.2), DNS: ms(24.1), Connect: ms(48.3), Send: ms(0.2), Wait: ms(52.4), Receive: ms(31.0), ConnID: 1},
			{Label: "GET /style.css", Status: 200, Size: 8120, Start: ms(160), Blocked: ms(1.0), DNS: -1, Connect: ms(48.0), Send: ms(0.1), Wait: ms(50.2), Receive: ms(12.4), ConnID: 2},
			{Label: "GET /app.js", Status: 200, Size: 48210, Start: ms(161), Blocked: ms(1.1), DNS: -1, Connect: ms(48.4), Send: ms(0.1), Wait: ms(49.8), Receive: ms(60.2), ConnID: 3},
			{Label: "GET /img/hero.jpg", Status: 200, Size: 182400, Start: ms(170), Blocked: ms(1.0), DNS: -1, Connect: ms(48.1), Send: ms(0.1), Wait: ms(51.0), Receive: ms(140.3), ConnID: 4},
			{Label: "GET /img/a.png", Status: 200, Size: 5210, Start: ms(171), Blocked: ms(1.0), DNS: -1, Connect: ms(48.2), Send: ms(0.1), Wait: ms(50.0), Receive: ms(4.1), ConnID: 5},
			{Label: "GET /img/b.png", Status: 200, Size: 6001, Start: ms(171), Blocked: ms(1.0), DNS: -1, Connect: ms(48.0), Send: ms(0.1), Wait: ms(50.3), Receive: ms(4.8), ConnID: 6},
			{Label: "GET /img/c.png", Status: 200, Size: 4830, Start: ms(172), Blocked: ms(102.9), DNS: -1, Connect: -1, Send: ms(0.1), Wait: ms(50.1), Receive: ms(3.9), ConnID: 2},
			{Label: "GET /img/d.png", Status: 304, Size: 210, Start: ms(172), Blocked: ms(108.5), DNS: -1, Connect: -1, Send: ms(0.1), Wait: ms(49.7), Receive: ms(0.3), ConnID: 5},
			{Label: "GET /logo.svg", Status: 200, Size: 1890, Start: ms(175), Cached: true},
			{Label: "GET /fonts/inter-var-latin-ext.woff2?v=3.19&display=swap", Status: 200, Size: 96320, Start: ms(290), Blocked: ms(0.5), DNS: -1, Connect: -1, Send: ms(0.1), Wait: ms(50.6), Receive: ms(78.0), ConnID: 3},
			{Label: "GET /favicon.ico", Status: 404, Size: 512, Start: ms(470), Blocked: ms(0.4), DNS: -1, Connect: -1, Send: ms(0.1), Wait: ms(49.9), Receive: ms(0.4), ConnID: 1},
			{Label: "GET http://api.example.net/items", Status: 0, Size: 0, Start: ms(430), Blocked: ms(0.6), DNS: ms(31.5), Connect: ms(200.0), Send: -1, Wait: -1, Receive: -1},
		},
		Marks: []Mark{{"first paint", ms(352)}, {"DOMContentLoaded", ms(424)}, {"load", ms(680)}},
	}
}

func h2Page() Chart {
	return Chart{
		Title: "HTTP/2",
		Requests: []Request{
			{Label: "GET https://www.example.com/", Status: 200, Size: 14230, Start: 0, Blocked: ms(1.2), DNS: ms(24.1), Connect: ms(96.5), Send: ms(0.2), Wait: ms(52.4), Receive: ms(31.0), ConnID: 1},
			{Label: "GET /style.css", Status: 200, Size: 8120, Start: ms(207), Blocked: ms(0.4), DNS: -1, Connect: -1, Send: ms(0.1), Wait: ms(50.2), Receive: ms(12.4), ConnID: 1},
			{Label: "GET /app.js", Status: 200, Size: 48210, Start: ms(207), Blocked: ms(0.4), DNS: -1, Connect: -1, Send: ms(0.1), Wait: ms(50.9), Receive: ms(72.2), ConnID: 1},
			{Label: "GET /img/hero.jpg", Status: 200, Size: 182400, Start: ms(210), Blocked: ms(0.3), DNS: -1, Connect: -1, Send: ms(0.1), Wait: ms(51.0), Receive: ms(161.3), ConnID: 1},
			{Label: "GET /img/a.png", Status: 200, Size: 5210, Start: ms(210), Blocked: ms(0.3), DNS: -1, Connect: -1, Send: ms(0.1), Wait: ms(52.0), Receive: ms(8.1), ConnID: 1},
			{Label: "GET /img/b.png", Status: 200, Size: 6001, Start: ms(210), Blocked: ms(0.3), DNS: -1, Connect: -1, Send: ms(0.1), Wait: ms(52.3), Receive: ms(9.8), ConnID: 1},
			{Label: "GET /img/c.png", Status: 200, Size: 4830, Start: ms(210), Blocked: ms(0.3), DNS: -1, Connect: -1, Send: ms(0.1), Wait: ms(52.1), Receive: ms(9.9), ConnID: 1},
			{Label: "GET /img/d.png", Status: 304, Size: 210, Start: ms(210), Blocked: ms(0.3), DNS: -1, Connect: -1, Send: ms(0.1), Wait: ms(51.7), Receive: ms(0.3), ConnID: 1},
			{Label: "GET /logo.svg", Status: 200, Size: 1890, Start: ms(212), Cached: true},
			{Label: "GET /fonts/inter-var-latin-ext.woff2?v=3.19&display=swap", Status: 200, Size: 96320, Start: ms(262), Blocked: ms(0.5), DNS: -1, Connect: -1, Send: ms(0.1), Wait: ms(50.6), Receive: ms(80.0), ConnID: 1},
			{Label: "GET /favicon.ico", Status: 404, Size: 512, Start: ms(400), Blocked: ms(0.4), DNS: -1, Connect: -1, Send: ms(0.1), Wait: ms(49.9), Receive: ms(0.4), ConnID: 1},
			{Label: "GET https://api.example.net/items", Status: 0, Size: 0, Start: ms(380), Blocked: ms(0.6), DNS: ms(31.5), Connect: ms(200.0), Send: -1, Wait: -1, Receive: -1},
		},
		Marks: []Mark{{"first paint", ms(318)}, {"DOMContentLoaded", ms(361)}, {"load", ms(475)}},
	}
}

// TestSample writes the sample charts when -out is given, and checks
// that they draw.
func TestSample(t *testing.T) {
	var svg1, svg2 bytes.Buffer
	if err := SVG(&svg1, h1Page()); err != nil {
		t.Fatal(err)
	}
	if err := CompareSVG(&svg2, h1Page(), h2Page()); err != nil {
		t.Fatal(err)
	}
	img1, err := PNG(h1Page())
	if err != nil {
		t.Fatal(err)
	}
	img2, err := ComparePNG(h1Page(), h2Page())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*bytes.Buffer{&svg1, &svg2} {
		checkXML(t, s.Bytes())
	}
	if *out == "" {
		return
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(*out, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("waterfall.svg", svg1.Bytes())
	write("compare.svg", svg2.Bytes())
	for name, img := range map[string]*image.RGBA{"waterfall.png": img1, "compare.png": img2} {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		write(name, b.Bytes())
	}
}

// checkXML walks doc with encoding/xml and checks that its root is an
// SVG element.
func checkXML(t *testing.T, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Space + " " + se.Name.Local
		}
	}
	if root != "http://www.w3.org/2000/svg svg" {
		t.Fatalf("root element is %q, want svg in the SVG namespace", root)
	}
}

// element is an element of a parsed SVG, with the request group it is in
// (-1 outside) and the text of its title child or its own text.
type element struct {
	name  string
	attr  map[string]string
	group int
	text  string
}

func (e element) f(t *testing.T, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(e.attr[name], 64)
	if err != nil {
		t.Fatalf("<%s> attribute %s=%q: %v", e.name, name, e.attr[name], err)
	}
	return v
}

// parseSVG returns the elements of doc in document order.
func parseSVG(t *testing.T, doc []byte) []element {
	t.Helper()
	checkXML(t, doc)
	d := xml.NewDecoder(bytes.NewReader(doc))
	var els []element
	var stack []int // indexes into els of the open elements
	groups := -1
	group := -1
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := element{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				e.attr[a.Name.Local] = a.Value
			}
			if e.name == "g" && e.attr["class"] == "request" {
				groups++
				group = groups
			}
			e.group = group
			els = append(els, e)
			stack = append(stack, len(els)-1)
		case xml.EndElement:
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if els[top].name == "g" {
				group = -1
			}
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			top := stack[len(stack)-1]
			if els[top].name == "title" && len(stack) > 1 {
				els[stack[len(stack)-2]].text += string(tok)
			}
			els[top].text += string(tok)
		}
	}
	return els
}

// bars returns the phase bars of each request group.
func bars(els []element) map[int][]element {
	m := map[int][]element{}
	for _, e := range els {
		if e.name == "rect" && strings.HasPrefix(e.attr["class"], "bar ") {
			m[e.group] = append(m[e.group], e)
		}
	}
	return m
}

// wantX is the x of time d on a scale whose right end is end.
func wantX(d, end time.Duration) float64 { return plotX + plotW*float64(d)/float64(end) }

const tol = 0.011 // coordinates have two decimals

func near(a, b float64) bool { return math.Abs(a-b) <= tol }

var phaseClasses = [nPhases]string{"bar blocked", "bar dns", "bar connect", "bar send", "bar wait", "bar receive"}

// checkBars checks that the bars of the request groups from first on
// match c's requests, on a scale ending at end.
func checkBars(t *testing.T, els []element, first int, c Chart, end time.Duration) {
	t.Helper()
	got := bars(els)
	for i, r := range c.Requests {
		g := got[first+i]
		type bar struct {
			class  string
			x, w   float64
			t0, t1 time.Duration
		}
		var want []bar
		if !r.Cached {
			tm := r.Start
			for p, d := range r.phases() {
				if d < 0 {
					continue
				}
				want = append(want, bar{phaseClasses[p], wantX(tm, end), wantX(tm+d, end) - wantX(tm, end), tm, tm + d})
				tm += d
			}
		}
		if len(g) != len(want) {
			t.Errorf("request %d (%s): %d bars, want %d (one per phase that applies)", i, r.Label, len(g), len(want))
			continue
		}
		for j, w := range want {
			e := g[j]
			if e.attr["class"] != w.class {
				t.Errorf("request %d bar %d: class %q, want %q", i, j, e.attr["class"], w.class)
			}
			if x := e.f(t, "x"); !near(x, w.x) {
				t.Errorf("request %d %s: x=%v, want %.3f (time %v)", i, w.class, x, w.x, w.t0)
			}
			if wd := e.f(t, "width"); !near(wd, w.w) {
				t.Errorf("request %d %s: width=%v, want %.3f (%v)", i, w.class, wd, w.w, w.t1-w.t0)
			}
		}
	}
}

func TestSVGBars(t *testing.T) {
	tests := []struct {
		name string
		c    Chart
		end  time.Duration
	}{
		{"h1 page", h1Page(), ms(680)}, // the load mark is the latest
		{"h2 page", h2Page(), ms(612.1)},
		{"phases", Chart{Requests: []Request{
			{Label: "all", Start: 0, Blocked: ms(10), DNS: ms(20), Connect: ms(30), Send: ms(1), Wait: ms(200), Receive: ms(739)},
			{Label: "some skipped", Start: ms(100), Blocked: -1, DNS: -1, Connect: ms(50), Send: -1, Wait: ms(100), Receive: -1},
			{Label: "zero phases", Start: ms(500), Blocked: 0, DNS: 0, Connect: 0, Send: 0, Wait: 0, Receive: ms(500)},
			{Label: "none apply", Start: ms(10), Blocked: -1, DNS: -1, Connect: -1, Send: -1, Wait: -1, Receive: -1},
			{Label: "cached", Start: ms(20), Blocked: ms(5000), Wait: ms(5000), Cached: true},
			{Label: "huge negative", Start: ms(30), Blocked: math.MinInt64, Wait: ms(70), Receive: -1 << 62},
		}}, time.Second},
		{"sub-millisecond", Chart{Requests: []Request{
			{Label: "fast", Start: 0, Wait: 300 * time.Microsecond, Receive: 450 * time.Microsecond},
			{Label: "faster", Start: 200 * time.Microsecond, Wait: 10 * time.Microsecond, Receive: time.Microsecond},
		}}, 750 * time.Microsecond},
		{"all cached at 0", Chart{Requests: []Request{{Label: "a", Cached: true}, {Label: "b", Cached: true}}}, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := SVG(&buf, tt.c); err != nil {
				t.Fatal(err)
			}
			els := parseSVG(t, buf.Bytes())
			groups := 0
			cached := 0
			for _, e := range els {
				if e.name == "g" && e.attr["class"] == "request" {
					groups++
				}
				if e.name == "rect" && e.attr["class"] == "cached" {
					cached++
					r := tt.c.Requests[e.group]
					if x := e.f(t, "x") + e.f(t, "width")/2; !r.Cached || !near(x, wantX(r.Start, tt.end)) {
						t.Errorf("cached marker of %q at x=%v, want %v", r.Label, x, wantX(r.Start, tt.end))
					}
				}
			}
			if groups != len(tt.c.Requests) {
				t.Errorf("%d request groups, want %d", groups, len(tt.c.Requests))
			}
			wantCached := 0
			for _, r := range tt.c.Requests {
				if r.Cached {
					wantCached++
				}
			}
			if cached != wantCached {
				t.Errorf("%d cached markers, want %d", cached, wantCached)
			}
			checkBars(t, els, 0, tt.c, tt.end)
		})
	}
}

func TestMarks(t *testing.T) {
	c := h1Page()
	var buf bytes.Buffer
	if err := SVG(&buf, c); err != nil {
		t.Fatal(err)
	}
	var lines []element
	for _, e := range parseSVG(t, buf.Bytes()) {
		if e.name == "line" && e.attr["class"] == "mark" {
			lines = append(lines, e)
		}
	}
	if len(lines) != len(c.Marks) {
		t.Fatalf("%d mark lines, want %d", len(lines), len(c.Marks))
	}
	end := ms(680)
	wantCol := map[string]string{"first paint": "#1e8e3e", "DOMContentLoaded": "#1a73e8", "load": "#d93025"}
	for i, m := range c.Marks {
		e := lines[i]
		x1, x2 := e.f(t, "x1"), e.f(t, "x2")
		if !near(x1, wantX(m.At, end)) || x1 != x2 {
			t.Errorf("mark %s: x1=%v x2=%v, want both %.3f", m.Label, x1, x2, wantX(m.At, end))
		}
		if e.f(t, "y2")-e.f(t, "y1") < rowH*float64(len(c.Requests)) {
			t.Errorf("mark %s: line from y=%v to %v does not cross all rows", m.Label, e.attr["y1"], e.attr["y2"])
		}
		if e.attr["stroke"] != wantCol[m.Label] {
			t.Errorf("mark %s: stroke %s, want %s", m.Label, e.attr["stroke"], wantCol[m.Label])
		}
		if !strings.HasPrefix(e.text, m.Label+": ") {
			t.Errorf("mark %s: title %q", m.Label, e.text)
		}
	}
	if x := lines[2].f(t, "x1"); !near(x, plotX+plotW) {
		t.Errorf("the latest mark (load) is at x=%v, want the right end of the axis %v", x, plotX+plotW)
	}
}

func TestTicks(t *testing.T) {
	tests := []struct {
		end  time.Duration
		step time.Duration
		last string // the label of the last tick
	}{
		{ms(662), ms(100), "600 ms"},
		{ms(1000), ms(200), "1000 ms"},
		{ms(5400), ms(1000), "5000 ms"},
		{ms(37), ms(5), "35 ms"},
		{750 * time.Microsecond, 100 * time.Microsecond, "0.7 ms"},
		{ms(3), ms(0.5), "3.0 ms"},
		{MaxTime, 20000000 * time.Millisecond, "80000000 ms"},
	}
	for _, tt := range tests {
		c := Chart{Requests: []Request{{Label: "r", Blocked: -1, DNS: -1, Connect: -1, Send: -1, Wait: tt.end, Receive: -1}}}
		var buf bytes.Buffer
		if err := SVG(&buf, c); err != nil {
			t.Fatal(err)
		}
		var ticks []float64
		var labels []string
		for _, e := range parseSVG(t, buf.Bytes()) {
			switch {
			case e.name == "line" && e.attr["class"] == "tick":
				ticks = append(ticks, e.f(t, "x1"))
			case e.name == "text" && e.attr["class"] == "tick-label":
				labels = append(labels, e.text)
			}
		}
		n := int(tt.end/tt.step) + 1
		if len(ticks) != n {
			t.Errorf("end %v: %d ticks, want %d (step %v)", tt.end, len(ticks), n, tt.step)
			continue
		}
		for i, x := range ticks {
			if want := wantX(time.Duration(i)*tt.step, tt.end); !near(x, want) {
				t.Errorf("end %v: tick %d at x=%v, want %.3f", tt.end, i, x, want)
			}
			if i > 0 && x-ticks[i-1] < minTickPx-tol {
				t.Errorf("end %v: ticks %d and %d only %.1f px apart", tt.end, i-1, i, x-ticks[i-1])
			}
		}
		if len(labels) != n-1 || labels[len(labels)-1] != tt.last {
			t.Errorf("end %v: tick labels %q, want %d ending in %q", tt.end, labels, n-1, tt.last)
		}
	}
}

func TestEscaping(t *testing.T) {
	label := `GET /search?q=<b>&x="1"&y='2'`
	title := `A & B <"quoted">`
	mark := `<mark> & "more"`
	c := Chart{
		Title: title,
		Requests: []Request{
			{Label: label, Status: 200, Size: 10, Wait: ms(10), Receive: ms(5)},
			{Label: "bad \xff bytes\x00 and\ncontrol\x1b chars \uffff", Status: 200, Wait: ms(10)},
		},
		Marks: []Mark{{mark, ms(12)}},
	}
	var buf bytes.Buffer
	if err := SVG(&buf, c); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	for _, raw := range []string{"<b>", `x="1"`, "&x=", "<mark>", `<"quoted">`, "\x00", "\x1b"} {
		if strings.Contains(doc, raw) {
			t.Errorf("SVG contains %q unescaped", raw)
		}
	}
	if !strings.Contains(doc, "GET /search?q=&lt;b&gt;&amp;x=&quot;1&quot;&amp;y=&#39;2&#39;") {
		t.Errorf("SVG lacks the escaped label")
	}
	texts := map[string]bool{}
	for _, e := range parseSVG(t, buf.Bytes()) {
		if e.name == "text" {
			texts[e.text] = true
		}
	}
	for _, want := range []string{label, title, `<mark> & "more": 12.0 ms`, "bad \uFFFD bytes  and control  chars \uFFFD"} {
		if !texts[want] {
			t.Errorf("no text element reads %q", want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	svg := func(f func(io.Writer) error) []byte {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	img := func(f func() (*image.RGBA, error)) *image.RGBA {
		m, err := f()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	one := func(w io.Writer) error { return SVG(w, h1Page()) }
	two := func(w io.Writer) error { return CompareSVG(w, h1Page(), h2Page()) }
	if !bytes.Equal(svg(one), svg(one)) {
		t.Error("SVG: same chart, different bytes")
	}
	if !bytes.Equal(svg(two), svg(two)) {
		t.Error("CompareSVG: same charts, different bytes")
	}
	p1 := func() (*image.RGBA, error) { return PNG(h1Page()) }
	p2 := func() (*image.RGBA, error) { return ComparePNG(h1Page(), h2Page()) }
	for name, f := range map[string]func() (*image.RGBA, error){"PNG": p1, "ComparePNG": p2} {
		a, b := img(f), img(f)
		if a.Bounds() != b.Bounds() || !bytes.Equal(a.Pix, b.Pix) {
			t.Errorf("%s: same chart, different pixels", name)
		}
	}
}

// TestPNGColours samples the image inside bars and on marks.
func TestPNGColours(t *testing.T) {
	c := Chart{
		Title: "colours",
		Requests: []Request{
			{Label: "GET /", Status: 200, Size: 1000, Start: 0, Blocked: ms(40), DNS: ms(100), Connect: ms(100), Send: ms(2), Wait: ms(400), Receive: ms(300)},
			{Label: "GET /cached", Status: 200, Start: ms(500), Cached: true},
		},
		Marks: []Mark{{"DOMContentLoaded", ms(600)}, {"load", ms(900)}},
	}
	end := ms(942)
	img, err := PNG(c)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := SVG(&buf, c); err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, buf.Bytes())[0]
	if b := img.Bounds(); float64(b.Dx()) != root.f(t, "width") || float64(b.Dy()) != root.f(t, "height") {
		t.Errorf("PNG is %v, SVG %sx%s", b.Size(), root.attr["width"], root.attr["height"])
	}
	row0 := int(pad + rowsTop) // top of the first row
	mid := row0 + int(rowH/2)  // the middle of the first row
	mid1 := mid + int(rowH)    // and of the second
	at := func(a, b time.Duration) int { return int((wantX(a, end) + wantX(b, end)) / 2) }
	tests := []struct {
		what string
		x, y int
		want color.RGBA
	}{
		{"waiting (TTFB)", at(ms(242), ms(642)), mid, rgb(0x00c853)},
		{"waiting (TTFB), edge row", at(ms(242), ms(642)), row0 + int(barInset) + 1, rgb(0x00c853)},
		{"blocked", at(0, ms(40)), mid, rgb(0xaaaaaa)},
		{"DNS", at(ms(40), ms(140)), mid, rgb(0x009688)},
		{"initial connection", at(ms(140), ms(240)), mid, rgb(0xff9800)},
		{"content download", at(ms(642), ms(942)), mid, rgb(0x03a9f4)},
		{"above the bar", at(ms(242), ms(642)), row0 + 2, colBackground},
		{"memory cache marker", int(wantX(ms(500), end)), mid1, colCached},
		{"DOMContentLoaded", int(wantX(ms(600), end)), mid1 - 8, colDCL},
		{"load", int(wantX(ms(900), end)), mid1 - 8, colLoad},
	}
	for _, tt := range tests {
		if got := img.RGBAAt(tt.x, tt.y); got != tt.want {
			t.Errorf("%s: pixel (%d,%d) is %v, want %v", tt.what, tt.x, tt.y, got, tt.want)
		}
	}
}

// TestCompareScale: both charts share one time scale, so a request with
// the same timings has the same bar in both, and the chart that finished
// later sets the scale for both.
func TestCompareScale(t *testing.T) {
	same := Request{Label: "GET /same", Status: 200, Size: 100, Start: ms(100), Blocked: ms(5), DNS: -1, Connect: ms(50), Send: ms(1), Wait: ms(120), Receive: ms(80)}
	a := Chart{Title: "fast", Requests: []Request{same, {Label: "GET /a", Status: 200, Start: 0, Wait: ms(400), Receive: ms(100)}}}
	b := Chart{Title: "slow", Requests: []Request{
		{Label: "GET /b", Status: 200, Start: 0, Wait: ms(1500), Receive: ms(500)},
		same,
		{Label: "GET /c", Status: 200, Start: ms(10), Wait: ms(20)},
	}, Marks: []Mark{{"load", ms(1800)}}}
	end := ms(2000) // b's end
	var buf bytes.Buffer
	if err := CompareSVG(&buf, a, b); err != nil {
		t.Fatal(err)
	}
	els := parseSVG(t, buf.Bytes())
	checkBars(t, els, 0, a, end)
	checkBars(t, els, len(a.Requests), b, end)
	got := bars(els)
	ba, bb := got[0], got[len(a.Requests)+1]
	if len(ba) != len(bb) {
		t.Fatalf("the same request has %d bars in the first chart, %d in the second", len(ba), len(bb))
	}
	for i := range ba {
		if ba[i].attr["x"] != bb[i].attr["x"] || ba[i].attr["width"] != bb[i].attr["width"] {
			t.Errorf("%s: x=%s width=%s in the first chart, x=%s width=%s in the second",
				ba[i].attr["class"], ba[i].attr["x"], ba[i].attr["width"], bb[i].attr["x"], bb[i].attr["width"])
		}
	}
	var titles []string
	for _, e := range els {
		if e.name == "text" && e.attr["class"] == "title" {
			titles = append(titles, e.text)
		}
	}
	if strings.Join(titles, ",") != "fast,slow" {
		t.Errorf("titles %q, want fast, slow", titles)
	}

	// The PNG: the same request's wait bar covers the same columns.
	img, err := ComparePNG(a, b)
	if err != nil {
		t.Fatal(err)
	}
	span := func(e element) (int, int) {
		y := int(e.f(t, "y") + e.f(t, "height")/2)
		x0, x1 := -1, -1
		for x := 0; x < img.Bounds().Dx(); x++ {
			if img.RGBAAt(x, y) == phaseInfo[phWait].col {
				if x0 < 0 {
					x0 = x
				}
				x1 = x + 1
			}
		}
		return x0, x1
	}
	a0, a1 := span(ba[3])
	b0, b1 := span(bb[3])
	if a0 < 0 || a0 != b0 || a1 != b1 {
		t.Errorf("wait bar of the same request: columns %d–%d in the first chart, %d–%d in the second", a0, a1, b0, b1)
	}
	if w, want := float64(a1-a0), plotW*float64(ms(120))/float64(end); math.Abs(w-want) > 1 {
		t.Errorf("wait bar is %v px wide, want %.1f", w, want)
	}
}

func TestBadInput(t *testing.T) {
	ok := Request{Label: "ok", Status: 200, Wait: ms(10)}
	many := make([]Request, MaxRequests+1)
	for i := range many {
		many[i] = ok
	}
	tests := []struct {
		name string
		c    Chart
		want string
	}{
		{"no requests", Chart{Title: "empty", Marks: []Mark{{"load", ms(1)}}}, "no requests"},
		{"too many requests", Chart{Requests: many}, "1001 requests"},
		{"negative start", Chart{Requests: []Request{ok, {Label: "neg", Start: -ms(1)}}}, `request 1 ("neg"): negative Start -1ms`},
		{"huge start", Chart{Requests: []Request{{Label: "x", Start: math.MaxInt64}}}, "Start 2562047h47m16.854775807s is beyond 24h0m0s"},
		{"huge phase", Chart{Requests: []Request{{Label: "x", Wait: math.MaxInt64}}}, "Wait 2562047h47m16.854775807s is beyond"},
		{"phases overflow together", Chart{Requests: []Request{{Label: "x", Start: MaxTime, Blocked: MaxTime, DNS: MaxTime, Connect: MaxTime, Send: MaxTime, Wait: MaxTime, Receive: MaxTime}}}, "ends at 168h0m0s, beyond"},
		{"end just beyond", Chart{Requests: []Request{{Label: "x", Start: MaxTime, Receive: 1}}}, "ends at 24h0m0.000000001s"},
		{"negative mark", Chart{Requests: []Request{ok}, Marks: []Mark{{"load", -1}}}, `mark 0 ("load") at -1ns`},
		{"huge mark", Chart{Requests: []Request{ok}, Marks: []Mark{{"x", math.MaxInt64}}}, "mark 0"},
		{"bad status", Chart{Requests: []Request{{Label: "x", Status: -3}}}, "status -3"},
		{"huge status", Chart{Requests: []Request{{Label: "x", Status: 1 << 40}}}, "is not an HTTP status"},
	}
	good := Chart{Title: "good", Requests: []Request{ok}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(fn string, err error, want string) {
				t.Helper()
				if err == nil {
					t.Fatalf("%s: no error, want one containing %q", fn, want)
				}
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("%s: %v does not wrap ErrInvalid", fn, err)
				}
				if !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "waterfall: ") {
					t.Errorf("%s: error %q, want one containing %q", fn, err, want)
				}
			}
			var buf bytes.Buffer
			check("SVG", SVG(&buf, tt.c), tt.want)
			if buf.Len() != 0 {
				t.Errorf("SVG wrote %d bytes before failing", buf.Len())
			}
			img, err := PNG(tt.c)
			check("PNG", err, tt.want)
			if img != nil {
				t.Error("PNG returned an image with its error")
			}
			check("CompareSVG", CompareSVG(&buf, good, tt.c), "second chart")
			check("CompareSVG", CompareSVG(&buf, good, tt.c), tt.want)
			_, err = ComparePNG(tt.c, good)
			check("ComparePNG", err, "first chart")
		})
	}
}

// TestWriteError: a failing writer's error comes back.
func TestWriteError(t *testing.T) {
	if err := SVG(failWriter{}, h1Page()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("SVG to a failing writer: %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestFormat(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{num(12), "12"}, {num(12.5), "12.5"}, {num(12.255), "12.26"}, {num(-0.001), "0"}, {num(0.004), "0"}, {num(100), "100"},
		{fmtMs(0), "0 ms"}, {fmtMs(850 * time.Microsecond), "0.85 ms"}, {fmtMs(1500), "1.5 µs"}, {fmtMs(ms(12.34)), "12.3 ms"},
		{fmtMs(ms(412.4)), "412 ms"}, {fmtMs(ms(1240)), "1.24 s"}, {fmtMs(MaxTime), "86400 s"},
		{fmtSize(0), "0 B"}, {fmtSize(999), "999 B"}, {fmtSize(14230), "14.2 kB"}, {fmtSize(1_300_000), "1.3 MB"},
		{fmtTick(ms(200), 8), "200 ms"}, {fmtTick(ms(0.5), 5), "0.5 ms"}, {fmtTick(ms(0.02), 4), "0.02 ms"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
