package auth

import (
	"errors"
	"fmt"
	"sort"

	"github.com/miekg/dns"
)

// Transport is how a query arrived; it decides the size limit of the
// answer.
type Transport uint8

const (
	UDP Transport = iota // a datagram: the client's EDNS0 size, 512 without EDNS0
	TCP                  // a stream with 2-byte length framing (RFC 7766): up to 65535
)

func (t Transport) String() string {
	if t == TCP {
		return "TCP"
	}
	return "UDP"
}

// DefaultUDPSize is the EDNS0 UDP payload size the server advertises and
// its ceiling for UDP answers: 1232, the DNS Flag Day 2020 value that
// avoids IP fragmentation.
const DefaultUDPSize = 1232

// ErrDrop is returned for a message that gets no answer at all: one too
// short for a header, or a response (QR set), which must never be
// answered lest two servers answer each other forever.
var ErrDrop = errors.New("dns: message dropped")

// A Server answers queries for its zones. It holds no per-query state, so
// one Server may answer any number of queries, one at a time.
type Server struct {
	// UDPSize is the EDNS0 size advertised and the ceiling on UDP
	// answers (0: DefaultUDPSize; at least 512).
	UDPSize uint16

	zones []*Zone // longest origin first
}

// NewServer returns a server for zones; two zones with one origin are an
// error.
func NewServer(zones ...*Zone) (*Server, error) {
	s := &Server{}
	seen := map[string]bool{}
	for _, z := range zones {
		if seen[z.Origin] {
			return nil, fmt.Errorf("dns: zone %s given twice", z.Origin)
		}
		seen[z.Origin] = true
		s.zones = append(s.zones, z)
	}
	sort.SliceStable(s.zones, func(i, j int) bool { return s.zones[i].labels > s.zones[j].labels })
	return s, nil
}

// Zones returns the origins served, longest first.
func (s *Server) Zones() []string {
	out := make([]string, len(s.zones))
	for i, z := range s.zones {
		out[i] = z.Origin
	}
	return out
}

// zoneFor returns the zone with the longest origin that holds qname, or nil.
func (s *Server) zoneFor(qname string) *Zone {
	for _, z := range s.zones {
		if dns.IsSubDomain(z.Origin, qname) {
			return z
		}
	}
	return nil
}

// Respond answers the query msg that arrived over tr and appends the
// response to dst. It returns ErrDrop for a message that must get no
// answer; everything else gets one (FORMERR, NOTIMP, REFUSED ...).
func (s *Server) Respond(dst, msg []byte, tr Transport) ([]byte, error) {
	if len(msg) < 12 || msg[2]&0x80 != 0 {
		return dst, ErrDrop
	}
	var q dns.Msg
	if err := q.Unpack(msg); err != nil {
		return s.formErr(dst, msg)
	}
	resp, required := s.answer(&q)
	limit := 0xffff
	if tr == UDP {
		limit = s.udpLimit(&q)
	}
	return pack(dst, resp, required, limit)
}

// answer builds the response to a parsed query; required counts the
// records at the start of its additional section that truncation must
// keep (in-domain glue).
func (s *Server) answer(q *dns.Msg) (resp *dns.Msg, required int) {
	resp = &dns.Msg{}
	resp.Id = q.Id
	resp.Response = true
	resp.Opcode = q.Opcode
	resp.RecursionDesired = q.RecursionDesired
	resp.CheckingDisabled = q.CheckingDisabled
	resp.Question = q.Question
	opt, bad := s.edns(q, resp)
	switch {
	case bad:
	case q.Opcode != dns.OpcodeQuery:
		resp.Rcode = dns.RcodeNotImplemented
	case len(q.Question) != 1 || len(q.Answer) > 0 || len(q.Ns) > 0 || len(q.Extra) > boolInt(opt != nil):
		// RFC 9619: QDCOUNT is 1; a query carries no other records but OPT.
		resp.Rcode = dns.RcodeFormatError
	default:
		required = s.resolve(resp, q.Question[0])
	}
	if opt != nil {
		resp.Extra = append(resp.Extra, opt)
	}
	return resp, required
}

// resolve fills resp for one question and returns how many additional
// records are required.
func (s *Server) resolve(resp *dns.Msg, qu dns.Question) int {
	qname := dns.CanonicalName(qu.Name)
	z := s.zoneFor(qname)
	switch {
	case qu.Qclass != dns.ClassINET && qu.Qclass != dns.ClassANY:
		resp.Rcode = dns.RcodeRefused
	case z == nil:
		// Not a zone we serve: RFC 1035 section 4.1.1, "refused ... for
		// policy reasons"; BIND and NSD answer REFUSED too.
		resp.Rcode = dns.RcodeRefused
	case qu.Qtype == dns.TypeAXFR || qu.Qtype == dns.TypeIXFR:
		resp.Rcode = dns.RcodeRefused
	default:
		r := result{aa: true}
		z.lookup(&r, qname, qu.Qtype, 0)
		resp.Rcode = r.rcode
		resp.Authoritative = r.aa
		resp.Answer, resp.Ns, resp.Extra = r.ans, r.ns, r.extra
		return r.required
	}
	return 0
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// formErr answers a message that does not parse: FORMERR with the
// query's ID and opcode and no sections (RFC 1035 section 4.1.1).
func (s *Server) formErr(dst, msg []byte) ([]byte, error) {
	h := [12]byte{msg[0], msg[1], 0x80 | msg[2]&0x79, byte(dns.RcodeFormatError)}
	return append(dst, h[:]...), nil
}
