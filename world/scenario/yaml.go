package scenario

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// This file holds the generic layer over goccy/go-yaml's AST: positions,
// anchors and aliases, mappings with unknown-key detection and typed
// scalar accessors. The scenario schema itself is in decode.go.

// decoder walks the YAML AST of one file, collecting errors.
type decoder struct {
	file       string
	errs       ErrorList
	anchors    map[string][]anchorDef
	badAliases map[*ast.AliasNode]bool
	objects    map[objKey]*object // mappings read as structs with a Pos, by type and position
	forwardPos map[Pos][]Pos      // where each of a NAT's forwards is written, by the NAT's position
}

// anchorDef is one "&name" definition.
type anchorDef struct {
	pos  Pos
	node ast.Node
}

// errorf records an error at pos (1:1 if pos is unknown).
func (d *decoder) errorf(pos Pos, format string, args ...any) {
	if pos.Line <= 0 {
		pos = Pos{1, 1}
	}
	if pos.Col <= 0 {
		pos.Col = 1
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: pos.Line, Col: pos.Col, Msg: fmt.Sprintf(format, args...)})
}

// parseYAML parses data into an AST, converting goccy's errors (and,
// defensively, panics) into positioned errors.
func (d *decoder) parseYAML(data []byte) (f *ast.File) {
	defer func() {
		if r := recover(); r != nil {
			f = nil
			d.errorf(Pos{1, 1}, "YAML parser failed: %v", r)
		}
	}()
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		var yerr yaml.Error
		if errors.As(err, &yerr) {
			d.errorf(tokenPos(yerr.GetToken()), "%s", yamlMessage(yerr.GetMessage()))
		} else {
			d.errorf(Pos{1, 1}, "%s", yamlMessage(err.Error()))
		}
		return nil
	}
	return f
}

// yamlMessage tidies a goccy error message for our "file:line:col: msg"
// format: the first line only, prefixed so it is recognisable as a YAML
// syntax problem.
func yamlMessage(msg string) string {
	msg, _, _ = strings.Cut(strings.TrimSpace(msg), "\n")
	if msg == "" {
		msg = "invalid YAML"
	}
	if strings.Contains(msg, "\t") {
		msg = strings.ReplaceAll(msg, "\t", `\t`) + " (indent with spaces: YAML does not allow tabs here)"
	}
	return "YAML syntax error: " + msg
}

// tokenPos returns the position of tk, or the zero Pos.
func tokenPos(tk *token.Token) Pos {
	if tk == nil || tk.Position == nil {
		return Pos{}
	}
	return Pos{tk.Position.Line, tk.Position.Column}
}

// isNil reports whether n is nil, including a typed nil pointer.
func isNil(n ast.Node) bool {
	if n == nil {
		return true
	}
	v := reflect.ValueOf(n)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// pos returns where n starts in the file: the first key of a block
// mapping, the "{" or "[" of a flow collection, the token of a scalar.
func (d *decoder) pos(n ast.Node) Pos {
	if isNil(n) {
		return Pos{}
	}
	switch v := n.(type) {
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			if p := d.pos(v.Values[0]); p.Line > 0 {
				return p
			}
		}
	case *ast.MappingValueNode:
		if p := d.pos(v.Key); p.Line > 0 {
			return p
		}
	case *ast.SequenceNode:
		// The token is the first "-" or the "[": fine.
	case *ast.LiteralNode:
		// The token is the "|" or ">" indicator: fine.
	}
	return tokenPos(n.GetToken())
}

// posOr returns d.pos(n), or fallback if n has no known position.
func (d *decoder) posOr(n ast.Node, fallback Pos) Pos {
	if p := d.pos(n); p.Line > 0 {
		return p
	}
	return fallback
}

// collectAnchors records every anchor definition below n, so that aliases
// can be resolved.
func (d *decoder) collectAnchors(n ast.Node) {
	if isNil(n) {
		return
	}
	switch v := n.(type) {
	case *ast.DocumentNode:
		d.collectAnchors(v.Body)
	case *ast.MappingNode:
		for _, mv := range v.Values {
			d.collectAnchors(mv)
		}
	case *ast.MappingValueNode:
		d.collectAnchors(v.Key)
		d.collectAnchors(v.Value)
	case *ast.MappingKeyNode:
		d.collectAnchors(v.Value)
	case *ast.SequenceNode:
		for _, e := range v.Values {
			d.collectAnchors(e)
		}
	case *ast.TagNode:
		d.collectAnchors(v.Value)
	case *ast.AnchorNode:
		if name, ok := scalarText(v.Name); ok {
			if d.anchors == nil {
				d.anchors = make(map[string][]anchorDef)
			}
			d.anchors[name] = append(d.anchors[name], anchorDef{d.pos(v), v.Value})
		}
		d.collectAnchors(v.Value)
	}
}

// lookupAlias returns the node an alias refers to: the value of the last
// anchor of that name defined before the alias. It returns nil if there is
// none.
func (d *decoder) lookupAlias(a *ast.AliasNode) ast.Node {
	name, ok := scalarText(a.Value)
	if !ok {
		return nil
	}
	at := d.pos(a)
	var found ast.Node
	for _, def := range d.anchors[name] {
		if def.pos.before(at) {
			found = def.node
		}
	}
	return found
}

// value is a YAML value with tags, anchors and aliases resolved.
type value struct {
	node     ast.Node // resolved node; nil for an absent or empty value
	pos      Pos      // where the value is written (the alias, if any)
	viaAlias bool     // node was reached through an alias
}

// isNull reports whether v is empty: absent, "~", "null" or nothing.
func (v value) isNull() bool {
	if isNil(v.node) {
		return true
	}
	_, ok := v.node.(*ast.NullNode)
	return ok
}

// resolve looks through tags, anchors and aliases. ok is false if an alias
// could not be resolved (already reported).
func (d *decoder) resolve(n ast.Node, fallback Pos) (v value, ok bool) {
	v.pos = d.posOr(n, fallback)
	for range 64 {
		if isNil(n) {
			return v, true
		}
		switch x := n.(type) {
		case *ast.TagNode:
			n = x.Value
		case *ast.AnchorNode:
			n = x.Value
		case *ast.AliasNode:
			target := d.lookupAlias(x)
			if target == nil {
				if d.badAliases == nil {
					d.badAliases = make(map[*ast.AliasNode]bool)
				}
				if !d.badAliases[x] {
					d.badAliases[x] = true
					name, _ := scalarText(x.Value)
					d.errorf(d.pos(x), "unknown alias *%s (no anchor &%s is defined before it)", name, name)
				}
				return v, false
			}
			n = target
			v.viaAlias = true
		default:
			v.node = n
			if !v.viaAlias {
				v.pos = d.posOr(n, v.pos)
			}
			return v, true
		}
	}
	d.errorf(v.pos, "too many nested tags, anchors or aliases")
	return v, false
}

// scalarText returns the text of a scalar node: the decoded string of a
// string, the source text of a number or boolean. ok is false for nulls,
// collections and anything else.
func scalarText(n ast.Node) (string, bool) {
	if isNil(n) {
		return "", false
	}
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		tk := n.GetToken()
		if tk == nil {
			return "", false
		}
		return tk.Value, true
	}
	return "", false
}

// describe says what kind of value n is, for "got ..." in messages.
func describe(n ast.Node) string {
	if isNil(n) {
		return "an empty value"
	}
	text, _ := scalarText(n)
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode:
		return "an empty value"
	case *ast.StringNode, *ast.LiteralNode:
		return "the string " + quoteShort(text)
	case *ast.IntegerNode:
		return "the integer " + text
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "the number " + text
	case *ast.BoolNode:
		return "the boolean " + text
	}
	return "an unsupported value"
}

// quoteShort quotes s for a message, shortening long strings.
func quoteShort(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		return strconv.Quote(string(r[:max])) + "..."
	}
	return strconv.Quote(s)
}

// subPos returns the position of the character at rune offset off within
// the scalar value v, when that can be computed exactly: for an unquoted or
// simply quoted single-line string written directly (not via an alias).
// Otherwise it returns the position of the value itself.
func subPos(v value, off int) Pos {
	s, ok := v.node.(*ast.StringNode)
	if !ok || v.viaAlias || s.Token == nil {
		return v.pos
	}
	tk := s.Token
	origin := strings.TrimSpace(tk.Origin)
	switch {
	case tk.Type == token.StringType && origin == s.Value:
	case (tk.Type == token.DoubleQuoteType && origin == `"`+s.Value+`"`) ||
		(tk.Type == token.SingleQuoteType && origin == `'`+s.Value+`'`):
		off++
	default:
		return v.pos
	}
	if strings.ContainsAny(s.Value, "\n\r") {
		return v.pos
	}
	return Pos{v.pos.Line, v.pos.Col + off}
}

// adjacentPair recognises a plain scalar holding a colon, such as
// r1:lan0 10.0.0.1/24, that goccy/go-yaml reads as a one-pair mapping
// {r1: lan0 10.0.0.1/24} when it is an item of a flow sequence inside a
// flow mapping ({members: [r1:lan0 10.0.0.1/24]}), although YAML makes a
// colon a separator only before a space. It returns the scalar as
// written: the key, the colon and the value, with nothing between them.
func adjacentPair(v value) (string, bool) {
	m, ok := v.node.(*ast.MappingNode)
	if !ok || m.IsFlowStyle || len(m.Values) != 1 || isNil(m.Values[0]) {
		return "", false
	}
	mv := m.Values[0]
	k, kok := mv.Key.(*ast.StringNode)
	if !kok || isNil(mv.Value) {
		return "", false
	}
	val, vok := scalarText(mv.Value)
	kt, vt := k.GetToken(), mv.Value.GetToken()
	if !vok || kt == nil || vt == nil || kt.Position == nil || vt.Position == nil || kt.Type != token.StringType {
		return "", false
	}
	if strings.TrimSpace(kt.Origin) != k.Value || vt.Position.Line != kt.Position.Line ||
		vt.Position.Column != kt.Position.Column+utf8.RuneCountInString(k.Value)+1 {
		return "", false
	}
	return k.Value + ":" + val, true
}

// field is one key/value pair of a mapping.
type field struct {
	key    string
	keyPos Pos
	val    value
	bad    bool // the value could not be resolved (already reported)
}

// object is a YAML mapping read against a fixed set of known keys.
type object struct {
	what   string // what the mapping describes, for messages ("link")
	pos    Pos
	fields map[string]*field
	hinted map[string]bool // known keys suggested for unknown ones ("dealy" → "delay")
	failed map[string]bool // keys whose value was reported as bad (decodeStruct)
}

// get returns the field for key, or nil if the key is absent or its value
// could not be resolved.
func (o *object) get(key string) *field {
	if o == nil {
		return nil
	}
	f := o.fields[key]
	if f == nil || f.bad {
		return nil
	}
	return f
}

// missing reports whether a required key is absent and should be reported
// as such: not when it was already suggested for a misspelt key.
func (o *object) missing(key string) bool {
	return o != nil && o.fields[key] == nil && !o.hinted[key]
}

// schema describes a kind of mapping.
type schema struct {
	what     string            // name in messages: "link"
	example  string            // an example, shown when the value is not a mapping
	known    []string          // known keys, in documentation order
	synonyms map[string]string // common wrong keys and what was probably meant
	extra    func(string) bool // keys to ignore silently, may be nil
}

// object reads the mapping v against sc. It returns nil (after reporting)
// if v is not a mapping.
func (d *decoder) object(v value, sc *schema) *object {
	values, ok := mappingValues(v.node)
	if !ok {
		d.errorf(v.pos, "%s must be a mapping%s, got %s", sc.what, sc.example, describe(v.node))
		return nil
	}
	o := &object{what: sc.what, pos: v.pos, fields: make(map[string]*field)}
	d.addFields(o, sc, values, &mergeState{
		active: map[ast.Node]bool{v.node: true},
		done:   map[ast.Node]bool{},
	})
	return o
}

// mappingValues returns the key/value pairs of a mapping node.
func mappingValues(n ast.Node) ([]*ast.MappingValueNode, bool) {
	if isNil(n) {
		return nil, false
	}
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}, true
	}
	return nil, false
}

// mergeState tracks the mappings merged into one object with "<<".
type mergeState struct {
	active map[ast.Node]bool // being merged (on the stack): guards cycles
	done   map[ast.Node]bool // merged already: merging again adds nothing
}

// addFields adds the pairs of one mapping to o. Keys written explicitly
// take precedence over keys merged in with "<<".
func (d *decoder) addFields(o *object, sc *schema, values []*ast.MappingValueNode, ms *mergeState) {
	var merges []*ast.MappingValueNode
	for _, mv := range values {
		if isNil(mv) {
			continue
		}
		if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
			merges = append(merges, mv)
			continue
		}
		key, keyPos, ok := d.key(mv)
		if !ok || o.fields[key] != nil {
			continue
		}
		if !contains(sc.known, key) {
			if sc.extra == nil || !sc.extra(key) {
				if hint := d.unknownField(keyPos, key, sc); hint != "" {
					if o.hinted == nil {
						o.hinted = make(map[string]bool)
					}
					o.hinted[hint] = true
				}
			}
			continue
		}
		val, ok := d.resolve(mv.Value, keyPos)
		o.fields[key] = &field{key: key, keyPos: keyPos, val: val, bad: !ok}
	}
	for _, mv := range merges {
		keyPos := d.posOr(mv.Key, o.pos)
		src, ok := d.resolve(mv.Value, keyPos)
		if !ok {
			continue
		}
		var sources []value
		if seq, isSeq := src.node.(*ast.SequenceNode); isSeq {
			for _, e := range seq.Values {
				if ev, ok := d.resolve(e, src.pos); ok {
					sources = append(sources, ev)
				}
			}
		} else {
			sources = []value{src}
		}
		for _, s := range sources {
			vals, isMap := mappingValues(s.node)
			if !isMap {
				d.errorf(s.pos, "merge key \"<<\" needs a mapping or a list of mappings (e.g. <<: *defaults), got %s", describe(s.node))
				continue
			}
			if ms.active[s.node] {
				d.errorf(s.pos, "merge key \"<<\" refers back to a mapping that is being merged")
				continue
			}
			if ms.done[s.node] {
				continue
			}
			ms.active[s.node], ms.done[s.node] = true, true
			d.addFields(o, sc, vals, ms)
			delete(ms.active, s.node)
		}
	}
}

// key returns the text and position of mv's key.
func (d *decoder) key(mv *ast.MappingValueNode) (string, Pos, bool) {
	var k ast.Node = mv.Key
	if mk, ok := k.(*ast.MappingKeyNode); ok && !isNil(mk) {
		k = mk.Value
	}
	kv, ok := d.resolve(k, d.posOr(mv, Pos{}))
	if !ok {
		return "", kv.pos, false
	}
	text, ok := scalarText(kv.node)
	if !ok {
		d.errorf(kv.pos, "field names must be plain words, got %s", describe(kv.node))
		return "", kv.pos, false
	}
	return text, kv.pos, true
}

// unknownField reports key as unknown in a mapping of schema sc, with a
// "did you mean" hint or the list of known fields. It returns the hint.
func (d *decoder) unknownField(pos Pos, key string, sc *schema) string {
	hint := sc.synonyms[strings.ToLower(key)]
	if hint == "" {
		hint = suggest(key, sc.known)
	}
	if hint != "" {
		d.errorf(pos, "unknown field %s in %s (did you mean %q?)", quoteShort(key), sc.what, hint)
		return hint
	}
	d.errorf(pos, "unknown field %s in %s (known fields: %s)", quoteShort(key), sc.what, strings.Join(sc.known, ", "))
	return ""
}

// list returns the items of a list value; an empty value is an empty
// list. It reports and returns nil if v is not a list.
func (d *decoder) list(v value, what string) []value {
	if v.isNull() {
		return nil
	}
	seq, ok := v.node.(*ast.SequenceNode)
	if !ok {
		d.errorf(v.pos, "%s must be a list, got %s", what, describe(v.node))
		return nil
	}
	var items []value
	for _, e := range seq.Values {
		item, ok := d.resolve(e, v.pos)
		if !ok {
			continue
		}
		items = append(items, item)
	}
	return items
}

// text returns the string value of f. It reports if the value is empty or
// not a scalar.
func (d *decoder) text(f *field) (string, bool) {
	if f.val.isNull() {
		d.errorf(f.keyPos, "missing value for %q", f.key)
		return "", false
	}
	s, ok := scalarText(f.val.node)
	if !ok {
		d.errorf(f.val.pos, "%q must be a single value, got %s", f.key, describe(f.val.node))
		return "", false
	}
	return s, true
}

// integer returns the integer value of f (a YAML integer or a string of
// decimal digits). Values beyond the int64 range are clamped, so range
// checks report them as out of range. text is the value as written.
func (d *decoder) integer(f *field) (n int64, text string, ok bool) {
	text, ok = d.text(f)
	if !ok {
		return 0, "", false
	}
	if in, isInt := f.val.node.(*ast.IntegerNode); isInt {
		switch x := in.Value.(type) {
		case int64:
			return x, text, true
		case uint64:
			if x > 1<<63-1 {
				x = 1<<63 - 1 // clamp: range checks will report it
			}
			return int64(x), text, true
		}
	}
	t := strings.TrimSpace(text)
	if t != "" && (allDigits(t) || t[0] == '-' && allDigits(t[1:]) && len(t) > 1) {
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil { // out of range: clamp
			if t[0] == '-' {
				return -1 << 63, text, true
			}
			return 1<<63 - 1, text, true
		}
		return n, text, true
	}
	d.errorf(f.val.pos, "%q must be an integer, got %s", f.key, describe(f.val.node))
	return 0, "", false
}

// boolean returns the value of f, true or false.
func (d *decoder) boolean(f *field) (bool, bool) {
	if b, ok := f.val.node.(*ast.BoolNode); ok {
		return b.Value, true
	}
	s, ok := d.text(f)
	if !ok {
		return false, false
	}
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	d.errorf(f.val.pos, "%q must be true or false, got %s", f.key, describe(f.val.node))
	return false, false
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
