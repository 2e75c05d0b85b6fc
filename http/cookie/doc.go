// Package cookie is HTTP cookies as a user agent keeps them (RFC 6265
// section 5), for hops' browser and curl, ageing in virtual time.
//
// [Parse] reads a Set-Cookie header value (section 5.2, with the
// cookie-date algorithm of section 5.1.1 in [ParseDate]). A [Jar] stores
// cookies (section 5.3) and picks those a request carries (section 5.4):
// [Jar.SetCookies] takes a response's Set-Cookie values, [Jar.Cookies] and
// [Jar.Header] give a request's cookies and its Cookie header, and
// [Jar.Entries] lists the jar for display.
//
// # Virtual time
//
// Every call takes the current virtual time (sim.Time); nothing reads a
// clock. Max-Age counts from the time given. Expires is a calendar date,
// so a jar maps it to virtual time through an epoch, the wall-clock
// instant that virtual time zero stands for ([Config.Epoch], by default
// 2000-01-01T00:00:00Z): a cookie's Expiry is its Expires minus the
// epoch. Parse, which has no jar, uses the default epoch.
//
// # Choices
//
// Where RFC 6265 leaves a choice, or RFC 6265bis (the draft that will
// replace it) has tightened a rule, hops does this:
//
//   - Public suffixes: hops has no public suffix list. Any Domain attribute
//     of one label ("com", "org", "net", "example", "test", "localhost")
//     is a public suffix and no other is, so a server may set a cookie for
//     its registrable domain (example.com) but not for a top-level one.
//   - Secure cookies: a Secure cookie from a request that is not https is
//     ignored (RFC 6265bis, "Storage Model", section 5.7 in recent drafts
//     and 5.4 in early ones), and a Secure cookie goes only with https
//     requests. hops has no TLS, so over its http Secure cookies are
//     never stored.
//   - Size: a name and value longer than 4096 bytes together, or a control
//     character other than tab, make Parse reject the header; an attribute
//     value longer than 1024 bytes is ignored (RFC 6265bis section 5.6).
//   - Limits: a jar holds at most 50 cookies per domain and 3000 in all
//     (section 6.1's minimums); to make room it evicts expired cookies,
//     then the least recently used (section 5.3). So a jar's memory is
//     bounded whatever servers send.
//   - SameSite and HttpOnly are recorded, not enforced: hops' clients
//     make only top-level HTTP requests.
//   - Cookies made at the same virtual instant (one response's
//     Set-Cookie headers) sort in the order they were first stored, so
//     the Cookie header never depends on anything but the inputs.
//
// A cookie whose Max-Age is N seconds, set at time t, goes with requests
// before t+N and not from t+N on.
package cookie
