package world

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/hopsnet/hops/node"
)

// TestAggregate: routes written "prefix>hop:metric" go in, the merged
// ones come out (in any order).
func TestAggregate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		taken string // a prefix that must not be made
		want  string
	}{
		{"halves", "10.0.0.0/30>a:5 10.0.0.4/30>a:3", "", "10.0.0.0/29>a:3"},
		{"other hop", "10.0.0.0/30>a:1 10.0.0.4/30>b:1", "", "10.0.0.0/30>a:1 10.0.0.4/30>b:1"},
		{"four", "10.0.0.0/30>a:1 10.0.0.4/30>a:1 10.0.0.8/30>a:1 10.0.0.12/30>a:1", "", "10.0.0.0/28>a:1"},
		{"three", "10.0.0.0/30>a:1 10.0.0.4/30>a:2 10.0.0.8/30>a:3", "", "10.0.0.0/29>a:1 10.0.0.8/30>a:3"},
		{"not siblings", "10.0.0.4/30>a:1 10.0.0.8/30>a:1", "", "10.0.0.4/30>a:1 10.0.0.8/30>a:1"},
		{"a hole", "10.0.0.0/30>a:1 10.0.0.8/30>a:1 10.0.0.12/30>a:1", "", "10.0.0.0/30>a:1 10.0.0.8/29>a:1"},
		{"parent alike", "10.0.0.0/29>a:9 10.0.0.0/30>a:1 10.0.0.4/30>a:1", "", "10.0.0.0/29>a:9"},
		{"parent differs", "10.0.0.0/29>b:9 10.0.0.0/30>a:1 10.0.0.4/30>a:1", "", "10.0.0.0/29>b:9 10.0.0.0/30>a:1 10.0.0.4/30>a:1"},
		{"connected parent", "10.0.0.0/30>a:1 10.0.0.4/30>a:1", "10.0.0.0/29", "10.0.0.0/30>a:1 10.0.0.4/30>a:1"},
		{"exception inside", "10.0.0.0/30>a:1 10.0.0.4/30>a:1 10.0.0.8/30>a:1 10.0.0.12/31>b:1 10.0.0.14/31>a:1", "",
			"10.0.0.0/29>a:1 10.0.0.8/30>a:1 10.0.0.12/31>b:1 10.0.0.14/31>a:1"},
		{"host routes", "10.0.0.1/32>a:1 10.0.0.0/32>a:2", "", "10.0.0.0/31>a:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			taken := func(p netip.Prefix) bool { return tc.taken != "" && p == netip.MustParsePrefix(tc.taken) }
			got := formatRoutes(aggregate(parseRoutes(t, tc.in), taken))
			if want := formatRoutes(parseRoutes(t, tc.want)); got != want {
				t.Fatalf("got %s, want %s", got, want)
			}
		})
	}
}

// hops gives the next hops of the tests' routes by letter.
var hops = map[string]netip.Addr{"a": netip.MustParseAddr("10.9.0.1"), "b": netip.MustParseAddr("10.9.0.5")}

func parseRoutes(t *testing.T, s string) []node.Route {
	var out []node.Route
	for _, f := range strings.Fields(s) {
		p, rest, _ := strings.Cut(f, ">")
		h, m, _ := strings.Cut(rest, ":")
		r := node.Route{Prefix: netip.MustParsePrefix(p), NextHop: hops[h]}
		for _, c := range m {
			r.Metric = r.Metric*10 + int(c-'0')
		}
		if h == "b" {
			r.Iface = 1
		}
		out = append(out, r)
	}
	return out
}

func formatRoutes(rs []node.Route) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.String())
	}
	slices.Sort(out)
	return strings.Join(out, " | ")
}
