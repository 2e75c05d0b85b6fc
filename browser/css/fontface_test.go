package css

import (
	"reflect"
	"strings"
	"testing"
)

func TestFontFace(t *testing.T) {
	normal := [2]int{400, 400}
	cases := []struct {
		name, css string
		want      []FontFace
		skipped   string // a substring of Skipped, when something is dropped
	}{
		{"url", `@font-face{font-family:"Shown";src:url(fonts/mono.ttf)}`,
			[]FontFace{{Family: "shown", Sources: []FontSource{{URL: "fonts/mono.ttf"}}, Weight: normal, Style: "normal"}}, ""},
		{"quoted url, format hints, local, in order",
			`@font-face { font-family: 'My Font'; src: local("My Font Regular"), url("a.woff2") format("woff2"), url( 'b.ttf' ) format('truetype'); }`,
			[]FontFace{{Family: "my font", Sources: []FontSource{{Local: "My Font Regular"}, {URL: "a.woff2", Format: "woff2"}, {URL: "b.ttf", Format: "truetype"}}, Weight: normal, Style: "normal"}}, ""},
		{"unquoted family of several words, weight and style", `@font-face{font-family: Go  Mono ;src:url(m.ttf);font-weight:bold;font-style:italic}`,
			[]FontFace{{Family: "go mono", Sources: []FontSource{{URL: "m.ttf"}}, Weight: [2]int{700, 700}, Style: "italic"}}, ""},
		{"weight range", `@font-face{font-family:V;src:url(v.ttf) format("truetype-variations");font-weight:700 100}`,
			[]FontFace{{Family: "v", Sources: []FontSource{{URL: "v.ttf", Format: "truetype-variations"}}, Weight: [2]int{100, 700}, Style: "normal"}}, ""},
		{"invalid weight keeps the default", `@font-face{font-family:V;src:url(v.ttf);font-weight:heavy}`,
			[]FontFace{{Family: "v", Sources: []FontSource{{URL: "v.ttf"}}, Weight: normal, Style: "normal"}}, ""},
		{"no family", `@font-face{src:url(v.ttf)}`, nil, "without font-family"},
		{"no src", `@font-face{font-family:x}`, nil, "without a src"},
		{"a list of families is no family", `@font-face{font-family:a, b;src:url(v.ttf)}`, nil, "without font-family"},
		{"inside @media: not a top-level rule", `@media screen{@font-face{font-family:x;src:url(v.ttf)}}`, nil, "@media"},
		{"rules around it still parse", `p{color:red}@font-face{font-family:x;src:url(v.ttf)}q{color:blue}`,
			[]FontFace{{Family: "x", Sources: []FontSource{{URL: "v.ttf"}}, Weight: normal, Style: "normal"}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse([]byte(c.css))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.FontFaces, c.want) {
				t.Errorf("font faces\n got %+v\nwant %+v", s.FontFaces, c.want)
			}
			sk := strings.Join(s.Skipped, "; ")
			if c.skipped != "" && !strings.Contains(sk, c.skipped) || c.skipped == "" && sk != "" {
				t.Errorf("skipped %q, want %q", sk, c.skipped)
			}
		})
	}
	s, _ := Parse([]byte(`p{color:red}@font-face{font-family:x;src:url(v.ttf)}q{color:blue}`))
	if len(s.Rules) != 2 {
		t.Errorf("%d style rules around @font-face, want 2", len(s.Rules))
	}
}

func TestFamilyNames(t *testing.T) {
	cases := []struct {
		css  string
		want []string
	}{
		{`"Shown", monospace`, []string{"shown", "monospace"}},
		{`Go Mono, 'Courier New' , serif`, []string{"go mono", "courier new", "serif"}},
		{`"a" b`, nil},
		{`12px`, nil},
	}
	for _, c := range cases {
		ds := ParseDeclarations([]byte("font-family:" + c.css))
		if len(ds) != 1 {
			t.Fatalf("%s: %d declarations", c.css, len(ds))
		}
		if got := FamilyNames(ds[0].Value); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %q, want %q", c.css, got, c.want)
		}
	}
}

func TestFontFaceLimits(t *testing.T) {
	var b strings.Builder
	for range MaxFontFaces + 5 {
		b.WriteString(`@font-face{font-family:x;src:url(a.ttf)}`)
	}
	b.WriteString(`@font-face{font-family:y;src:` + strings.Repeat("url(a.ttf),", 40) + `url(b.ttf)}`)
	s, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.FontFaces) != MaxFontFaces || !strings.Contains(strings.Join(s.Skipped, ";"), "over 64 @font-face rules") {
		t.Errorf("%d faces kept, skipped %q", len(s.FontFaces), s.Skipped)
	}
}
