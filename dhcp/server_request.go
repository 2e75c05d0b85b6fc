package dhcp

import (
	"net/netip"
	"slices"

	"github.com/hopsnet/hops/sim"
)

// request answers a DHCPREQUEST in each of the client states RFC 2131
// section 4.3.2 tells apart by the fields it sets.
func (s *Server) request(now sim.Time, m *Message) {
	key := clientKey(m)
	r := s.byClient[key]
	switch {
	case m.ServerID.IsValid(): // SELECTING: the client chose an offer
		if m.ServerID != s.cfg.ServerID {
			if r != nil && r.State == Offered { // it chose another server
				r.State, r.Expires = Free, now
			}
			return
		}
		if r == nil || r.Addr != m.RequestedIP || !s.usable(now, key, r.Addr) {
			s.nak(m, "offer expired or not for this address")
			return
		}
		s.bind(now, key, m, r.Addr)
	case !m.CIAddr.IsUnspecified() && m.CIAddr.IsValid(): // RENEWING or REBINDING
		s.confirm(now, key, m, m.CIAddr)
	case m.RequestedIP.IsValid(): // INIT-REBOOT: "SHOULD send NAK if the requested address is incorrect"
		if !s.cfg.Subnet.Contains(m.RequestedIP) {
			s.nak(m, "wrong network")
			return
		}
		s.confirm(now, key, m, m.RequestedIP)
	}
}

// confirm ACKs a request to keep address a if the client holds it, and
// otherwise NAKs (authoritative server, or a it holds another client's)
// or stays silent.
func (s *Server) confirm(now sim.Time, key string, m *Message, a netip.Addr) {
	r := s.byClient[key]
	switch {
	case r != nil && r.Addr == a && r.State == Bound && s.usable(now, key, a):
		s.bind(now, key, m, a)
	case s.cfg.Authoritative || (r != nil && r.Addr != a) || !s.usable(now, key, a):
		s.nak(m, "lease unknown")
	}
}

func (s *Server) bind(now sim.Time, key string, m *Message, a netip.Addr) {
	r := s.assign(key, m, a)
	r.State, r.Expires = Bound, now.Add(s.cfg.LeaseTime)
	s.reply(m, Ack, a, true)
}

// decline marks the address the client found in use (by ARP) unusable
// for DeclineHold (RFC 2131 section 4.3.3).
func (s *Server) decline(now sim.Time, m *Message) {
	key := clientKey(m)
	r := s.byClient[key]
	if r == nil || r.Addr != m.RequestedIP || m.ServerID.IsValid() && m.ServerID != s.cfg.ServerID {
		return
	}
	delete(s.byClient, key)
	r.client, r.HW, r.ClientID, r.Hostname = "", nil, nil, ""
	r.State, r.Expires = Declined, now.Add(s.cfg.DeclineHold)
}

// release frees the client's address; the record stays so that the
// client gets it back if it returns (RFC 2131 section 4.3.4).
func (s *Server) release(now sim.Time, m *Message) {
	if r := s.byClient[clientKey(m)]; r != nil && r.Addr == m.CIAddr && r.State == Bound {
		r.State, r.Expires = Free, now
	}
}

// inform answers a DHCPINFORM with the options only (RFC 2131 section
// 4.3.5).
func (s *Server) inform(m *Message) {
	if m.CIAddr.IsValid() && !m.CIAddr.IsUnspecified() {
		s.reply(m, Ack, netip.Addr{}, false)
	}
}

func (s *Server) nak(m *Message, why string) {
	r := s.base(m, Nak)
	r.Text = why
	s.send(m, &r)
}

// base is the reply to m common to every type (RFC 2131 table 3).
func (s *Server) base(m *Message, t MessageType) Message {
	return Message{Op: BootReply, HType: m.HType, HLen: m.HLen, XID: m.XID, Broadcast: m.Broadcast,
		GIAddr: m.GIAddr, CHAddr: m.CHAddr, Type: t, ServerID: s.cfg.ServerID, ClientID: m.ClientID,
		CIAddr: netip.IPv4Unspecified(), YIAddr: netip.IPv4Unspecified(), SIAddr: netip.IPv4Unspecified()}
}

// reply sends an OFFER or ACK for address a (none for INFORM) with the
// configured options; lease says whether to include the lease times.
func (s *Server) reply(m *Message, t MessageType, a netip.Addr, lease bool) {
	r := s.base(m, t)
	if a.IsValid() {
		r.YIAddr = a
	}
	if t == Ack && m.CIAddr.IsValid() {
		r.CIAddr = m.CIAddr
	}
	r.SubnetMask = maskOf(s.cfg.Subnet)
	r.Router, r.DNS = s.cfg.Router, s.cfg.DNS
	if lease {
		secs := uint32(s.cfg.LeaseTime.Seconds())
		r.LeaseSecs, r.T1Secs, r.T2Secs = secs, secs/2, secs/8*7 // RFC 2131 4.4.5: 0.5 and 0.875
	}
	s.send(m, &r)
}

// send queues r to the destination RFC 2131 section 4.1 prescribes.
func (s *Server) send(m *Message, r *Message) {
	d := Datagram{Src: netip.AddrPortFrom(s.cfg.ServerID, ServerPort), Payload: r.AppendTo(nil)}
	copy(d.HW[:], m.HWAddr())
	switch {
	case m.GIAddr.IsValid() && !m.GIAddr.IsUnspecified(): // through a relay agent
		d.Dst = netip.AddrPortFrom(m.GIAddr, ServerPort)
	case r.Type == Nak || m.Broadcast:
		d.Dst = netip.AddrPortFrom(Broadcast, ClientPort)
	case m.CIAddr.IsValid() && !m.CIAddr.IsUnspecified():
		d.Dst = netip.AddrPortFrom(m.CIAddr, ClientPort)
	default: // unicast to the new address, at the client's hardware address
		d.Dst, d.ToHW = netip.AddrPortFrom(r.YIAddr, ClientPort), true
	}
	s.out = append(s.out, d)
}

func maskOf(p netip.Prefix) netip.Addr {
	var m [4]byte
	for i := range p.Bits() {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom4(m)
}

// Leases returns the table's records that are active at now (offered,
// bound, declined), sorted by address.
func (s *Server) Leases(now sim.Time) []Lease {
	var ls []Lease
	for _, r := range s.byAddr {
		if r.active(now) {
			ls = append(ls, r.Lease)
		}
	}
	slices.SortFunc(ls, func(a, b Lease) int { return a.Addr.Compare(b.Addr) })
	return ls
}

// NextDeadline returns the earliest expiry of an active record, or
// sim.Never. Records lapse on their own; the deadline is for observers
// that report an expiry when it happens.
func (s *Server) NextDeadline(now sim.Time) sim.Time {
	d := sim.Never
	for _, r := range s.byAddr {
		if r.active(now) && r.Expires < d {
			d = r.Expires
		}
	}
	return d
}
