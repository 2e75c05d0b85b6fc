// Package tcpplot draws a TCP connection's time-sequence graph, the way
// tcptrace and Wireshark's "Stevens"/tcptrace graphs draw it, from a
// [tcpview.Recording]: each data segment the sender sent as a vertical
// bar from its first to its last byte at the time it left (black, or red
// when it was sent again), the acknowledged number as a green step line,
// the edge of the receiver's window (ack + window) as a yellow step
// line, and the receiver's SACK blocks as purple bars. A second panel
// below, on the same time axis, shows the sender's congestion window and
// slow-start threshold.
//
// The drawing uses gonum.org/v1/plot; the same recording always gives
// the same PNG, byte for byte.
package tcpplot

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace/tcpview"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The colours tcptrace uses.
var (
	colSent   = color.RGBA{0, 0, 0, 255}       // data segments
	colResent = color.RGBA{220, 0, 0, 255}     // retransmissions
	colAck    = color.RGBA{0, 160, 0, 255}     // ACK line
	colWindow = color.RGBA{210, 170, 0, 255}   // receive window edge
	colSACK   = color.RGBA{150, 0, 190, 255}   // SACK blocks
	colCwnd   = color.RGBA{0, 70, 200, 255}    // congestion window
	colSsth   = color.RGBA{220, 0, 0, 255}     // slow-start threshold
	colGrid   = color.RGBA{225, 225, 225, 255} // grid
)

// Bar is one vertical bar of the graph: bytes [Lo, Hi) at time X
// (seconds).
type Bar struct{ X, Lo, Hi float64 }

// Graph is a recording laid out for drawing. Its fields are the data the
// plots draw, so that a test can compare them with the capture.
type Graph struct {
	Seq, Cwnd *plot.Plot

	Sent, Resent []Bar       // data segments: first sent, sent again
	SACK         []Bar       // SACK blocks, at the time their ACK arrived
	Ack, Window  plotter.XYs // acknowledged number and window edge over time
	CwndLine     plotter.XYs // congestion window over time
	Ssthresh     plotter.XYs // slow-start threshold, once it is set
}

// noSsthresh is the threshold a sender starts with ("arbitrarily high",
// RFC 5681): from this value up, it is not drawn.
const noSsthresh = 1 << 30

// New lays out r.
func New(r *tcpview.Recording) *Graph {
	g := &Graph{}
	sec := func(t sim.Time) float64 { return t.Seconds() }
	xmin, xmax := sec(r.Start), sec(r.Start)
	ext := func(t sim.Time) { xmax = math.Max(xmax, sec(t)) }
	top := 0.0 // the highest byte a segment, an ACK or a SACK block names
	for _, s := range r.Segments {
		top = math.Max(top, float64(s.End))
	}
	for _, s := range r.Segments {
		b := Bar{sec(s.At), float64(s.Seq), float64(s.End)}
		if s.Retransmit {
			g.Resent = append(g.Resent, b)
		} else {
			g.Sent = append(g.Sent, b)
		}
		ext(s.At)
	}
	for _, a := range r.Acks {
		x := sec(a.At)
		g.Ack = append(g.Ack, plotter.XY{X: x, Y: float64(a.Ack)})
		top = math.Max(top, float64(a.Ack))
		g.Window = append(g.Window, plotter.XY{X: x, Y: float64(a.Window)})
		for _, b := range a.SACK {
			g.SACK = append(g.SACK, Bar{x, float64(b.Left), float64(b.Right)})
		}
		ext(a.At)
	}
	for _, c := range r.Cwnd {
		x := sec(c.At)
		g.CwndLine = append(g.CwndLine, plotter.XY{X: x, Y: float64(c.Cwnd)})
		if c.Ssthresh < noSsthresh {
			g.Ssthresh = append(g.Ssthresh, plotter.XY{X: x, Y: float64(c.Ssthresh)})
		}
	}
	if xmax <= xmin {
		xmax = xmin + 0.001
	}
	xmax += (xmax - xmin) * 0.02 // room for the last segment's ticks
	// The lines hold their last value to the end of the graph.
	for _, l := range []*plotter.XYs{&g.Ack, &g.Window, &g.CwndLine} {
		if n := len(*l); n > 0 && (*l)[n-1].X < xmax {
			*l = append(*l, plotter.XY{X: xmax, Y: (*l)[n-1].Y})
		}
	}

	g.Seq = newPlot(fmt.Sprintf("%s → %s: time-sequence graph (tcptrace / Stevens)", r.Client, r.Server),
		"relative sequence number (bytes)", xmin, xmax)
	// The window edge is often far above the data (a 4 MiB buffer over
	// a 300 kB transfer): the graph is scaled to the data, as tcptrace
	// zooms, and the window line leaves it at the top.
	ymax := math.Max(top*1.05, 1)
	if w := step(g.Window, colWindow, nil); w != nil {
		g.Seq.Add(w)
		name := "receive window edge (ack + window)"
		if lowest(g.Window) > ymax {
			name += fmt.Sprintf(", above the graph: ≥ %.0f bytes", lowest(g.Window))
		}
		g.Seq.Legend.Add(name, w)
	}
	if a := step(g.Ack, colAck, nil); a != nil {
		g.Seq.Add(a)
		g.Seq.Legend.Add("acknowledged (ack)", a)
	}
	sack := &bars{bars: g.SACK, color: colSACK, width: 1.5}
	sent := &bars{bars: g.Sent, color: colSent, width: 1}
	resent := &bars{bars: g.Resent, color: colResent, width: 2}
	g.Seq.Add(sack, sent, resent)
	// Add widened the axes to every plotter's data; fix them now.
	g.Seq.X.Min, g.Seq.X.Max = xmin, xmax
	g.Seq.Y.Min, g.Seq.Y.Max = 0, ymax
	g.Seq.Legend.Add("data segment", sent)
	g.Seq.Legend.Add("retransmission", resent)
	g.Seq.Legend.Add("SACK block", sack)
	g.Seq.Legend.Top, g.Seq.Legend.Left = true, true
	g.Seq.Legend.XOffs, g.Seq.Legend.YOffs = vg.Points(8), vg.Points(-8)

	g.Cwnd = newPlot("", "bytes", xmin, xmax)
	g.Cwnd.X.Label.Text = "time (s, virtual)"
	g.Cwnd.Y.Min = 0
	if c := step(g.CwndLine, colCwnd, nil); c != nil {
		c.Width = vg.Points(1.5)
		g.Cwnd.Add(c)
		g.Cwnd.Legend.Add("congestion window (cwnd)", c)
	}
	if s := step(g.Ssthresh, colSsth, []vg.Length{vg.Points(5), vg.Points(3)}); s != nil {
		g.Cwnd.Add(s)
		g.Cwnd.Legend.Add("slow-start threshold (ssthresh)", s)
	}
	g.Cwnd.X.Min, g.Cwnd.X.Max = xmin, xmax
	g.Cwnd.Y.Min, g.Cwnd.Y.Max = 0, math.Max(g.Cwnd.Y.Max*1.08, 1)
	g.Cwnd.Legend.Top, g.Cwnd.Legend.Left = true, true
	g.Cwnd.Legend.XOffs, g.Cwnd.Legend.YOffs = vg.Points(8), vg.Points(-4)
	return g
}

// lowest returns the smallest Y of xy.
func lowest(xy plotter.XYs) float64 {
	m := math.Inf(1)
	for _, p := range xy {
		m = math.Min(m, p.Y)
	}
	return m
}

func newPlot(title, ylabel string, xmin, xmax float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(8)
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.Y.Label.Text = ylabel
	p.X.Min, p.X.Max = xmin, xmax
	p.X.Tick.Marker = plainTicks{}
	p.Y.Tick.Marker = plainTicks{}
	gr := plotter.NewGrid()
	gr.Vertical.Color, gr.Horizontal.Color = colGrid, colGrid
	p.Add(gr)
	return p
}

// step returns a step line through xy (each value holds until the next
// one), or nil for no points.
func step(xy plotter.XYs, c color.Color, dashes []vg.Length) *plotter.Line {
	if len(xy) == 0 {
		return nil
	}
	l, err := plotter.NewLine(xy)
	if err != nil {
		return nil
	}
	l.StepStyle = plotter.PostStep
	l.Color = c
	l.Width = vg.Points(1)
	l.Dashes = dashes
	return l
}

// bars draws vertical bars with short ticks at both ends, as tcptrace
// draws segments.
type bars struct {
	bars  []Bar
	color color.Color
	width float64
}

func (b *bars) style() draw.LineStyle {
	return draw.LineStyle{Color: b.color, Width: vg.Points(b.width)}
}

// Plot implements plot.Plotter.
func (b *bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := b.style()
	tick := vg.Points(2)
	for _, r := range b.bars {
		x, lo, hi := trX(r.X), trY(r.Lo), trY(r.Hi)
		if !c.ContainsX(x) {
			continue
		}
		c.StrokeLine2(sty, x, lo, x, hi)
		c.StrokeLine2(sty, x-tick, lo, x+tick, lo)
		c.StrokeLine2(sty, x-tick, hi, x+tick, hi)
	}
}

// DataRange implements plot.DataRanger.
func (b *bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, r := range b.bars {
		xmin, xmax = math.Min(xmin, r.X), math.Max(xmax, r.X)
		ymin, ymax = math.Min(ymin, r.Lo), math.Max(ymax, r.Hi)
	}
	if len(b.bars) == 0 {
		return 0, 0, 0, 0
	}
	return
}

// Thumbnail implements plot.Thumbnailer.
func (b *bars) Thumbnail(c *draw.Canvas) {
	x := (c.Min.X + c.Max.X) / 2
	h := (c.Max.Y - c.Min.Y) * 0.3
	lo, hi := c.Min.Y+h, c.Max.Y-h
	sty := b.style()
	tick := vg.Points(2)
	c.StrokeLine2(sty, x, lo, x, hi)
	c.StrokeLine2(sty, x-tick, lo, x+tick, lo)
	c.StrokeLine2(sty, x-tick, hi, x+tick, hi)
}

// plainTicks puts about ten labelled ticks at round numbers (1, 2 or 5
// times a power of ten), labelled without exponents, with four minor
// ticks between.
type plainTicks struct{}

func (plainTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	raw := (max - min) / 10
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	prec := max0(-int(math.Floor(math.Log10(step))))
	var ts []plot.Tick
	minor := step / 5
	for i := math.Ceil(min / minor); i*minor <= max; i++ {
		v := i * minor
		t := plot.Tick{Value: v}
		if math.Abs(math.Remainder(v, step)) < minor/2 {
			t.Label = strconv.FormatFloat(v, 'f', prec, 64)
		}
		ts = append(ts, t)
	}
	return ts
}

func max0(k int) int { return max(k, 0) }

// DPI is the resolution of the PNG: width and height are in pixels at
// this many dots per inch.
const DPI = 96

// WritePNG draws the graph, the time-sequence panel above the congestion
// window panel, as a PNG of width × height pixels.
func (g *Graph) WritePNG(w io.Writer, width, height int) error {
	if width < 200 || height < 200 {
		return fmt.Errorf("tcpplot: %d×%d pixels is too small a graph", width, height)
	}
	pt := func(px int) vg.Length { return vg.Length(px) * vg.Inch / DPI }
	W, H := pt(width), pt(height)
	img := vgimg.NewWith(vgimg.UseWH(W, H), vgimg.UseDPI(DPI))
	dc := draw.New(img)
	split := H * 0.36
	top := dc
	top.Min.Y = split
	bot := dc
	bot.Max.Y = split
	// Line the two panels' data areas up on the same time axis.
	dt, db := g.Seq.DataCanvas(top), g.Cwnd.DataCanvas(bot)
	left := max(dt.Min.X-top.Min.X, db.Min.X-bot.Min.X)
	right := max(top.Max.X-dt.Max.X, bot.Max.X-db.Max.X)
	top.Min.X += left - (dt.Min.X - top.Min.X)
	bot.Min.X += left - (db.Min.X - bot.Min.X)
	top.Max.X -= right - (top.Max.X - dt.Max.X)
	bot.Max.X -= right - (bot.Max.X - db.Max.X)
	g.Seq.Draw(top)
	g.Cwnd.Draw(bot)
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}
