// Package scenario parses and validates hops world descriptions written in
// YAML.
//
// A scenario file names the nodes of a simulated network, the
// point-to-point links between them (with addresses and impairments such
// as rate, delay, loss and reordering) and timed events such as a link
// going down:
//
//	name: tiny
//	nodes:
//	  - {name: laptop, role: laptop}
//	  - {name: r1, role: router}
//	  - {name: server, role: server}
//	links:
//	  - a: laptop 192.168.1.100/24        # compact form "NODE[:IFACE] ADDR/LEN"
//	    b: r1:lan0 192.168.1.1/24
//	    rate: 100Mbps
//	    delay: 2ms
//	  - name: core
//	    a: {node: r1, iface: wan0, addr: 198.18.0.1/30}   # mapping form
//	    b: {node: server, addr: 198.18.0.2/30}
//	    rate: 1Gbps
//	    delay: 10ms
//	    queue: 100 packets    # or a byte size such as 64KB
//	    loss: 1%
//	events:
//	  - {at: 2s, down: core}
//	  - {at: 5s, up: core}
//
// Link fields: name, a, b, rate, delay, queue, mtu, loss, burst-loss (a
// mapping with p, r, loss-bad, loss-good), duplicate, reorder,
// reorder-delay, jitter, corrupt and cost. Rates, durations and sizes need
// units (see ParseRate, ParseDuration and ParseSize); probabilities are
// fractions or percentages (see ParseProbability). YAML anchors, aliases
// and merge keys ("<<: *defaults") may be used to share settings; top-level
// keys starting with "x-" are ignored, so they can hold such anchors.
//
// Parse reports every problem it finds as an ErrorList whose entries read
// "file:line:col: message", positioned at the offending key or value.
package scenario

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Scenario is a parsed and validated world description.
type Scenario struct {
	File   string  // file name used in error messages
	Name   string  // "name:" at the top level; defaults to File's base name without extension
	Nodes  []Node  // in file order
	Links  []Link  // in file order
	Events []Event // in file order (not sorted by time)
}

// Node is a host or router of the world.
type Node struct {
	Name string // unique; letters, digits, '-', '_' and '.'
	Role Role
	Pos  Pos // position of the node's entry in the file
}

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
	Name         string          // default "A--B" (node names) if not given; unique
	A, B         Endpoint        // the two ends
	RateBps      int64           // 0 = unlimited (no serialization delay)
	Delay        time.Duration   // propagation delay, >= 0
	QueuePackets int             // drop-tail limit in packets (0 = not set)
	QueueBytes   int             // drop-tail limit in bytes (0 = not set); if neither is set, QueuePackets is 1000
	MTU          int             // default 1500; 68..65535
	Loss         float64         // 0..1, uniform loss probability
	Burst        *GilbertElliott // nil = no bursty loss
	Duplicate    float64         // 0..1, probability a packet is delivered twice
	Reorder      float64         // 0..1, probability a packet is held back
	ReorderDelay time.Duration   // how long a reordered packet is held; default 1ms when Reorder > 0
	Jitter       time.Duration   // >= 0, uniform extra delay in [0, Jitter]
	Corrupt      float64         // 0..1, probability of flipping one bit
	Cost         int             // routing cost; 0 means "derive from delay" (the builder decides)
	Pos          Pos             // position of the link's entry in the file
}

// GilbertElliott is the two-state bursty loss model: P = P(good→bad),
// R = P(bad→good), LossBad = loss probability in the bad state (default 1),
// LossGood = loss probability in the good state (default 0).
type GilbertElliott struct{ P, R, LossGood, LossBad float64 }

// Endpoint is one end of a link: an interface of a node and its address.
type Endpoint struct {
	Node  string       // node name
	Iface string       // interface name; defaults to "eth0", "eth1", ... in order of the node's appearance in links
	Addr  netip.Prefix // IPv4 address with prefix length, e.g. 192.168.1.1/24 (not masked: the host address is kept)
	Pos   Pos          // position of the endpoint's value in the file
}

// Event changes the world at a point in simulated time.
type Event struct {
	At   time.Duration // time since the start of the simulation, >= 0
	Link string        // link name
	Up   bool          // true = bring the link up, false = take it down
	Pos  Pos           // position of the event's entry in the file
}

// Defaults and limits applied by Parse.
const (
	DefaultMTU          = 1500
	DefaultQueuePackets = 1000
	DefaultReorderDelay = time.Millisecond
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

// ParseFile reads the file at path and parses it with Parse, using path in
// error messages. Errors reading the file are returned as they are (not as
// an ErrorList).
func ParseFile(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}
