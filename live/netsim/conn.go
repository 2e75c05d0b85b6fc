package netsim

import (
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/hopsnet/hops/live/realtime"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/tcp"
)

// Conn is a TCP connection of the simulated world seen as a net.Conn: its
// Read and Write block the calling goroutine (never the simulation) until
// bytes arrive or room opens in the send buffer, a deadline passes or the
// connection ends. It also has CloseWrite, as *net.TCPConn does.
//
// Every touch of the hops socket happens on the simulation's thread,
// through the driver; the goroutine side waits on channels only (so a
// testing/synctest bubble sees it durably blocked). Bytes are copied
// straight between the caller's slice and the TCP engine's buffers,
// while the caller waits for the copy.
type Conn struct {
	d            *realtime.Driver
	laddr, raddr *net.TCPAddr

	// The simulation's thread only.
	tc     *node.TCPConn
	ended  bool  // the socket was released (Closed came)
	endErr error // its error: nil after an orderly close

	// Signals from the simulation's thread, each with room for one.
	readable chan struct{} // bytes, EOF or the end
	writable chan struct{} // room in the send buffer, or the end
	dialed   chan error    // the handshake's outcome (dialing side only)

	rd, wd    *deadline
	closed    chan struct{} // closed by Close
	closeOnce sync.Once
	mu        sync.Mutex
	wrShut    bool // CloseWrite was called
}

// newConn returns a Conn for the socket tc (set later when dialing).
func newConn(d *realtime.Driver) *Conn {
	return &Conn{
		d:        d,
		readable: make(chan struct{}, 1),
		writable: make(chan struct{}, 1),
		dialed:   make(chan error, 1),
		rd:       newDeadline(),
		wd:       newDeadline(),
		closed:   make(chan struct{}),
	}
}

// handler is the socket's TCPHandler; it runs on the simulation's
// thread and only records and signals.
func (c *Conn) handler() node.TCPHandler {
	return node.TCPHandler{
		Connected: func(*node.TCPConn) { post(c.dialed, nil) },
		Readable:  func(*node.TCPConn) { poke(c.readable) },
		Writable:  func(*node.TCPConn) { poke(c.writable) },
		Closed: func(_ *node.TCPConn, err error) {
			c.ended, c.endErr = true, err
			poke(c.readable)
			poke(c.writable)
			if err == nil {
				err = syscall.ECONNRESET // closed before it was ever open
			}
			post(c.dialed, err)
		},
	}
}

// poke signals ch without blocking.
func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// post sends err on ch without blocking.
func post(ch chan error, err error) {
	select {
	case ch <- err:
	default:
	}
}

// Read reads received bytes into p, blocking until some arrive, the peer
// closes its side (io.EOF), the read deadline passes
// (os.ErrDeadlineExceeded, a net.Error whose Timeout is true) or the
// connection fails (ECONNRESET, ETIMEDOUT ...).
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if isClosed(c.closed) {
			return 0, c.opErr("read", net.ErrClosed)
		}
		if isClosed(c.rd.wait()) {
			return 0, c.opErr("read", os.ErrDeadlineExceeded)
		}
		var n int
		var eof, ended bool
		var endErr error
		err := c.d.Call(func() {
			n = c.tc.Read(p)
			if n == 0 {
				eof, ended, endErr = c.tc.EOF(), c.ended, c.endErr
			}
		})
		switch {
		case err != nil:
			return 0, c.opErr("read", err)
		case n > 0:
			return n, nil
		case eof:
			return 0, io.EOF
		case ended && endErr != nil:
			return 0, c.opErr("read", endErr)
		case ended:
			return 0, io.EOF
		}
		select {
		case <-c.readable:
		case <-c.rd.wait():
		case <-c.closed:
		case <-c.d.Done(): // the next Call reports the stop
		}
	}
}

// Write queues p on the connection, blocking while TCP's send buffer is
// full (back-pressure), until all of p is queued, the write deadline
// passes or the connection fails. It returns how much was queued.
func (c *Conn) Write(p []byte) (int, error) {
	off := 0
	for {
		if isClosed(c.closed) {
			return off, c.opErr("write", net.ErrClosed)
		}
		if c.writeShut() {
			return off, c.opErr("write", &SysError{Syscall: "write", Errno: syscall.EPIPE})
		}
		if isClosed(c.wd.wait()) {
			return off, c.opErr("write", os.ErrDeadlineExceeded)
		}
		var n int
		var ended bool
		var endErr error
		err := c.d.Call(func() {
			if ended, endErr = c.ended, c.endErr; !ended {
				n = c.tc.Write(p[off:])
			}
		})
		off += n
		switch {
		case err != nil:
			return off, c.opErr("write", err)
		case ended && endErr != nil:
			return off, c.opErr("write", endErr)
		case ended:
			return off, c.opErr("write", &SysError{Syscall: "write", Errno: syscall.EPIPE})
		case off == len(p):
			return off, nil
		}
		if n > 0 {
			continue // more may fit already
		}
		select {
		case <-c.writable:
		case <-c.wd.wait():
		case <-c.closed:
		case <-c.d.Done(): // the next Call reports the stop
		}
	}
}

func (c *Conn) writeShut() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wrShut
}

// Close closes the connection: FIN after the bytes already written (an
// RST instead if received bytes were left unread, as Linux does). It
// returns at once; blocked Read and Write calls return net.ErrClosed.
func (c *Conn) Close() error {
	first := false
	c.closeOnce.Do(func() {
		first = true
		close(c.closed)
		c.rd.stop()
		c.wd.stop()
		_ = c.d.Do(func() { // a stopped driver has nothing left to close
			if !c.ended {
				c.tc.Close()
			}
		})
	})
	if !first {
		return c.opErr("close", net.ErrClosed)
	}
	return nil
}

// CloseWrite shuts down the sending side (FIN after the queued bytes);
// reading goes on until the peer closes its side.
func (c *Conn) CloseWrite() error {
	if isClosed(c.closed) {
		return c.opErr("close", net.ErrClosed)
	}
	c.mu.Lock()
	c.wrShut = true
	c.mu.Unlock()
	return c.opErr("close", c.d.Call(func() {
		if !c.ended {
			c.tc.CloseWrite()
		}
	}))
}

// LocalAddr returns the local address and port, a *net.TCPAddr.
func (c *Conn) LocalAddr() net.Addr { return c.laddr }

// RemoteAddr returns the peer's address and port, a *net.TCPAddr.
func (c *Conn) RemoteAddr() net.Addr { return c.raddr }

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	c.rd.set(t)
	c.wd.set(t)
	return nil
}

// SetReadDeadline sets the read deadline: a Read waiting, or the next
// one, returns os.ErrDeadlineExceeded once it has passed. The zero time
// means none.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.rd.set(t)
	return nil
}

// SetWriteDeadline sets the write deadline (see SetReadDeadline).
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.wd.set(t)
	return nil
}

// Stats returns the TCP engine's counters and estimates (bytes sent and
// retransmitted, RTT, congestion window ...), read on the simulation's
// thread.
func (c *Conn) Stats() (tcp.Stats, error) {
	var s tcp.Stats
	err := c.d.Call(func() { s = c.tc.Engine().Stats() })
	return s, err
}

// opErr wraps err as a *net.OpError for op on this connection.
func (c *Conn) opErr(op string, err error) error {
	return opError(op, c.laddr, c.raddr, err)
}

var _ net.Conn = (*Conn)(nil)
