// Package css parses style sheets into rules: selectors compiled with
// cascadia, declarations as token lists from tdewolff's CSS tokenizer. The
// cascade and computed values are package style's job.
package css

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/cascadia"
	"github.com/tdewolff/parse/v2"
	tcss "github.com/tdewolff/parse/v2/css"
	"golang.org/x/net/html"
)

// Limits on a style sheet.
const (
	MaxSheetBytes = 4 << 20
	MaxRules      = 50_000
	MaxSelector   = 4 << 10 // bytes of one selector
	MaxValues     = 256     // tokens in one declaration
	MaxFontFaces  = 64      // @font-face rules kept from one sheet
)

// A Token is one component value of a declaration.
type Token struct {
	Type tcss.TokenType
	Data string
}

// A Declaration is "property: value [!important]".
type Declaration struct {
	Property  string // lower case
	Value     []Token
	Important bool
}

// ValueString renders the value as CSS text.
func (d Declaration) ValueString() string {
	var b strings.Builder
	for _, t := range d.Value {
		b.WriteString(t.Data)
	}
	return b.String()
}

// A Selector is one complex selector of a rule's list.
type Selector struct {
	Text        string
	Sel         cascadia.Sel
	Specificity [3]int // (ids, classes, types)
}

// Match reports whether the element n matches.
func (s Selector) Match(n *html.Node) bool { return s.Sel.Match(n) }

// A Rule is a style rule: selectors and declarations.
type Rule struct {
	Selectors    []Selector
	Declarations []Declaration
}

// A Sheet is a parsed style sheet.
type Sheet struct {
	Rules []Rule
	// FontFaces are the sheet's @font-face rules that name a family and
	// have a source, in order.
	FontFaces []FontFace
	// Skipped lists what was ignored, with the reason (unsupported at-rules,
	// selectors cascadia cannot parse, pseudo-elements).
	Skipped []string
}

// Parse parses a style sheet. It never fails on bad CSS (invalid parts are
// skipped, as browsers do); it fails only over a size limit.
func Parse(src []byte) (*Sheet, error) {
	if len(src) > MaxSheetBytes {
		return nil, fmt.Errorf("css: style sheet is %d bytes, limit %d", len(src), MaxSheetBytes)
	}
	s := &Sheet{}
	p := tcss.NewParser(parse.NewInput(bytes.NewReader(src)), false)
	var sel strings.Builder
	var cur *Rule
	var face *FontFace // inside an @font-face rule
	atDepth := 0
	for {
		gt, _, data := p.Next()
		switch gt {
		case tcss.ErrorGrammar:
			if p.Err() == io.EOF {
				return s, nil
			}
		case tcss.BeginAtRuleGrammar:
			atDepth++
			if atDepth == 1 && strings.EqualFold(string(data), "@font-face") {
				face = &FontFace{Weight: [2]int{400, 400}, Style: "normal"}
				continue
			}
			s.skip("@" + strings.TrimPrefix(string(data), "@") + " block")
		case tcss.EndAtRuleGrammar:
			if atDepth > 0 {
				atDepth--
			}
			if face != nil {
				s.addFontFace(*face)
				face = nil
			}
		case tcss.AtRuleGrammar:
			s.skip(string(data) + " rule")
		case tcss.QualifiedRuleGrammar:
			writeTokens(&sel, p.Values())
			sel.WriteString(",")
		case tcss.BeginRulesetGrammar:
			writeTokens(&sel, p.Values())
			text := sel.String()
			sel.Reset()
			cur = nil
			if atDepth > 0 || len(s.Rules) >= MaxRules {
				continue
			}
			if r, ok := s.rule(text); ok {
				s.Rules = append(s.Rules, r)
				cur = &s.Rules[len(s.Rules)-1]
			}
		case tcss.EndRulesetGrammar:
			cur = nil
		case tcss.DeclarationGrammar:
			if face != nil && atDepth == 1 {
				if d, ok := declaration(string(data), p.Values()); ok {
					face.descriptor(d)
				}
				continue
			}
			if cur != nil {
				if d, ok := declaration(string(data), p.Values()); ok {
					cur.Declarations = append(cur.Declarations, d)
				}
			}
		}
	}
}

func (s *Sheet) skip(why string) {
	if len(s.Skipped) < 100 {
		s.Skipped = append(s.Skipped, why)
	}
}

func writeTokens(b *strings.Builder, ts []tcss.Token) {
	for _, t := range ts {
		b.Write(t.Data)
	}
}

// rule compiles a selector list; a list with an invalid selector drops the
// whole rule, as the selectors spec says.
func (s *Sheet) rule(text string) (Rule, bool) {
	if len(text) > MaxSelector {
		s.skip("selector over " + fmt.Sprint(MaxSelector) + " bytes")
		return Rule{}, false
	}
	g, err := cascadia.ParseGroupWithPseudoElements(text)
	if err != nil {
		s.skip(fmt.Sprintf("selector %q: %v", text, err))
		return Rule{}, false
	}
	var r Rule
	parts := strings.Split(text, ",")
	for i, sl := range g {
		if sl.PseudoElement() != "" {
			s.skip("pseudo-element ::" + sl.PseudoElement())
			continue
		}
		t := text
		if len(parts) == len(g) {
			t = strings.TrimSpace(parts[i])
		}
		r.Selectors = append(r.Selectors, Selector{Text: t, Sel: sl, Specificity: sl.Specificity()})
	}
	return r, len(r.Selectors) > 0
}

// ParseDeclarations parses a style attribute's declaration list.
func ParseDeclarations(src []byte) []Declaration {
	if len(src) > MaxSheetBytes {
		return nil
	}
	p := tcss.NewParser(parse.NewInput(bytes.NewReader(src)), true)
	var ds []Declaration
	for {
		gt, _, data := p.Next()
		if gt == tcss.ErrorGrammar && p.Err() == io.EOF {
			return ds
		}
		if gt == tcss.DeclarationGrammar {
			if d, ok := declaration(string(data), p.Values()); ok {
				ds = append(ds, d)
			}
		}
		if len(ds) > MaxRules {
			return ds
		}
	}
}

// declaration copies the tokens, trims white space and takes off a final
// "!important".
func declaration(prop string, vals []tcss.Token) (Declaration, bool) {
	if len(vals) > MaxValues {
		return Declaration{}, false
	}
	d := Declaration{Property: strings.ToLower(prop)}
	for _, v := range vals {
		if v.TokenType == tcss.CommentToken {
			continue
		}
		d.Value = append(d.Value, Token{Type: v.TokenType, Data: string(v.Data)})
	}
	d.Value = trim(d.Value)
	n := len(d.Value)
	if n >= 2 && d.Value[n-2].Data == "!" && strings.EqualFold(d.Value[n-1].Data, "important") {
		d.Important = true
		d.Value = trim(d.Value[:n-2])
	}
	return d, len(d.Value) > 0
}

func trim(ts []Token) []Token {
	for len(ts) > 0 && ts[0].Type == tcss.WhitespaceToken {
		ts = ts[1:]
	}
	for len(ts) > 0 && ts[len(ts)-1].Type == tcss.WhitespaceToken {
		ts = ts[:len(ts)-1]
	}
	return ts
}

// Dump writes the sheet as CSS text, one rule a line group, with each
// selector's specificity; its @font-face rules first.
func (s *Sheet) Dump(w io.Writer) {
	for _, f := range s.FontFaces {
		f.Dump(w)
	}
	for _, r := range s.Rules {
		var sels []string
		for _, sl := range r.Selectors {
			sels = append(sels, fmt.Sprintf("%s /* %d,%d,%d */", sl.Text, sl.Specificity[0], sl.Specificity[1], sl.Specificity[2]))
		}
		fmt.Fprintf(w, "%s {\n", strings.Join(sels, ", "))
		for _, d := range r.Declarations {
			imp := ""
			if d.Important {
				imp = " !important"
			}
			fmt.Fprintf(w, "  %s: %s%s;\n", d.Property, d.ValueString(), imp)
		}
		fmt.Fprintln(w, "}")
	}
}

// The token types values use, re-exported for package style.
const (
	Ident      = tcss.IdentToken
	Number     = tcss.NumberToken
	Percentage = tcss.PercentageToken
	Dimension  = tcss.DimensionToken
	Hash       = tcss.HashToken
	Function   = tcss.FunctionToken
	Whitespace = tcss.WhitespaceToken
	Comma      = tcss.CommaToken
	String     = tcss.StringToken
	URL        = tcss.URLToken
)
