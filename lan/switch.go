// Package lan joins links into one Ethernet segment with a learning
// switch (IEEE 802.1D transparent bridging without spanning tree): each
// host's interface is cabled to a port of the switch by a link whose
// Config.Ethernet is set, so every port has its own rate, delay, queue
// and impairments, as a switched LAN or a Wi-Fi access point's clients
// do.
//
// The switch learns the source MAC address of every frame on the port it
// came in by, forwards a frame for a learned unicast address out of that
// one port (and filters it when that is the port it came in by), and
// floods broadcast, multicast and unknown unicast frames out of every
// other port that is up. Learned addresses age out after
// Config.AgingTime (802.1D's default, 300 s). Forwarding takes no time:
// the links model the medium.
package lan

import (
	"sort"
	"strconv"
	"time"

	"github.com/hopsnet/hops/link"
	"github.com/hopsnet/hops/packet"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// DefaultAgingTime is IEEE 802.1D's default ageing time for learned
// addresses.
const DefaultAgingTime = 300 * time.Second

// Trace reasons of the switch.
const (
	ReasonFiltered = "filtered" // for an address learned on the port it came in by
	ReasonRunt     = "runt"     // shorter than an Ethernet header
)

// Config configures a switch; the zero value takes the defaults.
type Config struct {
	AgingTime time.Duration
}

// Switch is a learning Ethernet switch.
type Switch struct {
	name  string
	cfg   Config
	k     *sim.Kernel
	pool  *packet.Pool
	bus   *trace.Bus
	ports []*Port
	fdb   map[wire.MAC]learned
	stats Stats
}

type learned struct {
	port int
	at   sim.Time
}

// Stats counts what the switch did with frames.
type Stats struct {
	Received  uint64
	Forwarded uint64 // sent out of the one port of a learned address
	Flooded   uint64 // frames sent out of every other port
	Filtered  uint64
	Learned   uint64 // new or moved addresses
}

// Port is one port of a switch; it is the receiver of its link.
type Port struct {
	sw    *Switch
	index int
	name  string
	l     *link.Link
	side  int
}

// New returns a switch with no ports. Its name appears as the node of
// its trace events, its ports as "port1", "port2"….
func New(k *sim.Kernel, pool *packet.Pool, bus *trace.Bus, name string, cfg Config) *Switch {
	if cfg.AgingTime <= 0 {
		cfg.AgingTime = DefaultAgingTime
	}
	return &Switch{name: name, cfg: cfg, k: k, pool: pool, bus: bus, fdb: map[wire.MAC]learned{}}
}

// Name returns the switch's name.
func (s *Switch) Name() string { return s.name }

// AddPort attaches side of l (an Ethernet link) to a new port.
func (s *Switch) AddPort(l *link.Link, side int) *Port {
	p := &Port{sw: s, index: len(s.ports), name: "port" + strconv.Itoa(len(s.ports)+1), l: l, side: side}
	s.ports = append(s.ports, p)
	l.Attach(side, link.End{Node: s.name, Iface: p.name, Recv: p})
	return p
}

// Ports returns the switch's ports in the order they were added.
func (s *Switch) Ports() []*Port { return s.ports }

// Name returns the port's name.
func (p *Port) Name() string { return p.name }

// Link returns the port's link.
func (p *Port) Link() *link.Link { return p.l }

// Peer returns the node and interface cabled to the port.
func (p *Port) Peer() (node, iface string) {
	e := p.l.End(1 - p.side)
	return e.Node, e.Iface
}

// Stats returns the switch's counters.
func (s *Switch) Stats() Stats { return s.stats }

// Entry is one learned address of the forwarding database.
type Entry struct {
	MAC  wire.MAC
	Port string
	Age  time.Duration
}

// Table returns the live entries of the forwarding database, by port and
// then address, as `bridge fdb show` lists them.
func (s *Switch) Table(now sim.Time) []Entry {
	var out []Entry
	for m, e := range s.fdb {
		if age := time.Duration(now - e.at); age < s.cfg.AgingTime {
			out = append(out, Entry{MAC: m, Port: s.ports[e.port].name, Age: age})
		}
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Port != out[b].Port {
			return s.portIndex(out[a].Port) < s.portIndex(out[b].Port)
		}
		return string(out[a].MAC[:]) < string(out[b].MAC[:])
	})
	return out
}

func (s *Switch) portIndex(name string) int {
	i, _ := strconv.Atoi(name[len("port"):])
	return i
}

// Receive learns the frame's source and forwards, floods or filters it.
func (p *Port) Receive(now sim.Time, pk *packet.Packet) {
	s := p.sw
	s.stats.Received++
	f := wire.Ethernet(pk.Data)
	if f.Check() != nil {
		s.drop(now, p, pk, ReasonRunt)
		return
	}
	if src := f.Src(); !src.IsMulticast() {
		if e, ok := s.fdb[src]; !ok || e.port != p.index {
			s.stats.Learned++
		}
		s.fdb[src] = learned{port: p.index, at: now}
	}
	dst := f.Dst()
	if !dst.IsMulticast() {
		if e, ok := s.fdb[dst]; ok && time.Duration(now-e.at) < s.cfg.AgingTime {
			if e.port == p.index {
				s.stats.Filtered++
				s.drop(now, p, pk, ReasonFiltered)
				return
			}
			s.stats.Forwarded++
			s.send(now, s.ports[e.port], pk)
			return
		}
	}
	s.stats.Flooded++
	var last *Port
	for _, o := range s.ports {
		if o == p || !o.l.Up() {
			continue
		}
		if last != nil {
			s.send(now, last, s.pool.Clone(pk))
		}
		last = o
	}
	if last == nil {
		s.pool.Put(pk)
		return
	}
	s.send(now, last, pk)
}

// send hands a frame to the out port's link, reporting it as forwarded.
func (s *Switch) send(now sim.Time, out *Port, pk *packet.Packet) {
	s.emit(now, trace.Forward, out, pk, "")
	out.l.Send(out.side, pk)
}

func (s *Switch) drop(now sim.Time, in *Port, pk *packet.Packet, reason string) {
	s.emit(now, trace.Drop, in, pk, reason)
	s.pool.Put(pk)
}

func (s *Switch) emit(now sim.Time, k trace.Kind, p *Port, pk *packet.Packet, reason string) {
	if !s.bus.Active() {
		return
	}
	e := s.bus.Begin(now, k)
	e.Packet = pk.ID
	e.Node = s.name
	e.Iface = p.name
	e.Link = p.l.Name()
	e.Reason = reason
	e.SetBytes(pk.Data, true)
	s.bus.Emit()
}
