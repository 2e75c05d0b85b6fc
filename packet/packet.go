// Package packet holds the buffers that carry IPv4 datagrams through a
// simulation, and the pool that recycles them.
//
// A Packet is owned by exactly one place at a time: a node while it is
// building or forwarding it, a link while it is queued or in flight, a node
// again when it arrives. Whoever drops or consumes a packet returns it to
// the Pool. Every packet gets an ID when it is created; the ID stays the same
// from hop to hop, so an observer can follow one packet across the world.
package packet

// SmallSize is the capacity of pooled buffers; it holds a 1500-byte
// Ethernet-sized datagram with room to spare. Larger packets use LargeSize
// buffers.
const (
	SmallSize = 2048
	LargeSize = 65536
)

// Packet is one IPv4 datagram in flight.
type Packet struct {
	// ID identifies the packet for tracing. It is unique within a Pool.
	ID uint64
	// Data is the datagram, starting at the IPv4 header.
	Data []byte
	buf  []byte
}

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
	case n <= SmallSize && len(p.small) > 0:
		pk = p.small[len(p.small)-1]
		p.small = p.small[:len(p.small)-1]
	case n <= SmallSize:
		pk = &Packet{buf: make([]byte, SmallSize)}
	case n <= LargeSize && len(p.large) > 0:
		pk = p.large[len(p.large)-1]
		p.large = p.large[:len(p.large)-1]
	case n <= LargeSize:
		pk = &Packet{buf: make([]byte, LargeSize)}
	default:
		pk = &Packet{buf: make([]byte, n)}
	}
	p.nextID++
	p.live++
	pk.ID = p.nextID
	pk.Data = pk.buf[:n]
	return pk
}

// Clone returns a copy of pk with a new ID.
func (p *Pool) Clone(pk *Packet) *Packet {
	c := p.Get(len(pk.Data))
	copy(c.Data, pk.Data)
	return c
}

// Put returns pk to the pool. pk must not be used afterwards.
func (p *Pool) Put(pk *Packet) {
	p.live--
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
