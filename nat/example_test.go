package nat_test

import (
	"fmt"
	"net/netip"

	"github.com/hopsnet/hops/nat"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

func udp(src, dst string, sport, dport uint16) []byte {
	s, d := netip.MustParseAddr(src), netip.MustParseAddr(dst)
	seg := wire.AppendUDP(nil, s, d, sport, dport, []byte("query"))
	h := wire.IPv4Header{TTL: 64, Protocol: wire.ProtoUDP, Src: s, Dst: d}
	return append(h.AppendTo(nil, len(seg)), seg...)
}

// Two home devices ask the same server from the same port: the first
// keeps its port, the second gets one drawn from the seed, and the
// table reads like `conntrack -L`.
func ExampleNAT() {
	n, err := nat.New(nat.Config{
		Inside: netip.MustParsePrefix("192.168.1.0/24"),
		Public: netip.MustParseAddr("203.0.113.5"),
	}, sim.NewRand(1, "home-router/nat"))
	if err != nil {
		panic(err)
	}
	laptop := udp("192.168.1.10", "192.0.2.53", 51000, 53)
	phone := udp("192.168.1.11", "192.0.2.53", 51000, 53)
	fmt.Println(n.Outbound(0, laptop), wire.IPv4(laptop).Src(), wire.UDP(wire.IPv4(laptop).Payload()).SrcPort())
	fmt.Println(n.Outbound(0, phone), wire.IPv4(phone).Src(), wire.UDP(wire.IPv4(phone).Payload()).SrcPort())
	reply := udp("192.0.2.53", "203.0.113.5", 53, 51000)
	fmt.Println(n.Inbound(sim.Time(20e6), reply), wire.IPv4(reply).Dst())
	stranger := udp("198.51.100.66", "203.0.113.5", 4444, 9999)
	fmt.Println(n.Inbound(sim.Time(20e6), stranger))
	fmt.Print(string(n.AppendConntrack(nil, sim.Time(1e9))))
	// Output:
	// translated 203.0.113.5 51000
	// translated 203.0.113.5 18584
	// translated 192.168.1.10
	// no-mapping
	// udp      17 119 src=192.168.1.10 dst=192.0.2.53 sport=51000 dport=53 src=192.0.2.53 dst=203.0.113.5 sport=53 dport=51000 [ASSURED] mark=0 use=1
	// udp      17 119 src=192.168.1.11 dst=192.0.2.53 sport=51000 dport=53 [UNREPLIED] src=192.0.2.53 dst=203.0.113.5 sport=53 dport=18584 mark=0 use=1
}
