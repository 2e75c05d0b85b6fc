package font

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
)

func TestAddFaceFormats(t *testing.T) {
	cases := []struct {
		name    string
		data    []byte
		wantErr string // "" for success
	}{
		{"TrueType", gomono.TTF, ""},
		{"WOFF", append([]byte("wOFF\x00\x01\x00\x00"), make([]byte, 40)...), "WOFF (hops reads TrueType"},
		{"WOFF2", append([]byte("wOF2\x00\x01\x00\x00"), make([]byte, 40)...), "WOFF2"},
		{"collection", append([]byte("ttcf"), make([]byte, 40)...), "collection"},
		{"HTML", []byte("<!DOCTYPE html><p>not found</p>"), "not a TrueType or OpenType font"},
		{"empty", nil, "not a TrueType or OpenType font"},
		{"truncated TrueType", gomono.TTF[:500], "unsupported format"},
		{"sfnt header with garbage tables", append([]byte("\x00\x01\x00\x00\x00\x05"), make([]byte, 200)...), "unsupported format"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewSet()
			err := s.AddFace("X", [2]int{400, 400}, false, "x.ttf", c.data)
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !s.HasFamily("x") {
					t.Error("family not added")
				}
				return
			}
			if err == nil || !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err %v, want ErrFormat with %q", err, c.wantErr)
			}
			if s.HasFamily("x") {
				t.Error("a broken face was added")
			}
			// The family falls back to the Go fonts.
			if f := s.Get(Key{Family: "x", Weight: 400}); f.Name != "Go Regular" {
				t.Errorf("fallback %s, want Go Regular", f.Name)
			}
		})
	}
}

// TestMatch follows CSS Fonts 4 §5.2 step 4: style first, then weight.
func TestMatch(t *testing.T) {
	s := NewSet()
	for _, f := range []struct {
		name   string
		data   []byte
		weight [2]int
		italic bool
	}{
		{"light", gomono.TTF, [2]int{300, 300}, false},
		{"regular", goregular.TTF, [2]int{400, 400}, false},
		{"bold", gobold.TTF, [2]int{700, 700}, false},
		{"italic", goitalic.TTF, [2]int{400, 400}, true},
	} {
		if err := s.AddFace("Fam", f.weight, f.italic, f.name, f.data); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		weight int
		italic bool
		want   string
	}{
		{400, false, "regular"},
		{700, false, "bold"},
		{600, false, "bold"},    // over 500: heavier first
		{500, false, "regular"}, // 400–500: heavier up to 500 (none), then lighter
		{450, false, "regular"},
		{350, false, "light"}, // under 400: lighter first
		{200, false, "light"}, // then heavier
		{900, false, "bold"},
		{100, false, "light"},
		{400, true, "italic"},
		{700, true, "italic"}, // style before weight
		{0, false, "regular"}, // no weight: 400
	}
	for _, c := range cases {
		if got := s.Get(Key{Family: "fam", Weight: c.weight, Italic: c.italic}).Name; got != c.want {
			t.Errorf("weight %d italic %v: %s, want %s", c.weight, c.italic, got, c.want)
		}
	}
	if got := s.Get(Key{Family: "other", Weight: 700, Bold: true}).Name; got != "Go Bold" {
		t.Errorf("unknown family: %s, want the Go Bold fallback", got)
	}
	// Equal ranks: the face declared last wins.
	if err := s.AddFace("Fam", [2]int{400, 400}, false, "regular2", gomono.TTF); err != nil {
		t.Fatal(err)
	}
	if got := s.Get(Key{Family: "fam", Weight: 400}).Name; got != "regular2" {
		t.Errorf("after a second 400 face: %s, want regular2", got)
	}
}

func TestLoadedMetrics(t *testing.T) {
	s := NewSet()
	if err := s.AddFace("Shown", [2]int{400, 400}, false, "mono.ttf", gomono.TTF); err != nil {
		t.Fatal(err)
	}
	f := s.Get(Key{Family: "shown", Weight: 400})
	def := s.Get(Key{})
	if f == def || f.Width("iiii", 16) != f.Width("WWWW", 16) || def.Width("iiii", 16) == def.Width("WWWW", 16) {
		t.Errorf("loaded face is not the monospaced one: %v %v", f.Width("iiii", 16), f.Width("WWWW", 16))
	}
	if f.Metrics(16) != s.Get(Key{Mono: true}).Metrics(16) {
		t.Errorf("metrics %+v differ from the embedded Go Mono's", f.Metrics(16))
	}
}

func TestFormats(t *testing.T) {
	for hint, want := range map[string]bool{"": true, "truetype": true, "OpenType": true, "woff": false, "woff2": false, "embedded-opentype": false, "svg": false, "collection": false} {
		if Formats(hint) != want {
			t.Errorf("Formats(%q) = %v", hint, !want)
		}
	}
}

func FuzzAddFace(f *testing.F) {
	f.Add(gomono.TTF[:2000])
	f.Add([]byte("\x00\x01\x00\x00\x00\x01head"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := NewSet()
		if s.AddFace("f", [2]int{400, 400}, false, "f", b) == nil {
			ft := s.Get(Key{Family: "f", Weight: 400})
			ft.Width("Hello, wörld", 16)
			ft.Metrics(16)
			ft.Face(16)
		}
	})
}
