package waterfall

import (
	"bufio"
	"fmt"
	"image/color"
	"io"
	"strconv"
	"strings"
)

// fontFamily asks for the Go font the layout measured with, then for
// common sans-serif fonts of similar width.
const fontFamily = "Go, Roboto, Segoe UI, Helvetica, Arial, sans-serif"

// writeSVG writes s as an SVG 1.1 document.
func writeSVG(w io.Writer, s *scene) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n")
	p("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%s\" height=\"%s\" viewBox=\"0 0 %s %s\" font-family=\"%s\" font-size=\"%s\">\n",
		num(s.w), num(s.h), num(s.w), num(s.h), fontFamily, num(styleInfo[styleNormal].size))
	p("<title>%s</title>\n", esc(s.title))
	if len(s.clips) > 0 {
		p("<defs>\n")
		for i, c := range s.clips {
			p("<clipPath id=\"%s\"><rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\"/></clipPath>\n",
				clipID(i+1), num(c.x0), num(c.y0), num(c.x1-c.x0), num(c.y1-c.y0))
		}
		p("</defs>\n")
	}
	p("<rect class=\"background\" x=\"0\" y=\"0\" width=\"%s\" height=\"%s\" fill=\"%s\"/>\n", num(s.w), num(s.h), hex(colBackground))
	for i := range s.items {
		it := &s.items[i]
		switch it.kind {
		case kRect:
			p("<rect class=\"%s\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\"/>\n",
				esc(it.class), num(it.x0), num(it.y0), num(it.x1-it.x0), num(it.y1-it.y0), hex(it.col))
		case kLine:
			p("<line class=\"%s\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\" stroke-width=\"1\"",
				esc(it.class), num(it.x0), num(it.y0), num(it.x1), num(it.y1), hex(it.col))
			if it.text != "" {
				p("><title>%s</title></line>\n", esc(it.text))
			} else {
				p("/>\n")
			}
		case kText:
			p("<text class=\"%s\" x=\"%s\" y=\"%s\" fill=\"%s\"", esc(it.class), num(it.x0), num(it.y0), hex(it.col))
			if it.st != styleNormal {
				p(" font-size=\"%s\"", num(styleInfo[it.st].size))
				if styleInfo[it.st].bold {
					p(" font-weight=\"bold\"")
				}
			}
			if it.anchor == anchorEnd {
				p(" text-anchor=\"end\"")
			}
			if it.clip > 0 {
				p(" clip-path=\"url(#%s)\"", clipID(it.clip))
			}
			p(">%s</text>\n", esc(it.text))
		case kGroup:
			p("<g class=\"%s\"><title>%s</title>\n", esc(it.class), esc(it.text))
		case kEnd:
			p("</g>\n")
		}
	}
	p("</svg>\n")
	return bw.Flush()
}

func clipID(i int) string { return "waterfall-clip-" + strconv.Itoa(i) }

// num formats a coordinate with two decimals at most: "12", "12.5",
// "12.25".
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

func hex(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// esc escapes s for XML text and attribute values. The text has been
// through oneLine (or is the package's own), so it holds only characters
// XML allows; line breaks in tooltips are kept.
var esc = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;", "'", "&#39;").Replace
