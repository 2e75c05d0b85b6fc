package scenario_test

import (
	"fmt"

	"github.com/hopsnet/hops/world/scenario"
)

func Example() {
	src := `name: tiny
nodes:
  - {name: laptop, role: laptop}
  - {name: r1, role: router}
links:
  - a: laptop 192.168.1.100/24
    b: r1:lan0 192.168.1.1/24
    rate: 100Mbps
    delay: 2ms
    loss: 1%
events:
  - {at: 2s, down: laptop--r1}
`
	s, err := scenario.Parse("tiny.yaml", []byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range s.Nodes {
		fmt.Printf("node %s (%s, router: %v)\n", n.Name, n.Role, n.Role.IsRouter())
	}
	for _, l := range s.Links {
		fmt.Printf("link %s: %s:%s %s <-> %s:%s %s, %d bit/s, %v, loss %v, queue %d packets\n",
			l.Name, l.A.Node, l.A.Iface, l.A.Addr, l.B.Node, l.B.Iface, l.B.Addr,
			l.RateBps, l.Delay, l.Loss, l.QueuePackets)
	}
	for _, e := range s.Events {
		fmt.Printf("at %v: %s up=%v\n", e.At, e.Link, e.Up)
	}
	// Output:
	// node laptop (laptop, router: false)
	// node r1 (router, router: true)
	// link laptop--r1: laptop:eth0 192.168.1.100/24 <-> r1:lan0 192.168.1.1/24, 100000000 bit/s, 2ms, loss 0.01, queue 1000 packets
	// at 2s: laptop--r1 up=false
}

func ExampleParse_errors() {
	src := `nodes:
  - {name: r1, role: router}
  - {name: r2, role: rooter}
links:
  - a: r1 10.0.0.1/30
    b: r2 10.0.1.2/30
    dealy: 5ms
`
	_, err := scenario.Parse("bad.yaml", []byte(src))
	fmt.Println(err)
	// Output:
	// bad.yaml:3:22: unknown role "rooter" (did you mean "router"?)
	// bad.yaml:6:11: address 10.0.1.2/30 is not in the same subnet as the other end 10.0.0.1/30 (subnet 10.0.0.0/30)
	// bad.yaml:7:5: unknown field "dealy" in link (did you mean "delay"?)
}

func ExampleParseRate() {
	for _, s := range []string{"100Mbps", "1.5 Gbps", "10 Mbit"} {
		bps, err := scenario.ParseRate(s)
		fmt.Println(bps, err)
	}
	// Output:
	// 100000000 <nil>
	// 1500000000 <nil>
	// 0 bad rate "10 Mbit": unknown unit "Mbit" (use bps, kbps, Mbps, Gbps)
}
