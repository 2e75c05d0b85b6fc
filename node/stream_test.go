package node_test

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// idLog records the IP ID and source port of every UDP datagram node a
// sends to port 9.
type idLog struct {
	ids   []uint16
	ports []uint16
}

func (l *idLog) Observe(e *trace.Event) {
	if e.Kind != trace.Send || e.Node != "a" {
		return
	}
	ip := wire.IPv4(e.Data)
	if ip.Protocol() != wire.ProtoUDP {
		return
	}
	u := wire.UDP(ip.Payload())
	if u.DstPort() == 9 {
		l.ids = append(l.ids, ip.ID())
		l.ports = append(l.ports, u.SrcPort())
	}
}

// runApps runs app 1 (a connected UDP socket from a to b:9, five
// datagrams, and five draws from its random stream) with or without a
// second app on the same node that sends to other hosts, draws random
// numbers, and binds sockets of its own first.
func runApps(t *testing.T, withOther bool) (*idLog, []uint64) {
	w := build(t, chain)
	a, b := w.Node("a"), w.Node("b")
	log := &idLog{}
	w.Bus.Subscribe(log)
	if _, err := b.ListenUDP(9, func(sim.Time, *node.Datagram) {}); err != nil {
		t.Fatal(err)
	}
	if withOther {
		other := a.Stream("other#1")
		for range 7 {
			other.Uint64()
		}
		s1, _ := a.DialUDP(netip.AddrPortFrom(w.Node("r2").Addr(), 7), nil)
		s2, _ := a.DialUDP(netip.AddrPortFrom(w.Node("r1").Addr(), 7), nil)
		for range 3 {
			s1.Send([]byte("elsewhere"))
			s2.Send([]byte("elsewhere"))
			a.SendICMP(b.Addr(), &wire.ICMPMessage{Type: wire.ICMPEchoRequest, ID: 7, Seq: 1}, node.SendOptions{})
		}
	}
	c, err := a.DialUDP(netip.AddrPortFrom(b.Addr(), 9), nil)
	if err != nil {
		t.Fatal(err)
	}
	mine := a.Stream("app#1")
	var draws []uint64
	for range 5 {
		draws = append(draws, mine.Uint64())
		if _, err := c.Send([]byte("mine")); err != nil {
			t.Fatal(err)
		}
	}
	w.Kernel.Run()
	return log, draws
}

func TestStreamsDoNotCouple(t *testing.T) {
	alone, drawsAlone := runApps(t, false)
	shared, drawsShared := runApps(t, true)
	if len(alone.ids) != 5 {
		t.Fatalf("saw %d datagrams, want 5", len(alone.ids))
	}
	if !slices.Equal(alone.ids, shared.ids) {
		t.Errorf("IP IDs changed when another app joined: %v alone, %v with it", alone.ids, shared.ids)
	}
	if !slices.Equal(alone.ports, shared.ports) {
		t.Errorf("source port changed when another app joined: %v alone, %v with it", alone.ports, shared.ports)
	}
	if !slices.Equal(drawsAlone, drawsShared) {
		t.Errorf("the app's random numbers changed when another app joined")
	}
	// The IDs count up per destination, from a keyed offset.
	for i := 1; i < len(alone.ids); i++ {
		if alone.ids[i] != alone.ids[i-1]+1 {
			t.Fatalf("IDs %v do not count up", alone.ids)
		}
	}
}
