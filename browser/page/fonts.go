package page

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/hopsnet/hops/browser/css"
	"github.com/hopsnet/hops/browser/fetch"
	"github.com/hopsnet/hops/browser/font"
)

// loadFonts loads the faces of the style sheets' @font-face rules into
// fonts (CSS Fonts 4 §4.3): for each rule, the first source in its src
// list that hops can use. local() names no font (hops has only the Go
// fonts) and a format() hint other than TrueType or OpenType is skipped
// unfetched; a file that fails to fetch or to parse (WOFF, WOFF2, not a
// font) is recorded and the next source tried. A rule with no usable
// source leaves its family to fall back to the Go fonts. Each URL is
// fetched once.
func (p *Page) loadFonts(f fetch.Fetcher, fonts *font.Set) {
	type fetched struct {
		body []byte
		err  error
	}
	cache := map[string]fetched{}
	for _, sh := range p.Styles.Sheets {
		if !sh.Author {
			continue
		}
		for _, ff := range sh.Sheet.FontFaces {
			var why []string
			loaded := false
			for _, src := range ff.Sources {
				switch {
				case src.URL == "":
					why = append(why, fmt.Sprintf("local(%q): no local fonts", src.Local))
					continue
				case !font.Formats(src.Format):
					why = append(why, fmt.Sprintf("%s: format %q not supported", src.URL, src.Format))
					continue
				case f == nil:
					why = append(why, src.URL+": no fetcher")
					continue
				}
				ref := FontRef(sh.URL, src.URL)
				got, done := cache[ref]
				if !done {
					res, err := f.Fetch(ref)
					got = fetched{res.Body, err}
					cache[ref] = got
					if err != nil {
						p.log("resource failed", fmt.Sprintf("font %s: %v", ref, err))
					}
				}
				if got.err != nil {
					why = append(why, fmt.Sprintf("%s: %v", ref, got.err))
					continue
				}
				if err := fonts.AddFace(ff.Family, ff.Weight, ff.Style != "normal", ref, got.body); err != nil {
					p.log("font broken", fmt.Sprintf("%s (%d bytes) for %q: %v", ref, len(got.body), ff.Family, err))
					why = append(why, fmt.Sprintf("%s: %v", ref, err))
					continue
				}
				p.log("resource loaded", fmt.Sprintf("font %s (%d bytes) for %q %s", ref, len(got.body), ff.Family, faceDesc(ff)))
				loaded = true
				break
			}
			if !loaded {
				p.log("font not loaded", fmt.Sprintf("%q %s has no face (a font-family list goes on to its next name): %s", ff.Family, faceDesc(ff), strings.Join(why, "; ")))
			}
		}
	}
}

func faceDesc(ff css.FontFace) string {
	w := fmt.Sprint(ff.Weight[0])
	if ff.Weight[1] != ff.Weight[0] {
		w += fmt.Sprintf("-%d", ff.Weight[1])
	}
	return w + " " + ff.Style
}

// FontRef resolves a url() of a style sheet fetched by sheetRef (""
// for a <style> element) into a reference relative to the document, as
// a Fetcher takes it: CSS resolves a sheet's URLs against the sheet.
func FontRef(sheetRef, ref string) string {
	if sheetRef == "" || ref == "" {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil || r.IsAbs() || r.Host != "" || strings.HasPrefix(ref, "/") {
		return ref
	}
	b, err := url.Parse(sheetRef)
	if err != nil {
		return ref
	}
	if b.IsAbs() || b.Host != "" {
		return b.ResolveReference(r).String()
	}
	dir := path.Dir(b.Path)
	if dir == "." {
		return ref
	}
	out := path.Join(dir, r.Path)
	if r.RawQuery != "" {
		out += "?" + r.RawQuery
	}
	return out
}
