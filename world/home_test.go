package world_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/ping"
	"github.com/hopsnet/hops/app/traceroute"
	"github.com/hopsnet/hops/app/web"
	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
	"github.com/hopsnet/hops/world"
	"github.com/hopsnet/hops/world/scenario"
)

// settled is the default world once every DHCP client has its lease.
func settled(t testing.TB, seed uint64) *world.World {
	t.Helper()
	sc, err := world.Default()
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.Build(sc, seed, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Settle(); err != nil {
		t.Fatal(err)
	}
	return w
}

// runUntil steps w until *done or a minute of virtual time passes.
func runUntil(t testing.TB, w *world.World, done *bool) {
	t.Helper()
	end := w.Kernel.Now().Add(time.Minute)
	for !*done && w.Kernel.Now() < end && w.Kernel.Step() {
	}
	if !*done {
		t.Fatal("did not finish within a minute of virtual time")
	}
}

func TestDefaultHomeGetsAddressesByDHCP(t *testing.T) {
	w := settled(t, 1)
	seen := map[netip.Addr]string{}
	for _, name := range []string{"laptop", "phone", "tv"} {
		i := w.Node(name).Iface("wlan0")
		a := i.Addr()
		if !netip.MustParsePrefix("192.168.1.0/24").Contains(a) || i.Prefix.Bits() != 24 {
			t.Fatalf("%s: %v", name, i.Prefix)
		}
		if o, dup := seen[a]; dup {
			t.Fatalf("%s and %s both have %v", name, o, a)
		}
		seen[a] = name
		r, ok := w.Node(name).Routes.Lookup(netip.MustParseAddr("203.0.113.10"))
		if !ok || r.NextHop.String() != "192.168.1.1" || r.Prefix.Bits() != 0 {
			t.Fatalf("%s default route %v", name, r)
		}
	}
	if a := w.Node("home-router").Iface("wan0").Addr(); a.String() != "198.51.100.2" {
		t.Fatalf("home-router wan0: %v", a)
	}
	if a, name, ok := w.ResolverFor("laptop"); !ok || a.String() != "192.0.2.53" || name != "resolver.isp-a.net" {
		t.Fatalf("laptop's resolver from DHCP: %v %s %v", a, name, ok)
	}
	// The private LAN is not routed outside the home.
	if _, ok := w.Node("isp-a-edge").Routes.Lookup(netip.MustParseAddr("192.168.1.100")); ok {
		t.Fatal("isp-a-edge has a route to the home LAN")
	}
	nat := w.Node("home-router").NAT()
	if nat == nil || nat.Config().Public.String() != "198.51.100.2" {
		t.Fatal("home-router NAT not started with its DHCP address")
	}
}

// privateWatch fails on any packet on a link outside the home whose
// addresses, or the addresses it quotes, are private.
type privateWatch struct {
	t       testing.TB
	checked int
	leaks   []string
}

var private = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16")}

func isPrivate(a netip.Addr) bool {
	for _, p := range private {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (p *privateWatch) Observe(e *trace.Event) {
	if e.Kind != trace.Transmit || strings.HasPrefix(e.Link, "home-wifi/") || e.Data == nil {
		return
	}
	p.checked++
	ip := wire.IPv4(e.Data)
	if ip.Check() != nil {
		return
	}
	bad := isPrivate(ip.Src()) || isPrivate(ip.Dst())
	if ip.Protocol() == wire.ProtoICMP && ip.FragOffset() == 0 {
		if body := ip.Payload(); len(body) >= 8+20 && (body[0] == 3 || body[0] == 11) {
			q := wire.IPv4(body[8:])
			if len(q) >= 20 {
				bad = bad || isPrivate(q.Src()) || isPrivate(q.Dst())
			}
		}
	}
	if bad {
		p.leaks = append(p.leaks, e.Link+": "+trace.Summary(e.Data))
	}
}

// TestNATPrivateAddressesStayHome pings, traces and fetches a page from
// the laptop and the phone at once, and checks that no packet on a
// public link carries or quotes a private address, while every
// application works through the NAT.
func TestNATPrivateAddressesStayHome(t *testing.T) {
	w := settled(t, 1)
	watch := &privateWatch{t: t}
	w.Bus.Subscribe(watch)
	www := netip.MustParseAddr("203.0.113.10")
	var pingRes *ping.Result
	var trace1 *traceroute.Result
	var ex *web.Exchange
	ping.Start(w.Node("phone"), "www.example.com", www, ping.Config{Count: 3, Interval: 100 * time.Millisecond}, func(r *ping.Result) { pingRes = r })
	traceroute.Start(w.Node("laptop"), "www.example.com", www, traceroute.Config{Queries: 1, Wait: time.Second}, func(r *traceroute.Result) { trace1 = r })
	c := web.NewClient(w.Node("tv"), web.ClientConfig{})
	req := &h1.Request{Method: "GET", Target: "/", Minor: 1}
	req.Header.Add("Host", "www.example.com")
	c.Do(netip.AddrPortFrom(www, 80), req, func(x *web.Exchange) { ex = x })
	done := false
	end := w.Kernel.Now().Add(30 * time.Second)
	for !done && w.Kernel.Step() && w.Kernel.Now() < end {
		done = pingRes != nil && trace1 != nil && ex != nil
	}
	if !done {
		t.Fatalf("unfinished: ping %v traceroute %v web %v", pingRes != nil, trace1 != nil, ex != nil)
	}
	if pingRes.Received != 3 {
		t.Fatalf("phone's ping: %d of 3 replies", pingRes.Received)
	}
	var hops []string
	for _, h := range trace1.Hops {
		if len(h.Probes) > 0 && h.Probes[0].From.IsValid() {
			n, _ := w.NodeByAddr(h.Probes[0].From)
			hops = append(hops, n.Name)
		}
	}
	if got := strings.Join(hops, " "); !trace1.Reached || got != "home-router isp-a-edge isp-a-core ixp dc-router www.example.com" {
		t.Fatalf("laptop's traceroute through the NAT: reached %v, %s", trace1.Reached, got)
	}
	if ex.Err != nil || ex.Resp == nil || ex.Resp.Status != 200 {
		t.Fatalf("tv's GET: %+v", ex)
	}
	if watch.checked < 20 || len(watch.leaks) > 0 {
		t.Fatalf("%d packets checked on public links; leaks:\n%s", watch.checked, strings.Join(watch.leaks, "\n"))
	}
}

// udpSink records the datagrams a server receives and echoes each back.
type udpSink struct {
	from []netip.AddrPort
	conn *node.UDPConn
}

func listenEcho(t testing.TB, n *node.Node, port uint16) *udpSink {
	s := &udpSink{}
	c, err := n.ListenUDP(port, func(now sim.Time, d *node.Datagram) {
		s.from = append(s.from, d.Src)
		s.conn.SendTo(d.Src, d.Payload)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.conn = c
	return s
}

// TestNATTwoDevicesDistinctMappings: the laptop and the phone send from
// the same source port to the same server at the same instant. The
// server sees two distinct public endpoints on the router's one address
// (the first keeps its port, RFC 4787 port preservation; the second
// gets another), and each reply reaches the device that asked.
func TestNATTwoDevicesDistinctMappings(t *testing.T) {
	w := settled(t, 1)
	sink := listenEcho(t, w.Node("www.example.com"), 7000)
	got := map[string]string{}
	server := netip.MustParseAddrPort("203.0.113.10:7000")
	for _, name := range []string{"laptop", "phone"} {
		name := name
		c, err := w.Node(name).ListenUDP(40000, func(now sim.Time, d *node.Datagram) { got[name] = string(d.Payload) })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.SendTo(server, []byte("from "+name)); err != nil {
			t.Fatal(err)
		}
	}
	end := w.Kernel.Now().Add(time.Second)
	for w.Kernel.Now() < end && w.Kernel.Step() {
	}
	if len(sink.from) != 2 || sink.from[0] == sink.from[1] {
		t.Fatalf("the server saw %v; want two distinct endpoints", sink.from)
	}
	ports := map[uint16]bool{}
	for _, a := range sink.from {
		if a.Addr().String() != "198.51.100.2" {
			t.Fatalf("the server saw %v, not the public address", a)
		}
		ports[a.Port()] = true
	}
	if !ports[40000] {
		t.Errorf("no mapping kept port 40000 (port preservation): %v", sink.from)
	}
	if got["laptop"] != "from laptop" || got["phone"] != "from phone" {
		t.Fatalf("replies reached %v", got)
	}
	nat := w.Node("home-router").NAT()
	ms := nat.Mappings(w.Kernel.Now())
	if len(ms) != 2 || ms[0].Inside.Addr() == ms[1].Inside.Addr() {
		t.Fatalf("mappings %+v", ms)
	}
}

// dropWatch counts drops by reason and deliveries by node.
type dropWatch struct {
	drops     map[string]int
	delivered map[string]int
	what      []string
}

func (d *dropWatch) Observe(e *trace.Event) {
	switch e.Kind {
	case trace.Drop:
		d.drops[e.Reason]++
	case trace.Deliver:
		if wire.IPv4(e.Data).Check() != nil {
			return // ARP
		}
		d.delivered[e.Node]++
		d.what = append(d.what, e.Node+": "+trace.Summary(e.Data))
	}
}

// forwardWorld is the default world with a NAS at 192.168.1.10 on the
// home LAN, reachable from outside by port forwards: TCP 8080 to its web
// server, UDP 5000 to its port 5000.
func forwardWorld(t *testing.T) *world.World {
	t.Helper()
	y := string(world.DefaultYAML())
	y = strings.Replace(y, "nat: {inside: lan0, outside: wan0}", `nat: {inside: lan0, outside: wan0, forwards: ["tcp 8080 192.168.1.10:80", "udp 5000 192.168.1.10:5000"]}`, 1)
	y = strings.Replace(y, "  - {name: tv, role: host}", "  - {name: tv, role: host}\n  - {name: nas, role: server, services: [{kind: web, sites: [www.example.com]}]}", 1)
	y = strings.Replace(y, "tv:wlan0 dhcp]", "tv:wlan0 dhcp, nas:eth0 192.168.1.10/24]", 1)
	sc, err := scenario.Parse("forward.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.Build(sc, 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Settle(); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestNATErrorsQuoteThePublicEndpoint: a datagram forwarded to the NAS
// whose TTL runs out at the home router (after the forward rewrote its
// destination) is answered with a time-exceeded error that quotes the
// public address and port the sender used, not the NAS's (Linux's
// nf_nat_icmp_reply_translation; RFC 5508 REQ-4 asks it of errors
// crossing a NAT), so the sender's socket gets it and nothing private
// leaves the home.
func TestNATErrorsQuoteThePublicEndpoint(t *testing.T) {
	w := forwardWorld(t)
	watch := &privateWatch{t: t}
	w.Bus.Subscribe(watch)
	api := w.Node("api.example.com")
	var got []*node.ICMPError
	c, err := api.DialUDP(netip.MustParseAddrPort("198.51.100.2:5000"), func(sim.Time, *node.Datagram) {})
	if err != nil {
		t.Fatal(err)
	}
	c.OnError(func(now sim.Time, e *node.ICMPError) { c := *e; got = append(got, &c) })
	c.TTL = 5 // dc-router, ixp, isp-a-core, isp-a-edge, home-router: 0 there
	c.Send([]byte("ping?"))
	w.Kernel.RunUntil(w.Kernel.Now().Add(time.Second))
	if len(got) != 1 || got[0].Type != wire.ICMPTimeExceeded || got[0].From.String() != "198.51.100.2" {
		t.Fatalf("errors %+v; want one time exceeded from the home router", got)
	}
	if q := got[0].Quoted; q.Dst.String() != "198.51.100.2" {
		t.Fatalf("the error quotes destination %v", q.Dst)
	}
	if len(watch.leaks) > 0 {
		t.Fatalf("leaks:\n%s", strings.Join(watch.leaks, "\n"))
	}
	// Without the TTL limit it reaches the NAS.
	nas := listenEcho(t, w.Node("nas"), 5000)
	c.TTL = 0
	c.Send([]byte("ping!"))
	w.Kernel.RunUntil(w.Kernel.Now().Add(time.Second))
	if len(nas.from) != 1 {
		t.Fatalf("the NAS got %v", nas.from)
	}
}

// TestNATUnsolicitedAndPortForward: from outside, a datagram and a SYN
// for the public address on ports no mapping or forward covers are
// dropped by the home router (nothing reaches inside, nothing answers);
// a port forward leads a web request on 8080 to a server inside.
func TestNATUnsolicitedAndPortForward(t *testing.T) {
	w := forwardWorld(t)
	watch := &dropWatch{drops: map[string]int{}, delivered: map[string]int{}}
	w.Bus.Subscribe(watch)
	api := w.Node("api.example.com")
	// Unsolicited: UDP to 5001, a SYN to 8081 (5000 and 8080 are forwarded).
	c, err := api.DialUDP(netip.MustParseAddrPort("198.51.100.2:5001"), func(sim.Time, *node.Datagram) {})
	if err != nil {
		t.Fatal(err)
	}
	c.Send([]byte("hello?"))
	// Another protocol (GRE, 47), which the router does not speak.
	if _, err := api.SendIP(47, netip.MustParseAddr("198.51.100.2"), make([]byte, 24), node.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	var refused *web.Exchange
	cl := web.NewClient(api, web.ClientConfig{})
	req := &h1.Request{Method: "GET", Target: "/", Minor: 1}
	req.Header.Add("Host", "198.51.100.2")
	cl.Do(netip.MustParseAddrPort("198.51.100.2:8081"), req, func(x *web.Exchange) { refused = x })
	end := w.Kernel.Now().Add(3 * time.Second)
	for w.Kernel.Now() < end && w.Kernel.Step() {
	}
	if watch.drops[node.ReasonNATUnsolicited] < 3 {
		t.Fatalf("drops %v; want the datagram, the GRE packet and the SYN dropped as nat-unsolicited", watch.drops)
	}
	if watch.delivered["api.example.com"] != 0 {
		t.Fatalf("the router answered unsolicited packets: %v", watch.what)
	}
	for _, inside := range []string{"home-router", "laptop", "phone", "tv", "nas"} {
		if watch.delivered[inside] != 0 {
			t.Fatalf("%s took %d unsolicited packets: %v", inside, watch.delivered[inside], watch.what)
		}
	}
	if refused != nil && refused.Err == nil {
		t.Fatalf("a GET on an unforwarded port got %+v", refused.Resp)
	}
	// The forward: 8080 on the public address is the NAS's port 80.
	var ex *web.Exchange
	cl.Do(netip.MustParseAddrPort("198.51.100.2:8080"), req, func(x *web.Exchange) { ex = x })
	done := false
	end = w.Kernel.Now().Add(10 * time.Second)
	for !done && w.Kernel.Now() < end && w.Kernel.Step() {
		done = ex != nil
	}
	if ex == nil || ex.Err != nil || ex.Resp == nil || ex.Resp.Status != 200 || watch.delivered["nas"] == 0 {
		t.Fatalf("GET through the port forward: %+v (nas took %d packets)", ex, watch.delivered["nas"])
	}
}

// TestNATMappingExpires: a UDP mapping lives for the UDP timeout after
// its last packet (2 min by default, RFC 4787 REQ-5) and no longer; a
// reply after that finds no mapping and is dropped.
func TestNATMappingExpires(t *testing.T) {
	w := settled(t, 1)
	sink := &udpSink{}
	srv, err := w.Node("www.example.com").ListenUDP(7000, func(now sim.Time, d *node.Datagram) { sink.from = append(sink.from, d.Src) })
	if err != nil {
		t.Fatal(err)
	}
	replies := 0
	c, err := w.Node("laptop").ListenUDP(40000, func(sim.Time, *node.Datagram) { replies++ })
	if err != nil {
		t.Fatal(err)
	}
	c.SendTo(netip.MustParseAddrPort("203.0.113.10:7000"), []byte("x"))
	sent := w.Kernel.Now()
	nat := w.Node("home-router").NAT()
	inside := netip.AddrPortFrom(w.Node("laptop").Iface("wlan0").Addr(), 40000)
	w.Kernel.RunUntil(sent.Add(time.Second))
	m, ok := nat.Lookup(w.Kernel.Now(), 17, inside)
	if !ok || len(sink.from) != 1 || m.Public != sink.from[0] {
		t.Fatalf("mapping %+v %v, server saw %v", m, ok, sink.from)
	}
	timeout := nat.Config().UDPTimeout
	if timeout != 2*time.Minute {
		t.Fatalf("UDP timeout %v", timeout)
	}
	w.Kernel.RunUntil(m.Expires.Add(-time.Second))
	if _, ok := nat.Lookup(w.Kernel.Now(), 17, inside); !ok {
		t.Fatal("mapping gone before its timeout")
	}
	// A reply a second before expiry gets through (whether it refreshes
	// the mapping is the NAT's choice, RFC 4787 REQ-6: hops' does not
	// refresh on inbound packets, as Linux does not for UDP either) ...
	srv.SendTo(sink.from[0], []byte("early"))
	w.Kernel.RunUntil(w.Kernel.Now().Add(100 * time.Millisecond))
	if replies != 1 {
		t.Fatalf("%d replies before expiry", replies)
	}
	// ... and when the mapping's time is up, it is gone.
	last, ok := nat.Lookup(w.Kernel.Now(), 17, inside)
	if !ok {
		t.Fatal("mapping gone before its timeout")
	}
	w.Kernel.RunUntil(last.Expires.Add(time.Millisecond))
	if _, ok := nat.Lookup(w.Kernel.Now(), 17, inside); ok {
		t.Fatal("mapping alive after its timeout")
	}
	watch := &dropWatch{drops: map[string]int{}, delivered: map[string]int{}}
	w.Bus.Subscribe(watch)
	srv.SendTo(sink.from[0], []byte("late"))
	w.Kernel.RunUntil(w.Kernel.Now().Add(time.Second))
	if replies != 1 || watch.drops[node.ReasonNATUnsolicited] != 1 {
		t.Fatalf("after expiry: %d replies, drops %v", replies, watch.drops)
	}
}
