package cookie

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/hopsnet/hops/sim"
)

// Default limits of a Jar (RFC 6265 section 6.1's minimums, which are
// also section 5.3's examples of upper bounds).
const (
	DefaultMaxPerDomain = 50
	DefaultMaxCookies   = 3000
)

// Config configures a Jar. The zero Config is the default.
type Config struct {
	// Epoch is the wall-clock instant that virtual time zero stands for,
	// so that an Expires date, which is absolute, becomes a virtual
	// time: Expires minus Epoch. Zero means DefaultEpoch
	// (2000-01-01T00:00:00Z), so a cookie expiring in 1999 has already
	// expired and one expiring in 2038 lives for 38 virtual years.
	Epoch time.Time
	// MaxPerDomain bounds the cookies sharing one domain, MaxCookies all
	// of them; 0 or less means DefaultMaxPerDomain and DefaultMaxCookies.
	MaxPerDomain int
	MaxCookies   int
}

// A URL is the part of a request URL that cookies look at.
type URL struct {
	Scheme string // "http" or "https"; only "https" is secure
	Host   string // host name or IP address, with or without a port
	Path   string // the path, "" meaning "/"; a query or fragment is cut off
}

// A Jar stores cookies under RFC 6265 section 5.3's storage model and
// picks the ones a request carries under section 5.4. It holds at most
// MaxPerDomain cookies per domain and MaxCookies in all; to make room it
// evicts expired cookies first, then the least recently used (section
// 5.3's order). A Jar is not safe for concurrent use.
type Jar struct {
	epoch        time.Time
	maxPerDomain int
	maxCookies   int
	domains      map[string][]*entry // by cookie domain
	n            int                 // cookies stored
	seq          uint64              // next entry's sequence number
}

// entry is a stored cookie. seq, handed out when a cookie is first
// stored and kept when it is replaced (like its creation time), breaks
// ties between cookies created at the same virtual instant: they sort in
// the order the server sent them.
type entry struct {
	Cookie
	seq uint64
}

// NewJar returns an empty jar.
func NewJar(cfg Config) *Jar {
	j := &Jar{epoch: cfg.Epoch, maxPerDomain: cfg.MaxPerDomain, maxCookies: cfg.MaxCookies,
		domains: map[string][]*entry{}}
	if j.epoch.IsZero() {
		j.epoch = DefaultEpoch()
	}
	if j.maxPerDomain <= 0 {
		j.maxPerDomain = DefaultMaxPerDomain
	}
	if j.maxCookies <= 0 {
		j.maxCookies = DefaultMaxCookies
	}
	return j
}

// Epoch returns the wall-clock instant that virtual time zero stands for:
// a cookie's Expiry is the instant Epoch().Add(Expiry.Duration()).
func (j *Jar) Epoch() time.Time { return j.epoch }

// SetCookies stores the cookies of a response's Set-Cookie header values
// to a request for u at now (section 5.3). It ignores a value that Parse
// rejects; a cookie whose Domain the request's host does not domain-match
// or is a public suffix (below); and a Secure cookie from a request that
// is not https (RFC 6265bis section 5.7, "Storage Model": only secure
// origins set Secure cookies; hops has no TLS, so over its http they are
// all ignored). A cookie with the name, domain and path of a stored one
// replaces it and keeps its creation time; one that has already expired
// (Max-Age zero or negative, Expires in the past) only deletes.
//
// Public suffixes: hops keeps no public suffix list. Any one-label Domain
// ("com", "org", "net", "example", "test", "localhost") is a public
// suffix, and no other is. As section 5.3 step 5 says, a Domain that is a
// public suffix is ignored when it is the request's host itself (the
// cookie becomes host-only) and rejects the cookie otherwise.
func (j *Jar) SetCookies(now sim.Time, u URL, setCookieValues []string) {
	host, ok := canonicalHost(u.Host)
	if !ok {
		return
	}
	secure := strings.EqualFold(u.Scheme, "https")
	for _, v := range setCookieValues {
		c, err := parse(v, now, j.epoch)
		if err != nil || c.Secure && !secure {
			continue
		}
		domain := c.Domain
		if domain != "" && isPublicSuffix(domain) {
			if domain != host {
				continue
			}
			domain = ""
		}
		if domain != "" {
			if !domainMatch(host, domain) {
				continue
			}
			// An IP address has no subdomains: like browsers, hops makes
			// its cookie host-only, so that no name ending in it matches.
			c.Domain, c.HostOnly = domain, isIP(host)
		} else {
			c.Domain, c.HostOnly = host, true
		}
		if c.Path == "" {
			c.Path = defaultPath(u.Path)
		}
		j.store(now, c)
	}
}

// store puts c in the jar (section 5.3 steps 11 and 12), then evicts
// what is over the limits.
func (j *Jar) store(now sim.Time, c Cookie) {
	e := &entry{Cookie: c}
	e.Creation, e.LastAccess, e.seq = now, now, j.seq
	list := j.domains[c.Domain]
	if i := slices.IndexFunc(list, func(o *entry) bool { return o.Name == c.Name && o.Path == c.Path }); i >= 0 {
		if old := list[i]; !old.Expired(now) {
			e.Creation, e.seq = old.Creation, old.seq
		}
		list = j.remove(c.Domain, list, i)
	}
	if e.Expired(now) {
		return
	}
	if e.seq == j.seq {
		j.seq++
	}
	list = append(list, e)
	j.domains[c.Domain] = list
	j.n++
	if len(list) > j.maxPerDomain {
		j.removeExpired(now, c.Domain)
		for len(j.domains[c.Domain]) > j.maxPerDomain {
			list := j.domains[c.Domain]
			j.remove(c.Domain, list, lru(list))
		}
	}
	if j.n > j.maxCookies {
		j.RemoveExpired(now)
		for j.n > j.maxCookies {
			var victim *entry
			for _, list := range j.domains {
				if e := list[lru(list)]; victim == nil || older(e, victim) {
					victim = e
				}
			}
			list := j.domains[victim.Domain]
			j.remove(victim.Domain, list, slices.Index(list, victim))
		}
	}
}

// older orders eviction candidates: the earliest last access first, and
// for the same instant the earliest stored (a total order, since seq is
// unique).
func older(a, b *entry) bool {
	if a.LastAccess != b.LastAccess {
		return a.LastAccess < b.LastAccess
	}
	return a.seq < b.seq
}

// lru returns the index of the least recently used entry of a non-empty
// list.
func lru(list []*entry) int {
	k := 0
	for i, e := range list {
		if older(e, list[k]) {
			k = i
		}
	}
	return k
}

// remove deletes list[i], list being domain's entries, and returns what
// is left.
func (j *Jar) remove(domain string, list []*entry, i int) []*entry {
	list = slices.Delete(list, i, i+1)
	j.n--
	if len(list) == 0 {
		delete(j.domains, domain)
	} else {
		j.domains[domain] = list
	}
	return list
}

// removeExpired deletes domain's expired entries.
func (j *Jar) removeExpired(now sim.Time, domain string) {
	list := j.domains[domain]
	kept := slices.DeleteFunc(list, func(e *entry) bool { return e.Expired(now) })
	j.n -= len(list) - len(kept)
	if len(kept) == 0 {
		delete(j.domains, domain)
	} else {
		j.domains[domain] = kept
	}
}

// RemoveExpired deletes every cookie that has expired at now and returns
// how many there were. The jar also drops expired cookies as it meets
// them, so only a caller of Entries needs this.
func (j *Jar) RemoveExpired(now sim.Time) int {
	n := j.n
	for domain := range j.domains {
		j.removeExpired(now, domain)
	}
	return n - j.n
}

// Cookies returns the cookies a request for u at now carries, in the
// order of its Cookie header, and marks them used at now (section 5.4):
// those whose domain is the request's host (a host-only cookie) or one
// the host domain-matches (section 5.1.3), whose path the request's path
// path-matches (section 5.1.4), and that are not Secure unless u is
// https. Longer paths come first, then earlier creation times, then the
// order in which the cookies were first stored. Expired cookies met on
// the way are deleted.
func (j *Jar) Cookies(now sim.Time, u URL) []Cookie {
	host, ok := canonicalHost(u.Host)
	if !ok {
		return nil
	}
	secure := strings.EqualFold(u.Scheme, "https")
	path := requestPath(u.Path)
	var sel []*entry
	for domain := range suffixes(host) {
		if _, ok := j.domains[domain]; !ok {
			continue
		}
		j.removeExpired(now, domain)
		for _, e := range j.domains[domain] {
			if e.HostOnly && domain != host || e.Secure && !secure || !pathMatch(path, e.Path) {
				continue
			}
			sel = append(sel, e)
		}
	}
	slices.SortFunc(sel, func(a, b *entry) int {
		if c := cmp.Compare(len(b.Path), len(a.Path)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Creation, b.Creation); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	out := make([]Cookie, len(sel))
	for i, e := range sel {
		e.LastAccess = now
		out[i] = e.Cookie
	}
	return out
}

// Header returns the value of the Cookie header of a request for u at
// now, "name=value" pairs joined by "; " (section 5.4 step 4), or "" when
// no cookie goes with the request. Like Cookies, it marks them used.
func (j *Jar) Header(now sim.Time, u URL) string {
	var b strings.Builder
	for i, c := range j.Cookies(now, u) {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(c.Name)
		b.WriteByte('=')
		b.WriteString(c.Value)
	}
	return b.String()
}

// Entries returns every stored cookie, sorted by domain, then path, then
// name (which together identify a cookie). It includes cookies that have
// expired since the jar last looked at their domain; call RemoveExpired
// first, or check Cookie.Expired, to leave them out.
func (j *Jar) Entries() []Cookie {
	out := make([]Cookie, 0, j.n)
	for _, list := range j.domains {
		for _, e := range list {
			out = append(out, e.Cookie)
		}
	}
	slices.SortFunc(out, func(a, b Cookie) int {
		return cmp.Or(strings.Compare(a.Domain, b.Domain), strings.Compare(a.Path, b.Path),
			strings.Compare(a.Name, b.Name))
	})
	return out
}

// canonicalHost returns the host of a URL's host field: without port or
// IPv6 brackets, without a trailing dot, lower-cased (section 5.1.2;
// hops' names are ASCII, so there is no punycode step). It fails on an
// empty host.
func canonicalHost(h string) (string, bool) {
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return "", false
		}
		h = h[1:end]
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.Count(h, ":") == 1 {
		h = h[:i]
	}
	h = lowerASCII(strings.TrimSuffix(h, "."))
	return h, h != ""
}

// isIP reports whether host is an IP address literal.
func isIP(host string) bool {
	_, err := netip.ParseAddr(host)
	return err == nil
}

// isPublicSuffix reports whether a cookie domain is a public suffix for
// hops: any domain of one label (see Jar.SetCookies).
func isPublicSuffix(domain string) bool { return !strings.Contains(domain, ".") }

// domainMatch reports whether host domain-matches domain (section
// 5.1.3): they are identical, or host is a name (not an IP address)
// ending in "." + domain.
func domainMatch(host, domain string) bool {
	if host == domain {
		return true
	}
	return len(host) > len(domain) && strings.HasSuffix(host, domain) &&
		host[len(host)-len(domain)-1] == '.' && !isIP(host)
}

// suffixes yields the domains host domain-matches: host itself, then, for
// a name, what follows each of its dots.
func suffixes(host string) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		if !yield(host) || isIP(host) {
			return
		}
		for i := 0; i < len(host); i++ {
			if host[i] == '.' && !yield(host[i+1:]) {
				return
			}
		}
	}
}

// requestPath returns the path of a request URL's path field: without
// query or fragment, "/" when empty.
func requestPath(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if p == "" {
		return "/"
	}
	return p
}

// defaultPath returns the default-path of a request path (section
// 5.1.4): up to, not including, its last '/', or "/" when that leaves
// nothing or the path does not start with '/'.
func defaultPath(p string) string {
	p = requestPath(p)
	if p[0] != '/' {
		return "/"
	}
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/"
	}
	return p[:i]
}

// pathMatch reports whether a request path path-matches a cookie path
// (section 5.1.4): they are identical, or the cookie path is a prefix of
// the request path and ends in '/' or is followed there by '/'.
func pathMatch(reqPath, cookiePath string) bool {
	if !strings.HasPrefix(reqPath, cookiePath) {
		return false
	}
	return len(reqPath) == len(cookiePath) || cookiePath[len(cookiePath)-1] == '/' ||
		reqPath[len(cookiePath)] == '/'
}
