package ospf

import (
	"bytes"
	"slices"

	"github.com/hopsnet/hops/sim"
)

// lsaEntry is one LSA in the link state database.
type lsaEntry struct {
	raw       LSA       // the LSA as installed; its age field is hdr.Age
	hdr       LSAHeader // decoded header, age as installed
	installed sim.Time
	router    *RouterLSA // decoded body of a router-LSA; nil if malformed or another type
	maxAged   bool       // reached MaxAge and was flooded as such
}

// age returns the LS age at now: "the LS age field is incremented by 1
// every second" while the LSA sits in the database, up to MaxAge (14).
func (ent *lsaEntry) age(now sim.Time) uint16 {
	a := int64(ent.hdr.Age) + int64(now-ent.installed)/1e9
	return uint16(min(a, MaxAge))
}

// header returns the header with its age at now.
func (ent *lsaEntry) header(now sim.Time) LSAHeader {
	h := ent.hdr
	h.Age = ent.age(now)
	return h
}

// lsdb is the area's link state database (RFC 2328 12.2).
type lsdb struct {
	m          map[LSKey]*lsaEntry
	nextMaxAge sim.Time // earliest time an entry reaches MaxAge
	maxAged    []LSKey  // entries at MaxAge waiting to be removed
}

// headers returns every LSA header with its current age, sorted by key:
// the Database summary list (10.3, NegotiationDone).
func (d *lsdb) headers(now sim.Time) []LSAHeader {
	hs := make([]LSAHeader, 0, len(d.m))
	for _, ent := range d.m {
		hs = append(hs, ent.header(now))
	}
	slices.SortFunc(hs, func(a, b LSAHeader) int { return cmpKey(a.Key(), b.Key()) })
	return hs
}

func (d *lsdb) recomputeNextMaxAge() {
	d.nextMaxAge = sim.Never
	for _, ent := range d.m {
		if !ent.maxAged {
			d.nextMaxAge = min(d.nextMaxAge, ent.installed+sim.Time(MaxAge-int64(ent.hdr.Age))*1e9)
		}
	}
}

// LSDB returns a copy of every LSA in the database with its current age,
// sorted by (type, link state ID, advertising router).
func (e *Engine) LSDB(now sim.Time) []LSA {
	hs := e.db.headers(now)
	r := make([]LSA, len(hs))
	for i := range hs {
		l := LSA(bytes.Clone(e.db.m[hs[i].Key()].raw))
		l.SetAge(hs[i].Age)
		r[i] = l
	}
	return r
}

// install puts a new instance in the database (13.2), removing the old
// one from every retransmission list (13, step 5c).
func (e *Engine) install(now sim.Time, l LSA, h LSAHeader) *lsaEntry {
	k := h.Key()
	ent := &lsaEntry{raw: LSA(bytes.Clone(l[:h.Length])), hdr: h, installed: now}
	if h.Type == LSTypeRouter {
		ent.router, _ = ParseRouterLSA(ent.raw.Body())
	}
	old := e.db.m[k]
	if old != nil {
		for _, ifc := range e.ifs {
			e.dropRxmt(ifc, k)
		}
	}
	// 13.2: the routing table is recalculated when the contents change,
	// or when one of the instances is at MaxAge.
	if old == nil || !bytes.Equal(old.raw.Body(), ent.raw.Body()) || (old.hdr.Age >= MaxAge) != (h.Age >= MaxAge) {
		e.spfDirty = true
	}
	if h.Age >= MaxAge {
		ent.maxAged = true
		e.db.maxAged = append(e.db.maxAged, k)
	}
	e.db.m[k] = ent
	e.db.recomputeNextMaxAge()
	e.Stats.LSAsInstalled++
	return ent
}

// ageOut floods every LSA that has reached MaxAge: "When an LSA's LS age
// field reaches MaxAge, it is reflooded in an attempt to flush the LSA
// from the routing domain" (14).
func (e *Engine) ageOut(now sim.Time) {
	var due []LSKey
	for k, ent := range e.db.m {
		if !ent.maxAged && ent.age(now) >= MaxAge {
			due = append(due, k)
		}
	}
	slices.SortFunc(due, cmpKey)
	for _, k := range due {
		ent := e.db.m[k]
		h := ent.hdr
		h.Age = MaxAge
		l := LSA(bytes.Clone(ent.raw))
		l.SetAge(MaxAge)
		e.flood(now, e.install(now, l, h), nil)
	}
	e.db.recomputeNextMaxAge()
}

// removeMaxAged deletes MaxAge LSAs once flushed: "it is no longer
// contained on any neighbor Link state retransmission lists, and none of
// the router's neighbors are in states Exchange or Loading" (14).
func (e *Engine) removeMaxAged() {
	if len(e.db.maxAged) == 0 {
		return
	}
	for _, ifc := range e.ifs {
		if s := ifc.nbr.state; s == NbrExchange || s == NbrLoading {
			return
		}
	}
	keep := e.db.maxAged[:0]
	for _, k := range e.db.maxAged {
		ent := e.db.m[k]
		if ent == nil || !ent.maxAged {
			continue
		}
		if e.onRxmtList(k) {
			keep = append(keep, k)
			continue
		}
		delete(e.db.m, k)
		e.spfDirty = true
	}
	e.db.maxAged = keep
}

func (e *Engine) onRxmtList(k LSKey) bool {
	for _, ifc := range e.ifs {
		if _, ok := ifc.nbr.rxmt[k]; ok {
			return true
		}
	}
	return false
}

func (e *Engine) dropRxmt(ifc *iface, k LSKey) {
	n := &ifc.nbr
	delete(n.rxmt, k)
	if len(n.rxmt) == 0 {
		n.rxmtAt = sim.Never
	}
}

// scheduleOrigination asks for a new router-LSA no sooner than
// MinLSInterval after the last one (12.4: "any two instances of the same
// LSA may not be originated within the time period MinLSInterval").
func (e *Engine) scheduleOrigination(now sim.Time) {
	if !e.orig.pending {
		e.orig.pending = true
		e.orig.at = max(now, e.orig.last.Add(e.cfg.MinLSInterval))
	}
}

// originate builds, installs and floods the router's own router-LSA
// (12.4.1).
func (e *Engine) originate(now sim.Time) {
	e.orig.pending = false
	e.orig.last, e.orig.done = now, true
	e.orig.refresh = now.Add(e.cfg.LSRefreshTime)
	r := e.routerLSA()
	h := LSAHeader{Options: OptE, Type: LSTypeRouter, ID: e.cfg.RouterID, AdvRouter: e.cfg.RouterID, Seq: e.seq}
	// 12.1.6: sequence numbers grow from InitialSequenceNumber. Reaching
	// MaxSequenceNumber would require flushing the LSA first; at one
	// instance per MinLSInterval that is 680 years away, so it is not
	// handled.
	e.seq++
	raw := AppendLSA(nil, h, r.AppendTo(nil))
	e.Stats.Originations++
	e.flood(now, e.install(now, raw, LSA(raw).Header()), nil)
}

// routerLSA describes the router's interfaces (12.4.1.1, point-to-point):
// "If the neighboring router is fully adjacent, add a Type 1 link (point-
// to-point)" with Link Data the interface's IP address, and a stub link
// for the subnet (option 2), "the Link Data field ... the subnet's mask".
func (e *Engine) routerLSA() *RouterLSA {
	r := &RouterLSA{}
	for _, ifc := range e.ifs {
		if !ifc.up {
			continue
		}
		if ifc.nbr.state == NbrFull {
			r.Links = append(r.Links, RouterLink{LinkID: ifc.nbr.id, LinkData: IDFrom(ifc.cfg.Addr.Addr()),
				Type: LinkPointToPoint, Metric: ifc.cfg.Cost})
		}
		p := ifc.cfg.Addr.Masked()
		r.Links = append(r.Links, RouterLink{LinkID: IDFrom(p.Addr()), LinkData: IDFrom(maskAddr(p.Bits())),
			Type: LinkStub, Metric: ifc.cfg.Cost})
	}
	for _, a := range e.cfg.HostRoutes {
		r.Links = append(r.Links, RouterLink{LinkID: IDFrom(a), LinkData: IDFrom(maskAddr(32)), Type: LinkStub})
	}
	return r
}
