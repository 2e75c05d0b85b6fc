package gen_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hopsnet/hops/world"
	"github.com/hopsnet/hops/world/gen"
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
