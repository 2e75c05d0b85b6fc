// Package dhcp is DHCPv4 (RFC 2131, options from RFC 2132): a message
// codec with symmetric [ParseMessage] and [Message.AppendTo], and
// sans-I/O server and client engines. The engines take datagrams and the
// current time as inputs, queue datagrams with their destination as
// outputs, and report the next deadline; they never read a clock or
// start a goroutine, and the client draws its transaction IDs and
// retransmission jitter from a *sim.Rand it is given.
package dhcp

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// UDP ports (RFC 2131 section 4.1).
const (
	ServerPort = 67
	ClientPort = 68
)

// Op codes of the BOOTP header.
const (
	BootRequest = 1
	BootReply   = 2
)

// MessageType is the value of option 53 (RFC 2132 section 9.6).
type MessageType uint8

// Message types.
const (
	Discover MessageType = 1 + iota
	Offer
	Request
	Decline
	Ack
	Nak
	Release
	Inform
)

var typeNames = [...]string{"", "DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST", "DHCPDECLINE",
	"DHCPACK", "DHCPNAK", "DHCPRELEASE", "DHCPINFORM"}

func (t MessageType) String() string {
	if int(t) < len(typeNames) && t != 0 {
		return typeNames[t]
	}
	return "DHCP(" + itoa(int(t)) + ")"
}

// Option codes (RFC 2132) the codec decodes into Message fields.
const (
	OptPad         = 0
	OptSubnetMask  = 1
	OptRouter      = 3
	OptDNS         = 6
	OptHostname    = 12
	OptRequestedIP = 50
	OptLeaseTime   = 51
	OptMessageType = 53
	OptServerID    = 54
	OptParamList   = 55
	OptMessage     = 56
	OptRenewalT1   = 58
	OptRebindingT2 = 59
	OptClientID    = 61
	OptEnd         = 255
)

const (
	headerLen   = 236        // BOOTP fixed header, up to file
	magicCookie = 0x63825363 // RFC 2131 section 3
	minLen      = 300        // BOOTP minimum (RFC 1542 section 2.1); padded to it
	flagBcast   = 0x8000     // the BROADCAST bit of flags (RFC 2131 figure 2)
)

// Errors returned by ParseMessage.
var (
	ErrTruncated = errors.New("dhcp: truncated message")
	ErrCookie    = errors.New("dhcp: bad magic cookie")
	ErrBadOption = errors.New("dhcp: malformed option")
	ErrHLen      = errors.New("dhcp: hardware address longer than 16 bytes")
)

// Option is an option the codec does not decode: its code and data.
type Option struct {
	Code uint8
	Data []byte
}

// Message is a decoded DHCP message. The zero netip.Addr means "absent"
// for optional address options; header addresses decode to 0.0.0.0
// when zero and encode the zero Addr as 0.0.0.0. Durations are in
// seconds as on the wire; 0 means absent (0xffffffff is "infinity").
type Message struct {
	Op, HType, HLen, Hops uint8
	XID                   uint32
	Secs                  uint16
	Broadcast             bool // flags' BROADCAST bit; other flag bits must be zero
	CIAddr, YIAddr        netip.Addr
	SIAddr, GIAddr        netip.Addr
	CHAddr                [16]byte // the first HLen bytes are the hardware address
	SName, File           string   // up to the first NUL

	Type        MessageType  // option 53
	SubnetMask  netip.Addr   // option 1
	Router      []netip.Addr // option 3
	DNS         []netip.Addr // option 6
	Hostname    string       // option 12
	RequestedIP netip.Addr   // option 50
	LeaseSecs   uint32       // option 51
	ServerID    netip.Addr   // option 54
	ParamList   []byte       // option 55
	Text        string       // option 56, an error message (in a NAK)
	T1Secs      uint32       // option 58
	T2Secs      uint32       // option 59
	ClientID    []byte       // option 61
	Other       []Option     // any other option, in order, each at most 255 bytes
}

// HWAddr returns the client hardware address: CHAddr[:HLen].
func (m *Message) HWAddr() []byte { return m.CHAddr[:min(int(m.HLen), 16)] }

// ParseMessage decodes a DHCP message (a UDP payload). Options that
// appear more than once are concatenated (RFC 3396); an option 52
// (overload) is kept in Other and sname and file are read as strings.
func ParseMessage(b []byte) (Message, error) {
	var m Message
	if len(b) < headerLen+4 {
		return m, ErrTruncated
	}
	m.Op, m.HType, m.HLen, m.Hops = b[0], b[1], b[2], b[3]
	if m.HLen > 16 {
		return m, ErrHLen
	}
	m.XID = binary.BigEndian.Uint32(b[4:8])
	m.Secs = binary.BigEndian.Uint16(b[8:10])
	flags := binary.BigEndian.Uint16(b[10:12])
	m.Broadcast = flags&flagBcast != 0
	if flags&^flagBcast != 0 {
		return m, ErrBadOption // "MUST be zero" (RFC 2131 figure 2); kept strict for symmetry
	}
	m.CIAddr, m.YIAddr = addr4(b[12:16]), addr4(b[16:20])
	m.SIAddr, m.GIAddr = addr4(b[20:24]), addr4(b[24:28])
	copy(m.CHAddr[:], b[28:44])
	m.SName, m.File = cstring(b[44:108]), cstring(b[108:236])
	if binary.BigEndian.Uint32(b[236:240]) != magicCookie {
		return m, ErrCookie
	}
	opts, err := collect(b[240:])
	if err != nil {
		return m, err
	}
	for _, o := range opts {
		if err := m.setOption(o); err != nil {
			return m, err
		}
	}
	return m, nil
}

// collect splits the options area into options, concatenating repeated
// codes (RFC 3396) and keeping first-appearance order.
func collect(b []byte) ([]Option, error) {
	var opts []Option
	for i := 0; ; {
		if i >= len(b) {
			return nil, ErrTruncated // no end option
		}
		code := b[i]
		switch code {
		case OptPad:
			i++
			continue
		case OptEnd:
			return opts, nil
		}
		if i+2 > len(b) || i+2+int(b[i+1]) > len(b) {
			return nil, ErrTruncated
		}
		data := b[i+2 : i+2+int(b[i+1])]
		i += 2 + len(data)
		if j := indexOpt(opts, code); j >= 0 && decoded(code) {
			opts[j].Data = append(opts[j].Data, data...)
		} else {
			opts = append(opts, Option{code, append([]byte(nil), data...)})
		}
	}
}

func indexOpt(opts []Option, code uint8) int {
	for j := range opts {
		if opts[j].Code == code {
			return j
		}
	}
	return -1
}

// decoded reports whether code has a Message field.
func decoded(code uint8) bool {
	switch code {
	case OptSubnetMask, OptRouter, OptDNS, OptHostname, OptRequestedIP, OptLeaseTime,
		OptMessageType, OptServerID, OptParamList, OptMessage, OptRenewalT1, OptRebindingT2, OptClientID:
		return true
	}
	return false
}

func (m *Message) setOption(o Option) error {
	d := o.Data
	var err error
	switch o.Code {
	case OptMessageType:
		if len(d) != 1 || d[0] == 0 {
			return ErrBadOption
		}
		m.Type = MessageType(d[0])
	case OptSubnetMask:
		m.SubnetMask, err = oneAddr(d)
	case OptRequestedIP:
		m.RequestedIP, err = oneAddr(d)
	case OptServerID:
		m.ServerID, err = oneAddr(d)
	case OptRouter:
		m.Router, err = addrList(d)
	case OptDNS:
		m.DNS, err = addrList(d)
	case OptLeaseTime:
		m.LeaseSecs, err = secs(d)
	case OptRenewalT1:
		m.T1Secs, err = secs(d)
	case OptRebindingT2:
		m.T2Secs, err = secs(d)
	case OptHostname:
		m.Hostname, err = text(d)
	case OptMessage:
		m.Text, err = text(d)
	case OptParamList:
		m.ParamList, err = nonEmpty(d)
	case OptClientID:
		m.ClientID, err = nonEmpty(d)
	default:
		m.Other = append(m.Other, o)
	}
	return err
}

func oneAddr(d []byte) (netip.Addr, error) {
	if len(d) != 4 || [4]byte(d) == [4]byte{} {
		return netip.Addr{}, ErrBadOption // 0.0.0.0 would read back as "absent"
	}
	return addr4(d), nil
}

func addrList(d []byte) ([]netip.Addr, error) {
	if len(d) == 0 || len(d)%4 != 0 {
		return nil, ErrBadOption
	}
	as := make([]netip.Addr, 0, len(d)/4)
	for i := 0; i < len(d); i += 4 {
		as = append(as, addr4(d[i:i+4]))
	}
	return as, nil
}

func secs(d []byte) (uint32, error) {
	if len(d) != 4 || binary.BigEndian.Uint32(d) == 0 {
		return 0, ErrBadOption // a zero lease would read back as "absent"
	}
	return binary.BigEndian.Uint32(d), nil
}

func text(d []byte) (string, error) {
	if len(d) == 0 {
		return "", ErrBadOption // RFC 2132: minimum length 1
	}
	return string(d), nil
}

func nonEmpty(d []byte) ([]byte, error) {
	if len(d) == 0 {
		return nil, ErrBadOption
	}
	return d, nil
}

func addr4(b []byte) netip.Addr { return netip.AddrFrom4([4]byte(b[:4])) }

func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func itoa(v int) string {
	if v == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := v < 0
	if neg {
		v = -v
	}
	for ; v > 0; v /= 10 {
		i--
		b[i] = byte('0' + v%10)
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
