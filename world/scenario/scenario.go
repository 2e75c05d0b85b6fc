// Package scenario parses and validates hops world descriptions written in
// YAML.
//
// A scenario file names the nodes of a simulated network, the
// point-to-point links between them (with addresses and impairments such
// as rate, delay, loss and reordering), the LANs that join several
// interfaces through a switch or Wi-Fi access point, the software the
// nodes run (name servers, web servers, DHCP servers), NAT on routers,
// and timed events such as a link going down:
//
//	name: tiny
//	nodes:
//	  - {name: laptop, role: laptop}
//	  - {name: phone, role: host}
//	  - name: r1
//	    role: home-router
//	    services: [{kind: dhcp, iface: lan0, pool: 192.168.1.100-192.168.1.199}]
//	    nat: {inside: lan0, outside: wan0}
//	  - {name: server, role: server}
//	lans:
//	  - name: home                  # a switch with a cable to each member
//	    members:
//	      - r1:lan0 192.168.1.1/24  # "NODE[:IFACE] ADDR/LEN"
//	      - laptop dhcp             # "NODE[:IFACE] dhcp": an address from r1
//	      - phone:wlan0 dhcp
//	    rate: 1Gbps
//	links:
//	  - name: core
//	    a: r1:wan0 198.18.0.1/30    # compact form
//	    b: {node: server, addr: 198.18.0.2/30}   # mapping form
//	    rate: 1Gbps
//	    delay: 10ms
//	    queue: 100 packets    # or a byte size such as 64KB
//	    loss: 1%
//	events:
//	  - {at: 2s, down: core}
//	  - {at: 5s, up: core}
//
// Every key is described by the struct tags of the types below (see
// schema.go); Reference renders them as the format's reference, which
// `hops world --schema` prints and docs/world-format.md holds. Rates,
// durations and sizes need units (see ParseRate, ParseDuration and
// ParseSize); probabilities are percentages (see ParseProbability: a bare
// number such as 1 is rejected as ambiguous). YAML anchors, aliases
// and merge keys ("<<: *defaults") may be used to share settings; top-level
// keys starting with "x-" are ignored, so they can hold such anchors.
//
// Parse reports every problem it finds as an ErrorList whose entries read
// "file:line:col: message", positioned at the offending key or value.
package scenario

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The types below are the world format's schema: their yaml and hops tags
// drive decoding, checks, defaults and the reference (see schema.go and
// Reference), their json tags the output of `hops world --json`. A new
// key of a node is one new field of Node, tagged; it needs a change
// elsewhere only if its value has a new syntax (a new unit) or must be
// checked against other nodes (validate.go).

// Scenario is a parsed and validated world description.
type Scenario struct {
	File   string  `json:"file"`                                                                                                             // file name used in error messages
	Name   string  `yaml:"name" json:"name" hops:"doc=The world's name, shown by hops world. Default: the file name without its extension."` // defaults to File's base name without extension
	Nodes  []Node  `yaml:"nodes" json:"nodes" hops:"required; custom; value=list of nodes; missing=the list of hosts and routers; alias=hosts|routers; doc=The hosts and routers, at least one."`
	Links  []Link  `yaml:"links" json:"links" hops:"custom; value=list of links; alias=edges|connections; doc=The point-to-point links between them."`
	LANs   []LAN   `yaml:"lans" json:"lans,omitempty" hops:"custom; value=list of LANs; alias=lan|segments|switches|networks; doc=Shared Ethernet segments: a switch or Wi-Fi access point with a cable or radio link to each member (see lans[])."`
	Events []Event `yaml:"events" json:"events" hops:"custom; value=list of events; doc=Links going down and up during the run, in any order."`
	// Routing is how routers learn their routes.
	Routing Routing `yaml:"routing" json:"routing,omitempty" hops:"doc=How routers learn their routes: oracle (shortest paths over the whole world, computed by hops and recomputed when a link changes), ospf (every router with a static address runs OSPFv2 in one area, with Hellos every 10 s and a dead interval of 40 s; hosts keep a default route to their router) or bgp (OSPFv2 inside each autonomous system and BGP-4 between them and within them: every router needs an as, and linked ASes a relationship in as-relationships). hops --routing overrides it. Default: oracle."`
	// OSPF and BGP set the routing protocols' timers.
	OSPF *OSPFTimers `yaml:"ospf" json:"ospf,omitempty" hops:"alias=ospf-timers; doc=OSPF's timers for every router of the world (see ospf). Default: the RFC's, Hellos every 10 s, dead after 40 s."`
	BGP  *BGPTimers  `yaml:"bgp" json:"bgp,omitempty" hops:"alias=bgp-timers; doc=BGP's timers for every router of the world (see bgp). Default: hold time 90 s, ConnectRetry 5 s, minimum advertisement interval 100 ms."`
	// Relationships are the business relationships between autonomous
	// systems that BGP's policies follow.
	Relationships []ASRelationship `yaml:"as-relationships" json:"as_relationships,omitempty" hops:"alias=relationships|peering|as-relations; doc=The business relationships between autonomous systems (see as-relationships[]), which BGP's import and export policies follow (Gao–Rexford: routes from customers are preferred and go to everyone; routes from peers and providers go to customers only). Every two ASes whose routers share a link need one."`
}

// ECMPMode is how a router spreads datagrams over equal-cost paths. The
// valid values are ECMPModes.
type ECMPMode string

// The ECMP modes.
const (
	ECMPPerFlow   ECMPMode = "per-flow"
	ECMPPerPacket ECMPMode = "per-packet"
)

// ECMPModes lists the known ECMP modes.
var ECMPModes = []ECMPMode{ECMPPerFlow, ECMPPerPacket}

func (ECMPMode) enumValues() []string {
	out := make([]string, len(ECMPModes))
	for i, m := range ECMPModes {
		out[i] = string(m)
	}
	return out
}

func (ECMPMode) enumNoun() string { return "ECMP mode" }

// Routing names how a world's routers learn their routes. The valid
// values are Routings.
type Routing string

// The routing protocols.
const (
	RoutingOracle Routing = "oracle"
	RoutingOSPF   Routing = "ospf"
	RoutingBGP    Routing = "bgp"
)

// Routings lists the known routing values.
var Routings = []Routing{RoutingOracle, RoutingOSPF, RoutingBGP}

func (Routing) enumValues() []string {
	out := make([]string, len(Routings))
	for i, r := range Routings {
		out[i] = string(r)
	}
	return out
}

func (Routing) enumNoun() string { return "routing" }

// Node is a host or router of the world.
type Node struct {
	Name     string    `yaml:"name" json:"name" hops:"required; unit=name; alias=id; doc=Unique. Letters, digits, '-', '_' and '.', starting with a letter or digit, at most 64 characters."`
	Role     Role      `yaml:"role" json:"role" hops:"required; alias=type|kind; doc=What the node is. Routers forward packets between their interfaces; hosts do not."`
	Services []Service `yaml:"services" json:"services,omitempty" hops:"alias=apps|software|daemons; doc=Software the node runs (see nodes[].services[]). Default: none."`
	// Resolver is the node's resolv.conf: the recursive resolver its stub
	// asks.
	Resolver string `yaml:"resolver" json:"resolver,omitempty" hops:"alias=nameserver|dns|resolv; doc=The recursive resolver the node's stub resolver asks, as resolv.conf's nameserver: a node name or an IPv4 address. Default: the first node with a resolver service."`
	// ICMPLimit overrides Linux's limits on the ICMP errors the node sends.
	ICMPLimit *ICMPRateLimit `yaml:"icmp-ratelimit" json:"icmp_ratelimit,omitempty" hops:"alias=icmp-rate-limit|ratelimit|rate-limit; doc=Limits on the ICMP errors (unreachable, time exceeded) the node sends, as Linux's sysctls (see nodes[].icmp-ratelimit). Default: Linux's, 1 per second per destination in bursts of 6, 1000 per second in all in bursts of 50."`
	// NAT translates addresses and ports between two of the node's
	// interfaces; routers only.
	NAT *NAT `yaml:"nat" json:"nat,omitempty" hops:"alias=napt|masquerade|snat; doc=For routers: network address and port translation between an inside and an outside interface (see nodes[].nat). Default: none."`
	// ECMP is how a router spreads datagrams over equal-cost paths.
	ECMP ECMPMode `yaml:"ecmp" json:"ecmp,omitempty" hops:"alias=multipath; doc=For routers: how forwarded datagrams spread over the equal-cost paths of a multipath route (OSPF computes them): per-flow (a keyed hash of the addresses, the protocol and the ports picks the path, so a connection stays on one) or per-packet (the paths take turns). Default: per-flow."`
	// StaticRoutes are routes written by hand, as `ip route add PREFIX
	// via ADDR` would: "PREFIX via ADDR".
	StaticRoutes []string `yaml:"static-routes" json:"static_routes,omitempty" hops:"alias=routes|static|ip-routes; doc=Routes written by hand, each \"PREFIX via ADDR\" (ADDR a neighbour on one of the node's subnets), e.g. \"10.9.0.0/16 via 198.18.1.2\": shown as proto static; they win over the oracle's, OSPF's and BGP's routes to the same prefix (administrative distance 1; connected subnets 0). Default: none."`
	// AS is the autonomous system a router belongs to (BGP).
	AS int `yaml:"as" json:"as,omitempty" hops:"min=1; max=4294967295; alias=asn|as-number; doc=For routers: the autonomous system the router belongs to, a 4-octet AS number (RFC 6793); use the documentation ranges 64496-64511 and 65536-65551 (RFC 5398). With routing bgp every router with a static address needs one. Default: none."`
	// RouteServer makes a router an IXP's route server.
	RouteServer bool `yaml:"route-server" json:"route_server,omitempty" hops:"alias=routeserver|rs; doc=For routers with an as: the router is an Internet Exchange Point's route server (RFC 7947): its BGP neighbours are peers that it passes each other's routes, without putting its own AS in their paths; since hops' exchange is a router on point-to-point links, traffic between members goes through it (it gives itself as the next hop). Default: false."`
	Pos         Pos  `json:"pos,omitzero"` // position of the node's entry in the file
}

// Service is one piece of software a node runs. Its Kind selects what it
// is; Zones belong to kind dns, Sites to kind web (the world checks
// that, and that the names are ones hops ships); Iface, the pool and
// Lease to kind dhcp (Parse checks those, and fills in Lease).
type Service struct {
	Kind  ServiceKind `yaml:"kind" json:"kind" hops:"required; alias=type|name; doc=What the software is: dns (an authoritative name server on UDP and TCP port 53), resolver (a recursive resolver on port 53, starting from the world's root servers: the nodes whose dns serves the root zone), web (an HTTP/1.1 server on port 80), dhcp (a DHCP server, RFC 2131, on UDP port 67 of one interface, leasing addresses from a pool; it offers the node as router and the node's resolver as DNS server)."`
	Zones []string    `yaml:"zones" json:"zones,omitempty" hops:"alias=zone; doc=For dns: the zones it serves. An origin alone names a zone file hops ships: . com. net. org. example.com. example.net. example.org. in-addr.arpa. and the default world's reverse zones 2.0.192.in-addr.arpa. 18.198.in-addr.arpa. 100.51.198.in-addr.arpa. 113.0.203.in-addr.arpa.; \"ORIGIN FILE\" serves an RFC 1035 master file of your own, its path relative to the scenario file, e.g. \"test. test.zone\"."`
	Sites []string    `yaml:"sites" json:"sites,omitempty" hops:"alias=site|hosts; doc=For web: the sites it serves, by host name: www.example.com (a small static site: HTML, CSS, images, a script, JSON, a twenty-resource gallery) and api.example.com (an API at /items, JSON or XML). The first is also served for any other Host."`
	// Push says what an HTTP/2 web server pushes with a page.
	Push []string `yaml:"push" json:"push,omitempty" hops:"alias=server-push|pushes; doc=For web: what HTTP/2 server push sends with a page, each entry \"PAGE RESOURCE...\" for the first site (e.g. \"/ /style.css /logo.png\") or \"HOST/PAGE RESOURCE...\" for another; [none] pushes nothing. Default: the sites' own (www.example.com pushes /style.css and /logo.png with /)."`
	// Iface is the interface a dhcp service serves: one of the node's,
	// with a static address.
	Iface string `yaml:"iface" json:"iface,omitempty" hops:"custom; value=name; alias=interface|if|dev; doc=For dhcp, required: the interface it serves, one of the node's with a static address (on a link or a LAN)."`
	// PoolStart and PoolEnd are the first and last address a dhcp service
	// leases (inclusive), inside Iface's subnet.
	PoolStart netip.Addr `yaml:"pool" json:"pool_start,omitzero" hops:"custom; value=FIRST-LAST; alias=range|addresses|dhcp-range; doc=For dhcp, required: the addresses it leases, an inclusive range of IPv4 addresses in the interface's subnet, e.g. 192.168.1.100-192.168.1.199 (not the network or broadcast address; the interface's own address is skipped if it falls inside)."`
	PoolEnd   netip.Addr `json:"pool_end,omitzero"`
	// Lease is how long a dhcp service's leases last (DefaultLease if the
	// file names none).
	Lease time.Duration `yaml:"lease" json:"lease_ns,omitempty" hops:"positive; alias=lease-time|leasetime|lease-duration; doc=For dhcp: how long a lease lasts, at least 1s. Default: 1h."`
	Pos   Pos           `json:"pos,omitzero"` // position of the service's entry in the file
}

// The kinds of service.
const (
	ServiceDNS      ServiceKind = "dns"
	ServiceResolver ServiceKind = "resolver"
	ServiceWeb      ServiceKind = "web"
	ServiceDHCP     ServiceKind = "dhcp"
)

// ServiceKind names a kind of service. The valid kinds are ServiceKinds.
type ServiceKind string

// ServiceKinds lists the known kinds of service.
var ServiceKinds = []ServiceKind{ServiceDNS, ServiceResolver, ServiceWeb, ServiceDHCP}

// NAT is a node's network address and port translation (NAPT, RFC
// 4787/5382) between an inside and an outside interface. Zero timeouts
// mean the engine's defaults.
type NAT struct {
	Inside         string        `yaml:"inside" json:"inside" hops:"required; custom; value=name; missing=the interface towards the private network, e.g. inside: lan0; alias=in|lan|private|internal; doc=The interface towards the private network: one of the node's, with a static address; its subnet is the inside network, whose addresses are translated."`
	Outside        string        `yaml:"outside" json:"outside" hops:"required; custom; value=name; missing=the interface towards the internet, e.g. outside: wan0; alias=out|wan|public|external; doc=The interface towards the internet: one of the node's; its address (static or from DHCP) is the public address every mapping uses."`
	Filtering      string        `yaml:"filtering" json:"filtering" hops:"values=endpoint-independent|address-dependent; default=endpoint-independent; subject=NAT filtering behaviour; alias=filter|filter-mode|mode; doc=Which outside endpoints may send to a mapping (RFC 4787): endpoint-independent (any, once the inside host has sent out through it: full cone) or address-dependent (only addresses the inside host has sent to: restricted cone)."`
	Forwards       []PortForward `yaml:"forwards" json:"forwards,omitempty" hops:"custom; value=list of \"PROTO PORT ADDR:PORT\"; alias=forward|port-forwards|port-forwarding|portforwards; doc=Port forwards: a TCP or UDP port of the public address that leads to an inside address and port, e.g. \"tcp 8080 192.168.1.10:80\". Default: none."`
	UDPTimeout     time.Duration `yaml:"udp-timeout" json:"udp_timeout_ns,omitempty" hops:"positive; alias=udp|udp-mapping-timeout; doc=How long a UDP mapping lives after its last outbound packet. Default: 2m (RFC 4787's minimum)."`
	TCPEstablished time.Duration `yaml:"tcp-established-timeout" json:"tcp_established_timeout_ns,omitempty" hops:"positive; alias=tcp-timeout|tcp-established; doc=How long an idle established TCP connection's mapping lives. Default: 2h4m (RFC 5382)."`
	TCPTransitory  time.Duration `yaml:"tcp-transitory-timeout" json:"tcp_transitory_timeout_ns,omitempty" hops:"positive; alias=tcp-transitory; doc=How long a TCP mapping lives while the connection is being opened or closed. Default: 4m (RFC 5382)."`
	ICMPTimeout    time.Duration `yaml:"icmp-timeout" json:"icmp_timeout_ns,omitempty" hops:"positive; alias=icmp; doc=How long an ICMP query (echo) mapping lives. Default: 60s (RFC 5508)."`
	Pos            Pos           `json:"pos,omitzero"` // position of the nat mapping in the file
}

// PortForward is a NAT's static mapping: packets of Proto for Port of
// the public address go to To, an address of the inside network. It is
// written "PROTO PORT ADDR:PORT".
type PortForward struct {
	Proto string         `json:"proto"` // "tcp" or "udp"
	Port  uint16         `json:"port"`  // public port, 1-65535
	To    netip.AddrPort `json:"to"`    // inside endpoint
}

// The filtering behaviours of a NAT (NAT.Filtering).
const (
	NATEndpointIndependent = "endpoint-independent"
	NATAddressDependent    = "address-dependent"
)

func (ServiceKind) enumValues() []string {
	out := make([]string, len(ServiceKinds))
	for i, k := range ServiceKinds {
		out[i] = string(k)
	}
	return out
}

func (ServiceKind) enumNoun() string { return "service kind" }

func (Role) enumValues() []string { return roleNames }
func (Role) enumNoun() string     { return "role" }

// Role is what a node is in the world. Hosts: "host", "laptop", "server",
// "dns" (DNS server host), "resolver". Routers: "router", "home-router",
// "isp", "backbone", "ixp", "datacenter".
type Role string

// The valid roles.
const (
	RoleHost       Role = "host"
	RoleLaptop     Role = "laptop"
	RoleServer     Role = "server"
	RoleDNS        Role = "dns"
	RoleResolver   Role = "resolver"
	RoleRouter     Role = "router"
	RoleHomeRouter Role = "home-router"
	RoleISP        Role = "isp"
	RoleBackbone   Role = "backbone"
	RoleIXP        Role = "ixp"
	RoleDatacenter Role = "datacenter"
)

// roles lists the valid roles in the order used in messages.
var roles = []Role{
	RoleHost, RoleLaptop, RoleServer, RoleDNS, RoleResolver,
	RoleRouter, RoleHomeRouter, RoleISP, RoleBackbone, RoleIXP, RoleDatacenter,
}

// IsRouter reports whether nodes of role r forward packets between their
// interfaces (router, home-router, isp, backbone, ixp, datacenter).
func (r Role) IsRouter() bool {
	switch r {
	case RoleRouter, RoleHomeRouter, RoleISP, RoleBackbone, RoleIXP, RoleDatacenter:
		return true
	}
	return false
}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	for _, x := range roles {
		if r == x {
			return true
		}
	}
	return false
}

// Link is a point-to-point link between two interfaces.
type Link struct {
	Name         string          `yaml:"name" json:"name" hops:"unit=name; doc=Unique. Default: the two nodes' names joined by \"--\" (\"r1--r2\")."` // unique
	A            Endpoint        `yaml:"a" json:"a" hops:"required; custom; value=endpoint; missing=e.g. a: \"r1:eth0 10.0.0.1/30\"; doc=One end: \"NODE[:IFACE] ADDR/LEN\", \"NODE[:IFACE] dhcp\" or a mapping (see links[].a)."`
	B            Endpoint        `yaml:"b" json:"b" hops:"required; custom; value=endpoint; missing=e.g. b: \"r1:eth0 10.0.0.2/30\"; doc=The other end, in the same subnet (or dhcp, when the other end's node runs a dhcp service on it)."`
	RateBps      int64           `yaml:"rate" json:"rate_bps" hops:"unit=bitrate; positive; hint=leave rate out for an unlimited link; alias=bandwidth|bw|speed; doc=Serialization rate. Default: unlimited (no serialization delay)."`
	Delay        time.Duration   `yaml:"delay" json:"delay_ns" hops:"nonneg; alias=latency; doc=Propagation delay, each way. Default: 0."`
	QueuePackets int             `yaml:"queue" json:"queue_packets" hops:"custom; value=packets or size; alias=queue-size|buffer; doc=Drop-tail queue limit of each direction: a packet count (100 or \"100 packets\"), a size (64KB, 1MiB), or both as {packets: N, bytes: SIZE}. Default: 1000 packets."`
	QueueBytes   int             `json:"queue_bytes"` // drop-tail limit in bytes (0 = not set); if neither is set, QueuePackets is 1000
	MTU          int             `yaml:"mtu" json:"mtu" hops:"default=1500; min=68; max=65535; doc=Largest IPv4 datagram, in bytes."`
	Loss         float64         `yaml:"loss" json:"loss" hops:"unit=probability; alias=drop|packet-loss; doc=Probability that a packet is lost, uniform, each direction. Default: 0%."`
	Burst        *GilbertElliott `yaml:"burst-loss" json:"burst_loss,omitempty" hops:"alias=burst|gilbert-elliott; doc=Bursty loss (see links[].burst-loss). Default: none."`
	Duplicate    float64         `yaml:"duplicate" json:"duplicate" hops:"unit=probability; alias=dup; doc=Probability that a packet is delivered twice. Default: 0%."`
	Reorder      float64         `yaml:"reorder" json:"reorder" hops:"unit=probability; doc=Probability that a packet is held back by reorder-delay, so later ones overtake it. Default: 0%."`
	ReorderDelay time.Duration   `yaml:"reorder-delay" json:"reorder_delay_ns" hops:"positive; doc=How long a reordered packet is held back. Only with reorder. Default: 1ms."`
	Jitter       time.Duration   `yaml:"jitter" json:"jitter_ns" hops:"nonneg; doc=Extra delay drawn uniformly from [0, jitter] per packet; packets stay in order. Default: 0."`
	Corrupt      float64         `yaml:"corrupt" json:"corrupt" hops:"unit=probability; doc=Probability of flipping one bit of a packet; the next checksum check drops it. Default: 0%."`
	Cost         int             `yaml:"cost" json:"cost" hops:"min=1; max=16777215; hint=leave cost out to derive it from the delay; alias=metric|weight; doc=Routing cost. Default (0 in JSON): derived from the delay, 1 per 10µs plus 1."`
	Ethernet     bool            `yaml:"ethernet" json:"ethernet,omitempty" hops:"alias=eth|arp|l2|ethernet-ii; doc=Frame the link in Ethernet II and resolve addresses with ARP, like a LAN cable. Default: false, or true when an end takes its address from DHCP."`
	Pos          Pos             `json:"pos,omitzero"` // position of the link's entry in the file
}

// LAN is a shared Ethernet segment: a switch (or a Wi-Fi access point)
// with a cable (or radio link) to each member interface. Rate, delay,
// jitter, loss and MTU apply to each member's cable or radio link, each
// direction; a frame from one member to another crosses two of them.
type LAN struct {
	Name    string        `yaml:"name" json:"name" hops:"required; unit=name; missing=e.g. name: home-lan; alias=id; doc=Unique among links and LANs."`
	Kind    LANKind       `yaml:"kind" json:"kind" hops:"default=switch; alias=type|medium; doc=What joins the members: switch (a learning Ethernet switch, a cable to each member) or wifi (an access point, a radio link to each member)."`
	Members []Endpoint    `yaml:"members" json:"members" hops:"required; custom; value=list of endpoints; missing=at least two, e.g. members: [\"r1:lan0 192.168.1.1/24\", \"laptop dhcp\"]; alias=member|hosts|nodes|ports|interfaces|ends; doc=The interfaces on the LAN, at least two, each as a link's end: \"NODE[:IFACE] ADDR/LEN\", \"NODE[:IFACE] dhcp\" or a mapping (see links[].a). A node is a member at most once; the static addresses share one subnet, and at least one member has one."`
	RateBps int64         `yaml:"rate" json:"rate_bps" hops:"unit=bitrate; positive; hint=leave rate out for an unlimited LAN; alias=bandwidth|bw|speed; doc=Serialization rate of each member's cable or radio link. Default: unlimited."`
	Delay   time.Duration `yaml:"delay" json:"delay_ns" hops:"nonneg; alias=latency; doc=Propagation delay of each member's cable or radio link, each way. Default: 0."`
	Jitter  time.Duration `yaml:"jitter" json:"jitter_ns" hops:"nonneg; doc=Extra delay drawn uniformly from [0, jitter] per packet on each member's cable or radio link. Default: 0."`
	Loss    float64       `yaml:"loss" json:"loss" hops:"unit=probability; alias=drop|packet-loss; doc=Probability that a packet is lost on a member's cable or radio link, each direction. Default: 0%."`
	MTU     int           `yaml:"mtu" json:"mtu" hops:"default=1500; min=68; max=65535; doc=Largest IPv4 datagram, in bytes."`
	Pos     Pos           `json:"pos,omitzero"` // position of the LAN's entry in the file
}

// LANKind says what joins a LAN's members. The valid kinds are LANKinds.
type LANKind string

// The kinds of LAN.
const (
	LANSwitch LANKind = "switch"
	LANWiFi   LANKind = "wifi"
)

// LANKinds lists the known kinds of LAN.
var LANKinds = []LANKind{LANSwitch, LANWiFi}

func (LANKind) enumValues() []string {
	out := make([]string, len(LANKinds))
	for i, k := range LANKinds {
		out[i] = string(k)
	}
	return out
}

func (LANKind) enumNoun() string { return "LAN kind" }

// GilbertElliott is the two-state bursty loss model: P = P(good→bad),
// R = P(bad→good), LossBad = loss probability in the bad state (default 1),
// LossGood = loss probability in the good state (default 0).
type GilbertElliott struct {
	P        float64 `yaml:"p" json:"p" hops:"required; unit=probability; missing=probability of going from the good to the bad state; doc=Probability of going from the good to the bad state, per packet."`
	R        float64 `yaml:"r" json:"r" hops:"required; unit=probability; missing=probability of going from the bad back to the good state; doc=Probability of going from the bad back to the good state, per packet."`
	LossBad  float64 `yaml:"loss-bad" json:"loss_bad" hops:"unit=probability; default=100%; doc=Loss probability in the bad state."`
	LossGood float64 `yaml:"loss-good" json:"loss_good" hops:"unit=probability; default=0%; doc=Loss probability in the good state."`
}

// ICMPRateLimit is a node's limits on the ICMP errors it sends, after
// Linux's sysctls; keys left out keep Linux's values.
type ICMPRateLimit struct {
	PerDest     time.Duration `yaml:"per-destination" json:"per_destination_ns" hops:"nonneg; default=1s; alias=ratelimit|icmp_ratelimit; doc=One error per this interval to each destination, after a burst (icmp_ratelimit). 0 turns the per-destination limit off."`
	Burst       int           `yaml:"burst" json:"burst" hops:"min=1; max=1000000; default=6; doc=How many errors to one destination may go at once."`
	PerSecond   int           `yaml:"per-second" json:"per_second" hops:"min=0; max=1000000000; default=1000; alias=icmp_msgs_per_sec; doc=Errors per second in all (icmp_msgs_per_sec). 0 turns the global limit off."`
	GlobalBurst int           `yaml:"global-burst" json:"global_burst" hops:"min=1; max=1000000000; default=50; alias=icmp_msgs_burst; doc=How many errors in all may go at once (icmp_msgs_burst)."`
}

// OSPFTimers are OSPF's interface timers (RFC 2328 C.3), the same on
// every router.
type OSPFTimers struct {
	Hello time.Duration `yaml:"hello" json:"hello_ns" hops:"positive; default=10s; alias=hello-interval|helloInterval; doc=HelloInterval: how often a router says hello to its neighbours."`
	Dead  time.Duration `yaml:"dead" json:"dead_ns" hops:"positive; default=40s; alias=dead-interval|routerDeadInterval|router-dead-interval; doc=RouterDeadInterval: how long without a Hello before a neighbour is declared down; longer than hello."`
	Pos   Pos           `json:"-"`
}

// BGPTimers are BGP's timers (RFC 4271 10), the same on every router.
type BGPTimers struct {
	Hold         time.Duration `yaml:"hold" json:"hold_ns" hops:"nonneg; default=90s; alias=hold-time|holdtime; doc=The hold time proposed in OPEN: 0 (no keepalives) or at least 3s; KEEPALIVEs go every third of it."`
	ConnectRetry time.Duration `yaml:"connect-retry" json:"connect_retry_ns" hops:"positive; default=5s; alias=connectretry|connect-retry-time; doc=How long a session waits before trying to connect again after a failed attempt (the RFC suggests 120s; hops' default is short so that iBGP sessions come up as soon as OSPF has routes)."`
	MRAI         time.Duration `yaml:"min-advertisement-interval" json:"min_advertisement_interval_ns" hops:"nonneg; default=100ms; alias=mrai|advertisement-interval; doc=MinRouteAdvertisementInterval: a burst of UPDATEs is acted on at most once per interval (the first after a quiet spell at once); 0 acts on each at once. The RFC suggests 30s between ASes."`
	Pos          Pos           `json:"-"`
}

// Endpoint is one end of a link, or a member of a LAN: an interface of a
// node and its address. An interface that takes its address from DHCP
// has DHCP set and the zero Addr.
type Endpoint struct {
	Node  string       `yaml:"node" json:"node" hops:"required; custom; value=name; alias=name|host; doc=The node."`                                                                                     // node name
	Iface string       `yaml:"iface" json:"iface" hops:"custom; value=name; alias=interface|if|dev; doc=The interface's name. Default: eth0, eth1 ... in the order the node appears in links and LANs."` // interface name
	Addr  netip.Prefix `yaml:"addr" json:"addr,omitzero" hops:"required; custom; value=IPv4 address/length or dhcp; alias=address|ip|prefix; doc=The interface's address and prefix length, e.g. 10.0.0.1/30 (not the network or broadcast address); or dhcp: the interface takes its address from a dhcp service that another node on the link or LAN runs on it."`
	DHCP  bool         `json:"dhcp,omitempty"` // the address comes from DHCP; Addr is zero
	Pos   Pos          `json:"pos,omitzero"`   // position of the endpoint's value in the file
}

// Event changes the world at a point in simulated time.
type Event struct {
	At   time.Duration `yaml:"at" json:"at_ns" hops:"required; nonneg; subject=event time; missing=e.g. at: 2s; alias=time|when; doc=Virtual time since the start of the run."`
	Link string        `yaml:"down" json:"link" hops:"custom; value=link name; doc=Take this link down (both directions; queued packets are dropped)."`
	Up   bool          `yaml:"up" json:"up" hops:"custom; value=link name; doc=Bring this link back up."`
	Pos  Pos           `json:"pos,omitzero"` // position of the event's entry in the file
}

// Defaults and limits applied by Parse.
const (
	DefaultMTU          = 1500
	DefaultQueuePackets = 1000
	DefaultReorderDelay = time.Millisecond
	DefaultLease        = time.Hour // a dhcp service's lease
	MinMTU              = 68
	MaxMTU              = 65535
)

// Parse parses and validates a scenario. file is the name used in error
// messages and stored in Scenario.File. On failure it returns a nil
// Scenario and an ErrorList holding every problem found, sorted by
// position (at most 100, plus a final "too many errors" entry). Parse never
// panics.
func Parse(file string, data []byte) (s *Scenario, err error) {
	d := &decoder{file: file}
	defer func() {
		// Last line of defence: the package is fuzzed, but a crash of the
		// whole simulator over a malformed file would be worse than an
		// error that asks for a bug report.
		if r := recover(); r != nil {
			s = nil
			err = ErrorList{{File: file, Line: 1, Col: 1, Msg: fmt.Sprintf("internal error (please report): %v", r)}}
		}
	}()
	s = d.decode(data)
	if s == nil && len(d.errs) == 0 {
		d.errorf(Pos{1, 1}, "internal error (please report): no scenario and no error")
	}
	if len(d.errs) > 0 {
		return nil, d.errs.finish()
	}
	if s.Name == "" && file != "" {
		base := filepath.Base(file)
		s.Name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	return s, nil
}

// MaxFileBytes bounds the size of a scenario file. A world of thousands of
// nodes fits in well under a megabyte; the cap keeps a wrong --world (a
// device such as /dev/zero, a log file, a disk image) from being read into
// memory without end.
const MaxFileBytes = 8 << 20

// ParseFile reads the file at path and parses it with Parse, using path in
// error messages. It reads at most MaxFileBytes (from a regular file or
// anything else that can be read, such as a pipe) and fails with
// "PATH: scenario is larger than 8 MiB" beyond that. Errors opening or
// reading the file are returned as they are (not as an ErrorList).
func ParseFile(path string) (*Scenario, error) {
	data, err := readCapped(path, MaxFileBytes)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// readCapped reads at most max bytes of the file at path. It never holds
// more than max+1 bytes in memory, whatever the file is.
func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case fi.IsDir():
		return nil, fmt.Errorf("%s: is a directory, not a scenario file", path)
	case fi.Mode().IsRegular() && fi.Size() > max:
		return nil, fmt.Errorf("%s: scenario is larger than %s", path, formatMiB(max))
	}
	size := int64(512)
	if fi.Mode().IsRegular() {
		size = fi.Size() + 1
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(size, max+1)))
	if _, err := buf.ReadFrom(io.LimitReader(f, max+1)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(buf.Len()) > max {
		return nil, fmt.Errorf("%s: scenario is larger than %s", path, formatMiB(max))
	}
	return buf.Bytes(), nil
}

// formatMiB writes a byte count in MiB when it is a whole number of them.
func formatMiB(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
