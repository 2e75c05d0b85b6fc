package world_test

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/bulk"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
	"github.com/hopsnet/hops/world"
)

// Swarm testing, after TigerBeetle's VOPR: each seed draws a topology, the
// impairments of every link, link failures and a traffic mix; the world
// runs; checkers that live apart from the model look at what happened.
// A failure names the seed that reproduces it.

// swarmScenario draws a world from seed: routers in a random connected
// graph, hosts hanging off them, random impairments and link flaps.
func swarmScenario(seed uint64) (string, []string) {
	r := sim.NewRand(seed, "swarm")
	var b strings.Builder
	routers := 3 + r.IntN(6)
	hosts := 2 + r.IntN(4)
	b.WriteString("nodes:\n")
	for i := 0; i < routers; i++ {
		fmt.Fprintf(&b, "  - {name: r%d, role: router}\n", i)
	}
	var hostNames []string
	for i := 0; i < hosts; i++ {
		fmt.Fprintf(&b, "  - {name: h%d, role: host}\n", i)
		hostNames = append(hostNames, fmt.Sprintf("h%d", i))
	}
	b.WriteString("links:\n")
	subnet := 0
	impair := func() string {
		var s []string
		s = append(s, fmt.Sprintf("rate: %dMbps", 1+r.IntN(1000)), fmt.Sprintf("delay: %dus", r.IntN(20000)))
		if r.IntN(3) == 0 {
			s = append(s, fmt.Sprintf("loss: %d%%", r.IntN(20)))
		}
		if r.IntN(4) == 0 {
			s = append(s, fmt.Sprintf("duplicate: %d%%", r.IntN(10)))
		}
		if r.IntN(4) == 0 {
			s = append(s, fmt.Sprintf("reorder: %d%%", r.IntN(20)))
		}
		if r.IntN(4) == 0 {
			s = append(s, fmt.Sprintf("jitter: %dus", r.IntN(5000)))
		}
		if r.IntN(4) == 0 {
			s = append(s, fmt.Sprintf("corrupt: %d%%", r.IntN(10)))
		}
		if r.IntN(5) == 0 {
			s = append(s, fmt.Sprintf("mtu: %d", 576+r.IntN(1000)))
		}
		if r.IntN(5) == 0 {
			s = append(s, fmt.Sprintf("queue: %d packets", 1+r.IntN(20)))
		}
		if r.IntN(6) == 0 {
			s = append(s, "burst-loss: {p: 2%, r: 30%}")
		}
		return strings.Join(s, ", ")
	}
	link := func(a, b2 string, name string) {
		subnet++
		fmt.Fprintf(&b, "  - {name: %s, a: %s 10.%d.%d.1/30, b: %s 10.%d.%d.2/30, %s}\n",
			name, a, subnet/256, subnet%256, b2, subnet/256, subnet%256, impair())
	}
	var linkNames []string
	// A random spanning tree keeps the routers connected; extra links add
	// redundant paths.
	for i := 1; i < routers; i++ {
		name := fmt.Sprintf("t%d", i)
		link(fmt.Sprintf("r%d", r.IntN(i)), fmt.Sprintf("r%d", i), name)
		linkNames = append(linkNames, name)
	}
	for i := 0; i < routers/2; i++ {
		a, c := r.IntN(routers), r.IntN(routers)
		if a == c {
			continue
		}
		name := fmt.Sprintf("x%d", i)
		link(fmt.Sprintf("r%d", a), fmt.Sprintf("r%d", c), name)
		linkNames = append(linkNames, name)
	}
	for i := 0; i < hosts; i++ {
		link(fmt.Sprintf("h%d", i), fmt.Sprintf("r%d", r.IntN(routers)), fmt.Sprintf("a%d", i))
	}
	b.WriteString("events:\n")
	for i, flaps := 0, r.IntN(4); i < flaps; i++ {
		l := linkNames[r.IntN(len(linkNames))]
		at := r.IntN(2000)
		fmt.Fprintf(&b, "  - {at: %dms, down: %s}\n  - {at: %dms, up: %s}\n", at, l, at+r.IntN(1000), l)
	}
	if strings.HasSuffix(b.String(), "events:\n") {
		return strings.TrimSuffix(b.String(), "events:\n"), hostNames
	}
	return b.String(), hostNames
}

// checker watches the trace and records violations.
type checker struct {
	lastTTL    map[uint64]int // packet ID → TTL when last received
	violations []string
}

func (c *checker) Observe(e *trace.Event) {
	if e.Kind != trace.Receive || len(e.Data) < 20 {
		return
	}
	ip := wire.IPv4(e.Data)
	if ip.Check() != nil || !ip.ChecksumValid() {
		return // corrupted on the way: the node will drop it
	}
	ttl := int(ip.TTL())
	if last, seen := c.lastTTL[e.Packet]; seen && ttl >= last {
		c.violations = append(c.violations, fmt.Sprintf("packet %d: TTL %d at %s after %d", e.Packet, ttl, e.Node, last))
	}
	c.lastTTL[e.Packet] = ttl
}

func TestSwarm(t *testing.T) {
	seeds := 40
	if testing.Short() {
		seeds = 8
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			if err := runSwarm(seed); err != nil {
				t.Fatalf("%v\nreproduce with: go test ./world -run 'TestSwarm/seed=%d$' -v", err, seed)
			}
		})
	}
}

// corrupted counts the bit flips of every link.
func corrupted(w *world.World) uint64 {
	var n uint64
	for _, l := range w.Links {
		n += l.Stats(0).Corrupted + l.Stats(1).Corrupted
	}
	return n
}

func runSwarm(seed uint64) error {
	text, hosts := swarmScenario(seed)
	w, err := world.FromYAML(fmt.Sprintf("swarm-%d.yaml", seed), []byte(text), seed, world.Options{Convergence: 50 * time.Millisecond})
	if err != nil {
		return fmt.Errorf("scenario does not build: %v\n%s", err, text)
	}
	chk := &checker{lastTTL: map[uint64]int{}}
	// The datagram being delivered, as the node saw it: the checker
	// verifies its UDP checksum independently.
	var delivering []byte
	w.Bus.Subscribe(trace.ObserverFunc(func(e *trace.Event) {
		if e.Kind == trace.Deliver {
			delivering = append(delivering[:0], e.Data...)
		}
	}))
	w.Bus.Subscribe(chk)
	// Every host listens; every datagram carries its own length and
	// SHA-256, so a receiver can tell a damaged payload from a good one.
	sent := map[[32]byte]bool{}
	delivered, slipped := 0, 0
	var badSum []string
	for _, h := range hosts {
		w.Node(h).ListenUDP(7, func(now sim.Time, d *node.Datagram) {
			p := d.Payload
			if len(p) < 36 || int(binary.BigEndian.Uint32(p)) != len(p) || sha256.Sum256(p[36:]) != [32]byte(p[4:36]) || !sent[[32]byte(p[4:36])] {
				// Damage reached the socket. That is only allowed when the
				// Internet checksum cannot see it (two bit flips in one
				// datagram can cancel out, as on the real internet); a
				// datagram whose checksum is wrong must never get here.
				ip := wire.IPv4(delivering)
				if ip.Check() != nil || !wire.VerifyUDPChecksum(ip.Src(), ip.Dst(), ip.Payload()) {
					badSum = append(badSum, trace.Summary(delivering))
				}
				slipped++
				return
			}
			delivered++
		})
	}
	traffic := sim.NewRand(seed, "swarm-traffic")
	socks := map[string]*node.UDPConn{}
	for _, h := range hosts {
		socks[h], _ = w.Node(h).ListenUDP(0, nil)
	}
	sends := 0
	for i := 0; i < 200; i++ {
		from, to := hosts[traffic.IntN(len(hosts))], hosts[traffic.IntN(len(hosts))]
		if from == to {
			continue
		}
		body := make([]byte, traffic.IntN(4000))
		for j := range body {
			body[j] = byte(traffic.Uint32())
		}
		sum := sha256.Sum256(body)
		p := binary.BigEndian.AppendUint32(nil, uint32(36+len(body)))
		p = append(append(p, sum[:]...), body...)
		sent[sum] = true
		at := sim.Time(traffic.IntN(3000)) * sim.Time(time.Millisecond)
		c, dst := socks[from], netip.AddrPortFrom(w.Node(to).Addr(), 7)
		w.Kernel.Schedule(at, sim.HandlerFunc(func(sim.Time, uint64) {
			c.SendTo(dst, p) // may fail while a host's only link is down
			sends++
		}), 0)
	}
	tcpDone, tcpIssues := startTCPFlows(w, seed, hosts)
	w.Kernel.RunUntil(sim.Time(10 * time.Minute))
	if err := tcpIssues(corrupted(w)); err != nil {
		return err
	}
	switch {
	case len(badSum) > 0:
		return fmt.Errorf("%d datagrams with a bad UDP checksum delivered: %v", len(badSum), badSum)
	case slipped > 0 && corrupted(w) < 2:
		return fmt.Errorf("%d damaged datagrams delivered without any corruption", slipped)
	case len(chk.violations) > 0:
		return fmt.Errorf("TTL did not fall: %v", chk.violations[:min(5, len(chk.violations))])
	case w.Kernel.NextAt() != sim.Never:
		return fmt.Errorf("events still pending after 10 minutes: the world never went quiet")
	case *tcpDone > 0:
		return fmt.Errorf("%d TCP transfers never ended", *tcpDone)
	case w.Pool.Live() != 0:
		return fmt.Errorf("%d packets never returned to the pool", w.Pool.Live())
	case sends > 0 && delivered == 0:
		return fmt.Errorf("none of %d datagrams was delivered", sends)
	}
	return nil
}

// startTCPFlows starts a few TCP transfers between random hosts at random
// times. The returned counter holds the transfers not yet ended; check
// reports the broken ones: a transfer must deliver exactly the bytes sent
// (SHA-256 equal) or end with an error within its deadline, and after the
// world goes quiet no connection may be left open. A transfer that ends
// without error but with different bytes is only allowed where a link
// corrupted packets in a way the Internet checksum cannot see.
func startTCPFlows(w *world.World, seed uint64, hosts []string) (*int, func(corrupt uint64) error) {
	r := sim.NewRand(seed, "swarm-tcp")
	pending := new(int)
	var results []*bulk.Result
	for i, flows := 0, 1+r.IntN(3); i < flows; i++ {
		from, to := hosts[r.IntN(len(hosts))], hosts[r.IntN(len(hosts))]
		if from == to {
			continue
		}
		size := int64(1 + r.IntN(200<<10))
		at := sim.Time(r.IntN(2000)) * sim.Time(time.Millisecond)
		port := uint16(5201 + i)
		src, dst := w.Node(from), w.Node(to)
		w.Kernel.Schedule(at, sim.HandlerFunc(func(sim.Time, uint64) {
			cfg := bulk.Config{Size: size, Port: port, Deadline: 5 * time.Minute}
			*pending++
			if _, err := bulk.Start(src, to, dst, dst.Addr(), cfg, func(res *bulk.Result) {
				*pending--
				results = append(results, res)
			}); err != nil {
				*pending-- // no route at this instant: nothing started
			}
		}), 0)
	}
	return pending, func(corrupt uint64) error {
		for _, res := range results {
			switch {
			case res.Err == nil && !res.Match && corrupt < 2:
				return fmt.Errorf("TCP to %s: %d of %d bytes, SHA-256 differs, no error, no corruption on any link", res.Dest, res.BytesReceived, res.Size)
			case res.Err != nil && res.Match:
				return fmt.Errorf("TCP to %s: every byte arrived but the transfer failed: %v", res.Dest, res.Err)
			}
		}
		for _, h := range hosts {
			if o := w.Node(h).Open(); o.TCPConns != 0 || o.TCPListeners != 0 {
				return fmt.Errorf("%s still holds %d TCP connections and %d listeners after the world went quiet", h, o.TCPConns, o.TCPListeners)
			}
		}
		return nil
	}
}
