package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runRender(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	g := &globals{stdout: &out, stderr: &errb}
	cmd := newRenderCmd(g)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("render %v: %v\n%s", args, err, errb.String())
	}
	return out.String()
}

func TestRenderCommand(t *testing.T) {
	dir := t.TempDir()
	boxes := filepath.Join(dir, "b.json")
	pngf := filepath.Join(dir, "p.png")
	out := runRender(t, "testdata/render/basic.html", "--boxes", boxes, "--png", pngf, "--render-tree", "--cssom", "--dom")
	for _, want := range []string{"parsing started", "resource discovered: stylesheet basic.css", "DOM complete", "resource loaded: stylesheet basic.css", "Render tree:", "CSSOM:", "wrote "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(boxes)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		ScrollHeight float64 `json:"scroll_height"`
		Elements     []struct {
			Path   string
			HasBox bool `json:"has_box"`
			Y      float64
		}
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if v.ScrollHeight != 600 {
		t.Errorf("scroll_height %v", v.ScrollHeight)
	}
	found := false
	for _, e := range v.Elements {
		if e.Path == "html>body>h1[1]" {
			found = true
			if e.Y != 21.44 {
				t.Errorf("h1 y = %v, want 21.44", e.Y)
			}
		}
	}
	if !found {
		t.Errorf("no h1 in %s", b)
	}
	if st, err := os.Stat(pngf); err != nil || st.Size() == 0 {
		t.Errorf("png: %v", err)
	}
}
