package dnsserver

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/hopsnet/hops/dns/resolver"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
)

// DefaultResolverNode is the default world's recursive resolver: ISP A's,
// which serves the home (its DHCP server hands it out, and every host's
// stub asks it unless the host's resolver: setting names another).
const DefaultResolverNode = "resolver.isp-a.net"

// DefaultRoots are the default world's root hints.
var DefaultRoots = []resolver.Hint{{Name: "a.root-servers.net.", Addr: netip.MustParseAddr("192.0.2.1")}}

// A Resolver is the recursive engine (dns/resolver) bound to a node: each
// query to a name server goes out from its own UDP socket (a fresh source
// port, RFC 5452 section 9.2) or TCP connection, one node timer wakes the
// engine at its deadline, and, when started with StartResolver, stubs
// ask it on UDP and TCP port 53.
type Resolver struct {
	n     *node.Node
	eng   *resolver.Resolver
	udp   *node.UDPConn
	tcp   *node.TCPListener
	timer *node.Timer

	ups        map[resolver.TxID]*upstream
	clients    map[uint64]*resolverClient
	nextClient uint64
	lookups    map[resolver.RequestID]func(resolver.Result)

	// OnResult, when set, sees every answer the engine gives (with its
	// trace) before it is sent.
	OnResult func(resolver.Result)

	qs []resolver.Query
	rs []resolver.Result
}

// upstream is one query's socket.
type upstream struct {
	udp *node.UDPConn
	tcp *node.TCPConn
	in  []byte
}

// resolverClient is who asked: a UDP address or a TCP connection.
type resolverClient struct {
	addr netip.AddrPort
	conn *resolverConn
}

// NewResolver runs a resolver on n for code on n (Lookup) without
// listening on port 53. cfg.Rand defaults to n's app stream "dnsresolver".
func NewResolver(n *node.Node, cfg resolver.Config) *Resolver {
	if cfg.Rand == nil {
		cfg.Rand = n.AppStream("dnsresolver")
	}
	if cfg.Roots == nil {
		cfg.Roots = DefaultRoots
	}
	r := &Resolver{n: n, eng: resolver.New(cfg), ups: map[resolver.TxID]*upstream{},
		clients: map[uint64]*resolverClient{}, lookups: map[resolver.RequestID]func(resolver.Result){}}
	r.timer = n.NewTimer(func(now sim.Time) {
		r.eng.HandleTimers(now)
		r.pump()
	})
	return r
}

// StartResolver runs a resolver on n that answers stubs on UDP and TCP
// port 53 (recursion available).
func StartResolver(n *node.Node, cfg resolver.Config) (*Resolver, error) {
	r := NewResolver(n, cfg)
	u, err := n.ListenUDP(Port, r.clientDatagram)
	if err != nil {
		return nil, fmt.Errorf("dns resolver on %s: %w", n.Name, err)
	}
	l, err := n.ListenTCP(Port, tcp.Config{}, r.accept)
	if err != nil {
		u.Close()
		return nil, fmt.Errorf("dns resolver on %s: %w", n.Name, err)
	}
	r.udp, r.tcp = u, l
	return r, nil
}

// StartDefaultResolver starts the default world's resolver on the node
// named DefaultResolverNode, or returns nil when lookup does not find it.
func StartDefaultResolver(lookup func(name string) *node.Node) (*Resolver, error) {
	n := lookup(DefaultResolverNode)
	if n == nil {
		return nil, nil
	}
	return StartResolver(n, resolver.Config{})
}

// Engine returns the engine (its cache, stats and server RTTs).
func (r *Resolver) Engine() *resolver.Resolver { return r.eng }

// Node returns the node the resolver runs on.
func (r *Resolver) Node() *node.Node { return r.n }

// Close stops listening and drops the queries in flight.
func (r *Resolver) Close() {
	if r.udp != nil {
		r.udp.Close()
		r.tcp.Close()
	}
	// In ID order, so the closes (TCP FINs) leave in the same order
	// every run.
	ids := make([]resolver.TxID, 0, len(r.ups))
	for id := range r.ups {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		r.ups[id].close()
		delete(r.ups, id)
	}
	r.timer.Stop()
}

// Lookup resolves name and qtype on the resolver's node and calls done
// with the answer and its trace.
func (r *Resolver) Lookup(name string, qtype uint16, done func(resolver.Result)) {
	id := r.eng.Resolve(r.n.Now(), name, qtype)
	r.lookups[id] = done
	r.pump()
}

// pump carries out what the engine asked for: queries sent, sockets
// closed, answers delivered, the timer re-armed.
func (r *Resolver) pump() {
	for i := 0; i < 64; i++ {
		// Take the buffers, so that a pump nested in a callback (a lookup
		// started from done) gets its own.
		qs := r.eng.AppendQueries(r.qs[:0])
		rs := r.eng.AppendResults(r.rs[:0])
		r.qs, r.rs = nil, nil
		if len(qs) == 0 && len(rs) == 0 {
			r.qs, r.rs = qs, rs
			break
		}
		for _, q := range qs {
			r.send(q)
		}
		for _, res := range rs {
			r.deliver(res)
		}
		clear(rs)
		r.qs, r.rs = qs[:0], rs[:0]
	}
	if at, ok := r.eng.NextDeadline(); ok {
		r.timer.ResetAt(at)
	} else {
		r.timer.Stop()
	}
}

func (r *Resolver) send(q resolver.Query) {
	if q.Forget {
		if u := r.ups[q.Tx]; u != nil {
			u.close()
			delete(r.ups, q.Tx)
		}
		return
	}
	u := &upstream{}
	r.ups[q.Tx] = u
	dst := netip.AddrPortFrom(q.Server, Port)
	id := q.Tx
	if q.TCP {
		r.sendTCP(u, id, dst, q.Msg)
		return
	}
	c, err := r.n.DialUDP(dst, func(now sim.Time, d *node.Datagram) {
		if r.eng.HandleResponse(now, id, d.Src.Addr(), d.Payload) {
			r.drop(id)
		}
		r.pump()
	})
	if err != nil {
		r.failed(id, err)
		return
	}
	c.OnError(func(now sim.Time, ie *node.ICMPError) { r.failed(id, ie.Err) })
	u.udp = c
	if _, err := c.Send(q.Msg); err != nil {
		r.failed(id, err)
	}
}

// sendTCP asks over a new connection with RFC 7766 framing.
func (r *Resolver) sendTCP(u *upstream, id resolver.TxID, dst netip.AddrPort, msg []byte) {
	framed := binary.BigEndian.AppendUint16(nil, uint16(len(msg)))
	framed = append(framed, msg...)
	c, err := r.n.DialTCP(dst, tcp.Config{}, node.TCPHandler{
		Connected: func(c *node.TCPConn) { c.Write(framed) },
		Readable: func(c *node.TCPConn) {
			var buf [4096]byte
			for k := c.Read(buf[:]); k > 0; k = c.Read(buf[:]) {
				u.in = append(u.in, buf[:k]...)
			}
			if len(u.in) >= 2 && len(u.in) >= 2+int(binary.BigEndian.Uint16(u.in)) {
				msg := u.in[2 : 2+int(binary.BigEndian.Uint16(u.in))]
				r.eng.HandleResponse(r.n.Now(), id, dst.Addr(), msg)
				r.drop(id)
				r.pump()
			}
		},
		Closed: func(_ *node.TCPConn, err error) {
			if err == nil {
				err = errors.New("connection closed before the answer")
			}
			u.tcp = nil
			r.failed(id, err)
		},
	})
	if err != nil {
		r.failed(id, err)
		return
	}
	u.tcp = c
}

// failed tells the engine a query could not be answered.
func (r *Resolver) failed(id resolver.TxID, err error) {
	if r.ups[id] == nil {
		return
	}
	r.drop(id)
	r.eng.HandleError(r.n.Now(), id, err)
	r.pump()
}

func (r *Resolver) drop(id resolver.TxID) {
	if u := r.ups[id]; u != nil {
		u.close()
		delete(r.ups, id)
	}
}

func (u *upstream) close() {
	if u.udp != nil {
		u.udp.Close()
		u.udp = nil
	}
	if u.tcp != nil {
		c := u.tcp
		u.tcp = nil
		c.Close()
	}
}

// deliver hands an answer to whoever asked.
func (r *Resolver) deliver(res resolver.Result) {
	if r.OnResult != nil {
		r.OnResult(res)
	}
	if done := r.lookups[res.Req]; done != nil {
		delete(r.lookups, res.Req)
		done(res)
		return
	}
	c := r.clients[res.Client]
	if c == nil {
		return
	}
	delete(r.clients, res.Client)
	switch {
	case c.conn != nil:
		c.conn.answer(res.Wire)
	case r.udp != nil:
		r.udp.SendTo(c.addr, res.Wire)
	}
}

// clientDatagram takes a stub's query on UDP port 53.
func (r *Resolver) clientDatagram(now sim.Time, d *node.Datagram) {
	r.nextClient++
	r.clients[r.nextClient] = &resolverClient{addr: d.Src}
	if _, err := r.eng.HandleQuery(now, r.nextClient, false, d.Payload); err != nil {
		delete(r.clients, r.nextClient)
	}
	r.pump()
}

// resolverConn is a stub's TCP connection: framed queries in, framed
// answers out, in the order they finish (RFC 7766 section 6.2.1.1).
type resolverConn struct {
	r       *Resolver
	c       *node.TCPConn
	in, out []byte
	idle    *node.Timer
}

func (r *Resolver) accept(c *node.TCPConn) node.TCPHandler {
	rc := &resolverConn{r: r, c: c}
	rc.idle = r.n.NewTimer(func(sim.Time) { rc.c.Close() })
	rc.idle.Reset(TCPIdle)
	return node.TCPHandler{
		Readable: rc.readable,
		Writable: func(*node.TCPConn) { rc.flush() },
		Closed:   func(*node.TCPConn, error) { rc.idle.Stop(); rc.c = nil },
	}
}

func (rc *resolverConn) readable(c *node.TCPConn) {
	var buf [4096]byte
	for k := c.Read(buf[:]); k > 0; k = c.Read(buf[:]) {
		rc.in = append(rc.in, buf[:k]...)
		if len(rc.in) > maxTCPQueued {
			c.Abort()
			return
		}
	}
	for len(rc.in) >= 2 {
		size := int(binary.BigEndian.Uint16(rc.in))
		if len(rc.in) < 2+size {
			break
		}
		msg := rc.in[2 : 2+size]
		rc.r.nextClient++
		rc.r.clients[rc.r.nextClient] = &resolverClient{conn: rc}
		if _, err := rc.r.eng.HandleQuery(rc.r.n.Now(), rc.r.nextClient, true, msg); err != nil {
			delete(rc.r.clients, rc.r.nextClient)
		}
		rc.in = rc.in[2+size:]
		rc.idle.Reset(TCPIdle)
	}
	rc.r.pump()
}

func (rc *resolverConn) answer(wire []byte) {
	if rc.c == nil || len(rc.out)+2+len(wire) > maxTCPQueued {
		return
	}
	rc.out = binary.BigEndian.AppendUint16(rc.out, uint16(len(wire)))
	rc.out = append(rc.out, wire...)
	rc.flush()
}

func (rc *resolverConn) flush() {
	if rc.c != nil && len(rc.out) > 0 {
		k := rc.c.Write(rc.out)
		rc.out = rc.out[k:]
	}
}
