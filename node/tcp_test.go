package node_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
	"github.com/hopsnet/hops/world"
)

// bulk sends size bytes from a to b:port over TCP and returns what b
// received, the errors both ends closed with, and the sender's engine.
type bulk struct {
	sent, got            []byte
	cliErr, srvErr       error
	cliClosed, srvClosed bool
	cli                  *node.TCPConn
}

func runBulk(t *testing.T, yaml string, size int) *bulk {
	t.Helper()
	w := build(t, yaml)
	a, b := w.Node("a"), w.Node("b")
	r := &bulk{sent: make([]byte, size)}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range r.sent {
		r.sent[i] = byte(rng.Uint32())
	}
	buf := make([]byte, 64<<10)
	if _, err := b.ListenTCP(5001, tcp.Config{}, func(c *node.TCPConn) node.TCPHandler {
		return node.TCPHandler{
			Readable: func(c *node.TCPConn) {
				for {
					k := c.Read(buf)
					if k == 0 {
						break
					}
					r.got = append(r.got, buf[:k]...)
				}
				if c.EOF() {
					c.Close()
				}
			},
			Closed: func(c *node.TCPConn, err error) { r.srvErr, r.srvClosed = err, true },
		}
	}); err != nil {
		t.Fatal(err)
	}
	off := 0
	write := func(c *node.TCPConn) {
		for off < len(r.sent) {
			k := c.Write(r.sent[off:])
			if k == 0 {
				return
			}
			off += k
		}
		c.CloseWrite()
	}
	c, err := a.DialTCP(netip.AddrPortFrom(b.Addr(), 5001), tcp.Config{}, node.TCPHandler{
		Connected: write,
		Writable:  write,
		Closed:    func(c *node.TCPConn, err error) { r.cliErr, r.cliClosed = err, true },
	})
	if err != nil {
		t.Fatal(err)
	}
	r.cli = c
	w.Kernel.Run()
	for _, n := range []*node.Node{a, b} {
		if h := n.Open(); h.TCPConns != 0 {
			t.Errorf("%s: %d TCP connections left (TIME-WAIT must end)", n.Name, h.TCPConns)
		}
	}
	if w.Pool.Live() != 0 {
		t.Errorf("%d packets leaked", w.Pool.Live())
	}
	return r
}

// midMTU is the chain with its small MTU between two routers, where
// neither end's MSS option can know it.
var midMTU = strings.Replace(strings.Replace(chain, ", mtu: 576", "", 1),
	"{a: r2 10.0.23.1/30, b: r3 10.0.23.2/30, rate: 1Gbps, delay: 2ms}",
	"{a: r2 10.0.23.1/30, b: r3 10.0.23.2/30, rate: 1Gbps, delay: 2ms, mtu: 1000}", 1)

// A megabyte across a 1000-byte MTU in the middle of the path: the first
// full-sized segments bounce (DF) with fragmentation needed, the
// connection lowers its MSS (RFC 1191) and everything arrives, exactly.
func TestTCPBulkAcrossSmallMTU(t *testing.T) {
	if !strings.Contains(midMTU, "mtu: 1000") {
		t.Fatal("the test world has no small MTU")
	}
	r := runBulk(t, midMTU, 1<<20)
	if sha256.Sum256(r.got) != sha256.Sum256(r.sent) {
		t.Fatalf("received %d bytes, want the %d sent (SHA-256 differs)", len(r.got), len(r.sent))
	}
	if !r.cliClosed || !r.srvClosed || r.cliErr != nil || r.srvErr != nil {
		t.Fatalf("close: client %v %v, server %v %v", r.cliClosed, r.cliErr, r.srvClosed, r.srvErr)
	}
	// The first segments were refused by r3: resent smaller.
	if st := r.cli.Engine().Stats(); st.Retransmits == 0 || st.MSS > 1000-40 {
		t.Fatalf("stats %+v: want retransmissions and an MSS that fits 1000", st)
	}
}

// Loss on the way: the transfer still delivers exactly the bytes sent.
func TestTCPBulkLossy(t *testing.T) {
	lossy := bytes.Replace([]byte(chain), []byte("delay: 2ms}\n  - {a: r2"), []byte("delay: 2ms, loss: 3%}\n  - {a: r2"), 1)
	r := runBulk(t, string(lossy), 256<<10)
	if sha256.Sum256(r.got) != sha256.Sum256(r.sent) || r.cliErr != nil {
		t.Fatalf("received %d of %d bytes, client error %v", len(r.got), len(r.sent), r.cliErr)
	}
}

// A SYN to a port nobody listens on is answered with RST: the dial fails
// with connection refused.
func TestTCPConnRefused(t *testing.T) {
	w := build(t, chain)
	a, b := w.Node("a"), w.Node("b")
	var got error
	closed := false
	if _, err := a.DialTCP(netip.AddrPortFrom(b.Addr(), 81), tcp.Config{}, node.TCPHandler{
		Closed: func(c *node.TCPConn, err error) { got, closed = err, true },
	}); err != nil {
		t.Fatal(err)
	}
	w.Kernel.Run()
	if !closed || !errors.Is(got, tcp.ErrConnRefused) {
		t.Fatalf("closed %v, err %v; want connection refused", closed, got)
	}
}

// An ICMP unreachable while the connection opens ends it at once with the
// ICMP's meaning and no RST (Linux's tcp_v4_err); once it is established
// the same error is soft, and the connection goes on trying.
func TestTCPICMPUnreachable(t *testing.T) {
	w, err := world.FromYAML("t.yaml", []byte(chain), 1, world.Options{StaticRoutes: true})
	if err != nil {
		t.Fatal(err)
	}
	a, b := w.Node("a"), w.Node("b")
	w.Link("r2--r3").SetUp(false)
	var got error
	closed := false
	if _, err := a.DialTCP(netip.AddrPortFrom(b.Addr(), 80), tcp.Config{}, node.TCPHandler{
		Closed: func(c *node.TCPConn, err error) { got, closed = err, true },
	}); err != nil {
		t.Fatal(err)
	}
	w.Kernel.RunUntil(sim.Time(500 * time.Millisecond))
	if !closed || !errors.Is(got, node.ErrNetUnreachable) {
		t.Fatalf("closed %v, err %v; want network unreachable within the first RTO", closed, got)
	}
	if !strings.Contains(got.Error(), "net unreachable from 10.0.12.2") {
		t.Fatalf("error %q does not say who answered", got)
	}
}

// An established connection whose path breaks hears net unreachable from
// the router, keeps retransmitting (the error is soft), and when it gives
// up reports the timeout together with the last ICMP error, as Linux
// reports sk_err_soft.
func TestTCPSoftICMPError(t *testing.T) {
	w, err := world.FromYAML("t.yaml", []byte(chain), 1, world.Options{StaticRoutes: true})
	if err != nil {
		t.Fatal(err)
	}
	a, b := w.Node("a"), w.Node("b")
	b.ListenTCP(80, tcp.Config{}, func(c *node.TCPConn) node.TCPHandler { return node.TCPHandler{} })
	var got error
	var c *node.TCPConn
	c, err = a.DialTCP(netip.AddrPortFrom(b.Addr(), 80), tcp.Config{DataRetries: 3}, node.TCPHandler{
		Connected: func(c *node.TCPConn) {
			w.Link("r2--r3").SetUp(false)
			c.Write([]byte("into the void"))
		},
		Closed: func(c *node.TCPConn, err error) { got = err },
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Kernel.RunUntil(sim.Time(time.Minute))
	if !errors.Is(got, tcp.ErrTimeout) || !errors.Is(got, node.ErrNetUnreachable) {
		t.Fatalf("err %v; want a timeout carrying the ICMP error", got)
	}
	if st := c.Engine().Stats(); st.Timeouts != 3 {
		t.Fatalf("%d timeouts, want 3 retries before giving up", st.Timeouts)
	}
}

// SetNotSentLowat (TCP_NOTSENT_LOWAT): the app never has more than the
// mark written and not yet sent, Writable comes back as TCP sends, and
// every byte arrives.
func TestTCPNotSentLowat(t *testing.T) {
	w := build(t, chain)
	a, b := w.Node("a"), w.Node("b")
	const size, lowat = 1 << 20, 8 << 10
	var got int
	buf := make([]byte, 64<<10)
	h := sha256.New()
	if _, err := b.ListenTCP(5001, tcp.Config{}, func(c *node.TCPConn) node.TCPHandler {
		return node.TCPHandler{Readable: func(c *node.TCPConn) {
			for k := c.Read(buf); k > 0; k = c.Read(buf) {
				got += k
				h.Write(buf[:k])
			}
		}}
	}); err != nil {
		t.Fatal(err)
	}
	sent := make([]byte, size)
	for i := range sent {
		sent[i] = byte(i * 31)
	}
	off, calls, most := 0, 0, 0
	write := func(c *node.TCPConn) {
		calls++
		for off < size {
			k := c.Write(sent[off:])
			if k == 0 {
				break
			}
			off += k
			most = max(most, c.Engine().NotSent())
		}
		if off == size {
			c.CloseWrite()
		}
	}
	c, err := a.DialTCP(netip.AddrPortFrom(b.Addr(), 5001), tcp.Config{SendBufSize: 256 << 10}, node.TCPHandler{Connected: write, Writable: write})
	if err != nil {
		t.Fatal(err)
	}
	c.SetNotSentLowat(lowat)
	w.Kernel.RunUntil(w.Kernel.Now().Add(time.Minute))
	want := sha256.Sum256(sent)
	if got != size || !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatalf("%d of %d bytes arrived (hash equal: %v)", got, size, bytes.Equal(h.Sum(nil), want[:]))
	}
	if most > lowat || calls < size/lowat/2 {
		t.Fatalf("at most %d bytes not sent (mark %d), %d writes", most, lowat, calls)
	}
}
