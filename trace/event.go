// Package trace is the event stream of a simulation. Links and nodes emit
// an Event at every step of a packet's life (sent, enqueued, transmitted,
// received, forwarded, delivered, dropped and why); observers subscribe to
// the Bus and never change what happens. Writers for the event log (JSON
// Lines) live here; the pcapng writer is in trace/pcapng.
package trace

import "github.com/hopsnet/hops/sim"

// Kind says what happened to a packet.
type Kind uint8

// The kinds of event, in the order a packet meets them.
const (
	// Send: a node originated the packet and handed it to an interface.
	Send Kind = iota + 1
	// Enqueue: the link accepted the packet into its transmit queue.
	Enqueue
	// Transmit: the link started serializing the packet onto the wire.
	Transmit
	// Impair: the link duplicated, reordered or corrupted the packet
	// (Reason says which).
	Impair
	// Receive: the packet arrived at a node's interface.
	Receive
	// Forward: a router forwards the packet out of an interface.
	Forward
	// Deliver: the packet reached its destination node's own stack and its
	// protocol accepted it.
	Deliver
	// Drop: the packet was discarded; Reason says why.
	Drop
	// Fragment: a node split the packet; the fragments are new packets
	// whose Parent is this packet's ID.
	Fragment
	// Hold: a fragment reached its destination and waits there for the
	// rest of its datagram.
	Hold
	// Reassemble: a destination rebuilt a datagram from fragments.
	Reassemble
	// LinkState: a link went down or up (no packet; Reason is "down"/"up").
	LinkState
	// Translate: a NAT rewrote the packet's addresses or ports; Reason is
	// "snat", "dnat" or "hairpin" and the packet's summary before the
	// rewrite, Data the packet after it.
	Translate
	// Routing: a routing protocol changed something on a node (no
	// packet): a neighbour's state, an SPF run, a route added or removed;
	// Reason says what, e.g. "ospf add 10.0.2.0/24 via 10.9.0.2 dev eth1
	// metric 303".
	Routing
	// App: an application's note (no packet), such as a web server's
	// access-log line; Reason is the text.
	App
)

var kindNames = [...]string{"", "send", "enqueue", "transmit", "impair", "receive", "forward", "deliver", "drop", "fragment", "hold", "reassemble", "link", "nat", "routing", "app"}

// String returns the kind's lower-case name, as used in the event log.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Why a packet was dropped or impaired. Reasons are plain strings so that
// logs and tests read naturally; these are the ones hops emits.
const (
	ReasonQueueFull         = "queue-full"           // link: drop-tail queue full
	ReasonLoss              = "loss"                 // link: a loss model
	ReasonLinkDown          = "link-down"            // link down (or a router's route points into one)
	ReasonMTUExceeded       = "mtu-exceeded"         // larger than the link's MTU
	ReasonTTLExceeded       = "ttl-exceeded"         // router: TTL ran out
	ReasonNoRoute           = "no-route"             // router: no route (ICMP net unreachable)
	ReasonHostUnreachable   = "host-unreachable"     // router: on-link address nobody owns (ICMP host unreachable)
	ReasonBadChecksum       = "bad-checksum"         // IP header, ICMP or UDP checksum wrong
	ReasonMalformed         = "malformed"            // does not parse
	ReasonFragNeeded        = "fragmentation-needed" // DF set and too big for the next link
	ReasonReassemblyTimeout = "reassembly-timeout"   // fragments of an incomplete datagram expired
	ReasonReassemblyFull    = "reassembly-full"      // too many datagrams being reassembled
	ReasonFragOverlap       = "fragment-overlap"     // fragments overlap or disagree (RFC 5722): datagram discarded
	ReasonFragDuplicate     = "fragment-duplicate"   // an exact copy of a fragment already held
	ReasonNoListener        = "no-listener"          // no socket or protocol for it (ICMP unreachable)
	ReasonNotForUs          = "not-for-us"           // host: addressed to someone else
	ReasonDuplicated        = "duplicated"           // impair: the link delivered it twice
	ReasonReordered         = "reordered"            // impair: held back so later packets overtake it
	ReasonCorrupted         = "corrupted"            // impair: one bit flipped
)

// Event is one step in a packet's life. An observer receives a pointer that
// is only valid during the call; Data aliases the packet and must be copied
// to be kept.
type Event struct {
	At     sim.Time
	Kind   Kind
	Packet uint64 // packet ID (0 for link events)
	Parent uint64 // for fragments and duplicates: the original packet's ID
	Node   string // node where it happened (for link events: the sending node)
	Iface  string // node's interface, when there is one
	Link   string // link name, when there is one
	Reason string // for Drop and Impair
	Data   []byte // the IPv4 datagram's bytes at this moment (nil for none, or for an ARP frame)
	// Frame is set for a packet on an Ethernet link: the whole frame,
	// from the Ethernet header (Data is then the IPv4 datagram inside it,
	// or nil when the frame carries something else, such as ARP).
	Frame []byte
}

// SetBytes sets Data, and Frame when ethernet is true, from the bytes a
// packet has at this moment: a datagram, or on an Ethernet link a frame.
func (e *Event) SetBytes(b []byte, ethernet bool) {
	if !ethernet {
		e.Data = b
		return
	}
	e.Frame = b
	if len(b) >= 14 && b[12] == 0x08 && b[13] == 0x00 {
		e.Data = b[14:]
	}
}

// Observer receives events.
type Observer interface {
	Observe(e *Event)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(e *Event)

// Observe calls f(e).
func (f ObserverFunc) Observe(e *Event) { f(e) }

// Bus delivers events to its observers in subscription order. The zero Bus
// has no observers; emitting into it costs one branch.
type Bus struct {
	obs []Observer
	ev  Event
}

// Subscribe adds o to the bus.
func (b *Bus) Subscribe(o Observer) { b.obs = append(b.obs, o) }

// Unsubscribe removes o; events stop reaching it.
func (b *Bus) Unsubscribe(o Observer) {
	for i, x := range b.obs {
		if x == o {
			b.obs = append(b.obs[:i], b.obs[i+1:]...)
			return
		}
	}
}

// Active reports whether anyone listens. Emitters check it first so that an
// unobserved simulation pays nothing for tracing.
func (b *Bus) Active() bool { return b != nil && len(b.obs) > 0 }

// Begin returns the bus's scratch event, reset and stamped with the time
// and kind; the caller fills in the rest and calls Emit. Using one scratch
// event keeps emitting free of allocation.
func (b *Bus) Begin(at sim.Time, k Kind) *Event {
	b.ev = Event{At: at, Kind: k}
	return &b.ev
}

// Emit delivers the scratch event to every observer.
func (b *Bus) Emit() {
	for _, o := range b.obs {
		o.Observe(&b.ev)
	}
}
