package ospf

import (
	"slices"

	"github.com/hopsnet/hops/sim"
)

// recvDD is RFC 2328 10.6, receiving a Database Description packet.
func (e *Engine) recvDD(now sim.Time, ifc *iface, rid ID, m *DBDesc) error {
	n := &ifc.nbr
	if n.state == NbrDown || n.id != rid {
		return ErrNeighborState
	}
	// "If the Interface MTU field in the Database Description packet
	// indicates an IP datagram size that is larger than the router can
	// accept on the receiving interface without fragmentation, the
	// Database Description packet is rejected."
	if int(m.MTU) > e.cfg.MTU {
		return ErrMTUMismatch
	}
	dup := n.lastRecv.ok && n.lastRecv.flags == m.Flags && n.lastRecv.seq == m.Seq
	switch n.state {
	case NbrTwoWay:
		return ErrNeighborState // "The packet should be ignored."
	case NbrInit:
		// "Init: The neighbor state machine should be executed with the
		// event 2-WayReceived ... processing then continues in ExStart."
		e.twoWayReceived(now, ifc)
		fallthrough
	case NbrExStart:
		return e.ddExStart(now, ifc, m)
	case NbrExchange:
		if dup {
			e.ddDuplicate(ifc)
			return nil
		}
		// "If the state of the MS-bit is inconsistent with the master/slave
		// state of the connection ... If the initialize(I) bit is set ...
		// generate the neighbor event SeqNumberMismatch".
		if (m.Flags&DDMaster != 0) == n.master || m.Flags&DDInit != 0 {
			e.startExchange(now, ifc)
			return nil
		}
		// "if the router is master, the packet's sequence number must equal
		// the router's DD sequence number; if slave, one more".
		if want := n.ddSeq + b2u(!n.master); m.Seq != want {
			e.startExchange(now, ifc)
			return nil
		}
		e.ddAccept(now, ifc, m)
	default: // Loading, Full
		// "the only packets received should be duplicates ... Any other
		// packets received ... generate SeqNumberMismatch."
		if !dup {
			e.startExchange(now, ifc)
			return nil
		}
		e.ddDuplicate(ifc)
	}
	return nil
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// ddDuplicate: "The master ... should discard duplicate packets. The
// slave must respond to duplicates by repeating the last DD packet".
func (e *Engine) ddDuplicate(ifc *iface) {
	if !ifc.nbr.master && ifc.nbr.lastDD != nil {
		e.sendOut(ifc, ifc.nbr.lastDD)
	}
}

// ddExStart negotiates master and slave (10.6, state ExStart).
func (e *Engine) ddExStart(now sim.Time, ifc *iface, m *DBDesc) error {
	n := &ifc.nbr
	const all = DDInit | DDMore | DDMaster
	switch {
	case m.Flags&all == all && len(m.Headers) == 0 && n.id > e.cfg.RouterID:
		// "the router is now Slave. Set the master/slave bit to slave,
		// and set the neighbor data structure's DD sequence number to that
		// specified by the master."
		n.master = false
		n.ddSeq = m.Seq
	case m.Flags&(DDInit|DDMaster) == 0 && m.Seq == n.ddSeq && n.id < e.cfg.RouterID:
		// "the router is Master."
		n.master = true
	default:
		return ErrNeighborState
	}
	// NegotiationDone: "the router begins sending summaries of its link
	// state database" (10.3).
	e.setState(now, ifc, NbrExchange)
	n.ddRxmtAt = sim.Never
	n.summary = e.db.headers(now)
	e.ddAccept(now, ifc, m)
	return nil
}

// ddAccept processes the contents of an accepted DD packet and answers
// it (the end of 10.6).
func (e *Engine) ddAccept(now sim.Time, ifc *iface, m *DBDesc) {
	n := &ifc.nbr
	n.lastRecv.flags, n.lastRecv.seq, n.lastRecv.ok = m.Flags, m.Seq, true
	for i := range m.Headers {
		h := &m.Headers[i]
		// "If the LSA's LS type is unknown ... generate the neighbor event
		// SeqNumberMismatch".
		if h.Type < 1 || h.Type > 5 {
			e.startExchange(now, ifc)
			return
		}
		// "if the database copy is less recent (or does not exist), the
		// LSA is put on the Link state request list".
		if cur := e.db.m[h.Key()]; cur == nil || Compare(h, &cur.hdr) > 0 {
			n.reqs[h.Key()] = *h
		}
	}
	if n.master {
		// "Master: increments the DD sequence number ... If the router has
		// already sent its entire sequence of DD packets, and the just
		// accepted packet has the more bit (M) set to 0, the neighbor
		// event ExchangeDone is generated. Otherwise, send a new DD."
		n.ddSeq++
		if !n.moreSent && m.Flags&DDMore == 0 {
			e.exchangeDone(now, ifc)
			return
		}
		e.sendDD(ifc)
		n.ddRxmtAt = now.Add(e.cfg.RxmtInterval)
	} else {
		// "Slave: sets the DD sequence number to the one in the received
		// packet ... sends a DD packet in reply. If the received packet
		// has the more bit (M) set to 0, and the packet to be sent by the
		// slave will also have its M-bit set to 0, ExchangeDone".
		n.ddSeq = m.Seq
		e.sendDD(ifc)
		if m.Flags&DDMore == 0 && !n.moreSent {
			e.exchangeDone(now, ifc)
		}
	}
	e.sendLSR(now, ifc)
}

// sendDD sends the next DD packet with as many summary headers as fit.
func (e *Engine) sendDD(ifc *iface) {
	n := &ifc.nbr
	k := min(len(n.summary), (e.maxBody()-ddFixedLen)/LSAHeaderLen)
	m := &DBDesc{MTU: uint16(e.cfg.MTU), Options: OptE, Seq: n.ddSeq, Headers: n.summary[:k]}
	n.summary = n.summary[k:]
	n.moreSent = len(n.summary) > 0
	if n.moreSent {
		m.Flags |= DDMore
	}
	if n.master {
		m.Flags |= DDMaster
	}
	n.lastDD = e.send(ifc, m)
}

// exchangeDone: "If the neighbor Link state request list is empty, the
// new neighbor state is Full. ... Otherwise, the new neighbor state is
// Loading."
func (e *Engine) exchangeDone(now sim.Time, ifc *iface) {
	n := &ifc.nbr
	n.ddRxmtAt = sim.Never
	if len(n.reqs) == 0 {
		e.setState(now, ifc, NbrFull)
		return
	}
	e.setState(now, ifc, NbrLoading)
}

// sendLSR sends a Link State Request for the first requests of the list
// if none is outstanding, or re-sends the outstanding one when its timer
// fires (10.9).
func (e *Engine) sendLSR(now sim.Time, ifc *iface) {
	n := &ifc.nbr
	if n.state < NbrExchange || len(n.reqs) == 0 {
		n.reqOut, n.reqAt = nil, sim.Never
		return
	}
	if len(n.reqOut) > 0 && n.reqAt > now {
		return
	}
	if len(n.reqOut) == 0 {
		keys := make([]LSKey, 0, len(n.reqs))
		for k := range n.reqs {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, cmpKey)
		n.reqOut = keys[:min(len(keys), e.maxBody()/lsrEntryLen, 64)]
	}
	e.send(ifc, &LSRequest{Requests: n.reqOut})
	n.reqAt = now.Add(e.cfg.RxmtInterval)
}

// requestSatisfied removes k from the request list once an instance at
// least as recent as the requested one has arrived (10.9), sending the
// next request or generating LoadingDone.
func (e *Engine) requestSatisfied(now sim.Time, ifc *iface, k LSKey) {
	n := &ifc.nbr
	delete(n.reqs, k)
	if i := slices.Index(n.reqOut, k); i >= 0 {
		n.reqOut = slices.Delete(slices.Clone(n.reqOut), i, i+1)
	}
	if len(n.reqOut) == 0 {
		n.reqAt = sim.Never
	}
	if len(n.reqs) == 0 && n.state == NbrLoading {
		// LoadingDone: "The new neighbor state is Full."
		e.setState(now, ifc, NbrFull)
		return
	}
	e.sendLSR(now, ifc)
}

// recvLSR is RFC 2328 10.7.
func (e *Engine) recvLSR(now sim.Time, ifc *iface, rid ID, m *LSRequest) error {
	n := &ifc.nbr
	if n.id != rid || n.state < NbrExchange {
		return ErrNeighborState
	}
	var lsas []*lsaEntry
	for _, k := range m.Requests {
		ent := e.db.m[k]
		if ent == nil {
			// "If an LSA cannot be found in the database, something has gone
			// wrong with the Database Exchange process, and neighbor event
			// BadLSReq should be generated."
			e.startExchange(now, ifc)
			return nil
		}
		lsas = append(lsas, ent)
	}
	// "These LSAs should NOT be placed on the Link state retransmission
	// list for the neighbor."
	e.sendLSAs(now, ifc, lsas)
	return nil
}

func cmpKey(a, b LSKey) int {
	switch {
	case a.Type != b.Type:
		return int(a.Type) - int(b.Type)
	case a.ID != b.ID:
		return cmpID(a.ID, b.ID)
	}
	return cmpID(a.AdvRouter, b.AdvRouter)
}

func cmpID(a, b ID) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}
