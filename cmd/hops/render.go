package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hopsnet/hops/browser/dom"
	"github.com/hopsnet/hops/browser/fetch"
	"github.com/hopsnet/hops/browser/page"
	"github.com/spf13/cobra"
)

func newRenderCmd(g *globals) *cobra.Command {
	var width, height int
	var pngOut, boxesOut string
	var showDOM, showCSSOM, showTree bool
	cmd := &cobra.Command{
		Use:   "render FILE",
		Short: "Render a file: DOM, CSSOM, render tree, layout, pixels",
		Long: `render loads FILE.html and the style sheets, scripts and images (PNG, JPEG,
GIF) it refers to from its folder, builds the DOM, the CSSOM and the render
tree, lays the page out in a viewport (800x600 by default) and prints the
loading events. Scripts are fetched and recorded, never executed. --png
paints the viewport, --boxes writes every element's border box and every
text line's rectangle as JSON (CSS px).

Other files are shown by their type (from the name, else sniffed), as a
browser shows what it navigates to: an image centred on a dark background
(scaled down to fit), JSON pretty-printed and XML as an indented tree, CSS,
JavaScript and text as plain preformatted text.`,
		Example: `  hops render page.html --png page.png
  hops render page.html --boxes boxes.json --render-tree
  hops render photo.jpg --png view.png
  hops render data.json --png data.png`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if width <= 0 || height <= 0 || width > 16384 || height > 16384 {
				return usageError{fmt.Errorf("render: --width and --height must be 1 to 16384")}
			}
			src, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			f := fetch.FS{FS: os.DirFS(filepath.Dir(args[0]))}
			// The type comes from the name (sniffed from the bytes when
			// the name says nothing): HTML renders; an image, JSON, XML,
			// CSS, JavaScript or text shows in a viewer document.
			p, err := page.LoadContent(src, fetch.TypeByName(args[0]), args[0], f, page.Options{Width: width, Height: height})
			if err != nil {
				return fmt.Errorf("render %s: %w", args[0], err)
			}
			out := g.stdout
			for _, e := range p.Events {
				fmt.Fprintln(out, e)
			}
			if showDOM {
				fmt.Fprintln(out, "\nDOM:")
				dom.Dump(out, p.Doc.Root)
			}
			if showCSSOM {
				fmt.Fprintln(out, "\nCSSOM:")
				p.Styles.Dump(out)
			}
			if showTree {
				fmt.Fprintln(out, "\nRender tree:")
				p.Tree.Dump(out)
			}
			if boxesOut != "" {
				b, err := json.MarshalIndent(p.Boxes(), "", " ")
				if err != nil {
					return err
				}
				if err := os.WriteFile(boxesOut, append(b, '\n'), 0o644); err != nil {
					return err
				}
				fmt.Fprintf(out, "wrote %s\n", boxesOut)
			}
			if pngOut != "" {
				var buf bytes.Buffer
				if err := p.WritePNG(&buf); err != nil {
					return err
				}
				if err := os.WriteFile(pngOut, buf.Bytes(), 0o644); err != nil {
					return err
				}
				fmt.Fprintf(out, "wrote %s (%dx%d)\n", pngOut, width, height)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&width, "width", 800, "viewport width in CSS `px`")
	fl.IntVar(&height, "height", 600, "viewport height in CSS `px`")
	fl.StringVar(&pngOut, "png", "", "paint the viewport to `FILE` (PNG)")
	fl.StringVar(&boxesOut, "boxes", "", "write the layout as JSON to `FILE`")
	fl.BoolVar(&showDOM, "dom", false, "print the DOM tree")
	fl.BoolVar(&showCSSOM, "cssom", false, "print the style sheets with selector specificities")
	fl.BoolVar(&showTree, "render-tree", false, "print the render tree with border boxes and computed styles")
	return cmd
}
