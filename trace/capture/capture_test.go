package capture_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/trace/capture"
	"github.com/hopsnet/hops/wire"
)

func TestCaptureInterfacesAndDirections(t *testing.T) {
	var buf bytes.Buffer
	ifaces := []capture.Iface{{Node: "a", Iface: "eth0"}, {Node: "r", Iface: "eth0"}, {Node: "r", Iface: "eth1"}}
	c, err := capture.New(&buf, ifaces, func(n string) bool { return n != "b" })
	if err != nil {
		t.Fatal(err)
	}
	var bus trace.Bus
	bus.Subscribe(c)
	h := wire.IPv4Header{TTL: 64, Protocol: wire.ProtoUDP}
	pkt := h.AppendTo(nil, 0)
	emit := func(at sim.Time, k trace.Kind, node, iface string) {
		e := bus.Begin(at, k)
		e.Node, e.Iface, e.Data = node, iface, pkt
		bus.Emit()
	}
	emit(1000, trace.Transmit, "a", "eth0") // captured outbound on a:eth0
	emit(2000, trace.Receive, "r", "eth0")  // inbound on r:eth0
	emit(2500, trace.Forward, "r", "eth1")  // not a capture point
	emit(3000, trace.Transmit, "r", "eth1") // outbound on r:eth1
	emit(4000, trace.Receive, "b", "eth0")  // filtered out
	emit(5000, trace.Receive, "a", "lo")    // new interface, added on first use
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if c.Packets() != 4 {
		t.Fatalf("%d packets written, want 4", c.Packets())
	}
	r, err := pcapgo.NewNgReader(&buf, pcapgo.NgReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		_, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		intf, err := r.Interface(ci.InterfaceIndex)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, intf.Name+"@"+sim.Time(ci.Timestamp.UnixNano()).String())
	}
	want := []string{"a:eth0@0.000001000s", "r:eth0@0.000002000s", "r:eth1@0.000003000s", "a:lo@0.000005000s"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if n := r.NInterfaces(); n != 4 {
		t.Fatalf("%d interfaces declared, want 4", n)
	}
}
