package waterfall

import (
	"image/color"
	"strconv"
	"strings"
	"time"
)

// The phases of a request, in drawing order.
const (
	phBlocked = iota
	phDNS
	phConnect
	phSend
	phWait
	phReceive
	nPhases
)

// phaseInfo describes each phase: its Request field, its name in the
// legend and tooltips, its SVG class and its colour (DevTools' timing
// colours: blocking #aaa, DNS #009688, connecting #ff9800, waiting
// #00c853, receiving #03a9f4; request sent in a lighter green).
var phaseInfo = [nPhases]struct {
	field, name, class string
	col                color.RGBA
	thin               bool // drawn thinner than the others
}{
	phBlocked: {"Blocked", "Queueing / blocked", "blocked", rgb(0xaaaaaa), true},
	phDNS:     {"DNS", "DNS lookup", "dns", rgb(0x009688), false},
	phConnect: {"Connect", "Initial connection", "connect", rgb(0xff9800), false},
	phSend:    {"Send", "Request sent", "send", rgb(0x8bd8a5), false},
	phWait:    {"Wait", "Waiting (TTFB)", "wait", rgb(0x00c853), false},
	phReceive: {"Receive", "Content download", "receive", rgb(0x03a9f4), false},
}

// The other colours of the chart.
var (
	colBackground = rgb(0xffffff)
	colStripe     = rgb(0xf5f5f5) // every other row
	colHeader     = rgb(0xf1f3f4) // header row
	colBorder     = rgb(0xcacdd1) // table border, column separators
	colGrid       = rgb(0xe3e5e8) // tick lines across the rows
	colText       = rgb(0x202124)
	colDim        = rgb(0x5f6368) // tick labels, summary, "(memory cache)"
	colError      = rgb(0xd93025) // failed requests, statuses from 400
	colCached     = rgb(0x5f6368) // the memory-cache marker
	colDCL        = rgb(0x1a73e8) // DOMContentLoaded
	colLoad       = rgb(0xd93025) // load
	colPaint      = rgb(0x1e8e3e) // first paint, first contentful paint
	colOtherMark  = rgb(0x9334e6)
)

func rgb(v uint32) color.RGBA {
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
}

// markColor picks a mark's colour from its label.
func markColor(label string) color.RGBA {
	l := strings.ToLower(label)
	switch {
	case strings.Contains(l, "domcontent") || strings.TrimSpace(l) == "dcl":
		return colDCL
	case strings.Contains(l, "load"):
		return colLoad
	case strings.Contains(l, "paint") || strings.TrimSpace(l) == "fcp" || strings.TrimSpace(l) == "fp":
		return colPaint
	}
	return colOtherMark
}

// The layout, in pixels. Columns, left to right: name, status, size,
// connection, then the waterfall, whose time axis runs from plotX (time
// 0) to plotX+plotW (the latest end of all charts drawn together).
const (
	pad     = 12.0
	nameX   = pad
	nameW   = 300.0
	statusX = nameX + nameW
	statusW = 56.0
	sizeX   = statusX + statusW
	sizeW   = 104.0
	connX   = sizeX + sizeW
	connW   = 48.0
	cellX   = connX + connW // the waterfall cell
	plotX   = cellX + 12
	plotW   = 560.0
	tableR  = plotX + plotW + 12 // right edge of the table
	width   = tableR + pad

	cellPad    = 6.0  // text inset in a cell
	titleBase  = 16.0 // baselines and boxes, from a panel's top
	summBase   = 36.0
	headerTop  = 46.0
	headerH    = 22.0
	rowsTop    = headerTop + headerH
	rowH       = 20.0
	textBase   = 14.0 // text baseline within a row or the header
	barInset   = 5.0  // a bar's top within its row
	barH       = 10.0
	thinInset  = 7.0 // a thin (blocked) bar
	thinH      = 6.0
	cachedW    = 2.0 // the memory-cache marker
	panelGap   = 24.0
	legendGap  = 16.0
	legendRowH = 18.0
	minTickPx  = 50.0 // the closest two ticks may be
)

// kind is what an item of a scene draws.
type kind uint8

const (
	kRect  kind = iota // filled rectangle x0,y0 – x1,y1
	kLine              // 1-pixel line from x0,y0 to x1,y1, vertical or horizontal
	kText              // text with its baseline at y0, anchored at x0
	kGroup             // SVG only: start a group whose tooltip is text
	kEnd               // SVG only: end the group
)

// anchor is where a text's x is.
type anchor uint8

const (
	anchorStart anchor = iota
	anchorEnd
)

// item is one thing to draw.
type item struct {
	kind           kind
	x0, y0, x1, y1 float64
	col            color.RGBA
	class          string // SVG class ("bar wait", "mark", ...)
	text           string // text, or a tooltip of a group or line
	st             style
	anchor         anchor
	clip           int // 1 + index into scene.clips, 0 for none
}

// clipRect clips text to a box (the name column of a panel).
type clipRect struct{ x0, y0, x1, y1 float64 }

// scene is a laid-out drawing that both writers draw.
type scene struct {
	w, h  float64
	title string // the document's title (SVG)
	clips []clipRect
	items []item
}

// builder lays out charts drawn on one time scale.
type builder struct {
	f     *fonts
	s     *scene
	end   time.Duration // the time at plotX+plotW
	step  time.Duration // between ticks
	exp   int           // step is m × 10^exp ns
	marks []Mark        // distinct mark labels for the legend, first seen first
}

// build validates charts and lays them out one above the other; names
// say which chart is which in errors.
func build(charts []Chart, names []string) (*scene, error) {
	for i := range charts {
		if err := validate(&charts[i], names[i]); err != nil {
			return nil, err
		}
	}
	f, err := newFonts()
	if err != nil {
		return nil, err
	}
	b := &builder{f: f, s: &scene{w: width}}
	for i := range charts {
		c := &charts[i]
		for j := range c.Requests {
			b.end = max(b.end, c.Requests[j].end())
		}
		for _, m := range c.Marks {
			b.end = max(b.end, m.At)
		}
	}
	if b.end <= 0 {
		b.end = time.Millisecond
	}
	b.chooseStep()

	var titles []string
	for i := range charts {
		if t := oneLine(charts[i].Title); t != "" {
			titles = append(titles, t)
		}
	}
	b.s.title = "Network waterfall"
	if len(titles) > 0 {
		b.s.title += ": " + strings.Join(titles, " vs ")
	}

	y := pad
	for i := range charts {
		if i > 0 {
			y += panelGap
		}
		y = b.panel(&charts[i], y)
	}
	y = b.legend(y + legendGap)
	b.s.h = y + pad
	return b.s, nil
}

// xOf returns the x of time t.
func (b *builder) xOf(t time.Duration) float64 {
	return plotX + plotW*float64(t)/float64(b.end)
}

// chooseStep picks the tick step: the smallest of 1, 2, 5 × 10^n ns
// whose ticks are at least minTickPx apart and far enough apart for
// their labels.
func (b *builder) chooseStep() {
	p := time.Duration(1)
	for exp := 0; ; exp++ {
		for _, m := range []time.Duration{1, 2, 5} {
			step := m * p
			px := plotW * float64(step) / float64(b.end)
			if step >= b.end || (px >= minTickPx &&
				px >= b.f.width(styleNormal, fmtTick(b.end/step*step, exp))+12) {
				b.step, b.exp = step, exp
				return
			}
		}
		p *= 10
	}
}

func (b *builder) add(it item) { b.s.items = append(b.s.items, it) }

func (b *builder) rect(x0, y0, x1, y1 float64, col color.RGBA, class string) {
	b.add(item{kind: kRect, x0: x0, y0: y0, x1: x1, y1: y1, col: col, class: class})
}

func (b *builder) line(x0, y0, x1, y1 float64, col color.RGBA, class, tip string) {
	b.add(item{kind: kLine, x0: x0, y0: y0, x1: x1, y1: y1, col: col, class: class, text: tip})
}

func (b *builder) text(x, y float64, s string, st style, a anchor, col color.RGBA, class string, clip int) {
	if s == "" {
		return
	}
	b.add(item{kind: kText, x0: x, y0: y, text: s, st: st, anchor: a, col: col, class: class, clip: clip})
}

// panel lays out chart c with its top at y and returns its bottom.
func (b *builder) panel(c *Chart, top float64) float64 {
	n := len(c.Requests)
	hTop := top + headerTop
	rTop := top + rowsTop
	bottom := rTop + rowH*float64(n)

	// Title and summary.
	b.text(pad, top+titleBase, b.f.fit(styleTitle, oneLine(c.Title), width-2*pad), styleTitle, anchorStart, colText, "title", 0)
	b.summary(c, top+summBase)

	// Header, stripes, tick lines, column separators.
	b.rect(pad, hTop, tableR, rTop, colHeader, "header")
	for i := 1; i < n; i += 2 {
		y := rTop + rowH*float64(i)
		b.rect(pad, y, tableR, y+rowH, colStripe, "stripe")
	}
	for t := time.Duration(0); t <= b.end; t += b.step {
		x := b.xOf(t)
		b.line(x, hTop, x, bottom, colGrid, "tick", "")
		if t > 0 {
			label := fmtTick(t, b.exp)
			if x-4-b.f.width(styleNormal, label) > cellX+2 {
				b.text(x-4, hTop+textBase+1, label, styleNormal, anchorEnd, colDim, "tick-label", 0)
			}
		}
	}
	for _, x := range []float64{statusX, sizeX, connX, cellX} {
		b.line(x+0.5, hTop, x+0.5, bottom, colBorder, "column", "")
	}
	hb := hTop + textBase + 1
	b.text(nameX+cellPad, hb, "Name", styleNormal, anchorStart, colText, "heading", 0)
	b.text(statusX+cellPad, hb, "Status", styleNormal, anchorStart, colText, "heading", 0)
	b.text(sizeX+sizeW-cellPad, hb, "Size", styleNormal, anchorEnd, colText, "heading", 0)
	b.text(connX+connW-cellPad, hb, "Conn", styleNormal, anchorEnd, colText, "heading", 0)

	// Rows.
	b.s.clips = append(b.s.clips, clipRect{nameX, rTop, statusX, bottom})
	clip := len(b.s.clips)
	for i := range c.Requests {
		b.row(&c.Requests[i], rTop+rowH*float64(i), clip)
	}

	// Marks, over the bars.
	for _, m := range c.Marks {
		x := b.xOf(m.At)
		label := oneLine(m.Label)
		b.line(x, hTop, x, bottom, markColor(label), "mark", markName(label)+": "+fmtMs(m.At))
		b.addLegendMark(Mark{label, m.At})
	}

	// The table's border.
	b.line(pad, hTop+0.5, tableR, hTop+0.5, colBorder, "border", "")
	b.line(pad, rTop-0.5, tableR, rTop-0.5, colBorder, "border", "")
	b.line(pad, bottom-0.5, tableR, bottom-0.5, colBorder, "border", "")
	b.line(pad+0.5, hTop, pad+0.5, bottom, colBorder, "border", "")
	b.line(tableR-0.5, hTop, tableR-0.5, bottom, colBorder, "border", "")
	return bottom
}

// markName is how a mark is named in the summary and legend.
func markName(label string) string {
	if label == "" {
		return "(mark)"
	}
	return label
}

// summary writes DevTools' status line: "12 requests | 45.3 kB
// transferred | Finish: 812 ms | DOMContentLoaded: 400 ms | load: 800 ms".
func (b *builder) summary(c *Chart, y float64) {
	var bytes int64
	var finish time.Duration
	for i := range c.Requests {
		r := &c.Requests[i]
		if !r.Cached && r.Size > 0 {
			bytes += int64(r.Size)
		}
		finish = max(finish, r.end())
	}
	reqs := strconv.Itoa(len(c.Requests)) + " requests"
	if len(c.Requests) == 1 {
		reqs = "1 request"
	}
	type part struct {
		s   string
		col color.RGBA
	}
	parts := []part{
		{reqs, colDim},
		{fmtSize(bytes) + " transferred", colDim},
		{"Finish: " + fmtMs(finish), colText},
	}
	for _, m := range c.Marks {
		l := oneLine(m.Label)
		parts = append(parts, part{markName(l) + ": " + fmtMs(m.At), markColor(l)})
	}
	x := pad
	sep := " | "
	for i, p := range parts {
		if i > 0 {
			b.text(x, y, sep, styleNormal, anchorStart, colBorder, "summary", 0)
			x += b.f.width(styleNormal, sep)
		}
		s := b.f.fit(styleNormal, p.s, width-pad-x)
		b.text(x, y, s, styleNormal, anchorStart, p.col, "summary", 0)
		x += b.f.width(styleNormal, s)
		if x >= width-pad-10 {
			break
		}
	}
}

// row lays out one request in the row whose top is y.
func (b *builder) row(r *Request, y float64, clip int) {
	label := oneLine(r.Label)
	status := strconv.Itoa(r.Status)
	textCol := colText
	if r.Status == 0 {
		status = "(failed)"
	}
	if r.Status == 0 || r.Status >= 400 {
		textCol = colError
	}
	size, sizeCol := "", colText
	switch {
	case r.Cached:
		size, sizeCol = "(memory cache)", colDim
	case r.Size >= 0:
		size = fmtSize(int64(r.Size))
	}
	conn := ""
	if r.ConnID > 0 && !r.Cached {
		conn = strconv.Itoa(r.ConnID)
	}

	b.add(item{kind: kGroup, class: "request", text: b.tooltip(r, label, status, size, conn)})
	tb := y + textBase
	b.text(nameX+cellPad, tb, b.f.fit(styleNormal, label, nameW-2*cellPad), styleNormal, anchorStart, textCol, "name", clip)
	b.text(statusX+cellPad, tb, b.f.fit(styleNormal, status, statusW-2*cellPad), styleNormal, anchorStart, textCol, "status", 0)
	b.text(sizeX+sizeW-cellPad, tb, size, styleNormal, anchorEnd, sizeCol, "size", 0)
	b.text(connX+connW-cellPad, tb, conn, styleNormal, anchorEnd, colText, "conn", 0)
	if r.Cached {
		x := b.xOf(r.Start)
		b.rect(x-cachedW/2, y+3, x+cachedW/2, y+rowH-3, colCached, "cached")
	} else {
		t := r.Start
		for p, d := range r.phases() {
			if d < 0 {
				continue
			}
			info := &phaseInfo[p]
			top, h := barInset, barH
			if info.thin {
				top, h = thinInset, thinH
			}
			b.rect(b.xOf(t), y+top, b.xOf(t+d), y+top+h, info.col, "bar "+info.class)
			t += d
		}
	}
	b.add(item{kind: kEnd})
}

// tooltip describes r in full for the SVG's row tooltip.
func (b *builder) tooltip(r *Request, label, status, size, conn string) string {
	var sb strings.Builder
	sb.WriteString(label)
	sb.WriteString("\n" + status)
	if size != "" {
		sb.WriteString(", " + size)
	}
	if conn != "" {
		sb.WriteString(", connection " + conn)
	}
	sb.WriteString("\nStart: " + fmtMs(r.Start))
	if !r.Cached {
		for p, d := range r.phases() {
			if d >= 0 {
				sb.WriteString("\n" + phaseInfo[p].name + ": " + fmtMs(d))
			}
		}
		sb.WriteString("\nEnd: " + fmtMs(r.end()))
	}
	return sb.String()
}

// addLegendMark notes m's label for the legend.
func (b *builder) addLegendMark(m Mark) {
	for _, l := range b.marks {
		if l.Label == m.Label {
			return
		}
	}
	b.marks = append(b.marks, m)
}

// legend lays out the colour key from y and returns its bottom.
func (b *builder) legend(y float64) float64 {
	type key struct {
		name  string
		col   color.RGBA
		class string
		w, h  float64 // swatch size
	}
	var keys []key
	for _, p := range phaseInfo {
		keys = append(keys, key{p.name, p.col, "legend " + p.class, 14, barH})
	}
	keys = append(keys, key{"Memory cache", colCached, "legend cached", cachedW, 14})
	for _, m := range b.marks {
		keys = append(keys, key{markName(m.Label), markColor(m.Label), "legend mark", 2, 14})
	}
	x := pad
	for _, k := range keys {
		name := b.f.fit(styleNormal, k.name, 200)
		w := k.w + 6 + b.f.width(styleNormal, name)
		if x > pad && x+w > width-pad {
			x, y = pad, y+legendRowH
		}
		mid := y + legendRowH/2
		b.rect(x, mid-k.h/2, x+k.w, mid+k.h/2, k.col, k.class)
		b.text(x+k.w+6, mid+4, name, styleNormal, anchorStart, colText, "legend-label", 0)
		x += w + 14
	}
	return y + legendRowH
}
