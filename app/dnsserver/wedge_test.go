package dnsserver_test

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
	"github.com/miekg/dns"
)

// ns1Server is the default world's server on ns1.example.com.
func ns1Server(t *testing.T, w interface{ Node(string) *node.Node }, servers []*dnsserver.Server) *dnsserver.Server {
	t.Helper()
	for _, s := range servers {
		if s.Node() == w.Node("ns1.example.com") {
			return s
		}
	}
	t.Fatal("no server on ns1.example.com")
	return nil
}

// TestTCPIdleClientClosed: a client that opens a TCP connection to port
// 53 and sends half a length prefix, then nothing (a slowloris), holds
// the server for TCPIdle and no longer; UDP queries are answered all the
// while.
func TestTCPIdleClientClosed(t *testing.T) {
	w := defaultWorld(t)
	srv := ns1Server(t, w, w.NameServers)
	laptop := w.Node("laptop")
	var wrote, closedAt sim.Time
	_, err := laptop.DialTCP(netip.AddrPortFrom(w.Node("ns1.example.com").Addr(), 53), tcp.Config{}, node.TCPHandler{
		Connected: func(c *node.TCPConn) {
			c.Write([]byte{0})
			wrote = w.Kernel.Now()
		},
		Readable: func(c *node.TCPConn) {
			var buf [512]byte
			for c.Read(buf[:]) > 0 {
			}
			if c.EOF() {
				closedAt = w.Kernel.Now()
				c.Close()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Kernel.RunUntil(w.Kernel.Now().Add(time.Second))
	if wrote == 0 {
		t.Fatal("the connection never opened")
	}
	// While the connection hangs, UDP goes on.
	if _, m := ask(t, w, "ns1.example.com", dnsserver.ExchangeConfig{}, "www.example.com.", dns.TypeA, true); m == nil || len(m.Answer) != 1 {
		t.Fatalf("UDP query during the idle connection: %v", m)
	}
	w.Kernel.RunUntil(w.Kernel.Now().Add(2 * dnsserver.TCPIdle))
	if closedAt == 0 {
		t.Fatalf("the server never closed the idle connection")
	}
	// The idle timer runs from the accept, a round trip before the byte
	// arrived; the FIN takes half a round trip back.
	if d := closedAt.Sub(wrote); d < dnsserver.TCPIdle-time.Second || d > dnsserver.TCPIdle+time.Second {
		t.Errorf("closed %v after the last byte, want about %v", d, dnsserver.TCPIdle)
	}
	if st := srv.Stats(); st.TCPConns != 1 || st.TCPQueries != 0 || st.UDPQueries != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestTCPClientThatNeverReads: a client that keeps sending queries on one
// connection and never reads the answers is cut off (RST) once the
// answers waiting for it pass the server's bound, instead of growing the
// server's memory without end; the server then answers others, over UDP
// and TCP.
func TestTCPClientThatNeverReads(t *testing.T) {
	w := defaultWorld(t)
	srv := ns1Server(t, w, w.NameServers)
	q := new(dns.Msg)
	q.SetQuestion("example.com.", dns.TypeANY)
	msg, _ := q.Pack()
	frame := binary.BigEndian.AppendUint16(nil, uint16(len(msg)))
	frame = append(frame, msg...)
	var stream []byte
	for range 1 << 15 { // 32768 queries, about 8 MB of answers: far past any bound
		stream = append(stream, frame...)
	}
	var closeErr error
	closed := false
	push := func(c *node.TCPConn) {
		for len(stream) > 0 {
			k := c.Write(stream)
			if k == 0 {
				return
			}
			stream = stream[k:]
		}
	}
	_, err := w.Node("laptop").DialTCP(netip.AddrPortFrom(w.Node("ns1.example.com").Addr(), 53), tcp.Config{}, node.TCPHandler{
		Connected: push,
		Writable:  push,
		// Readable reads nothing: the answers pile up.
		Readable: func(*node.TCPConn) {},
		Closed:   func(_ *node.TCPConn, err error) { closed, closeErr = true, err },
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Kernel.RunUntil(w.Kernel.Now().Add(30 * time.Second))
	if !closed || !errors.Is(closeErr, tcp.ErrReset) {
		t.Fatalf("closed %v (%v); want the server to reset the connection", closed, closeErr)
	}
	st := srv.Stats()
	if st.TCPQueries == 0 || st.TCPQueries >= 1<<15 {
		t.Errorf("the server answered %d of %d queries before it cut the client off", st.TCPQueries, 1<<15)
	}
	if _, m := ask(t, w, "ns1.example.com", dnsserver.ExchangeConfig{}, "www.example.com.", dns.TypeA, true); m == nil || len(m.Answer) != 1 {
		t.Errorf("UDP after the reset: %v", m)
	}
	if _, m := ask(t, w, "ns1.example.com", dnsserver.ExchangeConfig{TCP: true}, "www.example.com.", dns.TypeA, true); m == nil || len(m.Answer) != 1 {
		t.Errorf("TCP after the reset: %v", m)
	}
}
