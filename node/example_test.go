package node_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/world"
)

// The route table picks the longest prefix that contains the address.
func ExampleRouteTable() {
	var rt node.RouteTable
	rt.Insert(node.Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Iface: 0})
	rt.Insert(node.Route{Prefix: netip.MustParsePrefix("203.0.113.0/24"), Iface: 1})
	rt.Insert(node.Route{Prefix: netip.MustParsePrefix("203.0.113.8/30"), Iface: 2})
	for _, a := range []string{"192.0.2.1", "203.0.113.77", "203.0.113.10"} {
		r, _ := rt.Lookup(netip.MustParseAddr(a))
		fmt.Println(a, "->", r.Prefix, "iface", r.Iface)
	}
	// Output:
	// 192.0.2.1 -> 0.0.0.0/0 iface 0
	// 203.0.113.77 -> 203.0.113.0/24 iface 1
	// 203.0.113.10 -> 203.0.113.8/30 iface 2
}

// An app on the node API: a UDP socket connected to a server, a reusable
// timer that sends once a second, and the ICMP errors about the socket's
// own datagrams: the first probe gets an answer, the second finds nobody
// listening (ICMP port unreachable, reported as connection refused), the
// third runs out of TTL at the second router.
func Example() {
	w, err := world.FromYAML("example.yaml", []byte(chain), 1, world.Options{})
	if err != nil {
		panic(err)
	}
	a, b := w.Node("a"), w.Node("b")
	srv, _ := b.ListenUDP(7, func(now sim.Time, d *node.Datagram) {
		fmt.Printf("%v b: %q from %v\n", now, d.Payload, d.Src.Addr())
	})
	c, _ := a.DialUDP(netip.AddrPortFrom(b.Addr(), 7), nil)
	c.OnError(func(now sim.Time, e *node.ICMPError) {
		fmt.Printf("%v a: %v\n", now, e)
	})
	sent := 0
	var tick *node.Timer
	tick = a.NewTimer(func(now sim.Time) {
		sent++
		switch sent {
		case 2:
			srv.Close()
		case 3:
			c.TTL = 2
		}
		c.Send([]byte(fmt.Sprintf("probe %d", sent)))
		if sent < 3 {
			tick.Reset(time.Second)
		}
	})
	tick.Reset(0)
	w.Kernel.Run()
	c.Close()
	fmt.Printf("open at a: %+v\n", a.Open())
	// Output:
	// 0.006006160s b: "probe 1" from 10.0.1.2
	// 1.012017248s a: connection refused from 10.0.2.2
	// 2.006008624s a: time to live exceeded from 10.0.12.2
	// open at a: {Transports:0 UDPSockets:0 TCPConns:0 TCPListeners:0 ICMPListeners:0 Timers:0}
}
