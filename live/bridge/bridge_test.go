package bridge_test

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hopsnet/hops/live/bridge"
	"github.com/hopsnet/hops/live/realtime"
	"github.com/hopsnet/hops/wire"
	"github.com/hopsnet/hops/world"
)

// Two hosts and a router; the bridge stands for h1.
const twoHosts = `
name: bridge-test
nodes:
  - {name: h1, role: host}
  - {name: r, role: router}
  - {name: h2, role: host}
links:
  - {a: h1 198.18.0.2/30, b: r 198.18.0.1/30, delay: 3ms}
  - {a: r 198.18.0.5/30, b: h2 198.18.0.6/30, delay: 2ms}
`

// fakeDev is a device whose "kernel" is the test: in feeds Read, Write
// appends to out.
type fakeDev struct {
	in     chan []byte
	mu     sync.Mutex
	out    [][]byte
	at     []time.Time
	closed chan struct{}
	once   sync.Once
}

func newFakeDev() *fakeDev {
	return &fakeDev{in: make(chan []byte, 16), closed: make(chan struct{})}
}

func (f *fakeDev) Read(b []byte) (int, error) {
	select {
	case d := <-f.in:
		return copy(b, d), nil
	case <-f.closed:
		return 0, errors.New("closed")
	}
}

func (f *fakeDev) Write(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.out = append(f.out, append([]byte(nil), b...))
	f.at = append(f.at, time.Now())
	return len(b), nil
}

func (f *fakeDev) Close() error { f.once.Do(func() { close(f.closed) }); return nil }

func (f *fakeDev) written() ([][]byte, []time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.out...), append([]time.Time(nil), f.at...)
}

func echo(src, dst netip.Addr, ttl uint8, seq uint16) []byte {
	m := wire.ICMPMessage{Type: wire.ICMPEchoRequest, ID: 99, Seq: seq, Data: []byte("bridge")}
	icmp := m.AppendTo(nil)
	h := wire.IPv4Header{TTL: ttl, Protocol: wire.ProtoICMP, Src: src, Dst: dst, ID: seq}
	return append(h.AppendTo(nil, len(icmp)), icmp...)
}

// Datagrams from the device enter the world as h1's, at "now", after
// their checks; the world's answers to h1 come out of the device; what
// fails a check is counted and never sent.
func TestBridgeMovesCheckedDatagrams(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, err := world.FromYAML("bridge.yaml", []byte(twoHosts), 1, world.Options{})
		if err != nil {
			t.Fatal(err)
		}
		d := realtime.New(w.Kernel)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx) }()
		dev := newFakeDev()
		b := bridge.New(d, w.Node("h1"), dev, bridge.Options{})
		if err := b.Start(); err != nil {
			t.Fatal(err)
		}
		h1, h2 := netip.MustParseAddr("198.18.0.2"), netip.MustParseAddr("198.18.0.6")
		start := time.Now()
		dev.in <- echo(h1, h2, 64, 1)
		bad := echo(h1, h2, 64, 2)
		bad[len(bad)-1] ^= 1 // ICMP checksum
		dev.in <- bad
		hdr := echo(h1, h2, 64, 3)
		hdr[8] = 1 // TTL changed, header checksum not
		dev.in <- hdr
		dev.in <- echo(netip.MustParseAddr("192.0.2.1"), h2, 64, 4) // not h1's address
		dev.in <- []byte{0x60, 0, 0, 0}                             // IPv6
		dev.in <- echo(h1, netip.MustParseAddr("198.18.0.5"), 1, 5) // the router's own address, TTL 1
		time.Sleep(time.Second)
		synctest.Wait()
		out, at := dev.written()
		if len(out) != 2 {
			t.Fatalf("the device got %d datagrams, want 2 echo replies", len(out))
		}
		for i, want := range []struct {
			src string
			seq uint16
			rtt time.Duration
		}{{"198.18.0.5", 5, 6 * time.Millisecond}, {"198.18.0.6", 1, 10 * time.Millisecond}} {
			h, p, err := wire.ParseIPv4(out[i])
			if err != nil {
				t.Fatal(err)
			}
			m, err := wire.ParseICMP(p)
			if err != nil {
				t.Fatal(err)
			}
			if h.Src.String() != want.src || h.Dst != h1 || m.Type != wire.ICMPEchoReply || m.Seq != want.seq {
				t.Errorf("datagram %d: %v → %v type %d seq %d, want an echo reply %d from %s", i, h.Src, h.Dst, m.Type, m.Seq, want.seq, want.src)
			}
			if rtt := at[i].Sub(start); rtt != want.rtt {
				t.Errorf("reply %d came after %v, want the world's round trip %v", i, rtt, want.rtt)
			}
		}
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		st := b.Stats()
		want := bridge.Stats{In: 2, Out: 2, BadChecksum: 2, Spoofed: 1, NotIPv4: 1}
		st.InBytes, st.OutBytes = 0, 0
		if st != want {
			t.Errorf("stats %+v, want %+v", st, want)
		}
		cancel()
		<-done
	})
}

func TestCheck(t *testing.T) {
	a, b := netip.MustParseAddr("198.18.0.2"), netip.MustParseAddr("198.18.0.6")
	good := echo(a, b, 64, 1)
	udp := wire.UDPHeader{SrcPort: 1000, DstPort: 53}
	u := udp.AppendTo(nil, a, b, []byte("query"))
	uh := wire.IPv4Header{TTL: 64, Protocol: wire.ProtoUDP, Src: a, Dst: b}
	udpGood := append(uh.AppendTo(nil, len(u)), u...)
	udpNoSum := append([]byte(nil), udpGood...)
	udpNoSum[20+6], udpNoSum[20+7] = 0, 0
	udpBad := append([]byte(nil), udpGood...)
	udpBad[len(udpBad)-1] ^= 0x20
	for _, c := range []struct {
		name string
		d    []byte
		want error
	}{
		{"echo", good, nil},
		{"udp", udpGood, nil},
		{"udp without checksum", udpNoSum, nil},
		{"udp bad checksum", udpBad, bridge.ErrBadChecksum},
		{"empty", nil, bridge.ErrNotIPv4},
		{"ipv6", []byte{0x60, 0, 0, 0, 0, 0, 0, 0}, bridge.ErrNotIPv4},
		{"truncated", good[:len(good)-2], errors.New("any")},
	} {
		err := bridge.Check(c.d)
		switch {
		case c.want == nil && err != nil:
			t.Errorf("%s: %v, want ok", c.name, err)
		case c.want != nil && err == nil:
			t.Errorf("%s: ok, want an error", c.name)
		case c.want != nil && c.want.Error() != "any" && !errors.Is(err, c.want):
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// A world that falls behind does not queue the device's datagrams
// without bound: with the driver not running, the bridge hands it at
// most QueuePackets and counts the rest as Behind, as a NIC's full
// receive ring drops them.
func TestBridgeBoundsWhatWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, err := world.FromYAML("bridge.yaml", []byte(twoHosts), 1, world.Options{})
		if err != nil {
			t.Fatal(err)
		}
		d := realtime.New(w.Kernel) // never run: the world is behind
		dev := newFakeDev()
		b := bridge.New(d, w.Node("h1"), dev, bridge.Options{QueuePackets: 10})
		if err := b.Start(); err != nil {
			t.Fatal(err)
		}
		h1, h2 := netip.MustParseAddr("198.18.0.2"), netip.MustParseAddr("198.18.0.6")
		for i := range 25 {
			dev.in <- echo(h1, h2, 64, uint16(i))
		}
		synctest.Wait()
		if st := b.Stats(); st.Behind != 15 {
			t.Errorf("%d datagrams counted behind, want 15 (25 less the 10 the queue holds)", st.Behind)
		}
		d.Stop()
		b.Close()
	})
}

// FuzzCheck: whatever Linux writes to the device, Check never panics,
// and what it accepts parses as IPv4 with a transport header hops reads.
func FuzzCheck(f *testing.F) {
	h1, h2 := netip.MustParseAddr("198.18.0.2"), netip.MustParseAddr("198.18.0.6")
	f.Add(echo(h1, h2, 64, 1))
	f.Add([]byte{0x45, 0, 0, 20})
	f.Add([]byte{0x60, 0, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, d []byte) {
		if bridge.Check(d) != nil {
			return
		}
		if _, _, err := wire.ParseIPv4(d); err != nil {
			t.Fatalf("Check accepted %x, which does not parse: %v", d, err)
		}
	})
}
