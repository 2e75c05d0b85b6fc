package main

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hopsnet/hops/app/browse"
	"github.com/hopsnet/hops/browser/loader"
	"github.com/hopsnet/hops/http/cookie"
	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace/har"
	"github.com/hopsnet/hops/trace/waterfall"
)

// phases is one entry's time split the way HAR and DevTools split it;
// a negative phase does not apply. They add up to Done − Queued.
type phases struct {
	blocked, dns, connect, send, wait, receive time.Duration
}

// entryPhases splits entry e of visit v: blocked (queued for a
// connection slot, or waiting for another request's name lookup), dns
// (the lookup this request started), connect (a new connection's
// handshake), send (the request is written at once: 0), wait (until the
// response's first byte) and receive (until its last).
func entryPhases(v *browse.Visit, e *loader.Entry) phases {
	p := phases{dns: -1, connect: -1}
	if e.FromCache || e.Done == sim.Never {
		return p
	}
	n := v.Net[e.ID]
	if n.Lookup != nil && n.Lookup.Entry == e.ID && !n.Lookup.Result.Cached {
		p.dns = n.Lookup.End.Sub(n.Lookup.Start)
	}
	x := n.Exchange
	if x == nil { // the lookup failed: nothing was sent
		p.blocked = e.Done.Sub(e.Queued) - max(p.dns, 0)
		return p
	}
	if x.Pushed {
		// The server pushed it: no request, no connection; the browser
		// waited (if at all) for the pushed bytes.
		first := min(max(x.FirstByte, e.Queued), e.Done)
		p.dns, p.connect = -1, -1
		p.wait, p.receive = first.Sub(e.Queued), e.Done.Sub(first)
		return p
	}
	p.blocked = x.Start.Sub(e.Queued) - max(p.dns, 0)
	got := x.Connected
	if x.Reused && got > x.Start {
		// An HTTP/2 stream sent on a connection still opening waits
		// for it.
		p.blocked += got.Sub(x.Start)
	}
	if !x.Reused {
		if got == 0 { // the connection never opened
			p.connect = x.Done.Sub(x.Start)
			return p
		}
		p.connect = got.Sub(x.Start)
	}
	first := x.FirstByte
	if first == 0 {
		first = x.Done
	}
	p.wait = first.Sub(got)
	p.receive = x.Done.Sub(first)
	return p
}

func harMs(d time.Duration) float64 {
	if d < 0 {
		return har.NotApplicable
	}
	return har.Ms(d)
}

func harFields(h h1.Header) []har.NameValue {
	out := []har.NameValue{}
	for _, f := range h {
		out = append(out, har.NameValue{Name: f.Name, Value: f.Value})
	}
	return out
}

// buildHAR makes the HTTP Archive of every visit.
func (r *browseRun) buildHAR() *har.HAR {
	h := &har.HAR{Log: har.Log{Version: har.Version, Creator: har.Creator{Name: "hops", Version: "1.0"},
		Browser: &har.Creator{Name: "hops-browse", Version: "1.0"},
		Comment: fmt.Sprintf("virtual time; seed %d; from %s", r.g.seed, r.src.Name)}}
	for i, v := range r.visits {
		res := v.Result
		id := "page_" + strconv.Itoa(i+1)
		pt := har.PageTimings{OnContentLoad: har.NotApplicable, OnLoad: har.NotApplicable}
		if res.DCL != 0 {
			pt.OnContentLoad = har.Ms(res.DCL.Sub(res.Start))
		}
		if res.Load != 0 {
			pt.OnLoad = har.Ms(res.Load.Sub(res.Start))
		}
		h.Log.Pages = append(h.Log.Pages, har.Page{StartedDateTime: har.Time(res.Start.Duration()), ID: id, Title: v.URL, PageTimings: pt})
		for _, e := range res.Entries {
			if e.Done == sim.Never {
				continue
			}
			h.Log.Entries = append(h.Log.Entries, r.harEntry(v, e, id))
		}
	}
	return h
}

func (r *browseRun) harEntry(v *browse.Visit, e *loader.Entry, page string) har.Entry {
	p := entryPhases(v, e)
	t := har.Timings{Blocked: harMs(p.blocked), DNS: harMs(p.dns), Connect: harMs(p.connect), Send: har.Ms(p.send),
		Wait: harMs(p.wait), Receive: harMs(p.receive), SSL: har.NotApplicable}
	n := v.Net[e.ID]
	proto := "HTTP/1.1"
	if x := n.Exchange; x != nil && x.Proto != "" {
		proto = x.Proto
	}
	req := har.Request{Method: "GET", URL: e.URL, HTTPVersion: proto, HeadersSize: -1, BodySize: 0, QueryString: []har.NameValue{}}
	if u, err := loader.ParseURL(e.URL); err == nil {
		for k, vals := range u.Query() {
			for _, val := range vals {
				req.QueryString = append(req.QueryString, har.NameValue{Name: k, Value: val})
			}
		}
	}
	for _, c := range strings.Split(n.Cookie, ";") {
		if name, value, ok := strings.Cut(strings.TrimSpace(c), "="); ok {
			req.Cookies = append(req.Cookies, har.Cookie{Name: name, Value: value})
		}
	}
	if n.Request != nil {
		req.Headers = harFields(n.Request.Header)
	} else {
		for _, f := range e.Header {
			req.Headers = append(req.Headers, har.NameValue{Name: f.Name, Value: f.Value})
		}
	}
	resp := har.Response{Status: e.Status, HTTPVersion: proto, HeadersSize: -1,
		Content: har.Content{Size: int64(len(e.Body)), MimeType: e.ContentType}}
	if resp.Content.MimeType == "" {
		resp.Content.MimeType = "x-unknown"
	}
	entry := har.Entry{Pageref: page, StartedDateTime: har.Time(e.Queued.Duration()), Timings: t, Time: t.Total(),
		Cache: har.Cache{BeforeRequest: har.NotCached()}}
	if x := n.Exchange; x != nil {
		if x.Proto != "HTTP/2" {
			req.HeadersSize = int64(len(x.RequestHead))
		}
		entry.ServerIPAddress = x.Remote.Addr().String()
		entry.Connection = strconv.Itoa(x.ConnID)
		if x.Resp != nil {
			resp.Status = x.Resp.Status
			resp.StatusText = reasonOf(x.Resp.Status, x.Resp.Reason)
			resp.Headers = harFields(x.Resp.Header)
			if x.Proto != "HTTP/2" {
				resp.HeadersSize = int64(len(h1.AppendResponseHead(nil, &h1.Response{Minor: x.Resp.Minor, Status: x.Resp.Status, Reason: x.Resp.Reason, Header: x.Resp.Header})))
			}
			resp.BodySize = int64(len(x.Resp.Body))
			resp.RedirectURL = x.Resp.Header.Get("Location")
			for _, sc := range n.SetCookie {
				if c, err := cookie.Parse(sc, e.Done); err == nil {
					hc := har.Cookie{Name: c.Name, Value: c.Value, Path: c.Path, Domain: c.Domain, HTTPOnly: c.HttpOnly, Secure: c.Secure}
					if c.Expiry != sim.Never {
						hc.Expires = har.Time(c.Expiry.Duration())
					}
					resp.Cookies = append(resp.Cookies, hc)
				}
			}
		}
		if x.Err != nil {
			entry.Comment = "failed: " + errText(x.Err)
		}
		if x.Pushed {
			entry.Comment = fmt.Sprintf("server push: promised on stream %d as stream %d", x.PromisedOn, x.Stream)
		}
	} else if e.Err != nil {
		entry.Comment = "failed: " + browseErrText(e.Err)
	}
	if e.FromCache || e.Revalidated {
		entry.Cache.BeforeRequest = har.Cached(har.CacheEntry{LastAccess: har.Time(e.Queued.Duration()), ETag: headerOf(e, "ETag")})
	}
	if e.FromCache {
		resp.StatusText = "OK"
		entry.Comment = "from the browser's cache"
		resp.BodySize = 0
	}
	entry.Request, entry.Response = req, resp
	return entry
}

func headerOf(e *loader.Entry, name string) string {
	if e.Response != nil {
		return e.Response.Get(name)
	}
	return ""
}

// writeHAR writes the archive after checking it adds up.
func (r *browseRun) writeHAR(name string) error {
	h := r.buildHAR()
	if err := h.Check(); err != nil {
		return fmt.Errorf("browse: the HAR does not add up (a bug in hops): %w", err)
	}
	var buf bytes.Buffer
	if _, err := h.WriteTo(&buf); err != nil {
		return err
	}
	return os.WriteFile(name, buf.Bytes(), 0o644)
}

// chart is a visit's waterfall.
func (r *browseRun) chart(i int) waterfall.Chart {
	v := r.visits[i]
	res := v.Result
	c := waterfall.Chart{Title: fmt.Sprintf("visit %d: %s", i+1, v.URL)}
	if len(r.visits) == 1 {
		c.Title = v.URL
	}
	for _, e := range res.Entries {
		if e.Done == sim.Never {
			continue
		}
		p := entryPhases(v, e)
		label := "GET " + (&visitTeller{v: v}).rel(e.URL)
		rq := waterfall.Request{Label: label, Status: e.Status, Size: len(e.Body), Start: e.Queued.Sub(res.Start), Cached: e.FromCache,
			Blocked: p.blocked, DNS: p.dns, Connect: p.connect, Send: p.send, Wait: p.wait, Receive: p.receive}
		if x := v.Net[e.ID].Exchange; x != nil {
			rq.ConnID = x.ConnID + 1
			if x.Resp != nil {
				rq.Status, rq.Size = x.Resp.Status, len(x.Resp.Body)
			}
		}
		c.Requests = append(c.Requests, rq)
	}
	for _, m := range []struct {
		label string
		at    sim.Time
	}{{"first paint", res.FirstPaint}, {"DOMContentLoaded", res.DCL}, {"load", res.Load}} {
		if m.at != 0 {
			c.Marks = append(c.Marks, waterfall.Mark{Label: m.label, At: m.at.Sub(res.Start)})
		}
	}
	return c
}

// writeWaterfall draws the waterfall (the first and the last visit side
// by side when there are several) as SVG or PNG, by the name's extension.
func (r *browseRun) writeWaterfall(name string) error {
	var buf bytes.Buffer
	svg := strings.HasSuffix(strings.ToLower(name), ".svg")
	first, last := r.chart(0), r.chart(len(r.visits)-1)
	var err error
	switch {
	case len(r.visits) > 1 && svg:
		err = waterfall.CompareSVG(&buf, first, last)
	case svg:
		err = waterfall.SVG(&buf, first)
	default:
		img, e := waterfall.PNG(first)
		if len(r.visits) > 1 {
			img, e = waterfall.ComparePNG(first, last)
		}
		if err = e; err == nil {
			err = png.Encode(&buf, img)
		}
	}
	if err != nil {
		return fmt.Errorf("browse: waterfall: %w", err)
	}
	return os.WriteFile(name, buf.Bytes(), 0o644)
}
