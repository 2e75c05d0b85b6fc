package ospf

import (
	"bytes"
	"container/heap"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

// testNet wires engines together in memory: point-to-point links with a
// delay, a queue of packets in flight ordered by (arrival, sequence), and
// a loop that advances virtual time to the next arrival or deadline.
type testNet struct {
	t       testing.TB
	now     sim.Time
	rs      []*Engine
	links   []*testLink
	ifLink  map[[2]int]int // (router, iface) → link
	q       flight
	seq     uint64
	onSend  func(r int, o Output) // every packet emitted, before delivery
	drop    func(r int, o Output) bool
	outs    []Output
	steps   int
	stepMax int
}

type testLink struct {
	a, b   [2]int // (router, iface) of each end
	addrA  netip.Prefix
	addrB  netip.Prefix
	delay  time.Duration
	up     bool
	cost   uint16
	sentAB int
}

type inFlight struct {
	at    sim.Time
	seq   uint64
	r, i  int
	src   netip.Addr
	pkt   []byte
	index int
}

type flight []*inFlight

func (f flight) Len() int { return len(f) }
func (f flight) Less(i, j int) bool {
	return f[i].at < f[j].at || f[i].at == f[j].at && f[i].seq < f[j].seq
}
func (f flight) Swap(i, j int)   { f[i], f[j] = f[j], f[i] }
func (f *flight) Push(x any)     { *f = append(*f, x.(*inFlight)) }
func (f *flight) Pop() any       { o := *f; x := o[len(o)-1]; *f = o[:len(o)-1]; return x }
func (f flight) peek() *inFlight { return f[0] }

func routerID(r int) ID { return ID(10<<24 | 255<<16 | uint32(r+1)) }

// linkPrefix is the /30 of link k: 10.k/64.(k%64*4).0/30.
func linkPrefix(k int, end int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(k / 64), byte(k % 64 * 4), byte(1 + end)}), 30)
}

// newTestNet builds n routers and one link per edge, all with cost 10
// and a delay of 1 ms plus the link index in microseconds.
func newTestNet(t testing.TB, n int, edges [][2]int, cfg Config) *testNet {
	tn := &testNet{t: t, ifLink: map[[2]int]int{}, stepMax: 50_000_000}
	for r := range n {
		c := cfg
		c.RouterID = routerID(r)
		e, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		tn.rs = append(tn.rs, e)
	}
	for k, ed := range edges {
		l := &testLink{addrA: linkPrefix(k, 0), addrB: linkPrefix(k, 1), delay: time.Millisecond + time.Duration(k)*time.Microsecond, up: true, cost: DefaultCost}
		ia, err := tn.rs[ed[0]].AddInterface(0, InterfaceConfig{Name: fmt.Sprintf("l%d", k), Addr: l.addrA})
		if err != nil {
			t.Fatal(err)
		}
		ib, _ := tn.rs[ed[1]].AddInterface(0, InterfaceConfig{Name: fmt.Sprintf("l%d", k), Addr: l.addrB})
		l.a, l.b = [2]int{ed[0], ia}, [2]int{ed[1], ib}
		tn.ifLink[l.a], tn.ifLink[l.b] = k, k
		tn.links = append(tn.links, l)
	}
	return tn
}

// run advances virtual time to until, delivering packets and firing
// deadlines in order.
func (tn *testNet) run(until sim.Time) {
	for {
		t := sim.Never
		if tn.q.Len() > 0 {
			t = tn.q.peek().at
		}
		for _, e := range tn.rs {
			if d, ok := e.NextDeadline(); ok {
				t = min(t, d)
			}
		}
		if t > until {
			tn.now = until
			return
		}
		tn.now = max(tn.now, t)
		if tn.steps++; tn.steps > tn.stepMax {
			tn.t.Fatalf("no progress at %v", tn.now)
		}
		for tn.q.Len() > 0 && tn.q.peek().at <= tn.now {
			p := heap.Pop(&tn.q).(*inFlight)
			_ = tn.rs[p.r].Handle(tn.now, p.i, p.src, p.pkt)
		}
		for r, e := range tn.rs {
			if d, ok := e.NextDeadline(); ok && d <= tn.now {
				tn.outs = e.AppendOutput(tn.outs[:0], tn.now)
				for _, o := range tn.outs {
					tn.transmit(r, o)
				}
			}
		}
	}
}

func (tn *testNet) transmit(r int, o Output) {
	if tn.onSend != nil {
		tn.onSend(r, o)
	}
	l := tn.links[tn.ifLink[[2]int{r, o.Iface}]]
	if !l.up || tn.drop != nil && tn.drop(r, o) {
		return
	}
	src, dst := l.addrA.Addr(), l.b
	if l.b == [2]int{r, o.Iface} {
		src, dst = l.addrB.Addr(), l.a
	}
	tn.seq++
	heap.Push(&tn.q, &inFlight{at: tn.now.Add(l.delay), seq: tn.seq, r: dst[0], i: dst[1], src: src, pkt: o.Packet})
}

// allFull reports whether every router has a Full neighbour on every
// link that is up and none on links that are down.
func (tn *testNet) allFull() error {
	for r, e := range tn.rs {
		full := 0
		for _, n := range e.Neighbors() {
			if n.State == NbrFull {
				full++
			}
		}
		want := 0
		for _, l := range tn.links {
			if l.up && (l.a[0] == r || l.b[0] == r) {
				want++
			}
		}
		if full != want {
			return fmt.Errorf("router %d: %d Full neighbours, want %d: %+v", r, full, want, e.Neighbors())
		}
	}
	return nil
}

// lsdbSame checks that every router holds the same LSA instances.
func (tn *testNet) lsdbSame() error {
	sig := func(e *Engine) string {
		var b bytes.Buffer
		for _, l := range e.LSDB(tn.now) {
			h := l.Header()
			fmt.Fprintf(&b, "%d/%v/%v/%x/%04x ", h.Type, h.ID, h.AdvRouter, uint32(h.Seq), h.Checksum)
		}
		return b.String()
	}
	want := sig(tn.rs[0])
	for r, e := range tn.rs[1:] {
		if got := sig(e); got != want {
			return fmt.Errorf("router %d LSDB\n %s\nrouter 0\n %s", r+1, got, want)
		}
	}
	if n := len(tn.rs[0].LSDB(tn.now)); n != len(tn.rs) {
		return fmt.Errorf("LSDB holds %d LSAs, want %d", n, len(tn.rs))
	}
	return nil
}

// wantRoutes computes the routing table of router s from the graph of
// links that are up, independently of the engine: all-pairs distances by
// Floyd-Warshall, then the first hops of every shortest path.
func (tn *testNet) wantRoutes(s int) []Route {
	n := len(tn.rs)
	const inf = 1 << 30
	d := make([][]int, n)
	for i := range d {
		d[i] = make([]int, n)
		for j := range d[i] {
			d[i][j] = inf
		}
		d[i][i] = 0
	}
	for _, l := range tn.links {
		if l.up {
			a, b := l.a[0], l.b[0]
			d[a][b], d[b][a] = min(d[a][b], int(l.cost)), min(d[b][a], int(l.cost))
		}
	}
	for k := range n {
		for i := range n {
			for j := range n {
				d[i][j] = min(d[i][j], d[i][k]+d[k][j])
			}
		}
	}
	var routes []Route
	// A cut link stops carrying packets but its interfaces stay up, so
	// both ends keep announcing its subnet as a stub.
	for _, l := range tn.links {
		p := l.addrA.Masked()
		r := Route{Prefix: p, Cost: uint32(min(d[s][l.a[0]], d[s][l.b[0]]) + int(l.cost))}
		if r.Cost >= inf {
			continue
		}
		if l.a[0] == s || l.b[0] == s {
			end := l.a
			if l.b[0] == s {
				end = l.b
			}
			r.NextHops = []NextHop{{Iface: end[1]}}
		} else {
			for _, x := range [2]int{l.a[0], l.b[0]} {
				if d[s][x]+int(l.cost) == int(r.Cost) && d[s][x] < inf {
					r.NextHops = mergeHops(r.NextHops, tn.firstHops(s, x, d))
				}
			}
		}
		routes = append(routes, r)
	}
	slices.SortFunc(routes, func(a, b Route) int { return a.Prefix.Addr().Compare(b.Prefix.Addr()) })
	return routes
}

func (tn *testNet) firstHops(s, x int, d [][]int) []NextHop {
	var hops []NextHop
	for _, l := range tn.links {
		if !l.up {
			continue
		}
		for _, ends := range [2][2][2]int{{l.a, l.b}, {l.b, l.a}} {
			me, peer := ends[0], ends[1]
			if me[0] == s && int(l.cost)+d[peer[0]][x] == d[s][x] {
				addr := l.addrA.Addr()
				if peer == l.b {
					addr = l.addrB.Addr()
				}
				hops = mergeHops(hops, []NextHop{{Iface: me[1], Addr: addr}})
			}
		}
	}
	return hops
}

func (tn *testNet) routesRight() error {
	for r, e := range tn.rs {
		got, want := e.Routes(), tn.wantRoutes(r)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("router %d routes\n got  %v\n want %v", r, got, want)
		}
	}
	return nil
}

func (tn *testNet) converged() error {
	if err := tn.allFull(); err != nil {
		return err
	}
	if err := tn.lsdbSame(); err != nil {
		return err
	}
	return tn.routesRight()
}

func ring(n int) [][2]int {
	var e [][2]int
	for i := range n {
		e = append(e, [2]int{i, (i + 1) % n})
	}
	return e
}

// mesh: 0→3 has two equal paths (via 1 and via 2), 4 and 5 hang off the
// square, and 0–5 closes a longer loop.
var mesh = [][2]int{{0, 1}, {0, 2}, {1, 3}, {2, 3}, {3, 4}, {4, 5}, {5, 0}}

func TestConvergeRingAndMesh(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     int
		edges [][2]int
	}{{"ring5", 5, ring(5)}, {"mesh6", 6, mesh}} {
		t.Run(tc.name, func(t *testing.T) {
			tn := newTestNet(t, tc.n, tc.edges, Config{})
			tn.run(sim.Time(60 * time.Second))
			if err := tn.converged(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestECMP checks a route with two equal next hops exists in the mesh.
func TestECMP(t *testing.T) {
	tn := newTestNet(t, 6, mesh, Config{})
	tn.run(sim.Time(60 * time.Second))
	// 1–3 link (10.0.8.0/30) seen from router 0: via 1 directly (20) ...
	// and 3–4 (10.0.16.0/30) from 0: via 1 or 2, cost 30, or via 5 at 30.
	for _, r := range tn.rs[0].Routes() {
		if r.Prefix == netip.MustParsePrefix("10.0.16.0/30") {
			if len(r.NextHops) != 3 || r.Cost != 30 {
				t.Fatalf("10.0.16.0/30 from router 0: %+v, want cost 30 over 3 next hops", r)
			}
			return
		}
	}
	t.Fatal("no route to 10.0.16.0/30")
}

func TestCutAndRestore(t *testing.T) {
	tn := newTestNet(t, 5, ring(5), Config{})
	tn.run(sim.Time(60 * time.Second))
	if err := tn.converged(); err != nil {
		t.Fatal(err)
	}
	tn.links[0].up = false // stop delivering on 0–1
	// Before the dead interval, nothing has noticed.
	tn.run(tn.now.Add(30 * time.Second))
	if len(tn.rs[0].Neighbors()) != 2 {
		t.Fatalf("router 0 lost a neighbour before RouterDeadInterval: %+v", tn.rs[0].Neighbors())
	}
	tn.run(tn.now.Add(30 * time.Second))
	if err := tn.converged(); err != nil {
		t.Fatalf("after cut: %v", err)
	}
	tn.links[0].up = true
	tn.run(tn.now.Add(60 * time.Second))
	if err := tn.converged(); err != nil {
		t.Fatalf("after restore: %v", err)
	}
}

// TestMaxAgeFlush: a router that leaves for good has its LSA aged out
// and removed everywhere after MaxAge.
func TestMaxAgeFlush(t *testing.T) {
	tn := newTestNet(t, 4, [][2]int{{0, 1}, {1, 2}, {2, 3}}, Config{})
	tn.run(sim.Time(60 * time.Second))
	if err := tn.converged(); err != nil {
		t.Fatal(err)
	}
	tn.links[2].up = false // 3 is cut off
	tn.run(tn.now.Add(2 * time.Hour))
	for r := range 3 {
		if n := len(tn.rs[r].LSDB(tn.now)); n != 3 {
			t.Fatalf("router %d holds %d LSAs after MaxAge, want 3", r, n)
		}
	}
	// Refreshes keep the reachable routers' LSAs alive past MaxAge.
	if err := tn.routesRight(); err != nil {
		t.Fatal(err)
	}
}

// TestLossyLinks: with a fifth of all packets lost (drawn from a seeded
// stream), retransmission of DDs, requests and LSAs still brings the mesh
// to a converged state, and the cut and restore still reconverge.
func TestLossyLinks(t *testing.T) {
	for seed := range uint64(5) {
		tn := newTestNet(t, 6, mesh, Config{})
		rng := rand.New(rand.NewPCG(seed, 11))
		lost := 0
		tn.drop = func(int, Output) bool {
			if rng.IntN(5) == 0 {
				lost++
				return true
			}
			return false
		}
		tn.run(sim.Time(120 * time.Second))
		if err := tn.converged(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		tn.drop = nil
		tn.links[1].up = false
		tn.run(tn.now.Add(60 * time.Second))
		if err := tn.converged(); err != nil {
			t.Fatalf("seed %d after cut: %v", seed, err)
		}
		var rx uint64
		for _, e := range tn.rs {
			rx += e.Stats.PacketsOut[TypeLSUpdate]
		}
		t.Logf("seed %d: %d packets lost, %d LSUs sent", seed, lost, rx)
	}
}

// TestNeighborStates follows one adjacency through the states of 10.1.
func TestNeighborStates(t *testing.T) {
	tn := newTestNet(t, 2, [][2]int{{0, 1}}, Config{})
	var seen []NbrState
	for at := sim.Time(0); at < sim.Time(30*time.Second); at += sim.Time(100 * time.Microsecond) {
		tn.run(at)
		for _, n := range tn.rs[0].Neighbors() {
			if len(seen) == 0 || seen[len(seen)-1] != n.State {
				seen = append(seen, n.State)
			}
		}
	}
	// Router 0 has the lower ID: it becomes the slave. Both databases are
	// one LSA each, so each side requests the other's and loads it.
	want := []NbrState{NbrInit, NbrExStart, NbrExchange, NbrLoading, NbrFull}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("states %v, want %v", seen, want)
	}
	if tn.rs[0].ifs[0].nbr.master || !tn.rs[1].ifs[0].nbr.master {
		t.Fatal("the higher router ID must be master")
	}
}

// TestHelloMismatch: routers with different HelloIntervals never
// become neighbours (10.5).
func TestHelloMismatch(t *testing.T) {
	tn := newTestNet(t, 2, [][2]int{{0, 1}}, Config{})
	tn.rs[1], _ = New(Config{RouterID: routerID(1), HelloInterval: 5 * time.Second, RouterDeadInterval: 20 * time.Second})
	tn.rs[1].AddInterface(0, InterfaceConfig{Addr: tn.links[0].addrB})
	tn.run(sim.Time(60 * time.Second))
	if n := tn.rs[0].Neighbors(); len(n) != 0 {
		t.Fatalf("neighbours %+v", n)
	}
	if tn.rs[0].Stats.Dropped == 0 {
		t.Fatal("mismatched hellos not counted as dropped")
	}
}

// TestRestart: a router restarts with an empty database and sequence
// numbers from InitialSequenceNumber; it meets its own older-incarnation
// LSA with a higher sequence number and "advance[s] the LSA's LS sequence
// number one past the received" one (13.4).
func TestRestart(t *testing.T) {
	tn := newTestNet(t, 5, ring(5), Config{LSRefreshTime: 20 * time.Second})
	tn.run(sim.Time(120 * time.Second)) // a few refreshes: seq well above Initial
	old := tn.rs[2].seq
	fresh, _ := New(Config{RouterID: routerID(2), LSRefreshTime: 20 * time.Second})
	for _, k := range []int{1, 2} { // links 1–2 and 2–3, in the order of newTestNet
		l := tn.links[k]
		addr := l.addrA
		if l.b[0] == 2 {
			addr = l.addrB
		}
		fresh.AddInterface(tn.now, InterfaceConfig{Addr: addr})
	}
	tn.rs[2] = fresh
	tn.run(tn.now.Add(60 * time.Second))
	if err := tn.converged(); err != nil {
		t.Fatal(err)
	}
	if fresh.seq <= old {
		t.Fatalf("restarted router's next seq %#x, not past its old %#x", uint32(fresh.seq), uint32(old))
	}
}
