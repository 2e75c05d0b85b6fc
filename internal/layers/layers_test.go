// Package layers holds the test that enforces hops' import rules (see
// ARCHITECTURE.md): imports point downward only.
package layers

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/hopsnet/hops"

// deps lists the packages pkg depends on, transitively.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", module+"/"+pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// isStd reports whether an import path is in the standard library (no dot
// in its first element).
func isStd(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

func TestImportRules(t *testing.T) {
	tests := []struct {
		pkg     string
		allowed []string // project packages it may depend on; anything else of ours fails
		stdOnly bool     // and no third-party module at all
	}{
		{"sim", nil, true},
		{"wire", nil, true},
		{"packet", nil, true},
		{"trace", []string{"sim", "wire"}, true},
		{"trace/pcapng", nil, true},
		{"link", []string{"sim", "packet", "trace", "wire"}, true},
		{"node", []string{"sim", "packet", "trace", "wire", "link"}, true},
		{"app/ping", []string{"sim", "packet", "trace", "wire", "link", "node"}, true},
		{"app/traceroute", []string{"sim", "packet", "trace", "wire", "link", "node"}, true},
	}
	for _, tt := range tests {
		for _, d := range deps(t, tt.pkg) {
			if d == module+"/"+tt.pkg {
				continue
			}
			if rel, ours := strings.CutPrefix(d, module+"/"); ours {
				ok := false
				for _, a := range tt.allowed {
					ok = ok || rel == a
				}
				if !ok {
					t.Errorf("%s imports %s, which is not below it", tt.pkg, rel)
				}
				continue
			}
			if tt.stdOnly && !isStd(d) {
				t.Errorf("%s depends on third-party %s; it may use only the standard library", tt.pkg, d)
			}
		}
	}
}

// TestNoWallClockOrGoroutines checks the simulation packages for the
// things that break determinism: wall-clock reads, the global random
// source, goroutines.
func TestNoWallClockOrGoroutines(t *testing.T) {
	pkgs := []string{"sim", "wire", "packet", "trace", "link", "node", "app/ping", "app/traceroute", "world"}
	banned := []string{"time.Now(", "time.Since(", "time.Sleep(", "go func", "math/rand\"", "rand.Seed("}
	for _, p := range pkgs {
		out, err := exec.Command("go", "list", "-f", `{{range .GoFiles}}{{$.Dir}}/{{.}} {{end}}`, module+"/"+p).Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range strings.Fields(string(out)) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, bad := range banned {
				if strings.Contains(string(b), bad) {
					t.Errorf("%s contains %q", f, bad)
				}
			}
		}
	}
}
