package nat

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// TestEndpointIndependentMapping: one inside endpoint keeps one public
// endpoint whatever it talks to, and its port is preserved when free.
func TestEndpointIndependentMapping(t *testing.T) {
	n := newNAT(t, nil)
	a := out(t, n, 0, udpPkt(laptop, 5000, server, 53), Translated)
	b := out(t, n, 0, udpPkt(laptop, 5000, other, 123), Translated)
	c := out(t, n, 0, tcpPkt(laptop, 5000, server, 80, wire.SYN), Translated)
	for _, p := range [][]byte{a, b, c} {
		if src, _ := endpoints(p); src != ap(pubStr, 5000) {
			t.Errorf("source %v, want %v:5000 (preserved)", src, pubStr)
		}
	}
	if n.Len() != 2 {
		t.Errorf("Len = %d, want 2 (UDP and TCP port spaces are apart)", n.Len())
	}
}

// TestPortCollision: a second inside host on the same port gets a port
// drawn from the seeded stream, the same one for the same seed.
func TestPortCollision(t *testing.T) {
	draw := func() uint16 {
		n := newNAT(t, nil)
		out(t, n, 0, udpPkt(laptop, 5000, server, 53), Translated)
		p := out(t, n, 0, udpPkt(phone, 5000, server, 53), Translated)
		src, _ := endpoints(p)
		return src.Port()
	}
	got := draw()
	if got == 5000 || got < 1024 {
		t.Errorf("phone got public port %d, want a free port >= 1024", got)
	}
	if again := draw(); again != got {
		t.Errorf("same seed drew %d then %d", got, again)
	}
	// A port below PortMin is never preserved.
	n := newNAT(t, nil)
	p := out(t, n, 0, udpPkt(laptop, 123, server, 123), Translated)
	if src, _ := endpoints(p); src.Port() < 1024 {
		t.Errorf("port 123 mapped to %d, want >= 1024", src.Port())
	}
}

// TestReplyRoundTrip: the reply to a translated datagram comes back to
// the inside endpoint with the bytes a direct reply would have had.
func TestReplyRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name      string
		req, resp func(src string, sp uint16, dst string, dp uint16) []byte
	}{
		{"udp", udpPkt, udpPkt},
		{"tcp", func(s string, sp uint16, d string, dp uint16) []byte { return tcpPkt(s, sp, d, dp, wire.SYN) },
			func(s string, sp uint16, d string, dp uint16) []byte { return tcpPkt(s, sp, d, dp, wire.SYN|wire.ACK) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newNAT(t, nil)
			out(t, n, 0, tc.req(laptop, 40000, server, 80), Translated)
			got := in(t, n, at(1), tc.resp(server, 80, pubStr, 40000), Translated)
			if want := tc.resp(server, 80, laptop, 40000); !bytes.Equal(got, want) {
				t.Errorf("reply\n %x\nwant\n %x", got, want)
			}
		})
	}
}

// TestFiltering covers RFC 4787 section 5's two behaviours.
func TestFiltering(t *testing.T) {
	tests := []struct {
		name string
		f    Filtering
		from string
		port uint16
		want Verdict
	}{
		{"eif peer", EndpointIndependent, server, 53, Translated},
		{"eif stranger", EndpointIndependent, other, 9999, Translated},
		{"adf peer", AddressDependent, server, 53, Translated},
		{"adf peer other port", AddressDependent, server, 9999, Translated},
		{"adf stranger", AddressDependent, other, 53, DropFiltered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNAT(t, func(c *Config) { c.Filtering = tt.f })
			out(t, n, 0, udpPkt(laptop, 5000, server, 53), Translated)
			in(t, n, at(1), udpPkt(tt.from, tt.port, pubStr, 5000), tt.want)
			// Nothing maps public port 5001: unsolicited either way.
			in(t, n, at(1), udpPkt(tt.from, tt.port, pubStr, 5001), NoMapping)
		})
	}
}

// TestTimeouts: mappings live exactly their timeout after the last
// packet (RFC 4787 REQ-5, RFC 5382 REQ-5, RFC 5508 REQ-1).
func TestTimeouts(t *testing.T) {
	udp := func(now sim.Time, n *NAT) { out(t, n, now, udpPkt(laptop, 5000, server, 53), Translated) }
	udpIn := func(now sim.Time, n *NAT) Verdict { return n.Inbound(now, udpPkt(server, 53, pubStr, 5000)) }
	seg := func(f wire.TCPFlags) func(sim.Time, *NAT) {
		return func(now sim.Time, n *NAT) { out(t, n, now, tcpPkt(laptop, 5000, server, 80, f), Translated) }
	}
	segIn := func(f wire.TCPFlags) func(sim.Time, *NAT) {
		return func(now sim.Time, n *NAT) { in(t, n, now, tcpPkt(server, 80, pubStr, 5000, f), Translated) }
	}
	tcpIn := func(now sim.Time, n *NAT) Verdict { return n.Inbound(now, tcpPkt(server, 80, pubStr, 5000, wire.ACK)) }
	tests := []struct {
		name  string
		steps []func(sim.Time, *NAT)
		probe func(sim.Time, *NAT) Verdict
		life  time.Duration
	}{
		{"udp", []func(sim.Time, *NAT){udp}, udpIn, 2 * time.Minute},
		{"tcp syn only", []func(sim.Time, *NAT){seg(wire.SYN)}, tcpIn, 4 * time.Minute},
		{"tcp established", []func(sim.Time, *NAT){seg(wire.SYN), segIn(wire.SYN | wire.ACK), seg(wire.ACK)}, tcpIn, 2*time.Hour + 4*time.Minute},
		{"tcp half closed", []func(sim.Time, *NAT){seg(wire.SYN), segIn(wire.SYN | wire.ACK), seg(wire.FIN | wire.ACK)}, tcpIn, 4 * time.Minute},
		{"tcp reset", []func(sim.Time, *NAT){seg(wire.SYN), segIn(wire.SYN | wire.ACK), seg(wire.RST)}, tcpIn, 4 * time.Minute},
	}
	for _, tt := range tests {
		for _, edge := range []struct {
			after time.Duration
			want  Verdict
		}{{tt.life - time.Nanosecond, Translated}, {tt.life, NoMapping}} {
			n := newNAT(t, nil)
			for _, s := range tt.steps {
				s(0, n)
			}
			if n.NextDeadline() != sim.Time(tt.life) {
				t.Errorf("%s: NextDeadline %v, want %v", tt.name, n.NextDeadline(), sim.Time(tt.life))
			}
			if got := tt.probe(sim.Time(edge.after), n); got != edge.want {
				t.Errorf("%s: at %v got %v, want %v", tt.name, edge.after, got, edge.want)
			}
		}
	}
	// Expire frees the slot and the port.
	n := newNAT(t, nil)
	udp(0, n)
	n.Expire(at(119))
	if n.Len() != 1 {
		t.Fatal("expired early")
	}
	n.Expire(at(120))
	if n.Len() != 0 || n.NextDeadline() != sim.Never {
		t.Errorf("after Expire: Len %d, NextDeadline %v", n.Len(), n.NextDeadline())
	}
}

// TestICMPEcho: echo identifiers are translated like ports, so two
// hosts pinging with the same identifier stay apart (RFC 5508 REQ-1).
func TestICMPEcho(t *testing.T) {
	n := newNAT(t, nil)
	a := out(t, n, 0, echoPkt(laptop, server, wire.ICMPEchoRequest, 7, 1), Translated)
	b := out(t, n, 0, echoPkt(phone, server, wire.ICMPEchoRequest, 7, 1), Translated)
	sa, _ := endpoints(a)
	sb, _ := endpoints(b)
	if sa.Addr() != public || sb.Addr() != public || sa.Port() != 7 || sb.Port() == 7 {
		t.Fatalf("echo sources %v and %v", sa, sb)
	}
	for _, c := range []struct {
		id   uint16
		want []byte
	}{{sa.Port(), echoPkt(server, laptop, wire.ICMPEchoReply, 7, 1)}, {sb.Port(), echoPkt(server, phone, wire.ICMPEchoReply, 7, 1)}} {
		got := in(t, n, at(1), echoPkt(server, pubStr, wire.ICMPEchoReply, c.id, 1), Translated)
		if !bytes.Equal(got, c.want) {
			t.Errorf("reply\n %x\nwant\n %x", got, c.want)
		}
	}
	// A ping of the router's public address is the router's own.
	in(t, n, 0, echoPkt(server, pubStr, wire.ICMPEchoRequest, 99, 1), NoMapping)
	out(t, n, 0, echoPkt(laptop, pubStr, wire.ICMPEchoRequest, 99, 1), Pass)
	if _, ok := n.Lookup(at(59.9), wire.ProtoICMP, ap(laptop, 7)); !ok {
		t.Error("echo mapping gone before 60 s")
	}
	if _, ok := n.Lookup(at(61), wire.ProtoICMP, ap(laptop, 7)); ok {
		t.Error("echo mapping alive after 60 s")
	}
}

// TestICMPErrorInbound: errors about translated datagrams go back inside
// with the outer and the quoted headers rewritten, so that the inside
// host sees exactly the error it would have got without the NAT
// (traceroute, path-MTU discovery).
func TestICMPErrorInbound(t *testing.T) {
	tests := []struct {
		name     string
		orig     []byte
		typ      uint8
		code     uint8
		mtu      uint16
		quoteLen int
	}{
		{"traceroute udp ttl", udpPkt(laptop, 33434, server, 33434), wire.ICMPTimeExceeded, 0, 0, 0},
		{"traceroute udp whole", udpPkt(laptop, 33434, server, 33434), wire.ICMPTimeExceeded, 0, 0, -1},
		{"pmtu tcp 8 bytes", tcpPkt(laptop, 40000, server, 443, wire.ACK), wire.ICMPDestUnreachable, wire.ICMPFragNeeded, 1400, 0},
		{"pmtu tcp header", tcpPkt(laptop, 40000, server, 443, wire.ACK), wire.ICMPDestUnreachable, wire.ICMPFragNeeded, 1400, 40},
		{"port unreachable", udpPkt(laptop, 5000, server, 9), wire.ICMPDestUnreachable, wire.ICMPPortUnreachable, 0, -1},
		{"traceroute -I", echoPkt(laptop, server, wire.ICMPEchoRequest, 4242, 3), wire.ICMPTimeExceeded, 0, 0, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNAT(t, func(c *Config) { c.Filtering = AddressDependent })
			pkt := out(t, n, 0, bytes.Clone(tt.orig), Translated)
			ql := tt.quoteLen
			if ql < 0 {
				ql = len(pkt)
			}
			e := in(t, n, at(1), icmpErr(hop, tt.typ, tt.code, tt.mtu, pkt, ql), Translated)
			want := icmpErr(hop, tt.typ, tt.code, tt.mtu, tt.orig, ql)
			if !bytes.Equal(e, want) {
				t.Errorf("error\n %x\nwant\n %x", e, want)
			}
			if ql == len(pkt) { // the whole datagram quoted: its transport checksum verifies too
				if !validChecksums(wire.ICMP(wire.IPv4(e).Payload()).Body()) {
					t.Error("quoted datagram's checksums invalid")
				}
			}
		})
	}
	// An error about a datagram the NAT never sent is the router's.
	n := newNAT(t, nil)
	stray := udpPkt(pubStr, 7777, server, 53)
	in(t, n, 0, icmpErr(hop, wire.ICMPTimeExceeded, 0, 0, stray, 0), NoMapping)
}

// TestICMPErrorOutbound: an inside host's error about a datagram that
// came in through a port forward leaves with the public endpoint.
func TestICMPErrorOutbound(t *testing.T) {
	n := newNAT(t, func(c *Config) {
		c.Forwards = []Forward{{Proto: wire.ProtoUDP, PublicPort: 5353, Inside: ap(tv, 53)}}
	})
	orig := udpPkt(server, 999, pubStr, 5353)
	got := in(t, n, 0, bytes.Clone(orig), Translated)
	e := out(t, n, at(1), icmpErr(tv, wire.ICMPDestUnreachable, wire.ICMPPortUnreachable, 0, got, len(got)), Translated)
	want := icmpErr(pubStr, wire.ICMPDestUnreachable, wire.ICMPPortUnreachable, 0, orig, len(orig))
	wire.IPv4(want).SetDst(ip(server))
	if !bytes.Equal(e, want) {
		t.Errorf("error\n %x\nwant\n %x", e, want)
	}
	// About a datagram no mapping covers: dropped, not leaked.
	stray := udpPkt(server, 1, laptop, 2)
	out(t, n, 0, icmpErr(laptop, wire.ICMPDestUnreachable, wire.ICMPPortUnreachable, 0, stray, 0), DropFiltered)
}

// TestHairpin: an inside host reaching another through the public
// address is translated both ways and sees the sender's public endpoint
// (RFC 4787 REQ-9, RFC 5382 REQ-8).
func TestHairpin(t *testing.T) {
	for _, f := range []Filtering{EndpointIndependent, AddressDependent} {
		n := newNAT(t, func(c *Config) { c.Filtering = f })
		out(t, n, 0, udpPkt(phone, 6000, server, 3478), Translated) // phone learns public:6000 (STUN)
		p := n.Outbound(at(1), udpPkt(laptop, 7000, pubStr, 6000))
		want := map[Filtering]Verdict{EndpointIndependent: Hairpin, AddressDependent: DropFiltered}[f]
		if p != want {
			t.Fatalf("%v: verdict %v, want %v", f, p, want)
		}
		if f == AddressDependent {
			// Once the phone has sent to the public address, it passes.
			out(t, n, 0, udpPkt(phone, 6000, pubStr, 7000), Hairpin)
			continue
		}
		pkt := udpPkt(laptop, 7000, pubStr, 6000)
		out(t, n, at(1), pkt, Hairpin)
		if s, d := endpoints(pkt); s != ap(pubStr, 7000) || d != ap(phone, 6000) {
			t.Errorf("hairpin %v -> %v", s, d)
		}
		// The phone's answer hairpins back to the laptop.
		back := out(t, n, at(2), udpPkt(phone, 6000, pubStr, 7000), Hairpin)
		if s, d := endpoints(back); s != ap(pubStr, 6000) || d != ap(laptop, 7000) {
			t.Errorf("hairpin back %v -> %v", s, d)
		}
	}
}

// TestPortForward: a static inbound mapping lets outside hosts open
// connections to an inside server, whose replies leave from the
// forwarded public port; it never expires.
func TestPortForward(t *testing.T) {
	n := newNAT(t, func(c *Config) {
		c.Filtering = AddressDependent
		c.Forwards = []Forward{{Proto: wire.ProtoTCP, PublicPort: 8080, Inside: ap(tv, 80)}}
	})
	syn := in(t, n, at(3600), tcpPkt(other, 50000, pubStr, 8080, wire.SYN), Translated)
	if _, d := endpoints(syn); d != ap(tv, 80) {
		t.Fatalf("forwarded to %v", d)
	}
	sa := out(t, n, at(3600), tcpPkt(tv, 80, other, 50000, wire.SYN|wire.ACK), Translated)
	if s, _ := endpoints(sa); s != ap(pubStr, 8080) {
		t.Errorf("reply from %v, want %s:8080", s, pubStr)
	}
	// An unforwarded port stays closed; the static port is never given away.
	in(t, n, 0, tcpPkt(other, 50000, pubStr, 8081, wire.SYN), NoMapping)
	p := out(t, n, 0, udpPkt(laptop, 8080, server, 53), Translated)
	q := out(t, n, 0, tcpPkt(laptop, 8080, server, 80, wire.SYN), Translated)
	if s, _ := endpoints(p); s.Port() != 8080 {
		t.Errorf("UDP 8080 not preserved: %v", s)
	}
	if s, _ := endpoints(q); s.Port() == 8080 {
		t.Error("TCP 8080 handed out though forwarded")
	}
}

// TestTableFull: the bound holds; expired and idle mappings make room,
// established TCP connections are never evicted.
func TestTableFull(t *testing.T) {
	n := newNAT(t, func(c *Config) { c.MaxMappings = 2 })
	out(t, n, 0, udpPkt(laptop, 1111, server, 53), Translated)
	out(t, n, at(1), udpPkt(phone, 2222, server, 53), Translated)
	out(t, n, at(2), udpPkt(tv, 3333, server, 53), Translated) // evicts the laptop's, oldest
	if _, ok := n.Lookup(at(2), wire.ProtoUDP, ap(laptop, 1111)); ok || n.Len() != 2 {
		t.Errorf("laptop mapping kept, Len %d", n.Len())
	}
	n = newNAT(t, func(c *Config) { c.MaxMappings = 2 })
	for i, h := range []string{laptop, phone} {
		out(t, n, 0, tcpPkt(h, uint16(41000+i), server, 80, wire.SYN), Translated)
		in(t, n, 0, tcpPkt(server, 80, pubStr, uint16(41000+i), wire.SYN|wire.ACK), Translated)
	}
	out(t, n, 0, udpPkt(tv, 3333, server, 53), DropTableFull)
	if _, err := New(Config{Inside: lan, Public: public, MaxMappings: 1,
		Forwards: []Forward{{6, 1, ap(tv, 1)}, {6, 2, ap(tv, 2)}}}, sim.NewRand(1, "x")); err == nil {
		t.Error("more forwards than MaxMappings accepted")
	}
}

// TestRejects: bad input is dropped untouched with a specific verdict,
// and packets that are not the NAT's pass untouched.
func TestRejects(t *testing.T) {
	badSum := udpPkt(laptop, 1, server, 2)
	badSum[len(badSum)-1] ^= 1
	badIP := udpPkt(laptop, 1, server, 2)
	badIP[8] = 1 // TTL changed, header checksum stale
	frag := udpPkt(laptop, 1, server, 2)
	wire.IPv4(frag).SetFlagsOffset(false, true, 0)
	gre := ipv4(laptop, server, 47, []byte{0, 0, 8, 0})
	reply := echoPkt(laptop, server, wire.ICMPEchoReply, 1, 1)
	tests := []struct {
		name string
		dir  func(*NAT, sim.Time, []byte) Verdict
		pkt  []byte
		want Verdict
	}{
		{"short", (*NAT).Outbound, []byte{0x45, 0}, DropMalformed},
		{"udp checksum", (*NAT).Outbound, badSum, DropChecksum},
		{"ip checksum", (*NAT).Outbound, badIP, DropChecksum},
		{"fragment", (*NAT).Outbound, frag, DropFragment},
		{"gre", (*NAT).Outbound, gre, DropProtocol},
		{"echo reply out", (*NAT).Outbound, reply, DropProtocol},
		{"router's own", (*NAT).Outbound, udpPkt(pubStr, 68, server, 67), Pass},
		{"not for us", (*NAT).Inbound, udpPkt(server, 1, other, 2), Pass},
		{"gre in", (*NAT).Inbound, ipv4(server, pubStr, 47, []byte{0, 0, 8, 0}), NoMapping},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNAT(t, nil)
			orig := bytes.Clone(tt.pkt)
			if got := tt.dir(n, 0, tt.pkt); got != tt.want {
				t.Errorf("verdict %v, want %v", got, tt.want)
			}
			if !bytes.Equal(orig, tt.pkt) {
				t.Error("packet changed")
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{Inside: lan},
		{Public: public},
		{Inside: lan, Public: public, PortMin: 2000, PortMax: 1000},
		{Inside: lan, Public: public, Forwards: []Forward{{1, 1, ap(tv, 1)}}},
		{Inside: lan, Public: public, Forwards: []Forward{{6, 1, ap(server, 1)}}},
		{Inside: lan, Public: public, Forwards: []Forward{{6, 1, ap(tv, 1)}, {6, 1, ap(tv, 2)}}},
		{Inside: lan, Public: public, Forwards: []Forward{{6, 1, ap(tv, 1)}, {6, 2, ap(tv, 1)}}},
	} {
		if _, err := New(cfg, sim.NewRand(1, "x")); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

// TestConntrack: the listing reads like `conntrack -L`.
func TestConntrack(t *testing.T) {
	n := newNAT(t, func(c *Config) {
		c.Forwards = []Forward{{Proto: wire.ProtoTCP, PublicPort: 8080, Inside: ap(tv, 80)}}
	})
	out(t, n, 0, udpPkt(laptop, 51000, server, 53), Translated)
	in(t, n, at(1), udpPkt(server, 53, pubStr, 51000), Translated)
	out(t, n, 0, tcpPkt(phone, 40000, server, 443, wire.SYN), Translated)
	in(t, n, 0, tcpPkt(server, 443, pubStr, 40000, wire.SYN|wire.ACK), Translated)
	out(t, n, 0, tcpPkt(phone, 40000, server, 443, wire.ACK), Translated)
	out(t, n, 0, echoPkt(laptop, server, wire.ICMPEchoRequest, 1234, 1), Translated)
	out(t, n, 0, udpPkt(laptop, 51000, other, 123), Translated)
	got := string(n.AppendConntrack(nil, at(2)))
	want := strings.Join([]string{
		"icmp     1 58 src=192.168.1.10 dst=198.51.100.7 type=8 code=0 id=1234 [UNREPLIED] src=198.51.100.7 dst=203.0.113.5 type=0 code=0 id=1234 mark=0 use=1",
		"tcp      6 7438 ESTABLISHED src=192.168.1.11 dst=198.51.100.7 sport=40000 dport=443 src=198.51.100.7 dst=203.0.113.5 sport=443 dport=40000 [ASSURED] mark=0 use=1",
		"udp      17 119 src=192.168.1.10 dst=198.51.100.7 sport=51000 dport=53 src=198.51.100.7 dst=203.0.113.5 sport=53 dport=51000 [ASSURED] mark=0 use=1",
		"udp      17 118 src=192.168.1.10 dst=198.51.100.99 sport=51000 dport=123 [UNREPLIED] src=198.51.100.99 dst=203.0.113.5 sport=123 dport=51000 mark=0 use=1",
		"",
	}, "\n")
	if got != want {
		t.Errorf("conntrack:\n%s\nwant:\n%s", got, want)
	}
	ms := n.Mappings(at(2))
	if len(ms) != 4 || !ms[2].Static || ms[2].Public != netip.AddrPortFrom(public, 8080) {
		t.Errorf("Mappings = %+v", ms)
	}
}
