package node_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// dfLog records, for each datagram a sends, its length and DF bit, and
// counts fragments.
type dfLog struct {
	sent  []string
	frags int
}

func (l *dfLog) Observe(e *trace.Event) {
	if e.Node != "a" {
		return
	}
	ip := wire.IPv4(e.Data)
	switch e.Kind {
	case trace.Send:
		df := "-"
		if ip.DontFragment() {
			df = "DF"
		}
		l.sent = append(l.sent, df)
	case trace.Fragment:
		l.frags++
		if ip.TotalLen() > 576 || ip.DontFragment() {
			l.sent = append(l.sent, "bad fragment")
		}
	}
}

// Path-MTU discovery as Linux does it (RFC 1191): a PMTUWant sender sets
// DF while the datagram fits, learns the path MTU from fragmentation
// needed, then fragments locally; a PMTUDo sender is refused locally with
// the learned MTU; PMTUProbe ignores the cache; the entry expires after
// ten minutes.
func TestPathMTUDiscovery(t *testing.T) {
	w := build(t, chain)
	a, b := w.Node("a"), w.Node("b")
	log := &dfLog{}
	w.Bus.Subscribe(log)
	got := 0
	b.ListenUDP(9, func(now sim.Time, d *node.Datagram) { got++ })
	c, _ := a.ListenUDP(0, nil)
	var errs []error
	c.OnError(func(now sim.Time, e *node.ICMPError) { errs = append(errs, e.Err) })
	dst := netip.AddrPortFrom(b.Addr(), 9)
	big := make([]byte, 1000)

	if mtu, _ := a.PathMTU(b.Addr()); mtu != 1500 {
		t.Fatalf("path MTU before discovery %d, want 1500", mtu)
	}
	c.SendTo(dst, big) // PMTUWant: DF, dropped at r3 with fragmentation needed
	w.Kernel.Run()
	if len(errs) != 1 || !errors.Is(errs[0], node.ErrTooBig) || got != 0 {
		t.Fatalf("first datagram: errors %v, delivered %d; want one fragmentation needed", errs, got)
	}
	if mtu, _ := a.PathMTU(b.Addr()); mtu != 576 {
		t.Fatalf("path MTU after discovery %d, want 576", mtu)
	}
	c.SendTo(dst, big) // fits no more: fragmented locally, no DF
	w.Kernel.Run()
	if got != 1 || log.frags != 2 {
		t.Fatalf("second datagram: delivered %d in %d fragments, want 1 in 2", got, log.frags)
	}
	c.PMTU = node.PMTUDo
	_, err := c.SendTo(dst, big)
	var tb *node.TooBigError
	if !errors.As(err, &tb) || tb.MTU != 576 || tb.Size != 1028 {
		t.Fatalf("PMTUDo over the path MTU: err %v, want a TooBigError with mtu 576", err)
	}
	c.PMTU = node.PMTUProbe // ignores the cache: DF, and the router refuses again
	if _, err := c.SendTo(dst, big); err != nil {
		t.Fatal(err)
	}
	w.Kernel.Run()
	if len(errs) != 2 {
		t.Fatalf("probe: %d errors, want 2", len(errs))
	}
	// Ten minutes later the learned MTU has expired.
	w.Kernel.RunUntil(w.Kernel.Now().Add(node.PMTUExpires + time.Second))
	if mtu, _ := a.PathMTU(b.Addr()); mtu != 1500 {
		t.Fatalf("path MTU after expiry %d, want 1500", mtu)
	}
	if len(log.sent) != 3 || log.sent[0] != "DF" || log.sent[1] != "-" || log.sent[2] != "DF" {
		t.Fatalf("DF per datagram %v, want [DF - DF]", log.sent)
	}
}

// ICMP rate limiting as in Linux: per destination a burst of 6, then one
// a second; fragmentation needed is never limited; the zero limit allows
// everything; the global bucket allows bursts of 50.
func TestICMPRateLimit(t *testing.T) {
	tests := []struct {
		name   string
		limit  *node.ICMPRateLimit // nil: the default
		probes int
		df     bool          // oversize with DF: fragmentation needed at r3
		wait   time.Duration // then as many probes again
		want   int           // ICMP errors in all
	}{
		{"default: burst of 6", nil, 10, false, 0, 6},
		{"one more after a second", nil, 10, false, time.Second, 7},
		{"two more after two seconds", nil, 10, false, 2 * time.Second, 8},
		{"fragmentation needed is exempt", nil, 10, true, 0, 10},
		{"no limit", &node.ICMPRateLimit{}, 10, false, 0, 10},
		{"global burst of 50", &node.ICMPRateLimit{MsgsPerSec: 1000, MsgsBurst: 50, Mask: 0x1818}, 60, false, 0, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := build(t, chain)
			a, b := w.Node("a"), w.Node("b")
			for _, r := range []string{"r1", "r3"} {
				if tt.limit != nil {
					w.Node(r).ICMPLimit = *tt.limit
				}
			}
			errs := 0
			a.ListenICMP(func(now sim.Time, m *node.ICMPPacket) {
				if m.IsError() {
					errs++
				}
			})
			send := func() {
				size, ttl := 28, uint8(1)
				if tt.df {
					size, ttl = 1000, 64
				}
				h := wire.IPv4Header{TTL: ttl, DontFragment: tt.df, Protocol: wire.ProtoUDP, Src: a.Addr(), Dst: b.Addr()}
				u := wire.AppendUDP(nil, a.Addr(), b.Addr(), 40000, 9, make([]byte, size-28))
				if _, err := a.SendRaw(append(h.AppendTo(nil, len(u)), u...)); err != nil {
					t.Fatal(err)
				}
			}
			for range tt.probes {
				send()
			}
			w.Kernel.Run()
			if tt.wait > 0 {
				w.Kernel.RunUntil(w.Kernel.Now().Add(tt.wait))
				for range tt.probes {
					send()
				}
				w.Kernel.Run()
			}
			if errs != tt.want {
				t.Fatalf("%d ICMP errors, want %d", errs, tt.want)
			}
			limited := w.Node("r1").Stats().ICMPRateLimited + w.Node("r3").Stats().ICMPRateLimited
			if int(limited) != tt.probes*(1+boolInt(tt.wait > 0))-tt.want {
				t.Fatalf("%d rate-limited, want %d", limited, tt.probes*(1+boolInt(tt.wait > 0))-tt.want)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Errors the node cannot route back cost nothing: sixty datagrams with
// TTL 1 from sources r1 has no route to, then one from a, which gets its
// time exceeded.
func TestUnroutableErrorsSpendNothing(t *testing.T) {
	w := build(t, chain)
	a, b := w.Node("a"), w.Node("b")
	got := 0
	a.ListenICMP(func(now sim.Time, m *node.ICMPPacket) {
		if m.IsError() {
			got++
		}
	})
	send := func(src netip.Addr) {
		u := wire.AppendUDP(nil, src, b.Addr(), 40000, 9, []byte("x"))
		h := wire.IPv4Header{TTL: 1, Protocol: wire.ProtoUDP, Src: src, Dst: b.Addr()}
		if _, err := a.SendRaw(append(h.AppendTo(nil, len(u)), u...)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 60 {
		send(netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}))
	}
	send(a.Addr())
	w.Kernel.Run()
	if got != 1 || w.Node("r1").Stats().ICMPRateLimited != 0 {
		t.Fatalf("a got %d errors, %d rate-limited; want 1 and 0", got, w.Node("r1").Stats().ICMPRateLimited)
	}
}
