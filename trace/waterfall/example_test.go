package waterfall_test

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/hopsnet/hops/trace/waterfall"
)

func Example() {
	ms := time.Millisecond
	page := waterfall.Chart{
		Title: "www.example.com over HTTP/1.1",
		Requests: []waterfall.Request{
			{Label: "GET /", Status: 200, Size: 14230, Start: 0,
				Blocked: 1 * ms, DNS: 24 * ms, Connect: 48 * ms, Send: 0, Wait: 52 * ms, Receive: 31 * ms, ConnID: 1},
			{Label: "GET /style.css", Status: 200, Size: 8120, Start: 160 * ms,
				Blocked: 1 * ms, DNS: -1, Connect: 48 * ms, Send: 0, Wait: 50 * ms, Receive: 12 * ms, ConnID: 2},
			{Label: "GET /logo.svg", Status: 200, Size: 1890, Start: 165 * ms, Cached: true},
		},
		Marks: []waterfall.Mark{{Label: "DOMContentLoaded", At: 230 * ms}, {Label: "load", At: 280 * ms}},
	}

	var svg strings.Builder
	if err := waterfall.SVG(&svg, page); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Count(svg.String(), `<rect class="bar `), "phase bars")

	img, err := waterfall.PNG(page)
	if err != nil {
		fmt.Println(err)
		return
	}
	var file bytes.Buffer
	if err := png.Encode(&file, img); err != nil { // e.g. to os.Create("waterfall.png")
		fmt.Println(err)
		return
	}
	fmt.Println("PNG", img.Bounds().Dx(), "pixels wide")

	_, err = waterfall.PNG(waterfall.Chart{Title: "nothing loaded"})
	fmt.Println(err)
	// Output:
	// 11 phase bars
	// PNG 1116 pixels wide
	// waterfall: invalid chart: no requests to draw
}
