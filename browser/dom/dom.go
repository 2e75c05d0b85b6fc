// Package dom builds the document tree from HTML bytes with the HTML
// standard's parser (golang.org/x/net/html), after a preload scan that lists
// the sub-resources (stylesheets, scripts, images) as soon as their tags are
// seen. Loading records a plain event log the caller reads.
package dom

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Limits on the input; a document over any of them is refused with an error
// naming the limit.
const (
	MaxDocumentBytes = 8 << 20 // bytes of HTML
	MaxDepth         = 256     // element nesting depth
	MaxAttrBytes     = 64 << 10
	MaxNodes         = 200_000
)

// Errors for documents over a limit (wrapped with details).
var (
	ErrTooLarge = errors.New("dom: document too large")
	ErrTooDeep  = errors.New("dom: elements nested too deeply")
	ErrAttr     = errors.New("dom: attribute too large")
)

// ResourceKind says what a sub-resource is for.
type ResourceKind string

// The kinds of sub-resources the preload scan finds.
const (
	Stylesheet ResourceKind = "stylesheet"
	Script     ResourceKind = "script"
	Image      ResourceKind = "image"
)

// A Resource is a sub-resource the document refers to.
type Resource struct {
	Kind ResourceKind
	Ref  string // the href or src, as written
	// Defer and Async are a script's attributes: a script with neither
	// blocks the parser until it has arrived (hops never runs it).
	Defer, Async bool
}

// An Event is one step of loading, in order.
type Event struct {
	Kind   string // "parsing started", "resource discovered", "DOM complete"
	Detail string // e.g. "stylesheet style.css", "42 elements"
}

func (e Event) String() string {
	if e.Detail == "" {
		return e.Kind
	}
	return e.Kind + ": " + e.Detail
}

// A Document is a parsed page.
type Document struct {
	Root      *html.Node // the document node
	Resources []Resource // in document order
	Events    []Event
}

// Parse runs the preload scan, then the tree builder.
func Parse(src []byte) (*Document, error) {
	if len(src) > MaxDocumentBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(src), MaxDocumentBytes)
	}
	d := &Document{}
	d.log("parsing started", fmt.Sprintf("%d bytes", len(src)))
	if err := d.preload(src); err != nil {
		return nil, err
	}
	root, err := html.Parse(bytes.NewReader(src))
	if err != nil && strings.Contains(err.Error(), "open stack of elements exceeds") {
		// x/net/html stops at 512 open elements (a recovered panic, not
		// a sentinel error); hops' own limit is lower, so it is the same
		// limit to the user.
		return nil, fmt.Errorf("%w: depth over %d (the HTML parser stopped: %v)", ErrTooDeep, MaxDepth, err)
	}
	if err != nil {
		return nil, fmt.Errorf("dom: %w", err)
	}
	n, err := check(root)
	if err != nil {
		return nil, err
	}
	d.Root = root
	d.log("DOM complete", fmt.Sprintf("%d elements", n))
	return d, nil
}

func (d *Document) log(kind, detail string) {
	d.Events = append(d.Events, Event{Kind: kind, Detail: detail})
}

// preload is the speculative scan a browser runs ahead of the tree
// builder: a tokenizer pass that notes every <link rel=stylesheet href>,
// <script src> and <img src>.
func (d *Document) preload(src []byte) error {
	var sc Scanner
	found, err := sc.Scan(src, true)
	for _, r := range found {
		d.Resources = append(d.Resources, r)
		d.log("resource discovered", string(r.Kind)+" "+r.Ref)
	}
	return err
}

// A Scanner is the preload scan run on a document as its bytes arrive:
// each call to Scan gets every byte received so far and returns the
// sub-resources found since the previous call. A tag cut off at the end
// of what has arrived waits for the next call.
type Scanner struct {
	seen int // resources returned so far
}

// Scan scans src, the document's first bytes (all of it when complete
// is true), and returns the resources not returned before.
func (s *Scanner) Scan(src []byte, complete bool) ([]Resource, error) {
	if !complete {
		// Only whole tags: stop after the last '>'.
		i := bytes.LastIndexByte(src, '>')
		src = src[:i+1]
	}
	if len(src) > MaxDocumentBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(src), MaxDocumentBytes)
	}
	z := html.NewTokenizer(bytes.NewReader(src))
	z.SetMaxBuf(MaxDocumentBytes + 1)
	var out []Resource
	n := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if err := z.Err(); err != io.EOF {
				return out, fmt.Errorf("dom: preload scan: %w", err)
			}
			return out, nil
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		for _, a := range tok.Attr {
			if len(a.Val) > MaxAttrBytes || len(a.Key) > MaxAttrBytes {
				return out, fmt.Errorf("%w: <%s %.20s=...> is %d bytes, limit %d", ErrAttr, tok.Data, a.Key, len(a.Val), MaxAttrBytes)
			}
		}
		kind, ref := discover(tok)
		if ref == "" {
			continue
		}
		n++
		if n <= s.seen {
			continue
		}
		s.seen = n
		r := Resource{Kind: kind, Ref: ref}
		if kind == Script {
			_, r.Defer = attrOK(tok.Attr, "defer")
			_, r.Async = attrOK(tok.Attr, "async")
		}
		out = append(out, r)
	}
}

func attrOK(as []html.Attribute, key string) (string, bool) {
	for _, a := range as {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// discover says which sub-resource a start tag refers to, if any.
func discover(t html.Token) (ResourceKind, string) {
	switch t.DataAtom {
	case atom.Link:
		if hasToken(attr(t.Attr, "rel"), "stylesheet") {
			return Stylesheet, strings.TrimSpace(attr(t.Attr, "href"))
		}
	case atom.Script:
		return Script, strings.TrimSpace(attr(t.Attr, "src"))
	case atom.Img:
		return Image, strings.TrimSpace(attr(t.Attr, "src"))
	}
	return "", ""
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}

func attr(as []html.Attribute, key string) string {
	for _, a := range as {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

// Attr returns n's attribute key, or "".
func Attr(n *html.Node, key string) string { return attr(n.Attr, key) }

// check counts the elements and enforces the depth and size limits, without
// recursion so that a hostile document cannot exhaust the stack here.
func check(root *html.Node) (int, error) {
	type item struct {
		n     *html.Node
		depth int
	}
	stack := []item{{root, 0}}
	elements, nodes := 0, 0
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		nodes++
		if nodes > MaxNodes {
			return 0, fmt.Errorf("%w: over %d nodes", ErrTooLarge, MaxNodes)
		}
		if it.n.Type == html.ElementNode {
			elements++
		}
		if it.depth > MaxDepth {
			return 0, fmt.Errorf("%w: depth over %d at <%s>", ErrTooDeep, MaxDepth, it.n.Data)
		}
		for c := it.n.FirstChild; c != nil; c = c.NextSibling {
			stack = append(stack, item{c, it.depth + 1})
		}
	}
	return elements, nil
}

// Find returns the first element with tag name tag, depth first, or nil.
func Find(n *html.Node, tag string) *html.Node {
	if n.Type == html.ElementNode && n.Data == tag {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := Find(c, tag); f != nil {
			return f
		}
	}
	return nil
}

// Dump writes the tree as indented lines: elements with their attributes,
// text nodes quoted (white space shown as escapes).
func Dump(w io.Writer, n *html.Node) {
	dump(w, n, 0)
}

func dump(w io.Writer, n *html.Node, depth int) {
	ind := strings.Repeat("  ", depth)
	switch n.Type {
	case html.DocumentNode:
		fmt.Fprintln(w, ind+"#document")
	case html.DoctypeNode:
		fmt.Fprintf(w, "%s<!DOCTYPE %s>\n", ind, n.Data)
	case html.ElementNode:
		var b strings.Builder
		b.WriteString(ind + "<" + n.Data)
		for _, a := range n.Attr {
			fmt.Fprintf(&b, " %s=%q", a.Key, a.Val)
		}
		b.WriteString(">")
		fmt.Fprintln(w, b.String())
	case html.TextNode:
		fmt.Fprintf(w, "%s#text %q\n", ind, n.Data)
	case html.CommentNode:
		fmt.Fprintf(w, "%s<!-- %s -->\n", ind, n.Data)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		dump(w, c, depth+1)
	}
}
