package packet

import (
	"strings"
	"testing"
)

func TestPoolRecyclesAndNumbers(t *testing.T) {
	var p Pool
	a := p.Get(100)
	b := p.Get(3000)
	c := p.Get(70000)
	if a.ID != 1 || b.ID != 2 || c.ID != 3 || p.Issued() != 3 || p.Live() != 3 {
		t.Fatalf("ids %d %d %d, issued %d, live %d", a.ID, b.ID, c.ID, p.Issued(), p.Live())
	}
	if len(a.Data) != 100 || cap(a.buf) != SmallSize || cap(b.buf) != LargeSize || len(c.Data) != 70000 {
		t.Fatal("wrong buffer sizes")
	}
	p.Put(a)
	p.Put(b)
	p.Put(c)
	if p.Live() != 0 {
		t.Fatalf("live %d after returning everything", p.Live())
	}
	// Buffers come back; IDs never repeat.
	a2, b2 := p.Get(50), p.Get(2000+SmallSize)
	if a2 != a || b2 != b || a2.ID != 4 || b2.ID != 5 {
		t.Fatalf("pool did not recycle: %p %p ids %d %d", a2, b2, a2.ID, b2.ID)
	}
	d := p.Clone(a2)
	if d.ID != 6 || len(d.Data) != 50 || &d.Data[0] == &a2.Data[0] {
		t.Fatal("clone shares the buffer or the ID")
	}
}

func TestGetDoesNotAllocateWhenWarm(t *testing.T) {
	var p Pool
	p.Put(p.Get(1500))
	if n := testing.AllocsPerRun(100, func() { p.Put(p.Get(1500)) }); n != 0 {
		t.Fatalf("%v allocations per Get/Put", n)
	}
}

// mustViolate runs f and checks that it panics with an error whose message
// names the invariant.
func mustViolate(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		err, ok := r.(error)
		if !ok {
			t.Fatalf("panic %v (%T), want an error naming invariant %q", r, r, name)
		}
		want := `hops: invariant "` + name + `" violated: `
		if !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("panic %q, want it to start with %q", err.Error(), want)
		}
		t.Log(err.Error())
	}()
	f()
}

func TestInvariantPutTwice(t *testing.T) {
	var p Pool
	pk := p.Get(100)
	other := p.Get(100) // keeps live above zero: only the flag can tell
	p.Put(pk)
	if !pk.InPool() || other.InPool() {
		t.Fatal("InPool wrong")
	}
	mustViolate(t, "packet-put-twice", func() { p.Put(pk) })
	if got := p.Live(); got != 1 {
		t.Fatalf("live %d after the refused Put, want 1", got)
	}
	if p.Get(100) != pk || pk.InPool() {
		t.Fatal("a packet taken out again is not in the pool")
	}
}

func TestInvariantPutTwiceUnpooledSize(t *testing.T) {
	var p Pool
	pk := p.Get(LargeSize + 1) // not kept by the pool, still checked
	p.Get(1)
	p.Put(pk)
	mustViolate(t, "packet-put-twice", func() { p.Put(pk) })
}

func TestInvariantUseAfterPut(t *testing.T) {
	var p Pool
	pk := p.Get(100)
	p.Put(pk)
	mustViolate(t, "packet-use-after-put", func() { p.Clone(pk) })
}

func TestInvariantLiveNegative(t *testing.T) {
	var a, b Pool
	pk := a.Get(100)
	mustViolate(t, "packet-live-negative", func() { b.Put(pk) })
}

func TestPrependTrimFront(t *testing.T) {
	var p Pool
	pk := p.Get(20)
	copy(pk.Data, "0123456789abcdefghij")
	h, ok := pk.Prepend(14)
	if !ok || len(h) != 14 || len(pk.Data) != 34 || string(pk.Data[14:]) != "0123456789abcdefghij" {
		t.Fatalf("Prepend: ok %v len %d data %q", ok, len(pk.Data), pk.Data[14:])
	}
	copy(h, "ETHERNETHEADER")
	pk.TrimFront(14)
	if string(pk.Data) != "0123456789abcdefghij" {
		t.Fatalf("TrimFront: %q", pk.Data)
	}
	if _, ok := pk.Prepend(Headroom + 1); ok {
		t.Fatal("Prepend beyond the headroom succeeded")
	}
	if h, ok := pk.Prepend(Headroom); !ok || len(pk.Data) != 20+Headroom || &h[0] != &pk.buf[0] {
		t.Fatal("Prepend of the whole headroom")
	}
	p.Put(pk)
}
