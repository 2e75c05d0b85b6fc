package page

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"math"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/hopsnet/hops/browser/dom"
	"github.com/hopsnet/hops/browser/fetch"
)

// LoadContent loads a top-level resource by its content type, as a
// browser treats what it navigates to:
//
//   - HTML is parsed and rendered (Load).
//   - An image (PNG, JPEG, GIF) is shown alone, as Chromium's image
//     viewer does: centred in the viewport on a dark background, scaled
//     down to fit when larger.
//   - JSON is shown pretty-printed (two-space indents) and XML as an
//     indented tree of its elements, as preformatted text, like the
//     browsers' viewers; malformed JSON or XML is shown as it is.
//   - CSS, JavaScript and other text is shown as plain preformatted text
//     (scripts are never run).
//
// name is the resource's file name or URL path, used for the title and
// to guess the type when contentType is empty. The synthesized viewer
// documents are ordinary HTML, so the result is an ordinary Page.
func LoadContent(body []byte, contentType, name string, f fetch.Fetcher, o Options) (*Page, error) {
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	if ct == "" || ct == "application/octet-stream" {
		ct = fetch.TypeByName(name)
		if ct == "application/octet-stream" {
			ct = fetch.Sniff(body)
		}
	}
	var doc string
	switch {
	case ct == "text/html" || ct == "application/xhtml+xml":
		return Load(body, f, o)
	case strings.HasPrefix(ct, "image/"):
		img, format, err := DecodeImage(body)
		if err != nil {
			return nil, fmt.Errorf("page: %s: %w", name, err)
		}
		sz := img.Bounds().Size()
		ref := "image." + format
		p, err := Load([]byte(imageViewer(path.Base(name), ref, sz.X, sz.Y, o)), fetch.Map{ref: string(body)}, o)
		if err != nil {
			return nil, err
		}
		p.Events = append([]dom.Event{{Kind: "content type", Detail: ct + ": image viewer"}}, p.Events...)
		return p, nil
	case ct == "application/json" || strings.HasSuffix(ct, "+json"):
		doc = textViewer(path.Base(name), formatJSON(body))
	case ct == "application/xml" || ct == "text/xml" || strings.HasSuffix(ct, "+xml"):
		doc = textViewer(path.Base(name), formatXML(body))
	case strings.HasPrefix(ct, "text/") || ct == "application/javascript":
		doc = textViewer(path.Base(name), string(body))
	default:
		if !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0 {
			return nil, fmt.Errorf("page: %s: cannot display %s content", name, ct)
		}
		doc = textViewer(path.Base(name), string(body))
	}
	p, err := Load([]byte(doc), nil, o)
	if err != nil {
		return nil, err
	}
	p.Events = append([]dom.Event{{Kind: "content type", Detail: ct + ": shown as text"}}, p.Events...)
	return p, nil
}

// imageViewer is the document of an image shown alone: the image centred
// on a dark canvas (rgb(14,14,14)), on a light grey behind transparent
// pixels, scaled down (keeping its ratio) to fit the viewport.
func imageViewer(title, ref string, w, h int, o Options) string {
	vw, vh := float64(o.Width), float64(o.Height)
	if vw <= 0 {
		vw = 800
	}
	if vh <= 0 {
		vh = 600
	}
	scale := min(1, vw/float64(w), vh/float64(h))
	dw, dh := math.Floor(float64(w)*scale), math.Floor(float64(h)*scale)
	top := max(0, math.Floor((vh-dh)/2))
	return fmt.Sprintf(`<!DOCTYPE html><html><head><title>%s (%d×%d)</title></head>`+
		`<body style="margin: 0; background-color: #0e0e0e">`+
		`<img src="%s" style="display: block; margin: %gpx auto 0; width: %gpx; height: %gpx; background-color: #e6e6e6"></body></html>`,
		html.EscapeString(title), w, h, html.EscapeString(ref), top, dw, dh)
}

// textViewer is the document of a text resource: its text, preformatted
// and wrapping, as Chromium shows text/plain.
func textViewer(title, text string) string {
	return `<!DOCTYPE html><html><head><title>` + html.EscapeString(title) + `</title></head><body>` +
		`<pre style="white-space: pre-wrap; margin: 0">` + html.EscapeString(text) + `</pre></body></html>`
}

// formatJSON indents valid JSON by two spaces; anything else is returned
// as it is.
func formatJSON(b []byte) string {
	var out bytes.Buffer
	if err := json.Indent(&out, bytes.TrimSpace(b), "", "  "); err != nil {
		return string(b)
	}
	return out.String()
}

// formatXML writes each element, comment and run of text on its own line,
// indented two spaces a level, the way an XML viewer shows the tree;
// malformed XML is returned as it is.
func formatXML(b []byte) string {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	var out strings.Builder
	depth := 0
	line := func(s string) {
		out.WriteString(strings.Repeat("  ", max(depth, 0)))
		out.WriteString(s)
		out.WriteByte('\n')
	}
	attrs := func(as []xml.Attr) string {
		var s strings.Builder
		for _, a := range as {
			name := a.Name.Local
			if a.Name.Space != "" {
				name = a.Name.Space + ":" + name
			}
			fmt.Fprintf(&s, ` %s="%s"`, name, escapeXML(a.Value))
		}
		return s.String()
	}
	qname := func(n xml.Name) string {
		if n.Space != "" && !strings.Contains(n.Space, "/") {
			return n.Space + ":" + n.Local
		}
		return n.Local
	}
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return string(b)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line("<" + qname(t.Name) + attrs(t.Attr) + ">")
			depth++
		case xml.EndElement:
			depth--
			line("</" + qname(t.Name) + ">")
		case xml.CharData:
			if s := strings.TrimSpace(string(t)); s != "" {
				line(escapeXML(s))
			}
		case xml.Comment:
			line("<!--" + string(t) + "-->")
		case xml.ProcInst:
			line("<?" + t.Target + " " + string(t.Inst) + "?>")
		case xml.Directive:
			line("<!" + string(t) + ">")
		}
	}
	return out.String()
}

func escapeXML(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
