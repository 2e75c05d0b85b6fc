package netsim_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hopsnet/hops/live/netsim"
	"github.com/hopsnet/hops/live/realtime"
	"github.com/hopsnet/hops/tcp"
	"github.com/hopsnet/hops/world"
)

// pair returns a connection from a to b in the two-host world and its
// accepted end. Call it inside a bubble.
func pair(t *testing.T, n *netsim.Net) (client, server net.Conn) {
	t.Helper()
	l, err := host(t, n, "b").Listen("tcp", ":7000")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client, err = host(t, n, "a").Dial("tcp", "10.0.2.2:7000")
	if err != nil {
		t.Fatal(err)
	}
	server, err = l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	return client, server
}

// wantTimeout checks that err is a deadline's: os.ErrDeadlineExceeded in
// a net.Error whose Timeout is true.
func wantTimeout(t *testing.T, what string, err error) {
	t.Helper()
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("%s: %v, want a timeout (os.ErrDeadlineExceeded)", what, err)
	}
}

func TestAddrs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := running(t, small(t))
		c, s := pair(t, n)
		defer c.Close()
		defer s.Close()
		ca, ok := c.LocalAddr().(*net.TCPAddr)
		if !ok || ca.AddrPort().Addr() != netip.MustParseAddr("10.0.1.2") || ca.Port == 0 {
			t.Errorf("client LocalAddr %v", c.LocalAddr())
		}
		if got := c.RemoteAddr().String(); got != "10.0.2.2:7000" {
			t.Errorf("client RemoteAddr %s", got)
		}
		if s.RemoteAddr().String() != c.LocalAddr().String() || s.LocalAddr().String() != c.RemoteAddr().String() {
			t.Errorf("server sees %v -> %v, client %v -> %v", s.RemoteAddr(), s.LocalAddr(), c.LocalAddr(), c.RemoteAddr())
		}
	})
}

// A port nobody listens on answers RST: connection refused, as errno
// and as hops' own error.
func TestDialRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := running(t, small(t))
		start := time.Now()
		_, err := host(t, n, "a").Dial("tcp", "10.0.2.2:9")
		var op *net.OpError
		if !errors.Is(err, syscall.ECONNREFUSED) || !errors.Is(err, tcp.ErrConnRefused) || !errors.As(err, &op) || op.Op != "dial" {
			t.Fatalf("Dial to a closed port: %v, want a dial OpError with ECONNREFUSED", err)
		}
		// One round trip of the world: 2 × (1 + 5 + 1) ms plus serialization.
		if rtt := time.Since(start); rtt < 14*time.Millisecond || rtt > 20*time.Millisecond {
			t.Errorf("refusal took %v of virtual time, want one round trip (14ms and a little)", rtt)
		}
		t.Log(err)
	})
}

// A SYN into a link that loses everything is retried until the engine
// gives up: ETIMEDOUT, a net.Error with Timeout true. A context ends the
// wait sooner; a cut link with its routes withdrawn is unreachable at once.
func TestDialTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, err := world.FromYAML("black-hole.yaml", []byte(strings.Replace(twoHosts, "delay: 5ms", "delay: 5ms, loss: 100%", 1)), 1, world.Options{})
		if err != nil {
			t.Fatal(err)
		}
		n := running(t, w)
		n.TCP.SynRetries = 2
		a := host(t, n, "a")
		start := time.Now()
		_, err = a.Dial("tcp", "10.0.2.2:7000")
		var ne net.Error
		if !errors.Is(err, syscall.ETIMEDOUT) || !errors.Is(err, tcp.ErrTimeout) || !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("Dial into a black hole: %v, want ETIMEDOUT", err)
		}
		// SYNs at 0, 1 and 3 s, given up at 7 s (RTO 1 s, doubling).
		t.Logf("%v after %v", err, time.Since(start))
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start = time.Now()
		_, err = a.DialContext(ctx, "tcp", "10.0.2.2:7000")
		if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("DialContext with a 300ms context: %v", err)
		}
		if d := time.Since(start); d != 300*time.Millisecond {
			t.Errorf("DialContext returned after %v, want 300ms", d)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		w := small(t)
		w.Link("core").SetUp(false) // before the driver runs: the kernel is still ours
		n := running(t, w)
		_, err := host(t, n, "a").Dial("tcp", "10.0.2.2:7000")
		if !errors.Is(err, syscall.ENETUNREACH) {
			t.Errorf("Dial across a cut link: %v, want ENETUNREACH", err)
		}
		t.Log(err)
	})
}

func TestReadDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := running(t, small(t))
		c, s := pair(t, n)
		defer c.Close()
		defer s.Close()
		start := time.Now()
		c.SetReadDeadline(start.Add(2 * time.Second))
		buf := make([]byte, 10)
		k, err := c.Read(buf)
		wantTimeout(t, "Read past its deadline", err)
		if k != 0 || time.Since(start) != 2*time.Second {
			t.Errorf("Read returned %d bytes after %v, want 0 after 2s", k, time.Since(start))
		}
		// Later reads fail at once until the deadline moves.
		if _, err := c.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("second Read: %v", err)
		}
		c.SetReadDeadline(time.Time{})
		s.Write([]byte("hello"))
		if k, err := io.ReadFull(c, buf[:5]); err != nil || string(buf[:k]) != "hello" {
			t.Errorf("Read after clearing the deadline: %q, %v", buf[:k], err)
		}
		// A deadline moved into the past wakes a Read already waiting.
		done := make(chan error)
		go func() {
			_, err := c.Read(buf)
			done <- err
		}()
		time.Sleep(time.Second)
		c.SetReadDeadline(time.Now().Add(-time.Second))
		wantTimeout(t, "Read woken by a past deadline", <-done)
	})
}

// Write blocks while the send buffer is full and the peer reads
// nothing (back-pressure); its deadline returns what was queued.
func TestWriteBackPressure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := running(t, small(t))
		n.TCP.SendBufSize, n.TCP.RecvBufSize = 256<<10, 128<<10
		c, s := pair(t, n)
		defer c.Close()
		defer s.Close()
		big := bytes.Repeat([]byte("x"), 4<<20)
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		k, err := c.Write(big)
		wantTimeout(t, "Write with nobody reading", err)
		// The peer's receive buffer fills, then the send buffer.
		if want := 256<<10 + 128<<10; k != want {
			t.Fatalf("Write queued %d of %d bytes before blocking, want %d (send buffer plus the peer's window)", k, len(big), want)
		}
		// Once the peer reads, the rest goes through.
		c.SetWriteDeadline(time.Time{})
		got := make(chan int64)
		go func() {
			m, _ := io.Copy(io.Discard, s)
			got <- m
		}()
		if m, err := c.Write(big[k:]); err != nil || m != len(big)-k {
			t.Fatalf("Write after the reader started: %d, %v", m, err)
		}
		c.(*netsim.Conn).CloseWrite()
		if m := <-got; m != int64(len(big)) {
			t.Errorf("peer read %d bytes, want %d", m, len(big))
		}
	})
}

// CloseWrite sends FIN: the peer reads EOF and can still answer;
// writing after CloseWrite fails with EPIPE.
func TestCloseWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := running(t, small(t))
		c, s := pair(t, n)
		defer c.Close()
		defer s.Close()
		c.Write([]byte("question"))
		if err := c.(*netsim.Conn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte("more")); !errors.Is(err, syscall.EPIPE) {
			t.Errorf("Write after CloseWrite: %v, want EPIPE", err)
		}
		q, err := io.ReadAll(s)
		if err != nil || string(q) != "question" {
			t.Fatalf("peer read %q, %v; want \"question\" then EOF", q, err)
		}
		s.Write([]byte("answer"))
		s.Close()
		a, err := io.ReadAll(c)
		if err != nil || string(a) != "answer" {
			t.Errorf("read %q, %v after half-close; want \"answer\" then EOF", a, err)
		}
	})
}

// Close: blocked and later calls return net.ErrClosed, the peer reads
// EOF, a second Close is an error.
func TestClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := running(t, small(t))
		c, s := pair(t, n)
		defer s.Close()
		done := make(chan error)
		go func() {
			_, err := c.Read(make([]byte, 1))
			done <- err
		}()
		time.Sleep(time.Second)
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; !errors.Is(err, net.ErrClosed) {
			t.Errorf("Read blocked across Close: %v, want net.ErrClosed", err)
		}
		if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Write after Close: %v, want net.ErrClosed", err)
		}
		if err := c.Close(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("second Close: %v, want net.ErrClosed", err)
		}
		if k, err := s.Read(make([]byte, 1)); k != 0 || err != io.EOF {
			t.Errorf("peer Read after Close: %d, %v; want io.EOF", k, err)
		}
	})
}

// Closing with unread bytes resets the connection (RFC 1122 4.2.2.13,
// as Linux does): the peer's next Read or Write sees ECONNRESET.
func TestCloseWithUnreadDataResets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := running(t, small(t))
		c, s := pair(t, n)
		defer c.Close()
		c.Write([]byte("never read"))
		time.Sleep(100 * time.Millisecond) // the bytes reach s
		s.Close()
		_, err := c.Read(make([]byte, 10))
		if !errors.Is(err, syscall.ECONNRESET) || !errors.Is(err, tcp.ErrReset) {
			t.Errorf("Read after the peer's reset: %v, want ECONNRESET", err)
		}
		if _, err := c.Write([]byte("x")); !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("Write after the peer's reset: %v, want ECONNRESET", err)
		}
	})
}

// A driver that stops wakes the goroutines waiting on its world.
func TestDriverStopWakesWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := running(t, small(t))
		c, _ := pair(t, n) // the server's end neither reads nor writes
		l, err := host(t, n, "b").Listen("tcp", ":7001")
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 3)
		go func() {
			_, err := c.Read(make([]byte, 1))
			errs <- err
		}()
		go func() {
			_, err := c.Write(make([]byte, 64<<20)) // more than the buffers hold
			errs <- err
		}()
		go func() {
			_, err := l.Accept()
			errs <- err
		}()
		time.Sleep(time.Second)
		n.Driver.Stop()
		for range 3 {
			if err := <-errs; !errors.Is(err, realtime.ErrStopped) {
				t.Errorf("a call waiting across Stop: %v, want realtime.ErrStopped", err)
			}
		}
	})
}

// Listener.Close wakes Accept, and the port then refuses connections.
func TestListenerClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := running(t, small(t))
		b := host(t, n, "b")
		l, err := b.Listen("tcp", ":0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().(*net.TCPAddr)
		if addr.String() != "10.0.2.2:32768" {
			t.Errorf("Listen(:0) address %v", addr)
		}
		if _, err := b.Listen("tcp", addr.String()); !errors.Is(err, syscall.EADDRINUSE) {
			t.Errorf("second Listen on %v: %v, want EADDRINUSE", addr, err)
		}
		done := make(chan error)
		go func() {
			_, err := l.Accept()
			done <- err
		}()
		time.Sleep(time.Second)
		l.Close()
		if err := <-done; !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept across Close: %v, want net.ErrClosed", err)
		}
		if _, err := host(t, n, "a").Dial("tcp", addr.String()); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("Dial after the listener closed: %v, want ECONNREFUSED", err)
		}
	})
}

// Echo across the world in real time (no bubble): the driver follows the
// wall clock. Bounded by a context.
func TestRealTimeEcho(t *testing.T) {
	n := running(t, small(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, err := host(t, n, "b").Listen("tcp", ":7")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		s, err := l.Accept()
		if err != nil {
			return
		}
		defer s.Close()
		io.Copy(s, s)
	}()
	start := time.Now()
	c, err := host(t, n, "a").DialContext(ctx, "tcp", "b:7")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	msg := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	go c.Write(msg)
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("echo: %v (equal %v)", err, bytes.Equal(got, msg))
	}
	// No timing asserted: the round trips take at least 14ms of wall time.
	t.Logf("64 KiB echoed in %v of wall time", time.Since(start))
}

// Deadlines set after Close return at once (net.Pipe's shape): a timer
// stopped by Close must not leave a later SetDeadline waiting for a
// close of its channel that never comes.
func TestDeadlineAfterClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := running(t, small(t))
		c, s := pair(t, n)
		defer s.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		c.Close()
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		c.SetDeadline(time.Now().Add(time.Second))
		c.SetWriteDeadline(time.Time{})
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Read after Close: %v, want net.ErrClosed", err)
		}
	})
}
