package cookie

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

// mustURL turns "http://host/path" into a URL.
func mustURL(t testing.TB, s string) URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
}

func TestDomainMatch(t *testing.T) {
	tests := []struct {
		host, domain string
		want         bool
	}{
		{"example.com", "example.com", true},
		{"www.example.com", "example.com", true},
		{"a.b.example.com", "example.com", true},
		{"a.b.example.com", "b.example.com", true},
		{"example.com", "www.example.com", false}, // a parent never matches a child
		{"badexample.com", "example.com", false},  // the character before the suffix must be '.'
		{"www.example.com", "ample.com", false},
		{"www.example.com", "com", true}, // domain-match alone; the public suffix rule is separate
		{"example.com", "example.org", false},
		{"10.0.0.1", "10.0.0.1", true},
		{"10.0.0.1", "0.0.1", false}, // an IP address matches only itself
		{"::1", "::1", true},
	}
	for _, tt := range tests {
		if got := domainMatch(tt.host, tt.domain); got != tt.want {
			t.Errorf("domainMatch(%q, %q) = %v, want %v", tt.host, tt.domain, got, tt.want)
		}
	}
}

func TestPathMatch(t *testing.T) {
	tests := []struct {
		req, cookie string
		want        bool
	}{
		{"/", "/", true},
		{"/foo", "/", true},
		{"/foo", "/foo", true},  // identical
		{"/foo/", "/foo", true}, // followed by '/'
		{"/foo/bar", "/foo", true},
		{"/foo/bar", "/foo/", true}, // the cookie path ends in '/'
		{"/foobar", "/foo", false},  // a prefix, but not at a '/'
		{"/fo", "/foo", false},
		{"/foo", "/foo/", false},
		{"/Foo", "/foo", false}, // paths are case-sensitive
		{"/", "/foo", false},
	}
	for _, tt := range tests {
		if got := pathMatch(tt.req, tt.cookie); got != tt.want {
			t.Errorf("pathMatch(%q, %q) = %v, want %v", tt.req, tt.cookie, got, tt.want)
		}
	}
}

func TestDefaultPath(t *testing.T) {
	tests := []struct{ path, want string }{
		{"", "/"},
		{"/", "/"},
		{"/a", "/"},   // no more than one '/'
		{"/a/", "/a"}, // up to the right-most '/'
		{"/a/b", "/a"},
		{"/a/b/c", "/a/b"},
		{"/a/b/c?x=/y/z", "/a/b"}, // the query is not the path
		{"a/b", "/"},              // not starting with '/'
		{"//", "/"},
	}
	for _, tt := range tests {
		if got := defaultPath(tt.path); got != tt.want {
			t.Errorf("defaultPath(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestCanonicalHost(t *testing.T) {
	tests := []struct{ in, want string }{
		{"www.Example.COM", "www.example.com"},
		{"www.example.com:8080", "www.example.com"},
		{"www.example.com.", "www.example.com"},
		{"10.0.0.1:80", "10.0.0.1"},
		{"[2001:DB8::1]:443", "2001:db8::1"},
		{"[::1]", "::1"},
		{"::1", "::1"},
		{"", ""},
		{":80", ""},
	}
	for _, tt := range tests {
		got, ok := canonicalHost(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("canonicalHost(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

// A step is one call on a jar: with set, SetCookies; without, Header,
// which must give want.
type step struct {
	at   sim.Time
	url  string
	set  []string
	want string
}

func set(at sim.Time, u string, values ...string) step { return step{at: at, url: u, set: values} }
func get(at sim.Time, u, want string) step             { return step{at: at, url: u, want: want} }

// run plays steps on j.
func run(t *testing.T, j *Jar, steps []step) {
	t.Helper()
	for i, s := range steps {
		u := mustURL(t, s.url)
		if s.set != nil {
			j.SetCookies(s.at, u, s.set)
			continue
		}
		if got := j.Header(s.at, u); got != s.want {
			t.Errorf("step %d: Header(%v, %s) = %q, want %q", i, s.at, s.url, got, s.want)
		}
	}
}

// TestJar plays RFC 6265's storage model (section 5.3) and Cookie header
// (section 5.4) through the jar.
func TestJar(t *testing.T) {
	const www = "http://www.example.com/"
	tests := []struct {
		name  string
		cfg   Config
		steps []step
	}{
		{"host-only", Config{}, []step{
			set(0, www, "a=1"),
			get(1, www, "a=1"),
			get(1, "http://WWW.EXAMPLE.COM./x", "a=1"),
			get(1, "http://www.example.com:8080/", "a=1"), // ports do not isolate cookies (section 8.5)
			get(1, "http://example.com/", ""),
			get(1, "http://a.www.example.com/", ""), // host-only: not even a subdomain (section 5.4 step 1)
		}},
		{"domain", Config{}, []step{
			set(0, www, "a=1; Domain=example.com"),
			get(1, www, "a=1"),
			get(1, "http://example.com/", "a=1"),
			get(1, "http://a.b.example.com/", "a=1"),
			get(1, "http://badexample.com/", ""),
			get(1, "http://example.org/", ""),
		}},
		{"domain: leading dot and case", Config{}, []step{
			set(0, www, "a=1; Domain=.EXAMPLE.com"),
			get(1, "http://x.example.com/", "a=1"),
		}},
		{"domain: the host must domain-match it (section 5.3 step 6)", Config{}, []step{
			set(0, www, "a=1; Domain=other.com", "b=2; Domain=a.www.example.com", "c=3; Domain=ample.com",
				"d=4; Domain=example.com.", "e=5; Domain=www.example.com"),
			get(1, "http://other.com/", ""),
			get(1, "http://a.www.example.com/", "e=5"),
			get(1, "http://ample.com/", ""),
			get(1, www, "e=5"),
		}},
		{"domain: empty value is ignored, '.' is host-only (section 5.2.3)", Config{}, []step{
			set(0, www, "a=1; Domain=", "b=2; Domain=."),
			get(1, www, "a=1; b=2"),
			get(1, "http://a.www.example.com/", ""),
		}},
		{"public suffix: one-label domains (section 5.3 step 5)", Config{}, []step{
			set(0, www, "a=1; Domain=com", "b=2; Domain=.COM"),
			get(1, "http://other.com/", ""),
			get(1, www, ""),
			set(2, "http://example/", "c=3; Domain=example"), // the host itself: host-only
			get(3, "http://example/", "c=3"),
			get(3, "http://www.example/", ""),
			set(4, "http://localhost/", "d=4; Domain=localhost", "e=5; Domain=other"),
			get(5, "http://localhost/", "d=4"),
		}},
		{"IP address: itself only, host-only", Config{}, []step{
			set(0, "http://10.0.0.1/", "a=1", "b=2; Domain=10.0.0.1", "c=3; Domain=0.0.1", "d=4; Domain=.10.0.0.1"),
			get(1, "http://10.0.0.1:8080/", "a=1; b=2; d=4"),
			get(1, "http://x.10.0.0.1/", ""),
			get(1, "http://0.0.1/", ""),
		}},
		{"default path (section 5.1.4)", Config{}, []step{
			set(0, "http://h.org/a/b/c", "a=1"),
			set(0, "http://h.org/top", "b=2"),
			set(0, "http://h.org/a/b/c", "c=3; Path=relative"), // not starting with '/': the default
			get(1, "http://h.org/a/b", "a=1; c=3; b=2"),
			get(1, "http://h.org/a/b/", "a=1; c=3; b=2"),
			get(1, "http://h.org/a/b/c/d", "a=1; c=3; b=2"),
			get(1, "http://h.org/a/bc", "b=2"),
			get(1, "http://h.org/a", "b=2"),
			get(1, "http://h.org", "b=2"),
		}},
		{"path attribute", Config{}, []step{
			set(0, "http://h.org/", "a=1; Path=/foo", "b=2; Path=/foo/"),
			get(1, "http://h.org/foo", "a=1"),
			get(1, "http://h.org/foo/", "b=2; a=1"),
			get(1, "http://h.org/foo/bar", "b=2; a=1"),
			get(1, "http://h.org/foobar", ""),
			get(1, "http://h.org/fo", ""),
			get(1, "http://h.org/foo?x=1", "a=1"),
		}},
		{"order: longer path, then earlier creation, then the order sent (section 5.4 step 2)", Config{}, []step{
			set(2*sec, "http://h.org/", "a=1"),
			set(1*sec, "http://h.org/", "c=3"),
			set(3*sec, "http://h.org/", "b=2; Path=/x"),
			set(4*sec, "http://h.org/", "z=1", "y=2", "x=3"),
			get(5*sec, "http://h.org/x/y", "b=2; c=3; a=1; z=1; y=2; x=3"),
		}},
		{"replacement keeps the creation time (section 5.3 step 11)", Config{}, []step{
			set(1*sec, "http://h.org/", "a=1"),
			set(2*sec, "http://h.org/", "b=2"),
			set(3*sec, "http://h.org/", "a=3"),
			get(4*sec, "http://h.org/", "a=3; b=2"),
		}},
		{"replacement: same name, domain and path, host-only or not", Config{}, []step{
			set(0, "http://example.com/", "a=1"),
			set(1, "http://example.com/", "a=2; Domain=example.com"),
			get(2, "http://example.com/", "a=2"),
			get(2, "http://www.example.com/", "a=2"),
			set(3, "http://example.com/", "a=3; Path=/p"), // another path: another cookie
			get(4, "http://example.com/p", "a=3; a=2"),
		}},
		{"deletion: Max-Age<=0 or an Expires in the past", Config{}, []step{
			set(0, "http://h.org/", "a=1", "b=2", "c=3", "d=4"),
			set(1, "http://h.org/", "a=; Max-Age=0", "b=; Max-Age=-1", "c=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
			get(2, "http://h.org/", "d=4"),
			set(3, "http://h.org/", "d=; Max-Age=0; Path=/other"), // another path: another cookie
			set(3, "http://other.h.org/", "d=; Max-Age=0"),        // another domain
			get(4, "http://h.org/", "d=4"),
			set(5, "http://h.org/", "e=5; Max-Age=0"), // never stored
			get(6, "http://h.org/", "d=4"),
		}},
		{"Max-Age=60 ages in virtual time", Config{}, []step{
			set(0, "http://h.org/", "a=1; Max-Age=60", "b=2"),
			get(59*sec, "http://h.org/", "a=1; b=2"),
			get(60*sec-1, "http://h.org/", "a=1; b=2"),
			get(60*sec, "http://h.org/", "b=2"),
			get(61*sec, "http://h.org/", "b=2"),
		}},
		{"Max-Age counts from the time it is set", Config{}, []step{
			set(100*sec, "http://h.org/", "a=1; Max-Age=60"),
			get(159*sec, "http://h.org/", "a=1"),
			get(161*sec, "http://h.org/", ""),
		}},
		{"Max-Age beats Expires (section 5.3 step 3)", Config{}, []step{
			set(0, "http://h.org/", "a=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60",
				"b=2; Max-Age=60; Expires=Fri, 31 Dec 2100 00:00:00 GMT"),
			get(59*sec, "http://h.org/", "a=1; b=2"),
			get(61*sec, "http://h.org/", ""),
		}},
		{"Expires through the default epoch, 2000-01-01", Config{}, []step{
			set(0, "http://h.org/", "a=1; Expires=Sat, 01 Jan 2000 00:01:00 GMT", "b=2; Expires=Fri, 31 Dec 1999 23:59:59 GMT"),
			get(59*sec, "http://h.org/", "a=1"),
			get(61*sec, "http://h.org/", ""),
		}},
		{"Expires through a given epoch", Config{Epoch: time.Date(2021, 6, 9, 10, 18, 0, 0, time.UTC)}, []step{
			set(0, "http://h.org/", "a=1; Expires=Wed, 09 Jun 2021 10:18:14 GMT", "b=2; Expires=Wednesday, 09-Jun-21 10:19:00 GMT", "c=3; Expires=Wed Jun  9 10:17:59 2021"),
			get(13*sec, "http://h.org/", "a=1; b=2"),
			get(14*sec, "http://h.org/", "b=2"),
			get(61*sec, "http://h.org/", ""),
		}},
		{"an expired cookie does not lend its creation time", Config{}, []step{
			set(1*sec, "http://h.org/", "a=1; Max-Age=1"),
			set(2*sec, "http://h.org/", "b=2"),
			set(3*sec, "http://h.org/", "a=3"),
			get(4*sec, "http://h.org/", "b=2; a=3"),
		}},
		{"Secure: only from https, only to https (RFC 6265bis storage model)", Config{}, []step{
			set(0, "http://h.org/", "a=1; Secure", "b=2"),
			get(1, "http://h.org/", "b=2"),
			get(1, "https://h.org/", "b=2"),
			set(2, "https://h.org/", "c=3; Secure"),
			get(3, "https://h.org/", "b=2; c=3"),
			get(3, "http://h.org/", "b=2"),
			set(4, "http://h.org/", "b=; Secure; Max-Age=0"), // ignored: it deletes nothing
			get(5, "http://h.org/", "b=2"),
		}},
		{"HttpOnly and SameSite are sent like any cookie", Config{}, []step{
			set(0, "http://h.org/", "a=1; HttpOnly", "b=2; SameSite=Strict"),
			get(1, "http://h.org/", "a=1; b=2"),
		}},
		{"rejected values do not stop the others", Config{}, []step{
			set(0, "http://h.org/", "novalue", "=x", "a=1", "b=2\r\nX: y", "c="+strings.Repeat("x", 5000), "d=4"),
			get(1, "http://h.org/", "a=1; d=4"),
		}},
		{"no host", Config{}, []step{
			set(0, "http:///p", "a=1"),
			get(1, "http:///p", ""),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, NewJar(tt.cfg), tt.steps)
		})
	}
}

// TestEntries: the jar's contents, sorted, with the storage model's
// fields, and last-access times moving with use.
func TestEntries(t *testing.T) {
	j := NewJar(Config{})
	j.SetCookies(1*sec, mustURL(t, "http://www.example.com/a/b"),
		[]string{"z=1; HttpOnly", "a=2; Domain=example.com; Path=/; Max-Age=100; SameSite=lax", "m=3; Path=/a"})
	j.SetCookies(2*sec, mustURL(t, "http://www.example.com/"), []string{"z=9; Path=/a; HttpOnly"})
	j.Header(5*sec, mustURL(t, "http://example.com/"))
	want := []Cookie{
		{Name: "a", Value: "2", Domain: "example.com", Path: "/", MaxAge: 100, SameSite: "Lax",
			Persistent: true, Expiry: 101 * sec, Creation: 1 * sec, LastAccess: 5 * sec},
		{Name: "m", Value: "3", Domain: "www.example.com", Path: "/a", Expiry: sim.Never, HostOnly: true,
			Creation: 1 * sec, LastAccess: 1 * sec},
		{Name: "z", Value: "9", Domain: "www.example.com", Path: "/a", Expiry: sim.Never, HostOnly: true, HttpOnly: true,
			Creation: 1 * sec, LastAccess: 2 * sec},
	}
	got := j.Entries()
	if len(got) != len(want) {
		t.Fatalf("Entries() = %#v, want %#v", got, want)
	}
	for i := range want {
		if !same(got[i], want[i]) {
			t.Errorf("Entries()[%d] = %#v, want %#v", i, got[i], want[i])
		}
	}
	if s := got[0].String(); s != "a=2; Path=/; Domain=example.com; Max-Age=100; SameSite=Lax" {
		t.Errorf("String() = %q", s)
	}
	if s := got[1].String(); s != "m=3; Path=/a" {
		t.Errorf("host-only String() = %q", s)
	}
	if n := j.RemoveExpired(200 * sec); n != 1 || len(j.Entries()) != 2 {
		t.Errorf("RemoveExpired removed %d, left %d; want 1, 2", n, len(j.Entries()))
	}
	if e := j.Epoch(); !e.Equal(DefaultEpoch()) {
		t.Errorf("Epoch() = %v", e)
	}
}

// names lists the names of the jar's cookies, sorted.
func names(j *Jar) string {
	var s []string
	for _, c := range j.Entries() {
		s = append(s, c.Domain+":"+c.Name)
	}
	return strings.Join(s, " ")
}

// TestLimits: at most MaxPerDomain cookies per domain and MaxCookies in
// all; expired cookies go first, then the least recently used (section
// 5.3, "remove excess cookies").
func TestLimits(t *testing.T) {
	h := mustURL(t, "http://h.org/")
	t.Run("per domain, least recently used", func(t *testing.T) {
		j := NewJar(Config{})
		for i := range DefaultMaxPerDomain {
			j.SetCookies(sim.Time(i)*sec, h, []string{fmt.Sprintf("c%02d=1; Path=/%02d", i, i)})
		}
		j.Header(100*sec, mustURL(t, "http://h.org/00")) // c00 is now the most recently used
		j.SetCookies(101*sec, h, []string{"new=1"})
		got := names(j)
		if n := len(j.Entries()); n != DefaultMaxPerDomain || !strings.Contains(got, "c00") ||
			strings.Contains(got, "c01") || !strings.Contains(got, "new") {
			t.Errorf("%d cookies: %s; want c01 evicted", n, got)
		}
	})
	t.Run("per domain, expired first", func(t *testing.T) {
		j := NewJar(Config{MaxPerDomain: 3})
		j.SetCookies(0, h, []string{"a=1", "b=1"})
		j.SetCookies(1, h, []string{"c=1; Max-Age=10"})
		j.SetCookies(20*sec, h, []string{"d=1"})
		if got := names(j); got != "h.org:a h.org:b h.org:d" {
			t.Errorf("got %s", got)
		}
		j.SetCookies(21*sec, h, []string{"e=1"})
		if got := names(j); got != "h.org:b h.org:d h.org:e" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("per domain counts the cookie's domain", func(t *testing.T) {
		j := NewJar(Config{MaxPerDomain: 2})
		j.SetCookies(0, mustURL(t, "http://www.h.org/"), []string{"a=1", "b=1", "c=1; Domain=h.org", "d=1; Domain=h.org"})
		if got := names(j); got != "h.org:c h.org:d www.h.org:a www.h.org:b" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("in all", func(t *testing.T) {
		j := NewJar(Config{})
		for d := range DefaultMaxCookies/DefaultMaxPerDomain + 1 {
			u := mustURL(t, fmt.Sprintf("http://d%02d.org/", d))
			for i := range DefaultMaxPerDomain {
				j.SetCookies(sim.Time(d*100+i)*sec, u, []string{fmt.Sprintf("c%02d=1", i)})
			}
		}
		e := j.Entries()
		if len(e) != DefaultMaxCookies || e[0].Domain != "d01.org" || e[len(e)-1].Domain != "d60.org" {
			t.Errorf("%d cookies from %s to %s; want %d, d00.org evicted", len(e), e[0].Domain, e[len(e)-1].Domain, DefaultMaxCookies)
		}
	})
	t.Run("in all, expired first", func(t *testing.T) {
		j := NewJar(Config{MaxCookies: 3})
		j.SetCookies(0, mustURL(t, "http://a.org/"), []string{"a=1"})
		j.SetCookies(1, mustURL(t, "http://b.org/"), []string{"b=1; Max-Age=1"})
		j.SetCookies(2, mustURL(t, "http://c.org/"), []string{"c=1"})
		j.SetCookies(2*sec, mustURL(t, "http://d.org/"), []string{"d=1"})
		if got := names(j); got != "a.org:a c.org:c d.org:d" {
			t.Errorf("got %s", got)
		}
	})
}
