package h2

import (
	"strconv"
	"strings"
)

// PriorityParams are a response's priority parameters (RFC 9218 section
// 4): its urgency, 0 (most urgent) to 7, and whether it is processed
// incrementally, so that it can share the connection with others of its
// urgency. A request without them has [DefaultPriority].
type PriorityParams struct {
	Urgency     uint8 // 0..7; 3 by default
	Incremental bool  // false by default
}

// DefaultPriority is the priority of a request that names none (RFC 9218
// sections 4.1 and 4.2: u=3, not incremental).
var DefaultPriority = PriorityParams{Urgency: 3}

// MaxUrgency is the least urgent urgency (RFC 9218 section 4.1).
const MaxUrgency = 7

// String returns the Priority field value for p (an sf-dictionary,
// RFC 9218 section 5): "u=N" unless the urgency is the default, "i" when
// incremental, joined as Chromium writes them ("u=0, i"); "" for the
// defaults.
func (p PriorityParams) String() string {
	var b strings.Builder
	if p.Urgency != DefaultPriority.Urgency {
		b.WriteString("u=")
		b.WriteString(strconv.Itoa(int(min(p.Urgency, MaxUrgency))))
	}
	if p.Incremental {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString("i")
	}
	return b.String()
}

// ParsePriority reads a Priority field value (RFC 9218 section 5), a
// Structured Fields dictionary (RFC 8941 section 3.2). Parameters absent,
// unknown, out of range or of the wrong type leave their defaults (RFC
// 9218 section 4); a value that is not a dictionary at all is ignored as
// a whole (RFC 8941 section 4.2), giving [DefaultPriority]. Several field
// lines are to be joined with ", " first.
func ParsePriority(v string) PriorityParams {
	p := DefaultPriority
	sp := sfParser{s: v}
	sp.skip(" ")
	var u, i sfItem
	ok := sp.dictionary(func(key string, it sfItem) {
		switch key {
		case "u":
			u = it
		case "i":
			i = it
		}
	})
	if !ok {
		return p
	}
	if u.kind == sfInteger && u.n >= 0 && u.n <= MaxUrgency {
		p.Urgency = uint8(u.n)
	}
	if i.kind == sfBoolean {
		p.Incremental = i.b
	}
	return p
}

// requestPriority returns the priority the priority fields of a request
// name (their lines joined, as RFC 9110 section 5.3 allows).
func requestPriority(hdr []string) PriorityParams {
	switch len(hdr) {
	case 0:
		return DefaultPriority
	case 1:
		return ParsePriority(hdr[0])
	}
	return ParsePriority(strings.Join(hdr, ", "))
}

type sfKind uint8

const (
	sfNone    sfKind = iota // absent, or a member whose value is an inner list
	sfInteger               // n
	sfBoolean               // b
	sfOther                 // decimal, string, token, byte sequence
)

// sfItem is what ParsePriority needs of a bare item.
type sfItem struct {
	kind sfKind
	n    int64
	b    bool
}

// sfParser parses RFC 8941 structured fields: enough of the grammar to
// accept every valid dictionary and reject every invalid one, keeping
// only integers and booleans.
type sfParser struct {
	s string
	i int
}

func (p *sfParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *sfParser) skip(set string) {
	for p.i < len(p.s) && strings.IndexByte(set, p.s[p.i]) >= 0 {
		p.i++
	}
}

// dictionary parses the rest of the input as an sf-dictionary (RFC 8941
// section 4.2.2), calling member for each member in order (a later
// duplicate overrides an earlier one for the caller that keeps the
// last), and reports whether it parsed.
func (p *sfParser) dictionary(member func(key string, it sfItem)) bool {
	for p.i < len(p.s) {
		key, ok := p.key()
		if !ok {
			return false
		}
		it := sfItem{kind: sfBoolean, b: true}
		if p.peek() == '=' {
			p.i++
			if p.peek() == '(' {
				if !p.innerList() {
					return false
				}
				it = sfItem{}
			} else if it, ok = p.bareItem(); !ok {
				return false
			}
		}
		if !p.params() {
			return false
		}
		member(key, it)
		p.skip(" \t")
		if p.i == len(p.s) {
			return true
		}
		if p.peek() != ',' {
			return false
		}
		p.i++
		p.skip(" \t")
		if p.i == len(p.s) {
			return false // a trailing comma
		}
	}
	return true
}

// key: (lcalpha / "*") *(lcalpha / DIGIT / "_" / "-" / "." / "*").
func (p *sfParser) key() (string, bool) {
	start := p.i
	if c := p.peek(); !('a' <= c && c <= 'z' || c == '*') {
		return "", false
	}
	for p.i++; p.i < len(p.s); p.i++ {
		c := p.s[p.i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("_-.*", c) >= 0) {
			break
		}
	}
	return p.s[start:p.i], true
}

// params: *( ";" *SP key [ "=" bare-item ] ).
func (p *sfParser) params() bool {
	for p.peek() == ';' {
		p.i++
		p.skip(" ")
		if _, ok := p.key(); !ok {
			return false
		}
		if p.peek() == '=' {
			p.i++
			if _, ok := p.bareItem(); !ok {
				return false
			}
		}
	}
	return true
}

// innerList: "(" *SP [ item *( 1*SP item ) *SP ] ")" parameters.
func (p *sfParser) innerList() bool {
	p.i++ // "("
	for p.i < len(p.s) {
		p.skip(" ")
		if p.peek() == ')' {
			p.i++
			return p.params()
		}
		if _, ok := p.bareItem(); !ok || !p.params() {
			return false
		}
		if c := p.peek(); c != ' ' && c != ')' {
			return false
		}
	}
	return false
}

// bareItem parses an integer, decimal, string, token, byte sequence or
// boolean (RFC 8941 section 4.2.3.1).
func (p *sfParser) bareItem() (sfItem, bool) {
	c := p.peek()
	switch {
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	case c == '"':
		p.i++
		for p.i < len(p.s) {
			c := p.s[p.i]
			p.i++
			switch {
			case c == '\\':
				if n := p.peek(); n != '"' && n != '\\' {
					return sfItem{}, false
				}
				p.i++
			case c == '"':
				return sfItem{kind: sfOther}, true
			case c < 0x20 || c > 0x7e:
				return sfItem{}, false
			}
		}
		return sfItem{}, false
	case c == '*' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		for p.i++; p.i < len(p.s); p.i++ {
			c := p.s[p.i]
			if !(c > ' ' && c < 0x7f && strings.IndexByte("\"(),;<=>?@[\\]{}", c) < 0) {
				break // tchar, ":" and "/" go on
			}
		}
		return sfItem{kind: sfOther}, true
	case c == ':':
		for p.i++; p.i < len(p.s); p.i++ {
			c := p.s[p.i]
			if c == ':' {
				p.i++
				return sfItem{kind: sfOther}, true
			}
			if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '=') {
				return sfItem{}, false
			}
		}
		return sfItem{}, false
	case c == '?':
		p.i++
		switch p.peek() {
		case '0', '1':
			p.i++
			return sfItem{kind: sfBoolean, b: p.s[p.i-1] == '1'}, true
		}
	}
	return sfItem{}, false
}

// number parses an integer (at most 15 digits) or a decimal (at most 12
// digits, ".", 1 to 3 digits) (RFC 8941 section 4.2.4).
func (p *sfParser) number() (sfItem, bool) {
	neg := p.peek() == '-'
	if neg {
		p.i++
	}
	start, dot := p.i, -1
	for ; p.i < len(p.s); p.i++ {
		c := p.s[p.i]
		if c == '.' && dot < 0 {
			if p.i-start > 12 {
				return sfItem{}, false
			}
			dot = p.i
			continue
		}
		if c < '0' || c > '9' {
			break
		}
	}
	digits := p.s[start:p.i]
	switch {
	case len(digits) == 0 || digits[0] == '.':
		return sfItem{}, false
	case dot >= 0:
		if frac := p.i - dot - 1; frac < 1 || frac > 3 {
			return sfItem{}, false
		}
		return sfItem{kind: sfOther}, true
	case len(digits) > 15:
		return sfItem{}, false
	}
	n, _ := strconv.ParseInt(digits, 10, 64)
	if neg {
		n = -n
	}
	return sfItem{kind: sfInteger, n: n}, true
}
