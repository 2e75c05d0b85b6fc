package layout

import (
	"math"
	"strconv"
	"strings"

	"github.com/hopsnet/hops/browser/style"
	"golang.org/x/net/html"
)

// Boxes is the --boxes JSON: every element's border box and every text
// node's line fragments, in CSS px.
type Boxes struct {
	ScrollHeight float64      `json:"scroll_height"`
	Elements     []ElementBox `json:"elements"`
	Texts        []TextBox    `json:"texts"`
}

// ElementBox is one element.
type ElementBox struct {
	Path   string  `json:"path"`
	Tag    string  `json:"tag"`
	HasBox bool    `json:"has_box"`
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	W      float64 `json:"w"`
	H      float64 `json:"h"`
}

// TextBox is one text node under body.
type TextBox struct {
	ParentPath     string     `json:"parent_path"`
	TextIndex      int        `json:"text_index"`
	WhitespaceOnly bool       `json:"whitespace_only"`
	Lines          []TextLine `json:"lines"`
}

// TextLine is one line fragment of a text node.
type TextLine struct {
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
	W    float64 `json:"w"`
	H    float64 `json:"h"`
	Text string  `json:"text"`
}

// Boxes reports the layout of the document node doc.
func (t *Tree) Boxes(doc *html.Node) Boxes {
	out := Boxes{ScrollHeight: round(max(t.ViewportH, t.DocumentHeight)), Elements: []ElementBox{}, Texts: []TextBox{}}
	var walk func(n *html.Node, path string, inBody bool)
	walk = func(n *html.Node, path string, inBody bool) {
		counts := map[string]int{}
		textIndex := 0
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.ElementNode:
				counts[c.Data]++
				step := c.Data
				if c.Data != "html" && c.Data != "head" && c.Data != "body" {
					step += "[" + strconv.Itoa(counts[c.Data]) + "]"
				}
				p := step
				if path != "" {
					p = path + ">" + step
				}
				out.Elements = append(out.Elements, t.elementBox(c, p))
				walk(c, p, inBody || c.Data == "body")
			case html.TextNode:
				if !inBody {
					continue
				}
				ws := strings.Trim(c.Data, " \t\n\r\f") == ""
				tb := TextBox{ParentPath: path, WhitespaceOnly: ws, Lines: []TextLine{}}
				if !ws {
					textIndex++
					tb.TextIndex = textIndex
				}
				if b := t.byNode[c]; b != nil {
					for _, f := range b.frags {
						tb.Lines = append(tb.Lines, TextLine{X: round(f.X), Y: round(f.Y), W: round(f.W), H: round(f.H),
							Text: strings.Join(strings.Fields(f.Text), " ")})
					}
				}
				out.Texts = append(out.Texts, tb)
			}
		}
	}
	walk(doc, "", false)
	return out
}

func (t *Tree) elementBox(n *html.Node, path string) ElementBox {
	e := ElementBox{Path: path, Tag: n.Data}
	b := t.byNode[n]
	if b == nil {
		return e
	}
	e.HasBox = true
	var x, y, w, h float64
	switch b.Kind {
	case Block:
		x, y, w, h = b.BorderBox()
	default:
		x, y, w, h = fragmentUnion(b)
	}
	e.X, e.Y, e.W, e.H = round(x), round(y), round(w), round(h)
	return e
}

// fragmentUnion is the bounding box of an inline box's fragments (those
// of its descendant texts and breaks).
func fragmentUnion(b *Box) (x, y, w, h float64) {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	var walk func(c *Box)
	walk = func(c *Box) {
		for _, f := range c.frags {
			x0, y0 = min(x0, f.X), min(y0, f.Y)
			x1, y1 = max(x1, f.X+f.W), max(y1, f.Y+f.H)
		}
		for _, k := range c.Children {
			walk(k)
		}
	}
	walk(b)
	if x0 > x1 {
		return 0, 0, 0, 0
	}
	// Vertical padding and borders grow the border box around the
	// content area, not the line.
	y0 -= b.Padding[style.Top] + b.Border[style.Top]
	y1 += b.Padding[style.Bottom] + b.Border[style.Bottom]
	return x0, y0, x1 - x0, y1 - y0
}

func round(f float64) float64 { return math.Round(f*1000) / 1000 }
