package resolver

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/hopsnet/hops/sim"
	"github.com/miekg/dns"
)

// A Step is one thing the resolver did for a request: a query and what
// came of it, or an answer taken from the cache.
type Step struct {
	At    sim.Time // when the step ended (the answer came, the timer fired)
	Depth int      // 0: the request's own name; 1 and more: glueless NS lookups
	// Zone is the zone the server was asked as authoritative for.
	Zone       string
	Server     netip.Addr // invalid for a cache step
	ServerName string
	QName      string
	QType      uint16
	TCP        bool
	// Event is one word: query outcomes "answer", "cname", "referral",
	// "nodata", "nxdomain", "lame", "timeout", "error", "truncated",
	// "ignored"; "cache" for a step answered from the cache.
	Event string
	Note  string
	RTT   time.Duration
	// Resp is the server's answer as received (nil without one).
	Resp []byte
}

// A Trace is a request's steps in order.
type Trace struct {
	Name  string
	QType uint16
	Steps []Step
}

func (t *Trace) add(s Step) {
	if t != nil && len(t.Steps) < maxTraceSteps {
		t.Steps = append(t.Steps, s)
	}
}

// maxTraceSteps bounds a trace.
const maxTraceSteps = 256

// Queries returns the steps that were queries to a server.
func (t *Trace) Queries() []Step {
	var out []Step
	for _, s := range t.Steps {
		if s.Server.IsValid() && s.Event != "ignored" {
			out = append(out, s)
		}
	}
	return out
}

// String is the trace one step a line:
//
//	+12ms  192.0.2.1 (a.root-servers.net.) for .: com. A → referral to com. (a.gtld-servers.net.)
func (t *Trace) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "resolving %s %s\n", t.Name, dns.Type(t.QType))
	for _, s := range t.Steps {
		b.WriteString(s.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func (s Step) String() string {
	indent := strings.Repeat("  ", s.Depth)
	if !s.Server.IsValid() {
		// A step with no query: "cache" (answered from the cache) or
		// "fail" (a glueless lookup that gave up).
		return fmt.Sprintf("%s%-9v %s %s %s: %s", indent, s.At, s.Event, s.QName, dns.Type(s.QType), s.Note)
	}
	proto := ""
	if s.TCP {
		proto = " over TCP"
	}
	what := s.Event + ": " + s.Note
	if strings.HasPrefix(s.Note, s.Event) {
		what = s.Note
	}
	return fmt.Sprintf("%s%-9v %s (%s) for %s: %s %s%s → %s", indent, s.At, s.Server, s.ServerName,
		s.Zone, s.QName, dns.Type(s.QType), proto, what)
}

// stepFor describes the outcome of tx.
func stepFor(t *tx, event, note string, resp []byte, rtt time.Duration) Step {
	return Step{Depth: t.task.depth, Zone: t.zone, Server: t.server, ServerName: t.serverName,
		QName: t.qname, QType: t.qtype, TCP: t.tcp, Event: event, Note: note, Resp: resp, RTT: rtt}
}
