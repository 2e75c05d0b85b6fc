// Package loader is the browser's page loader as a sans-I/O state
// machine: it turns a navigation into HTTP requests, scans the document
// as its bytes arrive so that style sheets, scripts and images are asked
// for before the document has finished, keeps at most a few requests in
// flight per origin (a browser's six connections per host over
// HTTP/1.1), follows redirects, answers from its HTTP cache (fresh
// responses without a request, stale ones revalidated with
// If-None-Match / If-Modified-Since), and, when everything has arrived,
// builds the page (DOM, CSSOM, render tree, layout) with browser/page.
//
// It never touches the network or a clock. The driver (an app on a node,
// or a test) calls Navigate, hands out what Requests returns, and reports
// back with Body (the document's bytes so far), Response and Failed, each
// with the current virtual time; Done says when the page is complete and
// Result gives it with its timeline.
//
// The milestones follow the browser's: the DOM is complete when the
// document has arrived and every parser-blocking script (a <script src>
// without defer or async) too; DOMContentLoaded when, in addition, the
// deferred scripts have arrived; first paint when the DOM is complete and
// every style sheet has arrived (style sheets block rendering); load when
// every sub-resource has finished. Scripts are fetched and never run.
package loader

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	cssparse "github.com/hopsnet/hops/browser/css"
	"github.com/hopsnet/hops/browser/dom"
	"github.com/hopsnet/hops/browser/fetch"
	"github.com/hopsnet/hops/browser/font"
	"github.com/hopsnet/hops/browser/page"
	"github.com/hopsnet/hops/sim"
	xhtml "golang.org/x/net/html"
)

// Field is one header field.
type Field struct{ Name, Value string }

// Response is what the driver got for a request: the final response,
// with its whole body.
type Response struct {
	Status int
	Reason string
	Header []Field
	Body   []byte
}

// Get returns the first value of the field name (case-insensitive).
func (r Response) Get(name string) string {
	for _, f := range r.Header {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Kind is what a request is for.
type Kind string

// The kinds of request.
const (
	Document   Kind = "document"
	Stylesheet Kind = "stylesheet"
	Script     Kind = "script"
	Image      Kind = "image"
	// Font is an @font-face source, found in a style sheet when it
	// arrives (or in the document's <style> elements).
	Font Kind = "font"
)

// Request is one request for the driver to send: a GET of URL with the
// loader's own header fields (Accept and validators; the driver adds Host,
// User-Agent and the rest).
type Request struct {
	ID     int
	URL    *url.URL
	Kind   Kind
	Header []Field
}

// Entry is one resource of the load, from discovery to completion.
type Entry struct {
	ID        int
	URL       string
	Kind      Kind
	Initiator string // "navigation", "parser" (the preload scan), "redirect", "stylesheet" (its @font-face rules)
	// DiscoveredAfter is how many bytes of the document had arrived when
	// the preload scan found this resource (parser-initiated entries).
	DiscoveredAfter int
	Async, Defer    bool // a script's attributes

	Queued  sim.Time // discovered and queued
	Started sim.Time // handed to the driver (Queued when served by the cache)
	Done    sim.Time // finished (sim.Never while in flight)

	// RedirectedTo is the entry that follows this one's redirect, or -1.
	RedirectedTo int

	FromCache   bool // served from the cache with no request
	Revalidated bool // a conditional request got 304 and the cached body was used
	Header      []Field
	Response    *Response // the response as received (nil on failure and cache hits)
	Status      int       // the status the page saw (200 for a revalidated or cached body)
	ContentType string
	Body        []byte // the body the page used
	Err         error
}

// Event is one step of the load, for narration.
type Event struct {
	At     sim.Time
	Kind   string // "navigate", "discovered", "request", "cache hit", "response", "revalidated", "redirect", "failed", "DOM complete", "DOMContentLoaded", "first paint", "load"
	Entry  int    // the entry it concerns, or -1
	Detail string
}

// Config configures a Loader. Zero fields take defaults.
type Config struct {
	// MaxPerOrigin bounds the requests in flight per origin: 6 (a
	// browser's HTTP/1.1 connection limit per host) by default.
	MaxPerOrigin int
	// MaxRedirects bounds redirects per resource: 20 by default, as in
	// Chromium.
	MaxRedirects int
	// Cache is the HTTP cache, shared by the loads of one run; nil means
	// none.
	Cache *Cache
	// Page sizes the viewport.
	Page page.Options
}

// Result is a finished load.
type Result struct {
	URL        string // the document's final URL, after redirects
	Page       *page.Page
	Entries    []*Entry
	Events     []Event
	Start      sim.Time // Navigate was called
	DOMLoaded  sim.Time // the DOM complete (document and blocking scripts)
	DCL        sim.Time // DOMContentLoaded
	FirstPaint sim.Time
	Load       sim.Time
	Err        error // the document could not be loaded or shown
}

// Errors.
var (
	ErrTooManyRedirects = errors.New("too many redirects")
	ErrBadURL           = errors.New("not an http URL")
)

// Loader loads one page.
type Loader struct {
	cfg      Config
	entries  []*Entry
	reqs     []*url.URL // by entry ID
	redirs   []int      // redirects so far, by entry ID
	queue    []int      // waiting for a slot, in order
	inflight map[string]int
	byURL    map[string]int // the entry that loads (or loaded) a URL
	doc      int            // the current document entry
	docURL   *url.URL
	scan     dom.Scanner
	hold     int // > 0 while a scan queues what it found
	scanned  int // document bytes the last partial scan saw
	events   []Event
	res      Result
	done     bool
}

// New returns a loader.
func New(cfg Config) *Loader {
	if cfg.MaxPerOrigin <= 0 {
		cfg.MaxPerOrigin = 6
	}
	if cfg.MaxRedirects <= 0 {
		cfg.MaxRedirects = 20
	}
	return &Loader{cfg: cfg, inflight: map[string]int{}, byURL: map[string]int{}, doc: -1}
}

// ParseURL parses an address typed by a person: "http://" is assumed
// when no scheme is given, only http is supported (hops has no TLS), and
// the host must be present.
func ParseURL(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q: %w: %v", raw, ErrBadURL, err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("%q: %w (hops has no TLS; use http://)", raw, ErrBadURL)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%q: %w: no host", raw, ErrBadURL)
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscanf(p, "%d", &n); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%q: %w: port %q", raw, ErrBadURL, p)
		}
	}
	u.Host = strings.ToLower(u.Host)
	if u.Path == "" {
		u.Path = "/"
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// Navigate starts loading raw.
func (l *Loader) Navigate(now sim.Time, raw string) error {
	u, err := ParseURL(raw)
	if err != nil {
		return err
	}
	l.res.Start = now
	l.log(now, "navigate", -1, u.String())
	l.doc = l.add(now, u, Document, "navigation", 0)
	l.docURL = u
	l.begin(now, l.doc)
	return nil
}

// add makes the entry for a request of u; begin starts it.
func (l *Loader) add(now sim.Time, u *url.URL, kind Kind, initiator string, redirs int) int {
	e := &Entry{ID: len(l.entries), URL: u.String(), Kind: kind, Initiator: initiator, Queued: now, Done: sim.Never, RedirectedTo: -1}
	l.entries = append(l.entries, e)
	l.reqs = append(l.reqs, u)
	l.redirs = append(l.redirs, redirs)
	l.byURL[e.URL] = e.ID
	e.Header = []Field{{"Accept", accept(kind)}}
	return e.ID
}

// begin serves entry id from the cache or queues its request.
func (l *Loader) begin(now sim.Time, id int) {
	e := l.entries[id]
	if c, fresh := l.cfg.Cache.lookup(e.URL, now); c != nil {
		if fresh {
			e.FromCache, e.Started = true, now
			l.log(now, "cache hit", e.ID, e.URL)
			l.complete(now, e, c.resp)
			return
		}
		if c.etag != "" {
			e.Header = append(e.Header, Field{"If-None-Match", c.etag})
		}
		if c.modified != "" {
			e.Header = append(e.Header, Field{"If-Modified-Since", c.modified})
		}
	}
	l.queue = append(l.queue, e.ID)
}

// accept is Chromium's Accept header for each kind of request.
func accept(k Kind) string {
	switch k {
	case Stylesheet:
		return "text/css,*/*;q=0.1"
	case Image:
		return "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"
	case Script, Font:
		return "*/*"
	}
	return "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
}

func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
	}
	return u.Scheme + "://" + u.Hostname() + ":" + port
}

// Requests appends the requests to send now to dst: queued ones whose
// origin has a free slot, in the order they were queued.
func (l *Loader) Requests(now sim.Time, dst []Request) []Request {
	kept := l.queue[:0]
	for _, id := range l.queue {
		u := l.reqs[id]
		o := origin(u)
		if l.inflight[o] >= l.cfg.MaxPerOrigin {
			kept = append(kept, id)
			continue
		}
		l.inflight[o]++
		e := l.entries[id]
		e.Started = now
		l.log(now, "request", id, "GET "+e.URL)
		dst = append(dst, Request{ID: id, URL: u, Kind: e.Kind, Header: e.Header})
	}
	l.queue = kept
	return dst
}

// Entry returns the entry with id, or nil.
func (l *Loader) Entry(id int) *Entry {
	if id < 0 || id >= len(l.entries) {
		return nil
	}
	return l.entries[id]
}

// Body tells the loader the first bytes of a response body as they
// arrive (all bytes so far). The document's are scanned for
// sub-resources at once.
func (l *Loader) Body(now sim.Time, id int, soFar []byte) {
	if id != l.doc || l.done || l.entries[id].Done != sim.Never {
		return
	}
	// Each scan starts from the document's first byte, so scans wait
	// for the document to grow by half again (and at least 16 KiB):
	// linear work in all, and a small page is scanned at every step.
	if l.scanned > 0 && len(soFar)-l.scanned < max(16<<10, l.scanned/2) {
		return
	}
	l.scanned = len(soFar)
	l.discover(now, soFar, false)
}

// discover runs the preload scan over the document's bytes so far and
// queues what it finds.
func (l *Loader) discover(now sim.Time, body []byte, complete bool) {
	found, _ := l.scan.Scan(body, complete) // a scan error leaves the rest to the parser
	l.hold++                                // cache hits settle nothing until every find is queued
	defer func() { l.hold-- }()
	for _, r := range found {
		ref, err := l.docURL.Parse(r.Ref)
		if err != nil || ref.Scheme != "http" {
			l.log(now, "failed", -1, fmt.Sprintf("%s %q: not an http URL", r.Kind, r.Ref))
			continue
		}
		ref.Fragment, ref.RawFragment = "", ""
		if _, dup := l.byURL[ref.String()]; dup {
			continue // the memory cache: one fetch per URL in a load
		}
		id := l.add(now, ref, Kind(r.Kind), "parser", 0)
		e := l.entries[id]
		e.DiscoveredAfter, e.Async, e.Defer = len(body), r.Async, r.Defer
		l.log(now, "discovered", id, fmt.Sprintf("%s %s after %d bytes of the document", r.Kind, ref, len(body)))
		l.begin(now, id)
	}
}

// Response reports the final response to request id.
func (l *Loader) Response(now sim.Time, id int, resp Response) {
	e := l.Entry(id)
	if e == nil || e.Done != sim.Never || l.done {
		return
	}
	l.inflight[origin(l.reqs[id])]--
	r := resp
	e.Response = &r
	if loc := resp.Get("Location"); isRedirect(resp.Status) && loc != "" {
		e.Status, e.Done = resp.Status, now
		to, err := l.reqs[id].Parse(loc)
		switch {
		case err != nil || to.Scheme != "http":
			e.Err = fmt.Errorf("redirect to %q: %w", loc, ErrBadURL)
		case l.redirs[id]+1 > l.cfg.MaxRedirects:
			e.Err = fmt.Errorf("%s: %w (%d)", e.URL, ErrTooManyRedirects, l.cfg.MaxRedirects)
		}
		if e.Err != nil {
			l.log(now, "failed", id, e.Err.Error())
			l.settle(now)
			return
		}
		to.Fragment, to.RawFragment = "", ""
		l.log(now, "redirect", id, fmt.Sprintf("%d %s → %s", resp.Status, e.URL, to))
		next := l.add(now, to, e.Kind, "redirect", l.redirs[id]+1)
		e.RedirectedTo = next
		if id == l.doc {
			l.doc, l.docURL, l.scan, l.scanned = next, to, dom.Scanner{}, 0
		}
		l.begin(now, next)
		l.settle(now)
		return
	}
	if resp.Status == 304 {
		if c, _ := l.cfg.Cache.lookup(e.URL, now); c != nil {
			l.cfg.Cache.refresh(e.URL, resp, now)
			e.Revalidated = true
			l.log(now, "revalidated", id, "304 Not Modified: "+e.URL+" from the cache")
			l.complete(now, e, c.resp)
			return
		}
	}
	l.cfg.Cache.store(e.URL, resp, now)
	l.log(now, "response", id, fmt.Sprintf("%d %s, %d bytes", resp.Status, e.URL, len(resp.Body)))
	l.complete(now, e, resp)
}

func isRedirect(status int) bool {
	switch status {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// complete ends entry e with the response the page uses.
func (l *Loader) complete(now sim.Time, e *Entry, resp Response) {
	e.Done, e.Status, e.Body = now, resp.Status, resp.Body
	e.ContentType = resp.Get("Content-Type")
	if e.ContentType == "" {
		e.ContentType = fetch.TypeByName(path.Base(e.URL))
	}
	if e.ID == l.doc && isHTML(e.ContentType) {
		l.discover(now, resp.Body, true)
		for _, sheet := range inlineStyles(resp.Body) {
			l.discoverFonts(now, sheet, l.docURL, "document")
		}
	}
	if e.Kind == Stylesheet && e.Status/100 == 2 {
		l.discoverFonts(now, resp.Body, l.reqs[e.ID], e.URL)
	}
	l.settle(now)
}

// discoverFonts queues the font files of a style sheet's @font-face
// rules, resolved against base (the sheet's URL): every url() source
// whose format() hint hops reads, since page building tries them in
// order until one loads. (A browser fetches a face only when text uses
// it; hops builds the page once everything has arrived, so it asks for
// them all.)
func (l *Loader) discoverFonts(now sim.Time, text []byte, base *url.URL, from string) {
	sh, err := cssparse.Parse(text)
	if err != nil {
		return
	}
	l.hold++
	defer func() { l.hold-- }()
	for _, ff := range sh.FontFaces {
		for _, src := range ff.Sources {
			if src.URL == "" || !font.Formats(src.Format) {
				continue
			}
			ref, err := base.Parse(src.URL)
			if err != nil || ref.Scheme != "http" {
				l.log(now, "failed", -1, fmt.Sprintf("font %q: not an http URL", src.URL))
				continue
			}
			ref.Fragment, ref.RawFragment = "", ""
			if _, dup := l.byURL[ref.String()]; dup {
				continue
			}
			id := l.add(now, ref, Font, "stylesheet", 0)
			l.log(now, "discovered", id, fmt.Sprintf("font %s in %s", ref, from))
			l.begin(now, id)
		}
	}
}

// inlineStyles returns the text of the document's <style> elements.
func inlineStyles(doc []byte) [][]byte {
	var out [][]byte
	z := xhtml.NewTokenizer(bytes.NewReader(doc))
	in := false
	for len(out) < 64 {
		switch z.Next() {
		case xhtml.ErrorToken:
			return out
		case xhtml.StartTagToken:
			name, _ := z.TagName()
			in = string(name) == "style"
			if in {
				out = append(out, nil)
			}
		case xhtml.TextToken:
			if in {
				out[len(out)-1] = append(out[len(out)-1], z.Text()...)
			}
		case xhtml.EndTagToken:
			in = false
		}
	}
	return out
}

func isHTML(ct string) bool {
	mt, _, _ := strings.Cut(strings.ToLower(ct), ";")
	mt = strings.TrimSpace(mt)
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// Failed reports that request id got no response.
func (l *Loader) Failed(now sim.Time, id int, err error) {
	e := l.Entry(id)
	if e == nil || e.Done != sim.Never || l.done {
		return
	}
	l.inflight[origin(l.reqs[id])]--
	e.Done, e.Err = now, err
	l.log(now, "failed", id, fmt.Sprintf("%s: %v", e.URL, err))
	l.settle(now)
}

// settle records the milestones reached and finishes the load when
// nothing is left.
func (l *Loader) settle(now sim.Time) {
	if l.done || l.hold > 0 {
		return
	}
	doc := l.entries[l.doc]
	if doc.Done == sim.Never {
		return
	}
	if doc.Err != nil {
		l.res.Err = doc.Err
		l.finish(now)
		return
	}
	blocking, deferred, sheets, all := true, true, true, true
	for _, e := range l.entries {
		if e.Initiator == "navigation" || e.Kind == Document || e.Done != sim.Never {
			continue
		}
		all = false
		switch {
		case e.Kind == Stylesheet:
			sheets = false
		case e.Kind == Script && !e.Async && !e.Defer:
			blocking = false
		case e.Kind == Script && e.Defer && !e.Async:
			deferred = false
		}
	}
	// A redirected sub-resource's successor counts in its place: the
	// chain is pending while any link is.
	if blocking && l.res.DOMLoaded == 0 {
		l.res.DOMLoaded = now
		l.log(now, "DOM complete", -1, "")
	}
	if blocking && deferred && l.res.DCL == 0 {
		l.res.DCL = now
		l.log(now, "DOMContentLoaded", -1, "")
	}
	if blocking && sheets && l.res.FirstPaint == 0 {
		l.res.FirstPaint = now
		l.log(now, "first paint", -1, "")
	}
	if all {
		l.res.Load = now
		l.log(now, "load", -1, "")
		l.finish(now)
	}
}

// finish builds the page from what arrived.
func (l *Loader) finish(now sim.Time) {
	l.done = true
	l.res.URL = l.docURL.String()
	l.res.Entries = l.entries
	if l.res.Err == nil {
		doc := l.entries[l.doc]
		p, err := page.LoadContent(doc.Body, doc.ContentType, l.docURL.Path, loaded{l}, l.cfg.Page)
		if err != nil {
			l.res.Err = err
		}
		l.res.Page = p
	}
	l.res.Events = l.events
}

// loaded is the page's fetcher: the resources this load brought.
type loaded struct{ l *Loader }

// Fetch implements fetch.Fetcher.
func (f loaded) Fetch(ref string) (fetch.Resource, error) {
	u, err := f.l.docURL.Parse(ref)
	if err != nil {
		return fetch.Resource{}, fmt.Errorf("%w: %q", fetch.ErrNotFound, ref)
	}
	u.Fragment, u.RawFragment = "", ""
	id, ok := f.l.byURL[u.String()]
	// Follow redirects to the entry that holds the body.
	for hops := 0; ok && f.l.entries[id].RedirectedTo >= 0 && hops < len(f.l.entries); hops++ {
		id = f.l.entries[id].RedirectedTo
	}
	if !ok || f.l.entries[id].Err != nil || f.l.entries[id].Done == sim.Never {
		return fetch.Resource{}, fmt.Errorf("%w: %q", fetch.ErrNotFound, ref)
	}
	e := f.l.entries[id]
	if e.Status/100 != 2 {
		return fetch.Resource{}, fmt.Errorf("%w: %q: status %d", fetch.ErrNotFound, ref, e.Status)
	}
	ct, _, _ := strings.Cut(e.ContentType, ";")
	return fetch.Resource{URL: e.URL, ContentType: strings.TrimSpace(ct), Body: e.Body}, nil
}

// Done reports whether the load has finished (Result is ready).
func (l *Loader) Done() bool { return l.done }

// Result returns the finished load.
func (l *Loader) Result() Result { return l.res }

// Events returns the load's steps so far.
func (l *Loader) Events() []Event { return l.events }

func (l *Loader) log(at sim.Time, kind string, entry int, detail string) {
	l.events = append(l.events, Event{At: at, Kind: kind, Entry: entry, Detail: detail})
}
