package css

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	s, err := Parse([]byte(`/* c */ h1, .a > p { color: red; margin: 0 auto !important }
@media print { p { color: blue } }
#x p.y:first-child { font-size: 2em }
p::before { content: "x" }
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Rules) != 2 {
		var b strings.Builder
		s.Dump(&b)
		t.Fatalf("got %d rules:\n%s", len(s.Rules), b.String())
	}
	r := s.Rules[0]
	if len(r.Selectors) != 2 || r.Selectors[0].Text != "h1" || r.Selectors[1].Text != ".a>p" {
		t.Errorf("selectors %+v", r.Selectors)
	}
	if r.Selectors[1].Specificity != [3]int{0, 1, 1} {
		t.Errorf(".a>p specificity %v", r.Selectors[1].Specificity)
	}
	if d := r.Declarations[1]; d.Property != "margin" || !d.Important || d.ValueString() != "0 auto" {
		t.Errorf("margin decl %+v %q", d, d.ValueString())
	}
	if sp := s.Rules[1].Selectors[0].Specificity; sp != [3]int{1, 2, 1} {
		t.Errorf("#x p.y:first-child specificity %v", sp)
	}
}

func TestParseDeclarations(t *testing.T) {
	ds := ParseDeclarations([]byte("color: green; ; width:50% !important; bogus"))
	if len(ds) != 2 || ds[1].Property != "width" || !ds[1].Important || ds[1].ValueString() != "50%" {
		t.Fatalf("%+v", ds)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"p{color:red}", "a,b>c{x:y!important}", "@media x{p{}}", "}{;;:", "p::after{}", `[a="}"]{b:c}`, "h1{margin:1em 0.5em auto -3px}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err == nil {
			s.Dump(&strings.Builder{})
		}
		ParseDeclarations(b)
	})
}
