package node

import (
	"net/netip"
	"testing"
)

// TestRouteTableLazy: a lazy table is built by its fill function on first
// use, whatever the use, once; Invalidate drops the routes and the next
// use builds them again; Clear forgets the fill function, and Invalidate
// leaves an ordinary table alone.
func TestRouteTableLazy(t *testing.T) {
	pfx := netip.MustParsePrefix
	addr := netip.MustParseAddr
	for _, tc := range []struct {
		name string
		use  func(t *RouteTable) int // returns how many routes it sees
	}{
		{"Lookup", func(t *RouteTable) int {
			if _, ok := t.Lookup(addr("10.1.2.3")); ok {
				return 1
			}
			return 0
		}},
		{"Routes", func(t *RouteTable) int { return len(t.Routes()) }},
		{"Len", func(t *RouteTable) int { return t.Len() }},
		{"Insert", func(t *RouteTable) int {
			t.Insert(Route{Prefix: pfx("172.16.0.0/12")})
			return t.Len() - 1
		}},
		{"Remove", func(t *RouteTable) int {
			if t.Remove(pfx("10.0.0.0/8")) {
				return 1
			}
			return 0
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fills := 0
			var rt RouteTable
			rt.SetFill(func(t *RouteTable) {
				fills++
				t.Insert(Route{Prefix: pfx("10.0.0.0/8"), Metric: fills})
			})
			if rt.Built() || fills != 0 {
				t.Fatalf("SetFill built the table (%d fills)", fills)
			}
			if got := tc.use(&rt); got != 1 || fills != 1 || !rt.Built() {
				t.Fatalf("first use saw %d routes after %d fills, want 1 after 1", got, fills)
			}
			tc.use(&rt)
			if fills != 1 {
				t.Fatalf("%d fills after two uses, want 1", fills)
			}
			rt.Invalidate()
			if rt.Built() || fills != 1 {
				t.Fatal("Invalidate built the table")
			}
			if r, ok := rt.Lookup(addr("10.9.9.9")); !ok || r.Metric != 2 || fills != 2 {
				t.Fatalf("after Invalidate: %v %v after %d fills", r, ok, fills)
			}
			rt.Clear()
			if _, ok := rt.Lookup(addr("10.9.9.9")); ok || fills != 2 {
				t.Fatalf("Clear kept the fill function (%d fills)", fills)
			}
			// Without a fill function, Invalidate keeps the routes.
			rt.Insert(Route{Prefix: pfx("10.0.0.0/8")})
			rt.Invalidate()
			if rt.Len() != 1 || fills != 2 {
				t.Fatalf("Invalidate on an ordinary table: %d routes, %d fills", rt.Len(), fills)
			}
		})
	}
}

// TestRouteTableLazyInsertFirst: a route inserted into a lazy table
// before it was used is added to the built routes, not lost to them.
func TestRouteTableLazyInsertFirst(t *testing.T) {
	var rt RouteTable
	rt.SetFill(func(t *RouteTable) { t.Insert(Route{Prefix: netip.MustParsePrefix("10.0.0.0/8")}) })
	rt.Insert(Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Metric: 7})
	if got := rt.Routes(); len(got) != 2 || got[0].Metric != 7 {
		t.Fatalf("routes %v, want the default and 10.0.0.0/8", got)
	}
}

// TestRouteTableLazyLookupAllocs: once built, a lazy table's lookup
// allocates nothing.
func TestRouteTableLazyLookupAllocs(t *testing.T) {
	var rt RouteTable
	rt.SetFill(func(t *RouteTable) { t.Insert(Route{Prefix: netip.MustParsePrefix("10.0.0.0/8")}) })
	dst := netip.MustParseAddr("10.1.1.1")
	rt.Lookup(dst)
	if a := testing.AllocsPerRun(100, func() { rt.Lookup(dst) }); a != 0 {
		t.Fatalf("%v allocs per lookup", a)
	}
}
