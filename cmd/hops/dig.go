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
	"github.com/hopsnet/hops/node"
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
}

func newDigCmd(g *globals) *cobra.Command {
	var from string
	cmd := &cobra.Command{
		Use:   "dig [flags] @SERVER [+norecurse] [+tcp] [+short] NAME [TYPE]",
		Short: "Ask a DNS server a question, and print the answer the way dig does",
		Long: `dig sends one DNS query from a node (default: the laptop) to SERVER (a node
name or an IPv4 address) and prints the answer in dig's layout: the header,
the flags, the OPT pseudo-section and the question, answer, authority and
additional sections, with the query time from the virtual clock. The query
goes over UDP (EDNS0, 1232 bytes); a truncated answer is asked again over
TCP, as dig does, and +tcp asks over TCP from the start.

The world's authoritative servers answer from hops' own zones:
a.root-servers.net serves the root, a.gtld-servers.net com. and net.,
ns1.example.com example.com. There is no recursive resolver yet, so
@SERVER is required.

Options: +[no]recurse (RD, default on), +[no]tcp, +short, +[no]edns,
+bufsize=B, +ignore (keep a truncated answer), +timeout=T (seconds),
+tries=N. TYPE is A (default), AAAA, NS, SOA, MX, TXT, PTR, CNAME, ANY ...`,
		Example: `  hops dig @a.root-servers.net www.example.com
  hops dig @a.gtld-servers.net www.example.com
  hops dig @ns1.example.com www.example.com
  hops dig @ns1.example.com +short example.com MX
  hops dig +tcp @203.0.113.53 example.com SOA`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			q, err := parseDigArgs(args)
			if err != nil {
				return usageError{err}
			}
			return runDig(g, from, q, args)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "`NODE` to ask from (default: the laptop)")
	return cmd
}

// parseDigArgs reads dig's arguments: @SERVER, +options, NAME and TYPE
// (and the class IN) in any order, as dig takes them.
func parseDigArgs(args []string) (digQuery, error) {
	q := digQuery{recurse: true, edns: true, bufsize: 1232, timeout: 5 * time.Second, tries: 3}
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
	if q.server == "" {
		return q, fmt.Errorf("dig: @SERVER is required: there is no recursive resolver yet (try @a.root-servers.net, @a.gtld-servers.net or @ns1.example.com)")
	}
	if q.name == "" {
		return q, fmt.Errorf("dig: no NAME to ask about (e.g. hops dig @%s www.example.com)", q.server)
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
		return fmt.Errorf("dig: unknown option +%s (known: +[no]recurse, +[no]tcp, +short, +[no]edns, +bufsize=B, +ignore, +timeout=T, +tries=N)", o)
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

// runDig runs one dig in a world with the default name servers started.
func runDig(g *globals, from string, q digQuery, args []string) error {
	var reply dnsserver.Reply
	_, sig, err := g.runApp(appRun{
		from: from, dest: q.server,
		plan:  time.Duration(q.tries+1) * q.timeout,
		label: "dig " + q.name,
		quiet: true,
		start: func(s *session, src *node.Node, dst netip.Addr, done func()) error {
			if _, err := dnsserver.StartDefault(s.w.Node); err != nil {
				return err
			}
			id := uint16(src.AppStream("dig").Uint32())
			cfg := dnsserver.ExchangeConfig{Server: netip.AddrPortFrom(dst, 53), TCP: q.tcp,
				NoTCPRetry: q.ignore, Timeout: q.timeout, Tries: q.tries}
			dnsserver.Exchange(src, cfg, q.message(id), func(r dnsserver.Reply) {
				reply = r
				printDig(s.out, g.json, q, dst, r, args)
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
	if reply.Err != nil {
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
	if _, err := netip.ParseAddr(q.server); err != nil {
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
	fmt.Fprintf(w, ";; SERVER: %s#53(%s) (%s)\n", addr, q.server, proto)
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
