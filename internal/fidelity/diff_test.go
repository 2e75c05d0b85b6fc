package fidelity

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// maxReported bounds the differences reported for one capture or output.
const maxReported = 40

// An op is one step of an alignment: a pair of equal elements (i and j
// set), or an element of only the first (j < 0) or the second (i < 0).
type op struct{ i, j int }

// align matches a and b along a longest common subsequence.
func align(a, b []string) []op {
	n, m := len(a), len(b)
	l := make([][]int, n+1)
	for i := range l {
		l[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				l[i][j] = l[i+1][j+1] + 1
			} else {
				l[i][j] = max(l[i+1][j], l[i][j+1])
			}
		}
	}
	var ops []op
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, op{i, j})
			i++
			j++
		case j == m || (i < n && l[i+1][j] >= l[i][j+1]):
			ops = append(ops, op{i, -1})
			i++
		default:
			ops = append(ops, op{-1, j})
			j++
		}
	}
	return ops
}

// hunks turns an alignment into its differences: between two matches, a
// run of elements only in a (as) and a run only in b (bs); after is the
// index in a of the match before them (-1 at the start).
func hunks(ops []op, visit func(as, bs []int, after int)) {
	var as, bs []int
	last := -1
	flush := func() {
		if len(as) > 0 || len(bs) > 0 {
			visit(as, bs, last)
		}
		as, bs = nil, nil
	}
	for _, o := range ops {
		switch {
		case o.i >= 0 && o.j >= 0:
			flush()
			last = o.i
		case o.i >= 0:
			as = append(as, o.i)
		default:
			bs = append(bs, o.j)
		}
	}
	flush()
}

// pairs pairs the elements of a hunk: in order, by position (pair ==
// nil), or along an alignment of pair's coarser keys, so that only alike
// elements are paired. visit gets i or j as -1 for an element left alone.
func pairs(as, bs []int, pair func(int) string, pairB func(int) string, visit func(i, j int)) {
	if pair == nil {
		for k := 0; k < max(len(as), len(bs)); k++ {
			i, j := -1, -1
			if k < len(as) {
				i = as[k]
			}
			if k < len(bs) {
				j = bs[k]
			}
			visit(i, j)
		}
		return
	}
	ka, kb := make([]string, len(as)), make([]string, len(bs))
	for k, i := range as {
		ka[k] = pair(i)
	}
	for k, j := range bs {
		kb[k] = pairB(j)
	}
	for _, o := range align(ka, kb) {
		i, j := -1, -1
		if o.i >= 0 {
			i = as[o.i]
		}
		if o.j >= 0 {
			j = bs[o.j]
		}
		visit(i, j)
	}
}

// capped appends to d, stopping at maxReported with a count of the rest.
type capped struct {
	d       []string
	dropped int
}

func (c *capped) add(s string) {
	if len(c.d) < maxReported {
		c.d = append(c.d, s)
	} else {
		c.dropped++
	}
}

func (c *capped) done() []string {
	if c.dropped > 0 {
		c.d = append(c.d, fmt.Sprintf("… and %d more", c.dropped))
	}
	return c.d
}

// diffPackets compares the packets of one capture point, Linux's (l) and
// hops' (h), in order.
func diffPackets(point string, l, h []packet) []string {
	var c capped
	if len(l) != len(h) {
		c.add(fmt.Sprintf("%s: Linux captured %d packets, hops %d", point, len(l), len(h)))
	}
	kl, kh := canon(l), canon(h)
	kind := func(ps []packet) func(int) string {
		return func(i int) string { return ps[i].kind() }
	}
	hunks(align(kl, kh), func(as, bs []int, after int) {
		pairs(as, bs, kind(l), kind(h), func(i, j int) {
			switch {
			case i >= 0 && j >= 0:
				for _, f := range fieldDiffs(l[i], h[j]) {
					c.add(fmt.Sprintf("%s Linux #%d / hops #%d (%s): %s", point, l[i].index, h[j].index, l[i].summary, f))
				}
			case i >= 0:
				c.add(fmt.Sprintf("%s Linux #%d: only in Linux: %s", point, l[i].index, l[i].summary))
				after = i
			default:
				where := "at the start"
				if after >= 0 {
					where = fmt.Sprintf("after Linux #%d", l[after].index)
				}
				c.add(fmt.Sprintf("%s hops #%d: only in hops (%s): %s", point, h[j].index, where, h[j].summary))
			}
			if i >= 0 && j >= 0 {
				after = i
			}
		})
	})
	return c.done()
}

// kind is what a packet is, coarsely: packets of one kind are paired for
// a field-by-field comparison, others are reported as missing.
func (p packet) kind() string {
	return fmt.Sprintf("%s>%s %d icmp %d/%d fragment %v", p.src, p.dst, p.proto, p.icmpType, p.icmpCode, p.fragment)
}

// fieldDiffs lists the fields in which a (Linux) and b (hops) differ.
func fieldDiffs(a, b packet) []string {
	bf := map[string]field{}
	for _, f := range b.fields {
		bf[f.name] = f
	}
	seen := map[string]bool{}
	var d []string
	for _, fa := range a.fields {
		seen[fa.name] = true
		fb, ok := bf[fa.name]
		switch {
		case !ok:
			d = append(d, fmt.Sprintf("%s: Linux %s, hops has none", fa.name, fa.value))
		case fa.value != fb.value:
			d = append(d, fmt.Sprintf("%s: Linux %s, hops %s%s", fa.name, fa.value, fb.value, bytesDiff(fa.data, fb.data)))
		}
	}
	for _, fb := range b.fields {
		if !seen[fb.name] {
			d = append(d, fmt.Sprintf("%s: Linux has none, hops %s", fb.name, fb.value))
		}
	}
	return d
}

// bytesDiff says where two runs of bytes first differ.
func bytesDiff(a, b []byte) string {
	if a == nil || b == nil || bytes.Equal(a, b) {
		return ""
	}
	k := 0
	for k < len(a) && k < len(b) && a[k] == b[k] {
		k++
	}
	show := func(x []byte) string {
		if k >= len(x) {
			return "(end)"
		}
		end := min(len(x), k+8)
		s := fmt.Sprintf("% x", x[k:end])
		if end < len(x) {
			s += " …"
		}
		return s
	}
	return fmt.Sprintf(" (first difference at byte %d: Linux %s, hops %s)", k, show(a), show(b))
}

// lines splits output into lines; a trailing empty line (an output that
// ends in "\n\n") is kept.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// diffLines compares two outputs line by line.
func diffLines(name, linux, hops string) []string {
	var c capped
	a, b := lines(linux), lines(hops)
	hunks(align(a, b), func(as, bs []int, after int) {
		pairs(as, bs, nil, nil, func(i, j int) {
			switch {
			case i >= 0 && j >= 0:
				c.add(fmt.Sprintf("%s line %d: Linux %q, hops %q", name, i+1, a[i], b[j]))
			case i >= 0:
				c.add(fmt.Sprintf("%s line %d: only in Linux: %q", name, i+1, a[i]))
			default:
				c.add(fmt.Sprintf("%s: only in hops, after Linux line %d: %q", name, after+1, b[j]))
			}
		})
	})
	return c.done()
}

var (
	rttLine = regexp.MustCompile(`= [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms`)
	aTime   = regexp.MustCompile(`\b[0-9]+(\.[0-9]+)?( ?)ms\b`)
)

// maskTimes hides the times in ping's and traceroute's output (allowance
// "times"): "time=0.401 ms", "0.748 ms", "time 408ms", "rtt … = a/b/c/d ms".
func maskTimes(s string) string {
	s = rttLine.ReplaceAllString(s, "= T/T/T/T ms")
	return aTime.ReplaceAllString(s, "T${2}ms")
}
