// Package packet holds the buffers that carry IPv4 datagrams through a
// simulation, and the pool that recycles them.
//
// A Packet is owned by exactly one place at a time: a node while it is
// building or forwarding it, a link while it is queued or in flight, a node
// again when it arrives. Whoever drops or consumes a packet returns it to
// the Pool. Every packet gets an ID when it is created; the ID stays the same
// from hop to hop, so an observer can follow one packet across the world.
//
// Invariants are checked always, at the cost of a branch each; a broken one
// panics with a message that names it, in the form sim uses
// (`hops: invariant "NAME" violated: DETAIL`; packet imports only the
// standard library, so it cannot use sim.Violation):
//
//   - "packet-put-twice" (Put): a packet goes back to the pool once per Get.
//   - "packet-use-after-put" (Clone): a packet in the pool is not copied.
//   - "packet-live-negative" (Put): the pool never takes back more packets
//     than it gave out.
package packet

import "fmt"

// SmallSize is the capacity of pooled buffers; it holds a 1500-byte
// Ethernet-sized datagram with room to spare. Larger packets use LargeSize
// buffers.
const (
	SmallSize = 2048
	LargeSize = 65536
)

// Headroom is the space kept in front of every packet's Data, so that a
// link-layer header (Ethernet's 14 bytes) can be put in front of a
// datagram without copying it (Prepend).
const Headroom = 16

// Packet is one IPv4 datagram in flight, or on an Ethernet link one
// frame.
type Packet struct {
	// ID identifies the packet for tracing. It is unique within a Pool.
	ID uint64
	// Data is the datagram, starting at the IPv4 header; on an Ethernet
	// link, the frame, starting at the Ethernet header.
	Data []byte
	buf  []byte
	// pooled is set by Put and cleared by Get: true while the packet
	// belongs to the pool and nobody may use it.
	pooled bool
}

// InPool reports whether pk has been returned to its pool and not taken
// out again; such a packet must not be used. Owners can assert on it where
// a freed packet would otherwise travel on silently.
func (pk *Packet) InPool() bool { return pk.pooled }

// Prepend grows Data by n bytes at the front, into the headroom, and
// returns the new bytes (their contents are whatever was there). It
// reports false, changing nothing, when the headroom is too small.
func (pk *Packet) Prepend(n int) ([]byte, bool) {
	off := cap(pk.buf) - cap(pk.Data)
	if n > off {
		return nil, false
	}
	pk.Data = pk.buf[off-n : off+len(pk.Data)]
	return pk.Data[:n], true
}

// TrimFront drops the first n bytes of Data (a link-layer header that
// has been read), leaving them as headroom for the next Prepend.
func (pk *Packet) TrimFront(n int) { pk.Data = pk.Data[n:] }

// Pool recycles packet buffers and numbers new packets. The zero Pool is
// ready to use. It is not safe for concurrent use.
type Pool struct {
	small, large []*Packet
	nextID       uint64
	live         int
}

// Get returns a packet with a fresh ID whose Data has length n.
func (p *Pool) Get(n int) *Packet {
	var pk *Packet
	switch {
	case n <= SmallSize-Headroom && len(p.small) > 0:
		pk = p.small[len(p.small)-1]
		p.small = p.small[:len(p.small)-1]
	case n <= SmallSize-Headroom:
		pk = &Packet{buf: make([]byte, SmallSize)}
	case n <= LargeSize-Headroom && len(p.large) > 0:
		pk = p.large[len(p.large)-1]
		p.large = p.large[:len(p.large)-1]
	case n <= LargeSize-Headroom:
		pk = &Packet{buf: make([]byte, LargeSize)}
	default:
		pk = &Packet{buf: make([]byte, n+Headroom)}
	}
	p.nextID++
	p.live++
	pk.ID = p.nextID
	pk.Data = pk.buf[Headroom : Headroom+n]
	pk.pooled = false
	return pk
}

// Clone returns a copy of pk with a new ID.
func (p *Pool) Clone(pk *Packet) *Packet {
	if pk.pooled {
		panic(&violation{"packet-use-after-put", "packet %d cloned after it was returned to the pool", pk.ID})
	}
	c := p.Get(len(pk.Data))
	copy(c.Data, pk.Data)
	return c
}

// Put returns pk to the pool. pk must not be used afterwards; returning it
// a second time panics (invariant "packet-put-twice").
func (p *Pool) Put(pk *Packet) {
	if pk.pooled {
		panic(&violation{"packet-put-twice", "packet %d returned to the pool twice", pk.ID})
	}
	if p.live <= 0 {
		panic(&violation{"packet-live-negative", "packet %d returned to a pool that has none out: it is not from this pool", pk.ID})
	}
	p.live--
	pk.pooled = true
	pk.Data = nil
	switch cap(pk.buf) {
	case SmallSize:
		p.small = append(p.small, pk)
	case LargeSize:
		p.large = append(p.large, pk)
	}
}

// Live returns the number of packets taken and not yet returned; tests use
// it to find leaks.
func (p *Pool) Live() int { return p.live }

// Issued returns how many packets the pool has numbered so far.
func (p *Pool) Issued() uint64 { return p.nextID }

// violation is what a broken invariant panics with: an error whose message
// has sim.Violation's form. It is built on the failing branch only, and
// without a call, so that Put stays small enough to inline.
type violation struct {
	name   string // stable name, such as "packet-put-twice"
	detail string // a format with one %d, for the packet's ID
	id     uint64
}

func (v *violation) Error() string {
	return fmt.Sprintf("hops: invariant %q violated: "+v.detail, v.name, v.id)
}
