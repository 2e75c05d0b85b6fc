package node

import (
	"net/netip"
	"sort"

	"github.com/hopsnet/hops/packet"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// fragment splits p into fragments that fit out's MTU (RFC 791 section
// 3.2) and sends them in order. Options without the copied flag go only in
// the first fragment. p is consumed.
func (n *Node) fragment(out *Iface, p *packet.Packet) {
	h, payload, err := wire.ParseIPv4(p.Data)
	if err != nil {
		n.drop(out, p, trace.ReasonMalformed)
		return
	}
	mtu := out.MTU()
	n.stats.Fragmented++
	firstOpts := h.Options
	laterOpts := copiedOptions(h.Options)
	baseOff, lastMF := h.FragOffset, h.MoreFragments
	for off := 0; off < len(payload); {
		fh := h
		if off > 0 {
			fh.Options = laterOpts
		} else {
			fh.Options = firstOpts
		}
		room := (mtu - fh.HeaderLen()) &^ 7
		if room <= 0 {
			n.drop(out, p, trace.ReasonTooBig)
			return
		}
		end := min(off+room, len(payload))
		fh.FragOffset = baseOff + off
		fh.MoreFragments = end < len(payload) || lastMF
		f := n.pool.Get(fh.HeaderLen() + end - off)
		f.Data = fh.AppendTo(f.Data[:0], end-off)
		f.Data = append(f.Data, payload[off:end]...)
		n.stats.FragsCreated++
		if n.bus.Active() {
			e := n.bus.Begin(n.k.Now(), trace.Fragment)
			e.Packet, e.Parent = f.ID, p.ID
			e.Node, e.Iface, e.Link = n.Name, out.Name, out.link.Name()
			e.Data = f.Data
			n.bus.Emit()
		}
		out.link.Send(out.side, f)
		off = end
	}
	n.pool.Put(p)
}

// copiedOptions returns the options whose copied flag is set, padded to a
// multiple of four bytes.
func copiedOptions(opts []byte) []byte {
	if len(opts) == 0 {
		return nil
	}
	var out []byte
	for i := 0; i < len(opts); {
		t := opts[i]
		if t == 0 { // end of option list
			break
		}
		if t == 1 { // no-operation
			i++
			continue
		}
		if i+1 >= len(opts) || opts[i+1] < 2 || i+int(opts[i+1]) > len(opts) {
			break
		}
		l := int(opts[i+1])
		if t&0x80 != 0 {
			out = append(out, opts[i:i+l]...)
		}
		i += l
	}
	for len(out)%4 != 0 {
		out = append(out, 0)
	}
	return out
}

// Reassembly bounds: at most this many datagrams in progress per node.
const maxReassemblies = 64

type reasmKey struct {
	src, dst netip.Addr
	proto    uint8
	id       uint16
}

type fragPiece struct {
	off  int
	data []byte
}

type reasmEntry struct {
	key      reasmKey
	header   []byte // header of the offset-0 fragment, once seen
	pieces   []fragPiece
	total    int // payload length, known once the last fragment arrives
	firstID  uint64
	in       *Iface
	timer    sim.Timer
	lastSeen sim.Time
}

// reassembler rebuilds datagrams from fragments at their destination.
type reassembler struct {
	n       *Node
	entries map[reasmKey]*reasmEntry
}

func (r *reassembler) init(n *Node) {
	r.n = n
	r.entries = map[reasmKey]*reasmEntry{}
}

// add files fragment p (which it consumes) and returns the whole datagram
// as a new packet when the last missing piece arrives.
func (r *reassembler) add(now sim.Time, in *Iface, p *packet.Packet) *packet.Packet {
	n := r.n
	ip := wire.IPv4(p.Data)
	key := reasmKey{ip.Src(), ip.Dst(), ip.Protocol(), ip.ID()}
	e := r.entries[key]
	if e == nil {
		if len(r.entries) >= maxReassemblies {
			n.drop(in, p, trace.ReasonReassemblyTime)
			return nil
		}
		e = &reasmEntry{key: key, total: -1, in: in}
		r.entries[key] = e
		e.timer = n.k.AfterFunc(ReassemblyTimeout, func() { r.expire(key) })
	}
	off, data := ip.FragOffset(), ip.Payload()
	if off+len(data) > 65535-20 {
		n.drop(in, p, trace.ReasonMalformed)
		return nil
	}
	if off == 0 {
		e.header = append([]byte(nil), p.Data[:ip.HeaderLen()]...)
		e.firstID = p.ID
	}
	if !ip.MoreFragments() {
		e.total = off + len(data)
	}
	e.pieces = append(e.pieces, fragPiece{off: off, data: append([]byte(nil), data...)})
	e.lastSeen = now
	n.emit(trace.Deliver, in, p, "")
	n.pool.Put(p)
	if e.header == nil || e.total < 0 || !e.complete() {
		return nil
	}
	n.k.Cancel(e.timer)
	delete(r.entries, key)
	hl := len(e.header)
	whole := n.pool.Get(hl + e.total)
	copy(whole.Data, e.header)
	for _, pc := range e.pieces {
		copy(whole.Data[hl+pc.off:], pc.data)
	}
	w := wire.IPv4(whole.Data)
	w.SetTotalLen(len(whole.Data))
	w.SetFlagsOffset(w.DontFragment(), false, 0)
	w.ComputeChecksum()
	n.stats.Reassembled++
	if n.bus.Active() {
		ev := n.bus.Begin(now, trace.Reassemble)
		ev.Packet, ev.Parent = whole.ID, e.firstID
		ev.Node = n.Name
		ev.Iface, ev.Link = ifaceNames(in)
		ev.Data = whole.Data
		n.bus.Emit()
	}
	return whole
}

// complete reports whether the pieces cover [0, total) without a hole.
func (e *reasmEntry) complete() bool {
	sort.SliceStable(e.pieces, func(i, j int) bool { return e.pieces[i].off < e.pieces[j].off })
	covered := 0
	for _, pc := range e.pieces {
		if pc.off > covered {
			return false
		}
		covered = max(covered, pc.off+len(pc.data))
	}
	return covered >= e.total
}

// expire gives up on an incomplete datagram: RFC 792 time exceeded
// (fragment reassembly time exceeded) goes back to the source if the first
// fragment arrived.
func (r *reassembler) expire(key reasmKey) {
	e := r.entries[key]
	if e == nil {
		return
	}
	delete(r.entries, key)
	n := r.n
	n.stats.ReasmTimeouts++
	if n.bus.Active() {
		ev := n.bus.Begin(n.k.Now(), trace.Drop)
		ev.Packet = e.firstID
		ev.Node = n.Name
		ev.Iface, ev.Link = ifaceNames(e.in)
		ev.Reason = trace.ReasonReassemblyTime
		n.bus.Emit()
	}
	if e.header == nil {
		return
	}
	// Quote the first fragment: its header and the first 8 payload bytes.
	quote := append([]byte(nil), e.header...)
	for _, pc := range e.pieces {
		if pc.off == 0 {
			quote = append(quote, pc.data[:min(8, len(pc.data))]...)
			break
		}
	}
	m := wire.ICMPMessage{Type: wire.ICMPTimeExceeded, Code: wire.ICMPFragReassemblyExceeded, Data: quote}
	if _, err := n.sendICMPFrom(e.key.dst, e.key.src, &m); err == nil {
		n.stats.ICMPSent++
	}
}

// ifaceNames returns an interface's name and its link's, or "lo" for the
// loopback path (nil).
func ifaceNames(i *Iface) (iface, link string) {
	if i == nil {
		return "lo", ""
	}
	return i.Name, i.link.Name()
}
