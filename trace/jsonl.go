package trace

import (
	"bufio"
	"io"
	"net/netip"
	"strconv"
	"unicode/utf8"

	"github.com/hopsnet/hops/wire"
)

// JSONL writes every event it observes as one JSON object per line:
//
//	{"t_ns":21000000,"kind":"forward","packet":7,"node":"isp-a-edge","iface":"eth1","link":"isp-a-edge--isp-a-core","len":84,"summary":"ICMP 192.168.1.100 > 203.0.113.10 echo request id 4660 seq 1 ttl 62"}
//
// Fields that do not apply are left out. Call Flush at the end.
type JSONL struct {
	w   *bufio.Writer
	buf []byte
	err error
}

// NewJSONL returns an observer that writes the event log to w.
func NewJSONL(w io.Writer) *JSONL { return &JSONL{w: bufio.NewWriter(w)} }

// Observe writes one event.
func (j *JSONL) Observe(e *Event) {
	if j.err != nil {
		return
	}
	b := j.buf[:0]
	b = append(b, `{"t_ns":`...)
	b = strconv.AppendInt(b, int64(e.At), 10)
	b = append(b, `,"kind":"`...)
	b = append(b, e.Kind.String()...)
	b = append(b, '"')
	if e.Packet != 0 {
		b = append(b, `,"packet":`...)
		b = strconv.AppendUint(b, e.Packet, 10)
	}
	if e.Parent != 0 {
		b = append(b, `,"parent":`...)
		b = strconv.AppendUint(b, e.Parent, 10)
	}
	b = appendField(b, "node", e.Node)
	b = appendField(b, "iface", e.Iface)
	b = appendField(b, "link", e.Link)
	b = appendField(b, "reason", e.Reason)
	if e.Data != nil {
		b = append(b, `,"len":`...)
		b = strconv.AppendInt(b, int64(len(e.Data)), 10)
		b = appendField(b, "summary", Summary(e.Data))
	} else if e.Frame != nil {
		b = append(b, `,"len":`...)
		b = strconv.AppendInt(b, int64(len(e.Frame)), 10)
		b = appendField(b, "summary", FrameSummary(e.Frame))
	}
	b = append(b, "}\n"...)
	j.buf = b
	_, j.err = j.w.Write(b)
}

// Flush writes out buffered events and returns the first error met.
func (j *JSONL) Flush() error {
	if err := j.w.Flush(); j.err == nil {
		j.err = err
	}
	return j.err
}

func appendField(b []byte, key, val string) []byte {
	if val == "" {
		return b
	}
	b = append(b, `,"`...)
	b = append(b, key...)
	b = append(b, `":`...)
	return appendJSONString(b, val)
}

// appendJSONString appends s as a JSON string (RFC 8259): quotes,
// backslashes and control characters escaped, invalid UTF-8 replaced.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\t':
			b = append(b, '\\', 't')
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&15])
		default:
			b = utf8.AppendRune(b, r) // an invalid byte arrives as U+FFFD
		}
	}
	return append(b, '"')
}

// FrameSummary describes an Ethernet frame that carries no IPv4
// datagram in one line, like tcpdump: "ARP who-has 192.168.1.1 tell
// 192.168.1.23", "ARP 192.168.1.1 is-at 02:…", "ARP announce …".
func FrameSummary(b []byte) string {
	h, payload, err := wire.ParseEthernet(b)
	if err != nil {
		return "malformed Ethernet frame"
	}
	switch h.EtherType {
	case wire.EtherTypeIPv4:
		return Summary(payload)
	case wire.EtherTypeARP:
		a, err := wire.ParseARP(payload)
		if err != nil {
			return "malformed ARP"
		}
		switch {
		case a.Op == wire.ARPRequest && a.IsGratuitous():
			return "ARP announce " + a.SenderIP.String() + " is-at " + a.SenderMAC.String()
		case a.Op == wire.ARPRequest:
			return "ARP who-has " + a.TargetIP.String() + " tell " + a.SenderIP.String()
		case a.Op == wire.ARPReply:
			return "ARP " + a.SenderIP.String() + " is-at " + a.SenderMAC.String()
		}
		return "ARP op " + strconv.Itoa(int(a.Op))
	}
	return "Ethernet type 0x" + strconv.FormatUint(uint64(h.EtherType), 16)
}

// Summary describes an IPv4 datagram in one line, like tcpdump: protocol,
// addresses, ports or ICMP type, fragment and TTL.
func Summary(b []byte) string {
	ip := wire.IPv4(b)
	if ip.Check() != nil {
		return "malformed IPv4"
	}
	s := ""
	frag := ip.MoreFragments() || ip.FragOffset() != 0
	switch ip.Protocol() {
	case wire.ProtoICMP:
		s = "ICMP " + ip.Src().String() + " > " + ip.Dst().String()
		if p := ip.Payload(); !frag || ip.FragOffset() == 0 {
			if len(p) >= 8 {
				s += " " + icmpText(wire.ICMP(p))
			}
		}
	case wire.ProtoUDP:
		s = "UDP " + ip.Src().String()
		p := ip.Payload()
		if ip.FragOffset() == 0 && len(p) >= 8 {
			u := wire.UDP(p)
			s += ":" + strconv.Itoa(int(u.SrcPort())) + " > " + ip.Dst().String() + ":" + strconv.Itoa(int(u.DstPort()))
		} else {
			s += " > " + ip.Dst().String()
		}
	case wire.ProtoTCP:
		if p := ip.Payload(); ip.FragOffset() == 0 && wire.TCP(p).Check() == nil {
			s = tcpText(ip, wire.TCP(p))
		} else {
			s = "TCP " + ip.Src().String() + " > " + ip.Dst().String()
		}
	case 89:
		s = "OSPF " + ip.Src().String() + " > " + ip.Dst().String()
		if p := ip.Payload(); !frag && len(p) >= 24 && p[0] == 2 {
			s += " " + ospfText(p)
		}
	default:
		s = "IP proto " + strconv.Itoa(int(ip.Protocol())) + " " + ip.Src().String() + " > " + ip.Dst().String()
	}
	if frag {
		s += " frag off " + strconv.Itoa(ip.FragOffset())
		if ip.MoreFragments() {
			s += "+"
		}
	}
	return s + " ttl " + strconv.Itoa(int(ip.TTL()))
}

// ospfText describes an OSPFv2 packet (RFC 2328 A.3) by its type and
// router ID, with the number of LSAs of an update or acknowledgment.
func ospfText(p []byte) string {
	names := [...]string{"", "Hello", "DB Description", "LS Request", "LS Update", "LS Ack"}
	t := int(p[1])
	name := "type " + strconv.Itoa(t)
	if t > 0 && t < len(names) {
		name = names[t]
	}
	rid := netip.AddrFrom4([4]byte(p[4:8]))
	s := name + " router " + rid.String()
	switch t {
	case 4:
		if len(p) >= 28 {
			n := uint32(p[24])<<24 | uint32(p[25])<<16 | uint32(p[26])<<8 | uint32(p[27])
			s += " (" + strconv.FormatUint(uint64(n), 10) + " LSAs)"
		}
	case 5:
		s += " (" + strconv.Itoa((len(p)-24)/20) + " LSAs)"
	}
	return s
}

func icmpText(m wire.ICMP) string {
	switch m.Type() {
	case wire.ICMPEchoRequest, wire.ICMPEchoReply:
		return wire.ICMPText(m.Type(), m.Code(), 0) + " id " + strconv.Itoa(int(m.ID())) + " seq " + strconv.Itoa(int(m.Seq()))
	}
	return wire.ICMPText(m.Type(), m.Code(), m.NextHopMTU())
}

// tcpText describes a TCP segment as tcpdump does: ports, flags ([S.] is
// SYN-ACK, [.] a bare ACK), sequence and acknowledgment numbers, window,
// options and payload length.
func tcpText(ip wire.IPv4, t wire.TCP) string {
	b := make([]byte, 0, 128)
	b = append(b, "TCP "...)
	b = ip.Src().AppendTo(b)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(t.SrcPort()), 10)
	b = append(b, " > "...)
	b = ip.Dst().AppendTo(b)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(t.DstPort()), 10)
	b = append(b, " ["...)
	f := t.Flags()
	for _, x := range []struct {
		f wire.TCPFlags
		c byte
	}{{wire.SYN, 'S'}, {wire.FIN, 'F'}, {wire.PSH, 'P'}, {wire.RST, 'R'}, {wire.URG, 'U'}, {wire.ECE, 'E'}, {wire.CWR, 'W'}, {wire.ACK, '.'}} {
		if f&x.f != 0 {
			b = append(b, x.c)
		}
	}
	if f == 0 {
		b = append(b, "none"...)
	}
	b = append(b, "] seq "...)
	b = strconv.AppendUint(b, uint64(t.Seq()), 10)
	if f&wire.ACK != 0 {
		b = append(b, " ack "...)
		b = strconv.AppendUint(b, uint64(t.Ack()), 10)
	}
	b = append(b, " win "...)
	b = strconv.AppendUint(b, uint64(t.Window()), 10)
	if h, _, err := wire.ParseTCP(t); err == nil {
		b = appendTCPOptions(b, &h.Options)
	}
	b = append(b, " len "...)
	b = strconv.AppendInt(b, int64(len(t.Payload())), 10)
	return string(b)
}

// appendTCPOptions appends the options tcpdump shows, in <...>.
func appendTCPOptions(b []byte, o *wire.TCPOptions) []byte {
	start := len(b)
	sep := func() {
		if len(b) == start {
			b = append(b, " <"...)
		} else {
			b = append(b, ',')
		}
	}
	if o.MSS != 0 {
		sep()
		b = append(b, "mss "...)
		b = strconv.AppendUint(b, uint64(o.MSS), 10)
	}
	if o.SACKPermitted {
		sep()
		b = append(b, "sackOK"...)
	}
	if o.HasTimestamps {
		sep()
		b = append(b, "TS val "...)
		b = strconv.AppendUint(b, uint64(o.TSVal), 10)
		b = append(b, " ecr "...)
		b = strconv.AppendUint(b, uint64(o.TSEcr), 10)
	}
	if o.HasWindowScale {
		sep()
		b = append(b, "wscale "...)
		b = strconv.AppendUint(b, uint64(o.WindowScale), 10)
	}
	for i := 0; i < min(max(o.NumSACK, 0), len(o.SACK)); i++ {
		sep()
		b = append(b, "sack "...)
		b = strconv.AppendUint(b, uint64(o.SACK[i].Left), 10)
		b = append(b, ':')
		b = strconv.AppendUint(b, uint64(o.SACK[i].Right), 10)
	}
	if len(b) > start {
		b = append(b, '>')
	}
	return b
}
