package tcp

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/hopsnet/hops/seq"
)

// The send buffer grows as it fills, whatever the ring's wrap, and its
// views always show the bytes written, in order; it never allocates
// beyond its capacity plus the mirror.
func TestSendBufGrows(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, capacity := range []int{1000, 4096, 5000, 64 << 10, 200000} {
		b := newSendBuf(capacity, 1460)
		var model []byte
		next := byte(0)
		for step := 0; step < 3000; step++ {
			if r.IntN(3) > 0 {
				p := make([]byte, r.IntN(3000))
				for i := range p {
					p[i] = next
					next++
				}
				k := b.write(p)
				if want := min(len(p), capacity-len(model)); k != want {
					t.Fatalf("cap %d: wrote %d of %d, want %d", capacity, k, len(p), want)
				}
				model = append(model, p[:k]...)
			} else if len(model) > 0 {
				k := r.IntN(len(model) + 1)
				b.consume(k)
				model = model[k:]
			}
			if b.n != len(model) || len(b.buf) > capacity+min(1460, capacity) {
				t.Fatalf("cap %d: holds %d (model %d), %d allocated", capacity, b.n, len(model), len(b.buf))
			}
			if len(model) > 0 {
				off := r.IntN(len(model))
				n := min(len(model)-off, b.mirror)
				if got := b.view(off, n); !bytes.Equal(got, model[off:off+n]) {
					t.Fatalf("cap %d step %d: view(%d, %d) differs", capacity, step, off, n)
				}
			}
		}
	}
}

// The receive buffer grows as in-order and out-of-order bytes arrive,
// keeps both across the growth, and advertises its whole capacity from
// the start.
func TestRecvBufGrows(t *testing.T) {
	const capacity = 100000
	b := newRecvBuf(capacity)
	b.nxt = seq.Value(1000)
	if b.free() != capacity || len(b.buf) != 0 {
		t.Fatalf("free %d, %d allocated", b.free(), len(b.buf))
	}
	data := make([]byte, 60000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	// A hole at the start: bytes 30000-40000 first (out of order), then
	// 10-20000, then 0-10 fills the hole.
	if _, ok := b.write(seq.Value(1000+30000), data[30000:40000]); !ok {
		t.Fatal("out-of-order write refused")
	}
	if len(b.buf) < 40000 {
		t.Fatalf("%d allocated for bytes up to 40000 past the next", len(b.buf))
	}
	b.write(seq.Value(1000+10), data[10:20000])
	b.write(seq.Value(1000+20000), data[20000:30000])
	if adv, _ := b.write(seq.Value(1000), data[:10]); adv != 40000 {
		t.Fatalf("the in-order run grew by %d, want 40000", adv)
	}
	got := make([]byte, 70000)
	if n := b.read(got); n != 40000 || !bytes.Equal(got[:n], data[:40000]) {
		t.Fatalf("read %d bytes, equal %v", n, bytes.Equal(got[:n], data[:n]))
	}
	if b.read(got) != 0 || b.free() != capacity {
		t.Fatal("not empty after reading everything")
	}
}

// With autotuning, the SYN offers the window scale the largest buffer
// needs (6 MiB: 7, as Linux with tcp_rmem's maximum), while the buffer
// starts small; without, the scale follows the fixed buffer.
func TestAutotuneWindowScale(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want uint8
	}{
		{Config{RecvBufSize: 128 << 10, RecvBufMax: 6 << 20}, 7},
		{Config{RecvBufSize: 128 << 10}, 2},
	} {
		c := Dial(tc.cfg, 0)
		segs := c.AppendOutput(nil, 0)
		if len(segs) != 1 || !segs[0].Options.HasWindowScale || segs[0].Options.WindowScale != tc.want {
			t.Errorf("%+v: SYN %v, want window scale %d", tc.cfg, segs, tc.want)
		}
		if c.rcv.capacity != tc.cfg.RecvBufSize {
			t.Errorf("%+v: buffer starts at %d", tc.cfg, c.rcv.capacity)
		}
	}
}
