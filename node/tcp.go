package node

import (
	"fmt"
	"net/netip"

	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// TCP on a node: the sockets that bind the sans-I/O engine (package tcp)
// to the node's IP layer. The node demultiplexes arriving segments by
// their four-tuple (then to a listener by port), answers segments for no
// connection with an RST (RFC 9293 section 3.10.7.1), feeds ICMP errors
// to the connection they concern (fragmentation needed lowers its MSS,
// RFC 1191), runs each connection's timers from the kernel, and tells
// the app what changed through a TCPHandler.

// TCPHandler is how a TCP socket tells its app what happened; every
// field may be nil. The calls come on the simulation's thread, after the
// engine has processed a segment or a timer, never from inside Write,
// Read or Close.
type TCPHandler struct {
	// Connected: the handshake completed.
	Connected func(c *TCPConn)
	// Readable: new bytes can be read, or the peer closed its side (then
	// Read returns 0 and EOF reports true).
	Readable func(c *TCPConn)
	// Writable: room opened in the send buffer after it was full.
	Writable func(c *TCPConn)
	// Closed: the connection is over; err is nil after an orderly close,
	// otherwise tcp.ErrConnRefused, tcp.ErrReset, tcp.ErrTimeout or
	// tcp.ErrAborted (test with errors.Is). The socket is released.
	Closed func(c *TCPConn, err error)
}

// tcpKey is a connection's four-tuple.
type tcpKey struct {
	local, remote netip.AddrPort
}

// tcpState is the node's TCP: connections, listeners and scratch space.
type tcpState struct {
	conns     map[tcpKey]*TCPConn
	listeners map[uint16]*TCPListener
	secret    [16]byte      // RFC 6528's key for initial sequence numbers
	segs      []tcp.Segment // AppendOutput's scratch
	buf       []byte        // a segment on the wire
}

// TCPListener is a listening TCP socket: it accepts connections to its
// port on every address of the node.
type TCPListener struct {
	n       *Node
	port    uint16
	cfg     tcp.Config
	accept  func(c *TCPConn) TCPHandler
	pending int // connections in SYN-RECEIVED
	closed  bool
}

// maxSynBacklog bounds a listener's half-open connections
// (tcp_max_syn_backlog); more SYNs are dropped, as Linux drops them
// without syncookies.
const maxSynBacklog = 1024

// TCPConn is a TCP connection socket.
type TCPConn struct {
	n        *Node
	c        *tcp.Conn
	key      tcpKey
	h        TCPHandler
	l        *TCPListener // the listener that accepted it, while in SYN-RECEIVED
	timer    sim.Timer
	timerAt  sim.Time
	conn     bool // the app was told Connected (or, accepted, handed over)
	wasFull  bool // the send buffer was full: report Writable when room opens
	lowat    int  // SetNotSentLowat; 0: none
	readable int  // Readable() last reported
	eof      bool // EOF last reported
	done     bool // released
	busy     bool // inside run: don't recurse
	// notifyQueued: a tcpNotify event is pending.
	notifyQueued bool
}

func (n *Node) tcpInit() {
	n.tcp.conns = map[tcpKey]*TCPConn{}
	n.tcp.listeners = map[uint16]*TCPListener{}
	r := n.k.Rand("node:" + n.Name + "/tcp-secret")
	for i := range n.tcp.secret {
		n.tcp.secret[i] = byte(r.Uint32())
	}
	n.protos[wire.ProtoTCP] = &Protocol{Name: "tcp", Receive: n.handleTCP, Error: n.tcpError}
}

// ListenTCP listens on port. accept is called for each connection as it
// completes the handshake and returns the handler for it. cfg sets the
// engine's options for accepted connections (its ISS and MSS are chosen
// per connection).
func (n *Node) ListenTCP(port uint16, cfg tcp.Config, accept func(c *TCPConn) TCPHandler) (*TCPListener, error) {
	if port == 0 {
		return nil, fmt.Errorf("%s: tcp listen: port 0 (pick one)", n.Name)
	}
	if n.tcp.listeners[port] != nil {
		return nil, fmt.Errorf("%s: tcp port %d: %w", n.Name, port, ErrPortInUse)
	}
	l := &TCPListener{n: n, port: port, cfg: cfg, accept: accept}
	n.tcp.listeners[port] = l
	return l, nil
}

// Port returns the listening port.
func (l *TCPListener) Port() uint16 { return l.port }

// Close stops listening: connections already accepted go on, new SYNs are
// answered with RST.
func (l *TCPListener) Close() {
	if l.closed {
		return
	}
	l.closed = true
	if l.n.tcp.listeners[l.port] == l {
		delete(l.n.tcp.listeners, l.port)
	}
}

// DialTCP opens a connection to remote (an active open): the SYN leaves
// at once. The MSS offered is the path MTU less 40; the ephemeral port is
// chosen per destination (RFC 6056 algorithm 4, as Linux does); the
// initial sequence number per RFC 6528.
func (n *Node) DialTCP(remote netip.AddrPort, cfg tcp.Config, h TCPHandler) (*TCPConn, error) {
	local, err := n.SourceFor(remote.Addr())
	if err != nil {
		return nil, err
	}
	return n.dialTCP(local, remote, cfg, h)
}

// DialTCPFrom is DialTCP from a given address of the node's (bind before
// connect), such as a router's loopback-like router ID for an iBGP
// session; the datagrams still leave by the route to remote.
func (n *Node) DialTCPFrom(local netip.Addr, remote netip.AddrPort, cfg tcp.Config, h TCPHandler) (*TCPConn, error) {
	if !n.HasAddr(local) {
		return nil, fmt.Errorf("%s: tcp dial from %v: not an address of the node", n.Name, local)
	}
	if _, _, err := n.route(remote.Addr()); err != nil && !n.HasAddr(remote.Addr()) {
		return nil, err
	}
	return n.dialTCP(local, remote, cfg, h)
}

func (n *Node) dialTCP(local netip.Addr, remote netip.AddrPort, cfg tcp.Config, h TCPHandler) (*TCPConn, error) {
	port, ok := n.ids.port(local, remote, wire.ProtoTCP, func(p uint16) bool {
		return n.tcp.listeners[p] == nil && n.tcp.conns[tcpKey{netip.AddrPortFrom(local, p), remote}] == nil
	})
	if !ok {
		return nil, ErrNoPorts
	}
	key := tcpKey{netip.AddrPortFrom(local, port), remote}
	now := n.k.Now()
	cfg.ISS = tcp.ISS(n.tcp.secret, key.local, key.remote, now)
	if cfg.MSS == 0 {
		if mtu, err := n.PathMTU(remote.Addr()); err == nil {
			cfg.MSS = mtu - 40
		}
	}
	c := &TCPConn{n: n, key: key, h: h, c: tcp.Dial(cfg, now), timerAt: sim.Never}
	n.tcp.conns[key] = c
	c.run(now)
	return c, nil
}

// LocalAddr and RemoteAddr return the connection's two ends.
func (c *TCPConn) LocalAddr() netip.AddrPort { return c.key.local }

// RemoteAddr returns the peer's address and port.
func (c *TCPConn) RemoteAddr() netip.AddrPort { return c.key.remote }

// Engine returns the connection's TCP engine, for its state and
// statistics (State, Stats, Err).
func (c *TCPConn) Engine() *tcp.Conn { return c.c }

// SetHandler replaces the connection's handler.
func (c *TCPConn) SetHandler(h TCPHandler) { c.h = h }

// SetNotSentLowat bounds the bytes written but not yet sent, as Linux's
// TCP_NOTSENT_LOWAT does: Write takes only what keeps them under n, and
// Writable is reported once they fall below it. An app that schedules
// its own output (an HTTP/2 server's priorities) then decides late what
// goes next, instead of filling the whole send buffer early. 0 (the
// default) bounds nothing beyond the send buffer.
func (c *TCPConn) SetNotSentLowat(n int) { c.lowat = max(n, 0) }

// room returns how many bytes Write takes now.
func (c *TCPConn) room() int {
	k := c.c.Writable()
	if c.lowat > 0 {
		k = min(k, max(c.lowat-c.c.NotSent(), 0))
	}
	return k
}

// Write queues p for sending and returns how much fit in the send buffer
// (back-pressure: the rest waits for Writable).
func (c *TCPConn) Write(p []byte) int {
	if c.done {
		return 0
	}
	want := len(p)
	if c.lowat > 0 {
		p = p[:min(len(p), c.room())]
		if len(p) == 0 {
			c.wasFull = true
			return 0
		}
	}
	k := c.c.Write(p)
	if k < want {
		c.wasFull = true
	}
	c.appCall()
	return k
}

// Read takes up to len(p) received bytes; 0 means none are waiting (see
// EOF for the end of the stream).
func (c *TCPConn) Read(p []byte) int {
	k := c.c.Read(p)
	c.readable = c.c.Readable()
	if k > 0 && !c.done {
		c.appCall() // the window may open
	}
	return k
}

// EOF reports whether the peer has closed its side and every byte has
// been read.
func (c *TCPConn) EOF() bool { return c.c.EOF() }

// CloseWrite sends FIN after the queued data (half-close); reading goes on.
func (c *TCPConn) CloseWrite() {
	if !c.done {
		c.c.CloseWrite()
		c.appCall()
	}
}

// Close closes both directions: FIN after the queued data, and no more
// reading (unread data makes it an abort, RFC 1122 section 4.2.2.13).
func (c *TCPConn) Close() {
	if !c.done {
		c.c.Close()
		c.appCall()
	}
}

// Abort resets the connection at once (RST).
func (c *TCPConn) Abort() {
	if !c.done {
		c.c.Abort()
		c.appCall()
	}
}

// tcpFire is TCPConn's face towards the kernel: the engine's deadline.
type tcpFire TCPConn

// Fire wakes the engine at its deadline.
func (f *tcpFire) Fire(now sim.Time, _ uint64) {
	c := (*TCPConn)(f)
	c.timer, c.timerAt = sim.Timer{}, sim.Never
	c.c.Advance(now)
	c.run(now)
}

// appCall sends what an app's call made the engine want sent and re-arms
// its deadline, without calling the app back from inside its own call:
// if the call ended the connection (Abort, Close with unread data), the
// app hears of it from an event at the same instant.
func (c *TCPConn) appCall() {
	if c.busy || c.done {
		return
	}
	c.busy = true
	c.flush(c.n.k.Now())
	c.rearm()
	c.busy = false
	if c.c.State() == tcp.Closed && !c.notifyQueued {
		c.notifyQueued = true
		c.n.k.After(0, (*tcpNotify)(c), 0)
	}
}

// tcpNotify is TCPConn's deferred notification, for appCall.
type tcpNotify TCPConn

// Fire tells the app what its own call changed.
func (f *tcpNotify) Fire(now sim.Time, _ uint64) {
	c := (*TCPConn)(f)
	c.notifyQueued = false
	if !c.done {
		c.notify(now)
	}
}

// run sends what the engine wants sent, re-arms its deadline, tells the
// app what changed and releases the socket once the connection is over.
func (c *TCPConn) run(now sim.Time) {
	if c.busy || c.done {
		return
	}
	c.busy = true
	c.flush(now)
	c.rearm()
	c.busy = false
	c.notify(now)
}

// flush sends the engine's output segments.
func (c *TCPConn) flush(now sim.Time) {
	n := c.n
	t := &n.tcp
	t.segs = c.c.AppendOutput(t.segs[:0], now)
	for i := range t.segs {
		s := &t.segs[i]
		h := s.Header(c.key.local.Port(), c.key.remote.Port())
		t.buf = h.AppendTo(t.buf[:0], c.key.local.Addr(), c.key.remote.Addr(), s.Payload)
		// Linux's TCP sockets use IP_PMTUDISC_WANT: DF while segments fit
		// the path MTU, which the engine's MSS keeps them to.
		n.SendIP(wire.ProtoTCP, c.key.remote.Addr(), t.buf, SendOptions{Src: c.key.local.Addr()})
	}
	clear(t.segs) // drop the aliases of the send buffer
}

// rearm schedules the kernel event for the engine's next deadline.
func (c *TCPConn) rearm() {
	at, ok := c.c.NextDeadline()
	if !ok {
		at = sim.Never
	}
	if at == c.timerAt {
		return
	}
	c.n.k.Cancel(c.timer)
	c.timer, c.timerAt = sim.Timer{}, at
	if ok {
		c.timer = c.n.k.Schedule(at, (*tcpFire)(c), 0)
	}
}

// notify tells the app what changed since the last call.
func (c *TCPConn) notify(now sim.Time) {
	// Every state from ESTABLISHED on (the close states and TIME-WAIT
	// included) comes after a completed handshake.
	if !c.conn && c.c.State() >= tcp.Established {
		c.conn = true
		c.connected()
	}
	if r, eof := c.c.Readable(), c.c.EOF(); (r > c.readable || (eof && !c.eof)) && c.h.Readable != nil {
		c.readable, c.eof = r, eof
		c.h.Readable(c)
	} else {
		c.readable, c.eof = r, eof
	}
	if c.wasFull && c.room() > 0 && !c.done {
		c.wasFull = false
		if c.h.Writable != nil {
			c.h.Writable(c)
		}
	}
	if c.c.State() == tcp.Closed && !c.done {
		c.release()
	}
}

// connected runs once when the handshake completes: an accepted
// connection gets its handler from the listener first.
func (c *TCPConn) connected() {
	if l := c.l; l != nil {
		c.leaveBacklog()
		c.l = nil
		if l.accept != nil && !l.closed {
			c.h = l.accept(c)
		}
	}
	if c.h.Connected != nil {
		c.h.Connected(c)
	}
}

// leaveBacklog takes a connection out of its listener's half-open count.
func (c *TCPConn) leaveBacklog() {
	if c.l != nil && c.l.pending > 0 {
		c.l.pending--
	}
}

// release forgets a finished connection and tells the app.
func (c *TCPConn) release() {
	c.done = true
	c.n.k.Cancel(c.timer)
	c.timer, c.timerAt = sim.Timer{}, sim.Never
	if c.n.tcp.conns[c.key] == c {
		delete(c.n.tcp.conns, c.key)
	}
	if c.l != nil {
		c.leaveBacklog()
		c.l = nil
		return // never accepted: the app never knew it
	}
	if c.h.Closed != nil {
		c.h.Closed(c, c.c.Err())
	}
}

// handleTCP is the node's TCP input: checksum, demultiplexing to a
// connection or a listener, and RST for everything else.
func (n *Node) handleTCP(now sim.Time, d *Inbound) string {
	h, payload, err := wire.ParseTCP(d.Payload)
	if err != nil {
		return trace.ReasonMalformed
	}
	if !wire.VerifyTCPChecksum(d.IP.Src, d.IP.Dst, d.Payload) {
		return trace.ReasonBadChecksum
	}
	seg := tcp.FromWire(&h, payload)
	key := tcpKey{netip.AddrPortFrom(d.IP.Dst, h.DstPort), netip.AddrPortFrom(d.IP.Src, h.SrcPort)}
	if c := n.tcp.conns[key]; c != nil {
		d.Accept()
		c.c.Handle(now, &seg)
		c.run(now)
		return ""
	}
	if l := n.tcp.listeners[h.DstPort]; l != nil && seg.Flags&(wire.SYN|wire.ACK|wire.RST) == wire.SYN {
		if l.pending >= maxSynBacklog {
			return trace.ReasonQueueFull
		}
		d.Accept()
		n.tcpAccept(now, l, key, &seg)
		return ""
	}
	// RFC 9293 section 3.10.7.1: a segment for no connection gets an RST
	// (unless it is one).
	if rst, ok := tcp.RSTFor(&seg); ok {
		hdr := rst.Header(h.DstPort, h.SrcPort)
		n.tcp.buf = hdr.AppendTo(n.tcp.buf[:0], d.IP.Dst, d.IP.Src, nil)
		n.SendIP(wire.ProtoTCP, d.IP.Src, n.tcp.buf, SendOptions{Src: d.IP.Dst})
	}
	return trace.ReasonNoListener
}

// tcpAccept starts a passive open for a SYN to a listener.
func (n *Node) tcpAccept(now sim.Time, l *TCPListener, key tcpKey, syn *tcp.Segment) {
	cfg := l.cfg
	cfg.ISS = tcp.ISS(n.tcp.secret, key.local, key.remote, now)
	if cfg.MSS == 0 {
		if mtu, err := n.PathMTU(key.remote.Addr()); err == nil {
			cfg.MSS = mtu - 40
		}
	}
	c := &TCPConn{n: n, key: key, l: l, c: tcp.Accept(cfg, now, syn), timerAt: sim.Never}
	l.pending++
	n.tcp.conns[key] = c
	c.run(now)
}

// tcpError takes an ICMP error about a segment the node sent: a
// fragmentation needed lowers the connection's path MTU (RFC 1191); the
// engine then resends at the smaller size.
func (n *Node) tcpError(now sim.Time, e *ICMPError) {
	if len(e.QuotedPayload) < 4 {
		return
	}
	q := e.QuotedPayload
	key := tcpKey{
		netip.AddrPortFrom(e.Quoted.Src, uint16(q[0])<<8|uint16(q[1])),
		netip.AddrPortFrom(e.Quoted.Dst, uint16(q[2])<<8|uint16(q[3])),
	}
	c := n.tcp.conns[key]
	if c == nil {
		return
	}
	if e.Type == wire.ICMPDestUnreachable && e.Code == wire.ICMPFragNeeded {
		if mtu, err := n.PathMTU(key.remote.Addr()); err == nil {
			c.c.SetPathMTU(mtu)
			c.run(now)
		}
		return
	}
	// Unreachable or time exceeded: fatal while the connection opens,
	// soft afterwards (tcp.Conn.ICMPError).
	c.c.ICMPError(fmt.Errorf("%w (ICMP %s from %v)", e.Err, wire.ICMPText(e.Type, e.Code, e.MTU), e.From))
	c.run(now)
}
