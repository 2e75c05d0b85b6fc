package style

import (
	"strings"
	"testing"

	"github.com/hopsnet/hops/browser/css"
	"golang.org/x/net/html"
)

func TestMonospaceAndMinMax(t *testing.T) {
	doc, _ := html.Parse(strings.NewReader(`<body><pre id=a>x<b id=b>y</b></pre><p id=c><code id=d>c</code></p>` +
		`<div id=e style="font-size:20px"><code id=f>c</code></div><h1><code id=g>c</code></h1>` +
		`<code id=h style="font-family: 'Go Mono'">c</code><code id=i style="font-family: monospace, monospace">c</code>` +
		`<div id=j style="min-width: 10px; max-width: 50%; min-height: auto; max-height: none"></div>`))
	sh, _ := css.Parse(nil)
	s := NewStyler([]Sheet{{Name: "t", Author: true, Sheet: sh}})
	s.Compute(doc)
	byID := map[string]*Style{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "id" {
					byID[a.Val] = s.Of(n)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	// Chromium: the generic monospace family alone defaults to 13px
	// where the size is not absolute; an absolute size stays.
	for id, want := range map[string]float64{"a": 13, "b": 13, "d": 13, "f": 20, "g": 26, "h": 16, "i": 16} {
		if got := byID[id].FontSize; got != want {
			t.Errorf("#%s font-size %v, want %v", id, got, want)
		}
	}
	if !byID["a"].Mono || !byID["h"].Mono || byID["h"].GenericMono {
		t.Errorf("mono flags: pre %+v, 'Go Mono' %+v", byID["a"].Mono, byID["h"])
	}
	j := byID["j"]
	if j.MinWidth.Px != 10 || !j.MaxWidth.IsPct || j.MaxWidth.Pct != 50 || !j.MinHeight.Auto || !j.MaxHeight.Auto {
		t.Errorf("min/max: %+v %+v %+v %+v", j.MinWidth, j.MaxWidth, j.MinHeight, j.MaxHeight)
	}
}
