package tcp

import (
	"strconv"

	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/wire"
)

// Segment is a TCP segment as the engine sees it: the header fields that
// matter to the connection, without ports or checksum (the caller owns
// those). Segments the engine returns from [Conn.AppendOutput] alias the
// connection's send buffer in Payload; they stay valid until the next
// call on that Conn.
type Segment struct {
	Seq     seq.Value     // sequence number of the first octet (or of the SYN)
	Ack     seq.Value     // acknowledgment number, meaningful when Flags has wire.ACK
	Flags   wire.TCPFlags // control bits
	Window  uint16        // the window field as on the wire (unscaled)
	Options wire.TCPOptions
	Payload []byte
}

// FromWire builds a Segment from a parsed header and its payload (as
// returned by wire.ParseTCP). The payload is aliased, not copied.
func FromWire(h *wire.TCPHeader, payload []byte) Segment {
	return Segment{
		Seq:     seq.Value(h.Seq),
		Ack:     seq.Value(h.Ack),
		Flags:   h.Flags,
		Window:  h.Window,
		Options: h.Options,
		Payload: payload,
	}
}

// Header returns the wire header for s between the given ports, ready
// for wire.TCPHeader.AppendTo with s.Payload.
func (s *Segment) Header(srcPort, dstPort uint16) wire.TCPHeader {
	return wire.TCPHeader{
		SrcPort: srcPort,
		DstPort: dstPort,
		Seq:     uint32(s.Seq),
		Ack:     uint32(s.Ack),
		Flags:   s.Flags,
		Window:  s.Window,
		Options: s.Options,
	}
}

// Len returns the sequence space the segment occupies: its payload plus
// one for each of SYN and FIN (RFC 9293 section 3.4, SEG.LEN).
func (s *Segment) Len() seq.Size {
	n := seq.Size(len(s.Payload))
	if s.Flags&wire.SYN != 0 {
		n++
	}
	if s.Flags&wire.FIN != 0 {
		n++
	}
	return n
}

// String formats s the way tcpdump and packetdrill do, with absolute
// sequence numbers: "S. 1000:1000(0) ack 2001 win 65535 <mss 1460,...>".
func (s Segment) String() string {
	return string(appendSegment(nil, &s, 0, 0))
}

// appendSegment formats s with sequence numbers relative to seqBase (for
// Seq and our SACK blocks' peer) and ackBase (for Ack), as the script
// tests print them. SACK blocks are relative to ackBase: they name the
// sequence space that Ack acknowledges.
func appendSegment(b []byte, s *Segment, seqBase, ackBase seq.Value) []byte {
	b = appendFlags(b, s.Flags)
	start := s.Seq.Sub(seqBase)
	end := start + seq.Size(len(s.Payload))
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(start), 10)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(end), 10)
	b = append(b, '(')
	b = strconv.AppendInt(b, int64(len(s.Payload)), 10)
	b = append(b, ')')
	if s.Flags&wire.ACK != 0 {
		b = append(b, " ack "...)
		b = strconv.AppendUint(b, uint64(s.Ack.Sub(ackBase)), 10)
	}
	b = append(b, " win "...)
	b = strconv.AppendUint(b, uint64(s.Window), 10)
	return appendOptions(b, &s.Options, ackBase)
}

// appendFlags writes the flags as tcpdump does: S, F, R, P, then "." for
// ACK, e.g. "S." for SYN+ACK, "FP." for FIN+PSH+ACK.
func appendFlags(b []byte, f wire.TCPFlags) []byte {
	n := len(b)
	for _, x := range [...]struct {
		f wire.TCPFlags
		c byte
	}{{wire.SYN, 'S'}, {wire.FIN, 'F'}, {wire.RST, 'R'}, {wire.PSH, 'P'}, {wire.URG, 'U'}, {wire.ECE, 'E'}, {wire.CWR, 'W'}, {wire.ACK, '.'}} {
		if f&x.f != 0 {
			b = append(b, x.c)
		}
	}
	if len(b) == n {
		b = append(b, '-')
	}
	return b
}

// appendOptions writes the options in Linux's order between angle
// brackets, or nothing when there are none. SACK blocks are printed
// relative to sackBase.
func appendOptions(b []byte, o *wire.TCPOptions, sackBase seq.Value) []byte {
	if *o == (wire.TCPOptions{}) {
		return b
	}
	b = append(b, " <"...)
	n := len(b)
	sep := func() {
		if len(b) > n {
			b = append(b, ',')
		}
	}
	if o.MSS != 0 {
		b = strconv.AppendUint(append(b, "mss "...), uint64(o.MSS), 10)
	}
	if o.SACKPermitted {
		sep()
		b = append(b, "sackOK"...)
	}
	if o.HasTimestamps {
		sep()
		b = strconv.AppendUint(append(b, "TS val "...), uint64(o.TSVal), 10)
		b = strconv.AppendUint(append(b, " ecr "...), uint64(o.TSEcr), 10)
	}
	if o.HasWindowScale {
		sep()
		b = strconv.AppendUint(append(b, "wscale "...), uint64(o.WindowScale), 10)
	}
	if k := min(max(o.NumSACK, 0), len(o.SACK)); k > 0 {
		sep()
		b = append(b, "sack"...)
		for _, blk := range o.SACK[:k] {
			b = append(b, ' ')
			b = strconv.AppendUint(b, uint64(seq.Value(blk.Left).Sub(sackBase)), 10)
			b = append(b, ':')
			b = strconv.AppendUint(b, uint64(seq.Value(blk.Right).Sub(sackBase)), 10)
		}
	}
	return append(b, '>')
}
