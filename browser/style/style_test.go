package style

import (
	"strings"
	"testing"

	"github.com/hopsnet/hops/browser/css"
	"golang.org/x/net/html"
)

func TestCascadeAndComputed(t *testing.T) {
	doc, _ := html.Parse(strings.NewReader(`<html style="font-size:20px"><body><div id=d class=c style="color:lime"><p class=c>x<small>s</small></p><h1>h</h1></div>`))
	sh, _ := css.Parse([]byte(`
p { color: red !important; margin-top: 2em }
.c { color: blue; line-height: 150% }
#d { color: green !important }
div p { font-size: 1.5rem; line-height: 2 }
p.c { margin-top: 10px }
h1 { margin-bottom: 1rem }`))
	s := NewStyler([]Sheet{{Name: "t", Author: true, Sheet: sh}})
	s.Compute(doc)
	find := func(tag string) *Style {
		var f func(n *html.Node) *html.Node
		f = func(n *html.Node) *html.Node {
			if n.Type == html.ElementNode && n.Data == tag {
				return n
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if r := f(c); r != nil {
					return r
				}
			}
			return nil
		}
		return s.Of(f(doc))
	}
	d, p, small, h1, body := find("div"), find("p"), find("small"), find("h1"), find("body")
	cases := []struct {
		name      string
		got, want any
	}{
		{"!important author beats style attribute", d.Color, namedColors["green"]},
		{"p !important beats .c", p.Color, namedColors["red"]},
		{"p.c (0,1,1) beats p (0,0,1)", p.Margin[Top].Px, 10.0},
		{"rem from root", p.FontSize, 30.0},
		{".c (0,1,0) beats div p (0,0,2): 150% of 30px", p.LineHeight.Px, 45.0},
		{"line-height % computes to px on div", d.LineHeight.Px, 30.0},
		{"smaller", small.FontSize, 25.0},
		{"h1 2em of 20px", h1.FontSize, 40.0},
		{"h1 margin 0.67em", h1.Margin[Top].Px, 26.8},
		{"h1 1rem", h1.Margin[Bottom].Px, 20.0},
		{"body margin 8px", body.Margin[Left].Px, 8.0},
		{"inherited colour", small.Color, namedColors["red"]},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}
