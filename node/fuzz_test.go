package node_test

import (
	"net/netip"
	"testing"

	"github.com/hopsnet/hops/wire"
)

// FuzzNodeInput feeds arbitrary bytes to a router's interface and to a
// host's, as if they had arrived from the link: nothing may panic, and
// every packet taken from the pool must come back.
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
	f.Fuzz(func(t *testing.T, data []byte) {
		w := build(t, chain)
		for _, target := range []string{"r1", "b"} {
			in := w.Node(target).Ifaces()[0]
			p := w.Pool.Get(len(data))
			copy(p.Data, data)
			in.Receive(w.Kernel.Now(), p)
		}
		w.Kernel.Run()
		if w.Pool.Live() != 0 {
			t.Fatalf("%d packets leaked", w.Pool.Live())
		}
	})
}
