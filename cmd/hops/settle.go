package main

import (
	"bytes"

	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/world"
)

// Before a command starts, the world settles: hosts that take their
// address from DHCP get their leases, OSPF converges (world.Settle). Outputs open later,
// once every argument is checked, so the events of that phase are kept
// here and replayed into the capture and the event log when they open:
// the DISCOVER/OFFER/REQUEST/ACK exchanges and the first ARPs are in
// every capture.

// settleLog keeps copies of the events of the settling phase.
type settleLog struct {
	events []trace.Event
	done   bool
}

// Observe copies e while the world settles.
func (l *settleLog) Observe(e *trace.Event) {
	if l.done {
		return
	}
	c := *e
	c.Data = bytes.Clone(e.Data)
	c.Frame = bytes.Clone(e.Frame)
	if e.Frame != nil && e.Data != nil && len(e.Frame) >= 14 {
		c.Data = c.Frame[14 : 14+len(e.Data)]
	}
	l.events = append(l.events, c)
}

// replay hands the kept events to o, in order.
func (l *settleLog) replay(o trace.Observer) {
	if l == nil {
		return
	}
	for i := range l.events {
		o.Observe(&l.events[i])
	}
}

// settle runs the world until its DHCP clients are bound and its routing
// protocol has converged, keeping the events for the outputs.
//
// The events are kept only when record is set (a capture or an event log
// will want them): a large world routed by OSPF makes millions of them
// while it converges.
func settle(w *world.World, record bool) (*settleLog, error) {
	l := &settleLog{}
	if len(w.DHCPClients) == 0 && len(w.OSPF) == 0 {
		l.done = true
		return l, nil
	}
	if record {
		w.Bus.Subscribe(l)
		defer w.Bus.Unsubscribe(l)
	}
	err := w.Settle()
	l.done = true
	return l, err
}
