package world_test

import (
	"fmt"
	"os"

	"github.com/hopsnet/hops/app/ping"
	"github.com/hopsnet/hops/app/traceroute"
	"github.com/hopsnet/hops/world"
)

// Build the default internet and trace the route from the laptop to the
// web server.
func Example_traceroute() {
	sc, err := world.Default()
	if err != nil {
		panic(err)
	}
	w, err := world.Build(sc, 1, world.Options{})
	if err != nil {
		panic(err)
	}
	// The laptop takes its address from the home router by DHCP.
	if err := w.Settle(); err != nil {
		panic(err)
	}
	dst, _ := w.Resolve("www.example.com")
	done := false
	traceroute.Start(w.Node("laptop"), "www.example.com", dst, traceroute.Config{Queries: 1}, func(r *traceroute.Result) {
		for _, h := range r.Hops {
			n, _ := w.NodeByAddr(h.Probes[0].From)
			fmt.Println(h.TTL, n.Name)
		}
		done = true
	})
	// The world never runs dry (leases are renewed), so run until done.
	for !done && w.Kernel.Step() {
	}
	// Output:
	// 1 home-router
	// 2 isp-a-edge
	// 3 isp-a-core
	// 4 ixp
	// 5 dc-router
	// 6 www.example.com
}

// Ping across a world read from YAML, with a lossy link.
func Example_ping() {
	w, err := world.FromYAML("lossy.yaml", []byte(`
nodes: [{name: a, role: laptop}, {name: b, role: server}]
links: [{a: a 10.0.0.1/30, b: b 10.0.0.2/30, rate: 1Mbps, delay: 10ms, loss: 20%}]
`), 3, world.Options{})
	if err != nil {
		panic(err)
	}
	ping.Start(w.Node("a"), "b", w.Node("b").Addr(), ping.Config{Count: 5, Size: ping.DefaultSize}, func(r *ping.Result) {
		r.Write(os.Stdout)
	})
	w.Kernel.Run()
	// Output:
	// PING b (10.0.0.2) 56(84) bytes of data.
	// 64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=21.3 ms
	// 64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=21.3 ms
	// 64 bytes from 10.0.0.2: icmp_seq=3 ttl=64 time=21.3 ms
	// 64 bytes from 10.0.0.2: icmp_seq=5 ttl=64 time=21.3 ms
	//
	// --- b ping statistics ---
	// 5 packets transmitted, 4 received, 20% packet loss, time 4000ms
	// rtt min/avg/max/mdev = 21.344/21.344/21.344/0.000 ms
}
