package layers

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*/want.txt from the checker's output")

// TestRules checks every package of the module, as `go list` finds them,
// against the layer table.
func TestRules(t *testing.T) {
	root, pkgs, err := List(".")
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	found := map[string]bool{}
	for _, p := range pkgs {
		files += len(p.Files) + len(p.TestFiles)
		found[p.Path] = true
	}
	for _, p := range []string{"sim", "wire", "packet", "trace", "link", "node", "world", "cmd/hops", "internal/layers"} {
		if !found[Module+"/"+p] {
			t.Errorf("go list did not report %s", p)
		}
	}
	t.Logf("checked %d packages, %d files", len(pkgs), files)
	for _, v := range Check(Module, root, pkgs) {
		t.Error(v)
	}
}

// TestFixtures runs the checker on each fake module in testdata and
// compares what it reports with the fixture's want.txt, line for line.
// testdata/clean breaks no rule; each other fixture breaks exactly the
// rules its want.txt lists.
func TestFixtures(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "want.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 8 {
		t.Fatalf("found %d fixtures in testdata, want at least 8", len(dirs))
	}
	for _, want := range dirs {
		root := filepath.Dir(want)
		t.Run(filepath.Base(root), func(t *testing.T) {
			pkgs, err := Dir(Module, root)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range Check(Module, root, pkgs) {
				got = append(got, v.String())
			}
			if *update {
				text := strings.Join(got, "\n")
				if text != "" {
					text += "\n"
				}
				if err := os.WriteFile(want, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			b, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			wantLines := strings.FieldsFunc(string(b), func(r rune) bool { return r == '\n' })
			if strings.Join(got, "\n") != strings.Join(wantLines, "\n") {
				t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantLines, "\n"))
			}
		})
	}
}

// TestFixtureRules makes sure the fixtures, taken together, exercise every
// rule, and that the ones the issue names fail as they should.
func TestFixtureRules(t *testing.T) {
	mustHave := map[string][]string{
		"nolayer":      {"gadget/gadget.go:2:1: [layer] package gadget has no layer"},
		"gostmt":       {"node/node.go:12:2: [no-goroutine] go statement", "node/node.go:13:2: [no-goroutine]", "node/node.go:14:2: [no-goroutine]"},
		"timeafter":    {"link/link.go:9:4: [no-wall-clock] time.After in a simulation package"},
		"randintn":     {"wire/wire.go:5:24: [no-global-rand] math/rand/v2.IntN uses the global random source"},
		"randalias":    {"[no-global-rand] math/rand/v2.IntN", "[no-global-rand] math/rand.Perm", "[no-wall-clock] time.Sleep", "[no-dot-import] dot import of time"},
		"enginekernel": {"[engine-kernel] engine names sim.Kernel", "[engine-kernel] engine names sim.NewKernel", "[import-down] dns (layer dns/..., rank 40) imports node", "[import-deny] browser/loader imports http"},
		"imports":      {"[stdlib-only] sim may use only the standard library, but imports github.com/goccy/go-yaml", "[import-down] wire"},
	}
	for fixture, wants := range mustHave {
		b, err := os.ReadFile(filepath.Join("testdata", fixture, "want.txt"))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range wants {
			if !strings.Contains(string(b), w) {
				t.Errorf("testdata/%s/want.txt lacks %q", fixture, w)
			}
		}
	}
	var all strings.Builder
	for _, f := range []string{"nolayer", "gostmt", "timeafter", "randintn", "randalias", "enginekernel", "imports"} {
		b, _ := os.ReadFile(filepath.Join("testdata", f, "want.txt"))
		all.Write(b)
	}
	for _, rule := range []string{RuleLayer, RuleDown, RuleDeny, RuleStdOnly, RuleGo, RuleClock, RuleRand, RuleDotImport, RuleEngineKern} {
		if !strings.Contains(all.String(), "["+rule+"]") {
			t.Errorf("no fixture breaks rule %s", rule)
		}
	}
}

// TestLookup pins the layers of today's and tomorrow's packages.
func TestLookup(t *testing.T) {
	tests := []struct {
		rel, pattern string
		engine, sim  bool
	}{
		{"sim", "sim", false, true},
		{"seq", "seq", false, true},
		{"trace", "trace", false, true},
		{"trace/pcapng", "trace/pcapng", false, true},
		{"trace/capture", "trace/...", false, true},
		{"trace/har", "trace/...", false, true},
		{"tcp", "tcp/...", true, true},
		{"tcp/cc", "tcp/...", true, true},
		{"udp", "udp/...", true, true},
		{"dns", "dns/...", true, true},
		{"http", "http/...", true, true},
		{"routing", "routing/...", true, true},
		{"browser/layout", "browser/...", true, true},
		{"app/ping", "app/...", false, true},
		{"world", "world/...", false, true},
		{"world/scenario", "world/scenario", false, true},
		{"world/gen", "world/...", false, true},
		{"live", "live/...", false, false},
		{"web", "web/...", false, false},
		{"cmd/hops", "cmd/...", false, false},
		{"internal/layers", "internal/...", false, false},
		{"gadget", "", false, false},
		{"simulator", "", false, false},
		{".", "", false, false},
	}
	for _, tt := range tests {
		l := Lookup(tt.rel)
		switch {
		case l == nil && tt.pattern == "":
		case l == nil || l.Pattern != tt.pattern || l.Engine != tt.engine || l.Sim != tt.sim:
			t.Errorf("Lookup(%q) = %+v, want pattern %q engine %v sim %v", tt.rel, l, tt.pattern, tt.engine, tt.sim)
		}
	}
}

// TestTable checks the table itself: unique patterns, engines inside the
// simulation, and stdlib-only layers that can reach a stdlib-only layer
// below them.
func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, l := range Table {
		if seen[l.Pattern] {
			t.Errorf("pattern %s appears twice", l.Pattern)
		}
		seen[l.Pattern] = true
		if l.Pattern == "" || strings.HasPrefix(l.Pattern, "/") || strings.Contains(strings.TrimSuffix(l.Pattern, "/..."), "...") {
			t.Errorf("bad pattern %q", l.Pattern)
		}
		if l.Engine && !l.Sim {
			t.Errorf("engine %s must be a simulation package", l.Pattern)
		}
		if len(l.Deny) > 0 && l.DenyWhy == "" {
			t.Errorf("%s denies imports without saying why", l.Pattern)
		}
	}
}
