// Package nat is a sans-I/O network address and port translator (NAPT)
// for IPv4, behaving as RFC 4787 (UDP), RFC 5382 (TCP) and RFC 5508
// (ICMP) ask of a home router.
//
// A [NAT] rewrites IPv4 datagrams in place: [NAT.Outbound] for packets
// leaving the inside network through the public interface,
// [NAT.Inbound] for packets arriving on it. Every rewrite goes through
// the wire views' setters, so checksums are updated incrementally
// (RFC 1624) and a translated packet costs no allocation once its
// mapping exists. Time is a value passed in; the NAT never reads a clock
// and reports when its earliest mapping expires ([NAT.NextDeadline]).
//
// The behaviour, with the RFC requirement each choice obeys:
//   - endpoint-independent mapping (RFC 4787 REQ-1, RFC 5382 REQ-1): one
//     inside endpoint keeps one public port whatever it talks to;
//   - filtering endpoint-independent or address-dependent, chosen in
//     [Config] (RFC 4787 REQ-8 recommends either);
//   - port preservation when the public port is free, otherwise a port
//     drawn from the seeded *sim.Rand (RFC 4787 REQ-3 does not require
//     preservation; random allocation is RFC 6056's advice);
//   - mapping timeouts: UDP 2 min by default (RFC 4787 REQ-5 allows no
//     less), TCP established 2 h 4 min and transitory 4 min (RFC 5382
//     REQ-5), ICMP query 60 s (RFC 5508 REQ-1);
//   - hairpinning with the external source address (RFC 4787 REQ-9,
//     RFC 5382 REQ-8);
//   - ICMP echo identifiers translated like ports; ICMP errors about a
//     translated datagram translated back, outer and quoted headers alike
//     (RFC 5508 REQ-3, REQ-4), so traceroute and path-MTU discovery work;
//   - port forwarding: static inbound mappings from a public port to an
//     inside endpoint;
//   - a bounded table (see [Config.MaxMappings] for the policy when full).
//
// Fragments are not translated: the node reassembles before NAT, as
// Linux's nf_defrag does, because only the first fragment carries ports.
package nat

import (
	"net/netip"
	"time"

	"github.com/hopsnet/hops/sim"
)

// Filtering selects which outside endpoints may send to a mapping.
type Filtering uint8

const (
	// EndpointIndependent: any outside endpoint may send to a mapped
	// public port (RFC 4787 section 5, "Endpoint-Independent Filtering").
	EndpointIndependent Filtering = iota
	// AddressDependent: only outside addresses the inside endpoint has
	// sent to, from any port ("Address-Dependent Filtering").
	AddressDependent
)

func (f Filtering) String() string {
	if f == AddressDependent {
		return "address-dependent"
	}
	return "endpoint-independent"
}

// Defaults and bounds.
const (
	DefaultUDPTimeout     = 2 * time.Minute             // RFC 4787 REQ-5: at least 2 min
	DefaultTCPEstablished = 2*time.Hour + 4*time.Minute // RFC 5382 REQ-5
	DefaultTCPTransitory  = 4 * time.Minute             // RFC 5382 REQ-5
	DefaultICMPTimeout    = 60 * time.Second            // RFC 5508 REQ-1
	DefaultMaxMappings    = 4096                        // table bound
	defaultPortMin        = 1024                        // below: well-known ports
	defaultPortMax        = 65535                       // inclusive
	maxPeers              = 8                           // sessions kept per mapping
	tcpProto, udpProto    = 6, 17                       // IANA protocol numbers
	icmpProto             = 1
)

// Forward is a port-forwarding rule: datagrams of Proto (6 TCP or 17
// UDP) arriving for the public address at PublicPort go to Inside.
type Forward struct {
	Proto      uint8
	PublicPort uint16
	Inside     netip.AddrPort
}

// Config configures a NAT. Zero fields take the defaults above.
type Config struct {
	// Inside is the inside (private) network: only packets from it are
	// translated on the way out.
	Inside netip.Prefix
	// Public is the public address every mapping uses.
	Public netip.Addr
	// Filtering chooses inbound filtering.
	Filtering Filtering
	// Timeouts; zero means the default.
	UDPTimeout, TCPEstablished, TCPTransitory, ICMPTimeout time.Duration
	// MaxMappings bounds the table. When it is full, a new mapping first
	// reclaims an expired one, then evicts the live mapping closest to
	// expiry that is neither static nor an established TCP connection
	// (as Linux conntrack's early drop spares assured connections), and
	// otherwise the packet is dropped with DropTableFull.
	MaxMappings int
	// PortMin and PortMax bound the public ports (and ICMP identifiers)
	// the NAT allocates, inclusive; defaults 1024 and 65535. Ports
	// outside the range are never allocated, so the router's own
	// sockets may use them.
	PortMin, PortMax uint16
	// Forwards are the port-forwarding rules.
	Forwards []Forward
}

// Verdict says what happened to a packet.
type Verdict uint8

const (
	// Translated: the packet was rewritten; forward it on.
	Translated Verdict = iota
	// Hairpin: an outbound packet addressed to a public mapping was
	// rewritten to an inside destination; route it back inside.
	Hairpin
	// Pass: the NAT does not handle this packet (outbound from an
	// address outside Inside, inbound for another address); it is
	// unchanged.
	Pass
	// NoMapping: an inbound packet for the public address matches no
	// mapping or forward; it is unchanged. The router delivers it to its
	// own stack if something listens there, and drops it otherwise.
	NoMapping
	// DropFiltered: inbound, refused by address-dependent filtering; or
	// outbound, an ICMP error from inside about a datagram that no
	// mapping covers.
	DropFiltered
	// DropMalformed: not a well-formed IPv4 datagram of a known shape.
	DropMalformed
	// DropChecksum: a header or transport checksum does not verify.
	DropChecksum
	// DropFragment: a fragment; reassemble first.
	DropFragment
	// DropTableFull: no mapping could be made (table full, no port free).
	DropTableFull
	// DropProtocol: outbound from inside with a protocol or ICMP type
	// the NAT cannot translate; forwarding it would leak a private
	// address.
	DropProtocol
)

var verdictNames = [...]string{"translated", "hairpin", "pass", "no-mapping",
	"drop-filtered", "drop-malformed", "drop-checksum", "drop-fragment", "drop-table-full", "drop-protocol"}

func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "verdict?"
}

// Forwarded reports whether the packet should go on (rewritten or not):
// Translated, Hairpin or Pass.
func (v Verdict) Forwarded() bool { return v <= Pass }

// NAT is one translator: its configuration and mapping table. The zero
// value is not usable; call [New].
type NAT struct {
	cfg    Config
	public [4]byte
	rng    *sim.Rand
	tab    table
}

// New returns a NAT for cfg drawing ports from rng. It reports an error
// for an invalid configuration.
func New(cfg Config, rng *sim.Rand) (*NAT, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	n := &NAT{cfg: cfg, public: cfg.Public.As4(), rng: rng}
	n.tab.init(cfg.MaxMappings)
	for _, f := range cfg.Forwards {
		in := intKey{f.Proto, f.Inside.Addr().Unmap().As4(), f.Inside.Port()}
		_, dupIn := n.tab.byInt[in]
		_, dupExt := n.tab.byExt[extKey{f.Proto, f.PublicPort}]
		if dupIn || dupExt {
			return nil, configError("forward overlaps another, public port", int(f.PublicPort))
		}
		n.tab.insert(0, in, f.PublicPort, true)
	}
	return n, nil
}

// Config returns the configuration in use, defaults filled in.
func (n *NAT) Config() Config { return n.cfg }

func (c *Config) normalize() error {
	c.Public = c.Public.Unmap()
	if !c.Public.Is4() {
		return configError("public address must be IPv4", 0)
	}
	if !c.Inside.IsValid() || !c.Inside.Addr().Is4() {
		return configError("inside prefix must be IPv4", 0)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.UDPTimeout, DefaultUDPTimeout)
	def(&c.TCPEstablished, DefaultTCPEstablished)
	def(&c.TCPTransitory, DefaultTCPTransitory)
	def(&c.ICMPTimeout, DefaultICMPTimeout)
	if c.MaxMappings <= 0 {
		c.MaxMappings = DefaultMaxMappings
	}
	if c.PortMin == 0 {
		c.PortMin = defaultPortMin
	}
	if c.PortMax == 0 {
		c.PortMax = defaultPortMax
	}
	if c.PortMin > c.PortMax {
		return configError("PortMin above PortMax", int(c.PortMin))
	}
	if len(c.Forwards) >= c.MaxMappings {
		return configError("MaxMappings must exceed the number of forwards, got", c.MaxMappings)
	}
	for _, f := range c.Forwards {
		if f.Proto != tcpProto && f.Proto != udpProto {
			return configError("forward protocol must be 6 (TCP) or 17 (UDP), got", int(f.Proto))
		}
		if !f.Inside.Addr().Unmap().Is4() || !c.Inside.Contains(f.Inside.Addr().Unmap()) {
			return configError("forward target not inside, public port", int(f.PublicPort))
		}
	}
	return nil
}

// ConfigError is the error New returns for a bad configuration.
type ConfigError struct {
	Msg string
	Val int
}

func (e *ConfigError) Error() string {
	return "nat: " + e.Msg + " " + itoa(e.Val)
}

func configError(msg string, v int) error { return &ConfigError{msg, v} }

func itoa(v int) string {
	var b [20]byte
	return string(appendInt(b[:0], int64(v)))
}
