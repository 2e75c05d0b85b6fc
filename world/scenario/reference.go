package scenario

import (
	"fmt"
	"strings"
)

// Reference returns the reference of the world format in Markdown,
// generated from the same struct tags that drive the decoder, so it is
// always true. `hops world --schema` prints it; docs/world-format.md is a
// checked-in copy that a test keeps in sync.
func Reference() string {
	var b strings.Builder
	b.WriteString(`# The hops world format

<!-- Generated from the struct tags in world/scenario/scenario.go by
     "hops world --schema"; do not edit. Regenerate with
     go test ./world/scenario -run TestReferenceDoc -update -->

A world (scenario) file is YAML. Every mistake is reported with its
file:line:col, all at once, with a "did you mean" hint for misspelt keys and
values. YAML anchors, aliases and merge keys (` + "`<<: *defaults`" + `) may be
used to share settings. A file may hold at most ` + formatMiB(MaxFileBytes) + `.

Values with units:

| kind | how to write it |
| --- | --- |
| rate | a number and bps, kbps, Mbps, Gbps or Tbps (also bit/s, kbit/s ...); decimal prefixes: ` + "`100Mbps`, `1.5 Gbps`" + ` |
| duration | Go syntax, spaces allowed: ` + "`5ms`, `1.5s`, `1m 30s`, `250us`" + `; a bare number is an error except 0 |
| size | B, KB, KiB, MB, MiB, GB, GiB: ` + "`64KB`" + ` (64000), ` + "`64KiB`" + ` (65536) |
| probability | a percentage: ` + "`1%`, `0.5 %`, `100%`" + `. A bare number is rejected as ambiguous (is 1 one percent or all packets?); only 0 may be written without % |
| name | letters, digits, '-', '_' and '.', starting with a letter or digit, at most 64 characters |

In ` + "`hops world --json`" + ` the same keys appear with the names in the JSON
column: durations in nanoseconds (` + "`_ns`" + `), rates in bits per second,
probabilities as fractions from 0 to 1; positions only with --positions.
`)
	for _, m := range metas {
		sp := specFor(m.typ)
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n", sp.meta.title, sp.meta.intro)
		b.WriteString("| key | value | required | JSON | description |\n| --- | --- | --- | --- | --- |\n")
		for i := range sp.fields {
			fs := &sp.fields[i]
			req := ""
			if fs.required {
				req = "yes"
			}
			doc := fs.doc
			if fs.def != "" {
				doc += " Default: " + fs.def + "."
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", fs.key, valueSyntax(fs), req, jsonName(sp, fs), mdEscape(doc))
		}
	}
	return b.String()
}

// valueSyntax describes how a key's value is written.
func valueSyntax(fs *fieldSpec) string {
	if fs.value != "" {
		return fs.value
	}
	switch fs.unit {
	case "bitrate":
		return "rate"
	case "int":
		if fs.hasMin && fs.hasMax {
			return fmt.Sprintf("integer %d..%d", fs.min, fs.max)
		}
		return "integer"
	case "enum":
		values := fs.enumValues()
		if len(values) == 0 {
			return "none defined yet"
		}
		return "one of " + strings.Join(values, ", ")
	case "list":
		return "list of mappings"
	case "bool":
		return "true or false"
	}
	return fs.unit
}

// jsonName is the key's name in `hops world --json`, with the names of
// the other fields it fills ("`queue_packets`, `queue_bytes`").
func jsonName(sp *structSpec, fs *fieldSpec) string {
	var names []string
	for _, i := range append([]int{fs.index}, fs.more...) {
		tag := sp.typ.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name != "" && name != "-" {
			names = append(names, "`"+name+"`")
		}
	}
	return strings.Join(names, ", ")
}

// mdEscape keeps a table cell in one piece.
func mdEscape(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}
