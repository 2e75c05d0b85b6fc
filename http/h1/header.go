package h1

import "strings"

// A Field is one header or trailer field, name and value as they were
// received or are to be sent (the value without surrounding whitespace).
type Field struct {
	Name, Value string
}

// Header is a message's fields in order. Names compare case-insensitively
// (RFC 9110 section 5.1); the order and spelling are kept so that a
// message can be shown as it was on the wire.
type Header []Field

// Get returns the value of the first field named name, or "".
func (h Header) Get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Values returns the values of every field named name, in order.
func (h Header) Values(name string) []string {
	var vs []string
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// Has reports whether a field named name is present.
func (h Header) Has(name string) bool {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// Add appends a field.
func (h *Header) Add(name, value string) { *h = append(*h, Field{name, value}) }

// Set replaces every field named name by one with value (in the place of
// the first, or at the end).
func (h *Header) Set(name, value string) {
	for i, f := range *h {
		if strings.EqualFold(f.Name, name) {
			(*h)[i].Value = value
			h.del(name, i+1)
			return
		}
	}
	h.Add(name, value)
}

// Del removes every field named name.
func (h *Header) Del(name string) { h.del(name, 0) }

func (h *Header) del(name string, from int) {
	out := (*h)[:from]
	for _, f := range (*h)[from:] {
		if !strings.EqualFold(f.Name, name) {
			out = append(out, f)
		}
	}
	*h = out
}

// HasToken reports whether a comma-separated list field named name (such
// as Connection or Transfer-Encoding) holds token, compared
// case-insensitively (RFC 9110 section 5.6.1).
func (h Header) HasToken(name, token string) bool {
	for _, f := range h {
		if !strings.EqualFold(f.Name, name) {
			continue
		}
		for v := f.Value; v != ""; {
			var t string
			t, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.Trim(t, " \t"), token) {
				return true
			}
		}
	}
	return false
}

// Clone returns a copy that shares nothing with h.
func (h Header) Clone() Header {
	if h == nil {
		return nil
	}
	return append(Header(nil), h...)
}

// validName reports whether s is a token (RFC 9110 section 5.6.2).
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTchar(s[i]) {
			return false
		}
	}
	return true
}

// validValue reports whether s may be a field value: visible ASCII, SP,
// HTAB and obs-text (RFC 9110 section 5.5); no CR, LF, NUL or other
// control characters, so a value can never split a message.
func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isFieldVchar(s[i]) {
			return false
		}
	}
	return true
}

func isFieldVchar(c byte) bool { return c == ' ' || c == '\t' || (c > 0x20 && c != 0x7f) }

// isTchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.
func isTchar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
