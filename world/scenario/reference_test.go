package scenario

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/world-format.md from the schema")

// TestReferenceDoc keeps docs/world-format.md equal to Reference(), the
// reference generated from the struct tags. Regenerate with
// `go test ./world/scenario -run TestReferenceDoc -update`.
func TestReferenceDoc(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "world-format.md")
	got := Reference()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("%s is out of date: run go test ./world/scenario -run TestReferenceDoc -update", path)
	}
}

// TestReferenceListsEveryKey checks that the reference documents every
// key the decoder accepts, with the documentation from the tags.
func TestReferenceListsEveryKey(t *testing.T) {
	ref := Reference()
	for _, m := range metas {
		sp := specFor(m.typ)
		for _, fs := range sp.fields {
			if !strings.Contains(ref, "| `"+fs.key+"` |") {
				t.Errorf("reference lacks %s key %q", sp.meta.what, fs.key)
			}
		}
	}
	for _, want := range []string{"## nodes[].services[]", "| `services` | list of mappings |", "| `mtu` | integer 68..65535 |", "Default: 1500.", "a percentage"} {
		if !strings.Contains(ref, want) {
			t.Errorf("reference lacks %q", want)
		}
	}
}
