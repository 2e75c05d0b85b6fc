package nat

import (
	"bytes"
	"testing"

	"github.com/hopsnet/hops/wire"
)

// fuzzNAT is a NAT with a few live mappings, so fuzzed packets can hit
// them.
func fuzzNAT(t testing.TB) *NAT {
	n := newNAT(t, func(c *Config) {
		c.Filtering = AddressDependent
		c.MaxMappings = 16
		c.Forwards = []Forward{{Proto: wire.ProtoTCP, PublicPort: 8080, Inside: ap(tv, 80)}}
	})
	n.Outbound(0, udpPkt(laptop, 5000, server, 53))
	n.Outbound(0, tcpPkt(laptop, 40000, server, 443, wire.SYN))
	n.Outbound(0, echoPkt(laptop, server, wire.ICMPEchoRequest, 7, 1))
	return n
}

// fixChecksums recomputes the checksums of a structurally valid packet,
// so that the fuzzer's mutations reach the translation code.
func fixChecksums(pkt []byte) {
	v := wire.IPv4(pkt)
	if v.Check() != nil {
		return
	}
	v.ComputeChecksum()
	seg := v.Payload()
	switch v.Protocol() {
	case wire.ProtoUDP:
		if wire.UDP(seg).Check() == nil {
			wire.UDP(seg).ComputeChecksum(v.Src(), v.Dst())
		}
	case wire.ProtoTCP:
		if wire.TCP(seg).Check() == nil {
			wire.TCP(seg).ComputeChecksum(v.Src(), v.Dst())
		}
	case wire.ProtoICMP:
		if len(seg) >= 8 {
			seg[2], seg[3] = 0, 0
			c := wire.Checksum(seg, 0)
			seg[2], seg[3] = byte(c>>8), byte(c)
		}
	}
}

// outerValid is validChecksums without the quoted header, which the NAT
// keeps only as valid as it found it.
func outerValid(pkt []byte) bool {
	v := wire.IPv4(pkt)
	if v.Check() != nil || !v.ChecksumValid() {
		return false
	}
	seg := v.Payload()
	switch v.Protocol() {
	case wire.ProtoUDP:
		return wire.VerifyUDPChecksum(v.Src(), v.Dst(), seg)
	case wire.ProtoTCP:
		return wire.VerifyTCPChecksum(v.Src(), v.Dst(), seg)
	case wire.ProtoICMP:
		return wire.ICMP(seg).ChecksumValid()
	}
	return true
}

// FuzzNAT feeds arbitrary bytes in either direction: no panic; a packet
// the NAT rewrites has valid checksums (and a quoted header valid before
// stays valid); a packet it does not rewrite is unchanged.
func FuzzNAT(f *testing.F) {
	for _, p := range [][]byte{
		udpPkt(laptop, 5000, server, 53), udpPkt(server, 53, pubStr, 5000),
		tcpPkt(other, 1, pubStr, 8080, wire.SYN), tcpPkt(laptop, 40000, pubStr, 8080, wire.SYN),
		echoPkt(server, pubStr, wire.ICMPEchoReply, 7, 1),
		icmpErr(hop, wire.ICMPTimeExceeded, 0, 0, udpPkt(pubStr, 5000, server, 53), 0),
		icmpErr(hop, wire.ICMPDestUnreachable, 4, 1400, tcpPkt(pubStr, 40000, server, 443, wire.ACK), 40),
		icmpErr(tv, wire.ICMPDestUnreachable, 3, 0, tcpPkt(other, 1, tv, 80, wire.SYN), 0),
	} {
		f.Add(p, true, true)
		f.Add(p, false, true)
	}
	f.Fuzz(func(t *testing.T, pkt []byte, outbound, fix bool) {
		n := fuzzNAT(t)
		if fix {
			fixChecksums(pkt)
		}
		orig := bytes.Clone(pkt)
		innerWasValid := innerValid(pkt)
		var v Verdict
		if outbound {
			v = n.Outbound(at(1), pkt)
		} else {
			v = n.Inbound(at(1), pkt)
		}
		switch v {
		case Translated, Hairpin:
			if !outerValid(pkt) {
				t.Fatalf("%v packet with bad checksums:\n in %x\nout %x", v, orig, pkt)
			}
			if innerWasValid && !innerValid(pkt) {
				t.Fatalf("quoted header checksum broken:\n in %x\nout %x", orig, pkt)
			}
		default:
			if !bytes.Equal(orig, pkt) {
				t.Fatalf("%v changed the packet:\n in %x\nout %x", v, orig, pkt)
			}
		}
	})
}

func innerValid(pkt []byte) bool {
	v := wire.IPv4(pkt)
	if v.Check() != nil || v.Protocol() != wire.ProtoICMP || len(v.Payload()) < 8 {
		return false
	}
	q, ok := parseQuoted(wire.ICMP(v.Payload()).Body())
	return ok && q.ip.ChecksumValid()
}

// TestNoAllocs: translating a packet of an existing mapping, both ways,
// allocates nothing.
func TestNoAllocs(t *testing.T) {
	n := newNAT(t, nil)
	o, i := udpPkt(laptop, 5000, server, 53), udpPkt(server, 53, pubStr, 5000)
	to, ti := tcpPkt(laptop, 40000, server, 443, wire.ACK), tcpPkt(server, 443, pubStr, 40000, wire.ACK)
	e := echoPkt(laptop, server, wire.ICMPEchoRequest, 7, 1)
	bufs := [][]byte{make([]byte, len(o)), make([]byte, len(i)), make([]byte, len(to)), make([]byte, len(ti)), make([]byte, len(e))}
	run := func() {
		copy(bufs[0], o)
		copy(bufs[1], i)
		copy(bufs[2], to)
		copy(bufs[3], ti)
		copy(bufs[4], e)
		if n.Outbound(0, bufs[0]) != Translated || n.Inbound(0, bufs[1]) != Translated ||
			n.Outbound(0, bufs[2]) != Translated || n.Inbound(0, bufs[3]) != Translated ||
			n.Outbound(0, bufs[4]) != Translated {
			t.Fatal("not translated")
		}
	}
	run()
	if a := testing.AllocsPerRun(100, run); a != 0 {
		t.Errorf("%v allocs per round, want 0", a)
	}
}

// BenchmarkTranslate measures a UDP datagram out and its reply in
// through an existing mapping: two translations per op, with checksum
// verification of the 10-byte payload and incremental updates.
func BenchmarkTranslate(b *testing.B) {
	for _, tc := range []struct {
		name    string
		out, in []byte
	}{
		{"udp", udpPkt(laptop, 5000, server, 53), udpPkt(server, 53, pubStr, 5000)},
		{"tcp", tcpPkt(laptop, 40000, server, 443, wire.ACK), tcpPkt(server, 443, pubStr, 40000, wire.ACK)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			n := newNAT(b, nil)
			o, i := bytes.Clone(tc.out), bytes.Clone(tc.in)
			n.Outbound(0, o)
			b.ReportAllocs()
			for b.Loop() {
				copy(o, tc.out)
				copy(i, tc.in)
				if n.Outbound(0, o) != Translated || n.Inbound(0, i) != Translated {
					b.Fatal("not translated")
				}
			}
			b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "translations/s")
		})
	}
}
