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

// A home network: a LAN whose members take their addresses from the
// router's DHCP server, and NAT between the LAN and the uplink.
func ExampleParse_home() {
	src := `nodes:
  - {name: laptop, role: laptop}
  - {name: phone, role: host}
  - name: r1
    role: home-router
    services: [{kind: dhcp, iface: lan0, pool: 192.168.1.100-192.168.1.199}]
    nat: {inside: lan0, outside: wan0, forwards: ["tcp 8080 192.168.1.100:80"]}
  - {name: isp, role: isp}
lans:
  - name: home
    kind: wifi
    members: [r1:lan0 192.168.1.1/24, laptop dhcp, phone:wlan0 dhcp]
    rate: 300Mbps
links:
  - {a: r1:wan0 203.0.113.2/30, b: isp 203.0.113.1/30}
`
	s, err := scenario.Parse("home.yaml", []byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range s.LANs {
		fmt.Printf("LAN %s (%s, %d bit/s):\n", l.Name, l.Kind, l.RateBps)
		for _, m := range l.Members {
			if m.DHCP {
				fmt.Printf("  %s:%s dhcp\n", m.Node, m.Iface)
			} else {
				fmt.Printf("  %s:%s %s\n", m.Node, m.Iface, m.Addr)
			}
		}
	}
	r1 := s.Nodes[2]
	svc := r1.Services[0]
	fmt.Printf("%s serves %s: %s-%s for %v\n", svc.Kind, svc.Iface, svc.PoolStart, svc.PoolEnd, svc.Lease)
	fmt.Printf("nat %s -> %s (%s), forwards %v\n", r1.NAT.Inside, r1.NAT.Outside, r1.NAT.Filtering, r1.NAT.Forwards)
	fmt.Printf("link %s, ethernet %v\n", s.Links[0].Name, s.Links[0].Ethernet)
	// Output:
	// LAN home (wifi, 300000000 bit/s):
	//   r1:lan0 192.168.1.1/24
	//   laptop:eth0 dhcp
	//   phone:wlan0 dhcp
	// dhcp serves lan0: 192.168.1.100-192.168.1.199 for 1h0m0s
	// nat lan0 -> wan0 (endpoint-independent), forwards [{tcp 8080 192.168.1.100:80}]
	// link r1--isp, ethernet false
}
