package style

import (
	"image/color"

	"strings"

	"github.com/hopsnet/hops/browser/css"
)

// expand turns a shorthand declaration into its longhands; other
// declarations come back alone.
func expand(d css.Declaration) []css.Declaration {
	parts := split(d.Value)
	mk := func(p string, v []css.Token) css.Declaration {
		return css.Declaration{Property: p, Value: v, Important: d.Important}
	}
	four := func(prefix, suffix string) []css.Declaration {
		if len(parts) < 1 || len(parts) > 4 {
			return nil
		}
		idx := [][4]int{{0, 0, 0, 0}, {0, 1, 0, 1}, {0, 1, 2, 1}, {0, 1, 2, 3}}[len(parts)-1]
		out := make([]css.Declaration, 4)
		for i, n := range sideNames {
			out[i] = mk(prefix+n+suffix, parts[idx[i]])
		}
		return out
	}
	switch d.Property {
	case "margin":
		return four("margin-", "")
	case "padding":
		return four("padding-", "")
	case "border-width":
		return four("border-", "-width")
	case "border-style":
		return four("border-", "-style")
	case "border-color":
		return four("border-", "-color")
	case "border":
		var out []css.Declaration
		for _, n := range sideNames {
			out = append(out, borderSide("border-"+n, parts, d.Important)...)
		}
		return out
	case "border-top", "border-right", "border-bottom", "border-left":
		return borderSide(d.Property, parts, d.Important)
	case "background":
		for _, p := range parts {
			if _, ok := parseColor(p, color.RGBA{}); ok {
				return []css.Declaration{mk("background-color", p)}
			}
		}
		return []css.Declaration{mk("background-color", []css.Token{{Type: css.Ident, Data: "transparent"}})}
	case "text-decoration":
		for _, p := range parts {
			if len(p) == 1 && (strings.EqualFold(p[0].Data, "underline") || strings.EqualFold(p[0].Data, "none")) {
				return []css.Declaration{mk("text-decoration-line", p)}
			}
		}
		return nil
	case "list-style":
		for _, p := range parts {
			if len(p) == 1 && p[0].Type == css.Ident {
				switch strings.ToLower(p[0].Data) {
				case "disc", "circle", "square", "decimal", "none":
					return []css.Declaration{mk("list-style-type", p)}
				}
			}
		}
		return nil
	case "font":
		return fontShorthand(parts, d.Important)
	}
	return []css.Declaration{d}
}

// borderSide expands "border-top: 1px solid red" in any order.
func borderSide(prop string, parts [][]css.Token, imp bool) []css.Declaration {
	w := []css.Token{{Type: css.Ident, Data: "medium"}}
	s := []css.Token{{Type: css.Ident, Data: "none"}}
	c := []css.Token{{Type: css.Ident, Data: "currentcolor"}}
	for _, p := range parts {
		if len(p) == 1 && p[0].Type == css.Ident && borderStyles[strings.ToLower(p[0].Data)] {
			s = p
		} else if _, ok := parseColor(p, color.RGBA{}); ok {
			c = p
		} else {
			w = p
		}
	}
	return []css.Declaration{
		{Property: prop + "-width", Value: w, Important: imp},
		{Property: prop + "-style", Value: s, Important: imp},
		{Property: prop + "-color", Value: c, Important: imp},
	}
}

var borderStyles = map[string]bool{"none": true, "hidden": true, "solid": true, "dotted": true, "dashed": true,
	"double": true, "groove": true, "ridge": true, "inset": true, "outset": true}

// fontShorthand expands "font" (CSS Fonts 4 §2.8):
// [style || weight]? size[/line-height]? family-list. The longhands it
// leaves out are reset to normal, as the shorthand does; a value without
// a size and a family is invalid and expands to nothing.
func fontShorthand(parts [][]css.Token, imp bool) []css.Declaration {
	ident := func(s string) []css.Token { return []css.Token{{Type: css.Ident, Data: s}} }
	fstyle, weight, lh := ident("normal"), ident("normal"), ident("normal")
	var toks []css.Token // the parts from the size on, with white space between them
	for i, p := range parts {
		if len(p) == 1 {
			t := p[0]
			k := strings.ToLower(t.Data)
			switch {
			case k == "italic" || k == "oblique":
				fstyle = p
				continue
			case k == "bold" || k == "bolder" || k == "lighter" || t.Type == css.Number && i < len(parts)-1:
				weight = p
				continue
			case k == "normal" || k == "small-caps":
				continue
			}
		}
		for j, r := range parts[i:] {
			if j > 0 {
				toks = append(toks, css.Token{Type: css.Whitespace, Data: " "})
			}
			toks = append(toks, r...)
		}
		break
	}
	if len(toks) == 0 {
		return nil
	}
	size := toks[0]
	if size.Type != css.Dimension && size.Type != css.Percentage && fontSizeKeywords[strings.ToLower(size.Data)] == 0 {
		return nil
	}
	rest := toks[1:]
	skipWS := func() {
		for len(rest) > 0 && rest[0].Type == css.Whitespace {
			rest = rest[1:]
		}
	}
	skipWS()
	if len(rest) > 0 && rest[0].Data == "/" {
		rest = rest[1:]
		skipWS()
		if len(rest) == 0 {
			return nil
		}
		lh, rest = rest[:1], rest[1:]
		skipWS()
	}
	if len(rest) == 0 {
		return nil
	}
	mk := func(p string, v []css.Token) css.Declaration {
		return css.Declaration{Property: p, Value: v, Important: imp}
	}
	return []css.Declaration{mk("font-style", fstyle), mk("font-weight", weight),
		mk("font-size", []css.Token{size}), mk("line-height", lh), mk("font-family", rest)}
}

// split divides a value at top-level white space, keeping a function's
// tokens together.
func split(v []css.Token) [][]css.Token {
	var out [][]css.Token
	var cur []css.Token
	depth := 0
	for _, t := range v {
		switch {
		case t.Type == css.Function:
			depth++
		case t.Data == ")" && depth > 0:
			depth--
		case t.Type == css.Whitespace && depth == 0:
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, t)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
