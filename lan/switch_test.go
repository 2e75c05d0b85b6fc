package lan_test

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/internal/tsharkcheck"
	"github.com/hopsnet/hops/lan"
	"github.com/hopsnet/hops/link"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/packet"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/trace/capture"
	"github.com/hopsnet/hops/wire"
)

// segment is three hosts, a, b and c, on one switch in 10.0.0.0/24.
type segment struct {
	k     *sim.Kernel
	pool  *packet.Pool
	bus   *trace.Bus
	sw    *lan.Switch
	hosts []*node.Node
	links []*link.Link
}

func newSegment(t *testing.T, seed uint64) *segment {
	t.Helper()
	s := &segment{k: sim.NewKernel(seed), pool: &packet.Pool{}, bus: &trace.Bus{}}
	s.sw = lan.New(s.k, s.pool, s.bus, "sw", lan.Config{})
	for i, name := range []string{"a", "b", "c"} {
		n := node.New(s.k, s.pool, s.bus, name)
		l := link.New(s.k, s.pool, s.bus, s.k.Rand("link:"+name), "sw/"+name, link.Config{RateBps: 100e6, Delay: 100 * time.Microsecond, Ethernet: true})
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)}), 24)
		iface := n.AddIface("eth0", p, l, 0)
		n.Routes.Insert(node.Route{Prefix: p.Masked(), Iface: iface.Index})
		s.sw.AddPort(l, 1)
		s.hosts = append(s.hosts, n)
		s.links = append(s.links, l)
	}
	return s
}

// echo pings dst from n once and reports the replies' sources and any
// ICMP errors as text.
func echo(s *segment, n *node.Node, dst string) *[]string {
	var got []string
	n.ListenICMP(func(now sim.Time, m *node.ICMPPacket) {
		got = append(got, wire.ICMPText(m.Msg.Type, m.Msg.Code, 0)+" from "+m.IP.Src.String())
	})
	if _, err := n.SendICMP(netip.MustParseAddr(dst), &wire.ICMPMessage{Type: wire.ICMPEchoRequest, ID: 7, Seq: 1, Data: []byte("hello")}, node.SendOptions{}); err != nil {
		got = append(got, "send: "+err.Error())
	}
	return &got
}

func TestARPResolvesAndSwitchLearns(t *testing.T) {
	s := newSegment(t, 1)
	var log []string
	received := map[string]int{}
	s.bus.Subscribe(trace.ObserverFunc(func(e *trace.Event) {
		if e.Frame == nil {
			return
		}
		if e.Kind == trace.Receive {
			received[e.Node]++
		}
		if e.Kind == trace.Transmit && e.Data == nil {
			log = append(log, e.Node+": "+trace.FrameSummary(e.Frame))
		}
	}))
	a, b, c := s.hosts[0], s.hosts[1], s.hosts[2]
	got := echo(s, a, "10.0.0.2")
	s.k.RunUntil(sim.Time(time.Second))
	if strings.Join(*got, ";") != "echo reply from 10.0.0.2" {
		t.Fatalf("a got %q", *got)
	}
	// a asks by broadcast (the switch floods it to b and c); b answers
	// a alone. b learned a from the request (STALE), so its echo reply
	// goes at once, without ARP.
	want := []string{
		"a: ARP who-has 10.0.0.2 tell 10.0.0.1",
		"sw: ARP who-has 10.0.0.2 tell 10.0.0.1",
		"sw: ARP who-has 10.0.0.2 tell 10.0.0.1",
		"b: ARP 10.0.0.2 is-at " + b.Iface("eth0").MAC().String(),
		"sw: ARP 10.0.0.2 is-at " + b.Iface("eth0").MAC().String(),
	}
	if strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Fatalf("ARP frames:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
	// c saw only the flooded request: the echo and its reply were
	// switched to their port alone.
	if received["c"] != 1 || received["b"] != 2 || received["a"] != 2 {
		t.Fatalf("frames received: %v", received)
	}
	nb := a.Iface("eth0").Neighbours()
	if len(nb) != 1 || nb[0].Addr.String() != "10.0.0.2" || nb[0].MAC != b.Iface("eth0").MAC() || nb[0].State != node.NeighReachable {
		t.Fatalf("a's ARP cache: %+v", nb)
	}
	if nb := b.Iface("eth0").Neighbours(); len(nb) != 1 || nb[0].State != node.NeighDelay {
		t.Fatalf("b's ARP cache after a request for it and a reply on that entry: %+v", nb)
	}
	if nb := c.Iface("eth0").Neighbours(); len(nb) != 0 {
		t.Fatalf("c cached a request for someone else: %+v", nb)
	}
	st := s.sw.Stats()
	if st.Flooded != 1 || st.Forwarded != 3 || st.Learned != 2 {
		t.Fatalf("switch stats %+v", st)
	}
	if fdb := s.sw.Table(s.k.Now()); len(fdb) != 2 || fdb[0].Port != "port1" || fdb[1].Port != "port2" {
		t.Fatalf("forwarding table %+v", fdb)
	}
	// Nothing confirmed b's entry, so 5 s later (delay_first_probe_time)
	// b probes a by unicast, as Linux does after answering a new
	// neighbour's ping.
	log = nil
	s.k.RunUntil(sim.Time(7 * time.Second))
	want = []string{
		"b: ARP who-has 10.0.0.1 tell 10.0.0.2",
		"sw: ARP who-has 10.0.0.1 tell 10.0.0.2",
		"a: ARP 10.0.0.1 is-at " + a.Iface("eth0").MAC().String(),
		"sw: ARP 10.0.0.1 is-at " + a.Iface("eth0").MAC().String(),
	}
	if strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Fatalf("probe:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
	if nb := b.Iface("eth0").Neighbours(); nb[0].State != node.NeighReachable {
		t.Fatalf("b's entry after the probe: %+v", nb)
	}
	s.k.Run()
	if s.pool.Live() != 0 {
		t.Fatalf("%d packets leaked", s.pool.Live())
	}
}

func TestARPFailureIsHostUnreachable(t *testing.T) {
	s := newSegment(t, 1)
	a := s.hosts[0]
	var requests []sim.Time
	s.bus.Subscribe(trace.ObserverFunc(func(e *trace.Event) {
		if e.Kind == trace.Transmit && e.Node == "a" && e.Data == nil {
			requests = append(requests, e.At)
		}
	}))
	got := echo(s, a, "10.0.0.99")
	s.k.Run()
	// Three broadcast requests a second apart (mcast_solicit), then the
	// datagram is dropped and its sender told, as Linux does.
	if len(requests) != 3 || requests[1]-requests[0] != sim.Time(time.Second) || requests[2]-requests[1] != sim.Time(time.Second) {
		t.Fatalf("ARP requests at %v", requests)
	}
	if strings.Join(*got, ";") != "host unreachable from 10.0.0.1" {
		t.Fatalf("a got %q", *got)
	}
	if st := a.Iface("eth0").EtherStats(); st.ARPFailures != 1 || st.ARPRequestsSent != 3 {
		t.Fatalf("ether stats %+v", st)
	}
	if s.pool.Live() != 0 {
		t.Fatalf("%d packets leaked", s.pool.Live())
	}
}

func TestARPEntryAgesAndIsProbed(t *testing.T) {
	s := newSegment(t, 1)
	a := s.hosts[0]
	echo(s, a, "10.0.0.2")
	s.k.RunUntil(sim.Time(time.Second))
	if st := a.Iface("eth0").Neighbours()[0].State; st != node.NeighReachable {
		t.Fatalf("state %v", st)
	}
	s.k.RunUntil(s.k.Now().Add(46 * time.Second)) // beyond 1.5 × base_reachable_time
	if st := a.Iface("eth0").Neighbours()[0].State; st != node.NeighStale {
		t.Fatalf("after 46 s: state %v, want STALE", st)
	}
	var unicast []string
	s.bus.Subscribe(trace.ObserverFunc(func(e *trace.Event) {
		if e.Kind == trace.Transmit && e.Node == "a" && e.Data == nil && strings.Contains(trace.FrameSummary(e.Frame), "who-has") {
			unicast = append(unicast, wire.Ethernet(e.Frame).Dst().String())
		}
	}))
	echo(s, a, "10.0.0.2") // sent at once on the stale entry → DELAY → PROBE
	s.k.RunUntil(s.k.Now().Add(7 * time.Second))
	if len(unicast) != 1 || unicast[0] != s.hosts[1].Iface("eth0").MAC().String() {
		t.Fatalf("probe frames to %v, want one unicast to b", unicast)
	}
	if st := a.Iface("eth0").Neighbours()[0].State; st != node.NeighReachable {
		t.Fatalf("after the probe: state %v", st)
	}
}

func TestGratuitousARPMovesAnAddress(t *testing.T) {
	s := newSegment(t, 1)
	a, b, c := s.hosts[0], s.hosts[1], s.hosts[2]
	echo(s, a, "10.0.0.2")
	s.k.Run()
	// c takes over 10.0.0.2 and announces it.
	b.Iface("eth0").SetPrefix(netip.MustParsePrefix("10.0.0.12/24"))
	c.Iface("eth0").SetPrefix(netip.MustParsePrefix("10.0.0.2/24"))
	c.Iface("eth0").AnnounceARP()
	s.k.Run()
	nb := a.Iface("eth0").Neighbours()
	if len(nb) != 1 || nb[0].MAC != c.Iface("eth0").MAC() {
		t.Fatalf("a's cache after the announcement: %+v", nb)
	}
	got := echo(s, a, "10.0.0.2")
	s.k.Run()
	if strings.Join(*got, ";") != "echo reply from 10.0.0.2" {
		t.Fatalf("a got %q", *got)
	}
}

func TestCaptureDecodesInTshark(t *testing.T) {
	tsharkcheck.Require(t)
	s := newSegment(t, 1)
	var buf bytes.Buffer
	var ifaces []capture.Iface
	for _, n := range s.hosts {
		ifaces = append(ifaces, capture.Iface{Node: n.Name, Iface: "eth0", Ethernet: true})
	}
	c, err := capture.New(&buf, ifaces, func(n string) bool { return n != "sw" })
	if err != nil {
		t.Fatal(err)
	}
	s.bus.Subscribe(c)
	echo(s, s.hosts[0], "10.0.0.2")
	echo(s, s.hosts[2], "10.0.0.99") // fails: three requests, ICMP host unreachable to itself
	s.hosts[1].Iface("eth0").AnnounceARP()
	s.k.Run()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "lan.pcapng")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	problems, err := tsharkcheck.Problems(file, "warning")
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("tshark: %s", strings.Join(problems, "\n"))
	}
	rows, err := tsharkcheck.Fields(file, "frame.interface_name", "eth.type", "arp.opcode", "arp.isgratuitous", "icmp.type", "frame.len")
	if err != nil {
		t.Fatal(err)
	}
	var arp, grat, echoes int
	for _, r := range rows {
		if r[5] < "60" && len(r[5]) < 3 {
			t.Errorf("runt frame on the wire: %v", r)
		}
		switch {
		case r[1] == "0x0806" && r[3] == "1":
			grat++
		case r[1] == "0x0806":
			arp++
		case r[4] == "8" || r[4] == "0":
			echoes++
		}
	}
	if grat == 0 || arp == 0 || echoes != 4 {
		t.Fatalf("tshark saw %d ARP, %d gratuitous, %d echo frames:\n%v", arp, grat, echoes, rows)
	}
}
