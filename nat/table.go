package nat

import (
	"time"

	"github.com/hopsnet/hops/sim"
)

// intKey names an inside endpoint: protocol, address and port (the echo
// identifier for ICMP).
type intKey struct {
	proto uint8
	addr  [4]byte
	port  uint16
}

// extKey names a public endpoint: protocol and public port (or echo
// identifier); the public address is the NAT's one.
type extKey struct {
	proto uint8
	port  uint16
}

// tcpSeen records the TCP control flags seen in each direction of one
// session, enough to tell established from transitory (RFC 5382 REQ-5).
type tcpSeen uint8

const (
	synOut tcpSeen = 1 << iota
	synIn
	finOut
	finIn
	rstSeen
)

// established reports an open connection: SYNs seen both ways and no
// FIN or RST yet. Anything else is "transitory" (partially open or
// partially closed).
func (t tcpSeen) established() bool {
	return t&(synOut|synIn) == synOut|synIn && t&(finOut|finIn|rstSeen) == 0
}

// peer is one session of a mapping: the outside endpoint it talks to.
// Invariant: a peer with live false is a free slot; a live peer with
// expires <= now is expired and treated as free.
type peer struct {
	addr    [4]byte
	port    uint16
	live    bool
	replied bool // a packet came back from this peer
	tcp     tcpSeen
	expires sim.Time
}

// mapping is one NAT binding: inside endpoint in, public port ext.
// Invariant: a live mapping is in table.byInt under in and in
// table.byExt under {in.proto, ext}; expires is the latest of its live
// peers' expiry (sim.Never for a static, port-forward mapping).
type mapping struct {
	live    bool
	static  bool
	in      intKey
	ext     uint16
	expires sim.Time
	peers   [maxPeers]peer
}

// table holds the mappings in a slot slice with a free list, indexed
// both ways. Its size never exceeds max.
type table struct {
	slots []mapping
	free  []int32
	byInt map[intKey]int32
	byExt map[extKey]int32
	max   int
	live  int
}

func (t *table) init(max int) {
	t.max = max
	t.slots = make([]mapping, 0, min(max, 1024))
	t.byInt = make(map[intKey]int32, min(max, 1024))
	t.byExt = make(map[extKey]int32, min(max, 1024))
}

// get returns the live, unexpired mapping at slot i, removing it if it
// has expired.
func (t *table) get(now sim.Time, i int32, ok bool) *mapping {
	if !ok {
		return nil
	}
	m := &t.slots[i]
	if !m.static && m.expires <= now {
		t.remove(i)
		return nil
	}
	return m
}

func (t *table) byInside(now sim.Time, k intKey) *mapping {
	i, ok := t.byInt[k]
	return t.get(now, i, ok)
}

func (t *table) byPublic(now sim.Time, k extKey) *mapping {
	i, ok := t.byExt[k]
	return t.get(now, i, ok)
}

// portUsed reports whether the public port of proto is taken by a
// mapping that has not expired.
func (t *table) portUsed(now sim.Time, proto uint8, port uint16) bool {
	return t.byPublic(now, extKey{proto, port}) != nil
}

func (t *table) remove(i int32) {
	m := &t.slots[i]
	delete(t.byInt, m.in)
	delete(t.byExt, extKey{m.in.proto, m.ext})
	*m = mapping{}
	t.free = append(t.free, i)
	t.live--
}

// insert adds a mapping for in at public port ext, making room by the
// policy documented at Config.MaxMappings. It returns nil if the table
// is full of mappings it may not evict.
func (t *table) insert(now sim.Time, in intKey, ext uint16, static bool) *mapping {
	if t.live >= t.max && !t.evict(now) {
		return nil
	}
	var i int32
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		t.slots = append(t.slots, mapping{})
		i = int32(len(t.slots) - 1)
	}
	m := &t.slots[i]
	*m = mapping{live: true, static: static, in: in, ext: ext, expires: now}
	if static {
		m.expires = sim.Never
	}
	t.byInt[in] = i
	t.byExt[extKey{in.proto, ext}] = i
	t.live++
	return m
}

// evict frees one slot: the mapping closest to expiry (an expired one
// first) that is neither static nor carrying an established TCP
// connection. It reports false if there is none.
func (t *table) evict(now sim.Time) bool {
	best := int32(-1)
	for i := range t.slots {
		m := &t.slots[i]
		if !m.live || m.static || (m.expires > now && m.hasEstablished(now)) {
			continue
		}
		if best < 0 || m.expires < t.slots[best].expires {
			best = int32(i)
		}
	}
	if best < 0 {
		return false
	}
	t.remove(best)
	return true
}

// expire removes every expired mapping.
func (t *table) expire(now sim.Time) {
	for i := range t.slots {
		if m := &t.slots[i]; m.live && !m.static && m.expires <= now {
			t.remove(int32(i))
		}
	}
}

// nextDeadline returns the earliest expiry of a dynamic mapping.
func (t *table) nextDeadline() sim.Time {
	d := sim.Never
	for i := range t.slots {
		if m := &t.slots[i]; m.live && !m.static && m.expires < d {
			d = m.expires
		}
	}
	return d
}

func (m *mapping) hasEstablished(now sim.Time) bool {
	for i := range m.peers {
		if p := &m.peers[i]; p.live && p.expires > now && p.tcp.established() {
			return true
		}
	}
	return false
}

// findPeer returns the live session with the outside endpoint addr:port,
// or nil.
func (m *mapping) findPeer(now sim.Time, addr [4]byte, port uint16) *peer {
	for i := range m.peers {
		if p := &m.peers[i]; p.live && p.expires > now && p.addr == addr && p.port == port {
			return p
		}
	}
	return nil
}

// knowsAddr reports whether the mapping has a live session with addr
// (address-dependent filtering, RFC 4787 section 5).
func (m *mapping) knowsAddr(now sim.Time, addr [4]byte) bool {
	for i := range m.peers {
		if p := &m.peers[i]; p.live && p.expires > now && p.addr == addr {
			return true
		}
	}
	return false
}

// session returns the session with addr:port, creating it in a free
// slot or in place of the one closest to expiry.
func (m *mapping) session(now sim.Time, addr [4]byte, port uint16) *peer {
	if p := m.findPeer(now, addr, port); p != nil {
		return p
	}
	slot := &m.peers[0]
	for i := range m.peers {
		p := &m.peers[i]
		if !p.live || p.expires <= now {
			slot = p
			break
		}
		if p.expires < slot.expires {
			slot = p
		}
	}
	*slot = peer{addr: addr, port: port, live: true}
	return slot
}

// refresh sets the session's expiry from its protocol and state and
// recomputes the mapping's.
func (m *mapping) refresh(now sim.Time, p *peer, c *Config) {
	var d time.Duration
	switch m.in.proto {
	case udpProto:
		d = c.UDPTimeout
	case icmpProto:
		d = c.ICMPTimeout
	default:
		d = c.TCPTransitory
		if p.tcp.established() {
			d = c.TCPEstablished
		}
	}
	p.expires = now.Add(d)
	if m.static {
		return
	}
	m.expires = now
	for i := range m.peers {
		if q := &m.peers[i]; q.live && q.expires > m.expires {
			m.expires = q.expires
		}
	}
}
