package dhcp

import (
	"net/netip"
	"time"

	"github.com/hopsnet/hops/sim"
)

// Advance runs the timers due by now: start, retransmission, T1, T2
// and lease expiry.
func (c *Client) Advance(now sim.Time) {
	if now < c.due {
		return
	}
	switch c.state {
	case Init:
		c.discover(now)
	case Selecting:
		c.sendDiscover(now)
		c.due = now.Add(c.backoff())
	case Requesting:
		if c.tries >= c.cfg.MaxRequests {
			c.discover(now) // no answer: back to INIT (RFC 2131 section 4.4.1)
			return
		}
		c.sendRequest(now)
		c.due = now.Add(c.backoff())
	case BoundState, Renewing, Rebinding:
		c.leaseTimer(now)
	}
}

// leaseTimer moves through BOUND, RENEWING at T1 (unicast to the
// server) and REBINDING at T2 (broadcast), to INIT at expiry.
func (c *Client) leaseTimer(now sim.Time) {
	b := &c.bind
	switch {
	case now >= b.Expires:
		c.lose(now, EvExpired)
		return
	case now >= b.T2:
		if c.state != Rebinding {
			c.state, c.xid, c.began = Rebinding, c.rng.Uint32(), now
		}
		c.due = renewWait(now, b.Expires)
	case now >= b.T1:
		if c.state != Renewing {
			c.state, c.xid, c.began = Renewing, c.rng.Uint32(), now
		}
		c.due = renewWait(now, b.T2)
	default:
		c.due = b.T1
		return
	}
	c.sent = now
	c.sendRequest(now)
}

// discover starts a new exchange from INIT: a fresh transaction ID and
// a DISCOVER, then SELECTING.
func (c *Client) discover(now sim.Time) {
	c.state, c.xid, c.began, c.rto, c.tries = Selecting, c.rng.Uint32(), now, firstRTO, 0
	c.sendDiscover(now)
	c.due = now.Add(c.backoff())
}

// lose drops the lease (NAK or expiry), reports it and starts over.
func (c *Client) lose(now sim.Time, k EventKind) {
	c.evs = append(c.evs, Event{At: now, Kind: k, Binding: c.bind})
	c.bind = Binding{}
	c.discover(now)
}

// Handle takes a datagram that arrived on port 68.
func (c *Client) Handle(now sim.Time, d Datagram) {
	m, err := ParseMessage(d.Payload)
	if err != nil || m.Op != BootReply || m.XID != c.xid || [6]byte(m.CHAddr[:6]) != c.cfg.HW {
		return
	}
	switch {
	case c.state == Selecting && m.Type == Offer && m.YIAddr.IsValid() && m.ServerID.IsValid():
		// The first offer wins (RFC 2131 allows waiting for more).
		c.offer, c.state, c.rto, c.tries, c.sent = m, Requesting, firstRTO, 0, now
		c.sendRequest(now)
		c.due = now.Add(c.backoff())
	case c.state >= Requesting && m.Type == Nak && c.fromOurServer(&m):
		c.lose(now, EvNak)
	case c.state >= Requesting && c.state != BoundState && m.Type == Ack && c.fromOurServer(&m):
		c.ack(now, &m)
	}
}

// fromOurServer: in REQUESTING the reply must come from the chosen
// server; while renewing from the lease's; rebinding, from any.
func (c *Client) fromOurServer(m *Message) bool {
	switch c.state {
	case Requesting:
		return m.ServerID == c.offer.ServerID
	case Renewing:
		return !m.ServerID.IsValid() || m.ServerID == c.bind.Server
	}
	return true
}

// ack binds (REQUESTING) or extends (RENEWING, REBINDING) the lease,
// its times counted from when the request went out.
func (c *Client) ack(now sim.Time, m *Message) {
	if !m.YIAddr.IsValid() || m.YIAddr.IsUnspecified() {
		return
	}
	kind := EvRenewed
	if c.state == Requesting {
		kind = EvBound
	}
	lease := time.Duration(m.LeaseSecs) * time.Second
	b := Binding{Addr: m.YIAddr, Prefix: netip.PrefixFrom(m.YIAddr, 32), Router: m.Router, DNS: m.DNS,
		Server: m.ServerID, LeaseTime: lease, Start: c.sent, T1: sim.Never, T2: sim.Never, Expires: sim.Never}
	if !b.Server.IsValid() {
		b.Server = c.bind.Server
	}
	if m.SubnetMask.IsValid() {
		ones := maskBits(m.SubnetMask)
		b.Prefix = netip.PrefixFrom(m.YIAddr, ones)
	}
	if m.LeaseSecs != 0xffffffff { // not infinite
		b.Expires = c.sent.Add(lease)
		b.T1 = c.sent.Add(secsOr(m.T1Secs, lease/2))
		b.T2 = c.sent.Add(secsOr(m.T2Secs, lease/8*7))
	}
	c.bind, c.state, c.due = b, BoundState, b.T1
	c.evs = append(c.evs, Event{At: now, Kind: kind, Binding: b})
}

func secsOr(s uint32, d time.Duration) time.Duration {
	if s == 0 {
		return d
	}
	return time.Duration(s) * time.Second
}

func maskBits(m netip.Addr) int {
	v, n := m.As4(), 0
	for _, b := range v {
		for i := 7; i >= 0 && b&(1<<i) != 0; i-- {
			n++
		}
		if b != 0xff {
			break
		}
	}
	return n
}

// Release gives the lease back (RFC 2131 section 4.4.6) and stops.
func (c *Client) Release(now sim.Time) {
	b, ok := c.Binding()
	if !ok {
		c.state, c.due = Stopped, sim.Never
		return
	}
	m := c.message(now, Release)
	m.CIAddr, m.ServerID, m.XID = b.Addr, b.Server, c.rng.Uint32()
	c.send(&m, b.Addr, b.Server)
	c.evs = append(c.evs, Event{At: now, Kind: EvReleased, Binding: b})
	c.bind, c.state, c.due = Binding{}, Stopped, sim.Never
}

// Decline tells the server the bound address is in use (the host's ARP
// probe found another owner, RFC 2131 section 4.4.1) and restarts after
// ten seconds.
func (c *Client) Decline(now sim.Time) {
	b, ok := c.Binding()
	if !ok {
		return
	}
	m := c.message(now, Decline)
	m.RequestedIP, m.ServerID = b.Addr, b.Server
	c.send(&m, netip.IPv4Unspecified(), Broadcast)
	c.evs = append(c.evs, Event{At: now, Kind: EvDeclined, Binding: b})
	c.bind, c.state, c.due = Binding{}, Init, now.Add(declineWait)
}
