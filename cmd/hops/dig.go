package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/dns/resolver"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/miekg/dns"
	"github.com/spf13/cobra"
)

// digQuery is what dig's arguments ask for.
type digQuery struct {
	server  string // @SERVER as given
	name    string // fully qualified
	qtype   uint16
	recurse bool // RD (+recurse, the default)
	tcp     bool // +tcp
	short   bool // +short
	edns    bool // +edns (default) / +noedns
	bufsize uint16
	ignore  bool // +ignore: keep a truncated answer
	timeout time.Duration
	tries   int
	trace   bool            // +trace: iterate from the root in the client
	via     string          // the resolver asked when server is "" (the world's)
	roots   []resolver.Hint // the world's root servers, for +trace
}

// digRepeat is --repeat and --interval: the same question asked again,
// to see the resolver's cache answer with the TTL counted down.
type digRepeat struct {
	count    int
	interval time.Duration
}

func newDigCmd(g *globals) *cobra.Command {
	var from, reverse string
	rep := digRepeat{count: 1, interval: 30 * time.Second}
	cmd := &cobra.Command{
		Use:   "dig [flags] [@SERVER] [+trace] [+norecurse] [+tcp] [+short] {NAME [TYPE] | -x ADDR}",
		Short: "Ask a DNS server a question, and print the answer the way dig does",
		Long: `dig sends one DNS query from a node (default: the laptop) to SERVER (a node
name or an IPv4 address) and prints the answer in dig's layout: the header,
the flags, the OPT pseudo-section and the question, answer, authority and
additional sections, with the query time from the virtual clock. The query
goes over UDP (EDNS0, 1232 bytes); a truncated answer is asked again over
TCP, as dig does, and +tcp asks over TCP from the start.

Without @SERVER the query goes to the source node's recursive resolver:
its resolver: setting (a node or an address, like resolv.conf), else the
DNS server its DHCP lease names, else the world's first resolver; for the
laptop of the default world, resolver.isp-a.net (192.0.2.53). The
resolver iterates from the root (QNAME minimisation on), caches what it
learns and answers with ra set; --repeat 2 --interval 30s asks twice and
shows the second answer coming from its cache with the TTL counted down.

-x ADDR is a reverse lookup, as dig -x: the PTR record of ADDR's name in
in-addr.arpa. (203.0.113.10 asks 10.113.0.203.in-addr.arpa. PTR).

+trace does the iteration in the client, as dig +trace does: from the
root hints, each server is asked the whole name without recursion, and
each referral is printed as it comes, down to the answer.

The world's authoritative servers answer from hops' own zones:
a.root-servers.net serves the root, a.gtld-servers.net com. and net.,
ns1.example.com example.com. and example.net., ns2.example.com (on
isp-b-core) example.com.

Options: +[no]recurse (RD, default on), +[no]tcp, +short, +[no]edns,
+bufsize=B, +ignore (keep a truncated answer), +timeout=T (seconds),
+tries=N, +trace. TYPE is A (default), AAAA, NS, SOA, MX, TXT, PTR, CNAME, ANY ...`,
		Example: `  hops dig www.example.com
  hops dig +trace www.example.com
  hops dig www.example.com --repeat 2 --interval 30s
  hops dig @a.root-servers.net www.example.com
  hops dig @a.gtld-servers.net www.example.com
  hops dig @ns1.example.com www.example.com
  hops dig @ns1.example.com +short example.com MX
  hops dig +tcp @203.0.113.53 example.com SOA
  hops dig -x 203.0.113.10`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			q, err := parseDigArgs(args, reverse)
			if err != nil {
				return usageError{err}
			}
			if reverse != "" {
				// dig's header line repeats the command, -x included.
				args = append([]string{"-x", reverse}, args...)
			}
			if rep.count < 1 || rep.count > 100 || rep.interval < 0 {
				return usageError{fmt.Errorf("dig: --repeat wants 1..100 and --interval a duration of at least 0s")}
			}
			if q.trace {
				return runDigTrace(g, from, q, args)
			}
			return runDig(g, from, q, rep, args)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "`NODE` to ask from (default: the laptop)")
	cmd.Flags().IntVar(&rep.count, "repeat", 1, "ask `N` times (a resolver answers the repeats from its cache)")
	cmd.Flags().DurationVar(&rep.interval, "interval", 30*time.Second, "virtual `TIME` between repeats")
	cmd.Flags().StringVarP(&reverse, "reverse", "x", "", "reverse lookup of `ADDR`: its PTR record in in-addr.arpa. (dig -x)")
	return cmd
}

// parseDigArgs reads dig's arguments: @SERVER, +options, NAME and TYPE
// (and the class IN) in any order, as dig takes them. reverse is -x's
// address ("" without -x): the NAME is its in-addr.arpa. name, the TYPE
// PTR.
func parseDigArgs(args []string, reverse string) (digQuery, error) {
	q := digQuery{recurse: true, edns: true, bufsize: 1232, timeout: 5 * time.Second, tries: 3}
	if reverse != "" {
		a, err := netip.ParseAddr(reverse)
		if err != nil {
			return q, fmt.Errorf("dig: -x %s: not an IPv4 or IPv6 address", reverse)
		}
		q.name, q.qtype = dnsserver.ReverseName(a), dns.TypePTR
	}
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "@"):
			q.server = a[1:]
		case strings.HasPrefix(a, "+"):
			if err := q.option(a[1:]); err != nil {
				return q, err
			}
		case q.name != "" && q.qtype == 0 && dns.StringToType[strings.ToUpper(a)] != 0:
			q.qtype = dns.StringToType[strings.ToUpper(a)]
		case q.name != "" && strings.EqualFold(a, "IN"):
		case q.name == "":
			if _, ok := dns.IsDomainName(a); !ok {
				return q, fmt.Errorf("dig: '%s' is not a legal name", a)
			}
			q.name = dns.Fqdn(a)
		default:
			return q, fmt.Errorf("dig: unexpected argument %q (NAME is %s already; TYPE is one of A, AAAA, NS, SOA, MX, TXT, PTR, CNAME, ANY ...)", a, q.name)
		}
	}
	if q.name == "" {
		return q, fmt.Errorf("dig: no NAME to ask about (e.g. hops dig www.example.com)")
	}
	if q.qtype == 0 {
		q.qtype = dns.TypeA
	}
	return q, nil
}

// option applies one +option.
func (q *digQuery) option(o string) error {
	name, val, hasVal := strings.Cut(o, "=")
	on := !strings.HasPrefix(name, "no")
	base := strings.TrimPrefix(name, "no")
	switch {
	case base == "recurse" || base == "rec":
		q.recurse = on
	case base == "tcp" || base == "vc":
		q.tcp = on
	case base == "short" && on:
		q.short = true
	case base == "edns":
		q.edns = on
	case base == "ignore":
		q.ignore = on
	case base == "trace":
		q.trace = on
	case base == "bufsize" && hasVal:
		n, err := strconv.ParseUint(val, 10, 16)
		if err != nil {
			return fmt.Errorf("dig: +bufsize=%s: want 0..65535", val)
		}
		q.bufsize = uint16(n)
	case base == "timeout" && hasVal:
		n, err := strconv.ParseUint(val, 10, 16)
		if err != nil || n == 0 {
			return fmt.Errorf("dig: +timeout=%s: want whole seconds, at least 1", val)
		}
		q.timeout = time.Duration(n) * time.Second
	case base == "tries" && hasVal:
		n, err := strconv.ParseUint(val, 10, 8)
		if err != nil || n == 0 {
			return fmt.Errorf("dig: +tries=%s: want 1..255", val)
		}
		q.tries = int(n)
	default:
		return fmt.Errorf("dig: unknown option +%s (known: +[no]recurse, +[no]tcp, +short, +[no]edns, +bufsize=B, +ignore, +timeout=T, +tries=N, +[no]trace)", o)
	}
	return nil
}

// message builds the query with id.
func (q digQuery) message(id uint16) []byte {
	m := new(dns.Msg)
	m.SetQuestion(q.name, q.qtype)
	m.Id = id
	m.RecursionDesired = q.recurse
	if q.edns {
		m.SetEdns0(q.bufsize, false)
	}
	b, err := m.Pack()
	if err != nil {
		panic(err) // a name IsDomainName accepted always packs
	}
	return b
}

// resolverOf names the resolver dig asks without @SERVER: the source
// node's resolv.conf (its `resolver:`), else the world's first resolver.
func resolverOf(from string) func(s *session) (string, error) {
	return func(s *session) (string, error) {
		src, err := s.source(from)
		if err != nil {
			return "", err
		}
		if addr, name, ok := s.w.ResolverFor(src.Name); ok {
			if s.w.Node(name) != nil {
				return name, nil
			}
			return addr.String(), nil
		}
		return "", usageError{fmt.Errorf("dig: the world runs no resolver (a node with services: [{kind: resolver}]); ask a server with @SERVER")}
	}
}

// runDig runs dig in a world with the default name servers and resolver
// started: rep.count queries, rep.interval apart in virtual time.
func runDig(g *globals, from string, q digQuery, rep digRepeat, args []string) error {
	var failed bool
	_, sig, err := g.runApp(appRun{
		from: from, dest: q.server, destOf: resolverOf(from), unresolved: digUnresolved(g),
		plan:  time.Duration(rep.count-1)*rep.interval + time.Duration(q.tries+1)*q.timeout,
		label: "dig " + q.name,
		quiet: true,
		start: func(s *session, src *node.Node, dst netip.Addr, done func()) error {
			_, q.via, _ = s.w.ResolverFor(src.Name)
			ids := src.AppStream("dig")
			cfg := dnsserver.ExchangeConfig{Server: netip.AddrPortFrom(dst, 53), TCP: q.tcp,
				NoTCPRetry: q.ignore, Timeout: q.timeout, Tries: q.tries}
			var ask func(i int)
			ask = func(i int) {
				dnsserver.Exchange(src, cfg, q.message(uint16(ids.Uint32())), func(r dnsserver.Reply) {
					failed = failed || r.Err != nil
					if i > 0 && !g.json && !q.short {
						fmt.Fprintf(s.out, ";; --- query %d of %d, at %v ---\n", i+1, rep.count, src.Now())
					}
					printDig(s.out, g.json, q, dst, r, args)
					if i+1 == rep.count {
						done()
						return
					}
					next := r.Sent.Add(rep.interval)
					if now := src.Now(); next < now {
						next = now
					}
					src.NewTimer(func(sim.Time) { ask(i + 1) }).ResetAt(next)
				})
			}
			ask(0)
			return nil
		},
	})
	if err != nil {
		return err
	}
	if sig != 0 {
		return killedBy{sig}
	}
	if failed {
		return silentExit{9} // dig: "no reply from server"
	}
	return nil
}

// printDig prints the answer (or the failure) in dig's layout, +short's,
// or as JSON.
func printDig(w io.Writer, asJSON bool, q digQuery, addr netip.Addr, r dnsserver.Reply, args []string) {
	var m *dns.Msg
	if r.Err == nil {
		m = new(dns.Msg)
		if err := m.Unpack(r.Msg); err != nil {
			fmt.Fprintf(w, ";; Got bad packet: %v\n", err)
			return
		}
	}
	switch {
	case asJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(digJSONOf(q, addr, r, m))
	case q.short:
		if r.Err != nil {
			fmt.Fprintf(w, ";; communications error to %s#53: %v\n", addr, r.Err)
			return
		}
		for _, rr := range m.Answer {
			fmt.Fprintln(w, rdata(rr))
		}
	default:
		printDigFull(w, q, addr, r, m, args)
	}
}

func printDigFull(w io.Writer, q digQuery, addr netip.Addr, r dnsserver.Reply, m *dns.Msg, args []string) {
	fmt.Fprintf(w, "\n; <<>> hops dig <<>> %s\n", strings.Join(args, " "))
	if _, err := netip.ParseAddr(q.server); err != nil && q.server != "" {
		fmt.Fprintln(w, "; (1 server found)")
	}
	fmt.Fprintln(w, ";; global options: +cmd")
	if r.Truncated {
		fmt.Fprintln(w, ";; Truncated, retrying in TCP mode.")
	}
	if r.Err != nil {
		for i := 0; i < max(r.Tries, 1); i++ {
			fmt.Fprintf(w, ";; communications error to %s#53: %v\n", addr, r.Err)
			if r.Err != dnsserver.ErrTimeout {
				break
			}
		}
		fmt.Fprintln(w, ";; no servers could be reached")
		return
	}
	fmt.Fprintln(w, ";; Got answer:")
	fmt.Fprintf(w, ";; ->>HEADER<<- opcode: %s, status: %s, id: %d\n",
		dns.OpcodeToString[m.Opcode], rcodeText(m), m.Id)
	fmt.Fprintf(w, ";; flags: %s; QUERY: %d, ANSWER: %d, AUTHORITY: %d, ADDITIONAL: %d\n",
		strings.Join(digFlags(m), " "), len(m.Question), len(m.Answer), len(m.Ns), len(m.Extra))
	if m.RecursionDesired && !m.RecursionAvailable {
		fmt.Fprintln(w, ";; WARNING: recursion requested but not available")
	}
	fmt.Fprintln(w)
	if o := m.IsEdns0(); o != nil {
		fmt.Fprintln(w, ";; OPT PSEUDOSECTION:")
		flags := ""
		if o.Do() {
			flags = " do"
		}
		fmt.Fprintf(w, "; EDNS: version: %d, flags:%s; udp: %d\n", o.Version(), flags, o.UDPSize())
		for _, op := range o.Option {
			if e, ok := op.(*dns.EDNS0_EDE); ok {
				// dig's layout for an extended error (RFC 8914).
				fmt.Fprintf(w, "; EDE: %d (%s): (%s)\n", e.InfoCode, dns.ExtendedErrorCodeToString[e.InfoCode], e.ExtraText)
			}
		}
	}
	if len(m.Question) > 0 {
		fmt.Fprintln(w, ";; QUESTION SECTION:")
		for _, qu := range m.Question {
			fmt.Fprintf(w, "%s\t%s\t%s\n", padTab(";"+qu.Name, 24), dns.Class(qu.Qclass), dns.Type(qu.Qtype))
		}
		fmt.Fprintln(w)
	}
	for _, sec := range []struct {
		name string
		rrs  []dns.RR
	}{{"ANSWER", m.Answer}, {"AUTHORITY", m.Ns}, {"ADDITIONAL", m.Extra}} {
		var lines []string
		for _, rr := range sec.rrs {
			if rr.Header().Rrtype != dns.TypeOPT {
				lines = append(lines, digRR(rr))
			}
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(w, ";; %s SECTION:\n%s\n\n", sec.name, strings.Join(lines, "\n"))
	}
	proto := "UDP"
	if r.TCP {
		proto = "TCP"
	}
	fmt.Fprintf(w, ";; Query time: %d msec\n", r.RTT.Milliseconds())
	server := q.server
	if server == "" {
		server = q.via
	}
	fmt.Fprintf(w, ";; SERVER: %s#53(%s) (%s)\n", addr, server, proto)
	fmt.Fprintf(w, ";; MSG SIZE  rcvd: %d\n\n", len(r.Msg))
}

// rcodeText is the status dig prints, with the extended RCODE.
func rcodeText(m *dns.Msg) string {
	if s, ok := dns.RcodeToString[m.Rcode]; ok {
		return s
	}
	return "RESERVED" + strconv.Itoa(m.Rcode)
}

// digFlags lists the header flags set, in dig's order.
func digFlags(m *dns.Msg) []string {
	var f []string
	for _, x := range []struct {
		on   bool
		name string
	}{{m.Response, "qr"}, {m.Authoritative, "aa"}, {m.Truncated, "tc"}, {m.RecursionDesired, "rd"},
		{m.RecursionAvailable, "ra"}, {m.AuthenticatedData, "ad"}, {m.CheckingDisabled, "cd"}} {
		if x.on {
			f = append(f, x.name)
		}
	}
	return f
}

// digRR formats a record as dig does: the owner padded with tabs to
// column 24, then TTL, class, type and data separated by tabs.
func digRR(rr dns.RR) string {
	h := rr.Header()
	return fmt.Sprintf("%s%d\t%s\t%s\t%s", padTab(h.Name, 24), h.Ttl, dns.Class(h.Class), dns.Type(h.Rrtype), rdata(rr))
}

// rdata is a record's data in presentation format.
func rdata(rr dns.RR) string {
	return strings.TrimPrefix(rr.String(), rr.Header().String())
}

// padTab appends tabs to s up to column col (8-column tab stops), at
// least one.
func padTab(s string, col int) string {
	n := len(s)
	s += "\t"
	for n = (n/8 + 1) * 8; n < col; n += 8 {
		s += "\t"
	}
	return s
}

// digJSON is hops dig --json.
type digJSON struct {
	Server     string       `json:"server"`
	ServerAddr netip.Addr   `json:"server_addr"`
	Transport  string       `json:"transport,omitempty"`
	Truncated  bool         `json:"truncated_retried_tcp,omitempty"`
	Error      string       `json:"error,omitempty"`
	QueryTime  float64      `json:"query_time_ms"`
	Size       int          `json:"msg_size,omitempty"`
	ID         uint16       `json:"id"`
	Opcode     string       `json:"opcode,omitempty"`
	Status     string       `json:"status,omitempty"`
	Flags      []string     `json:"flags"`
	EDNS       *digJSONEDNS `json:"edns,omitempty"`
	Question   []digJSONQ   `json:"question"`
	Answer     []digJSONRR  `json:"answer"`
	Authority  []digJSONRR  `json:"authority"`
	Additional []digJSONRR  `json:"additional"`
}

type digJSONEDNS struct {
	Version uint8    `json:"version"`
	UDP     uint16   `json:"udp"`
	Flags   []string `json:"flags"`
}

type digJSONQ struct {
	Name  string `json:"name"`
	Class string `json:"class"`
	Type  string `json:"type"`
}

type digJSONRR struct {
	Name  string `json:"name"`
	TTL   uint32 `json:"ttl"`
	Class string `json:"class"`
	Type  string `json:"type"`
	Data  string `json:"data"`
}

func digJSONOf(q digQuery, addr netip.Addr, r dnsserver.Reply, m *dns.Msg) digJSON {
	j := digJSON{Server: q.server, ServerAddr: addr, Truncated: r.Truncated, Flags: []string{},
		QueryTime: float64(r.RTT) / float64(time.Millisecond), Size: len(r.Msg)}
	if r.Err != nil {
		j.Error = r.Err.Error()
		return j
	}
	j.Transport = "UDP"
	if r.TCP {
		j.Transport = "TCP"
	}
	j.ID, j.Opcode, j.Status, j.Flags = m.Id, dns.OpcodeToString[m.Opcode], rcodeText(m), digFlags(m)
	if o := m.IsEdns0(); o != nil {
		j.EDNS = &digJSONEDNS{Version: o.Version(), UDP: o.UDPSize(), Flags: []string{}}
		if o.Do() {
			j.EDNS.Flags = append(j.EDNS.Flags, "do")
		}
	}
	for _, qu := range m.Question {
		j.Question = append(j.Question, digJSONQ{qu.Name, dns.Class(qu.Qclass).String(), dns.Type(qu.Qtype).String()})
	}
	conv := func(rrs []dns.RR) []digJSONRR {
		out := []digJSONRR{}
		for _, rr := range rrs {
			h := rr.Header()
			if h.Rrtype == dns.TypeOPT {
				continue
			}
			out = append(out, digJSONRR{h.Name, h.Ttl, dns.Class(h.Class).String(), dns.Type(h.Rrtype).String(), rdata(rr)})
		}
		return out
	}
	j.Answer, j.Authority, j.Additional = conv(m.Answer), conv(m.Ns), conv(m.Extra)
	return j
}

// runDigTrace is dig +trace: the laptop iterates from the root itself
// (a resolver engine with no cache and no QNAME minimisation, since dig
// asks every server the whole name) and prints what each server said.
func runDigTrace(g *globals, from string, q digQuery, args []string) error {
	var res resolver.Result
	_, sig, err := g.runApp(appRun{
		from: from, dest: q.server, destOf: resolverOf(from), unresolved: digUnresolved(g),
		plan:  time.Minute,
		label: "dig +trace " + q.name,
		quiet: true,
		start: func(s *session, src *node.Node, _ netip.Addr, done func()) error {
			q.roots = s.w.RootHints()
			if len(q.roots) == 0 {
				return usageError{fmt.Errorf("dig: +trace: the world has no root server (a node whose dns service serves the zone \".\")")}
			}
			it := dnsserver.NewResolver(src, resolver.Config{Roots: q.roots, NoCache: true, NoQNameMin: true,
				Timeout: q.timeout, MaxTries: q.tries, UDPSize: q.bufsize, Rand: src.AppStream("dig")})
			it.Lookup(q.name, q.qtype, func(r resolver.Result) {
				res = r
				it.Close()
				printDigTrace(s.out, g.json, q, r, args)
				done()
			})
			return nil
		},
	})
	if err != nil {
		return err
	}
	if sig != 0 {
		return killedBy{sig}
	}
	if res.Msg == nil || res.Msg.Rcode == dns.RcodeServerFailure {
		return silentExit{9}
	}
	return nil
}

// printDigTrace prints each step of an iteration in dig +trace's layout:
// the records a server gave (answer and authority), then where they
// came from.
func printDigTrace(w io.Writer, asJSON bool, q digQuery, r resolver.Result, args []string) {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(digTraceJSONOf(r))
		return
	}
	fmt.Fprintf(w, "\n; <<>> hops dig <<>> %s\n", strings.Join(args, " "))
	fmt.Fprintln(w, ";; global options: +cmd")
	for _, h := range q.roots {
		fmt.Fprintf(w, "%s518400\tIN\tNS\t%s\n", padTab(".", 24), h.Name)
	}
	fmt.Fprintln(w, ";; Root hints built into hops (dig asks its resolver for . NS here)")
	fmt.Fprintln(w)
	for _, st := range r.Trace.Steps {
		server := fmt.Sprintf("%s#53(%s)", st.Server, strings.TrimSuffix(st.ServerName, "."))
		switch st.Event {
		case "ignored", "cache", "fail":
			continue
		case "timeout":
			fmt.Fprintf(w, ";; communications error to %s: timed out\n", server)
			continue
		case "error":
			fmt.Fprintf(w, ";; communications error to %s: %s\n", server, st.Note)
			continue
		case "truncated":
			fmt.Fprintln(w, ";; Truncated, retrying in TCP mode.")
			continue
		}
		var m dns.Msg
		if st.Resp == nil || m.Unpack(st.Resp) != nil {
			continue
		}
		if st.Depth > 0 {
			fmt.Fprintf(w, ";; (looking up the glueless name server %s)\n", st.QName)
		}
		if m.Rcode != dns.RcodeSuccess {
			fmt.Fprintf(w, ";; %s for %s\n", rcodeText(&m), st.QName)
		}
		for _, rr := range append(append([]dns.RR(nil), m.Answer...), m.Ns...) {
			fmt.Fprintln(w, digRR(rr))
		}
		fmt.Fprintf(w, ";; Received %d bytes from %s in %d ms\n\n", len(st.Resp), server, st.RTT.Milliseconds())
	}
	if r.Msg.Rcode == dns.RcodeServerFailure {
		fmt.Fprintf(w, ";; resolution failed: %s\n", digEDE(r.Msg))
	}
}

// digEDE is a message's extended error text, or its rcode.
func digEDE(m *dns.Msg) string {
	if o := m.IsEdns0(); o != nil {
		for _, op := range o.Option {
			if e, ok := op.(*dns.EDNS0_EDE); ok {
				return fmt.Sprintf("%s (EDE %d: %s)", e.ExtraText, e.InfoCode, dns.ExtendedErrorCodeToString[e.InfoCode])
			}
		}
	}
	return rcodeText(m)
}

// digTraceStep is one step of hops dig +trace --json.
type digTraceStep struct {
	Depth      int         `json:"depth"`
	Zone       string      `json:"zone"`
	Server     string      `json:"server"`
	ServerName string      `json:"server_name"`
	QName      string      `json:"qname"`
	QType      string      `json:"qtype"`
	TCP        bool        `json:"tcp,omitempty"`
	Event      string      `json:"event"`
	Note       string      `json:"note"`
	RTT        float64     `json:"rtt_ms"`
	Size       int         `json:"msg_size,omitempty"`
	Answer     []digJSONRR `json:"answer,omitempty"`
	Authority  []digJSONRR `json:"authority,omitempty"`
}

type digTraceJSON struct {
	Name   string         `json:"name"`
	Type   string         `json:"type"`
	Status string         `json:"status"`
	Error  string         `json:"error,omitempty"`
	Steps  []digTraceStep `json:"steps"`
}

func digTraceJSONOf(r resolver.Result) digTraceJSON {
	j := digTraceJSON{Name: r.Trace.Name, Type: dns.Type(r.Trace.QType).String(), Status: rcodeText(r.Msg), Steps: []digTraceStep{}}
	if r.Msg.Rcode == dns.RcodeServerFailure {
		j.Error = digEDE(r.Msg)
	}
	conv := func(rrs []dns.RR) []digJSONRR {
		var out []digJSONRR
		for _, rr := range rrs {
			h := rr.Header()
			out = append(out, digJSONRR{h.Name, h.Ttl, dns.Class(h.Class).String(), dns.Type(h.Rrtype).String(), rdata(rr)})
		}
		return out
	}
	for _, st := range r.Trace.Steps {
		if !st.Server.IsValid() {
			continue
		}
		s := digTraceStep{Depth: st.Depth, Zone: st.Zone, Server: st.Server.String(), ServerName: st.ServerName,
			QName: st.QName, QType: dns.Type(st.QType).String(), TCP: st.TCP, Event: st.Event, Note: st.Note,
			RTT: float64(st.RTT) / float64(time.Millisecond), Size: len(st.Resp)}
		var m dns.Msg
		if st.Resp != nil && m.Unpack(st.Resp) == nil {
			s.Answer, s.Authority = conv(m.Answer), conv(m.Ns)
		}
		j.Steps = append(j.Steps, s)
	}
	return j
}
