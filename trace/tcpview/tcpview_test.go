package tcpview

import (
	"slices"
	"testing"
)

func TestUnwrap(t *testing.T) {
	for _, c := range []struct {
		seq, base  uint32
		prev, want int64
	}{
		{1001, 1000, 0, 1},
		{1000 + 5000, 1000, 4000, 5000},
		{5, 1<<32 - 10, 1, 15},                    // the sequence number wrapped, the position did not
		{1000, 1000, 1 << 32, 1 << 32},            // 4 GiB further on
		{999, 1000, 1<<32 + 100, 1<<32 - 1},       // just before that
		{1000 + 10, 1000, 1<<32 - 20, 1<<32 + 10}, // across 4 GiB
	} {
		if got := unwrap(c.seq, c.base, c.prev); got != c.want {
			t.Errorf("unwrap(%d, %d, %d) = %d, want %d", c.seq, c.base, c.prev, got, c.want)
		}
	}
}

func TestAddBlock(t *testing.T) {
	var bs []Block
	for _, b := range []Block{{10, 20}, {30, 40}, {50, 60}, {20, 25}, {0, 5}, {24, 31}} {
		bs = addBlock(bs, b)
	}
	want := []Block{{0, 5}, {10, 40}, {50, 60}}
	if !slices.Equal(bs, want) {
		t.Errorf("blocks %v, want %v", bs, want)
	}
}

func TestPlural(t *testing.T) {
	if plural(1, "hole") != "1 hole" || plural(3, "duplicate ACK") != "3 duplicate ACKs" {
		t.Error(plural(1, "hole"), plural(3, "duplicate ACK"))
	}
}
