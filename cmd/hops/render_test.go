package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
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

// TestRenderContentTypes renders an image, JSON, XML, CSS and a page with
// an image and scripts: each shown by its type.
func TestRenderContentTypes(t *testing.T) {
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"pic.png":    buf.String(),
		"data.json":  `{"a":[1,2,{"b":null}],"c":"d"}`,
		"feed.xml":   `<?xml version="1.0"?><feed><entry id="1"><title>Hi</title></entry></feed>`,
		"style.css":  "body { color: red }",
		"app.js":     "alert(1)",
		"index.html": `<p>x <img src="pic.png" width="80"> <img src="gone.png" alt="gone"></p><script src="app.js"></script><script>var y</script>`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	boxes := func(name string) map[string][4]float64 {
		t.Helper()
		bf := filepath.Join(dir, name+".boxes.json")
		out := runRender(t, filepath.Join(dir, name), "--boxes", bf, "--png", filepath.Join(dir, name+".out.png"))
		_ = out
		b, err := os.ReadFile(bf)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Elements []struct {
				Path       string
				X, Y, W, H float64
			}
		}
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		m := map[string][4]float64{}
		for _, e := range v.Elements {
			m[e.Path] = [4]float64{e.X, e.Y, e.W, e.H}
		}
		return m
	}
	// The image viewer centres the image in the 800x600 viewport.
	if got := boxes("pic.png")["html>body>img[1]"]; got != [4]float64{380, 290, 40, 20} {
		t.Errorf("image viewer: img at %v, want centred (380,290 40x20)", got)
	}
	// A page's image: width 80 from the attribute, height 40 from the ratio.
	if got := boxes("index.html")["html>body>p[1]>img[1]"]; got[2] != 80 || got[3] != 40 {
		t.Errorf("img %v, want 80x40", got)
	}
	out := runRender(t, filepath.Join(dir, "index.html"))
	for _, want := range []string{"resource loaded: image pic.png", "resource failed: image gone.png", "script not executed: app.js", "script not executed: inline script 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("index.html output lacks %q:\n%s", want, out)
		}
	}
	for name, want := range map[string]string{
		"data.json": "application/json: shown as text",
		"feed.xml":  "application/xml: shown as text",
		"style.css": "text/css: shown as text",
		"app.js":    "text/javascript: shown as text",
		"pic.png":   "image/png: image viewer",
	} {
		if out := runRender(t, filepath.Join(dir, name), "--dom"); !strings.Contains(out, want) {
			t.Errorf("%s: output lacks %q:\n%s", name, want, out)
		}
	}
	if out := runRender(t, filepath.Join(dir, "data.json"), "--dom"); !strings.Contains(out, `\n  \"a\": [\n    1,`) {
		t.Errorf("JSON not pretty-printed:\n%s", out)
	}
	if out := runRender(t, filepath.Join(dir, "feed.xml"), "--dom"); !strings.Contains(out, `<feed>\n  <entry id=\"1\">\n    <title>\n      Hi`) {
		t.Errorf("XML not indented:\n%s", out)
	}
}
