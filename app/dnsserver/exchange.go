package dnsserver

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
)

// ExchangeConfig says how Exchange asks. Zero values take dig's defaults.
type ExchangeConfig struct {
	Server netip.AddrPort
	// TCP asks over TCP from the start (dig +tcp).
	TCP bool
	// NoTCPRetry keeps a truncated UDP answer instead of asking again
	// over TCP (dig +notcp... +ignore).
	NoTCPRetry bool
	// Timeout is the wait for each try (dig +timeout, default 5s).
	Timeout time.Duration
	// Tries is how many UDP queries are sent before giving up (dig
	// +tries, default 3).
	Tries int
}

// A Reply is how an exchange ended.
type Reply struct {
	// Msg is the answer's bytes (nil when Err is set).
	Msg []byte
	// TCP: the answer came over TCP.
	TCP bool
	// Truncated: a UDP answer came with TC set, and the query was asked
	// again over TCP (dig prints ";; Truncated, retrying in TCP mode.").
	Truncated bool
	// Sent is when the query that got the answer left; RTT the time to
	// its answer (for TCP, from the connection's first SYN).
	Sent sim.Time
	RTT  time.Duration
	// Tries counts the UDP queries sent.
	Tries int
	// Err: no answer (ErrTimeout, or an ICMP error such as
	// node.ErrConnRefused, or a TCP error).
	Err error
}

// ErrTimeout is the error of an exchange whose every try went unanswered.
var ErrTimeout = errors.New("timed out")

// exchange is one Exchange in progress.
type exchange struct {
	n     *node.Node
	cfg   ExchangeConfig
	query []byte
	done  func(Reply)
	reply Reply
	udp   *node.UDPConn
	timer *node.Timer
	in    []byte // TCP bytes read so far
	over  bool
}

// Exchange sends query (a whole DNS message) from n to cfg.Server and
// calls done once with the answer: over UDP with retries every
// cfg.Timeout, then over TCP if the answer was truncated; or over TCP
// from the start with cfg.TCP. An answer counts only if its ID matches
// the query's and its QR bit is set.
func Exchange(n *node.Node, cfg ExchangeConfig, query []byte, done func(Reply)) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Tries <= 0 {
		cfg.Tries = 3
	}
	e := &exchange{n: n, cfg: cfg, query: query, done: done}
	e.timer = n.NewTimer(e.timeout)
	if cfg.TCP {
		e.startTCP()
		return
	}
	u, err := n.DialUDP(cfg.Server, e.datagram)
	if err != nil {
		e.finish(err)
		return
	}
	u.OnError(func(_ sim.Time, ie *node.ICMPError) { e.finish(ie.Err) })
	e.udp = u
	e.sendUDP()
}

func (e *exchange) sendUDP() {
	e.reply.Tries++
	e.reply.Sent = e.n.Now()
	e.timer.Reset(e.cfg.Timeout)
	if _, err := e.udp.Send(e.query); err != nil {
		e.finish(err)
	}
}

// matches reports whether msg answers the query.
func (e *exchange) matches(msg []byte) bool {
	return len(msg) >= 12 && msg[0] == e.query[0] && msg[1] == e.query[1] && msg[2]&0x80 != 0
}

func (e *exchange) datagram(now sim.Time, d *node.Datagram) {
	if e.over || e.reply.TCP || !e.matches(d.Payload) {
		return
	}
	if d.Payload[2]&0x02 != 0 && !e.cfg.NoTCPRetry {
		e.reply.Truncated = true
		e.udp.Close()
		e.startTCP()
		return
	}
	e.reply.Msg = append([]byte(nil), d.Payload...)
	e.reply.RTT = now.Sub(e.reply.Sent)
	e.finish(nil)
}

func (e *exchange) timeout(sim.Time) {
	if e.over {
		return
	}
	if e.reply.TCP || e.reply.Tries >= e.cfg.Tries {
		e.finish(ErrTimeout)
		return
	}
	e.sendUDP()
}

// startTCP asks over a new TCP connection: the query with its 2-byte
// length in front, then the read side waits for one framed answer.
func (e *exchange) startTCP() {
	e.reply.TCP = true
	e.reply.Sent = e.n.Now()
	e.timer.Reset(e.cfg.Timeout)
	_, err := e.n.DialTCP(e.cfg.Server, tcp.Config{}, node.TCPHandler{
		Connected: func(c *node.TCPConn) {
			framed := binary.BigEndian.AppendUint16(nil, uint16(len(e.query)))
			c.Write(append(framed, e.query...))
		},
		Readable: e.tcpReadable,
		Closed: func(_ *node.TCPConn, err error) {
			if err == nil {
				err = errors.New("connection closed before the answer")
			}
			e.finish(err)
		},
	})
	if err != nil {
		e.finish(err)
	}
}

func (e *exchange) tcpReadable(c *node.TCPConn) {
	var buf [4096]byte
	for k := c.Read(buf[:]); k > 0; k = c.Read(buf[:]) {
		e.in = append(e.in, buf[:k]...)
	}
	if len(e.in) >= 2 {
		size := int(binary.BigEndian.Uint16(e.in))
		if len(e.in) >= 2+size && !e.over {
			msg := e.in[2 : 2+size]
			if !e.matches(msg) {
				c.Abort()
				e.finish(errors.New("answer's ID does not match the query"))
				return
			}
			e.reply.Msg = append([]byte(nil), msg...)
			e.reply.RTT = e.n.Now().Sub(e.reply.Sent)
			c.Close()
			e.finish(nil)
			return
		}
	}
	if c.EOF() && !e.over {
		c.Close()
		e.finish(errors.New("connection closed before the answer"))
	}
}

// finish ends the exchange once.
func (e *exchange) finish(err error) {
	if e.over {
		return
	}
	e.over = true
	e.timer.Stop()
	if e.udp != nil {
		e.udp.Close()
	}
	if err != nil {
		e.reply.Msg = nil
	}
	e.reply.Err = err
	e.done(e.reply)
}
