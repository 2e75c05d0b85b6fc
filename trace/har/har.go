// Package har writes HTTP Archives: HAR 1.2, the format of the W3C draft
// by Jan Odvarko (http://www.softwareishard.com/blog/har-12-spec/) that
// browsers' developer tools export and HAR viewers read.
//
// The types are the spec's objects as plain Go structs, with the spec's
// field names as JSON tags and in the spec's order. Required fields are
// always written (required arrays as [] even when the Go slice is nil);
// optional ones carry omitempty, so their zero value leaves them out.
// Timings and pageTimings are always written, with [NotApplicable] (-1)
// where a timing does not apply, as the spec asks.
//
// Times come from virtual time. A simulated run has no wall clock, so
// [Time] writes a time as a fixed epoch, 2000-01-01T00:00:00Z, plus the
// run's virtual offset: the same run writes the same HAR, byte for byte.
// Durations are milliseconds as float64, rounded by [Ms] to the
// microsecond so that their JSON text is short and stable.
//
// [HAR.WriteTo] writes the archive as indented JSON; [HAR.Check] checks
// what a consumer relies on beyond the schema (an entry's time is the
// sum of its timings, pagerefs name pages, entries are in order).
//
// The spec allows custom fields whose names start with an underscore;
// these types have none.
package har

// Version is the HAR version this package writes, for [Log.Version].
const Version = "1.2"

// NotApplicable (-1) is the value of a timing that does not apply: dns
// for a request that needed no lookup, connect for a reused connection,
// ssl without TLS, a page milestone that was not reached.
const NotApplicable = -1

// HAR is a whole archive: the JSON document {"log": {...}}.
type HAR struct {
	// Log is the archive's only top-level object.
	Log Log `json:"log"`
}

// Log is the root of the exported data.
type Log struct {
	// Version is the format's version; use [Version].
	Version string `json:"version"`
	// Creator names the application that wrote the log.
	Creator Creator `json:"creator"`
	// Browser names the browser that made the requests, if known.
	Browser *Creator `json:"browser,omitempty"`
	// Pages lists the pages that were loaded; it may be empty when the
	// requests belong to no page.
	Pages []Page `json:"pages,omitempty"`
	// Entries lists every request, sorted by StartedDateTime. It is
	// written as [] when empty.
	Entries []Entry `json:"entries"`
	// Comment is an optional comment by the user or the application.
	Comment string `json:"comment,omitempty"`
}

// Creator names an application: the log's creator, or its browser.
type Creator struct {
	// Name is the application's name.
	Name string `json:"name"`
	// Version is the application's version.
	Version string `json:"version"`
	// Comment is optional.
	Comment string `json:"comment,omitempty"`
}

// Page is one page load; entries name it by ID in their Pageref.
type Page struct {
	// StartedDateTime is when the page load began, as written by [Time].
	StartedDateTime string `json:"startedDateTime"`
	// ID is unique among the log's pages.
	ID string `json:"id"`
	// Title is the page's title (a browser without one writes the URL).
	Title string `json:"title"`
	// PageTimings are the page's milestones.
	PageTimings PageTimings `json:"pageTimings"`
	// Comment is optional.
	Comment string `json:"comment,omitempty"`
}

// PageTimings are a page's milestones in milliseconds since its
// StartedDateTime, or [NotApplicable] for one that was not reached. Both
// are always written.
type PageTimings struct {
	// OnContentLoad is when the document was parsed (DOMContentLoaded).
	OnContentLoad float64 `json:"onContentLoad"`
	// OnLoad is when the page and its subresources were loaded (load).
	OnLoad float64 `json:"onLoad"`
	// Comment is optional.
	Comment string `json:"comment,omitempty"`
}

// Entry is one HTTP request and its response.
type Entry struct {
	// Pageref is the ID of the page the request belongs to, if any.
	Pageref string `json:"pageref,omitempty"`
	// StartedDateTime is when the request began, as written by [Time].
	StartedDateTime string `json:"startedDateTime"`
	// Time is the request's total time in milliseconds: the sum of its
	// timings that apply ([Timings.Total]).
	Time float64 `json:"time"`
	// Request is the request sent.
	Request Request `json:"request"`
	// Response is the response received.
	Response Response `json:"response"`
	// Cache says how the request used the cache.
	Cache Cache `json:"cache"`
	// Timings splits Time into phases.
	Timings Timings `json:"timings"`
	// ServerIPAddress is the address of the server that answered
	// (resolved from the URL's host), if known.
	ServerIPAddress string `json:"serverIPAddress,omitempty"`
	// Connection identifies the TCP connection the request went on (a
	// client port, a connection number), if known.
	Connection string `json:"connection,omitempty"`
	// Comment is optional.
	Comment string `json:"comment,omitempty"`
}

// Request is a request as sent.
type Request struct {
	// Method is the request method (GET, POST, ...).
	Method string `json:"method"`
	// URL is the absolute URL of the request, fragment removed.
	URL string `json:"url"`
	// HTTPVersion is the protocol's version, such as "HTTP/1.1".
	HTTPVersion string `json:"httpVersion"`
	// Cookies are the cookies sent; written as [] when empty.
	Cookies []Cookie `json:"cookies"`
	// Headers are the header fields sent, in order; written as [] when
	// empty.
	Headers []NameValue `json:"headers"`
	// QueryString is the URL's query, parsed into pairs; written as []
	// when empty.
	QueryString []NameValue `json:"queryString"`
	// PostData is the request body, if any.
	PostData *PostData `json:"postData,omitempty"`
	// HeadersSize is the number of bytes from the request line through
	// the empty line that ends the header, or -1 if not known.
	HeadersSize int64 `json:"headersSize"`
	// BodySize is the number of body bytes sent, or -1 if not known.
	BodySize int64 `json:"bodySize"`
	// Comment is optional.
	Comment string `json:"comment,omitempty"`
}

// Response is a response as received.
type Response struct {
	// Status is the status code, such as 200 or 304.
	Status int `json:"status"`
	// StatusText is the status line's reason phrase, such as "OK".
	StatusText string `json:"statusText"`
	// HTTPVersion is the protocol's version, such as "HTTP/1.1".
	HTTPVersion string `json:"httpVersion"`
	// Cookies are the cookies set; written as [] when empty.
	Cookies []Cookie `json:"cookies"`
	// Headers are the header fields received, in order; written as []
	// when empty.
	Headers []NameValue `json:"headers"`
	// Content describes the response body.
	Content Content `json:"content"`
	// RedirectURL is the Location header's target, or "".
	RedirectURL string `json:"redirectURL"`
	// HeadersSize is the number of bytes from the status line through
	// the empty line that ends the header, or -1 if not known.
	HeadersSize int64 `json:"headersSize"`
	// BodySize is the number of body bytes received as sent (before
	// decompression), 0 for a response served from the cache (304), or
	// -1 if not known.
	BodySize int64 `json:"bodySize"`
	// Comment is optional.
	Comment string `json:"comment,omitempty"`
}

// Cookie is a cookie sent or set.
type Cookie struct {
	// Name is the cookie's name.
	Name string `json:"name"`
	// Value is the cookie's value.
	Value string `json:"value"`
	// Path is the cookie's path, if any.
	Path string `json:"path,omitempty"`
	// Domain is the cookie's domain, if any.
	Domain string `json:"domain,omitempty"`
	// Expires is when the cookie expires (an ISO 8601 time, see [Time]),
	// if it does.
	Expires string `json:"expires,omitempty"`
	// HTTPOnly is set for a cookie hidden from scripts.
	HTTPOnly bool `json:"httpOnly,omitempty"`
	// Secure is set for a cookie sent only over TLS.
	Secure bool `json:"secure,omitempty"`
	// Comment is optional.
	Comment string `json:"comment,omitempty"`
}

// NameValue is one header field or one query-string parameter.
type NameValue struct {
	// Name is the field's or parameter's name.
	Name string `json:"name"`
	// Value is its value.
	Value string `json:"value"`
	// Comment is optional.
	Comment string `json:"comment,omitempty"`
}

// PostData is a request body. The spec makes Params and Text mutually
// exclusive: set Params for URL-encoded parameters, Text otherwise; leave
// PostData out for an empty body.
type PostData struct {
	// MimeType is the body's media type.
	MimeType string `json:"mimeType"`
	// Params are the posted parameters, for a URL-encoded body.
	Params []Param `json:"params,omitempty"`
	// Text is the posted body as text.
	Text string `json:"text,omitempty"`
	// Comment is optional.
	Comment string `json:"comment,omitempty"`
}

// Param is one posted parameter.
type Param struct {
	// Name is the parameter's name.
	Name string `json:"name"`
	// Value is its value, or the file's content for a posted file.
	Value string `json:"value,omitempty"`
	// FileName is the name of a posted file.
	FileName string `json:"fileName,omitempty"`
	// ContentType is the media type of a posted file.
	ContentType string `json:"contentType,omitempty"`
	// Comment is optional.
	Comment string `json:"comment,omitempty"`
}

// Content describes a response body after decoding.
type Content struct {
	// Size is the body's length in bytes after decompression: equal to
	// Response.BodySize without compression, bigger with it; for a 304
	// it is the size of the cached body.
	Size int64 `json:"size"`
	// Compression is the number of bytes compression saved, if known.
	Compression int64 `json:"compression,omitempty"`
	// MimeType is the Content-Type header's value, parameters included.
	MimeType string `json:"mimeType"`
	// Text is the body, decoded, if recorded; with Encoding "base64" it
	// is base64 of the bytes (for binary bodies).
	Text string `json:"text,omitempty"`
	// Encoding says how Text is encoded ("base64"), if it is.
	Encoding string `json:"encoding,omitempty"`
	// Comment is optional.
	Comment string `json:"comment,omitempty"`
}

// Timings are the phases of a request, in milliseconds (see [Ms]). Send,
// Wait and Receive always apply; the others are [NotApplicable] when they
// do not (DNS and Connect for a reused connection, SSL without TLS). All
// are always written.
type Timings struct {
	// Blocked is the time spent queued, waiting for a connection.
	Blocked float64 `json:"blocked"`
	// DNS is the time of the name lookup.
	DNS float64 `json:"dns"`
	// Connect is the time to open the connection, TLS included.
	Connect float64 `json:"connect"`
	// Send is the time to send the request.
	Send float64 `json:"send"`
	// Wait is the time from the request sent to the response's first
	// byte.
	Wait float64 `json:"wait"`
	// Receive is the time to read the response.
	Receive float64 `json:"receive"`
	// SSL is the TLS handshake's time. It is part of Connect already, so
	// it is not added to the total again.
	SSL float64 `json:"ssl"`
	// Comment is optional.
	Comment string `json:"comment,omitempty"`
}

// Total is the sum of the timings that apply (those >= 0) of Blocked,
// DNS, Connect, Send, Wait and Receive, rounded to the microsecond: the
// value for [Entry.Time]. SSL is not added, being part of Connect.
func (t Timings) Total() float64 {
	sum := 0.0
	for _, v := range [...]float64{t.Blocked, t.DNS, t.Connect, t.Send, t.Wait, t.Receive} {
		if v >= 0 {
			sum += v
		}
	}
	return roundMicro(sum)
}

// Cache says what the client's cache held for an entry's URL before and
// after the request. With both states unknown it is written as {}.
type Cache struct {
	// BeforeRequest is the cache entry before the request.
	BeforeRequest CacheState `json:"beforeRequest,omitzero"`
	// AfterRequest is the cache entry after the request.
	AfterRequest CacheState `json:"afterRequest,omitzero"`
	// Comment is optional.
	Comment string `json:"comment,omitempty"`
}

// CacheEntry is a cache entry as HAR describes it.
type CacheEntry struct {
	// Expires is when the entry expires, if it does.
	Expires string `json:"expires,omitempty"`
	// LastAccess is when the entry was last opened.
	LastAccess string `json:"lastAccess"`
	// ETag is the entry's entity tag, or "".
	ETag string `json:"eTag"`
	// HitCount is how many times the entry has been opened.
	HitCount int `json:"hitCount"`
	// Comment is optional.
	Comment string `json:"comment,omitempty"`
}

// CacheState is what is known of a cache entry at one moment. HAR tells
// three cases apart: the zero CacheState is "not known", and the field
// is left out; [NotCached] is "there was no entry", written as null;
// [Cached] holds the entry, written as an object.
type CacheState struct {
	known bool
	entry *CacheEntry
}

// NotCached is the state of a cache that held no entry.
func NotCached() CacheState { return CacheState{known: true} }

// Cached is the state of a cache that held e.
func Cached(e CacheEntry) CacheState { return CacheState{known: true, entry: &e} }

// Known reports whether the state is known (NotCached or Cached).
func (s CacheState) Known() bool { return s.known }

// IsZero reports whether the state is unknown; encoding/json's omitzero
// leaves such a field out.
func (s CacheState) IsZero() bool { return !s.known }

// Entry returns the cached entry, and false if there is none or the
// state is unknown.
func (s CacheState) Entry() (CacheEntry, bool) {
	if s.entry == nil {
		return CacheEntry{}, false
	}
	return *s.entry, true
}
