package cookie

import (
	"strings"
	"testing"

	"github.com/hopsnet/hops/sim"
)

// FuzzParse: no input panics Parse or the jar; a cookie Parse accepts
// formats (String) to a header that parses back to the same cookie, with
// no control character and nothing a Cookie header could not carry; and
// the jar never stores a cookie over the size limits.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"a=b",
		" a = b ; Path=/x; Domain=.Example.COM; Secure; HttpOnly; SameSite=lax",
		"a=b; Expires=Wed, 09 Jun 2021 10:18:14 GMT",
		"a=b; Expires=Wednesday, 09-Jun-21 10:18:14 GMT; Max-Age=60",
		"a=b; expires=Wed Jun  9 10:18:14 2021; max-age=-1",
		"a=b; Max-Age=99999999999999999999",
		"a=b; Domain=..x; Path=rel; Path=/p=q",
		"a=b; Domain=.",
		`a="b c"; samesite=none`,
		"a=b; Expires=1 Jan 1601 0:0:0",
		"a=b; Expires=31 Dec 9999 23:59:59",
		"a=b\r\nX: y",
		"=b", "a", "", ";", "a=b;;;=;",
		"n=" + strings.Repeat("v", MaxNameValueBytes-1),
	}
	for _, s := range seeds {
		f.Add(s, int64(0))
	}
	f.Add("a=b; Max-Age=60", int64(-1e18))
	f.Add("a=b; Max-Age=9223372036", int64(1e18))
	f.Fuzz(func(t *testing.T, s string, now int64) {
		c, err := Parse(s, sim.Time(now))
		if err == nil {
			str := c.String()
			for i := 0; i < len(str); i++ {
				if b := str[i]; b < 0x20 && b != '\t' || b == 0x7f {
					t.Fatalf("String() = %q has a control character", str)
				}
			}
			back, err := Parse(str, sim.Time(now))
			if err != nil || !same(back, c) {
				t.Fatalf("Parse(%q) =\n\t%#v\nString() = %q, which parses to\n\t%#v, %v", s, c, str, back, err)
			}
			if strings.ContainsAny(c.Name, ";=") || strings.Contains(c.Value, ";") {
				t.Fatalf("Parse(%q): name %q value %q", s, c.Name, c.Value)
			}
		}
		j := NewJar(Config{MaxPerDomain: 2, MaxCookies: 3})
		u := URL{Scheme: "http", Host: "www.example.com", Path: "/a/b"}
		j.SetCookies(sim.Time(now), u, []string{s, "x=1", s + "; Domain=example.com"})
		j.Header(sim.Time(now), u)
		e := j.Entries()
		if len(e) > 3 {
			t.Fatalf("%d cookies stored, limit 3", len(e))
		}
		for _, c := range e {
			if len(c.Name)+len(c.Value) > MaxNameValueBytes || len(c.Path) > MaxAttributeBytes || c.Path == "" || c.Secure {
				t.Fatalf("stored %#v", c)
			}
		}
	})
}
