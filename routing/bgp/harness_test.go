package bgp

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
)

// testNet joins speakers in memory: each pair of peers shares one
// "connection" that carries bytes after a fixed delay, in order. Dial
// events open it at once if the far end is waiting (Connect or Active),
// close events close both ends. A loop advances virtual time to the next
// delivery or deadline.
type testNet struct {
	t     testing.TB
	now   sim.Time
	sps   []*Speaker
	names []string
	conns []*testConn
	q     []delivery
	seq   uint64
	delay time.Duration
	// events of each speaker, in order
	events [][]Event
	// split cuts every chunk of output into pieces of this many bytes
	// (0: whole), to exercise reassembly.
	split int
	// tap, if set, sees every chunk before delivery and may rewrite it.
	tap func(from, to int, b []byte) []byte
}

type testConn struct {
	ends [2]struct{ sp, peer int }
	open bool
	gen  int // bumped at every open, so stale bytes are dropped
}

type delivery struct {
	at   sim.Time
	seq  uint64
	conn int
	gen  int
	to   int // end index 0 or 1
	b    []byte
}

func newTestNet(t testing.TB) *testNet {
	return &testNet{t: t, delay: time.Millisecond}
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// speaker adds a speaker in AS as with router ID 10.255.0.n.
func (n *testNet) speaker(name string, as uint32) int {
	i := len(n.sps)
	sp, err := NewSpeaker(SpeakerConfig{AS: as, RouterID: netip.AddrFrom4([4]byte{10, 255, 0, byte(i + 1)})})
	if err != nil {
		n.t.Fatal(err)
	}
	n.sps = append(n.sps, sp)
	n.names = append(n.names, name)
	n.events = append(n.events, nil)
	return i
}

// link joins speakers a and b: relAB is what b is to a, relBA what a is
// to b (ignored when both are in one AS). b's end is passive. tweak, if
// set, may change a's (end 0) and b's (end 1) configuration. It returns
// the peer indices at a and b.
func (n *testNet) link(a, b int, relAB, relBA Relationship, tweak func(end int, pc *PeerConfig)) (int, int) {
	k := len(n.conns)
	aAddr := netip.AddrFrom4([4]byte{10, 0, byte(k), 1})
	bAddr := netip.AddrFrom4([4]byte{10, 0, byte(k), 2})
	ca := PeerConfig{Relationship: relAB, Session: SessionConfig{PeerAS: n.sps[b].cfg.AS, LocalAddr: aAddr, PeerAddr: bAddr}}
	cb := PeerConfig{Relationship: relBA, Session: SessionConfig{PeerAS: n.sps[a].cfg.AS, LocalAddr: bAddr, PeerAddr: aAddr, Passive: true}}
	if tweak != nil {
		tweak(0, &ca)
		tweak(1, &cb)
		cb.Session.Passive = true
	}
	pa, err := n.sps[a].AddPeer(ca)
	if err != nil {
		n.t.Fatal(err)
	}
	pb, err := n.sps[b].AddPeer(cb)
	if err != nil {
		n.t.Fatal(err)
	}
	c := &testConn{}
	c.ends[0].sp, c.ends[0].peer = a, pa
	c.ends[1].sp, c.ends[1].peer = b, pb
	n.conns = append(n.conns, c)
	return pa, pb
}

// startAll starts every session.
func (n *testNet) startAll() {
	for _, sp := range n.sps {
		for p := range sp.Peers() {
			sp.Start(n.now, p)
		}
	}
	for i := range n.sps {
		n.pump(i)
	}
}

func (n *testNet) connOf(sp, peer int) (int, int) {
	for k, c := range n.conns {
		for e := range 2 {
			if c.ends[e].sp == sp && c.ends[e].peer == peer {
				return k, e
			}
		}
	}
	n.t.Fatalf("no connection for speaker %d peer %d", sp, peer)
	return 0, 0
}

// pump handles speaker i's events and queues its output, repeatedly
// until nothing more happens anywhere.
func (n *testNet) pump(i int) {
	work := []int{i}
	for len(work) > 0 {
		i, work = work[0], work[1:]
		sp := n.sps[i]
		evs := sp.AppendEvents(nil)
		n.events[i] = append(n.events[i], evs...)
		for p := range sp.Peers() {
			k, e := n.connOf(i, p)
			c := n.conns[k]
			out := sp.AppendOutput(nil, p)
			if len(out) > 0 && c.open {
				if n.tap != nil {
					out = n.tap(i, c.ends[1-e].sp, out)
				}
				for len(out) > 0 {
					m := len(out)
					if n.split > 0 {
						m = min(m, n.split)
					}
					n.seq++
					n.q = append(n.q, delivery{at: n.now.Add(n.delay), seq: n.seq, conn: k, gen: c.gen, to: 1 - e, b: out[:m]})
					out = out[m:]
				}
			}
		}
		for _, ev := range evs {
			if ev.Peer < 0 {
				continue
			}
			k, e := n.connOf(i, ev.Peer)
			c := n.conns[k]
			far := c.ends[1-e]
			switch ev.Kind {
			case EventDial:
				if c.open {
					continue
				}
				st := n.sps[far.sp].Session(far.peer).State()
				if st != Connect && st != Active {
					sp.Closed(n.now, ev.Peer)
					work = append(work, i)
					continue
				}
				c.open = true
				c.gen++
				if err := sp.Connected(n.now, ev.Peer); err != nil {
					n.t.Fatalf("%s: Connected: %v", n.names[i], err)
				}
				if err := n.sps[far.sp].Connected(n.now, far.peer); err != nil {
					n.t.Fatalf("%s: Connected: %v", n.names[far.sp], err)
				}
				work = append(work, i, far.sp)
			case EventClose:
				if !c.open {
					continue
				}
				// The bytes already queued still arrive (the NOTIFICATION
				// before the FIN); the far end learns of the close after
				// them.
				c.open = false
				n.seq++
				n.q = append(n.q, delivery{at: n.now.Add(n.delay), seq: n.seq, conn: k, gen: c.gen, to: 1 - e, b: nil})
			}
		}
	}
}

// run advances virtual time by d, delivering bytes and firing timers.
func (n *testNet) run(d time.Duration) {
	end := n.now.Add(d)
	for steps := 0; ; steps++ {
		if steps > 1_000_000 {
			n.t.Fatal("testNet: no quiescence")
		}
		next := sim.Never
		for _, sp := range n.sps {
			next = min(next, sp.NextDeadline())
		}
		qi := -1
		for j, dl := range n.q {
			if qi < 0 || dl.at < n.q[qi].at || dl.at == n.q[qi].at && dl.seq < n.q[qi].seq {
				qi = j
			}
		}
		if qi >= 0 && n.q[qi].at <= next {
			next = n.q[qi].at
		} else {
			qi = -1
		}
		if next > end {
			n.now = end
			return
		}
		n.now = next
		if qi >= 0 {
			dl := n.q[qi]
			n.q = slices.Delete(n.q, qi, qi+1)
			c := n.conns[dl.conn]
			if dl.gen != c.gen {
				continue
			}
			to := c.ends[dl.to]
			sp := n.sps[to.sp]
			if dl.b == nil {
				if st := sp.Session(to.peer).State(); st != Idle && st != Connect && st != Active {
					sp.Closed(n.now, to.peer)
				}
			} else {
				sp.Receive(n.now, to.peer, dl.b)
			}
			n.pump(to.sp)
			continue
		}
		for i, sp := range n.sps {
			if sp.NextDeadline() <= n.now {
				sp.Advance(n.now)
				n.pump(i)
			}
		}
	}
}

// originate makes speaker i originate p.
func (n *testNet) originate(i int, p string, o Origination) {
	if err := n.sps[i].Originate(n.now, pfx(p), o); err != nil {
		n.t.Fatal(err)
	}
	n.pump(i)
}

func (n *testNet) unoriginate(i int, p string) {
	n.sps[i].Unoriginate(n.now, pfx(p))
	n.pump(i)
}

// bestPath returns speaker i's best AS path to p as a string, "-" when
// it has none.
func (n *testNet) bestPath(i int, p string) string {
	r, ok := n.sps[i].Best(pfx(p))
	if !ok {
		return "-"
	}
	return r.Path.ASPath.String()
}

// established fails unless every session is Established.
func (n *testNet) established() {
	n.t.Helper()
	for i, sp := range n.sps {
		for p := range sp.Peers() {
			if st := sp.Session(p).State(); st != Established {
				n.t.Fatalf("%s peer %d: %v", n.names[i], p, st)
			}
		}
	}
}

func (n *testNet) dump() string {
	var b strings.Builder
	for i, sp := range n.sps {
		fmt.Fprintf(&b, "== %s\n%s", n.names[i], sp.Show())
	}
	return b.String()
}
