// Package waterfall draws a page load's network waterfall, the way the
// "Waterfall" column of Chromium DevTools' Network panel draws it: one
// row per request, its name, status, size and connection in columns on
// the left, and on a shared time axis a bar made of the request's phases
// in order — queueing/blocked (grey), DNS lookup (teal), initial
// connection (orange), request sent (light green), waiting for the first
// byte (green) and content download (blue). Requests served from the
// memory cache are a thin marker at their start. Vertical lines mark page
// milestones (DOMContentLoaded blue, load red, first paint green). A
// summary line under the title gives the request count, the bytes
// transferred and when the last request finished; a legend explains the
// colours.
//
// [SVG] writes the chart as a self-contained SVG 1.1 document, [PNG]
// rasterizes the same layout with image/draw and the Go fonts. [CompareSVG]
// and [ComparePNG] put two runs of one page (say HTTP/1.1 and HTTP/2) one
// above the other on the same time scale, so that the one that finished
// first is the one whose bars end further left.
//
// The output depends on the input alone: the same chart always gives the
// same SVG bytes and the same PNG pixels.
package waterfall

import (
	"errors"
	"fmt"
	"image"
	"io"
	"time"
)

// Request is one row of the waterfall: one HTTP request of the page load.
type Request struct {
	// Label names the request, e.g. "GET /style.css" or its URL. Long
	// labels are shortened with "…" to fit the name column; the SVG keeps
	// the whole label in the row's tooltip.
	Label string
	// Status is the HTTP status code (200, 304, ...), 0 when the request
	// failed (shown as "(failed)", in red like statuses from 400 up). It
	// must be within 0..999.
	Status int
	// Size is the number of bytes received; negative when unknown (the
	// size column stays empty).
	Size int
	// Start is when the request was queued, counted from the start of the
	// page load. It must not be negative.
	Start time.Duration
	// Blocked, DNS, Connect, Send, Wait and Receive are the request's
	// phases, in this order, one after the other from Start: time spent
	// queued or blocked, the DNS lookup, setting up the connection,
	// sending the request, waiting for the first byte of the response
	// (TTFB) and receiving the content. A negative phase does not apply
	// and is skipped (HAR writes -1); zero is a phase that took no time.
	Blocked, DNS, Connect, Send, Wait, Receive time.Duration
	// Cached marks a request served from the memory cache: it is drawn as
	// a thin marker at Start and its phases are ignored.
	Cached bool
	// ConnID is the number of the connection that carried the request,
	// shown in the "Conn" column; 0 or less leaves the column empty.
	ConnID int
}

// Chart is one page load to draw.
type Chart struct {
	// Title is drawn above the chart (e.g. "HTTP/1.1"); it may be empty.
	Title string
	// Requests are the rows, top to bottom, in the order given. There
	// must be at least one and at most [MaxRequests].
	Requests []Request
	// Marks are vertical lines across the rows at page milestones, such
	// as {"DOMContentLoaded", 400 * time.Millisecond}, {"load", ...} and
	// {"first paint", ...}.
	Marks []Mark
}

// Mark is a milestone of the page load, drawn as a vertical line.
type Mark struct {
	// Label names the milestone. Its colour follows DevTools: a label
	// containing "DOMContentLoaded" (or "DCL") is blue, "load" red,
	// "paint" green, anything else purple.
	Label string
	// At is when the milestone happened, from the start of the page
	// load, within 0..[MaxTime]. The time axis reaches the latest mark.
	At time.Duration
}

// MaxTime bounds every time of a chart: request starts and ends, phase
// durations and marks. Larger values are taken for garbage (an unset
// timestamp, an overflow) and rejected.
const MaxTime = 24 * time.Hour

// MaxRequests bounds the rows of one chart, which keeps the PNG's size
// reasonable (each row is 20 pixels high).
const MaxRequests = 1000

// ErrInvalid is wrapped by every error about bad input: a chart with no
// requests or too many, a negative start, a time beyond [MaxTime].
var ErrInvalid = errors.New("invalid chart")

// SVG writes c as a self-contained SVG 1.1 document to w. Its time axis
// runs from 0 to the latest end of a request or mark. Each request is a
// group (class "request") whose tooltip lists its timings; its phase
// bars are rects of class "bar blocked", "bar dns", "bar connect",
// "bar send", "bar wait" and "bar receive", marks are lines of class
// "mark". If c is invalid, the error wraps [ErrInvalid] and nothing is
// written; otherwise the error is w's, if any.
func SVG(w io.Writer, c Chart) error {
	s, err := build([]Chart{c}, []string{""})
	if err != nil {
		return err
	}
	return writeSVG(w, s)
}

// PNG draws c into a new image, with the layout of [SVG] at one pixel per
// SVG unit. Encode it with image/png.
func PNG(c Chart) (*image.RGBA, error) {
	s, err := build([]Chart{c}, []string{""})
	if err != nil {
		return nil, err
	}
	return rasterize(s)
}

// CompareSVG writes a and b one above the other, each under its own title
// and on the same time scale, as one SVG 1.1 document to w.
func CompareSVG(w io.Writer, a, b Chart) error {
	s, err := build([]Chart{a, b}, []string{"first chart", "second chart"})
	if err != nil {
		return err
	}
	return writeSVG(w, s)
}

// ComparePNG draws a and b one above the other, each under its own title
// and on the same time scale, into one image.
func ComparePNG(a, b Chart) (*image.RGBA, error) {
	s, err := build([]Chart{a, b}, []string{"first chart", "second chart"})
	if err != nil {
		return nil, err
	}
	return rasterize(s)
}

// phases returns r's phase durations in drawing order.
func (r *Request) phases() [nPhases]time.Duration {
	return [nPhases]time.Duration{r.Blocked, r.DNS, r.Connect, r.Send, r.Wait, r.Receive}
}

// end returns when r finished: Start plus its phases that apply. It is
// only called on validated requests, so the sum cannot overflow.
func (r *Request) end() time.Duration {
	t := r.Start
	if r.Cached {
		return t
	}
	for _, d := range r.phases() {
		if d > 0 {
			t += d
		}
	}
	return t
}

// validate checks c; name says which chart it is in errors ("" for a
// chart drawn alone).
func validate(c *Chart, name string) error {
	where := "waterfall: "
	if name != "" {
		where += name
		if c.Title != "" {
			where += fmt.Sprintf(" (%q)", c.Title)
		}
		where += ": "
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s%w: %s", where, ErrInvalid, fmt.Sprintf(format, args...))
	}
	if len(c.Requests) == 0 {
		return bad("no requests to draw")
	}
	if len(c.Requests) > MaxRequests {
		return bad("%d requests, at most %d can be drawn", len(c.Requests), MaxRequests)
	}
	for i := range c.Requests {
		r := &c.Requests[i]
		req := fmt.Sprintf("request %d (%q)", i, clip(r.Label, 60))
		if r.Start < 0 {
			return bad("%s: negative Start %v", req, r.Start)
		}
		if r.Start > MaxTime {
			return bad("%s: Start %v is beyond %v", req, r.Start, MaxTime)
		}
		if r.Status < 0 || r.Status > 999 {
			return bad("%s: status %d is not an HTTP status code", req, r.Status)
		}
		if r.Cached {
			continue
		}
		t := r.Start
		for p, d := range r.phases() {
			if d > MaxTime {
				return bad("%s: %s %v is beyond %v", req, phaseInfo[p].field, d, MaxTime)
			}
			if d > 0 {
				t += d // at most 7 × MaxTime: no overflow
			}
		}
		if t > MaxTime {
			return bad("%s: ends at %v, beyond %v", req, t, MaxTime)
		}
	}
	for i, m := range c.Marks {
		if m.At < 0 || m.At > MaxTime {
			return bad("mark %d (%q) at %v is outside 0..%v", i, clip(m.Label, 60), m.At, MaxTime)
		}
	}
	return nil
}

// clip shortens s to at most n runes for an error message.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
