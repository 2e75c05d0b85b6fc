package bgp_test

import (
	"fmt"
	"net/netip"

	"github.com/hopsnet/hops/routing/bgp"
	"github.com/hopsnet/hops/sim"
)

// Two speakers, a customer (AS 64501) and its provider (AS 64500), with
// the bytes between them carried by hand where a TCP connection would
// carry them: the session comes up, the customer announces its prefix,
// and the provider's table holds it with the local preference a
// customer's route gets.
func Example() {
	addr := netip.MustParseAddr
	provider, _ := bgp.NewSpeaker(bgp.SpeakerConfig{AS: 64500, RouterID: addr("192.0.2.1")})
	customer, _ := bgp.NewSpeaker(bgp.SpeakerConfig{AS: 64501, RouterID: addr("192.0.2.2")})
	p, _ := provider.AddPeer(bgp.PeerConfig{Relationship: bgp.RelCustomer,
		Session: bgp.SessionConfig{PeerAS: 64501, LocalAddr: addr("198.51.100.1"), PeerAddr: addr("198.51.100.2")}})
	c, _ := customer.AddPeer(bgp.PeerConfig{Relationship: bgp.RelProvider,
		Session: bgp.SessionConfig{PeerAS: 64500, LocalAddr: addr("198.51.100.2"), PeerAddr: addr("198.51.100.1"), Passive: true}})
	now := sim.Time(0)
	provider.Start(now, p)
	customer.Start(now, c)
	// The provider asked for a connection (EventDial); it is up.
	provider.Connected(now, p)
	customer.Connected(now, c)
	customer.Originate(now, netip.MustParsePrefix("203.0.113.0/24"), bgp.Origination{})
	for range 4 { // OPEN, KEEPALIVE, UPDATE each way
		customer.Receive(now, c, provider.AppendOutput(nil, p))
		provider.Receive(now, p, customer.AppendOutput(nil, c))
	}
	fmt.Println(provider.Session(p).State())
	fmt.Print(provider.Show())
	// Output:
	// Established
	// BGP table, local router ID is 192.0.2.1, local AS 64500
	// Status codes: * valid, > best; Origin codes: i - IGP, e - EGP, ? - incomplete
	//
	//    Network            Next Hop            Metric LocPrf From            Path
	// *> 203.0.113.0/24     198.51.100.2                  200 198.51.100.2    64501 i
}
