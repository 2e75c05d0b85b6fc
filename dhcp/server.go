package dhcp

import (
	"net/netip"
	"slices"
	"time"

	"github.com/hopsnet/hops/sim"
)

// Datagram is a DHCP message in or out of an engine, as a UDP payload
// with its endpoints.
type Datagram struct {
	Src, Dst netip.AddrPort
	// ToHW asks the sender to deliver a unicast datagram to the hardware
	// address HW without ARP: the client does not answer ARP for its
	// address before it is bound (RFC 2131 section 4.1).
	ToHW    bool
	HW      [6]byte
	Payload []byte
}

// Broadcast is the limited broadcast address.
var Broadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// ServerConfig configures a [Server]. Zero durations take the defaults.
type ServerConfig struct {
	ServerID           netip.Addr   // the server's own address: option 54 and the source
	Subnet             netip.Prefix // the LAN: option 1 is its mask
	PoolStart, PoolEnd netip.Addr   // inclusive; ServerID is skipped
	Router, DNS        []netip.Addr // options 3 and 6
	LeaseTime          time.Duration
	OfferHold          time.Duration // how long an offered address is held (default 60 s)
	DeclineHold        time.Duration // how long a declined address rests (default 10 min)
	// Authoritative: NAK a renewal or INIT-REBOOT request for a lease
	// the server has no record of (a restarted server that lost its
	// leases, as dnsmasq --dhcp-authoritative). Otherwise it stays
	// silent, as RFC 2131 section 4.3.2 asks of a non-authoritative one.
	Authoritative bool
}

// Default server durations.
const (
	DefaultLeaseTime   = 12 * time.Hour
	DefaultOfferHold   = 60 * time.Second
	DefaultDeclineHold = 10 * time.Minute
)

// LeaseState is the state of an address in the server's table.
type LeaseState uint8

// Lease states.
const (
	Free LeaseState = iota
	Offered
	Bound
	Declined
)

func (s LeaseState) String() string {
	return [...]string{"free", "offered", "bound", "declined"}[s]
}

// Lease is one record of the server's table.
type Lease struct {
	Addr     netip.Addr
	HW       []byte // client hardware address
	ClientID []byte // option 61, if the client sent one
	Hostname string
	State    LeaseState
	Expires  sim.Time
}

// record is a lease with the key of the client holding it ("" when the
// address is declined). Invariant: byClient[r.client] == r for every
// record with a client; byAddr[r.Addr] == r for every record.
type record struct {
	Lease
	client string
}

// Server is a DHCP server engine for one LAN.
type Server struct {
	cfg      ServerConfig
	byAddr   map[netip.Addr]*record
	byClient map[string]*record
	out      []Datagram
}

// NewServer returns a server for cfg, or an error if the pool is not
// inside the subnet.
func NewServer(cfg ServerConfig) (*Server, error) {
	if !cfg.Subnet.Contains(cfg.PoolStart) || !cfg.Subnet.Contains(cfg.PoolEnd) || cfg.PoolEnd.Less(cfg.PoolStart) {
		return nil, &ConfigError{"pool " + cfg.PoolStart.String() + "-" + cfg.PoolEnd.String() + " not inside " + cfg.Subnet.String()}
	}
	if !cfg.ServerID.Is4() {
		return nil, &ConfigError{"server ID must be an IPv4 address"}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.LeaseTime, DefaultLeaseTime)
	def(&cfg.OfferHold, DefaultOfferHold)
	def(&cfg.DeclineHold, DefaultDeclineHold)
	return &Server{cfg: cfg, byAddr: map[netip.Addr]*record{}, byClient: map[string]*record{}}, nil
}

// ConfigError reports a bad engine configuration.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return "dhcp: " + e.Msg }

// clientKey identifies a client: its client identifier if it sent one,
// its hardware address otherwise (RFC 2131 section 4.2).
func clientKey(m *Message) string {
	if len(m.ClientID) > 0 {
		return "id:" + string(m.ClientID)
	}
	return "hw:" + string(m.HWAddr())
}

func (r *record) active(now sim.Time) bool { return r.State != Free && r.Expires > now }

// Handle takes a datagram that arrived on port 67. Malformed messages
// and replies are ignored, as servers do.
func (s *Server) Handle(now sim.Time, d Datagram) {
	m, err := ParseMessage(d.Payload)
	if err != nil || m.Op != BootRequest {
		return
	}
	switch m.Type {
	case Discover:
		s.discover(now, &m)
	case Request:
		s.request(now, &m)
	case Decline:
		s.decline(now, &m)
	case Release:
		s.release(now, &m)
	case Inform:
		s.inform(&m)
	}
}

// Output appends the queued datagrams to dst and empties the queue.
func (s *Server) Output(dst []Datagram) []Datagram {
	dst = append(dst, s.out...)
	s.out = s.out[:0]
	return dst
}

// discover answers a DHCPDISCOVER with an offer, choosing the address
// in RFC 2131 section 4.3.1's order: the client's current or previous
// address, the address it asks for, then a free one.
func (s *Server) discover(now sim.Time, m *Message) {
	key := clientKey(m)
	a, ok := s.choose(now, key, m.RequestedIP)
	if !ok {
		return // pool exhausted: "the server ... does not respond"
	}
	if r := s.byClient[key]; r == nil || r.Addr != a || r.State != Bound || !r.active(now) {
		r = s.assign(key, m, a) // a bound lease stays bound while its client asks again
		r.State, r.Expires = Offered, now.Add(s.cfg.OfferHold)
	}
	s.reply(m, Offer, a, true)
}

func (s *Server) choose(now sim.Time, key string, want netip.Addr) (netip.Addr, bool) {
	if r := s.byClient[key]; r != nil && s.usable(now, key, r.Addr) {
		return r.Addr, true
	}
	if want.IsValid() && s.inPool(want) && s.usable(now, key, want) {
		return want, true
	}
	var reclaim *record // a lapsed lease of another client, the longest lapsed
	for a := s.cfg.PoolStart; a.IsValid() && !s.cfg.PoolEnd.Less(a); a = a.Next() {
		if a == s.cfg.ServerID {
			continue
		}
		r := s.byAddr[a]
		if r == nil {
			return a, true
		}
		if !r.active(now) && (reclaim == nil || r.Expires < reclaim.Expires) {
			reclaim = r
		}
	}
	if reclaim != nil {
		return reclaim.Addr, true
	}
	return netip.Addr{}, false
}

func (s *Server) inPool(a netip.Addr) bool {
	return a != s.cfg.ServerID && !a.Less(s.cfg.PoolStart) && !s.cfg.PoolEnd.Less(a)
}

// usable reports whether a may go to client key: nobody else holds it.
func (s *Server) usable(now sim.Time, key string, a netip.Addr) bool {
	r := s.byAddr[a]
	return r == nil || r.client == key && r.State != Declined || !r.active(now)
}

// assign makes the record of address a belong to the client of m,
// dropping the client's record of another address and any lapsed
// record of a.
func (s *Server) assign(key string, m *Message, a netip.Addr) *record {
	if r := s.byClient[key]; r != nil && r.Addr != a {
		delete(s.byAddr, r.Addr)
	}
	if r := s.byAddr[a]; r != nil && r.client != key && r.client != "" {
		delete(s.byClient, r.client)
	}
	r := &record{Lease: Lease{Addr: a, HW: slices.Clone(m.HWAddr()), ClientID: slices.Clone(m.ClientID),
		Hostname: m.Hostname}, client: key}
	s.byAddr[a], s.byClient[key] = r, r
	return r
}
