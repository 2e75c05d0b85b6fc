package fidelity

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// A field is one compared value of a packet: a header field, or a run of
// bytes (data holds them, for a detailed difference).
type field struct {
	name, value string
	data        []byte
}

// A packet is one captured IPv4 datagram, decoded into the fields the
// comparison looks at.
type packet struct {
	point   string    // capture point, NODE:IFACE
	index   int       // 1-based position in its capture, before normalizing
	at      time.Time // when it was captured
	summary string    // one line for people
	fields  []field   // compared, in order

	// Parsed values for normalizers and canon.
	src, dst    string
	proto, ttl  uint8
	id          uint16
	fragment    bool // MF set or offset > 0
	udpDport    int  // a UDP first fragment's destination port; -1 otherwise
	icmpType    int  // an ICMP first fragment's type; -1 otherwise
	icmpCode    int
	quotedDport int     // the UDP destination port quoted in an ICMP error; -1 otherwise
	tcp         *tcpSeg // a TCP segment's header (not a quoted one's); nil otherwise
}

// tcpSeg is what the TCP normalizers need of a segment's header.
type tcpSeg struct {
	sport, dport uint16
	seq, ack     uint32
	flags        uint8
	window       uint16
	dataLen      int
}

// TCP flags.
const (
	tcpFIN = 1 << 0
	tcpSYN = 1 << 1
	tcpRST = 1 << 2
	tcpPSH = 1 << 3
	tcpACK = 1 << 4
)

// readCapture reads a pcapng file and returns its IPv4 datagrams by
// interface name. Ethernet frames other than IPv4 (ARP) are left out: hops
// links carry bare IPv4 (allowance "link layer").
func readCapture(file string) (map[string][]packet, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	out := map[string][]packet{}
	count := map[string]int{}
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		iface, err := r.Interface(ci.InterfaceIndex)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if iface.LinkType != layers.LinkTypeEthernet && iface.LinkType != layers.LinkTypeRaw &&
			iface.LinkType != layers.LinkTypeIPv4 {
			return nil, fmt.Errorf("%s: interface %q: link type %v not supported", file, iface.Name, iface.LinkType)
		}
		ip, ok := frameIPv4(iface.LinkType, data)
		if !ok {
			continue
		}
		count[iface.Name]++
		p, err := describe(append([]byte(nil), ip...))
		if err != nil {
			return nil, fmt.Errorf("%s: %s packet %d: %w", file, iface.Name, count[iface.Name], err)
		}
		p.point = iface.Name
		p.index = count[iface.Name]
		p.at = ci.Timestamp
		out[iface.Name] = append(out[iface.Name], p)
	}
	return out, nil
}

// frameIPv4 returns the IPv4 datagram in a frame of the given link type:
// Ethernet (Linux) or raw IPv4 (hops). Other frames (ARP) are left out
// (allowance "link layer").
func frameIPv4(lt layers.LinkType, data []byte) ([]byte, bool) {
	switch lt {
	case layers.LinkTypeEthernet:
		if len(data) < 14 || binary.BigEndian.Uint16(data[12:]) != 0x0800 {
			return nil, false
		}
		return data[14:], true
	case layers.LinkTypeRaw, layers.LinkTypeIPv4:
		return data, true
	}
	return nil, false
}

// describe decodes an IPv4 datagram (trailing bytes past its total length,
// such as Ethernet padding, are cut).
func describe(b []byte) (packet, error) {
	p := packet{udpDport: -1, icmpType: -1, icmpCode: -1, quotedDport: -1}
	if len(b) < 20 || b[0]>>4 != 4 {
		return p, errors.New("not an IPv4 datagram")
	}
	tot := int(binary.BigEndian.Uint16(b[2:]))
	if tot < 20 || tot > len(b) {
		return p, fmt.Errorf("IPv4 total length %d, %d bytes captured", tot, len(b))
	}
	b = b[:tot]
	ih, err := ipHeader(b, false)
	if err != nil {
		return p, err
	}
	p.src, p.dst, p.proto, p.ttl, p.id = ih.src, ih.dst, ih.proto, ih.ttl, ih.id
	p.fragment = ih.mf || ih.offset > 0
	add := func(f field) { p.fields = append(p.fields, f) }
	ih.fields("ip.", p.fragment, add)

	body := b[ih.hlen:]
	if ih.offset > 0 {
		add(bytesField("ip.fragment-data", body))
		p.summary = fmt.Sprintf("%s > %s fragment of %s, offset %d, %d bytes", ih.src, ih.dst, protoName(ih.proto), ih.offset, tot)
		return p, nil
	}
	what := describeTransport("", ih.proto, body, &p, add)
	frag := ""
	if ih.mf {
		frag = ", first fragment"
	}
	p.summary = fmt.Sprintf("%s > %s %s%s, %d bytes, ttl %d", ih.src, ih.dst, what, frag, tot, ih.ttl)
	return p, nil
}

type ipHdr struct {
	hlen, tot, offset   int
	tos, ttl, proto, fl uint8
	id                  uint16
	mf                  bool
	src, dst            string
	options             []byte
}

// ipHeader parses an IPv4 header; quoted headers (inside ICMP errors) may
// be followed by fewer bytes than their total length says.
func ipHeader(b []byte, quoted bool) (ipHdr, error) {
	var h ipHdr
	if len(b) < 20 {
		return h, fmt.Errorf("IPv4 header: %d bytes", len(b))
	}
	if b[0]>>4 != 4 {
		return h, fmt.Errorf("IP version %d", b[0]>>4)
	}
	h.hlen = int(b[0]&0xf) * 4
	if h.hlen < 20 || h.hlen > len(b) {
		return h, fmt.Errorf("IPv4 header length %d", h.hlen)
	}
	h.tos = b[1]
	h.tot = int(binary.BigEndian.Uint16(b[2:]))
	h.id = binary.BigEndian.Uint16(b[4:])
	ff := binary.BigEndian.Uint16(b[6:])
	h.fl = uint8(ff >> 13)
	h.mf = ff&0x2000 != 0
	h.offset = int(ff&0x1fff) * 8
	h.ttl = b[8]
	h.proto = b[9]
	a, _ := netip.AddrFromSlice(b[12:16])
	h.src = a.String()
	a, _ = netip.AddrFromSlice(b[16:20])
	h.dst = a.String()
	h.options = b[20:h.hlen]
	return h, nil
}

// fields adds the compared header fields. The identification is left out
// (allowance "IPv4 identification"), except that a fragment gets an
// "ip.id" field that canon fills with its datagram's order of appearance;
// the checksum is left out (allowance "header checksums").
func (h ipHdr) fields(prefix string, fragment bool, add func(field)) {
	add(field{name: prefix + "ihl", value: fmt.Sprint(h.hlen / 4)})
	add(field{name: prefix + "tos", value: fmt.Sprintf("0x%02x", h.tos)})
	add(field{name: prefix + "len", value: fmt.Sprint(h.tot)})
	if fragment {
		add(field{name: prefix + "id"})
	}
	add(field{name: prefix + "flags", value: flagNames(h.fl)})
	add(field{name: prefix + "offset", value: fmt.Sprint(h.offset)})
	add(field{name: prefix + "ttl", value: fmt.Sprint(h.ttl)})
	add(field{name: prefix + "proto", value: protoName(h.proto)})
	add(field{name: prefix + "src", value: h.src})
	add(field{name: prefix + "dst", value: h.dst})
	if len(h.options) > 0 {
		add(bytesField(prefix+"options", h.options))
	}
}

func flagNames(fl uint8) string {
	var s []string
	for i, n := range []string{"RF", "DF", "MF"} {
		if fl&(4>>i) != 0 {
			s = append(s, n)
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, "+")
}

func protoName(p uint8) string {
	switch p {
	case 1:
		return "ICMP"
	case 6:
		return "TCP"
	case 17:
		return "UDP"
	}
	return fmt.Sprintf("proto %d", p)
}

// bytesField compares bytes: short runs print in full, long ones as a
// digest (the difference report shows where they first differ).
func bytesField(name string, b []byte) field {
	v := fmt.Sprintf("%d bytes", len(b))
	switch {
	case len(b) == 0:
	case len(b) <= 16:
		v += fmt.Sprintf(" %x", b)
	default:
		v += fmt.Sprintf(" sha256:%x", sha256.Sum256(b))[:len(" sha256:")+16]
	}
	return field{name: name, value: v, data: b}
}

var icmpNames = map[int]string{0: "echo reply", 3: "destination unreachable", 4: "source quench",
	5: "redirect", 8: "echo request", 11: "time exceeded", 12: "parameter problem"}

var unreachNames = map[int]string{0: "net unreachable", 1: "host unreachable", 2: "protocol unreachable",
	3: "port unreachable", 4: "fragmentation needed", 13: "administratively prohibited"}

// pingTimestamp is the length of the send time iputils ping puts at the
// start of its data (a struct timeval) when the data has room for it.
const pingTimestamp = 16

// describeTransport adds the fields of an ICMP message, a UDP datagram or
// a TCP segment (possibly cut short, inside an ICMP error's quote) and
// returns a summary. prefix is "" outside a quote, "quote." inside.
func describeTransport(prefix string, proto uint8, b []byte, p *packet, add func(field)) string {
	quoted := prefix != ""
	switch proto {
	case 1: // ICMP
		if len(b) < 8 {
			add(bytesField(prefix+"icmp.bytes", b))
			return "ICMP (short)"
		}
		typ, code := int(b[0]), int(b[1])
		if !quoted {
			p.icmpType, p.icmpCode = typ, code
		}
		add(field{name: prefix + "icmp.type", value: fmt.Sprint(typ)})
		add(field{name: prefix + "icmp.code", value: fmt.Sprint(code)})
		name := icmpNames[typ]
		if name == "" {
			name = fmt.Sprintf("type %d", typ)
		}
		if typ == 3 && unreachNames[code] != "" {
			name = unreachNames[code]
		} else if code != 0 {
			name += fmt.Sprintf(" code %d", code)
		}
		switch typ {
		case 0, 8:
			// The identifier is left out (allowance "ICMP echo
			// identifier"), and so is the send time (allowance "the
			// first 16 bytes of ping's data").
			seq := binary.BigEndian.Uint16(b[6:])
			add(field{name: prefix + "icmp.seq", value: fmt.Sprint(seq)})
			data := b[8:]
			add(bytesField(prefix+"icmp.data-after-timestamp", data[min(pingTimestamp, len(data)):]))
			return fmt.Sprintf("ICMP %s seq %d", name, seq)
		case 3, 4, 5, 11, 12:
			if typ == 3 && code == 4 {
				add(field{name: prefix + "icmp.unused", value: fmt.Sprintf("%x", b[4:6])})
				add(field{name: prefix + "icmp.mtu", value: fmt.Sprint(binary.BigEndian.Uint16(b[6:]))})
				name += fmt.Sprintf(" (mtu %d)", binary.BigEndian.Uint16(b[6:]))
			} else {
				add(field{name: prefix + "icmp.rest", value: fmt.Sprintf("%x", b[4:8])})
			}
			if quoted {
				add(bytesField(prefix+"icmp.quote", b[8:]))
				return "ICMP " + name
			}
			q := b[8:]
			add(field{name: "quote.bytes", value: fmt.Sprint(len(q))})
			qh, err := ipHeader(q, true)
			if err != nil {
				add(bytesField("quote.data", q))
				return "ICMP " + name
			}
			qh.fields("quote.ip.", false, add)
			if qh.offset > 0 {
				add(bytesField("quote.fragment-data", q[qh.hlen:]))
				return "ICMP " + name + " (quoting a fragment)"
			}
			inner := describeTransport("quote.", qh.proto, q[qh.hlen:], p, add)
			return fmt.Sprintf("ICMP %s, quoting %s", name, inner)
		default:
			add(field{name: prefix + "icmp.rest", value: fmt.Sprintf("%x", b[4:8])})
			add(bytesField(prefix+"icmp.data", b[8:]))
			return "ICMP " + name
		}
	case 17: // UDP
		if len(b) < 8 {
			add(bytesField(prefix+"udp.bytes", b))
			return "UDP (short)"
		}
		// The source port and the checksum are left out (allowances
		// "UDP and TCP source ports", "header checksums").
		dport := int(binary.BigEndian.Uint16(b[2:]))
		if quoted {
			p.quotedDport = dport
		} else {
			p.udpDport = dport
		}
		add(field{name: prefix + "udp.dport", value: fmt.Sprint(dport)})
		add(field{name: prefix + "udp.len", value: fmt.Sprint(binary.BigEndian.Uint16(b[4:]))})
		add(bytesField(prefix+"udp.data", b[8:]))
		return fmt.Sprintf("UDP to port %d", dport)
	case 6: // TCP
		return describeTCP(prefix, b, p, add)
	}
	add(bytesField(prefix+"data", b))
	return protoName(proto)
}

// describeTCP adds a TCP segment's fields. Source port, sequence and
// acknowledgment numbers, checksum and timestamp values are left out
// (allowances); the options' kinds, order and other values are compared.
func describeTCP(prefix string, b []byte, p *packet, add func(field)) string {
	if len(b) < 20 {
		add(bytesField(prefix+"tcp.bytes", b))
		return "TCP (short)"
	}
	dport := binary.BigEndian.Uint16(b[2:])
	off := int(b[12]>>4) * 4
	flags := b[13]
	if prefix == "" && off >= 20 && off <= len(b) {
		p.tcp = &tcpSeg{sport: binary.BigEndian.Uint16(b), dport: dport,
			seq: binary.BigEndian.Uint32(b[4:]), ack: binary.BigEndian.Uint32(b[8:]),
			flags: flags, window: binary.BigEndian.Uint16(b[14:]), dataLen: len(b) - off}
	}
	add(field{name: prefix + "tcp.dport", value: fmt.Sprint(dport)})
	add(field{name: prefix + "tcp.hdrlen", value: fmt.Sprint(off)})
	var fl []string
	for i, n := range []string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"} {
		if flags&(1<<i) != 0 {
			fl = append(fl, n)
		}
	}
	add(field{name: prefix + "tcp.flags", value: strings.Join(fl, "+")})
	add(field{name: prefix + "tcp.window", value: fmt.Sprint(binary.BigEndian.Uint16(b[14:]))})
	add(field{name: prefix + "tcp.urgent", value: fmt.Sprint(binary.BigEndian.Uint16(b[18:]))})
	if off < 20 || off > len(b) {
		add(bytesField(prefix+"tcp.rest", b[20:]))
		return fmt.Sprintf("TCP to port %d [%s], bad header length", dport, strings.Join(fl, ","))
	}
	var opts []string
	o := b[20:off]
	for len(o) > 0 {
		kind := o[0]
		if kind == 0 {
			opts = append(opts, "EOL")
			break
		}
		if kind == 1 {
			opts = append(opts, "NOP")
			o = o[1:]
			continue
		}
		if len(o) < 2 || int(o[1]) < 2 || int(o[1]) > len(o) {
			opts = append(opts, fmt.Sprintf("bad(%x)", o))
			break
		}
		v := o[2:o[1]]
		switch kind {
		case 2:
			if len(v) == 2 {
				opts = append(opts, fmt.Sprintf("MSS=%d", binary.BigEndian.Uint16(v)))
			} else {
				opts = append(opts, fmt.Sprintf("MSS=%x", v))
			}
		case 3:
			opts = append(opts, fmt.Sprintf("WS=%x", v))
		case 4:
			opts = append(opts, "SACK_PERM")
		case 5:
			// Blocks of sequence numbers (allowance "TCP sequence
			// numbers"): how many.
			opts = append(opts, fmt.Sprintf("SACK(%d)", len(v)/8))
		case 8:
			opts = append(opts, "TS") // values are clocks
		default:
			opts = append(opts, fmt.Sprintf("opt%d=%x", kind, v))
		}
		o = o[o[1]:]
	}
	add(field{name: prefix + "tcp.options", value: strings.Join(opts, ",")})
	add(bytesField(prefix+"tcp.data", b[off:]))
	return fmt.Sprintf("TCP to port %d [%s]", dport, strings.Join(fl, ","))
}

// canon returns each packet's comparison key: its fields, with each
// fragment's "ip.id" set to the order in which its datagram (source and
// identification) first appears in the capture.
func canon(ps []packet) []string {
	keys := make([]string, len(ps))
	group := map[string]int{}
	for i := range ps {
		p := &ps[i]
		var b strings.Builder
		for j := range p.fields {
			f := &p.fields[j]
			if f.name == "ip.id" {
				k := fmt.Sprintf("%s/%d", p.src, p.id)
				if _, ok := group[k]; !ok {
					group[k] = len(group) + 1
				}
				f.value = fmt.Sprintf("datagram %d", group[k])
			}
			b.WriteString(f.name + "=" + f.value + " ")
		}
		keys[i] = b.String()
	}
	return keys
}

// tracerouteProbes puts a traceroute capture in a canonical order (allowance
// "traceroute's probes in flight"): each UDP probe, in order of destination
// port, followed by the ICMP error that answers it, up to the TTL at which
// the destination itself answered; probes past it and their answers go.
// Any other packet follows, in capture order.
func tracerouteProbes(ps []packet) []packet {
	type probe struct {
		p      packet
		answer *packet
	}
	probes := map[int]*probe{}
	var ports []int
	var others []packet
	for _, p := range ps {
		if p.proto == 17 && p.udpDport >= 0 && probes[p.udpDport] == nil {
			probes[p.udpDport] = &probe{p: p}
			ports = append(ports, p.udpDport)
		}
	}
	for i := range ps {
		p := ps[i]
		switch {
		case p.proto == 17 && p.udpDport >= 0 && probes[p.udpDport].p.index == p.index:
		case p.quotedDport >= 0 && probes[p.quotedDport] != nil && probes[p.quotedDport].answer == nil:
			probes[p.quotedDport].answer = &ps[i]
		default:
			others = append(others, p)
		}
	}
	sort.Ints(ports)
	last := -1 // the smallest TTL at which the destination answered
	for _, port := range ports {
		pr := probes[port]
		if pr.answer != nil && pr.answer.src == pr.p.dst && (last < 0 || int(pr.p.ttl) < last) {
			last = int(pr.p.ttl)
		}
	}
	var out []packet
	for _, port := range ports {
		pr := probes[port]
		if last >= 0 && int(pr.p.ttl) > last {
			continue
		}
		out = append(out, pr.p)
		if pr.answer != nil {
			out = append(out, *pr.answer)
		}
	}
	return append(out, others...)
}
