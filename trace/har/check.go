package har

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// tolerance is how far an entry's time may be from the sum of its
// timings, in milliseconds: the rounding of Ms (plus float noise).
const tolerance = 0.001 + 1e-9

// Check checks what a consumer of the archive relies on beyond its
// schema, and returns every problem found (joined with errors.Join), each
// naming the page or the entry (its index, method and URL), or nil:
//
//   - an entry's time is the sum of its timings that apply (blocked,
//     dns, connect, send, wait, receive; not ssl, which connect
//     includes), within 0.001 ms;
//   - send, wait and receive are >= 0; blocked, dns, connect and ssl
//     are -1 or >= 0, and ssl is no more than connect;
//   - an entry's pageref, if any, is the id of a page;
//   - entries are sorted by startedDateTime, and every startedDateTime
//     is an ISO 8601 time;
//   - page ids are unique, and a page's onContentLoad and onLoad are -1
//     or >= 0, with onContentLoad <= onLoad when both are reached.
func (h *HAR) Check() error {
	var errs []error
	fail := func(where, format string, args ...any) {
		errs = append(errs, fmt.Errorf("har: %s: %s", where, fmt.Sprintf(format, args...)))
	}

	pages := make(map[string]int, len(h.Log.Pages))
	for i, p := range h.Log.Pages {
		where := fmt.Sprintf("page %d (id %q)", i, p.ID)
		if p.ID == "" {
			fail(where, "no id")
		} else if j, dup := pages[p.ID]; dup {
			fail(where, "id is also page %d's; page ids must be unique", j)
		} else {
			pages[p.ID] = i
		}
		if _, err := parseTime(p.StartedDateTime); err != nil {
			fail(where, "startedDateTime: %v", err)
		}
		pt := p.PageTimings
		for _, t := range [...]struct {
			name string
			v    float64
		}{{"onContentLoad", pt.OnContentLoad}, {"onLoad", pt.OnLoad}} {
			if !optional(t.v) {
				fail(where, "%s is %v; it must be -1 (not reached) or >= 0", t.name, t.v)
			}
		}
		if pt.OnContentLoad >= 0 && pt.OnLoad >= 0 && pt.OnContentLoad > pt.OnLoad {
			fail(where, "onContentLoad %v ms is after onLoad %v ms", pt.OnContentLoad, pt.OnLoad)
		}
	}

	var prev time.Time
	prevAt := -1 // index of the last entry whose startedDateTime parsed
	for i, e := range h.Log.Entries {
		where := fmt.Sprintf("entry %d (%s %s)", i, e.Request.Method, e.Request.URL)
		t := e.Timings
		for _, f := range [...]struct {
			name     string
			v        float64
			required bool
		}{
			{"blocked", t.Blocked, false},
			{"dns", t.DNS, false},
			{"connect", t.Connect, false},
			{"send", t.Send, true},
			{"wait", t.Wait, true},
			{"receive", t.Receive, true},
			{"ssl", t.SSL, false},
		} {
			switch {
			case f.required && !(f.v >= 0 && !math.IsInf(f.v, 1)):
				fail(where, "timings.%s is %v; it must be >= 0", f.name, f.v)
			case !f.required && !optional(f.v):
				fail(where, "timings.%s is %v; it must be -1 (does not apply) or >= 0", f.name, f.v)
			}
		}
		if t.SSL >= 0 && t.SSL > t.Connect {
			fail(where, "timings.ssl %v ms exceeds connect %v ms; ssl is part of connect", t.SSL, t.Connect)
		}
		if sum := t.Total(); !(math.Abs(e.Time-sum) <= tolerance) {
			fail(where, "time %v ms is not the sum of its timings, %v ms (blocked, dns, connect, send, wait, receive that are >= 0; ssl is part of connect)", e.Time, sum)
		}
		if e.Pageref != "" {
			if _, ok := pages[e.Pageref]; !ok {
				fail(where, "pageref %q names no page", e.Pageref)
			}
		}
		started, err := parseTime(e.StartedDateTime)
		if err != nil {
			fail(where, "startedDateTime: %v", err)
			continue
		}
		if prevAt >= 0 && started.Before(prev) {
			p := h.Log.Entries[prevAt]
			fail(where, "started at %s, before entry %d (%s %s) at %s; entries must be sorted by startedDateTime",
				e.StartedDateTime, prevAt, p.Request.Method, p.Request.URL, p.StartedDateTime)
		}
		prev, prevAt = started, i
	}
	return errors.Join(errs...)
}

// optional reports whether v is a valid optional timing: -1 or a finite
// number >= 0.
func optional(v float64) bool {
	return v == NotApplicable || (v >= 0 && !math.IsInf(v, 1))
}

// parseTime reads an ISO 8601 date and time with a time zone, as HAR
// writes them.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an ISO 8601 time such as 2000-01-01T00:00:00.000Z", s)
	}
	return t, nil
}
