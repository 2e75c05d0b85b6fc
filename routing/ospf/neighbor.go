package ospf

import (
	"net/netip"
	"slices"

	"github.com/hopsnet/hops/sim"
)

// NbrState is a neighbour state (RFC 2328 10.1). Attempt exists only on
// NBMA networks and is not modelled.
type NbrState uint8

// Neighbour states, in order: comparisons such as state >= NbrExchange
// follow the RFC's wording ("in state Exchange or greater").
const (
	NbrDown NbrState = iota
	NbrInit
	NbrTwoWay
	NbrExStart
	NbrExchange
	NbrLoading
	NbrFull
)

func (s NbrState) String() string {
	return [...]string{"Down", "Init", "2-Way", "ExStart", "Exchange", "Loading", "Full"}[s]
}

// iface is one point-to-point interface (RFC 2328 9.1). Its state is
// Down or Point-to-point, which is the up flag.
type iface struct {
	cfg     InterfaceConfig
	idx     int
	up      bool
	helloAt sim.Time    // next Hello; Never when down
	nbr     neighbor    // the one neighbour; state Down when none
	acks    []LSAHeader // acknowledgements to send at the end of this step
}

// neighbor is the neighbour data structure (RFC 2328 10). Every deadline
// is sim.Never when its timer is not running.
type neighbor struct {
	state  NbrState
	id     ID
	addr   netip.Addr
	deadAt sim.Time // Inactivity Timer

	master   bool   // we are the master of the database exchange
	ddSeq    uint32 // DD sequence number
	lastRecv struct {
		flags uint8
		seq   uint32
		ok    bool
	}
	lastDD    []byte      // last DD packet sent, for retransmission and duplicates
	ddRxmtAt  sim.Time    // master's DD retransmission
	summary   []LSAHeader // Database summary list still to describe
	moreSent  bool        // our last DD had the M bit
	ddStarted uint32      // count of exchanges started, seeds ddSeq

	reqs   map[LSKey]LSAHeader // Link state request list
	reqOut []LSKey             // the outstanding Link State Request
	reqAt  sim.Time            // its retransmission

	rxmt   map[LSKey]struct{} // Link state retransmission list
	rxmtAt sim.Time
}

func (n *neighbor) deadline() sim.Time {
	if n.state == NbrDown {
		return sim.Never
	}
	return min(n.deadAt, n.ddRxmtAt, n.reqAt, n.rxmtAt)
}

// clearLists empties the retransmission, summary and request lists and
// stops their timers (done on entering ExStart and on going below it).
func (n *neighbor) clearLists() {
	n.summary = nil
	n.reqs = map[LSKey]LSAHeader{}
	n.reqOut = nil
	n.rxmt = map[LSKey]struct{}{}
	n.reqAt, n.rxmtAt, n.ddRxmtAt = sim.Never, sim.Never, sim.Never
	n.lastDD = nil
	n.lastRecv.ok = false
}

// NeighborInfo describes a neighbour, for tests and displays.
type NeighborInfo struct {
	Iface int
	ID    ID
	Addr  netip.Addr
	State NbrState
}

// Neighbors returns the neighbour of each interface that has one.
func (e *Engine) Neighbors() []NeighborInfo {
	var r []NeighborInfo
	for _, ifc := range e.ifs {
		if n := &ifc.nbr; n.state != NbrDown {
			r = append(r, NeighborInfo{ifc.idx, n.id, n.addr, n.state})
		}
	}
	return r
}

func (e *Engine) sendHello(ifc *iface) {
	p := ifc.cfg.Addr
	m := &Hello{
		NetworkMask:        maskAddr(p.Bits()),
		HelloInterval:      uint16(seconds(e.cfg.HelloInterval)),
		Options:            OptE,
		RouterDeadInterval: seconds(e.cfg.RouterDeadInterval),
	}
	// 9.5: "the IDs of all routers from which Hello Packets have recently
	// been received" on the interface.
	if ifc.nbr.state >= NbrInit {
		m.Neighbors = []ID{ifc.nbr.id}
	}
	e.send(ifc, m)
}

func maskAddr(bits int) netip.Addr {
	return ID(^uint32(0) << (32 - bits)).Addr()
}

// recvHello is RFC 2328 10.5.
func (e *Engine) recvHello(now sim.Time, ifc *iface, rid ID, src netip.Addr, m *Hello) error {
	// 10.5: "The setting of the E-bit found in the Hello Packet's Options
	// field must match" and the HelloInterval and RouterDeadInterval must
	// match; the mask is not checked "on point-to-point networks".
	if uint32(m.HelloInterval) != seconds(e.cfg.HelloInterval) ||
		m.RouterDeadInterval != seconds(e.cfg.RouterDeadInterval) || m.Options&OptE == 0 {
		return ErrHelloMismatch
	}
	n := &ifc.nbr
	if n.state != NbrDown && n.id != rid {
		e.nbrDown(now, ifc) // a different router on the link
	}
	if n.state == NbrDown {
		// HelloReceived in Down: "Start the Inactivity Timer ... The new
		// neighbor state is Init."
		*n = neighbor{state: NbrInit, id: rid, ddStarted: n.ddStarted}
		n.clearLists()
	}
	n.addr = src
	n.deadAt = now.Add(e.cfg.RouterDeadInterval)
	if slices.Contains(m.Neighbors, e.cfg.RouterID) {
		if n.state == NbrInit {
			e.twoWayReceived(now, ifc)
		}
	} else if n.state >= NbrTwoWay {
		// 1-WayReceived: "The neighbor state transitions to Init."
		e.setState(now, ifc, NbrInit)
		n.clearLists()
	}
	return nil
}

// twoWayReceived: on point-to-point networks an adjacency is always
// formed (10.4), so the neighbour goes to ExStart.
func (e *Engine) twoWayReceived(now sim.Time, ifc *iface) {
	e.setState(now, ifc, NbrTwoWay)
	e.startExchange(now, ifc)
}

// startExchange enters ExStart: "the router increments the DD sequence
// number in the neighbor data structure ... declares itself master ...
// and starts sending Database Description Packets, with the initialize
// (I), more (M) and master (MS) bits set" (10.3, event 2-WayReceived /
// AdjOK?, and SeqNumberMismatch, BadLSReq).
func (e *Engine) startExchange(now sim.Time, ifc *iface) {
	n := &ifc.nbr
	e.setState(now, ifc, NbrExStart)
	n.clearLists()
	n.ddStarted++
	// "If this is the first time that an adjacency has been attempted,
	// the DD sequence number should be assigned some unique value (like
	// the time of day clock)": the virtual clock, in milliseconds.
	n.ddSeq = uint32(now/1e6) + n.ddStarted*0x10000
	n.master = true
	n.moreSent = true
	n.lastDD = e.send(ifc, &DBDesc{MTU: uint16(e.cfg.MTU), Options: OptE,
		Flags: DDInit | DDMore | DDMaster, Seq: n.ddSeq})
	n.ddRxmtAt = now.Add(e.cfg.RxmtInterval)
}

// nbrDown is the InactivityTimer, KillNbr and LLDown events: "the Link
// state retransmission list, Database summary list and Link state request
// list are cleared ... The neighbor state transitions to Down."
func (e *Engine) nbrDown(now sim.Time, ifc *iface) {
	e.setState(now, ifc, NbrDown)
	ifc.nbr.clearLists()
	ifc.nbr.deadAt = sim.Never
}

func (e *Engine) killNbr(now sim.Time, ifc *iface) {
	if ifc.nbr.state != NbrDown {
		e.nbrDown(now, ifc)
	}
}

// setState changes a neighbour's state. A change into or out of Full
// changes the router-LSA (12.4: "the router's interface ... neighbor
// changes to/from state Full").
func (e *Engine) setState(now sim.Time, ifc *iface, s NbrState) {
	old := ifc.nbr.state
	ifc.nbr.state = s
	if (old == NbrFull) != (s == NbrFull) {
		e.scheduleOrigination(now)
	}
}
