package page

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif"  // GIF images
	_ "image/jpeg" // JPEG images
	_ "image/png"  // PNG images
	"strings"

	"github.com/hopsnet/hops/browser/dom"
	"github.com/hopsnet/hops/browser/fetch"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// MaxImagePixels bounds a decoded image (width × height); a larger one is
// refused before decoding, as a broken image.
const MaxImagePixels = 32 << 20

// DecodeImage decodes a PNG, JPEG or GIF (the first frame), checking its
// size from the header before decoding the pixels.
func DecodeImage(b []byte) (image.Image, string, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, "", fmt.Errorf("not a PNG, JPEG or GIF image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxImagePixels || cfg.Width > 1<<16 || cfg.Height > 1<<16 {
		return nil, format, fmt.Errorf("%s image %dx%d is over the %d-pixel limit", format, cfg.Width, cfg.Height, MaxImagePixels)
	}
	img, format, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, format, fmt.Errorf("%s image: %w", format, err)
	}
	return img, format, nil
}

// loadImage fetches and decodes one image; nil when it is broken.
func (p *Page) loadImage(f fetch.Fetcher, ref string) image.Image {
	if ref == "" {
		return nil
	}
	if f == nil {
		p.log("resource failed", fmt.Sprintf("image %s: no fetcher", ref))
		return nil
	}
	res, err := f.Fetch(ref)
	if err != nil {
		p.log("resource failed", fmt.Sprintf("image %s: %v", ref, err))
		return nil
	}
	img, format, err := DecodeImage(res.Body)
	if err != nil {
		p.log("image broken", fmt.Sprintf("%s (%d bytes, %s): %v", ref, len(res.Body), res.ContentType, err))
		return nil
	}
	sz := img.Bounds().Size()
	p.log("resource loaded", fmt.Sprintf("image %s (%d bytes, %s, %dx%d)", ref, len(res.Body), format, sz.X, sz.Y))
	return img
}

// loadScript fetches a script so that it is recorded; hops runs no
// JavaScript.
func (p *Page) loadScript(f fetch.Fetcher, ref string) {
	if f == nil {
		p.log("script not executed", fmt.Sprintf("%s (not fetched: no fetcher; hops runs no JavaScript)", ref))
		return
	}
	res, err := f.Fetch(ref)
	if err != nil {
		p.log("resource failed", fmt.Sprintf("script %s: %v", ref, err))
		return
	}
	p.log("resource loaded", fmt.Sprintf("script %s (%d bytes, %s)", ref, len(res.Body), res.ContentType))
	p.log("script not executed", ref+" (hops runs no JavaScript)")
}

// inlineScripts records the <script> elements without src.
func (p *Page) inlineScripts(n *html.Node) {
	i := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.DataAtom == atom.Script && n.Namespace == "" {
			if _, has := attrOK(n, "src"); !has {
				i++
				size := 0
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					size += len(c.Data)
				}
				p.log("script not executed", fmt.Sprintf("inline script %d (%d bytes; hops runs no JavaScript)", i, size))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// imageNodes maps every <img> element to its decoded image (by its src,
// as the preload scan found it).
func imageNodes(root *html.Node, byRef map[string]image.Image) map[*html.Node]image.Image {
	out := map[*html.Node]image.Image{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.DataAtom == atom.Img && n.Namespace == "" {
			if img := byRef[strings.TrimSpace(dom.Attr(n, "src"))]; img != nil {
				out[n] = img
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out
}
