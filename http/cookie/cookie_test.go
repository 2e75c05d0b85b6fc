package cookie

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

// same reports whether two cookies are equal, their Expires compared as
// instants.
func same(a, b Cookie) bool {
	ea, eb := a.Expires, b.Expires
	a.Expires, b.Expires = time.Time{}, time.Time{}
	return a == b && ea.Equal(eb)
}

const sec = sim.Time(time.Second)

// TestParse runs RFC 6265 section 5.2's algorithm: the name-value pair,
// then each attribute of section 5.2.1 to 5.2.6 (and SameSite, RFC
// 6265bis section 5.6.7). now is 10s throughout.
func TestParse(t *testing.T) {
	const now = 10 * sec
	session := func(name, value string) Cookie {
		return Cookie{Name: name, Value: value, Expiry: sim.Never}
	}
	with := func(c Cookie, f func(*Cookie)) Cookie { f(&c); return c }
	y2k1m := time.Date(2000, 1, 1, 0, 1, 0, 0, time.UTC) // one minute after the default epoch
	big := strings.Repeat("v", MaxNameValueBytes-1)
	tests := []struct {
		in   string
		want Cookie
		err  error
	}{
		// The name-value pair (section 5.2 steps 1-5).
		{in: "a=b", want: session("a", "b")},
		{in: " a \t= b ", want: session("a", "b")},
		{in: "a=b=c", want: session("a", "b=c")},
		{in: "a=", want: session("a", "")},
		{in: `a="b c"`, want: session("a", `"b c"`)},
		{in: "a b=c d", want: session("a b", "c d")},
		{in: "a=b;", want: session("a", "b")},
		{in: "a", err: ErrNoEquals},
		{in: "a; b=c", err: ErrNoEquals}, // the pair ends at the first ';'
		{in: "=b", err: ErrEmptyName},
		{in: " \t=b", err: ErrEmptyName},
		{in: "", err: ErrNoEquals},
		// RFC 6265bis section 5.6: control characters and size.
		{in: "a=b\r\nX-Injected: 1", err: ErrControl},
		{in: "a=b; Path=/\x00", err: ErrControl},
		{in: "a=b\x7f", err: ErrControl},
		{in: "a\tb=c", want: session("a\tb", "c")},
		{in: "n=" + big, want: session("n", big)},
		{in: "nn=" + big, err: ErrTooLarge},
		// Unknown and empty attributes are ignored.
		{in: "a=b; ; Foo=bar; ;", want: session("a", "b")},
		// Domain (section 5.2.3): one leading dot dropped, lower-cased,
		// empty ignored, "." leaves an empty domain, the last one counts.
		{in: "a=b; Domain=Example.COM", want: with(session("a", "b"), func(c *Cookie) { c.Domain = "example.com" })},
		{in: "a=b; domain=.example.com", want: with(session("a", "b"), func(c *Cookie) { c.Domain = "example.com" })},
		{in: "a=b; Domain=..example.com", want: with(session("a", "b"), func(c *Cookie) { c.Domain = ".example.com" })},
		{in: "a=b; Domain=", want: session("a", "b")},
		{in: "a=b; Domain=x.org; Domain=", want: with(session("a", "b"), func(c *Cookie) { c.Domain = "x.org" })},
		{in: "a=b; Domain=x.org; Domain=.", want: session("a", "b")},
		{in: "a=b; Domain=x.org; DOMAIN=y.org", want: with(session("a", "b"), func(c *Cookie) { c.Domain = "y.org" })},
		// Path (section 5.2.4): kept when it starts with "/", else the
		// default path (""), and the last one counts.
		{in: "a=b; Path=/p/q", want: with(session("a", "b"), func(c *Cookie) { c.Path = "/p/q" })},
		{in: "a=b; path= /p ", want: with(session("a", "b"), func(c *Cookie) { c.Path = "/p" })},
		{in: "a=b; Path=p", want: session("a", "b")},
		{in: "a=b; Path=/p; Path=q", want: session("a", "b")},
		{in: "a=b; Path=/p; Path=/q", want: with(session("a", "b"), func(c *Cookie) { c.Path = "/q" })},
		{in: "a=b; Path=/" + strings.Repeat("p", MaxAttributeBytes), want: session("a", "b")}, // 1025 bytes: ignored
		// Secure and HttpOnly (sections 5.2.5, 5.2.6): values ignored.
		{in: "a=b; Secure; HttpOnly", want: with(session("a", "b"), func(c *Cookie) { c.Secure, c.HttpOnly = true, true })},
		{in: "a=b; secure=no; HTTPONLY=0", want: with(session("a", "b"), func(c *Cookie) { c.Secure, c.HttpOnly = true, true })},
		// SameSite: one of three values, the last one counts.
		{in: "a=b; samesite=lax", want: with(session("a", "b"), func(c *Cookie) { c.SameSite = "Lax" })},
		{in: "a=b; SameSite=STRICT", want: with(session("a", "b"), func(c *Cookie) { c.SameSite = "Strict" })},
		{in: "a=b; SameSite=None", want: with(session("a", "b"), func(c *Cookie) { c.SameSite = "None" })},
		{in: "a=b; SameSite=Bogus", want: session("a", "b")},
		{in: "a=b; SameSite=Lax; SameSite", want: session("a", "b")},
		// Max-Age (section 5.2.2): from now, zero or negative is the
		// earliest time, anything but an optional '-' and digits is
		// ignored.
		{in: "a=b; Max-Age=60", want: with(session("a", "b"), func(c *Cookie) { c.MaxAge, c.Persistent, c.Expiry = 60, true, 70*sec })},
		{in: "a=b; max-age=007", want: with(session("a", "b"), func(c *Cookie) { c.MaxAge, c.Persistent, c.Expiry = 7, true, 17*sec })},
		{in: "a=b; Max-Age=0", want: with(session("a", "b"), func(c *Cookie) { c.MaxAge, c.Persistent, c.Expiry = -1, true, earliest })},
		{in: "a=b; Max-Age=-5", want: with(session("a", "b"), func(c *Cookie) { c.MaxAge, c.Persistent, c.Expiry = -1, true, earliest })},
		{in: "a=b; Max-Age=-99999999999999999999", want: with(session("a", "b"), func(c *Cookie) { c.MaxAge, c.Persistent, c.Expiry = -1, true, earliest })},
		{in: "a=b; Max-Age=99999999999999999999", want: with(session("a", "b"), func(c *Cookie) { c.MaxAge, c.Persistent, c.Expiry = math.MaxInt64, true, sim.Never })},
		{in: "a=b; Max-Age=9223372036", want: with(session("a", "b"), func(c *Cookie) { c.MaxAge, c.Persistent, c.Expiry = 9223372036, true, sim.Never })},
		{in: "a=b; Max-Age=+5", want: session("a", "b")},
		{in: "a=b; Max-Age=5s", want: session("a", "b")},
		{in: "a=b; Max-Age=-", want: session("a", "b")},
		{in: "a=b; Max-Age=", want: session("a", "b")},
		{in: "a=b; Max-Age=60; Max-Age=x", want: with(session("a", "b"), func(c *Cookie) { c.MaxAge, c.Persistent, c.Expiry = 60, true, 70*sec })},
		// Expires (section 5.2.1): through the default epoch; an
		// unparseable date is ignored.
		{in: "a=b; Expires=Sat, 01 Jan 2000 00:01:00 GMT", want: with(session("a", "b"), func(c *Cookie) { c.Expires, c.Persistent, c.Expiry = y2k1m, true, 60*sec })},
		{in: "a=b; expires=Sat, 01 Jan 2000 00:01:00 GMT; Expires=soon", want: with(session("a", "b"), func(c *Cookie) { c.Expires, c.Persistent, c.Expiry = y2k1m, true, 60*sec })},
		{in: "a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT", want: with(session("a", "b"), func(c *Cookie) {
			c.Expires, c.Persistent, c.Expiry = time.Unix(0, 0), true, -sim.Time(DefaultEpoch().Sub(time.Unix(0, 0)))
		})},
		{in: "a=b; Expires=1 Jan 1601 0:0:0", want: with(session("a", "b"), func(c *Cookie) { // beyond sim.Time: clamped
			c.Expires, c.Persistent, c.Expiry = time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC), true, earliest
		})},
		// Max-Age takes precedence over Expires, wherever it stands
		// (section 5.3 step 3).
		{in: "a=b; Max-Age=60; Expires=Sat, 01 Jan 2000 00:01:00 GMT", want: with(session("a", "b"), func(c *Cookie) { c.MaxAge, c.Expires, c.Persistent, c.Expiry = 60, y2k1m, true, 70*sec })},
		{in: "a=b; Expires=Sat, 01 Jan 2000 00:01:00 GMT; Max-Age=0", want: with(session("a", "b"), func(c *Cookie) { c.MaxAge, c.Expires, c.Persistent, c.Expiry = -1, y2k1m, true, earliest })},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, now)
		if err != tt.err || err == nil && !same(got, tt.want) {
			t.Errorf("Parse(%.60q) =\n\t%#v, %v\nwant\n\t%#v, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// TestString: the attributes in a fixed order, the date in RFC 1123
// form, and what Parse reads back.
func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a=b", "a=b"},
		{" a = b ; secure; path=/x; max-age=0; httponly; domain=.A.org; samesite=lax; expires=Wednesday, 09-Jun-21 10:18:14 GMT",
			"a=b; Path=/x; Domain=a.org; Expires=Wed, 09 Jun 2021 10:18:14 GMT; Max-Age=0; Secure; HttpOnly; SameSite=Lax"},
		{"a=; Max-Age=60", "a=; Max-Age=60"},
		{"a=b; Domain=..x.org", "a=b; Domain=..x.org"},
	}
	for _, tt := range tests {
		c, err := Parse(tt.in, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		back, err := Parse(c.String(), 0)
		if err != nil || !same(back, c) {
			t.Errorf("Parse(%q) = %#v, %v; want %#v", c.String(), back, err, c)
		}
	}
}
