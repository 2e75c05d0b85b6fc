// Package pcapng writes packet captures in the pcapng format
// (draft-ietf-opsawg-pcapng) so that hops traces open in Wireshark and
// tshark.
//
// The writer is fully deterministic: it never consults the wall clock, the
// host name, the operating system or a random source, so the same sequence
// of calls always produces byte-identical output. Timestamps are the
// simulator's virtual time in nanoseconds (every interface is declared with
// if_tsresol = 9).
//
// All blocks are written in little-endian byte order within a single
// section whose length is left unspecified (-1).
package pcapng

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf8"
)

// LinkTypeRaw is LINKTYPE_RAW (101): packets begin with the IPv4 header.
const LinkTypeRaw = 101

// LinkTypeEthernet is LINKTYPE_ETHERNET (1): packets begin with an
// Ethernet II header.
const LinkTypeEthernet = 1

// MaxCaptureLen is the largest captured length WritePacket accepts:
// Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD. The format itself allows more,
// but Wireshark refuses larger packets, so the writer does too.
const MaxCaptureLen = 262144

// Direction is the packet direction recorded in an Enhanced Packet Block's
// epb_flags option.
type Direction uint8

// Packet directions, matching the two low bits of epb_flags.
const (
	// DirUnknown records no direction; no epb_flags option is written.
	DirUnknown Direction = 0
	// DirInbound marks a packet received by the interface.
	DirInbound Direction = 1
	// DirOutbound marks a packet sent by the interface.
	DirOutbound Direction = 2
)

// String returns "unknown", "inbound", "outbound" or "Direction(n)".
func (d Direction) String() string {
	switch d {
	case DirUnknown:
		return "unknown"
	case DirInbound:
		return "inbound"
	case DirOutbound:
		return "outbound"
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

// Block types.
const (
	blockSHB = 0x0A0D0D0A
	blockIDB = 0x00000001
	blockEPB = 0x00000006
)

// Option codes.
const (
	optEndOfOpt    = 0
	optComment     = 1
	optSHBUserAppl = 4
	optIFName      = 2
	optIFDesc      = 3
	optIFTsResol   = 9
	optEPBFlags    = 2
)

const (
	byteOrderMagic = 0x1A2B3C4D
	tsResolNanos   = 9 // if_tsresol: 10^-9 s

	// maxOptLen is the largest value an option's 16-bit length field holds.
	maxOptLen = math.MaxUint16

	// epbFixedLen is the EPB body before the packet data: block type,
	// block total length, interface id, timestamp (high, low), captured
	// length and original length.
	epbFixedLen = 28
	// scratchLen fits the EPB header (28 bytes) and, in turn, the option
	// bytes before the comment text (epb_flags 8 + comment header 4) and
	// after it (comment padding 3 + opt_endofopt 4 + total length 4).
	scratchLen = 32
)

// Writer writes a pcapng stream with one section. It is buffered: call
// Flush when done. A Writer is not safe for concurrent use.
//
// Once a write to the underlying io.Writer fails, every later call returns
// that error.
type Writer struct {
	bw       *bufio.Writer
	ifaces   []ifaceInfo
	scratch  [scratchLen]byte
	zeros    [4]byte
	stickErr error
}

type ifaceInfo struct {
	snapLen uint32
}

// NewWriter writes the Section Header Block (little-endian, version 1.0,
// section length -1) with a shb_userappl option naming the application
// (e.g. "hops"; omitted when appName is empty) to w and returns the writer.
// Output is buffered: call Flush when done.
func NewWriter(w io.Writer, appName string) (*Writer, error) {
	if err := checkOptString("application name", appName); err != nil {
		return nil, err
	}
	pw := &Writer{bw: bufio.NewWriterSize(w, 64<<10)}

	// Fixed part: type, length, BOM, major, minor, section length.
	bodyLen := 4 + 4 + 4 + 2 + 2 + 8
	optLen := 0
	if appName != "" {
		optLen = optSize(len(appName)) + 4 // + opt_endofopt
	}
	total := bodyLen + optLen + 4

	b := make([]byte, 0, total)
	b = binary.LittleEndian.AppendUint32(b, blockSHB)
	b = binary.LittleEndian.AppendUint32(b, uint32(total))
	b = binary.LittleEndian.AppendUint32(b, byteOrderMagic)
	b = binary.LittleEndian.AppendUint16(b, 1) // major version
	b = binary.LittleEndian.AppendUint16(b, 0) // minor version
	b = binary.LittleEndian.AppendUint64(b, math.MaxUint64)
	if appName != "" {
		b = appendStringOpt(b, optSHBUserAppl, appName)
		b = appendEndOfOpt(b)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(total))
	if len(b) != total {
		panic("pcapng: SHB length mismatch")
	}
	if _, err := pw.bw.Write(b); err != nil {
		return nil, err
	}
	return pw, nil
}

// AddInterface writes an Interface Description Block with if_name = name
// (e.g. "home-router:eth1"), if_description = description (omitted when
// empty), if_tsresol = 9 (nanoseconds) and the given link type and snap
// length (0 means unlimited). It returns the new interface's id; ids are
// assigned 0, 1, 2, ... in call order.
func (w *Writer) AddInterface(name, description string, linkType uint16, snapLen uint32) (int, error) {
	if w.stickErr != nil {
		return 0, w.stickErr
	}
	if name == "" {
		return 0, errors.New("pcapng: interface name must not be empty")
	}
	if err := checkOptString("interface name", name); err != nil {
		return 0, err
	}
	if err := checkOptString("interface description", description); err != nil {
		return 0, err
	}
	if uint64(len(w.ifaces)) >= math.MaxUint32 {
		return 0, errors.New("pcapng: too many interfaces")
	}

	optLen := optSize(len(name)) + optSize(1) + 4
	if description != "" {
		optLen += optSize(len(description))
	}
	total := 4 + 4 + 2 + 2 + 4 + optLen + 4

	b := make([]byte, 0, total)
	b = binary.LittleEndian.AppendUint32(b, blockIDB)
	b = binary.LittleEndian.AppendUint32(b, uint32(total))
	b = binary.LittleEndian.AppendUint16(b, linkType)
	b = binary.LittleEndian.AppendUint16(b, 0) // reserved
	b = binary.LittleEndian.AppendUint32(b, snapLen)
	b = appendStringOpt(b, optIFName, name)
	if description != "" {
		b = appendStringOpt(b, optIFDesc, description)
	}
	b = appendOptHeader(b, optIFTsResol, 1)
	b = append(b, tsResolNanos, 0, 0, 0)
	b = appendEndOfOpt(b)
	b = binary.LittleEndian.AppendUint32(b, uint32(total))
	if len(b) != total {
		panic("pcapng: IDB length mismatch")
	}
	if _, err := w.bw.Write(b); err != nil {
		w.stickErr = err
		return 0, err
	}
	w.ifaces = append(w.ifaces, ifaceInfo{snapLen: snapLen})
	return len(w.ifaces) - 1, nil
}

// WritePacket writes an Enhanced Packet Block for interface iface (an id
// returned by AddInterface). tsNanos is virtual time in nanoseconds since
// the start of the simulation and must not be negative. data holds the
// captured bytes (at most the interface's snap length, if non-zero, and at
// most MaxCaptureLen) and origLen the packet's original length, which must
// be >= len(data). When dir is not DirUnknown an epb_flags option records
// the direction; a non-empty comment (valid UTF-8) is written as an
// opt_comment option. Packets without options carry no options field.
//
// WritePacket does not allocate.
func (w *Writer) WritePacket(iface int, tsNanos int64, data []byte, origLen int, dir Direction, comment string) error {
	if w.stickErr != nil {
		return w.stickErr
	}
	if iface < 0 || iface >= len(w.ifaces) {
		return fmt.Errorf("pcapng: unknown interface id %d (have %d)", iface, len(w.ifaces))
	}
	if tsNanos < 0 {
		return fmt.Errorf("pcapng: negative timestamp %d", tsNanos)
	}
	if origLen < len(data) || uint64(origLen) > math.MaxUint32 {
		return fmt.Errorf("pcapng: original length %d invalid for %d captured bytes", origLen, len(data))
	}
	if len(data) > MaxCaptureLen {
		return fmt.Errorf("pcapng: %d captured bytes exceed limit %d", len(data), MaxCaptureLen)
	}
	if snap := w.ifaces[iface].snapLen; snap != 0 && uint64(len(data)) > uint64(snap) {
		return fmt.Errorf("pcapng: %d captured bytes exceed interface %d snap length %d", len(data), iface, snap)
	}
	if dir > DirOutbound {
		return fmt.Errorf("pcapng: invalid direction %d", uint8(dir))
	}
	if len(comment) > maxOptLen {
		return fmt.Errorf("pcapng: comment is %d bytes, limit %d", len(comment), maxOptLen)
	}
	if !utf8.ValidString(comment) {
		return errors.New("pcapng: comment is not valid UTF-8")
	}

	dataPad := pad4(len(data))
	optLen := 0
	if dir != DirUnknown {
		optLen += optSize(4)
	}
	if comment != "" {
		optLen += optSize(len(comment))
	}
	if optLen != 0 {
		optLen += 4 // opt_endofopt
	}
	total := epbFixedLen + len(data) + dataPad + optLen + 4

	// Header.
	le := binary.LittleEndian
	h := w.scratch[:epbFixedLen]
	le.PutUint32(h[0:], blockEPB)
	le.PutUint32(h[4:], uint32(total))
	le.PutUint32(h[8:], uint32(iface))
	le.PutUint32(h[12:], uint32(uint64(tsNanos)>>32))
	le.PutUint32(h[16:], uint32(tsNanos))
	le.PutUint32(h[20:], uint32(len(data)))
	le.PutUint32(h[24:], uint32(origLen))
	w.write(h)
	w.write(data)
	w.write(w.zeros[:dataPad])

	// Options before the comment text, then the comment, then the rest.
	o := w.scratch[:0]
	if dir != DirUnknown {
		o = appendOptHeader(o, optEPBFlags, 4)
		o = le.AppendUint32(o, uint32(dir))
	}
	if comment != "" {
		o = appendOptHeader(o, optComment, len(comment))
		w.write(o)
		w.writeString(comment)
		o = w.scratch[:0]
		o = append(o, w.zeros[:pad4(len(comment))]...)
	}
	if optLen != 0 {
		o = appendEndOfOpt(o)
	}
	o = le.AppendUint32(o, uint32(total))
	w.write(o)
	return w.stickErr
}

// Flush writes any buffered data to the underlying io.Writer.
func (w *Writer) Flush() error {
	if w.stickErr != nil {
		return w.stickErr
	}
	if err := w.bw.Flush(); err != nil {
		w.stickErr = err
	}
	return w.stickErr
}

func (w *Writer) write(b []byte) {
	if w.stickErr != nil || len(b) == 0 {
		return
	}
	if _, err := w.bw.Write(b); err != nil {
		w.stickErr = err
	}
}

func (w *Writer) writeString(s string) {
	if w.stickErr != nil {
		return
	}
	if _, err := w.bw.WriteString(s); err != nil {
		w.stickErr = err
	}
}

// pad4 returns the number of zero bytes that pad n up to a multiple of 4.
func pad4(n int) int { return (4 - n&3) & 3 }

// optSize is the encoded size of an option with an n-byte value.
func optSize(n int) int { return 4 + n + pad4(n) }

func appendOptHeader(b []byte, code uint16, n int) []byte {
	b = binary.LittleEndian.AppendUint16(b, code)
	return binary.LittleEndian.AppendUint16(b, uint16(n))
}

func appendStringOpt(b []byte, code uint16, s string) []byte {
	b = appendOptHeader(b, code, len(s))
	b = append(b, s...)
	for range pad4(len(s)) {
		b = append(b, 0)
	}
	return b
}

func appendEndOfOpt(b []byte) []byte {
	return appendOptHeader(b, optEndOfOpt, 0)
}

func checkOptString(what, s string) error {
	if len(s) > maxOptLen {
		return fmt.Errorf("pcapng: %s is %d bytes, limit %d", what, len(s), maxOptLen)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("pcapng: %s is not valid UTF-8", what)
	}
	return nil
}
