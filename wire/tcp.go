package wire

import (
	"encoding/binary"
	"net/netip"
	"slices"
)

// TCP header constants.
const (
	// TCPHeaderLen is the length of a TCP header without options.
	TCPHeaderLen = 20
	// TCPMaxOptionsLen is the most option bytes a TCP header can carry.
	TCPMaxOptionsLen = 40
)

// TCP option kinds (RFC 9293, RFC 7323, RFC 2018).
const (
	tcpOptEOL       = 0
	tcpOptNOP       = 1
	tcpOptMSS       = 2
	tcpOptWS        = 3
	tcpOptSACKPerm  = 4
	tcpOptSACK      = 5
	tcpOptTimestamp = 8
)

// TCPFlags is the TCP flags byte (header byte 13).
type TCPFlags uint8

// TCP flag bits.
const (
	FIN TCPFlags = 1 << iota // no more data from sender
	SYN                      // synchronize sequence numbers
	RST                      // reset the connection
	PSH                      // push function
	ACK                      // acknowledgment field significant
	URG                      // urgent pointer field significant
	ECE                      // ECN-Echo (RFC 3168)
	CWR                      // congestion window reduced (RFC 3168)
)

var tcpFlagNames = [8]string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"}

// String returns the set flags joined by "|" in bit order, for example
// "SYN|ACK", or "none" if no flag is set.
func (f TCPFlags) String() string {
	if f == 0 {
		return "none"
	}
	var buf [8 * 4]byte
	s := buf[:0]
	for i, name := range tcpFlagNames {
		if f&(1<<i) != 0 {
			if len(s) > 0 {
				s = append(s, '|')
			}
			s = append(s, name...)
		}
	}
	return string(s)
}

// Has reports whether all flags in g are set in f.
func (f TCPFlags) Has(g TCPFlags) bool { return f&g == g }

// SACKBlock is one selective acknowledgment block (RFC 2018): the
// sequence numbers of the first byte of a received block and of the byte
// just after it.
type SACKBlock struct{ Left, Right uint32 }

// TCPOptions holds the TCP options hops understands. The zero value means
// no options.
type TCPOptions struct {
	MSS            uint16 // maximum segment size; 0 = absent
	WindowScale    uint8  // shift count, valid if HasWindowScale
	HasWindowScale bool
	SACKPermitted  bool
	SACK           [4]SACKBlock // the first NumSACK entries are used
	NumSACK        int          // 0..4
	HasTimestamps  bool
	TSVal, TSEcr   uint32 // valid if HasTimestamps
}

// parseTCPOptions decodes the option bytes opts. Unknown options are
// skipped; a malformed length, or a known option of the wrong length, is
// ErrBadOption. Parsing stops at an end-of-option-list byte. When an
// option appears more than once the last occurrence wins.
func parseTCPOptions(opts []byte) (TCPOptions, error) {
	var o TCPOptions
	for i := 0; i < len(opts); {
		kind := opts[i]
		if kind == tcpOptEOL {
			break
		}
		if kind == tcpOptNOP {
			i++
			continue
		}
		if i+1 >= len(opts) {
			return o, ErrBadOption
		}
		l := int(opts[i+1])
		if l < 2 || i+l > len(opts) {
			return o, ErrBadOption
		}
		body := opts[i+2 : i+l]
		switch kind {
		case tcpOptMSS:
			if l != 4 {
				return o, ErrBadOption
			}
			o.MSS = binary.BigEndian.Uint16(body)
		case tcpOptWS:
			if l != 3 {
				return o, ErrBadOption
			}
			o.WindowScale, o.HasWindowScale = body[0], true
		case tcpOptSACKPerm:
			if l != 2 {
				return o, ErrBadOption
			}
			o.SACKPermitted = true
		case tcpOptSACK:
			if l < 10 || (l-2)%8 != 0 {
				return o, ErrBadOption
			}
			o.SACK = [4]SACKBlock{}
			o.NumSACK = min((l-2)/8, len(o.SACK))
			for j := range o.NumSACK {
				blk := body[j*8 : j*8+8]
				o.SACK[j] = SACKBlock{
					Left:  binary.BigEndian.Uint32(blk[0:4]),
					Right: binary.BigEndian.Uint32(blk[4:8]),
				}
			}
		case tcpOptTimestamp:
			if l != 10 {
				return o, ErrBadOption
			}
			o.HasTimestamps = true
			o.TSVal = binary.BigEndian.Uint32(body[0:4])
			o.TSEcr = binary.BigEndian.Uint32(body[4:8])
		}
		i += l
	}
	return o, nil
}

// numSACK returns NumSACK clamped to [0, 4].
func (o *TCPOptions) numSACK() int { return min(max(o.NumSACK, 0), len(o.SACK)) }

// alignedLen is the length of the Linux-style encoding, in which every
// option is NOP-padded to a 4-byte boundary, with n SACK blocks.
func (o *TCPOptions) alignedLen(n int) int {
	l := 0
	if o.MSS != 0 {
		l += 4
	}
	switch {
	case o.HasTimestamps:
		l += 12 // SACK-permitted+TS, or NOP,NOP,TS
	case o.SACKPermitted:
		l += 4 // NOP,NOP,SACK-permitted
	}
	if o.HasWindowScale {
		l += 4 // NOP,WS
	}
	if n > 0 {
		l += 4 + 8*n // NOP,NOP,SACK
	}
	return l
}

// compactLen is the length of the encoding without alignment NOPs, with
// n SACK blocks, padded at the end to a multiple of 4.
func (o *TCPOptions) compactLen(n int) int {
	l := 0
	if o.MSS != 0 {
		l += 4
	}
	if o.SACKPermitted {
		l += 2
	}
	if o.HasTimestamps {
		l += 10
	}
	if o.HasWindowScale {
		l += 3
	}
	if n > 0 {
		l += 2 + 8*n
	}
	return (l + 3) &^ 3
}

// plan chooses the encoding: the aligned Linux layout when it fits in 40
// bytes, else the compact layout, else as many SACK blocks as fit.
func (o *TCPOptions) plan() (length int, aligned bool, nsack int) {
	for n := o.numSACK(); n >= 0; n-- {
		if l := o.alignedLen(n); l <= TCPMaxOptionsLen {
			return l, true, n
		}
		if l := o.compactLen(n); l <= TCPMaxOptionsLen {
			return l, false, n
		}
	}
	return 0, true, 0 // unreachable: alignedLen(0) <= 24
}

// Len returns the encoded length of the options in bytes: a multiple of 4
// and at most 40.
func (o *TCPOptions) Len() int {
	l, _, _ := o.plan()
	return l
}

// appendTo appends the encoded options to dst.
func (o *TCPOptions) appendTo(dst []byte) []byte {
	l, aligned, n := o.plan()
	start := len(dst)
	if o.MSS != 0 {
		dst = append(dst, tcpOptMSS, 4, byte(o.MSS>>8), byte(o.MSS))
	}
	if aligned {
		// Linux order: MSS, SACK-permitted+TS (or NOP,NOP,TS or
		// NOP,NOP,SACK-permitted), NOP,WS, NOP,NOP,SACK.
		switch {
		case o.HasTimestamps && o.SACKPermitted:
			dst = append(dst, tcpOptSACKPerm, 2)
			dst = o.appendTS(dst)
		case o.HasTimestamps:
			dst = append(dst, tcpOptNOP, tcpOptNOP)
			dst = o.appendTS(dst)
		case o.SACKPermitted:
			dst = append(dst, tcpOptNOP, tcpOptNOP, tcpOptSACKPerm, 2)
		}
		if o.HasWindowScale {
			dst = append(dst, tcpOptNOP, tcpOptWS, 3, o.WindowScale)
		}
		if n > 0 {
			dst = append(dst, tcpOptNOP, tcpOptNOP)
			dst = o.appendSACK(dst, n)
		}
	} else {
		if o.SACKPermitted {
			dst = append(dst, tcpOptSACKPerm, 2)
		}
		if o.HasTimestamps {
			dst = o.appendTS(dst)
		}
		if o.HasWindowScale {
			dst = append(dst, tcpOptWS, 3, o.WindowScale)
		}
		if n > 0 {
			dst = o.appendSACK(dst, n)
		}
	}
	for len(dst)-start < l {
		dst = append(dst, tcpOptEOL)
	}
	return dst
}

func (o *TCPOptions) appendTS(dst []byte) []byte {
	dst = append(dst, tcpOptTimestamp, 10)
	dst = binary.BigEndian.AppendUint32(dst, o.TSVal)
	return binary.BigEndian.AppendUint32(dst, o.TSEcr)
}

func (o *TCPOptions) appendSACK(dst []byte, n int) []byte {
	dst = append(dst, tcpOptSACK, byte(2+8*n))
	for _, blk := range o.SACK[:n] {
		dst = binary.BigEndian.AppendUint32(dst, blk.Left)
		dst = binary.BigEndian.AppendUint32(dst, blk.Right)
	}
	return dst
}

// TCPHeader is a decoded TCP header.
type TCPHeader struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	// DataOffset is the header length in bytes, options included. It is
	// filled in by ParseTCP and ignored by AppendTo.
	DataOffset int
	Flags      TCPFlags
	Window     uint16
	Checksum   uint16 // filled in by ParseTCP; computed by AppendTo
	Urgent     uint16
	Options    TCPOptions
}

// TCP is a view of a TCP segment (the IP payload). Call [TCP.Check] first;
// once it has returned nil no method panics. The fixed-field accessors and
// setters index the first 20 bytes directly; Options and Payload clamp to
// the slice.
//
// Every setter keeps the checksum consistent by updating it incrementally
// (RFC 1624): a segment with a valid checksum stays valid, and a corrupted
// one stays corrupted. A NAT that rewrites the IP header's address calls
// [TCP.UpdatePseudoAddr] as well, since the checksum covers the addresses
// through the pseudo header.
type TCP []byte

// Check validates the structure: at least 20 bytes, a data offset of at
// least 20 bytes (ErrBadHeaderLen) that fits in b (ErrTruncated). Options
// are not examined.
func (b TCP) Check() error {
	if len(b) < TCPHeaderLen {
		return ErrTruncated
	}
	hl := b.HeaderLen()
	if hl < TCPHeaderLen {
		return ErrBadHeaderLen
	}
	if hl > len(b) {
		return ErrTruncated
	}
	return nil
}

// SrcPort returns the source port.
func (b TCP) SrcPort() uint16 { return binary.BigEndian.Uint16(b[0:2]) }

// DstPort returns the destination port.
func (b TCP) DstPort() uint16 { return binary.BigEndian.Uint16(b[2:4]) }

// Seq returns the sequence number.
func (b TCP) Seq() uint32 { return binary.BigEndian.Uint32(b[4:8]) }

// Ack returns the acknowledgment number.
func (b TCP) Ack() uint32 { return binary.BigEndian.Uint32(b[8:12]) }

// HeaderLen returns the data offset in bytes (header including options).
func (b TCP) HeaderLen() int { return int(b[12]>>4) * 4 }

// Flags returns the flags byte.
func (b TCP) Flags() TCPFlags { return TCPFlags(b[13]) }

// Window returns the (unscaled) window field.
func (b TCP) Window() uint16 { return binary.BigEndian.Uint16(b[14:16]) }

// Checksum returns the checksum field.
func (b TCP) Checksum() uint16 { return binary.BigEndian.Uint16(b[16:18]) }

// Urgent returns the urgent pointer field.
func (b TCP) Urgent() uint16 { return binary.BigEndian.Uint16(b[18:20]) }

// headerLen returns HeaderLen clamped to [TCPHeaderLen, len(b)].
func (b TCP) headerLen() int { return min(max(b.HeaderLen(), TCPHeaderLen), len(b)) }

// Options returns the raw option bytes as a sub-slice of b.
func (b TCP) Options() []byte { return b[TCPHeaderLen:b.headerLen()] }

// Payload returns the bytes after the header as a sub-slice of b.
func (b TCP) Payload() []byte { return b[b.headerLen():] }

// setWord writes the 16-bit word at the even offset off (within the first
// 20 bytes) and updates the checksum incrementally (RFC 1624).
func (b TCP) setWord(off int, v uint16) {
	old := binary.BigEndian.Uint16(b[off : off+2])
	binary.BigEndian.PutUint16(b[off:off+2], v)
	binary.BigEndian.PutUint16(b[16:18], ChecksumUpdate16(b.Checksum(), old, v))
}

// setWord32 is setWord for the 32-bit word at the even offset off.
func (b TCP) setWord32(off int, v uint32) {
	old := binary.BigEndian.Uint32(b[off : off+4])
	binary.BigEndian.PutUint32(b[off:off+4], v)
	binary.BigEndian.PutUint16(b[16:18], ChecksumUpdate32(b.Checksum(), old, v))
}

// SetSrcPort sets the source port, updating the checksum incrementally
// (RFC 1624).
func (b TCP) SetSrcPort(p uint16) { b.setWord(0, p) }

// SetDstPort sets the destination port, updating the checksum.
func (b TCP) SetDstPort(p uint16) { b.setWord(2, p) }

// SetSeq sets the sequence number, updating the checksum.
func (b TCP) SetSeq(v uint32) { b.setWord32(4, v) }

// SetAck sets the acknowledgment number, updating the checksum.
func (b TCP) SetAck(v uint32) { b.setWord32(8, v) }

// SetFlags sets the flags byte, updating the checksum. The data offset
// and the reserved bits beside it are preserved.
func (b TCP) SetFlags(f TCPFlags) { b.setWord(12, uint16(b[12])<<8|uint16(f)) }

// SetWindow sets the (unscaled) window field, updating the checksum.
func (b TCP) SetWindow(w uint16) { b.setWord(14, w) }

// SetUrgent sets the urgent pointer field, updating the checksum.
func (b TCP) SetUrgent(u uint16) { b.setWord(18, u) }

// UpdatePseudoAddr updates the checksum for one address of the pseudo
// header changing from oldAddr to newAddr (see [ChecksumUpdateAddr]); the
// segment's bytes other than the checksum are unchanged. A NAT that
// rewrites an IPv4 source calls it with the old and new source beside
// [IPv4.SetSrc], and likewise for the destination.
func (b TCP) UpdatePseudoAddr(oldAddr, newAddr netip.Addr) {
	binary.BigEndian.PutUint16(b[16:18], ChecksumUpdateAddr(b.Checksum(), oldAddr, newAddr))
}

// ComputeChecksum recomputes the checksum from scratch over the pseudo
// header for src and dst and the whole view, and writes it to the
// checksum field.
func (b TCP) ComputeChecksum(src, dst netip.Addr) {
	binary.BigEndian.PutUint16(b[16:18], 0)
	binary.BigEndian.PutUint16(b[16:18], Checksum(b, PseudoHeaderSum(src, dst, ProtoTCP, len(b))))
}

// ParseTCP decodes the TCP segment b (the whole IP payload), checking
// structure (see [TCP.Check]) and options (ErrBadOption), but not the
// checksum; use [VerifyTCPChecksum] for that. The payload is a sub-slice of
// b. ParseTCP does not allocate.
func ParseTCP(b []byte) (TCPHeader, []byte, error) {
	v := TCP(b)
	if err := v.Check(); err != nil {
		return TCPHeader{}, nil, err
	}
	opts, err := parseTCPOptions(v.Options())
	if err != nil {
		return TCPHeader{}, nil, err
	}
	h := TCPHeader{
		SrcPort:    v.SrcPort(),
		DstPort:    v.DstPort(),
		Seq:        v.Seq(),
		Ack:        v.Ack(),
		DataOffset: v.HeaderLen(),
		Flags:      v.Flags(),
		Window:     v.Window(),
		Checksum:   v.Checksum(),
		Urgent:     v.Urgent(),
		Options:    opts,
	}
	return h, v.Payload(), nil
}

// VerifyTCPChecksum reports whether the TCP segment seg (the whole IP
// payload) sent from src to dst has a valid checksum. It returns false if
// seg is shorter than a TCP header.
func VerifyTCPChecksum(src, dst netip.Addr, seg []byte) bool {
	if len(seg) < TCPHeaderLen {
		return false
	}
	return Checksum(seg, PseudoHeaderSum(src, dst, ProtoTCP, len(seg))) == 0
}

// Len returns the encoded header length: 20 plus Options.Len().
func (h *TCPHeader) Len() int { return TCPHeaderLen + h.Options.Len() }

// AppendTo appends the encoded header, its options and payload to dst and
// returns the extended slice, computing the data offset and the checksum
// over the pseudo header for src and dstAddr; h.DataOffset and h.Checksum
// are ignored. Options are laid out as Linux does (MSS, SACK-permitted,
// timestamps, NOP, window scale; NOP,NOP,SACK blocks); if that exceeds 40
// bytes a compact layout is used, and if even that does not fit, trailing
// SACK blocks are dropped.
func (h *TCPHeader) AppendTo(dst []byte, src, dstAddr netip.Addr, payload []byte) []byte {
	start := len(dst)
	hl := h.Len()
	dst = slices.Grow(dst, hl+len(payload))
	dst, b := grow(dst, TCPHeaderLen)
	binary.BigEndian.PutUint16(b[0:2], h.SrcPort)
	binary.BigEndian.PutUint16(b[2:4], h.DstPort)
	binary.BigEndian.PutUint32(b[4:8], h.Seq)
	binary.BigEndian.PutUint32(b[8:12], h.Ack)
	b[12] = byte(hl/4) << 4
	b[13] = byte(h.Flags)
	binary.BigEndian.PutUint16(b[14:16], h.Window)
	b[16], b[17] = 0, 0
	binary.BigEndian.PutUint16(b[18:20], h.Urgent)
	dst = h.Options.appendTo(dst)
	dst = append(dst, payload...)
	seg := dst[start:]
	c := Checksum(seg, PseudoHeaderSum(src, dstAddr, ProtoTCP, len(seg)))
	binary.BigEndian.PutUint16(seg[16:18], c)
	return dst
}
