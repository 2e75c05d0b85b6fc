package cookie

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hopsnet/hops/sim"
)

// Limits on what a cookie may hold (RFC 6265bis section 5.6, which puts
// numbers on RFC 6265 section 6.1's "at least 4096 bytes").
const (
	// MaxNameValueBytes bounds a cookie's name and value together; Parse
	// rejects a longer pair and the jar ignores it.
	MaxNameValueBytes = 4096
	// MaxAttributeBytes bounds an attribute's value; a longer attribute
	// is ignored as if it were not there (the cookie itself is kept).
	MaxAttributeBytes = 1024
)

// The errors of Parse. A Set-Cookie header that gives one is ignored
// entirely.
var (
	ErrNoEquals  = errors.New("cookie: the name-value pair has no '='")
	ErrEmptyName = errors.New("cookie: the name is empty")
	ErrTooLarge  = errors.New("cookie: name and value are longer than 4096 bytes")
	ErrControl   = errors.New("cookie: control character")
)

// DefaultEpoch is the wall-clock instant that virtual time zero stands
// for when a Config gives none: 2000-01-01T00:00:00Z.
func DefaultEpoch() time.Time { return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) }

// earliest is the earliest virtual time, the expiry of a cookie whose
// Max-Age is zero or negative (RFC 6265 section 5.2.2).
const earliest = sim.Time(math.MinInt64)

// A Cookie is one cookie. Parse fills the fields of the Set-Cookie header
// (Name to SameSite) and the expiry; a jar's cookies also have the rest of
// RFC 6265 section 5.3's storage model (HostOnly, Creation, LastAccess),
// and their Domain and Path are the cookie's own, never empty.
type Cookie struct {
	Name  string
	Value string // as sent, quotes included: section 5 treats it as opaque

	// Domain is the Domain attribute: lower-cased, one leading dot
	// removed, "" when absent. In a jar it is the cookie's domain (the
	// request's host for a host-only cookie).
	Domain string
	// Path is the Path attribute, "" when absent or not starting with
	// "/" (section 5.2.4: the jar then uses the request's default path).
	// In a jar it is the cookie's path.
	Path string
	// Expires is the Expires attribute parsed with ParseDate (in UTC),
	// zero when absent or unparseable. It is an absolute date; Expiry is
	// the same instant in virtual time.
	Expires time.Time
	// MaxAge is the Max-Age attribute in seconds: 0 when absent, -1 when
	// zero or negative (the cookie expires at once). Out-of-range values
	// are clamped to the int64 range.
	MaxAge   int64
	Secure   bool
	HttpOnly bool
	// SameSite is "Strict", "Lax" or "None" (RFC 6265bis section
	// 5.6.7), matched without regard to case, and "" when the attribute
	// is absent or has another value. It is recorded only: hops enforces
	// no same-site rules.
	SameSite string

	// Persistent is set when the cookie has a Max-Age or an Expires.
	Persistent bool
	// Expiry is the virtual time at which the cookie expires: from
	// Max-Age when there is one (it takes precedence), else from Expires
	// mapped through the epoch (the default one for Parse, the jar's own
	// in a jar), else sim.Never. A cookie has expired at Expiry and
	// after. Times beyond sim.Time's range are clamped to it.
	Expiry sim.Time

	// HostOnly: the cookie goes only to the host that set it, not to
	// its subdomains (it had no Domain attribute, or one naming the host
	// itself when that is a public suffix or an IP address). Jar cookies
	// only.
	HostOnly bool
	// Creation and LastAccess are when the cookie was first stored and
	// last stored or sent. Jar cookies only.
	Creation   sim.Time
	LastAccess sim.Time
}

// Expired reports whether c has expired at now.
func (c Cookie) Expired(now sim.Time) bool { return c.Expiry <= now }

// Parse parses a Set-Cookie header value with the algorithm of RFC 6265
// section 5.2, at virtual time now (the start of Max-Age). The name-value
// pair is what precedes the first ';'; it needs an '=' and a non-empty
// name, and names and values lose their surrounding spaces and tabs.
// Attributes follow, separated by ';', their names matched without regard
// to case; unknown ones are ignored, and when one appears twice the last
// counts. An Expires date is mapped to virtual time through DefaultEpoch;
// a jar maps it through its own epoch.
//
// Beyond RFC 6265 and after RFC 6265bis section 5.6, Parse rejects a
// header with a control character other than tab (ErrControl) and a name
// and value longer than MaxNameValueBytes together (ErrTooLarge), and
// ignores attributes whose value is longer than MaxAttributeBytes.
func Parse(setCookie string, now sim.Time) (Cookie, error) {
	return parse(setCookie, now, DefaultEpoch())
}

func parse(s string, now sim.Time, epoch time.Time) (Cookie, error) {
	var c Cookie
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 && b != '\t' || b == 0x7f {
			return c, ErrControl
		}
	}
	pair, attrs, _ := strings.Cut(s, ";")
	name, value, ok := strings.Cut(pair, "=")
	if !ok {
		return c, ErrNoEquals
	}
	c.Name, c.Value = trimWSP(name), trimWSP(value)
	if c.Name == "" {
		return c, ErrEmptyName
	}
	if len(c.Name)+len(c.Value) > MaxNameValueBytes {
		return c, ErrTooLarge
	}
	for attrs != "" {
		var av string
		av, attrs, _ = strings.Cut(attrs, ";")
		name, value, _ := strings.Cut(av, "=")
		name, value = trimWSP(name), trimWSP(value)
		if len(value) > MaxAttributeBytes {
			continue
		}
		switch {
		case strings.EqualFold(name, "Expires"):
			if t, ok := ParseDate(value); ok {
				c.Expires = t
			}
		case strings.EqualFold(name, "Max-Age"):
			if v, ok := parseMaxAge(value); ok {
				c.MaxAge = v
			}
		case strings.EqualFold(name, "Domain"):
			// Section 5.2.3: an empty value is ignored; "." leaves an
			// empty domain, which section 5.3 step 6 makes host-only.
			if value != "" {
				c.Domain = lowerASCII(strings.TrimPrefix(value, "."))
			}
		case strings.EqualFold(name, "Path"):
			if strings.HasPrefix(value, "/") {
				c.Path = value
			} else {
				c.Path = "" // the default path, which wins as the last Path
			}
		case strings.EqualFold(name, "Secure"):
			c.Secure = true
		case strings.EqualFold(name, "HttpOnly"):
			c.HttpOnly = true
		case strings.EqualFold(name, "SameSite"):
			c.SameSite = ""
			for _, v := range [...]string{"Strict", "Lax", "None"} {
				if strings.EqualFold(value, v) {
					c.SameSite = v
				}
			}
		}
	}
	c.Persistent, c.Expiry = expiry(c.MaxAge, c.Expires, now, epoch)
	return c, nil
}

// expiry derives a cookie's persistent flag and expiry from its Max-Age
// and Expires (section 5.3 step 3: Max-Age first).
func expiry(maxAge int64, expires time.Time, now sim.Time, epoch time.Time) (bool, sim.Time) {
	switch {
	case maxAge < 0:
		return true, earliest
	case maxAge > 0:
		return true, addSeconds(now, maxAge)
	case !expires.IsZero():
		// time.Time.Sub saturates at the range of time.Duration, which
		// is sim.Time's.
		return true, sim.Time(expires.Sub(epoch))
	}
	return false, sim.Never
}

// addSeconds returns now plus secs seconds (secs > 0), clamped to
// sim.Never.
func addSeconds(now sim.Time, secs int64) sim.Time {
	if secs > math.MaxInt64/int64(time.Second) {
		return sim.Never
	}
	d := secs * int64(time.Second)
	if now > 0 && d > int64(sim.Never-now) {
		return sim.Never
	}
	return now + sim.Time(d)
}

// parseMaxAge reads a Max-Age value (section 5.2.2): an optional '-' and
// digits only. Zero and negative values become -1.
func parseMaxAge(v string) (int64, bool) {
	digits := strings.TrimPrefix(v, "-")
	if digits == "" {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil { // only a range error is left: clamp
		n = math.MaxInt64
		if v[0] == '-' {
			n = math.MinInt64
		}
	}
	if n <= 0 {
		return -1, true
	}
	return n, true
}

// trimWSP removes leading and trailing spaces and tabs (WSP).
func trimWSP(s string) string { return strings.Trim(s, " \t") }

// lowerASCII lower-cases ASCII letters and keeps every other byte.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b >= 'A' && b <= 'Z' {
			buf := []byte(s)
			for j := i; j < len(buf); j++ {
				buf[j] = lower(buf[j])
			}
			return string(buf)
		}
	}
	return s
}

// String formats c as a Set-Cookie header value: the name-value pair and
// the attributes Parse reads, in a fixed order, the date in the RFC 1123
// form. A host-only cookie of a jar has no Domain. For a cookie that
// Parse returned, Parse(c.String(), now) gives c back.
func (c Cookie) String() string {
	var b strings.Builder
	b.WriteString(c.Name)
	b.WriteByte('=')
	b.WriteString(c.Value)
	if c.Path != "" {
		b.WriteString("; Path=")
		b.WriteString(c.Path)
	}
	if c.Domain != "" && !c.HostOnly {
		b.WriteString("; Domain=")
		if d := c.Domain[0]; d == '.' || d == ' ' || d == '\t' {
			b.WriteByte('.') // Parse trims spaces, then removes one leading dot
		}
		b.WriteString(c.Domain)
	}
	if !c.Expires.IsZero() {
		b.WriteString("; Expires=")
		b.WriteString(c.Expires.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"))
	}
	if c.MaxAge != 0 {
		b.WriteString("; Max-Age=")
		b.WriteString(strconv.FormatInt(max(c.MaxAge, 0), 10))
	}
	if c.Secure {
		b.WriteString("; Secure")
	}
	if c.HttpOnly {
		b.WriteString("; HttpOnly")
	}
	if c.SameSite != "" {
		b.WriteString("; SameSite=")
		b.WriteString(c.SameSite)
	}
	return b.String()
}
