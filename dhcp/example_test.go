package dhcp_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/hopsnet/hops/dhcp"
	"github.com/hopsnet/hops/sim"
)

// The laptop gets its address from the home router, renews it at T1,
// and gives it back: a client and a server engine joined by a loop
// that plays the LAN, with time jumping from deadline to deadline.
func ExampleClient() {
	srv, err := dhcp.NewServer(dhcp.ServerConfig{
		ServerID:  netip.MustParseAddr("192.168.1.1"),
		Subnet:    netip.MustParsePrefix("192.168.1.0/24"),
		PoolStart: netip.MustParseAddr("192.168.1.100"),
		PoolEnd:   netip.MustParseAddr("192.168.1.199"),
		Router:    []netip.Addr{netip.MustParseAddr("192.168.1.1")},
		DNS:       []netip.Addr{netip.MustParseAddr("192.168.1.1")},
		LeaseTime: time.Hour,
	})
	if err != nil {
		panic(err)
	}
	cl := dhcp.NewClient(dhcp.ClientConfig{HW: [6]byte{2, 0, 0, 0, 0, 0x10}, Hostname: "laptop"},
		sim.NewRand(1, "laptop/dhcp"))
	show := func(now sim.Time, d dhcp.Datagram) {
		m, _ := dhcp.ParseMessage(d.Payload)
		fmt.Printf("%6.0fs %-12v %v -> %v", now.Seconds(), m.Type, d.Src, d.Dst)
		if m.YIAddr.IsValid() && !m.YIAddr.IsUnspecified() {
			fmt.Printf(" yiaddr %v lease %ds", m.YIAddr, m.LeaseSecs)
		}
		fmt.Println()
	}
	lan := func(now sim.Time) {
		for out := cl.Output(nil); len(out) > 0; out = cl.Output(nil) {
			for _, d := range out {
				show(now, d)
				srv.Handle(now, d)
				for _, r := range srv.Output(nil) {
					show(now, r)
					cl.Handle(now, r)
				}
			}
		}
		for _, e := range cl.Events(nil) {
			fmt.Printf("%6.0fs %v %v until %v\n", now.Seconds(), e.Kind, e.Binding.Prefix, e.Binding.Expires)
		}
	}
	cl.Start(0)
	lan(0)
	now := cl.NextDeadline() // T1
	cl.Advance(now)
	lan(now)
	cl.Release(now + sim.Time(60e9))
	lan(now + sim.Time(60e9))
	// Output:
	//      0s DHCPDISCOVER 0.0.0.0:68 -> 255.255.255.255:67
	//      0s DHCPOFFER    192.168.1.1:67 -> 192.168.1.100:68 yiaddr 192.168.1.100 lease 3600s
	//      0s DHCPREQUEST  0.0.0.0:68 -> 255.255.255.255:67
	//      0s DHCPACK      192.168.1.1:67 -> 192.168.1.100:68 yiaddr 192.168.1.100 lease 3600s
	//      0s bound 192.168.1.100/24 until 3600.000000000s
	//   1800s DHCPREQUEST  192.168.1.100:68 -> 192.168.1.1:67
	//   1800s DHCPACK      192.168.1.1:67 -> 192.168.1.100:68 yiaddr 192.168.1.100 lease 3600s
	//   1800s renewed 192.168.1.100/24 until 5400.000000000s
	//   1860s DHCPRELEASE  192.168.1.100:68 -> 192.168.1.1:67
	//   1860s released 192.168.1.100/24 until 5400.000000000s
}
