package scenario

import (
	"strings"
	"testing"
	"time"
	"fmt"
)

func TestPatho(t *testing.T) {
	laughs := "a: &a [x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := 0; i < 20; i++ {
		n := fmt.Sprintf("b%d", i)
		laughs += fmt.Sprintf("%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", "x-"+n, n, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = n
	}
	laughs += "nodes: *" + prev + "\nlinks: *" + prev + "\n"
	merge := "x-a: &m0 {name: r1}\n"
	for i := 1; i < 200; i++ {
		merge += fmt.Sprintf("x-%d: &m%d {<<: [*m%d, *m%d]}\n", i, i, i-1, i-1)
	}
	merge += "nodes: [{<<: *m199, role: router}]\n"
	var big strings.Builder
	big.WriteString("nodes:\n")
	for i := range 3000 {
		fmt.Fprintf(&big, "  - {name: n%d, role: router}\n", i)
	}
	big.WriteString("links:\n")
	for i := range 2999 {
		fmt.Fprintf(&big, "  - {a: n%d 10.%d.%d.1/30, b: n%d 10.%d.%d.2/30}\n", i, i/256, i%256, i+1, i/256, i%256)
	}
	for name, src := range map[string]string{
		"deep":   strings.Repeat("[", 5000) + strings.Repeat("]", 5000),
		"deepmap": strings.Repeat("{a: ", 3000) + strings.Repeat("}", 3000),
		"laughs": laughs,
		"merge":  merge,
		"big":    big.String(),
	} {
		start := time.Now()
		_, err := Parse("p", []byte(src))
		msg := fmt.Sprint(err)
		if len(msg) > 200 { msg = msg[:200] }
		t.Logf("%s: %v %s", name, time.Since(start), msg)
	}
}
