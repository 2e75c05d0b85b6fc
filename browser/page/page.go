// Package page runs the whole pipeline for one document: HTML → DOM (with
// the preload scan), sub-resources through a fetch.Fetcher, CSSOM, computed
// styles, render tree, layout, and paint on demand.
package page

import (
	"fmt"
	"image"
	"io"

	"github.com/hopsnet/hops/browser/css"
	"github.com/hopsnet/hops/browser/dom"
	"github.com/hopsnet/hops/browser/fetch"
	"github.com/hopsnet/hops/browser/font"
	"github.com/hopsnet/hops/browser/layout"
	"github.com/hopsnet/hops/browser/paint"
	"github.com/hopsnet/hops/browser/style"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Options size the viewport.
type Options struct {
	Width, Height int // CSS px; 800×600 when zero
}

// A Page is a loaded, laid-out document.
type Page struct {
	Doc    *dom.Document
	Styles *style.Styler
	Tree   *layout.Tree
	Events []dom.Event // the DOM's events, then sub-resource loads and layout
	opts   Options
}

// Load parses src, fetches its stylesheets through f (which may be nil:
// no sub-resources) and lays the page out.
func Load(src []byte, f fetch.Fetcher, o Options) (*Page, error) {
	if o.Width <= 0 {
		o.Width = 800
	}
	if o.Height <= 0 {
		o.Height = 600
	}
	if o.Width > 16384 || o.Height > 16384 {
		return nil, fmt.Errorf("page: viewport %dx%d over 16384 px", o.Width, o.Height)
	}
	d, err := dom.Parse(src)
	if err != nil {
		return nil, err
	}
	p := &Page{Doc: d, Events: append([]dom.Event(nil), d.Events...), opts: o}
	images := map[string]image.Image{} // by reference; nil: broken
	for _, r := range d.Resources {
		switch r.Kind {
		case dom.Image:
			if _, done := images[r.Ref]; !done {
				images[r.Ref] = p.loadImage(f, r.Ref)
			}
		case dom.Script:
			p.loadScript(f, r.Ref)
		}
	}
	p.inlineScripts(d.Root)
	p.Styles = style.NewStyler(p.authorSheets(f))
	p.log("CSSOM complete", fmt.Sprintf("%d style sheets", len(p.Styles.Sheets)))
	fonts := font.NewSet()
	p.loadFonts(f, fonts)
	p.Styles.Fonts = fonts.HasFamily
	p.Styles.Compute(d.Root)
	p.Tree, err = layout.BuildImages(d.Root, p.Styles, fonts, imageNodes(d.Root, images))
	if err != nil {
		return nil, err
	}
	p.Tree.Layout(float64(o.Width), float64(o.Height))
	p.log("layout complete", fmt.Sprintf("document height %gpx", p.Tree.DocumentHeight))
	return p, nil
}

func (p *Page) log(kind, detail string) {
	p.Events = append(p.Events, dom.Event{Kind: kind, Detail: detail})
}

// authorSheets collects <style> elements and <link rel=stylesheet> sheets
// in document order.
func (p *Page) authorSheets(f fetch.Fetcher) []style.Sheet {
	var out []style.Sheet
	styles := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Style:
				styles++
				var text []byte
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					text = append(text, c.Data...)
				}
				p.addSheet(&out, fmt.Sprintf("<style> %d", styles), "", text)
			case atom.Link:
				if dom.Attr(n, "rel") == "stylesheet" && f != nil {
					ref := dom.Attr(n, "href")
					res, err := f.Fetch(ref)
					if err != nil {
						p.log("resource failed", fmt.Sprintf("stylesheet %s: %v", ref, err))
						break
					}
					p.log("resource loaded", fmt.Sprintf("stylesheet %s (%d bytes)", ref, len(res.Body)))
					p.addSheet(&out, ref, ref, res.Body)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(p.Doc.Root)
	return out
}

func (p *Page) addSheet(out *[]style.Sheet, name, ref string, text []byte) {
	sh, err := css.Parse(text)
	if err != nil {
		p.log("stylesheet refused", fmt.Sprintf("%s: %v", name, err))
		return
	}
	*out = append(*out, style.Sheet{Name: name, URL: ref, Author: true, Sheet: sh})
}

// Boxes returns the layout as the --boxes JSON structure.
func (p *Page) Boxes() layout.Boxes { return p.Tree.Boxes(p.Doc.Root) }

// Paint paints the viewport.
func (p *Page) Paint() *image.RGBA { return paint.Paint(p.Tree, p.opts.Width, p.opts.Height) }

// WritePNG paints the viewport and writes it to w as a PNG
// (paint.EncodePNG).
func (p *Page) WritePNG(w io.Writer) error { return paint.EncodePNG(w, p.Paint()) }
