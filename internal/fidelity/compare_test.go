package fidelity

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Tests of the comparison itself, on hand-made packets: they need no root
// and run everywhere.

// ip4 builds an IPv4 datagram (checksum left zero: it is not compared).
func ip4(src, dst string, id uint16, flags uint16, offset int, ttl, proto uint8, payload []byte) []byte {
	b := make([]byte, 20+len(payload))
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	binary.BigEndian.PutUint16(b[4:], id)
	binary.BigEndian.PutUint16(b[6:], flags<<13|uint16(offset/8))
	b[8], b[9] = ttl, proto
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	copy(b[20:], payload)
	return b
}

const (
	flagDF = 2
	flagMF = 1
)

// echo builds an ICMP echo message with ping's data: a 16-byte timestamp
// (stamp) and the pattern 0x10, 0x11, ….
func echo(typ uint8, ident, seq uint16, stamp byte, size int) []byte {
	m := make([]byte, 8+size)
	m[0] = typ
	binary.BigEndian.PutUint16(m[4:], ident)
	binary.BigEndian.PutUint16(m[6:], seq)
	for i := 0; i < size; i++ {
		if i < 16 {
			m[8+i] = stamp
		} else {
			m[8+i] = byte(i)
		}
	}
	return m
}

func udpProbe(sport, dport uint16) []byte {
	u := make([]byte, 8+32)
	binary.BigEndian.PutUint16(u[0:], sport)
	binary.BigEndian.PutUint16(u[2:], dport)
	binary.BigEndian.PutUint16(u[4:], uint16(len(u)))
	for i := range 32 {
		u[8+i] = byte(0x40 + i)
	}
	return u
}

// icmpErr builds an ICMP error quoting quote.
func icmpErr(typ, code uint8, mtu uint16, quote []byte) []byte {
	m := make([]byte, 8+len(quote))
	m[0], m[1] = typ, code
	binary.BigEndian.PutUint16(m[6:], mtu)
	copy(m[8:], quote)
	return m
}

func mustDescribe(t *testing.T, b []byte, index int) packet {
	t.Helper()
	p, err := describe(b)
	if err != nil {
		t.Fatal(err)
	}
	p.index = index
	return p
}

func TestAllowedDifferencesAreMasked(t *testing.T) {
	// Same request as Linux and hops would send it: IDs, echo identifiers
	// and timestamps differ, nothing else.
	lin := ip4(h1Addr, h2Addr, 0, flagDF, 0, 64, 1, echo(8, 0x1234, 1, 0xaa, 56))
	hp := ip4(h1Addr, h2Addr, 0x21b5, flagDF, 0, 64, 1, echo(8, 0x7fbd, 1, 0xbb, 56))
	l, h := mustDescribe(t, lin, 1), mustDescribe(t, hp, 1)
	if d := diffPackets("h1:eth0", []packet{l}, []packet{h}); len(d) != 0 {
		t.Errorf("differences in allowed fields only: %q", d)
	}
}

func TestDifferencesAreFound(t *testing.T) {
	lin := ip4(h1Addr, h2Addr, 0, flagDF, 0, 64, 1, echo(8, 1, 1, 0, 56))
	m := echo(8, 1, 1, 0, 56)
	m[8+20] = 0xff // a byte of the pattern
	hp := ip4(h1Addr, h2Addr, 0, 0, 0, 63, 1, m)
	d := diffPackets("h1:eth0", []packet{mustDescribe(t, lin, 1)}, []packet{mustDescribe(t, hp, 1)})
	want := []string{
		"ip.flags: Linux DF, hops none",
		"ip.ttl: Linux 64, hops 63",
		"icmp.data-after-timestamp: Linux 40 bytes sha256:",
		"(first difference at byte 4: Linux 14 15 16 17 18 19 1a 1b …, hops ff 15 16 17 18 19 1a 1b …)",
	}
	all := strings.Join(d, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("differences lack %q; got:\n%s", w, all)
		}
	}
	if len(d) != 3 {
		t.Errorf("%d differences, want 3:\n%s", len(d), all)
	}
}

func TestQuotedFields(t *testing.T) {
	probe := ip4(h1Addr, h2Addr, 7, 0, 0, 1, 17, udpProbe(40000, 33434))
	mk := func(tos byte, quote []byte) packet {
		b := ip4("198.18.1.1", h1Addr, 9, 0, 0, 64, 1, icmpErr(11, 0, 0, quote))
		b[1] = tos
		return mustDescribe(t, b, 1)
	}
	bad := append([]byte(nil), probe...)
	binary.BigEndian.PutUint16(bad[20:], 50000) // another source port: allowed
	bad[8] = 2                                  // quoted TTL: not allowed
	l, h := mk(0xc0, probe), mk(0x00, bad[:28])
	d := strings.Join(diffPackets("h1:eth0", []packet{l}, []packet{h}), "\n")
	for _, w := range []string{"ip.tos: Linux 0xc0, hops 0x00", "quote.bytes: Linux 60, hops 28",
		"quote.ip.ttl: Linux 1, hops 2", "quote.udp.data: Linux 32 bytes"} {
		if !strings.Contains(d, w) {
			t.Errorf("differences lack %q; got:\n%s", w, d)
		}
	}
	if strings.Contains(d, "sport") {
		t.Errorf("source port compared:\n%s", d)
	}
	if l.quotedDport != 33434 || l.icmpType != 11 {
		t.Errorf("quotedDport %d, icmpType %d", l.quotedDport, l.icmpType)
	}
}

func TestFragmentIDsArePaired(t *testing.T) {
	frags := func(id1, id2 uint16) []packet {
		return []packet{
			mustDescribe(t, ip4(h1Addr, h2Addr, id1, flagMF, 0, 64, 1, echo(8, 1, 1, 0, 1472)), 1),
			mustDescribe(t, ip4(h1Addr, h2Addr, id2, 0, 1480, 64, 1, make([]byte, 48)), 2),
		}
	}
	if d := diffPackets("p", frags(0x8631, 0x8631), frags(0x21b5, 0x21b5)); len(d) != 0 {
		t.Errorf("fragments of one datagram, other IDs: %q", d)
	}
	d := diffPackets("p", frags(0x8631, 0x8631), frags(0x21b5, 0x21b6))
	if len(d) != 1 || !strings.Contains(d[0], "ip.id: Linux datagram 1, hops datagram 2") {
		t.Errorf("fragments with different IDs not reported: %q", d)
	}
}

func TestOnlyInOneCapture(t *testing.T) {
	req := mustDescribe(t, ip4(h1Addr, h2Addr, 0, flagDF, 0, 64, 1, echo(8, 1, 1, 0, 56)), 1)
	rep := mustDescribe(t, ip4(h2Addr, h1Addr, 0, 0, 0, 62, 1, echo(0, 1, 1, 0, 56)), 2)
	got := diffPackets("h1:eth0", []packet{req}, []packet{req, rep})
	want := []string{
		"h1:eth0: Linux captured 1 packets, hops 2",
		"h1:eth0 hops #2: only in hops (after Linux #1): 198.18.3.2 > 198.18.1.2 ICMP echo reply seq 1, 84 bytes, ttl 62",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestTracerouteProbes(t *testing.T) {
	probe := func(ttl uint8, port uint16, i int) packet {
		return mustDescribe(t, ip4(h1Addr, h2Addr, uint16(i), 0, 0, ttl, 17, udpProbe(uint16(40000+i), port)), i)
	}
	answer := func(from string, typ, code uint8, p packet, port uint16, i int) packet {
		q := ip4(h1Addr, h2Addr, 0, 0, 0, 1, 17, udpProbe(1, port))
		return mustDescribe(t, ip4(from, h1Addr, uint16(100+i), 0, 0, 64, 1, icmpErr(typ, code, 0, q)), i)
	}
	// Linux-like: all probes first (TTL 1, 2, and one past the
	// destination's TTL 2), answers after, out of order.
	ps := []packet{
		probe(1, 33434, 1), probe(2, 33435, 2), probe(3, 33436, 3),
	}
	ps = append(ps,
		answer(h2Addr, 3, 3, ps[1], 33435, 4),
		answer("198.18.1.1", 11, 0, ps[0], 33434, 5),
		answer(h2Addr, 3, 3, ps[2], 33436, 6),
	)
	var got []int
	for _, p := range tracerouteProbes(ps) {
		got = append(got, p.index)
	}
	if want := []int{1, 5, 2, 4}; !reflect.DeepEqual(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestMaskTimes(t *testing.T) {
	for in, want := range map[string]string{
		"64 bytes from 198.18.3.2: icmp_seq=1 ttl=62 time=0.401 ms":     "64 bytes from 198.18.3.2: icmp_seq=1 ttl=62 time=T ms",
		"3 packets transmitted, 3 received, 0% packet loss, time 408ms": "3 packets transmitted, 3 received, 0% packet loss, time Tms",
		"rtt min/avg/max/mdev = 0.052/0.172/0.401/0.161 ms":             "rtt min/avg/max/mdev = T/T/T/T ms",
		" 1  198.18.1.1  0.748 ms  0.027 ms  2 ms":                      " 1  198.18.1.1  T ms  T ms  T ms",
		" 3  * * 198.18.3.2  6.000 ms":                                  " 3  * * 198.18.3.2  T ms",
	} {
		if got := maskTimes(in); got != want {
			t.Errorf("maskTimes(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDiffLines(t *testing.T) {
	lin := "PING x\nFrom a icmp_seq=1 Time to live exceeded\n\n--- x ping statistics ---\n\n"
	hp := "PING x\nFrom a icmp_seq=1 Time to live exceeded\n--- x ping statistics ---\n"
	got := diffLines("stdout", lin, hp)
	want := []string{`stdout line 3: only in Linux: ""`, `stdout line 5: only in Linux: ""`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if d := diffLines("stdout", lin, lin); d != nil {
		t.Errorf("equal outputs: %q", d)
	}
}

func TestNamespaceOwner(t *testing.T) {
	for name, want := range map[string]int{
		"hopsfid-123-0-h1": 123, "hopsfid-123-probe": 123,
		"hopsfid-x-1": 0, "hopsfid-": 0, "other-123-h1": 0, "hopsfid-0-h1": 0,
	} {
		got, ok := nsOwner(name)
		if ok != (want != 0) || got != want && ok {
			t.Errorf("nsOwner(%q) = %d, %v; want %d", name, got, ok, want)
		}
	}
}

func TestCasesAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] || c.name == "" {
			t.Errorf("case name %q empty or repeated", c.name)
		}
		seen[c.name] = true
		if len(c.args) < 2 {
			t.Errorf("%s: args %q: want a command and its arguments", c.name, c.args)
		}
		for _, p := range c.capturePoints() {
			node, iface, ok := strings.Cut(p, ":")
			found := false
			for _, l := range topo.links {
				for _, e := range []end{parseEnd(l.a), parseEnd(l.b)} {
					found = found || e.node == node && e.iface == iface
				}
			}
			if !ok || !found {
				t.Errorf("%s: capture point %q is no interface of the topology", c.name, p)
			}
		}
	}
}

// tcpSegment builds a TCP segment with timestamps (and, on SYNs, Linux's
// SYN options).
func tcpSegment(sport, dport uint16, seq, ack uint32, flags uint8, win uint16, data int) []byte {
	opts := []byte{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}
	if flags&tcpSYN != 0 {
		opts = []byte{2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7}
	}
	b := make([]byte, 20+len(opts)+data)
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint32(b[4:], seq)
	binary.BigEndian.PutUint32(b[8:], ack)
	b[12] = byte((20+len(opts))/4) << 4
	b[13] = flags
	binary.BigEndian.PutUint16(b[14:], win)
	copy(b[20:], opts)
	return b
}

// handshake is a connection's segments as seen on h1, from client port
// cport and initial sequence numbers ciss and siss.
func handshake(t *testing.T, cport uint16, ciss, siss uint32, win uint16) []packet {
	seg := func(fromClient bool, seq, ack uint32, flags uint8, w uint16, data int) packet {
		if fromClient {
			return mustDescribe(t, ip4(h1Addr, h2Addr, 0, flagDF, 0, 64, 6,
				tcpSegment(cport, 5201, ciss+seq, siss+ack, flags, w, data)), 0)
		}
		return mustDescribe(t, ip4(h2Addr, h1Addr, 0, flagDF, 0, 62, 6,
			tcpSegment(5201, cport, siss+seq, ciss+ack, flags, w, data)), 0)
	}
	return []packet{
		seg(true, 0, 0, tcpSYN, 64240, 0),
		seg(false, 0, 1, tcpSYN|tcpACK, 65160, 0),
		seg(true, 1, 1, tcpACK, win, 0),
		seg(true, 1, 1, tcpACK, win, 1448),
		seg(false, 1, 1449, tcpACK, win, 0), // not a key segment
		seg(true, 1449, 1, tcpACK|tcpFIN, win, 0),
		seg(false, 1, 1450, tcpACK|tcpFIN, win, 0),
		seg(true, 1450, 2, tcpACK, win, 0),
	}
}

func TestTCPKeySegments(t *testing.T) {
	lin := tcpKeySegments(handshake(t, 40000, 0xfffffff0, 12345, 502))
	hp := tcpKeySegments(handshake(t, 48329, 1000, 0x80000000, 32768))
	if d := diffPackets("h1:eth0", lin, hp); len(d) != 0 {
		t.Errorf("ports, sequence numbers and windows after the handshake differ only: %q", d)
	}
	var roles []string
	for _, p := range lin {
		roles = append(roles, p.fields[0].value)
	}
	want := []string{"SYN", "SYN-ACK", "handshake ACK", "first data segment", "client's FIN",
		"server's FIN", "client's ACK of the server's FIN"}
	if !reflect.DeepEqual(roles, want) {
		t.Errorf("roles %q, want %q", roles, want)
	}
	// A SYN-ACK window and a relative acknowledgment that differ.
	other := handshake(t, 48329, 1000, 7, 32768)
	other[1] = mustDescribe(t, ip4(h2Addr, h1Addr, 0, flagDF, 0, 62, 6,
		tcpSegment(5201, 48329, 7, 1000+2, tcpSYN|tcpACK, 65535, 0)), 0)
	d := strings.Join(diffPackets("h1:eth0", lin, tcpKeySegments(other)), "\n")
	for _, w := range []string{"tcp.window: Linux 65160, hops 65535", "tcp.ack(relative): Linux 1, hops 2"} {
		if !strings.Contains(d, w) {
			t.Errorf("differences lack %q; got:\n%s", w, d)
		}
	}
}

func TestSYNTimes(t *testing.T) {
	syns := func(gaps ...time.Duration) []packet {
		at := time.Unix(1000, 0)
		var ps []packet
		for _, g := range append([]time.Duration{0}, gaps...) {
			at = at.Add(g)
			p := mustDescribe(t, ip4(h1Addr, h2Addr, 0, flagDF, 0, 64, 6, tcpSegment(40000, 5201, 1, 0, tcpSYN, 64240, 0)), 0)
			p.at = at
			ps = append(ps, p)
		}
		return ps
	}
	hp := syns(time.Second, 2*time.Second, 4*time.Second)
	if d := synTimes("h1:eth0", syns(1028*time.Millisecond, 2014*time.Millisecond, 4032*time.Millisecond), hp); len(d) != 0 {
		t.Errorf("Linux's timer wheel lateness reported: %q", d)
	}
	d := synTimes("h1:eth0", syns(time.Second, time.Second, time.Second), hp)
	if len(d) != 2 || !strings.Contains(d[0], "SYN 3 came 1s after SYN 2 in Linux, 2s in hops") {
		t.Errorf("linear timeouts not reported: %q", d)
	}
	// SYNs past synWindow are not compared.
	if n := len(synRetries(syns(time.Second, 2*time.Second, 4*time.Second, 8*time.Second))); n != 4 {
		t.Errorf("synRetries kept %d SYNs, want 4", n)
	}
}
