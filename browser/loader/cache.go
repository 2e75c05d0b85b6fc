package loader

import (
	"strconv"
	"strings"
	"time"

	"github.com/hopsnet/hops/sim"
)

// Cache is a browser's private HTTP cache (RFC 9111), kept across page
// loads of one run: a second visit takes fresh responses from it without
// a request and revalidates stale ones with their validators.
//
// What it stores: complete 200 responses to GET without "no-store".
// Freshness comes from Cache-Control max-age only; a response without it
// is stored when it has a validator (ETag or Last-Modified) and is then
// always revalidated (hops uses no heuristic freshness, RFC 9111 section
// 4.2.2, so runs do not depend on a guessed lifetime). "no-cache" stores
// but always revalidates. Vary is not supported: a response with Vary
// other than "Accept-Encoding" is not stored.
type Cache struct {
	entries map[string]*cached
	// MaxBytes bounds the bodies kept; the oldest entries go first.
	// Zero means 64 MiB.
	MaxBytes int
	bytes    int
	order    []string // URLs, oldest stored first
}

type cached struct {
	resp     Response
	stored   sim.Time
	maxAge   time.Duration // -1: none
	noCache  bool
	etag     string
	modified string
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{entries: map[string]*cached{}} }

// Len returns the number of stored responses.
func (c *Cache) Len() int { return len(c.entries) }

// lookup returns the entry for url and whether it is fresh at now.
func (c *Cache) lookup(url string, now sim.Time) (*cached, bool) {
	if c == nil {
		return nil, false
	}
	e := c.entries[url]
	if e == nil {
		return nil, false
	}
	fresh := !e.noCache && e.maxAge >= 0 && now.Sub(e.stored) < e.maxAge
	return e, fresh
}

// store keeps resp for url when the rules above allow it.
func (c *Cache) store(url string, resp Response, now sim.Time) {
	if c == nil || resp.Status != 200 {
		return
	}
	cc := parseCacheControl(resp.Get("Cache-Control"))
	if _, ok := cc["no-store"]; ok {
		return
	}
	if v := strings.TrimSpace(resp.Get("Vary")); v != "" && !strings.EqualFold(v, "accept-encoding") {
		return
	}
	e := &cached{resp: resp, stored: now, maxAge: -1, etag: resp.Get("ETag"), modified: resp.Get("Last-Modified")}
	if v, ok := cc["max-age"]; ok {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
			e.maxAge = time.Duration(min(s, 1<<31)) * time.Second
		}
	}
	_, e.noCache = cc["no-cache"]
	if e.maxAge < 0 && e.etag == "" && e.modified == "" {
		return // neither fresh nor revalidatable: useless
	}
	c.remove(url)
	c.entries[url] = e
	c.order = append(c.order, url)
	c.bytes += len(resp.Body)
	limit := c.MaxBytes
	if limit <= 0 {
		limit = 64 << 20
	}
	for c.bytes > limit && len(c.order) > 1 {
		c.remove(c.order[0])
	}
}

// refresh records a 304: the stored response is fresh again from now,
// with the 304's Cache-Control when it has one (RFC 9111 section 4.3.4).
func (c *Cache) refresh(url string, notModified Response, now sim.Time) {
	e := c.entries[url]
	if e == nil {
		return
	}
	e.stored = now
	if v := notModified.Get("Cache-Control"); v != "" {
		cc := parseCacheControl(v)
		e.maxAge = -1
		if s, err := strconv.ParseInt(cc["max-age"], 10, 64); err == nil && s >= 0 {
			e.maxAge = time.Duration(min(s, 1<<31)) * time.Second
		}
		_, e.noCache = cc["no-cache"]
	}
	if v := notModified.Get("ETag"); v != "" {
		e.etag = v
	}
}

func (c *Cache) remove(url string) {
	e := c.entries[url]
	if e == nil {
		return
	}
	delete(c.entries, url)
	c.bytes -= len(e.resp.Body)
	for i, u := range c.order {
		if u == url {
			c.order = append(c.order[:i], c.order[i+1:]...)
			break
		}
	}
}

// parseCacheControl splits a Cache-Control value into lower-case
// directives and their (unquoted) arguments.
func parseCacheControl(v string) map[string]string {
	out := map[string]string{}
	for _, d := range strings.Split(v, ",") {
		name, arg, _ := strings.Cut(strings.TrimSpace(d), "=")
		if name == "" {
			continue
		}
		out[strings.ToLower(name)] = strings.Trim(strings.TrimSpace(arg), `"`)
	}
	return out
}
