package gen_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/hopsnet/hops/world"
	"github.com/hopsnet/hops/world/gen"
	"github.com/hopsnet/hops/world/scenario"
)

// TestInternet: a generated world loads, every AS's server reaches every
// other's (the oracle's routes), and the same seed gives the same file.
func TestInternet(t *testing.T) {
	c := gen.Config{Routers: 60, ASes: 8, Seed: 3}
	a, err := gen.Internet(c)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := gen.Internet(c)
	c.Seed = 4
	other, _ := gen.Internet(c)
	if !bytes.Equal(a, b) || bytes.Equal(a, other) {
		t.Fatal("the seed does not decide the world alone")
	}
	w, err := world.FromYAML("gen.yaml", a, 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(w.Nodes); got != 68 {
		t.Fatalf("%d nodes, want 60 routers and 8 servers", got)
	}
	for i := 0; i < 8; i++ {
		for j := 0; j < 8; j++ {
			src := w.Node(serverName(i))
			dst := w.Node(serverName(j)).Addr()
			if _, ok := src.Routes.Lookup(dst); !ok && i != j {
				t.Fatalf("%s has no route to %s", serverName(i), serverName(j))
			}
		}
	}
}

func serverName(i int) string { return "as" + string(rune('0'+i)) + "-server" }

func TestInternetErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  gen.Config
		want string
	}{
		{gen.Config{Routers: 5, ASes: 0}, "at least one AS"},
		{gen.Config{Routers: 2, ASes: 3}, "want at least one router per AS"},
		{gen.Config{Routers: 40000, ASes: 1}, "too many routers"},
	} {
		if _, err := gen.Internet(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
}

// TestInternetAddressesByAS: each AS's links (inside it, to its server,
// to earlier ASes) take one run of consecutive /30s, in AS order, so the
// routes towards an AS aggregate; no address is used twice.
func TestInternetAddressesByAS(t *testing.T) {
	for _, c := range []gen.Config{{Routers: 60, ASes: 8, Seed: 3}, {Routers: 300, ASes: 30, Seed: 9}, {Routers: 5, ASes: 5, Seed: 1}} {
		b, err := gen.Internet(c)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := scenario.Parse("gen.yaml", b)
		if err != nil {
			t.Fatal(err)
		}
		lastAS, prev := -1, netip.Addr{}
		for i, l := range sc.Links {
			// The AS is the later of the two ends' (the customer's, or
			// the only one inside an AS).
			as := max(asOf(t, l.A.Node), asOf(t, l.B.Node))
			base := l.A.Addr.Masked().Addr()
			if as < lastAS {
				t.Fatalf("%+v: link %d (AS %d) after AS %d's", c, i, as, lastAS)
			}
			if prev.IsValid() && base != nextBlock(prev) {
				t.Fatalf("%+v: link %d at %v, want %v", c, i, base, nextBlock(prev))
			}
			lastAS, prev = as, base
		}
	}
}

func asOf(t *testing.T, name string) int {
	var as int
	if _, err := fmt.Sscanf(name, "as%d-", &as); err != nil {
		t.Fatalf("node %q: %v", name, err)
	}
	return as
}

func nextBlock(a netip.Addr) netip.Addr {
	for i := 0; i < 4; i++ {
		a = a.Next()
	}
	return a
}
