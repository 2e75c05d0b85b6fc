package node

import (
	"net/netip"

	"github.com/hopsnet/hops/packet"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// fragment splits p into fragments of at most mtu bytes (RFC 791 section
// 3.2) and sends them out of out in order. Options without the copied flag
// go only in the first fragment. p is consumed. If the link drops a
// fragment at once, the rest are not sent (as Linux's ip_do_fragment
// stops) and the drop reason is returned.
func (n *Node) fragment(out *Iface, nh netip.Addr, p *packet.Packet, mtu int) (dropReason string) {
	h, payload, err := wire.ParseIPv4(p.Data)
	if err != nil {
		n.drop(out, p, trace.ReasonMalformed)
		return trace.ReasonMalformed
	}
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
			n.drop(out, p, trace.ReasonMTUExceeded)
			return trace.ReasonMTUExceeded
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
		if reason := n.xmit(out, nh, f); reason != "" {
			n.pool.Put(p)
			return reason
		}
		off = end
	}
	n.pool.Put(p)
	return ""
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
	off, end int // payload bytes [off, end) of the datagram
	last     bool
	data     []byte
}

type reasmEntry struct {
	key     reasmKey
	header  []byte      // header of the offset-0 fragment, once seen
	pieces  []fragPiece // sorted by offset, never overlapping
	total   int         // payload length, known (>= 0) once the last fragment arrives
	firstID uint64
	in      *Iface
	timer   sim.Timer
}

// reassembler rebuilds datagrams from fragments at their destination,
// following Linux's rules: an exact duplicate of a fragment is ignored, but
// fragments that overlap or disagree about where the datagram ends discard
// the whole datagram (RFC 5722's rule, which Linux applies to IPv4 too).
type reassembler struct {
	n       *Node
	entries map[reasmKey]*reasmEntry
}

func (r *reassembler) init(n *Node) {
	r.n = n
	r.entries = map[reasmKey]*reasmEntry{}
}

// expireFunc returns the reassembly timer's callback for key.
func (r *reassembler) expireFunc(key reasmKey) func() { return func() { r.expire(key) } }

// add files fragment p (which it consumes) and returns the whole datagram
// as a new packet when the last missing piece arrives.
func (r *reassembler) add(now sim.Time, in *Iface, p *packet.Packet) *packet.Packet {
	n := r.n
	ip := wire.IPv4(p.Data)
	key := reasmKey{ip.Src(), ip.Dst(), ip.Protocol(), ip.ID()}
	off, data, last := ip.FragOffset(), ip.Payload(), !ip.MoreFragments()
	end := off + len(data)
	switch {
	case !last && (len(data) == 0 || end%8 != 0):
		// RFC 791: every fragment but the last carries a multiple of 8 bytes.
		n.drop(in, p, trace.ReasonMalformed)
		return nil
	case ip.HeaderLen()+end > 65535:
		n.drop(in, p, trace.ReasonMalformed)
		return nil
	}
	e := r.entries[key]
	if e == nil {
		if len(r.entries) >= maxReassemblies {
			n.drop(in, p, trace.ReasonReassemblyFull)
			return nil
		}
		e = &reasmEntry{key: key, total: -1, in: in}
		r.entries[key] = e
		e.timer = n.k.AfterFunc(ReassemblyTimeout, r.expireFunc(key))
	}
	switch verdict := e.fits(off, end, last); verdict {
	case fitDuplicate:
		n.drop(in, p, trace.ReasonFragDuplicate)
		return nil
	case fitConflict:
		r.discard(e)
		n.drop(in, p, trace.ReasonFragOverlap)
		return nil
	}
	if off == 0 {
		e.header = append([]byte(nil), p.Data[:ip.HeaderLen()]...)
		e.firstID = p.ID
	}
	if last {
		e.total = end
	}
	e.insert(fragPiece{off: off, end: end, last: last, data: append([]byte(nil), data...)})
	n.emit(trace.Hold, in, p, "")
	n.pool.Put(p)
	if e.header == nil || e.total < 0 || !e.complete() {
		return nil
	}
	if len(e.header)+e.total > 65535 {
		r.discard(e)
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

// How a new fragment fits with those already held.
const (
	fitNew       = iota // fills a gap
	fitDuplicate        // exactly one already held
	fitConflict         // overlaps one held, or disagrees about the end
)

func (e *reasmEntry) fits(off, end int, last bool) int {
	// Where the datagram ends must stay consistent first: a last fragment
	// that ends before data already held, or a fragment beyond a known
	// end, is a conflict even if it repeats an earlier one's bytes.
	if e.total >= 0 && (end > e.total || (last && end != e.total)) {
		return fitConflict
	}
	for _, pc := range e.pieces {
		if last && pc.end > end {
			return fitConflict
		}
	}
	for _, pc := range e.pieces {
		if pc.off == off && pc.end == end && pc.last == last {
			return fitDuplicate
		}
		if off < pc.end && pc.off < end {
			return fitConflict
		}
	}
	return fitNew
}

// insert adds pc keeping pieces sorted by offset.
func (e *reasmEntry) insert(pc fragPiece) {
	i := len(e.pieces)
	for i > 0 && e.pieces[i-1].off > pc.off {
		i--
	}
	e.pieces = append(e.pieces, fragPiece{})
	copy(e.pieces[i+1:], e.pieces[i:])
	e.pieces[i] = pc
}

// complete reports whether the pieces cover [0, total) without a hole.
func (e *reasmEntry) complete() bool {
	covered := 0
	for _, pc := range e.pieces {
		if pc.off > covered {
			return false
		}
		covered = pc.end
	}
	return covered == e.total
}

// discard drops an inconsistent datagram's fragments.
func (r *reassembler) discard(e *reasmEntry) {
	r.n.k.Cancel(e.timer)
	delete(r.entries, e.key)
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
		ev.Reason = trace.ReasonReassemblyTimeout
		n.bus.Emit()
	}
	if e.header == nil {
		return
	}
	// Quote the first fragment: its header and the first 8 payload bytes.
	quote := append([]byte(nil), e.header...)
	if len(e.pieces) > 0 && e.pieces[0].off == 0 {
		quote = append(quote, e.pieces[0].data[:min(8, len(e.pieces[0].data))]...)
	}
	if !errorAllowed(quote) {
		return
	}
	m := wire.ICMPMessage{Type: wire.ICMPTimeExceeded, Code: wire.ICMPFragReassemblyExceeded, Data: quote}
	n.sendError(e.key.src, e.key.dst, wire.IPv4(quote).TOS(), e.in, &m)
}

// ifaceNames returns an interface's name and its link's, or "lo" for the
// loopback path (nil).
func ifaceNames(i *Iface) (iface, link string) {
	if i == nil {
		return "lo", ""
	}
	return i.Name, i.link.Name()
}
