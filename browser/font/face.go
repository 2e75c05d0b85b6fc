package font

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// Limits on the faces a page loads.
const (
	MaxFaces     = 64       // faces in one Set
	MaxFaceBytes = 16 << 20 // one font file
)

// ErrFormat is returned for font data hops cannot read.
var ErrFormat = errors.New("font: unsupported format")

// face is one loaded @font-face.
type face struct {
	weight [2]int // the range of weights it covers
	italic bool   // font-style italic or oblique
	font   *Font
}

// Formats hops reads (CSS Fonts 4 §4.3.1 format() hints): TrueType and
// OpenType, with or without variations. The others (woff, woff2,
// embedded-opentype, svg, collection) are skipped, as a browser skips a
// source whose format it does not support.
func Formats(hint string) bool {
	switch strings.ToLower(hint) {
	case "", "truetype", "opentype", "truetype-variations", "opentype-variations":
		return true
	}
	return false
}

// CheckData tells font data hops can read from the rest, naming the
// format it sees: WOFF and WOFF2 (compressed wrappers), TrueType
// collections, and anything else that is not an sfnt file.
func CheckData(b []byte) error {
	switch {
	case len(b) > MaxFaceBytes:
		return fmt.Errorf("%w: %d bytes, over the %d-byte limit", ErrFormat, len(b), MaxFaceBytes)
	case bytes.HasPrefix(b, []byte("wOFF")):
		return fmt.Errorf("%w: WOFF (hops reads TrueType and OpenType fonts, not their compressed WOFF wrapper)", ErrFormat)
	case bytes.HasPrefix(b, []byte("wOF2")):
		return fmt.Errorf("%w: WOFF2 (hops reads TrueType and OpenType fonts, not their compressed WOFF2 wrapper)", ErrFormat)
	case bytes.HasPrefix(b, []byte("ttcf")):
		return fmt.Errorf("%w: a TrueType collection (hops reads single fonts)", ErrFormat)
	case bytes.HasPrefix(b, []byte("\x00\x01\x00\x00")), bytes.HasPrefix(b, []byte("OTTO")), bytes.HasPrefix(b, []byte("true")):
		return nil
	}
	return fmt.Errorf("%w: not a TrueType or OpenType font", ErrFormat)
}

// AddFace parses data (TrueType or OpenType) as a face of family (any
// case) covering the weights in weight and the given style, for Get to
// match. name labels the font (its URL).
func (s *Set) AddFace(family string, weight [2]int, italic bool, name string, data []byte) error {
	if err := CheckData(data); err != nil {
		return err
	}
	n := 0
	for _, fs := range s.families {
		n += len(fs)
	}
	if n >= MaxFaces {
		return fmt.Errorf("font: over %d faces", MaxFaces)
	}
	f, err := parseFont(name, data)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if weight[0] < 1 || weight[1] > 1000 || weight[0] > weight[1] {
		weight = [2]int{400, 400}
	}
	family = strings.ToLower(family)
	s.families[family] = append(s.families[family], face{weight: weight, italic: italic, font: f})
	clear(s.fonts) // earlier matches may change
	return nil
}

// HasFamily reports whether a face of family (lower case) was added.
func (s *Set) HasFamily(family string) bool { return len(s.families[family]) > 0 }

// match runs the font matching algorithm of CSS Fonts 4 §5.2 over the
// faces of k.Family: font-style first, then font-weight. It returns nil
// when the family has no faces.
func (s *Set) match(k Key) *Font {
	faces := s.families[k.Family]
	if len(faces) == 0 {
		return nil
	}
	// Step 4b, font-style: italic (or oblique) faces for italic text,
	// falling back to normal ones; normal faces for normal text, falling
	// back to italic ones.
	var cands []face
	for _, want := range []bool{k.Italic, !k.Italic} {
		for _, f := range faces {
			if f.italic == want {
				cands = append(cands, f)
			}
		}
		if len(cands) > 0 {
			break
		}
	}
	w := k.Weight
	if w == 0 {
		w = 400
	}
	best, bestRank := (*Font)(nil), [2]int{}
	for _, f := range cands {
		// When several faces rank the same, the last declared wins.
		if r := weightRank(w, f.weight); best == nil || r[0] < bestRank[0] || r[0] == bestRank[0] && r[1] <= bestRank[1] {
			best, bestRank = f.font, r
		}
	}
	return best
}

// weightRank orders a face for a desired weight w (step 4c, font-weight;
// lower is better): a face covering w first; then, for w from 400 to 500,
// heavier faces up to 500, then lighter ones, then heavier ones beyond
// 500; for w under 400, lighter faces then heavier ones; for w over 500,
// heavier faces then lighter ones. Within a tier the nearest weight wins.
func weightRank(w int, r [2]int) [2]int {
	if r[0] <= w && w <= r[1] {
		return [2]int{0, 0}
	}
	heavier := r[0] > w
	near := r[0] - w // distance to the nearest end of the range
	if !heavier {
		near = w - r[1]
	}
	switch {
	case w >= 400 && w <= 500:
		switch {
		case heavier && r[0] <= 500:
			return [2]int{1, near}
		case !heavier:
			return [2]int{2, near}
		}
		return [2]int{3, near}
	case w < 400:
		if !heavier {
			return [2]int{1, near}
		}
		return [2]int{2, near}
	}
	if heavier {
		return [2]int{1, near}
	}
	return [2]int{2, near}
}
