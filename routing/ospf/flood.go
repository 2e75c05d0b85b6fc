package ospf

import (
	"slices"

	"github.com/hopsnet/hops/sim"
)

// recvLSU is RFC 2328 13, the flooding procedure, for each LSA of a Link
// State Update.
func (e *Engine) recvLSU(now sim.Time, ifc *iface, rid ID, m *LSUpdate) error {
	n := &ifc.nbr
	// "If the neighbor is in a lesser state than Exchange, the packet
	// should be dropped without further processing."
	if n.id != rid || n.state < NbrExchange {
		return ErrNeighborState
	}
	var err error
	for _, l := range m.LSAs {
		if e2 := e.recvLSA(now, ifc, l); e2 != nil {
			err = e2
		}
		if n.state < NbrExchange {
			break // BadLSReq restarted the exchange
		}
	}
	return err
}

func (e *Engine) recvLSA(now sim.Time, ifc *iface, l LSA) error {
	n := &ifc.nbr
	// (1) "Validate the LSA's LS checksum. If the checksum turns out to
	// be invalid, discard the LSA and get the next one".
	if !l.ChecksumValid() {
		return ErrBadLSAChecksum
	}
	h := l.Header()
	if h.Type < 1 || h.Type > 5 { // (2) unknown LS type
		return nil
	}
	k := h.Key()
	cur := e.db.m[k]
	// (4) "if the LSA's LS age is equal to MaxAge, and there is currently
	// no instance of the LSA in the router's link state database, and none
	// of router's neighbors are in states Exchange or Loading": ack, discard.
	if h.Age >= MaxAge && cur == nil && !e.exchanging() {
		ifc.acks = append(ifc.acks, h)
		return nil
	}
	c := 1
	if cur != nil {
		ch := cur.header(now)
		c = Compare(&h, &ch)
	}
	if c > 0 {
		// (5a) "If there is already a database copy, and if the database
		// copy was received via flooding and installed less than
		// MinLSArrival seconds ago, discard the new LSA (without
		// acknowledging it)".
		if cur != nil && now-cur.installed < sim.Time(e.cfg.MinLSArrival) && cur.hdr.AdvRouter != e.cfg.RouterID {
			return nil
		}
		ent := e.install(now, l, h) // (5c, 5d)
		e.flood(now, ent, ifc)      // (5b)
		ifc.acks = append(ifc.acks, h)
		if h.AdvRouter == e.cfg.RouterID { // (5f)
			e.selfOriginated(now, ent)
		}
		return nil
	}
	// (6) "if there is an instance of the LSA on the sending neighbor's
	// Link state request list, an error has occurred in the Database
	// Exchange process ... generate the neighbor event BadLSReq".
	if _, ok := n.reqs[k]; ok {
		e.startExchange(now, ifc)
		return nil
	}
	if c == 0 {
		// (7) "If the received LSA is the same instance as the database
		// copy": an implied acknowledgment if it is on the retransmission
		// list, else a direct acknowledgment.
		if _, ok := n.rxmt[k]; ok {
			e.dropRxmt(ifc, k)
		} else {
			ifc.acks = append(ifc.acks, h)
		}
		return nil
	}
	// (8) "the database copy is more recent. If the database copy has LS
	// age equal to MaxAge and LS sequence number equal to
	// MaxSequenceNumber, simply discard the received LSA ... Otherwise ...
	// send the database copy back to the sending neighbor".
	if cur.age(now) >= MaxAge && cur.hdr.Seq == MaxSequenceNumber {
		return nil
	}
	e.sendLSAs(now, ifc, []*lsaEntry{cur})
	return nil
}

func (e *Engine) exchanging() bool {
	for _, ifc := range e.ifs {
		if s := ifc.nbr.state; s == NbrExchange || s == NbrLoading {
			return true
		}
	}
	return false
}

// selfOriginated is 13.4: a newer instance of our own LSA came back.
// "the router must then advance the LSA's LS sequence number one past the
// received LS sequence number, and originate a new instance".
func (e *Engine) selfOriginated(now sim.Time, ent *lsaEntry) {
	if ent.hdr.Type == LSTypeRouter && ent.hdr.ID == e.cfg.RouterID {
		if ent.hdr.Seq >= e.seq {
			e.seq = ent.hdr.Seq + 1
		}
		e.orig.pending, e.orig.at = true, now
		return
	}
	// An LSA this router no longer originates: "the LSA should be flushed
	// from the routing domain" by premature aging.
	l := LSA(ent.raw)
	l.SetAge(MaxAge)
	h := ent.hdr
	h.Age = MaxAge
	e.flood(now, e.install(now, l, h), nil)
}

// flood is 13.3: send a new LSA out every interface, except back to the
// neighbour it came from (from; nil for own and aged LSAs).
func (e *Engine) flood(now sim.Time, ent *lsaEntry, from *iface) {
	k := ent.hdr.Key()
	for _, ifc := range e.ifs {
		n := &ifc.nbr
		// (1a) "If the neighbor is in a lesser state than Exchange, it does
		// not participate in flooding".
		if !ifc.up || n.state < NbrExchange {
			continue
		}
		// (1b) "if the adjacency is not yet full (neighbor state is
		// Exchange or Loading), examine the Link state request list".
		if req, ok := n.reqs[k]; ok && n.state < NbrFull {
			c := Compare(&ent.hdr, &req)
			if c < 0 {
				continue
			}
			e.requestSatisfied(now, ifc, k)
			if c == 0 {
				continue
			}
		}
		if ifc == from { // (1c)
			continue
		}
		// (1d) "Add the new LSA to the link state retransmission list for
		// the adjacency", then send it out the interface.
		n.rxmt[k] = struct{}{}
		if n.rxmtAt == sim.Never {
			n.rxmtAt = now.Add(e.cfg.RxmtInterval)
		}
		e.sendLSAs(now, ifc, []*lsaEntry{ent})
	}
}

// sendLSAs sends LSAs in Link State Updates that fit the MTU, with their
// age advanced: "The LS age field ... must be incremented by
// InfTransDelay" (13.3), never beyond MaxAge.
func (e *Engine) sendLSAs(now sim.Time, ifc *iface, ents []*lsaEntry) {
	var m LSUpdate
	size := 4
	for _, ent := range ents {
		if len(m.LSAs) > 0 && size+len(ent.raw) > e.maxBody() {
			e.send(ifc, &m)
			m, size = LSUpdate{}, 4
		}
		l := LSA(slices.Clone(ent.raw))
		l.SetAge(min(ent.age(now)+InfTransDelay, MaxAge))
		m.LSAs = append(m.LSAs, l)
		size += len(l)
	}
	if len(m.LSAs) > 0 {
		e.Stats.LSAsFlooded += uint64(len(m.LSAs))
		e.send(ifc, &m)
	}
}

// retransmit re-sends every LSA on the neighbour's retransmission list
// (13.6: "If an acknowledgment is not received within RxmtInterval, the
// LSA is retransmitted").
func (e *Engine) retransmit(now sim.Time, ifc *iface) {
	n := &ifc.nbr
	keys := make([]LSKey, 0, len(n.rxmt))
	for k := range n.rxmt {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmpKey)
	var ents []*lsaEntry
	for _, k := range keys {
		if ent := e.db.m[k]; ent != nil {
			ents = append(ents, ent)
		} else {
			delete(n.rxmt, k)
		}
	}
	e.sendLSAs(now, ifc, ents)
	n.rxmtAt = sim.Never
	if len(n.rxmt) > 0 {
		n.rxmtAt = now.Add(e.cfg.RxmtInterval)
	}
}

// recvAck is 13.7: "If the receiving router has the LSA on its
// retransmission list for the neighbor ... and the acknowledgment is for
// the same instance ... remove the item from the retransmission list".
func (e *Engine) recvAck(now sim.Time, ifc *iface, rid ID, m *LSAck) error {
	n := &ifc.nbr
	if n.id != rid || n.state < NbrExchange {
		return ErrNeighborState
	}
	for i := range m.Headers {
		h := &m.Headers[i]
		if _, ok := n.rxmt[h.Key()]; !ok {
			continue
		}
		if cur := e.db.m[h.Key()]; cur != nil {
			if ch := cur.header(now); Compare(h, &ch) == 0 {
				e.dropRxmt(ifc, h.Key())
			}
		}
	}
	return nil
}

// flushAcks sends the acknowledgments collected during one step, one
// Link State Acknowledgment per interface (13.5; the delay of a delayed
// acknowledgment is the length of the step).
func (e *Engine) flushAcks() {
	per := e.maxBody() / LSAHeaderLen
	for _, ifc := range e.ifs {
		for len(ifc.acks) > 0 {
			k := min(len(ifc.acks), per)
			if ifc.up && ifc.nbr.state >= NbrExchange {
				e.send(ifc, &LSAck{Headers: slices.Clone(ifc.acks[:k])})
			}
			ifc.acks = ifc.acks[k:]
		}
		ifc.acks = nil
	}
}
