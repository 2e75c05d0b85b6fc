package dhcp

import (
	"net/netip"

	"github.com/hopsnet/hops/sim"
)

// message returns a request of type t with the client's fixed fields.
func (c *Client) message(now sim.Time, t MessageType) Message {
	m := Message{Op: BootRequest, HType: 1, HLen: 6, XID: c.xid, Type: t, ClientID: c.cfg.ClientID,
		Broadcast: c.cfg.Broadcast && t != Release && t != Decline,
		CIAddr:    netip.IPv4Unspecified(), YIAddr: netip.IPv4Unspecified(),
		SIAddr: netip.IPv4Unspecified(), GIAddr: netip.IPv4Unspecified()}
	copy(m.CHAddr[:], c.cfg.HW[:])
	if secs := (now - c.began) / sim.Time(1e9); t == Discover || t == Request {
		m.Secs = uint16(min(secs, 0xffff))
	}
	return m
}

func (c *Client) sendDiscover(now sim.Time) {
	m := c.message(now, Discover)
	m.Hostname, m.ParamList = c.cfg.Hostname, c.cfg.Params
	c.send(&m, netip.IPv4Unspecified(), Broadcast)
}

// sendRequest sends the REQUEST of the current state, with the fields
// RFC 2131 table 5 gives it.
func (c *Client) sendRequest(now sim.Time) {
	m := c.message(now, Request)
	m.Hostname, m.ParamList = c.cfg.Hostname, c.cfg.Params
	switch c.state {
	case Requesting: // SELECTING's request: server ID and requested IP, broadcast
		m.ServerID, m.RequestedIP = c.offer.ServerID, c.offer.YIAddr
		c.tries++
		c.send(&m, netip.IPv4Unspecified(), Broadcast)
	case Renewing: // ciaddr, unicast to the server
		m.CIAddr = c.bind.Addr
		m.Broadcast = false
		c.send(&m, c.bind.Addr, c.bind.Server)
	case Rebinding: // ciaddr, broadcast to any server
		m.CIAddr = c.bind.Addr
		m.Broadcast = false
		c.send(&m, c.bind.Addr, Broadcast)
	}
}

func (c *Client) send(m *Message, src, dst netip.Addr) {
	c.out = append(c.out, Datagram{
		Src:     netip.AddrPortFrom(src, ClientPort),
		Dst:     netip.AddrPortFrom(dst, ServerPort),
		Payload: m.AppendTo(nil),
	})
}
