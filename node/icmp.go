package node

import (
	"fmt"
	"net/netip"

	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// ICMPPacket is an ICMP message delivered to a node, as listeners see it.
// Slices alias the packet and are valid only during the call.
type ICMPPacket struct {
	IP  wire.IPv4Header // the header of the datagram that carried the message
	Msg wire.ICMPMessage
	// For error messages (time exceeded, destination unreachable): the
	// header of the datagram the error is about and the first bytes of its
	// payload (at least 8, RFC 792), when they parse.
	Quoted        wire.IPv4Header
	QuotedPayload []byte
	HasQuote      bool
}

// IsError reports whether the message is an ICMP error.
func (m *ICMPPacket) IsError() bool {
	return m.Msg.Type == wire.ICMPDestUnreachable || m.Msg.Type == wire.ICMPTimeExceeded
}

// ICMPListener is an app's subscription to the ICMP messages a node
// receives, like a raw ICMP socket; Close ends it.
type ICMPListener struct {
	n      *Node
	f      func(now sim.Time, m *ICMPPacket)
	closed bool
}

// ListenICMP makes f receive every ICMP message addressed to the node
// (echo replies, errors, and echo requests after the node has answered
// them), until the listener is closed. m and its slices are valid only
// during the call.
func (n *Node) ListenICMP(f func(now sim.Time, m *ICMPPacket)) *ICMPListener {
	l := &ICMPListener{n: n, f: f}
	n.icmpListen = append(n.icmpListen, l)
	return l
}

// Close unsubscribes the listener: f is not called again, not even for
// a message being delivered right now to other listeners. Closing twice
// does nothing.
func (l *ICMPListener) Close() {
	if l.closed {
		return
	}
	l.closed = true
	ls := l.n.icmpListen
	for i, x := range ls {
		if x == l {
			// A fresh slice, so a delivery loop ranging over the old one
			// is not disturbed.
			l.n.icmpListen = append(ls[:i:i], ls[i+1:]...)
			break
		}
	}
}

// SendICMP sends m to dst and returns the datagram's packet ID.
func (n *Node) SendICMP(dst netip.Addr, m *wire.ICMPMessage, opt SendOptions) (uint64, error) {
	n.scratch = m.AppendTo(n.scratch[:0])
	return n.SendIP(wire.ProtoICMP, dst, n.scratch, opt)
}

// handleICMP is the node's ICMP protocol handler: it answers echo requests
// (as every host and router does) and passes every message to listeners.
func (n *Node) handleICMP(now sim.Time, d *Inbound) string {
	h := &d.IP
	msg, err := wire.ParseICMP(d.Payload)
	if err == wire.ErrBadChecksum {
		return trace.ReasonBadChecksum
	}
	if err != nil {
		return trace.ReasonMalformed
	}
	d.Accept()
	if msg.Type == wire.ICMPEchoRequest && unicast(h.Src) && n.HasAddr(h.Dst) {
		reply := wire.ICMPMessage{Type: wire.ICMPEchoReply, ID: msg.ID, Seq: msg.Seq, Data: msg.Data}
		// Linux's icmp_reply answers with the request's TOS.
		n.icmpBuf = reply.AppendTo(n.icmpBuf[:0])
		if _, err := n.SendIP(wire.ProtoICMP, h.Src, n.icmpBuf, SendOptions{Src: h.Dst, TOS: h.TOS, PMTU: PMTUDont}); err == nil {
			n.stats.ICMPSent++
		}
	}
	n.curICMP = ICMPPacket{IP: *h, Msg: msg}
	m := &n.curICMP
	if m.IsError() {
		if q, qp, err := wire.ParseIPv4(msg.Data); err == nil || err == wire.ErrBadChecksum {
			m.Quoted, m.QuotedPayload, m.HasQuote = q, qp, true
		} else if len(msg.Data) >= 20 {
			// The quote is cut short (RFC 792 quotes 8 bytes of payload, so
			// TotalLen is usually larger than what is here): parse the header
			// on its own.
			if q, qp, ok := n.parseQuote(msg.Data); ok {
				m.Quoted, m.QuotedPayload, m.HasQuote = q, qp, true
			}
		}
	}
	if m.IsError() {
		n.learnPMTU(m)
		n.dispatchError(m)
	}
	for _, l := range n.icmpListen {
		if !l.closed && l.f != nil {
			l.f(now, m)
		}
	}
	return ""
}

// parseQuote parses an IPv4 header whose payload was truncated by an ICMP
// quote: it fixes up the total length in a copy of the quote (in the
// node's scratch buffer, so the payload it returns is valid only during
// the delivery) so the codec accepts it.
func (n *Node) parseQuote(b []byte) (wire.IPv4Header, []byte, bool) {
	ihl := int(b[0]&0x0f) * 4
	if b[0]>>4 != 4 || ihl < 20 || ihl > len(b) {
		return wire.IPv4Header{}, nil, false
	}
	n.quoteBuf = append(n.quoteBuf[:0], b...)
	c := n.quoteBuf
	ip := wire.IPv4(c)
	origLen := wire.IPv4(b).TotalLen()
	ip.SetTotalLen(len(c))
	h, payload, err := wire.ParseIPv4(c)
	if err != nil && err != wire.ErrBadChecksum {
		return wire.IPv4Header{}, nil, false
	}
	h.TotalLen = uint16(origLen)
	return h, payload, true
}

// String describes an ICMP message like tcpdump does.
func (m *ICMPPacket) String() string {
	switch m.Msg.Type {
	case wire.ICMPEchoRequest, wire.ICMPEchoReply:
		return fmt.Sprintf("%s id %d seq %d", wire.ICMPText(m.Msg.Type, m.Msg.Code, 0), m.Msg.ID, m.Msg.Seq)
	}
	return wire.ICMPText(m.Msg.Type, m.Msg.Code, m.Msg.MTU)
}

// learnPMTU takes note of a fragmentation-needed error about a datagram
// the node sent (RFC 1191): the path MTU to the datagram's destination is
// the MTU the router reported.
func (n *Node) learnPMTU(m *ICMPPacket) {
	if m.Msg.Type != wire.ICMPDestUnreachable || m.Msg.Code != wire.ICMPFragNeeded || !m.HasQuote || !n.HasAddr(m.Quoted.Src) {
		return
	}
	dst := m.Quoted.Dst
	_, out, err := n.route(dst)
	if err != nil {
		return
	}
	n.pmtu.learn(n.k.Now(), dst, int(m.Msg.MTU), out.MTU())
}
