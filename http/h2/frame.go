package h2

import "encoding/binary"

// FrameType is a frame's type (RFC 9113 section 6).
type FrameType uint8

// The frame types of RFC 9113 section 6.
const (
	FrameData         FrameType = 0x0
	FrameHeaders      FrameType = 0x1
	FramePriority     FrameType = 0x2
	FrameRSTStream    FrameType = 0x3
	FrameSettings     FrameType = 0x4
	FramePushPromise  FrameType = 0x5
	FramePing         FrameType = 0x6
	FrameGoAway       FrameType = 0x7
	FrameWindowUpdate FrameType = 0x8
	FrameContinuation FrameType = 0x9
	// FramePriorityUpdate is RFC 9218's PRIORITY_UPDATE (section 7.1): on
	// stream 0, a client's new priority for PrioritizedID, its Data the
	// Priority field value.
	FramePriorityUpdate FrameType = 0x10
)

var frameNames = [...]string{"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS",
	"PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"}

func (t FrameType) String() string {
	if t == FramePriorityUpdate {
		return "PRIORITY_UPDATE"
	}
	if int(t) < len(frameNames) {
		return frameNames[t]
	}
	return "UNKNOWN"
}

// Flags are a frame's flags; their meaning depends on the type.
type Flags uint8

// Frame flags (RFC 9113 section 6).
const (
	FlagEndStream  Flags = 0x1  // DATA, HEADERS
	FlagAck        Flags = 0x1  // SETTINGS, PING
	FlagEndHeaders Flags = 0x4  // HEADERS, PUSH_PROMISE, CONTINUATION
	FlagPadded     Flags = 0x8  // DATA, HEADERS, PUSH_PROMISE
	FlagPriority   Flags = 0x20 // HEADERS
)

// Has reports whether all of g are set.
func (f Flags) Has(g Flags) bool { return f&g == g }

// FrameHeaderLen is the size of a frame header.
const FrameHeaderLen = 9

// Frame-size bounds (RFC 9113 section 4.2, 6.5.2).
const (
	DefaultMaxFrameSize = 1 << 14
	MaxFrameSizeLimit   = 1<<24 - 1
	MaxWindow           = 1<<31 - 1
	DefaultWindow       = 65535
)

// Preface is the client connection preface (RFC 9113 section 3.4).
const Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// Priority is the stream-dependency part of HEADERS and PRIORITY frames
// (deprecated by RFC 9113 section 5.3.2 but still on the wire).
type Priority struct {
	StreamDep uint32 // 31 bits
	Exclusive bool
	Weight    uint8 // weight-1, as on the wire
}

// SettingID identifies a setting (RFC 9113 section 6.5.2).
type SettingID uint16

// The settings of RFC 9113 section 6.5.2.
const (
	SettingHeaderTableSize      SettingID = 0x1
	SettingEnablePush           SettingID = 0x2
	SettingMaxConcurrentStreams SettingID = 0x3
	SettingInitialWindowSize    SettingID = 0x4
	SettingMaxFrameSize         SettingID = 0x5
	SettingMaxHeaderListSize    SettingID = 0x6
	// SettingNoRFC7540Priorities (RFC 9218 section 2.1), 1: the sender
	// ignores RFC 7540's priority signals (it uses RFC 9218's).
	SettingNoRFC7540Priorities SettingID = 0x9
)

// Setting is one parameter of a SETTINGS frame.
type Setting struct {
	ID  SettingID
	Val uint32
}

// Frame is any frame, parsed or to be appended. Only the fields of its
// Type are meaningful. Parsed frames alias the input: Data (and the
// settings, read with [Frame.Setting]) are slices of the bytes parsed.
type Frame struct {
	Type     FrameType
	Flags    Flags
	StreamID uint32
	// Length is the payload length as on the wire (set by ParseFrame;
	// AppendFrame computes it).
	Length uint32
	// Data is DATA's payload, HEADERS', PUSH_PROMISE's and
	// CONTINUATION's header block fragment, PING's 8 bytes, GOAWAY's debug
	// data, SETTINGS' raw parameters and an unknown frame's payload. For
	// padded frames it excludes the padding.
	Data     []byte
	PadLen   uint8    // padding length when FlagPadded is set
	Priority Priority // HEADERS with FlagPriority, PRIORITY
	ErrCode  ErrCode  // RST_STREAM, GOAWAY
	// LastStreamID is GOAWAY's last stream; PromisedID is PUSH_PROMISE's
	// promised stream; Increment is WINDOW_UPDATE's; PrioritizedID is
	// PRIORITY_UPDATE's prioritized stream.
	LastStreamID, PromisedID, Increment, PrioritizedID uint32
}

// NumSettings returns how many settings a SETTINGS frame carries.
func (f *Frame) NumSettings() int { return len(f.Data) / 6 }

// Setting returns the i'th setting of a SETTINGS frame.
func (f *Frame) Setting(i int) Setting {
	b := f.Data[6*i:]
	return Setting{SettingID(binary.BigEndian.Uint16(b)), binary.BigEndian.Uint32(b[2:])}
}

// AppendSettings appends settings to f.Data in wire form.
func AppendSettings(dst []byte, s ...Setting) []byte {
	for _, x := range s {
		dst = binary.BigEndian.AppendUint16(dst, uint16(x.ID))
		dst = binary.BigEndian.AppendUint32(dst, x.Val)
	}
	return dst
}

// ParseFrameHeader reads a frame header from b, which holds at least
// FrameHeaderLen bytes.
func ParseFrameHeader(b []byte) (length uint32, t FrameType, fl Flags, id uint32) {
	length = uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
	return length, FrameType(b[3]), Flags(b[4]), binary.BigEndian.Uint32(b[5:]) & (1<<31 - 1)
}

// ParseFrame parses one frame from the front of b, whose payload may be
// at most maxSize bytes (the receiver's SETTINGS_MAX_FRAME_SIZE). It
// returns the frame and its size on the wire; n == 0 with a nil error
// means b holds no complete frame yet. A malformed frame is a
// *ConnError or a *StreamError (then n is the frame's size, so a caller
// can skip it). The frame aliases b.
func ParseFrame(b []byte, maxSize uint32) (f Frame, n int, err error) {
	if len(b) < FrameHeaderLen {
		return f, 0, nil
	}
	f.Length, f.Type, f.Flags, f.StreamID = ParseFrameHeader(b)
	if f.Length > maxSize {
		return f, 0, connErr(FrameSizeError, "frame larger than SETTINGS_MAX_FRAME_SIZE")
	}
	n = FrameHeaderLen + int(f.Length)
	if len(b) < n {
		return f, 0, nil
	}
	p := b[FrameHeaderLen:n]
	switch f.Type {
	case FrameData, FrameHeaders, FramePushPromise, FrameContinuation:
		if f.StreamID == 0 {
			return f, n, connErr(ProtocolError, f.Type.String()+" on stream 0")
		}
		if f.Type != FrameContinuation && f.Flags.Has(FlagPadded) {
			if len(p) < 1 {
				return f, n, connErr(FrameSizeError, "padded frame without a pad length")
			}
			f.PadLen = p[0]
			p = p[1:]
			if int(f.PadLen) > len(p) {
				return f, n, connErr(ProtocolError, "padding longer than the payload")
			}
			p = p[:len(p)-int(f.PadLen)]
		}
		if f.Type == FrameHeaders && f.Flags.Has(FlagPriority) {
			if len(p) < 5 {
				return f, n, connErr(FrameSizeError, "HEADERS too short for its priority")
			}
			f.Priority = parsePriority(p)
			p = p[5:]
		}
		if f.Type == FramePushPromise {
			if len(p) < 4 {
				return f, n, connErr(FrameSizeError, "PUSH_PROMISE too short")
			}
			f.PromisedID = binary.BigEndian.Uint32(p) & (1<<31 - 1)
			p = p[4:]
		}
		if f.Type == FrameHeaders && f.Flags.Has(FlagPriority) && f.Priority.StreamDep == f.StreamID {
			f.Data = p
			return f, n, streamErr(f.StreamID, ProtocolError, "stream depends on itself")
		}
	case FramePriority:
		if f.StreamID == 0 {
			return f, n, connErr(ProtocolError, "PRIORITY on stream 0")
		}
		if len(p) != 5 {
			return f, n, streamErr(f.StreamID, FrameSizeError, "PRIORITY not 5 bytes")
		}
		f.Priority = parsePriority(p)
		if f.Priority.StreamDep == f.StreamID {
			return f, n, streamErr(f.StreamID, ProtocolError, "stream depends on itself")
		}
		p = nil
	case FrameRSTStream:
		if f.StreamID == 0 {
			return f, n, connErr(ProtocolError, "RST_STREAM on stream 0")
		}
		if len(p) != 4 {
			return f, n, connErr(FrameSizeError, "RST_STREAM not 4 bytes")
		}
		f.ErrCode = ErrCode(binary.BigEndian.Uint32(p))
		p = nil
	case FrameSettings:
		if f.StreamID != 0 {
			return f, n, connErr(ProtocolError, "SETTINGS on a stream")
		}
		if f.Flags.Has(FlagAck) && len(p) != 0 {
			return f, n, connErr(FrameSizeError, "SETTINGS ACK with a payload")
		}
		if len(p)%6 != 0 {
			return f, n, connErr(FrameSizeError, "SETTINGS not a multiple of 6 bytes")
		}
		f.Data = p
		for i := 0; i < f.NumSettings(); i++ {
			if err := f.Setting(i).Valid(); err != nil {
				return f, n, err
			}
		}
		return f, n, nil
	case FramePing:
		if f.StreamID != 0 {
			return f, n, connErr(ProtocolError, "PING on a stream")
		}
		if len(p) != 8 {
			return f, n, connErr(FrameSizeError, "PING not 8 bytes")
		}
	case FrameGoAway:
		if f.StreamID != 0 {
			return f, n, connErr(ProtocolError, "GOAWAY on a stream")
		}
		if len(p) < 8 {
			return f, n, connErr(FrameSizeError, "GOAWAY shorter than 8 bytes")
		}
		f.LastStreamID = binary.BigEndian.Uint32(p) & (1<<31 - 1)
		f.ErrCode = ErrCode(binary.BigEndian.Uint32(p[4:]))
		p = p[8:]
	case FramePriorityUpdate:
		// RFC 9218 section 7.1: on stream 0 only, naming a stream.
		if f.StreamID != 0 {
			return f, n, connErr(ProtocolError, "PRIORITY_UPDATE on a stream")
		}
		if len(p) < 4 {
			return f, n, connErr(FrameSizeError, "PRIORITY_UPDATE shorter than 4 bytes")
		}
		f.PrioritizedID = binary.BigEndian.Uint32(p) & (1<<31 - 1)
		p = p[4:]
		if f.PrioritizedID == 0 {
			return f, n, connErr(ProtocolError, "PRIORITY_UPDATE for stream 0")
		}
	case FrameWindowUpdate:
		if len(p) != 4 {
			return f, n, connErr(FrameSizeError, "WINDOW_UPDATE not 4 bytes")
		}
		f.Increment = binary.BigEndian.Uint32(p) & (1<<31 - 1)
		p = nil
		if f.Increment == 0 {
			if f.StreamID == 0 {
				return f, n, connErr(ProtocolError, "WINDOW_UPDATE of 0")
			}
			return f, n, streamErr(f.StreamID, ProtocolError, "WINDOW_UPDATE of 0")
		}
	}
	f.Data = p
	return f, n, nil
}

func parsePriority(p []byte) Priority {
	v := binary.BigEndian.Uint32(p)
	return Priority{StreamDep: v & (1<<31 - 1), Exclusive: v>>31 == 1, Weight: p[4]}
}

// Valid checks a setting's value (RFC 9113 section 6.5.2).
func (s Setting) Valid() error {
	switch s.ID {
	case SettingEnablePush:
		if s.Val > 1 {
			return connErr(ProtocolError, "SETTINGS_ENABLE_PUSH not 0 or 1")
		}
	case SettingInitialWindowSize:
		if s.Val > MaxWindow {
			return connErr(FlowControlError, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1")
		}
	case SettingMaxFrameSize:
		if s.Val < DefaultMaxFrameSize || s.Val > MaxFrameSizeLimit {
			return connErr(ProtocolError, "SETTINGS_MAX_FRAME_SIZE out of range")
		}
	case SettingNoRFC7540Priorities:
		if s.Val > 1 { // RFC 9218 section 2.1
			return connErr(ProtocolError, "SETTINGS_NO_RFC7540_PRIORITIES not 0 or 1")
		}
	}
	return nil
}

// AppendFrame appends f in wire form to dst: the inverse of ParseFrame.
// Length is computed from the fields; padding (FlagPadded, PadLen) is
// zeros.
func AppendFrame(dst []byte, f *Frame) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, byte(f.Type), byte(f.Flags))
	dst = binary.BigEndian.AppendUint32(dst, f.StreamID&(1<<31-1))
	padded := f.Flags.Has(FlagPadded) && (f.Type == FrameData || f.Type == FrameHeaders || f.Type == FramePushPromise)
	if padded {
		dst = append(dst, f.PadLen)
	}
	switch f.Type {
	case FrameHeaders:
		if f.Flags.Has(FlagPriority) {
			dst = appendPriority(dst, f.Priority)
		}
	case FramePriority:
		dst = appendPriority(dst, f.Priority)
	case FrameRSTStream:
		dst = binary.BigEndian.AppendUint32(dst, uint32(f.ErrCode))
	case FramePushPromise:
		dst = binary.BigEndian.AppendUint32(dst, f.PromisedID&(1<<31-1))
	case FrameGoAway:
		dst = binary.BigEndian.AppendUint32(dst, f.LastStreamID&(1<<31-1))
		dst = binary.BigEndian.AppendUint32(dst, uint32(f.ErrCode))
	case FrameWindowUpdate:
		dst = binary.BigEndian.AppendUint32(dst, f.Increment&(1<<31-1))
	case FramePriorityUpdate:
		dst = binary.BigEndian.AppendUint32(dst, f.PrioritizedID&(1<<31-1))
	}
	switch f.Type {
	case FramePriority, FrameRSTStream, FrameWindowUpdate:
	default:
		dst = append(dst, f.Data...)
	}
	if padded {
		for i := 0; i < int(f.PadLen); i++ {
			dst = append(dst, 0)
		}
	}
	n := len(dst) - start - FrameHeaderLen
	dst[start], dst[start+1], dst[start+2] = byte(n>>16), byte(n>>8), byte(n)
	return dst
}

func appendPriority(dst []byte, p Priority) []byte {
	v := p.StreamDep & (1<<31 - 1)
	if p.Exclusive {
		v |= 1 << 31
	}
	return append(binary.BigEndian.AppendUint32(dst, v), p.Weight)
}
