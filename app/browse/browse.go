// Package browse is the browser as an app on a node: it drives the
// sans-I/O page loader (browser/loader) with the node's name lookups and
// an HTTP/1.1 client pool (app/web), and records, for every request, the
// network's side of its story — the name lookup, the connection, the
// exchange — in virtual time, for the HAR, the waterfall and the
// narration.
package browse

import (
	"errors"
	"net/netip"
	"strconv"

	"github.com/hopsnet/hops/app/web"
	"github.com/hopsnet/hops/browser/loader"
	"github.com/hopsnet/hops/browser/page"
	"github.com/hopsnet/hops/http/cookie"
	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/http/h2"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
)

// UserAgent is the User-Agent the browser sends.
const UserAgent = "Mozilla/5.0 (X11; Linux x86_64) hops-browse/1.0"

// LookupResult is how a name lookup ended.
type LookupResult struct {
	Addr   netip.Addr
	Cached bool // answered from a cache, with nothing sent
	Err    error
}

// Config configures a Browser.
type Config struct {
	// Lookup turns a host name into an address and calls done once (the
	// node's stub resolver, in virtual time). Required.
	Lookup func(host string, done func(LookupResult))
	// UserAgent defaults to UserAgent.
	UserAgent string
	// MaxPerOrigin bounds the connections (and requests in flight) per
	// origin: 6 by default, as browsers do over HTTP/1.1.
	MaxPerOrigin int
	// Cache is the HTTP cache, kept across visits; nil gives each
	// Browser its own.
	Cache *loader.Cache
	// Page sizes the viewport.
	Page page.Options
	TCP  tcp.Config
	// HTTP2 speaks HTTP/2 by prior knowledge (h2c): one connection per
	// origin carrying every request as a stream (MaxPerOrigin then
	// bounds the streams in flight, 100 by default).
	HTTP2 bool
	// Push lets an HTTP/2 server push responses (SETTINGS_ENABLE_PUSH
	// 1); pushed responses answer the page's requests for them with no
	// request sent. Off by default, as in Chromium since 2022.
	Push bool
	// Jar keeps the cookies sites set (RFC 6265), ageing in virtual
	// time; nil gives the Browser its own.
	Jar *cookie.Jar
}

// Lookup is one name lookup of a visit.
type Lookup struct {
	Host       string
	Start, End sim.Time
	Result     LookupResult
	Entry      int // the entry whose request started it
}

// Net is the network's side of one entry.
type Net struct {
	// Lookup is the name lookup this entry waited for: started by it
	// (Lookup.Entry is this entry) or by another one, or nil when the
	// host's address was known already in this visit.
	Lookup   *Lookup
	Exchange *web.Exchange // nil for cache hits and failed lookups
	Request  *h1.Request   // the request as the browser built it
	// Cookie is the Cookie header sent ("" for none); SetCookie the
	// Set-Cookie values of the response, stored in the jar.
	Cookie    string
	SetCookie []string
}

// Visit is one page load.
type Visit struct {
	URL     string
	Result  loader.Result
	Net     []*Net // by entry ID
	Lookups []*Lookup
}

// httpClient is what the browser needs of an HTTP client: web.Client
// (HTTP/1.1) and web.H2Client (HTTP/2) both are one.
type httpClient interface {
	DoProgress(addr netip.AddrPort, req *h1.Request, progress, done func(*web.Exchange))
	Close()
}

// Browser is a browser on a node.
type Browser struct {
	n      *node.Node
	cfg    Config
	client httpClient
}

// New returns a browser on n.
func New(n *node.Node, cfg Config) *Browser {
	if cfg.UserAgent == "" {
		cfg.UserAgent = UserAgent
	}
	if cfg.MaxPerOrigin <= 0 {
		cfg.MaxPerOrigin = 6
		if cfg.HTTP2 {
			cfg.MaxPerOrigin = 100
		}
	}
	if cfg.Cache == nil {
		cfg.Cache = loader.NewCache()
	}
	if cfg.Jar == nil {
		cfg.Jar = cookie.NewJar(cookie.Config{})
	}
	// Browsers turn Nagle off on every socket (Chromium sets
	// TCP_NODELAY): a request must not wait for the ACK of earlier bytes.
	cfg.TCP.NoDelay = true
	var client httpClient = web.NewClient(n, web.ClientConfig{TCP: cfg.TCP, MaxIdlePerAddr: cfg.MaxPerOrigin,
		HTTP: h1.ClientConfig{Limits: h1.Limits{MaxBodyBytes: 16 << 20}}})
	if cfg.HTTP2 {
		client = web.NewH2Client(n, web.ClientConfig{TCP: cfg.TCP}, h2.ClientConfig{MaxBodyBytes: 16 << 20, EnablePush: cfg.Push})
	}
	return &Browser{n: n, cfg: cfg, client: client}
}

// Jar returns the browser's cookie jar.
func (b *Browser) Jar() *cookie.Jar { return b.cfg.Jar }

// Cache returns the browser's HTTP cache.
func (b *Browser) Cache() *loader.Cache { return b.cfg.Cache }

// Close closes the connections kept for reuse.
func (b *Browser) Close() { b.client.Close() }

// visit is one Visit in progress.
type visit struct {
	b       *Browser
	l       *loader.Loader
	v       *Visit
	hosts   map[string]*hostState
	done    func(*Visit)
	ended   bool
	scratch []loader.Request
}

type hostState struct {
	lookup  *Lookup
	addr    netip.Addr
	err     error
	done    bool
	waiting []loader.Request
}

// Visit loads raw and calls done once with the visit when the page is
// complete (or failed). It returns an error for a URL it cannot load.
func (b *Browser) Visit(raw string, done func(*Visit)) error {
	l := loader.New(loader.Config{MaxPerOrigin: b.cfg.MaxPerOrigin, Cache: b.cfg.Cache, Page: b.cfg.Page})
	vs := &visit{b: b, l: l, v: &Visit{URL: raw}, hosts: map[string]*hostState{}, done: done}
	if err := l.Navigate(b.n.Now(), raw); err != nil {
		return err
	}
	vs.pump()
	return nil
}

// pump sends what the loader asks for and ends the visit when it is done.
func (vs *visit) pump() {
	if vs.ended {
		return
	}
	now := vs.b.n.Now()
	vs.scratch = vs.l.Requests(now, vs.scratch[:0])
	reqs := append([]loader.Request(nil), vs.scratch...)
	for _, r := range reqs {
		for len(vs.v.Net) <= r.ID {
			vs.v.Net = append(vs.v.Net, nil)
		}
		vs.v.Net[r.ID] = &Net{}
		vs.resolve(r)
	}
	vs.finishIfDone()
}

func (vs *visit) finishIfDone() {
	if vs.ended || !vs.l.Done() {
		return
	}
	vs.ended = true
	vs.v.Result = vs.l.Result()
	for len(vs.v.Net) < len(vs.v.Result.Entries) {
		vs.v.Net = append(vs.v.Net, &Net{}) // cache hits
	}
	for i, n := range vs.v.Net {
		if n == nil {
			vs.v.Net[i] = &Net{}
		}
	}
	vs.done(vs.v)
}

// resolve finds r's host's address (once per visit) and sends r.
func (vs *visit) resolve(r loader.Request) {
	host := r.URL.Hostname()
	hs := vs.hosts[host]
	if hs == nil {
		hs = &hostState{}
		vs.hosts[host] = hs
		if a, err := netip.ParseAddr(host); err == nil {
			hs.addr, hs.done = a, true
		} else {
			lk := &Lookup{Host: host, Start: vs.b.n.Now(), Entry: r.ID}
			hs.lookup = lk
			vs.v.Lookups = append(vs.v.Lookups, lk)
			hs.waiting = append(hs.waiting, r)
			vs.v.Net[r.ID].Lookup = lk
			vs.b.cfg.Lookup(host, func(res LookupResult) {
				lk.End, lk.Result = vs.b.n.Now(), res
				hs.addr, hs.err, hs.done = res.Addr, res.Err, true
				waiting := hs.waiting
				hs.waiting = nil
				for _, w := range waiting {
					vs.send(w, hs)
				}
				vs.pump()
			})
			return
		}
	}
	if !hs.done {
		vs.v.Net[r.ID].Lookup = hs.lookup
		hs.waiting = append(hs.waiting, r)
		return
	}
	vs.send(r, hs)
}

// send sends r to its host's address.
func (vs *visit) send(r loader.Request, hs *hostState) {
	now := vs.b.n.Now()
	if hs.err != nil {
		vs.l.Failed(now, r.ID, hs.err)
		return
	}
	port := uint16(80)
	if p := r.URL.Port(); p != "" {
		n, _ := strconv.Atoi(p)
		port = uint16(n)
	}
	req := &h1.Request{Method: "GET", Target: r.URL.RequestURI(), Minor: 1}
	req.Header.Add("Host", r.URL.Host)
	req.Header.Add("Connection", "keep-alive")
	req.Header.Add("User-Agent", vs.b.cfg.UserAgent)
	for _, f := range r.Header {
		req.Header.Add(f.Name, f.Value)
	}
	req.Header.Add("Accept-Language", "en-US,en;q=0.9")
	cu := cookie.URL{Scheme: "http", Host: r.URL.Host, Path: r.URL.Path}
	if c := vs.b.cfg.Jar.Header(now, cu); c != "" {
		req.Header.Add("Cookie", c)
		vs.v.Net[r.ID].Cookie = c
	}
	if vs.b.cfg.HTTP2 {
		// Chromium sends RFC 9218 priorities over HTTP/2 and HTTP/3
		if e := vs.l.Entry(r.ID); e != nil {
			if p := ChromiumPriority(e); p != h2.DefaultPriority {
				req.Header.Add("Priority", p.String())
			}
		}
	}
	vs.v.Net[r.ID].Request = req
	id := r.ID
	// Cookies are stored as soon as the response head arrives, as
	// browsers do, so requests the page's first bytes start carry them.
	cookies := func(x *web.Exchange) {
		if n := vs.v.Net[id]; n.SetCookie == nil && x.Resp != nil {
			if sc := x.Resp.Header.Values("Set-Cookie"); len(sc) > 0 {
				n.SetCookie = sc
				vs.b.cfg.Jar.SetCookies(vs.b.n.Now(), cu, sc)
			}
		}
	}
	done := func(x *web.Exchange) {
		vs.v.Net[id].Exchange = x
		now := vs.b.n.Now()
		if x.Err != nil || x.Resp == nil {
			err := x.Err
			if err == nil {
				err = errors.New("no response")
			}
			vs.l.Failed(now, id, err)
		} else {
			cookies(x)
			resp := loader.Response{Status: x.Resp.Status, Reason: x.Resp.Reason, Body: x.Resp.Body}
			for _, f := range x.Resp.Header {
				resp.Header = append(resp.Header, loader.Field{Name: f.Name, Value: f.Value})
			}
			vs.l.Response(now, id, resp)
		}
		vs.pump()
	}
	// A response the server pushed for this URL answers it with no
	// request.
	if pc, ok := vs.b.client.(*web.H2Client); ok && pc.TakePush(r.URL.String(), done) {
		return
	}
	vs.b.client.DoProgress(netip.AddrPortFrom(hs.addr, port), req, func(x *web.Exchange) {
		cookies(x)
		vs.l.Body(vs.b.n.Now(), id, x.Resp.Body)
		vs.pump()
	}, done)
}

// ChromiumPriority is the priority (RFC 9218) Chromium gives a request
// for e: Blink's load priority for the resource type (TypeToPriority in
// resource_fetcher.cc: style sheets and fonts very high, scripts high,
// async and deferred scripts and images low) mapped to urgency as
// net::ConvertRequestPriorityToQuicPriority does (very high 0, high 1,
// medium 2, low 3), incremental for the types Blink can use in part
// (ShouldLoadIncremental: not style sheets, scripts or fonts); the
// navigation is u=0, incremental. It sends "u=0, i" for the page, "u=0"
// for a style sheet, "u=1" for a script, nothing (the defaults) for an
// async or deferred script and "i" for an image.
func ChromiumPriority(e *loader.Entry) h2.PriorityParams {
	switch {
	case e.Kind == loader.Document:
		return h2.PriorityParams{Urgency: 0, Incremental: true}
	case e.Kind == loader.Stylesheet:
		return h2.PriorityParams{Urgency: 0}
	case e.Kind == loader.Script && (e.Async || e.Defer):
		return h2.PriorityParams{Urgency: 3}
	case e.Kind == loader.Script:
		return h2.PriorityParams{Urgency: 1}
	case e.Kind == loader.Image:
		return h2.PriorityParams{Urgency: 3, Incremental: true}
	}
	return h2.DefaultPriority
}
