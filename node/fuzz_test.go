package node_test

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/hopsnet/hops/wire"
)

// FuzzNodeInput feeds arbitrary bytes to a router's interface and to a
// host's, as if they had arrived from the link: nothing may panic, and
// every packet taken from the pool must come back. The input is split at
// every "\xff\xfe" into several packets, so that sequences of fragments
// (consistent or not) reach the reassembler.
func FuzzNodeInput(f *testing.F) {
	a, b := netip.MustParseAddr("10.0.1.2"), netip.MustParseAddr("10.0.2.2")
	udp := wire.AppendUDP(nil, a, b, 1000, 9, []byte("hello"))
	h := wire.IPv4Header{TTL: 64, Protocol: wire.ProtoUDP, Src: a, Dst: b}
	f.Add(append(h.AppendTo(nil, len(udp)), udp...))
	echo := (&wire.ICMPMessage{Type: wire.ICMPEchoRequest, ID: 1, Seq: 1, Data: []byte("x")}).AppendTo(nil)
	h = wire.IPv4Header{TTL: 1, Protocol: wire.ProtoICMP, Src: a, Dst: b}
	f.Add(append(h.AppendTo(nil, len(echo)), echo...))
	h = wire.IPv4Header{TTL: 9, Protocol: wire.ProtoICMP, Src: a, Dst: b, MoreFragments: true, Options: []byte{0x94, 4, 0, 0}}
	f.Add(append(h.AppendTo(nil, 16), make([]byte, 16)...))
	f.Add([]byte{0x45})
	// The fragments that once crashed reassembly: offset 0 (16 bytes, MF),
	// offset 16 (8 bytes, MF), then a last fragment ending at 8.
	var seq []byte
	for i, fr := range []struct {
		off, n int
		mf     bool
	}{{0, 16, true}, {16, 8, true}, {8, 0, false}} {
		h := wire.IPv4Header{ID: 5, FragOffset: fr.off, MoreFragments: fr.mf, TTL: 64, Protocol: wire.ProtoUDP, Src: a, Dst: b}
		if i > 0 {
			seq = append(seq, 0xff, 0xfe)
		}
		seq = append(append(seq, h.AppendTo(nil, fr.n)...), make([]byte, fr.n)...)
	}
	f.Add(seq)
	f.Fuzz(func(t *testing.T, data []byte) {
		w := build(t, chain)
		for _, pkt := range bytes.Split(data, []byte{0xff, 0xfe}) {
			for _, target := range []string{"r1", "b"} {
				in := w.Node(target).Ifaces()[0]
				p := w.Pool.Get(len(pkt))
				copy(p.Data, pkt)
				in.Receive(w.Kernel.Now(), p)
			}
		}
		w.Kernel.Run()
		if w.Pool.Live() != 0 {
			t.Fatalf("%d packets leaked", w.Pool.Live())
		}
	})
}
