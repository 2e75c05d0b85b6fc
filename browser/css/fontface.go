package css

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	tcss "github.com/tdewolff/parse/v2/css"
)

// A FontFace is an @font-face rule (CSS Fonts 4 §4): a family name bound
// to font files, for the weights and style it covers.
type FontFace struct {
	Family  string       // font-family, unquoted, in lower case (names match case-insensitively)
	Sources []FontSource // src, in order of preference
	// Weight is the range of weights the face covers (font-weight: one
	// weight, or two for a variable font); 400 400 when not given.
	Weight [2]int
	Style  string // font-style: normal, italic or oblique
}

// A FontSource is one entry of an @font-face src list: url(...) with an
// optional format() hint, or local(...).
type FontSource struct {
	URL    string // the reference, unquoted; "" for local()
	Local  string // the local() name
	Format string // the format() hint in lower case; "" when none
}

// MaxFontSources bounds one src list.
const MaxFontSources = 16

func (s *Sheet) addFontFace(f FontFace) {
	switch {
	case f.Family == "":
		s.skip("@font-face without font-family")
	case len(f.Sources) == 0:
		s.skip(fmt.Sprintf("@font-face %q without a src", f.Family))
	case len(s.FontFaces) >= MaxFontFaces:
		s.skip(fmt.Sprintf("@font-face %q: over %d @font-face rules", f.Family, MaxFontFaces))
	default:
		s.FontFaces = append(s.FontFaces, f)
	}
}

// descriptor applies one declaration of an @font-face rule; an invalid
// value leaves the descriptor as it was, as CSS does.
func (f *FontFace) descriptor(d Declaration) {
	switch d.Property {
	case "font-family":
		if names := FamilyNames(d.Value); len(names) == 1 {
			f.Family = names[0]
		}
	case "src":
		if srcs, ok := fontSources(d.Value); ok {
			f.Sources = srcs
		}
	case "font-weight":
		var ws []int
		for _, t := range d.Value {
			switch {
			case t.Type == Whitespace:
				continue
			case t.Type == Ident && strings.EqualFold(t.Data, "normal"):
				ws = append(ws, 400)
			case t.Type == Ident && strings.EqualFold(t.Data, "bold"):
				ws = append(ws, 700)
			case t.Type == Number:
				n, err := strconv.ParseFloat(t.Data, 64)
				if err != nil || n < 1 || n > 1000 {
					return
				}
				ws = append(ws, int(n+0.5))
			default:
				return
			}
		}
		switch {
		case len(ws) == 1:
			f.Weight = [2]int{ws[0], ws[0]}
		case len(ws) == 2:
			f.Weight = [2]int{min(ws[0], ws[1]), max(ws[0], ws[1])}
		}
	case "font-style":
		if len(d.Value) > 0 && d.Value[0].Type == Ident {
			switch k := strings.ToLower(d.Value[0].Data); k {
			case "normal", "italic", "oblique":
				f.Style = k
			}
		}
	}
}

// FamilyNames reads a font-family list: each entry a string or a run of
// identifiers (joined by one space); generic families stay identifiers
// and come back in lower case, as do all names.
func FamilyNames(v []Token) []string {
	var out []string
	var cur []string
	quoted := false
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(strings.Join(cur, " ")))
		}
		cur, quoted = nil, false
	}
	for _, t := range v {
		switch t.Type {
		case Comma:
			flush()
		case String:
			if len(cur) > 0 || quoted {
				return nil // a string must stand alone
			}
			cur, quoted = []string{unquote(t.Data)}, true
		case Ident:
			if quoted {
				return nil
			}
			cur = append(cur, t.Data)
		case Whitespace:
		default:
			return nil
		}
	}
	flush()
	return out
}

// fontSources reads a src list (CSS Fonts 4 §4.3): comma-separated
// url(...) [format(...)] and local(...) entries. A list with an entry it
// cannot read is still used up to that entry.
func fontSources(v []Token) ([]FontSource, bool) {
	var out []FontSource
	var cur *FontSource
	for i := 0; i < len(v); i++ {
		t := v[i]
		switch {
		case t.Type == Whitespace:
		case t.Type == Comma:
			cur = nil
		case t.Type == URL && cur == nil:
			out = append(out, FontSource{URL: urlToken(t.Data)})
			cur = &out[len(out)-1]
		case t.Type == Function && cur == nil && (strings.EqualFold(t.Data, "url(") || strings.EqualFold(t.Data, "local(")):
			arg, next, ok := funcArg(v, i+1)
			if !ok {
				return out, len(out) > 0
			}
			if strings.EqualFold(t.Data, "url(") {
				out = append(out, FontSource{URL: arg})
			} else {
				out = append(out, FontSource{Local: arg})
			}
			cur = &out[len(out)-1]
			i = next
		case t.Type == Function && cur != nil && strings.EqualFold(t.Data, "format("):
			arg, next, ok := funcArg(v, i+1)
			if !ok {
				return out, len(out) > 0
			}
			cur.Format = strings.ToLower(arg)
			i = next
		case t.Type == Function && cur != nil && strings.EqualFold(t.Data, "tech("):
			// tech(): skipped with its arguments
			for i < len(v) && v[i].Type != tcss.RightParenthesisToken {
				i++
			}
		default:
			return out, len(out) > 0
		}
		if len(out) > MaxFontSources {
			return out[:MaxFontSources], true
		}
	}
	return out, len(out) > 0
}

// funcArg reads a function's single argument (a string, or identifiers
// joined by one space) from v[i:], returning the index of the ")".
func funcArg(v []Token, i int) (string, int, bool) {
	var words []string
	for ; i < len(v); i++ {
		switch t := v[i]; t.Type {
		case tcss.RightParenthesisToken:
			return strings.Join(words, " "), i, len(words) > 0
		case String:
			words = append(words, unquote(t.Data))
		case Ident:
			words = append(words, t.Data)
		case Whitespace:
		default:
			return "", i, false
		}
	}
	return "", i, false
}

// urlToken takes the reference out of a url(...) token.
func urlToken(s string) string {
	s = s[min(len(s), len("url(")):]
	s = strings.TrimSuffix(s, ")")
	return unquote(strings.TrimSpace(s))
}

// unquote removes a string token's quotes and its escapes of the quote
// and the backslash.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Dump writes the rule as CSS text.
func (f FontFace) Dump(w io.Writer) {
	fmt.Fprintf(w, "@font-face {\n  font-family: %q;\n  src: ", f.Family)
	for i, s := range f.Sources {
		if i > 0 {
			io.WriteString(w, ", ")
		}
		if s.URL == "" {
			fmt.Fprintf(w, "local(%q)", s.Local)
			continue
		}
		fmt.Fprintf(w, "url(%q)", s.URL)
		if s.Format != "" {
			fmt.Fprintf(w, " format(%q)", s.Format)
		}
	}
	fmt.Fprintf(w, ";\n  font-weight: %d", f.Weight[0])
	if f.Weight[1] != f.Weight[0] {
		fmt.Fprintf(w, " %d", f.Weight[1])
	}
	fmt.Fprintf(w, ";\n  font-style: %s;\n}\n", f.Style)
}
