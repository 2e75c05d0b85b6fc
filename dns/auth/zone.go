package auth

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// A Zone is one zone's data, ready for lookups. Owner names are kept in
// lower case; every name between a record's owner and the origin exists
// (an empty non-terminal when it holds no records), as RFC 4592 section
// 2.2.2 needs for the closest encloser.
type Zone struct {
	// Origin is the zone's apex, a lower-case fully qualified name.
	Origin string
	// SOA is the apex SOA record.
	SOA *dns.SOA

	labels int              // dns.CountLabel(Origin)
	nodes  map[string]*node // owner name → its RRsets
}

// node holds the RRsets of one owner name; no sets means an empty
// non-terminal.
type node struct {
	sets map[uint16][]dns.RR
}

// A ZoneError is a mistake in a zone file, at File:Line:Col (Line and Col
// from 1; 0 when the mistake has no single place, such as a missing SOA).
type ZoneError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *ZoneError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// LoadZoneFile reads the zone file at path for origin.
func LoadZoneFile(path, origin string) (*Zone, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseZone(f, origin, path)
}

// ParseZoneString parses zone-file text for origin; file names it in errors.
func ParseZoneString(text, origin, file string) (*Zone, error) {
	return ParseZone(strings.NewReader(text), origin, file)
}

// DefaultTTL is the TTL of records before a $TTL line or an explicit TTL.
const DefaultTTL = 3600

// maxZoneRecords and maxZoneBytes bound a zone's size: a limit on
// everything.
const (
	maxZoneRecords = 1 << 20
	maxZoneBytes   = 64 << 20
)

// ParseZone parses an RFC 1035 zone file for origin ($INCLUDE is refused:
// a zone is one file). Errors are *ZoneError values.
func ParseZone(r io.Reader, origin, file string) (*Zone, error) {
	origin = dns.CanonicalName(origin)
	if _, ok := dns.IsDomainName(origin); !ok {
		return nil, &ZoneError{File: file, Msg: fmt.Sprintf("bad origin %q", origin)}
	}
	text, err := io.ReadAll(io.LimitReader(r, maxZoneBytes+1))
	if err != nil {
		return nil, &ZoneError{File: file, Msg: err.Error()}
	}
	if len(text) > maxZoneBytes {
		return nil, &ZoneError{File: file, Msg: fmt.Sprintf("larger than %d bytes", maxZoneBytes)}
	}
	z := &Zone{Origin: origin, labels: dns.CountLabel(origin), nodes: map[string]*node{}}
	zp := dns.NewZoneParser(bytes.NewReader(text), origin, file)
	zp.SetIncludeAllowed(false)
	// Without $TTL and before any explicit TTL, records get an hour, as
	// RFC 2308 section 4 suggests zone files state with $TTL.
	zp.SetDefaultTTL(DefaultTTL)
	n := 0
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if n++; n > maxZoneRecords {
			return nil, &ZoneError{File: file, Msg: fmt.Sprintf("more than %d records", maxZoneRecords)}
		}
		if err := z.add(rr); err != nil {
			return nil, &ZoneError{File: file, Msg: err.Error()}
		}
	}
	if err := zp.Err(); err != nil {
		return nil, parseError(err, file, text)
	}
	if err := z.check(); err != nil {
		return nil, &ZoneError{File: file, Msg: err.Error()}
	}
	return z, nil
}

// add puts rr in the zone, creating the empty non-terminals above it.
func (z *Zone) add(rr dns.RR) error {
	h := rr.Header()
	h.Name = dns.CanonicalName(h.Name)
	if h.Class != dns.ClassINET {
		return fmt.Errorf("%s: class %s: only IN is served", h.Name, dns.Class(h.Class))
	}
	if !dns.IsSubDomain(z.Origin, h.Name) {
		return fmt.Errorf("%s %s is outside the zone %s", h.Name, dns.Type(h.Rrtype), z.Origin)
	}
	if soa, ok := rr.(*dns.SOA); ok {
		if h.Name != z.Origin {
			return fmt.Errorf("SOA at %s, not at the apex %s", h.Name, z.Origin)
		}
		if z.SOA != nil {
			return fmt.Errorf("a second SOA at %s", h.Name)
		}
		z.SOA = soa
	}
	nd := z.nodes[h.Name]
	if nd == nil {
		nd = &node{}
		z.nodes[h.Name] = nd
	}
	if nd.sets == nil {
		nd.sets = map[uint16][]dns.RR{}
	}
	nd.sets[h.Rrtype] = append(nd.sets[h.Rrtype], rr)
	// The empty non-terminals between the owner and the apex.
	for off, end := dns.NextLabel(h.Name, 0); !end; off, end = dns.NextLabel(h.Name, off) {
		parent := h.Name[off:]
		if dns.CountLabel(parent) < z.labels {
			break
		}
		if z.nodes[parent] == nil {
			z.nodes[parent] = &node{}
		}
	}
	return nil
}

// check enforces what the whole zone must hold: an SOA and NS at the apex,
// and no CNAME beside other data (RFC 1034 section 3.6.2).
func (z *Zone) check() error {
	if z.SOA == nil {
		return fmt.Errorf("no SOA record at the apex %s", z.Origin)
	}
	if len(z.nodes[z.Origin].sets[dns.TypeNS]) == 0 {
		return fmt.Errorf("no NS records at the apex %s", z.Origin)
	}
	for name, nd := range z.nodes {
		if c := nd.sets[dns.TypeCNAME]; len(c) > 1 {
			return fmt.Errorf("%s has %d CNAME records: at most one", name, len(c))
		} else if len(c) == 1 && len(nd.sets) > 1 {
			return fmt.Errorf("%s has a CNAME and other data (RFC 1034 section 3.6.2)", name)
		}
	}
	return nil
}

// parseErrorRE takes apart miekg/dns's ParseError text:
// `FILE: dns: MSG: "TOKEN" at line: L:C`.
var parseErrorRE = regexp.MustCompile(`^(?:.*?: )?dns: (.*): "((?:[^"\\]|\\.)*)" at line: (\d+):(\d+)$`)

// parseError turns a zone parser error into a *ZoneError. miekg's column
// is where its lexer stood after the token (give or take one), so the
// token's own column is found in the text: the occurrence on that line
// that starts nearest to the column less the token's length.
func parseError(err error, file string, text []byte) error {
	m := parseErrorRE.FindStringSubmatch(err.Error())
	if m == nil {
		return &ZoneError{File: file, Msg: strings.TrimPrefix(err.Error(), file+": ")}
	}
	line, _ := strconv.Atoi(m[3])
	col, _ := strconv.Atoi(m[4])
	tok, uerr := strconv.Unquote(`"` + m[2] + `"`)
	if uerr != nil {
		tok = m[2]
	}
	msg := m[1]
	if strings.TrimSpace(tok) != "" {
		msg += fmt.Sprintf(" (at %q)", tok)
		col = tokenColumn(text, line, col, tok)
	}
	return &ZoneError{File: file, Line: line, Col: max(col, 1), Msg: msg}
}

// tokenColumn returns the 1-based column of tok on line (1-based) of
// text, the occurrence starting nearest to end-len(tok); end if tok is
// not there.
func tokenColumn(text []byte, line, end int, tok string) int {
	lines := bytes.Split(text, []byte("\n"))
	if line < 1 || line > len(lines) {
		return end
	}
	l := string(lines[line-1])
	best, bestDist := end, -1
	guess := end - len(tok)
	for off := 0; ; {
		i := strings.Index(l[off:], tok)
		if i < 0 {
			break
		}
		start := off + i // 0-based
		d := start - guess
		if d < 0 {
			d = -d
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = start+1, d
		}
		off = start + 1
	}
	return best
}

// find returns the node at name (lower case), or nil.
func (z *Zone) find(name string) *node { return z.nodes[name] }
