package cookie

// Go's net/http/cookiejar (the standard library's RFC 6265 jar, written
// by others) judges the jar: both get the same Set-Cookie headers and
// requests, and their Cookie headers must match.
//
// cookiejar reads the wall clock, so virtual time maps to real time
// through an epoch taken when the test starts: virtual second i is about
// epoch+i, while cookiejar's clock sits a few milliseconds past epoch for
// the whole test. Every Max-Age and Expires in the table is therefore
// hours or days away from now, never near a boundary; the exact ageing in
// virtual time is tested in TestJar.
//
// cookiejar runs with a nil PublicSuffixList, which makes every domain
// non-public, so the table avoids one-label Domain attributes except in a
// case marked as a difference. Requests are http only: cookiejar stores
// Secure cookies from http and sends them over https, where hops ignores
// them (RFC 6265bis storage model), and over http both send nothing.
//
// Where the two legitimately differ, the step gives cookiejar's header
// and the section of the RFC that backs hops.

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

// A jstep is one call on both jars: with set, SetCookies; without, the
// Cookie header of a request, which must be want (and goWant for
// cookiejar when why says why they differ).
type jstep struct {
	url    string
	set    []string
	want   string
	goWant string
	why    string
}

func jset(u string, values ...string) jstep { return jstep{url: u, set: values} }
func jget(u, want string) jstep             { return jstep{url: u, want: want} }
func jdiffer(u, want, goWant, why string) jstep {
	return jstep{url: u, want: want, goWant: goWant, why: why}
}

func TestJudgeCookiejar(t *testing.T) {
	epoch := time.Now().UTC().Truncate(time.Second)
	rfc1123 := func(d time.Duration) string { return epoch.Add(d).Format("Mon, 02 Jan 2006 15:04:05 GMT") }
	const day = 24 * time.Hour
	past, future := rfc1123(-day), rfc1123(day)
	const www = "http://www.example.com/"

	tests := []struct {
		name  string
		steps []jstep
	}{
		{"host-only", []jstep{
			jset(www, "a=1", "b=2"),
			jget(www, "a=1; b=2"),
			jget("http://WWW.Example.com:8080/x", "a=1; b=2"),
			jget("http://www.example.com./", "a=1; b=2"),
			jget("http://example.com/", ""),
			jget("http://x.www.example.com/", ""),
		}},
		{"domain", []jstep{
			jset(www, "a=1; Domain=example.com", "b=2; Domain=.EXAMPLE.COM", "c=3; domain=www.example.com"),
			jget(www, "a=1; b=2; c=3"),
			jget("http://example.com/", "a=1; b=2"),
			jget("http://a.b.example.com/", "a=1; b=2"),
			jget("http://x.www.example.com/", "a=1; b=2; c=3"),
			jget("http://badexample.com/", ""),
		}},
		{"domain not matching the host", []jstep{
			jset(www, "a=1; Domain=other.com", "b=2; Domain=x.www.example.com", "c=3; Domain=ample.com",
				"d=4; Domain=example.com.", "e=5; Domain=other.com; Domain=example.com"),
			jget(www, "e=5"),
			jget("http://other.com/", ""),
			jget("http://x.www.example.com/", "e=5"),
		}},
		{"paths", []jstep{
			jset("http://h.org/a/b/c", "def=1", "rel=2; Path=rel", "foo=3; Path=/foo", "foos=4; Path=/foo/"),
			jget("http://h.org/a/b", "def=1; rel=2"),
			jget("http://h.org/a/b/c/d", "def=1; rel=2"),
			jget("http://h.org/a/bc", ""),
			jget("http://h.org/foo", "foo=3"),
			jget("http://h.org/foo/x", "foos=4; foo=3"),
			jget("http://h.org/foobar", ""),
			jget("http://h.org", ""),
			jset("http://h.org/top", "top=5"),
			jget("http://h.org", "top=5"),
		}},
		{"order", []jstep{
			jset("http://h.org/", "a=1"),
			jset("http://h.org/", "b=2; Path=/x/y"),
			jset("http://h.org/", "c=3; Path=/x"),
			jset("http://h.org/", "z=1", "y=2", "x=3"),
			jget("http://h.org/x/y/z", "b=2; c=3; a=1; z=1; y=2; x=3"),
		}},
		{"replacement keeps the creation time", []jstep{
			jset("http://example.com/", "a=1"),
			jset("http://example.com/", "b=2"),
			jset("http://example.com/", "a=3"),
			jget("http://example.com/", "a=3; b=2"),
			jset("http://example.com/", "b=4; Domain=example.com"), // same name, domain and path
			jget("http://example.com/", "a=3; b=4"),
			jget("http://www.example.com/", "b=4"),
		}},
		{"deletion", []jstep{
			jset("http://h.org/", "a=1", "b=2", "c=3", "d=4", "e=5"),
			jset("http://h.org/", "a=; Max-Age=0", "b=; Max-Age=-1", "c=; Expires="+past,
				"d=1; Expires="+future+"; Max-Age=0", "x=; Max-Age=0"),
			jget("http://h.org/", "e=5"),
		}},
		{"expiry far from now", []jstep{
			jset("http://h.org/", "a=1; Max-Age=3600", "b=2; Expires="+future, "c=3; Max-Age=3600; Expires="+past,
				"d=4; Expires="+past, "e=5; Expires="+rfc1123(-365*day)),
			jget("http://h.org/", "a=1; b=2; c=3"),
		}},
		{"attributes that change nothing here", []jstep{
			jset("http://h.org/", "a=1; HttpOnly", "b=2; SameSite=Strict", "c=3; Secure", `d="q"`, "e=5; Unknown=x"),
			jget("http://h.org/", `a=1; b=2; d="q"; e=5`),
		}},
		{"IP address", []jstep{
			jset("http://10.0.0.1/", "a=1", "b=2; Domain=10.0.0.1", "c=3; Domain=0.0.1"),
			jget("http://10.0.0.1:8080/", "a=1; b=2"),
		}},
		// Legitimate differences.
		{"Domain=. is host-only", []jstep{
			jset(www, "a=1; Domain=."),
			jdiffer(www, "a=1", "", "RFC 6265 section 5.2.3 drops the dot, leaving an empty domain; section 5.3 step 6 makes that host-only. cookiejar rejects it"),
		}},
		{"Domain=.IP", []jstep{
			jset("http://10.0.0.1/", "a=1; Domain=.10.0.0.1"),
			jdiffer("http://10.0.0.1/", "a=1", "", "RFC 6265 section 5.2.3 drops a leading dot from any Domain; cookiejar keeps it for IP addresses and rejects the cookie"),
		}},
		{"one-label Domain is a public suffix", []jstep{
			jset(www, "a=1; Domain=com"),
			jdiffer(www, "", "a=1", "RFC 6265 section 5.3 step 5, with hops' rule that one-label domains are public suffixes; cookiejar with a nil PublicSuffixList has none"),
		}},
		{"asctime and RFC 850 dates", []jstep{
			jset("http://h.org/", "a=1; Expires="+epoch.Add(-day).Format("Mon Jan _2 15:04:05 2006"),
				"b=2; Expires="+epoch.Add(-day).Format("Monday, 02-Jan-06 15:04:05 GMT"),
				"c=3; Expires="+epoch.Add(day).Format("Mon Jan _2 15:04:05 2006")),
			jdiffer("http://h.org/", "c=3", "a=1; b=2; c=3", "RFC 6265 section 5.1.1 parses every date format of HTTP; net/http reads only RFC 1123 dates and ignores these Expires, making session cookies"),
		}},
		{"names and values are opaque", []jstep{
			jset("http://h.org/", "a b=1", `c=x"y`, "d=x\\y", "e=1"),
			jdiffer("http://h.org/", `a b=1; c=x"y; d=x\y; e=1`, "e=1", "RFC 6265 section 5.2 takes any name and value; net/http drops names that are not tokens and values with '\"' or '\\'"),
		}},
		{"4096 bytes", []jstep{
			jset("http://h.org/", "a="+strings.Repeat("x", 4096), "b=2"),
			jdiffer("http://h.org/", "b=2", "a="+strings.Repeat("x", 4096)+"; b=2", "RFC 6265bis section 5.6 ignores a name and value over 4096 bytes; cookiejar has no limit"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hops := NewJar(Config{Epoch: epoch})
			gojar, err := cookiejar.New(nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tt.steps {
				now := sim.Time(i) * sim.Time(time.Second)
				u, err := url.Parse(s.url)
				if err != nil {
					t.Fatal(err)
				}
				hu := URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
				if s.set != nil {
					hops.SetCookies(now, hu, s.set)
					var cs []*http.Cookie
					for _, v := range s.set {
						if c, err := http.ParseSetCookie(v); err == nil {
							cs = append(cs, c)
						}
					}
					gojar.SetCookies(u, cs)
					continue
				}
				got := hops.Header(now, hu)
				goGot := goHeader(gojar.Cookies(u))
				goWant := s.want
				if s.why != "" {
					goWant = s.goWant
				}
				if got != s.want {
					t.Errorf("step %d, %s: hops sends %q, want %q", i, s.url, got, s.want)
				}
				if goGot != goWant {
					t.Errorf("step %d, %s: cookiejar sends %q, want %q", i, s.url, goGot, goWant)
				}
				if s.why == "" && got != goGot {
					t.Errorf("step %d, %s: hops sends %q, cookiejar %q", i, s.url, got, goGot)
				}
				if s.why != "" && got == goGot {
					t.Errorf("step %d, %s: marked as a difference, but both send %q", i, s.url, got)
				}
			}
		})
	}
}

// goHeader is the Cookie header of cookiejar's cookies.
func goHeader(cs []*http.Cookie) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(c.Name + "=")
		if c.Quoted {
			b.WriteString(`"` + c.Value + `"`)
		} else {
			b.WriteString(c.Value)
		}
	}
	return b.String()
}
