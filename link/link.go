// Package link models full-duplex point-to-point links: a drop-tail queue
// and a transmitter per direction that serializes packets at the link's
// rate, a propagation delay, and impairments drawn from the link's own
// random stream (uniform and Gilbert–Elliott loss, duplication, reordering,
// jitter, bit corruption). Links go down and up; packets queued or in flight
// when a link goes down are lost.
//
// A link carries whole IPv4 datagrams (packet.Packet). It never looks inside
// them, except to flip a bit when it corrupts one. Each direction is
// independent: side 0 sends to side 1 and side 1 to side 0.
//
// Cost: when a packet starts serializing, the link decides everything that
// will happen to it on the wire and appends its arrival to a per-direction
// FIFO; only the FIFO's head has a kernel event. A transmitter wake-up
// event exists only while packets wait in the queue. So an uncongested
// packet costs one kernel event per hop, and the kernel's queue holds about
// one event per busy link direction however many packets are in flight.
//
// Invariants are checked always, at the cost of a branch each; a broken one
// panics with a *sim.Violation that names it:
//
//   - "link-send-freed-packet" (Send): a packet handed to the link is not
//     in its pool.
//   - "link-slot-released-twice" (release): an in-flight slot is freed
//     once per hold.
//   - "link-queue-negative" (dequeue): a direction's queued bytes and
//     packets never fall below zero.
//   - "link-wake-queue-empty", "link-wake-wire-busy" (Fire): the
//     transmitter wakes up only while packets wait, and only when the wire
//     is free.
//   - "link-arrival-order" (schedArrival): the in-order FIFO's arrival
//     times never decrease from head to tail.
//   - "link-arrival-time" (arrive): the FIFO's head arrives exactly when
//     it is due.
package link

import (
	"fmt"
	"time"

	"github.com/hopsnet/hops/packet"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
)

// Config describes a link's behaviour. The zero value is an ideal link:
// unlimited rate, no delay, 1000-packet queue, MTU 1500, no impairment.
type Config struct {
	RateBps      int64         // bits per second; 0 = no serialization delay
	Delay        time.Duration // one-way propagation delay
	QueuePackets int           // drop-tail limit in packets waiting (0 = none, unless QueueBytes is 0 too: then 1000)
	QueueBytes   int           // drop-tail limit in bytes waiting (0 = none)
	MTU          int           // largest datagram the link carries (0 = 1500)
	Loss         float64       // uniform loss probability per packet
	Burst        *GilbertElliott
	Duplicate    float64       // probability a packet is delivered twice
	Reorder      float64       // probability a packet is held back by ReorderDelay
	ReorderDelay time.Duration // extra delay of a reordered packet (0 = 1ms)
	Jitter       time.Duration // uniform extra delay in [0, Jitter]; never reorders
	Corrupt      float64       // probability one random bit of a packet is flipped
	// Ethernet makes the link carry Ethernet II frames instead of bare
	// IPv4 datagrams: a cable between two Ethernet interfaces, or
	// between an interface and a switch port. MTU still counts the IP
	// datagram (the frame may be 14 bytes longer plus padding);
	// serialization counts the whole frame.
	Ethernet bool
}

// GilbertElliott is the two-state bursty loss model. Before each packet
// the channel moves from good to bad with probability P and from bad to
// good with probability R; the packet is then lost with probability
// LossGood or LossBad depending on the state.
type GilbertElliott struct{ P, R, LossGood, LossBad float64 }

// Receiver is the far end of a link: a node's interface.
type Receiver interface {
	Receive(now sim.Time, p *packet.Packet)
}

// Stats counts what happened in one direction of a link.
type Stats struct {
	Enqueued       uint64 // packets accepted for transmission
	Sent           uint64 // packets put on the wire (serialization started)
	SentBytes      uint64
	Delivered      uint64 // packets handed to the far end
	DroppedQueue   uint64 // queue full (drop-tail)
	DroppedLoss    uint64 // lost to a loss model
	DroppedDown    uint64 // link down: refused, flushed from the queue or lost in flight
	DroppedMTU     uint64 // larger than the MTU
	Duplicated     uint64
	Reordered      uint64
	Corrupted      uint64
	QueueHighBytes int   // high-water mark of bytes waiting
	QueueHighPkts  int   // high-water mark of packets waiting
	QueueBytes     int   // bytes waiting now
	QueuePackets   int   // packets waiting now
	TransmitBusyNs int64 // time spent serializing
}

// Dropped returns the total of all drop counters.
func (s Stats) Dropped() uint64 {
	return s.DroppedQueue + s.DroppedLoss + s.DroppedDown + s.DroppedMTU
}

// End names one side of a link for tracing and tells where packets go.
type End struct {
	Node  string
	Iface string
	Recv  Receiver
}

// Link is a full-duplex point-to-point link.
type Link struct {
	name  string
	cfg   Config
	k     *sim.Kernel
	pool  *packet.Pool
	bus   *trace.Bus
	rng   *sim.Rand
	up    bool
	hdr   int    // bytes a frame may have beyond the MTU: 14 + padding on Ethernet
	epoch uint32 // bumped when the link goes down; older in-flight packets are lost
	ends  [2]End
	dir   [2]direction

	flight     []inFlight
	flightFree []uint32
	watchers   []func(now sim.Time, up bool)
}

type direction struct {
	q           ring
	busyUntil   sim.Time  // when the packet on the wire has been serialized
	wake        sim.Timer // the wake-up event that starts the next queued packet, if any
	reordered   []uint32  // flight slots of reordered packets in flight (each has its own event)
	geBad       bool
	lastArrival sim.Time // latest arrival scheduled for an in-order packet
	// In-order packets in flight, in arrival order. Only the head has a
	// kernel event, so the event queue holds one arrival per link
	// direction instead of one per packet in flight.
	inflight arrivals
	stats    Stats
}

// forgetReordered removes slot from the reordered packets in flight.
func (d *direction) forgetReordered(slot uint32) {
	for i, s := range d.reordered {
		if s == slot {
			d.reordered[i] = d.reordered[len(d.reordered)-1]
			d.reordered = d.reordered[:len(d.reordered)-1]
			return
		}
	}
}

// arrivals is a FIFO of in-flight packets: their slots, arrival times and
// reserved places in the kernel's same-instant order.
type arrivals struct {
	buf        []arrival
	head, size int
}

type arrival struct {
	at   sim.Time
	seq  uint64
	slot uint32
	lost bool // lost on the wire: dropped, not delivered, at its arrival time
}

func (a *arrivals) push(v arrival) {
	if a.size == len(a.buf) {
		nb := make([]arrival, max(2*len(a.buf), 16))
		for i := 0; i < a.size; i++ {
			nb[i] = a.buf[(a.head+i)%len(a.buf)]
		}
		a.buf, a.head = nb, 0
	}
	a.buf[(a.head+a.size)%len(a.buf)] = v
	a.size++
}

func (a *arrivals) front() arrival { return a.buf[a.head] }

// back returns the last arrival; the FIFO must not be empty.
func (a *arrivals) back() arrival {
	i := a.head + a.size - 1
	if i >= len(a.buf) {
		i -= len(a.buf)
	}
	return a.buf[i]
}

func (a *arrivals) pop() arrival {
	v := a.buf[a.head]
	a.head = (a.head + 1) % len(a.buf)
	a.size--
	return v
}

// inFlight is a slot of the in-flight slab: a packet on the wire.
type inFlight struct {
	p     *packet.Packet // nil once a reordered packet was dropped by a flap
	epoch uint32         // the link's epoch when the packet was sent
	held  bool           // taken by hold, not yet released
}

// The link's kernel events say what they are about in their argument: the
// high bits below, and in the low 32 bits the flight slot of a reordered
// packet (argReordered) or the link's epoch (the head of the in-order FIFO).
const (
	argArrival   = 1 << 63 // a packet arrives at the far end; else the transmitter wakes up
	argFromSide1 = 1 << 62 // the direction side 1 sends in; else side 0's
	argReordered = 1 << 61 // a reordered packet's own arrival; else the in-order FIFO's head
)

// New returns a link that is up. Its impairments draw from rng (give each
// link its own stream, e.g. kernel.Rand("link:"+name)).
func New(k *sim.Kernel, pool *packet.Pool, bus *trace.Bus, rng *sim.Rand, name string, cfg Config) *Link {
	if cfg.MTU == 0 {
		cfg.MTU = 1500
	}
	if cfg.QueuePackets == 0 && cfg.QueueBytes == 0 {
		cfg.QueuePackets = 1000
	}
	if cfg.Reorder > 0 && cfg.ReorderDelay == 0 {
		cfg.ReorderDelay = time.Millisecond
	}
	l := &Link{name: name, cfg: cfg, k: k, pool: pool, bus: bus, rng: rng, up: true}
	if cfg.Ethernet {
		l.hdr = 14 // an Ethernet II header; IPv4's 68-byte minimum MTU needs no padding beyond it
	}
	return l
}

// Name returns the link's name.
func (l *Link) Name() string { return l.name }

// Config returns the link's configuration, with defaults filled in.
func (l *Link) Config() Config { return l.cfg }

// MTU returns the largest datagram the link carries.
func (l *Link) MTU() int { return l.cfg.MTU }

// Up reports whether the link is up.
func (l *Link) Up() bool { return l.up }

// Attach connects side (0 or 1) to a receiver.
func (l *Link) Attach(side int, e End) { l.ends[side] = e }

// End returns what is attached to side.
func (l *Link) End(side int) End { return l.ends[side] }

// Stats returns, as a copy, the counters of the direction that side sends
// in: Stats(0) counts what side 0 sent towards side 1.
func (l *Link) Stats(side int) Stats { return l.dir[side].stats }

// Watch registers f to be called whenever the link goes down or up.
func (l *Link) Watch(f func(now sim.Time, up bool)) { l.watchers = append(l.watchers, f) }

// SetUp brings the link up or down now. Going down drops every packet that
// is queued or in flight.
func (l *Link) SetUp(up bool) {
	if up == l.up {
		return
	}
	now := l.k.Now()
	l.up = up
	if l.bus.Active() {
		e := l.bus.Begin(now, trace.LinkState)
		e.Link = l.name
		e.Reason = "up"
		if !up {
			e.Reason = "down"
		}
		l.bus.Emit()
	}
	if !up {
		l.epoch++
		for side := range l.dir {
			l.flush(now, side)
		}
	}
	for _, f := range l.watchers {
		f(now, up)
	}
}

// flush drops everything queued or in flight in one direction when the
// link goes down, and stops its transmitter.
func (l *Link) flush(now sim.Time, side int) {
	d := &l.dir[side]
	l.k.Cancel(d.wake)
	for d.q.len() > 0 {
		l.drop(now, side, d.dequeue(), trace.ReasonLinkDown)
	}
	// Whatever is on the wire is lost with it. The FIFO head's pending
	// event carries the old epoch and will be ignored.
	for d.inflight.size > 0 {
		a := d.inflight.pop()
		f := l.flight[a.slot]
		l.release(a.slot)
		l.drop(now, side, f.p, trace.ReasonLinkDown)
	}
	// Reordered packets have events of their own, which still own their
	// slots: drop the packets now and leave the slots for those events.
	for _, slot := range d.reordered {
		l.drop(now, side, l.flight[slot].p, trace.ReasonLinkDown)
		l.flight[slot].p = nil
	}
	d.reordered = d.reordered[:0]
	d.busyUntil, d.lastArrival = now, now
}

// Send hands p to the link at side for delivery to the other side. The link
// owns p from now on, whatever Send returns.
//
// Send returns "" when the link accepted p, or the reason it dropped p at
// once: trace.ReasonLinkDown, trace.ReasonMTUExceeded (larger than the MTU) or
// trace.ReasonQueueFull. A drop is also counted in Stats and emitted as a
// trace event, and p is back in the pool. Accepted is not delivered: p may
// still be lost on the wire or with the link.
func (l *Link) Send(side int, p *packet.Packet) (dropReason string) {
	if p.InPool() {
		sim.Violated("link-send-freed-packet", "packet %d sent on link %s after it was returned to the pool", p.ID, l.name)
	}
	now := l.k.Now()
	d := &l.dir[side]
	switch {
	case !l.up:
		return l.drop(now, side, p, trace.ReasonLinkDown)
	case len(p.Data) > l.cfg.MTU+l.hdr:
		return l.drop(now, side, p, trace.ReasonMTUExceeded)
	}
	idle := now >= d.busyUntil && d.q.len() == 0
	if !idle {
		if (l.cfg.QueuePackets > 0 && d.q.len() >= l.cfg.QueuePackets) ||
			(l.cfg.QueueBytes > 0 && d.stats.QueueBytes+len(p.Data) > l.cfg.QueueBytes) {
			return l.drop(now, side, p, trace.ReasonQueueFull)
		}
	}
	d.stats.Enqueued++
	l.emit(now, trace.Enqueue, side, p, "")
	if idle {
		l.startTx(now, side, p)
		return ""
	}
	d.q.push(p)
	d.stats.QueueBytes += len(p.Data)
	d.stats.QueuePackets++
	d.stats.QueueHighBytes = max(d.stats.QueueHighBytes, d.stats.QueueBytes)
	d.stats.QueueHighPkts = max(d.stats.QueueHighPkts, d.stats.QueuePackets)
	l.wakeAt(side, d.busyUntil)
	return ""
}

// dequeue takes the first packet waiting in d's queue and takes it off
// the queue's counters.
func (d *direction) dequeue() *packet.Packet {
	p := d.q.pop()
	d.stats.QueueBytes -= len(p.Data)
	d.stats.QueuePackets--
	if d.stats.QueueBytes < 0 || d.stats.QueuePackets < 0 {
		sim.Violated("link-queue-negative", "after packet %d left the queue it holds %d bytes in %d packets", p.ID, d.stats.QueueBytes, d.stats.QueuePackets)
	}
	return p
}

// TxTime returns how long the link takes to serialize n bytes.
func (l *Link) TxTime(n int) time.Duration {
	if l.cfg.RateBps <= 0 {
		return 0
	}
	return time.Duration(int64(n) * 8 * 1e9 / l.cfg.RateBps)
}

// wakeAt makes sure the transmitter of side wakes up at t to start the
// next queued packet. An idle link with an empty queue needs no event at
// all: a packet that finds it idle starts at once, and its arrival is
// scheduled when it starts. So a packet costs one kernel event per hop
// unless it has to wait in a queue.
func (l *Link) wakeAt(side int, t sim.Time) {
	d := &l.dir[side]
	if l.k.Active(d.wake) {
		return
	}
	arg := uint64(0)
	if side == 1 {
		arg |= argFromSide1
	}
	d.wake = l.k.Schedule(t, l, arg)
}

// startTx puts p on the wire: it is serialized from now until busyUntil,
// and everything that happens to it in flight (loss, corruption,
// duplication, delay) is decided now and its arrival scheduled.
func (l *Link) startTx(now sim.Time, side int, p *packet.Packet) {
	d := &l.dir[side]
	tx := l.TxTime(len(p.Data))
	d.busyUntil = now.Add(tx)
	d.stats.Sent++
	d.stats.SentBytes += uint64(len(p.Data))
	d.stats.TransmitBusyNs += int64(tx)
	l.emit(now, trace.Transmit, side, p, "")
	end := d.busyUntil
	if l.lost(d) {
		// Lost on the wire: reported when it would have arrived.
		l.schedArrival(side, end.Add(l.cfg.Delay), l.hold(p), true)
		return
	}
	l.propagate(now, side, end, p)
}

// Fire handles the link's own events: the transmitter waking up to start
// the next queued packet, and packets arriving at the far end.
func (l *Link) Fire(now sim.Time, arg uint64) {
	side := 0
	if arg&argFromSide1 != 0 {
		side = 1
	}
	if arg&argArrival != 0 {
		l.arrive(now, side, uint32(arg), arg&argReordered != 0)
		return
	}
	// A wake-up is pending only while packets wait (Send schedules it when
	// it queues one, flush cancels it), so the queue is not empty here and
	// the wire is free.
	d := &l.dir[side]
	if d.q.len() == 0 {
		sim.Violated("link-wake-queue-empty", "link %s side %d: transmitter woke up at %v with nothing queued", l.name, side, now)
	}
	if now < d.busyUntil {
		sim.Violated("link-wake-wire-busy", "link %s side %d: transmitter woke up at %v, but the wire is busy until %v", l.name, side, now, d.busyUntil)
	}
	l.startTx(now, side, d.dequeue())
	if d.q.len() > 0 {
		l.wakeAt(side, d.busyUntil)
	}
}

// lost draws the loss models for one packet.
func (l *Link) lost(d *direction) bool {
	if ge := l.cfg.Burst; ge != nil {
		if d.geBad {
			if l.rng.Chance(ge.R) {
				d.geBad = false
			}
		} else if l.rng.Chance(ge.P) {
			d.geBad = true
		}
		p := ge.LossGood
		if d.geBad {
			p = ge.LossBad
		}
		if l.rng.Chance(p) {
			return true
		}
	}
	return l.rng.Chance(l.cfg.Loss)
}

// propagate applies corruption, duplication, jitter and reordering to a
// packet whose last bit leaves at end, and schedules its arrival.
func (l *Link) propagate(now sim.Time, side int, end sim.Time, p *packet.Packet) {
	d := &l.dir[side]
	if l.rng.Chance(l.cfg.Corrupt) && len(p.Data) > 0 {
		bit := l.rng.IntN(len(p.Data) * 8)
		p.Data[bit/8] ^= 1 << (bit % 8)
		d.stats.Corrupted++
		l.emit(now, trace.Impair, side, p, trace.ReasonCorrupted)
	}
	if l.rng.Chance(l.cfg.Duplicate) {
		c := l.pool.Clone(p)
		d.stats.Duplicated++
		if l.bus.Active() {
			e := l.event(now, trace.Impair, side, c, trace.ReasonDuplicated)
			e.Parent = p.ID
			l.bus.Emit()
		}
		l.delayed(now, side, end, c)
	}
	l.delayed(now, side, end, p)
}

// delayed draws a packet's propagation delay (jitter, reordering) and
// schedules its arrival.
func (l *Link) delayed(now sim.Time, side int, end sim.Time, p *packet.Packet) {
	d := &l.dir[side]
	at := end.Add(l.cfg.Delay)
	if l.cfg.Jitter > 0 {
		// Jitter varies the delay but keeps the order, as a queue
		// somewhere along a real path would: a packet never overtakes
		// the one before it. Reordering is its own impairment.
		at = at.Add(time.Duration(l.rng.Int64N(int64(l.cfg.Jitter) + 1)))
	}
	if l.rng.Chance(l.cfg.Reorder) {
		d.stats.Reordered++
		l.emit(now, trace.Impair, side, p, trace.ReasonReordered)
		slot := l.hold(p)
		d.reordered = append(d.reordered, slot)
		arg := uint64(slot) | argArrival | argReordered
		if side == 1 {
			arg |= argFromSide1
		}
		l.k.Schedule(at.Add(l.cfg.ReorderDelay), l, arg)
		return
	}
	l.schedArrival(side, at, l.hold(p), false)
}

// schedArrival queues the packet in slot for arrival at the far end at
// (or, to keep the order, after) at. A lost packet goes through the same
// queue so that its loss is reported when it would have arrived.
func (l *Link) schedArrival(side int, at sim.Time, slot uint32, lost bool) {
	d := &l.dir[side]
	at = max(at, d.lastArrival)
	d.lastArrival = at
	if d.inflight.size > 0 && at < d.inflight.back().at {
		sim.Violated("link-arrival-order", "link %s side %d: arrival at %v queued behind one at %v", l.name, side, at, d.inflight.back().at)
	}
	a := arrival{at: at, seq: l.k.Reserve(), slot: slot, lost: lost}
	d.inflight.push(a)
	if d.inflight.size == 1 {
		l.scheduleHead(side)
	}
}

// scheduleHead schedules the arrival of the first packet in side's FIFO.
// The event carries the link's epoch, so that an event left over from
// before the link went down is recognised and ignored.
func (l *Link) scheduleHead(side int) {
	next := l.dir[side].inflight.front()
	arg := uint64(l.epoch) | argArrival
	if side == 1 {
		arg |= argFromSide1
	}
	l.k.ScheduleReserved(next.at, next.seq, l, arg)
}

// arrive delivers a packet at the far end: the head of the in-order FIFO
// (reordered == false, slot is then the epoch the event was scheduled in),
// or a reordered packet held in slot.
func (l *Link) arrive(now sim.Time, side int, slot uint32, reordered bool) {
	d := &l.dir[side]
	lost := false
	if reordered {
		d.forgetReordered(slot)
	} else {
		if slot != uint32(l.epoch) || d.inflight.size == 0 {
			return // scheduled before the link went down; those packets are gone
		}
		a := d.inflight.pop()
		if a.at != now {
			sim.Violated("link-arrival-time", "link %s side %d: FIFO head due at %v arrived at %v", l.name, side, a.at, now)
		}
		slot, lost = a.slot, a.lost
		if d.inflight.size > 0 {
			l.scheduleHead(side)
		}
	}
	f := l.flight[slot]
	l.release(slot)
	switch {
	case f.p == nil:
		// A reordered packet already dropped when the link went down.
	case f.epoch != l.epoch:
		l.drop(now, side, f.p, trace.ReasonLinkDown)
	case lost:
		l.drop(now, side, f.p, trace.ReasonLoss)
	default:
		d.stats.Delivered++
		l.ends[1-side].Recv.Receive(now, f.p)
	}
}

// hold parks p in the in-flight slab and returns its slot.
func (l *Link) hold(p *packet.Packet) uint32 {
	f := inFlight{p: p, epoch: l.epoch, held: true}
	if n := len(l.flightFree); n > 0 {
		s := l.flightFree[n-1]
		l.flightFree = l.flightFree[:n-1]
		l.flight[s] = f
		return s
	}
	l.flight = append(l.flight, f)
	return uint32(len(l.flight) - 1)
}

// release frees an in-flight slot taken by hold.
func (l *Link) release(slot uint32) {
	if !l.flight[slot].held {
		l.releasedTwice(slot)
	}
	l.flight[slot] = inFlight{}
	l.flightFree = append(l.flightFree, slot)
}

// releasedTwice reports a broken invariant out of line, so that release
// stays small enough to inline.
//
//go:noinline
func (l *Link) releasedTwice(slot uint32) {
	sim.Violated("link-slot-released-twice", "link %s: in-flight slot %d released twice", l.name, slot)
}

// drop counts, traces and frees p, and returns reason.
func (l *Link) drop(now sim.Time, side int, p *packet.Packet, reason string) string {
	s := &l.dir[side].stats
	switch reason {
	case trace.ReasonQueueFull:
		s.DroppedQueue++
	case trace.ReasonLoss:
		s.DroppedLoss++
	case trace.ReasonLinkDown:
		s.DroppedDown++
	case trace.ReasonMTUExceeded:
		s.DroppedMTU++
	}
	l.emit(now, trace.Drop, side, p, reason)
	l.pool.Put(p)
	return reason
}

func (l *Link) emit(now sim.Time, k trace.Kind, side int, p *packet.Packet, reason string) {
	if l.bus.Active() {
		l.event(now, k, side, p, reason)
		l.bus.Emit()
	}
}

// event fills the bus's scratch event for a packet leaving side.
func (l *Link) event(now sim.Time, k trace.Kind, side int, p *packet.Packet, reason string) *trace.Event {
	e := l.bus.Begin(now, k)
	e.Packet = p.ID
	e.Node = l.ends[side].Node
	e.Iface = l.ends[side].Iface
	e.Link = l.name
	e.Reason = reason
	e.SetBytes(p.Data, l.cfg.Ethernet)
	return e
}

// String describes the link for humans.
func (l *Link) String() string {
	return fmt.Sprintf("%s (%s:%s <-> %s:%s)", l.name, l.ends[0].Node, l.ends[0].Iface, l.ends[1].Node, l.ends[1].Iface)
}

// ring is a growable FIFO of packets.
type ring struct {
	buf        []*packet.Packet
	head, size int
}

func (r *ring) len() int { return r.size }

func (r *ring) push(p *packet.Packet) {
	if r.size == len(r.buf) {
		n := max(2*len(r.buf), 16)
		nb := make([]*packet.Packet, n)
		for i := 0; i < r.size; i++ {
			nb[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.size)%len(r.buf)] = p
	r.size++
}

func (r *ring) pop() *packet.Packet {
	p := r.buf[r.head]
	r.buf[r.head] = nil
	r.head = (r.head + 1) % len(r.buf)
	r.size--
	return p
}
