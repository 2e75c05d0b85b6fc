package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hopsnet/hops/app/web"
	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/http/h2"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
	"github.com/hopsnet/hops/world/scenario"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// curlMaxBody bounds the body hops curl keeps in memory.
const curlMaxBody = 256 << 20

// curlUA is the User-Agent hops curl sends.
const curlUA = "hops-curl/1.0"

// curlOpts are hops curl's flags.
type curlOpts struct {
	from     string
	verbose  bool
	method   string
	data     []string
	json     string
	headers  []string
	head     bool
	include  bool
	location bool
	maxRedir int
	output   string
	write    string
	silent   bool
	agent    string
	h2       bool    // --http2-prior-knowledge
	h2up     bool    // --http2: HTTP/1.1 offering Upgrade: h2c
	h1       bool    // --http1.1
	cookieIn string  // -b: NAME=VALUE pairs, or a file to read
	jarOut   string  // -c: the file to write the cookies to
	maxTime  float64 // -m: seconds for the whole operation; 0: none
	connTime float64 // --connect-timeout: seconds to connect; 0: none
}

// curlFail is an error curl reports as "curl: (CODE) MSG" with CODE as
// its exit status.
type curlFail struct {
	code int
	msg  string
}

func (e *curlFail) Error() string { return fmt.Sprintf("curl: (%d) %s", e.code, e.msg) }

func newCurlCmd(g *globals) *cobra.Command {
	var o curlOpts
	cmd := &cobra.Command{
		Use:   "curl [flags] URL",
		Short: "Fetch a URL over HTTP/1.1 from a node, like curl",
		Long: `curl sends an HTTP/1.1 request from a node (default: the laptop) to URL and
prints the response body, as curl does. The default world's www.example.com
serves a small static site and api.example.com a JSON API at /items; both
listen on port 80.

-v shows the exchange in curl's layout: "*" lines tell what the client did,
">" the request head as sent, "<" the response head as received. Every
time (-w, "after N ms") is virtual time. A dotted host name is looked up
in DNS first (the node's stub asks the world's resolver), then in the
world's node names; only http:// URLs are supported.

Exit statuses are curl's: 3 for a malformed URL, 6 for an unknown host, 7
when the connection is refused, 47 after too many redirects, 52 for an
empty reply.`,
		Example: `  hops curl http://www.example.com/
  hops curl -v www.example.com
  hops curl -I http://www.example.com/style.css
  hops curl -X POST -H 'Content-Type: application/json' -d '{"name":"plum"}' http://api.example.com/items
  hops curl -X DELETE http://api.example.com/items/1
  hops curl -w '%{http_code} %{time_connect} %{time_starttransfer} %{time_total}\n' -o /dev/null www.example.com`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("curl: give exactly one URL")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, v := range []struct {
				name string
				v    float64
			}{{"--max-time", o.maxTime}, {"--connect-timeout", o.connTime}} {
				if v.v < 0 || math.IsNaN(v.v) || math.IsInf(v.v, 0) {
					return usageError{fmt.Errorf("curl: %s %v: expected a proper numerical parameter (seconds, 0 or more)", v.name, v.v)}
				}
			}
			err := g.runCurl(o, args[0])
			var cf *curlFail
			if errors.As(err, &cf) {
				if !o.silent {
					fmt.Fprintln(g.stderr, cf.Error())
				}
				return silentExit{cf.code}
			}
			return err
		},
	}
	o.flags(cmd.Flags())
	return cmd
}

// flags declares curl's flags into o.
func (o *curlOpts) flags(f *pflag.FlagSet) {
	f.StringVar(&o.from, "from", "", "`NODE` to send from (default: the laptop)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "show the connection, the request head and the response head")
	f.StringVarP(&o.method, "request", "X", "", "request `METHOD` (default GET, POST with -d)")
	f.StringArrayVarP(&o.data, "data", "d", nil, "send `DATA` as the body (POST; @FILE reads a file); repeated -d are joined with &")
	f.StringVar(&o.json, "json", "", "send `DATA` as a JSON body (POST, Content-Type and Accept application/json)")
	f.StringArrayVarP(&o.headers, "header", "H", nil, "add a request header `'NAME: VALUE'` ('NAME:' removes one); repeatable")
	f.BoolVarP(&o.head, "head", "I", false, "send HEAD and print the response head")
	f.BoolVarP(&o.include, "include", "i", false, "print the response head before the body")
	f.BoolVarP(&o.location, "location", "L", false, "follow redirects (301, 302, 303, 307, 308)")
	f.IntVar(&o.maxRedir, "max-redirs", 50, "follow at most `N` redirects with -L")
	f.StringVarP(&o.output, "output", "o", "", "write the body to `FILE` instead of standard output")
	f.StringVarP(&o.write, "write-out", "w", "", "print `FORMAT` after the transfer: %{http_code} %{time_connect} %{time_starttransfer} %{time_total} ...")
	f.BoolVarP(&o.silent, "silent", "s", false, "print no error message")
	f.StringVarP(&o.agent, "user-agent", "A", curlUA, "User-Agent `STRING`")
	f.StringVarP(&o.cookieIn, "cookie", "b", "", "send cookies: `DATA` as NAME=VALUE; NAME2=VALUE2, or a cookie FILE to read (Netscape format); turns the cookie engine on")
	f.StringVarP(&o.jarOut, "cookie-jar", "c", "", "write every cookie to `FILE` (Netscape format; - for standard output) after the run")
	f.BoolVar(&o.h2, "http2-prior-knowledge", false, "speak HTTP/2 at once, without Upgrade (h2c by prior knowledge)")
	f.BoolVar(&o.h2up, "http2", false, "ask for HTTP/2: the first request in HTTP/1.1 with Upgrade: h2c, HTTP/2 after the server's 101 (HTTP/1.1 if it declines)")
	f.BoolVar(&o.h1, "http1.1", false, "speak HTTP/1.1 (the default)")
	f.Float64VarP(&o.maxTime, "max-time", "m", 0, "give up after `SECONDS` of virtual time for the whole operation (exit 28)")
	f.Float64Var(&o.connTime, "connect-timeout", 0, "give up connecting after `SECONDS` of virtual time (exit 28)")
}

// curlURL is an http URL taken apart.
type curlURL struct {
	host   string // lower-case name or address
	port   uint16
	target string // path and query
}

func (u curlURL) String() string {
	return "http://" + u.hostPort() + u.target
}

// hostPort is the Host field: the port only when it is not 80.
func (u curlURL) hostPort() string {
	if u.port == 80 {
		return u.host
	}
	return u.host + ":" + strconv.Itoa(int(u.port))
}

// parseCurlURL parses raw as curl does, with curl's errors: no scheme
// means http, a scheme other than http is "not supported" (hops has no
// TLS), and a broken URL is "URL rejected".
func parseCurlURL(raw string) (curlURL, error) {
	malformed := &curlFail{3, "URL rejected: Malformed input to a URL function"}
	for i := 0; i < len(raw); i++ {
		if raw[i] <= ' ' || raw[i] >= 0x7f {
			return curlURL{}, malformed
		}
	}
	rest := raw
	if scheme, r, ok := strings.Cut(raw, "://"); ok {
		if !strings.EqualFold(scheme, "http") {
			return curlURL{}, &curlFail{1, fmt.Sprintf("Protocol \"%s\" not supported", scheme)}
		}
		rest = r
	}
	auth := rest
	target := "/"
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		auth, target = rest[:i], rest[i:]
	}
	target, _, _ = strings.Cut(target, "#")
	if strings.HasPrefix(target, "?") {
		target = "/" + target
	}
	if i := strings.LastIndexByte(auth, '@'); i >= 0 {
		auth = auth[i+1:]
	}
	host, port := auth, "80"
	if i := strings.LastIndexByte(auth, ':'); i >= 0 {
		host, port = auth[:i], auth[i+1:]
		if port == "" {
			port = "80"
		}
	}
	if host == "" {
		return curlURL{}, &curlFail{3, "URL rejected: No host part in the URL"}
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 {
		return curlURL{}, &curlFail{3, "URL rejected: Port number was not a decimal number between 0 and 65535"}
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return curlURL{}, &curlFail{3, "URL rejected: Bad hostname"}
		}
	}
	return curlURL{host: strings.ToLower(host), port: uint16(p), target: target}, nil
}

// resolveRef resolves a Location value against base (RFC 3986 section
// 5.2, for the forms servers send: absolute, authority-relative, path).
func resolveRef(base curlURL, loc string) (curlURL, error) {
	switch {
	case strings.Contains(loc, "://"):
		return parseCurlURL(loc)
	case strings.HasPrefix(loc, "//"):
		return parseCurlURL("http:" + loc)
	case strings.HasPrefix(loc, "/"):
		return parseCurlURL("http://" + base.hostPort() + loc)
	}
	dir := base.target[:strings.LastIndexByte(strings.SplitN(base.target, "?", 2)[0], '/')+1]
	return parseCurlURL("http://" + base.hostPort() + dir + loc)
}

// curlRequest builds the request the flags describe.
func (o *curlOpts) request(u curlURL) (*h1.Request, error) {
	req := &h1.Request{Method: "GET", Target: u.target, Minor: 1}
	req.Header.Add("Host", u.hostPort())
	req.Header.Add("User-Agent", o.agent)
	req.Header.Add("Accept", "*/*")
	var body []string
	for _, d := range o.data {
		if name, ok := strings.CutPrefix(d, "@"); ok {
			b, err := os.ReadFile(name)
			if err != nil {
				return nil, &curlFail{26, "Failed to open/read local data from file/application"}
			}
			d = strings.NewReplacer("\r", "", "\n", "").Replace(string(b))
		}
		body = append(body, d)
	}
	switch {
	case o.json != "":
		req.Method, req.Body = "POST", []byte(o.json)
		req.Header.Add("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
	case body != nil:
		req.Method, req.Body = "POST", []byte(strings.Join(body, "&"))
		req.Header.Add("Content-Type", "application/x-www-form-urlencoded")
	}
	if o.head {
		req.Method = "HEAD"
	}
	if o.method != "" {
		req.Method = o.method
	}
	for _, h := range o.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			continue // curl ignores a header without a colon
		}
		value = strings.TrimSpace(value)
		if !h1.ValidField(name, value) {
			return nil, usageError{fmt.Errorf("curl: -H %q: a header's name must be a token, and its value must not hold CR, LF or other control characters", h)}
		}
		if value == "" {
			req.Header.Del(name)
			continue
		}
		if req.Header.Has(name) {
			req.Header.Set(name, value)
		} else {
			req.Header.Add(name, value)
		}
	}
	return req, nil
}

// curlClient is web.Client (HTTP/1.1) or web.H2Client (HTTP/2).
type curlClient interface {
	DoProgress(addr netip.AddrPort, req *h1.Request, progress, done func(*web.Exchange))
	Close()
}

// curlRun is one hops curl run on the simulation's thread.
type curlRun struct {
	g        *globals
	o        curlOpts
	s        *session
	src      *node.Node
	client   curlClient
	start    sim.Time  // when curl began: the run's start
	lookedUp sim.Time  // when the name lookup ended
	body     io.Writer // stdout or -o FILE
	redirs   int
	err      error
	last     *web.Exchange
	lastURL  curlURL
	finished func()
	cookies  *curlCookies
	dropBody bool          // a 301, 302 or 303 turned the POST into a GET
	cur      *web.Exchange // the exchange under way, as its progress reports it
	over     bool          // the run has ended (a timeout ends it early)
	conn     *web.Exchange // the exchange whose connection came up last
	connWait bool          // a new connection is being opened (--connect-timeout runs)
	connT    *node.Timer   // --connect-timeout's timer
	connFrom sim.Time      // when that connection attempt began
}

func (g *globals) runCurl(o curlOpts, raw string) error {
	u, err := parseCurlURL(raw)
	if err != nil {
		return err
	}
	if _, err := o.request(u); err != nil {
		return err
	}
	if err := g.knownHost(u.host); err != nil {
		return err
	}
	cookies, err := loadCurlCookies(o.cookieIn, o.jarOut)
	if err != nil {
		return err
	}
	r := &curlRun{g: g, o: o, cookies: cookies}
	_, sig, err := g.runApp(appRun{
		from: o.from, dest: u.host,
		unresolved: func(*session, *nameError) error {
			return &curlFail{6, "Could not resolve host: " + u.host}
		},
		plan:  10 * time.Minute,
		label: "curl " + u.String(),
		lookupLimit: func() time.Duration {
			limit := 0.0
			for _, v := range []float64{o.maxTime, o.connTime} {
				if v > 0 && (limit == 0 || v < limit) {
					limit = v
				}
			}
			return time.Duration(limit * float64(time.Second))
		}(),
		lookupTimeout: func(elapsed time.Duration) error {
			return &curlFail{28, fmt.Sprintf("Resolving timed out after %d milliseconds", elapsed.Milliseconds())}
		},
		quiet: true,
		check: func(s *session, src *node.Node, dst netip.Addr) error {
			if o.output == "" {
				return nil
			}
			f, err := os.Create(o.output)
			if err != nil {
				return &curlFail{23, fmt.Sprintf("Failed writing body: %v", err)}
			}
			r.body = f
			s.closer = append(s.closer, f.Close)
			return nil
		},
		start: func(s *session, src *node.Node, dst netip.Addr, done func()) error {
			r.s, r.src, r.finished = s, src, done
			if r.body == nil {
				r.body = s.out
			}
			connected := func(x *web.Exchange) { r.conn, r.connWait = x, false }
			switch {
			case o.h1:
				r.client = web.NewClient(src, web.ClientConfig{HTTP: h1.ClientConfig{Limits: h1.Limits{MaxBodyBytes: curlMaxBody}}, OnConnected: connected})
			case o.h2:
				r.client = web.NewH2Client(src, web.ClientConfig{OnConnected: connected}, h2.ClientConfig{MaxBodyBytes: curlMaxBody})
			case o.h2up:
				r.client = web.NewH2Client(src, web.ClientConfig{H2CUpgrade: true, HTTP: h1.ClientConfig{Limits: h1.Limits{MaxBodyBytes: curlMaxBody}}, OnConnected: connected},
					h2.ClientConfig{MaxBodyBytes: curlMaxBody})
			default:
				r.client = web.NewClient(src, web.ClientConfig{HTTP: h1.ClientConfig{Limits: h1.Limits{MaxBodyBytes: curlMaxBody}}, OnConnected: connected})
			}
			// curl's clock starts before the name lookup, when the
			// world's clock starts (after DHCP and the routing settled);
			// the lookup (if any) has just ended.
			r.start, r.lookedUp = s.w.Start, src.Now()
			r.armTimeouts(src)
			r.fetch(u, dst)
			return nil
		},
	})
	if err != nil {
		return err
	}
	if sig != 0 {
		return killedBy{sig}
	}
	return r.err
}

// knownHost fails as curl does for a name nothing resolves, before the
// run, when the node table alone can tell: a dotted name in a world that
// runs a resolver is left to DNS, looked up during the run.
func (g *globals) knownHost(host string) error {
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	sc, err := loadScenario(g)
	if err != nil {
		return err
	}
	for _, n := range sc.Nodes {
		if strings.EqualFold(n.Name, host) {
			return nil
		}
		if strings.Contains(host, ".") {
			for _, svc := range n.Services {
				if svc.Kind == scenario.ServiceResolver {
					return nil
				}
			}
		}
	}
	return &curlFail{6, "Could not resolve host: " + host}
}

// fetch sends one request of the run to u at addr.
func (r *curlRun) fetch(u curlURL, addr netip.Addr) {
	req, err := r.o.followRequest(u, r.dropBody)
	if err != nil {
		r.fail(err)
		return
	}
	if h := r.cookies.header(r.src.Now(), u); h != "" {
		req.Header.Add("Cookie", h)
	}
	if r.connT != nil && r.last != nil && (!r.last.LeftIntact || r.last.Remote != netip.AddrPortFrom(addr, u.port)) {
		// A redirect elsewhere opens a new connection: curl gives it
		// its own connect timeout.
		r.connWait, r.connFrom = true, r.src.Now()
		r.connT.Reset(time.Duration(r.o.connTime * float64(time.Second)))
	}
	r.lastURL = u
	r.cur = nil
	r.client.DoProgress(netip.AddrPortFrom(addr, u.port), req, func(x *web.Exchange) { r.cur = x }, func(x *web.Exchange) {
		if !r.over {
			r.exchanged(u, x)
		}
	})
}

// armTimeouts sets -m's and --connect-timeout's timers, counted in
// virtual time from the run's start as curl counts from its own.
func (r *curlRun) armTimeouts(src *node.Node) {
	at := func(sec float64) sim.Time { return r.start.Add(time.Duration(sec * float64(time.Second))) }
	if r.o.connTime > 0 {
		// The first connection's clock starts with curl's (the name
		// lookup counts); a later new one's when it is opened.
		r.connWait, r.connFrom = true, r.start
		r.connT = src.NewTimer(func(now sim.Time) {
			if r.over || !r.connWait {
				return // connected (or done) in time
			}
			msg := fmt.Sprintf("Failed to connect to %s port %d after %d ms: Timeout was reached", r.lastURL.host, r.lastURL.port, now.Sub(r.connFrom).Milliseconds())
			r.verbose("* %s\n* Closing connection\n", msg)
			r.fail(&curlFail{28, msg})
		})
		r.connT.ResetAt(at(r.o.connTime))
	}
	if r.o.maxTime > 0 {
		src.NewTimer(func(now sim.Time) {
			if r.over {
				return
			}
			got := 0
			if r.cur != nil && r.cur.Resp != nil {
				got = len(r.cur.Resp.Body)
			}
			msg := fmt.Sprintf("Operation timed out after %d milliseconds with %d bytes received", now.Sub(r.start).Milliseconds(), got)
			r.verbose("* %s\n* Closing connection\n", msg)
			r.fail(&curlFail{28, msg})
		}).ResetAt(at(r.o.maxTime))
	}
}

func (r *curlRun) verbose(format string, args ...any) {
	if r.o.verbose {
		fmt.Fprintf(r.s.errw, format, args...)
	}
}

func (r *curlRun) verboseConnecting(u curlURL, addr netip.Addr) {
	if _, err := netip.ParseAddr(u.host); err != nil {
		r.verbose("* Host %s:%d was resolved.\n* IPv6: (none)\n* IPv4: %s\n", u.host, u.port, addr)
	}
}

// exchanged reports one exchange and follows a redirect.
func (r *curlRun) exchanged(u curlURL, x *web.Exchange) {
	r.last = x
	if x.Reused {
		r.verbose("* Re-using existing connection with host %s\n", u.host)
	} else {
		r.verboseConnecting(u, x.Remote.Addr())
		r.verbose("*   Trying %s...\n", x.Remote)
	}
	if x.Err != nil && x.Connected == 0 {
		r.connectFailed(u, x)
		return
	}
	if !x.Reused {
		r.verbose("* Connected to %s (%s) port %d\n", u.host, x.Remote.Addr(), u.port)
	}
	for _, l := range headLines(x.RequestHead) {
		r.verbose("> %s\n", l)
	}
	for _, ir := range x.Interim {
		r.printHead("< ", ir, false, false)
		if ir.Status == 101 && x.Proto == "HTTP/2" {
			r.verbose("* Received 101, Switching to HTTP/2\n")
		}
	}
	next, follow := curlURL{}, false
	if x.Resp != nil {
		r.cookies.took(r.src.Now(), u, x.Resp.Header.Values("Set-Cookie"))
		r.printHead("< ", x.Resp, r.o.include || r.o.head, x.Proto == "HTTP/2")
		next, follow = r.redirect(u, x.Resp)
		switch {
		case x.Err != nil:
		case follow && len(x.Resp.Body) > 0:
			r.verbose("* Ignoring the response-body\n")
		default:
			r.body.Write(x.Resp.Body)
		}
	}
	if x.Err != nil {
		r.verbose("* Closing connection\n")
		r.fail(exchangeFail(x.Err))
		return
	}
	if follow {
		r.leftIntact(u, x)
		r.redirs++
		if r.redirs > r.o.maxRedir {
			r.fail(&curlFail{47, fmt.Sprintf("Maximum (%d) redirects followed", r.o.maxRedir)})
			return
		}
		r.verbose("* Issue another request to this URL: '%s'\n", next)
		var note string
		r.dropBody, note = r.o.switchAfter(x.Resp.Status, r.dropBody)
		if note != "" {
			r.verbose("* %s\n", note)
		}
		r.s.lookup(r.src, next.host, func(addr netip.Addr, err error) {
			if err != nil {
				r.fail(&curlFail{6, "Could not resolve host: " + next.host})
				return
			}
			r.fetch(next, addr)
		})
		return
	}
	r.leftIntact(u, x)
	r.done()
}

func (r *curlRun) leftIntact(u curlURL, x *web.Exchange) {
	if x.LeftIntact {
		r.verbose("* Connection #%d to host %s left intact\n", x.ConnID, u.host)
	} else {
		r.verbose("* Closing connection\n")
	}
}

// redirect returns where a response sends the client under -L.
func (r *curlRun) redirect(u curlURL, resp *h1.Response) (curlURL, bool) {
	return r.o.redirect(u, resp)
}

// redirect returns where a response sends the client under -L.
func (o *curlOpts) redirect(u curlURL, resp *h1.Response) (curlURL, bool) {
	switch resp.Status {
	case 301, 302, 303, 307, 308:
	default:
		return curlURL{}, false
	}
	loc := resp.Header.Get("Location")
	if !o.location || loc == "" {
		return curlURL{}, false
	}
	next, err := resolveRef(u, loc)
	return next, err == nil
}

// switchAfter is curl's method rule for the request that follows a
// redirect with status (RFC 9110 section 15.4): after a 301 or 302 a
// POST becomes a GET without its body (the historical behaviour 15.4.2
// and 15.4.3 allow), after a 303 any request but a GET does (a HEAD
// stays a HEAD), and a 307 or 308 repeats the method and the body
// (15.4.8, 15.4.9). A POST is a request with -d or --json; -X names the
// method every request of the run uses, so "-X PUT -d x" sends PUT
// without the body after a 303, as curl does. dropped says an earlier
// redirect dropped the body already; note is curl's -v line.
func (o *curlOpts) switchAfter(status int, dropped bool) (drop bool, note string) {
	post := !dropped && (len(o.data) > 0 || o.json != "")
	switch status {
	case 301, 302:
		if post {
			return true, "Switch from POST to GET"
		}
	case 303:
		switch {
		case o.head:
			return dropped, "Switch to HEAD"
		case post:
			return true, "Switch to GET"
		}
	}
	return dropped, ""
}

// followRequest is the request to u: the flags' request, with its body
// dropped (and, without -X, made a GET) once a redirect switched it.
func (o *curlOpts) followRequest(u curlURL, dropBody bool) (*h1.Request, error) {
	req, err := o.request(u)
	if err != nil || !dropBody {
		return req, err
	}
	req.Body = nil
	if o.method == "" {
		req.Method = "GET"
	}
	if o.json == "" {
		req.Header.Del("Content-Type") // --json's fields are the user's, and stay
	}
	return req, nil
}

// printHead shows a response head: "< " lines with -v, and the raw head
// on the body's output with -i or -I.
func (r *curlRun) printHead(prefix string, resp *h1.Response, raw, isH2 bool) {
	head := h1.AppendResponseHead(nil, &h1.Response{Minor: resp.Minor, Status: resp.Status, Reason: resp.Reason, Header: resp.Header})
	if isH2 {
		// curl shows an HTTP/2 status line without a reason phrase.
		head = []byte("HTTP/2 " + strconv.Itoa(resp.Status) + " \r\n")
		for _, f := range resp.Header {
			head = append(head, f.Name+": "+f.Value+"\r\n"...)
		}
		head = append(head, "\r\n"...)
	} else if resp.Reason == "" {
		head = []byte(strings.Replace(string(head), " "+h1.StatusText(resp.Status)+"\r\n", " \r\n", 1))
	}
	for _, l := range headLines(head) {
		r.verbose("%s%s\n", prefix, l)
	}
	if raw {
		r.body.Write(head)
	}
}

func (r *curlRun) connectFailed(u curlURL, x *web.Exchange) {
	ms := x.Done.Sub(r.start).Milliseconds()
	why := "Couldn't connect to server"
	if errors.Is(x.Err, tcp.ErrTimeout) {
		why = "Timeout was reached"
	}
	r.verbose("* connect to %s port %d from %s port %d failed: %s\n", x.Remote.Addr(), u.port, x.Local.Addr(), x.Local.Port(), errText(x.Err))
	msg := fmt.Sprintf("Failed to connect to %s port %d after %d ms: %s", u.host, u.port, ms, why)
	r.verbose("* %s\n* Closing connection\n", msg)
	code := 7
	if why == "Timeout was reached" {
		code = 28
	}
	r.fail(&curlFail{code, msg})
}

// errText words a socket error as strerror does.
func errText(err error) string {
	switch {
	case errors.Is(err, tcp.ErrConnRefused):
		return "Connection refused"
	case errors.Is(err, tcp.ErrReset):
		return "Connection reset by peer"
	case errors.Is(err, tcp.ErrTimeout):
		return "Connection timed out"
	}
	return err.Error()
}

// exchangeFail maps a failed exchange to curl's error.
func exchangeFail(err error) *curlFail {
	var he *h1.Error
	switch {
	case errors.Is(err, h1.ErrEmptyReply):
		return &curlFail{52, "Empty reply from server"}
	case errors.Is(err, h1.ErrTruncated):
		return &curlFail{18, "transfer closed with outstanding read data remaining"}
	case errors.As(err, &he) && he.Status == 413:
		return &curlFail{63, "Maximum file size exceeded"}
	case errors.As(err, &he):
		return &curlFail{8, "Weird server reply"}
	case errors.Is(err, tcp.ErrReset):
		return &curlFail{56, "Recv failure: Connection reset by peer"}
	case errors.Is(err, tcp.ErrTimeout):
		return &curlFail{28, "Operation timed out"}
	}
	return &curlFail{56, "Recv failure: " + err.Error()}
}

func (r *curlRun) fail(err error) {
	if r.over {
		return
	}
	r.err = err
	r.done()
}

// done ends the run: -w's output, then the connections kept open close.
func (r *curlRun) done() {
	if r.o.write != "" {
		if r.last == nil {
			// Nothing was exchanged (a timeout): curl still writes -w,
			// with http_code 000 and the times it has.
			r.last = &web.Exchange{}
			if x := r.conn; x != nil {
				r.last = x
			}
		}
		io.WriteString(r.s.out, r.writeOut())
	}
	if r.o.jarOut != "" && r.cookies.jar != nil {
		if err := r.writeJar(); err != nil && r.err == nil {
			r.err = err
		}
	}
	r.over = true
	r.client.Close()
	r.finished()
}

// writeJar writes the cookie jar to -c's file ("-": standard output).
func (r *curlRun) writeJar() error {
	if r.o.jarOut == "-" {
		return r.cookies.write(r.s.out, r.src.Now())
	}
	f, err := os.Create(r.o.jarOut)
	if err != nil {
		return &curlFail{23, fmt.Sprintf("Failed to write cookie jar %s: %v", r.o.jarOut, err)}
	}
	if err := r.cookies.write(f, r.src.Now()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeOut expands -w's FORMAT with the last exchange's numbers.
func (r *curlRun) writeOut() string {
	x := r.last
	secs := func(t sim.Time) string {
		if t == 0 {
			return "0.000000"
		}
		return fmt.Sprintf("%.6f", t.Sub(r.start).Seconds())
	}
	code, size := "000", 0
	if x.Resp != nil {
		code, size = strconv.Itoa(x.Resp.Status), len(x.Resp.Body)
	}
	vars := map[string]string{
		"http_code": code, "response_code": code,
		"time_namelookup": secs(r.lookedUp), "time_connect": secs(x.Connected),
		"time_starttransfer": secs(x.FirstByte), "time_total": secs(x.Done),
		"size_download": strconv.Itoa(size), "num_redirects": strconv.Itoa(r.redirs),
		"remote_ip": x.Remote.Addr().String(), "remote_port": strconv.Itoa(int(x.Remote.Port())),
		"local_ip": x.Local.Addr().String(), "local_port": strconv.Itoa(int(x.Local.Port())),
		"url_effective": r.lastURL.String(),
	}
	var b strings.Builder
	f := strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\r`, "\r").Replace(r.o.write)
	for f != "" {
		i := strings.Index(f, "%{")
		j := strings.IndexByte(f[max(i, 0):], '}')
		if i < 0 || j < 0 {
			b.WriteString(f)
			break
		}
		b.WriteString(f[:i])
		b.WriteString(vars[f[i+2:i+j]])
		f = f[i+j+1:]
	}
	return b.String()
}

// headLines splits a head into its lines, without CRLFs; the empty line
// that ends it is kept as "".
func headLines(head []byte) []string {
	s := strings.TrimSuffix(string(head), "\r\n")
	return strings.Split(s, "\r\n")
}
