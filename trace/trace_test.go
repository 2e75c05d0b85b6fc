package trace

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/hopsnet/hops/wire"
)

var (
	src = netip.MustParseAddr("192.168.1.100")
	dst = netip.MustParseAddr("203.0.113.10")
)

func datagram(h wire.IPv4Header, payload []byte) []byte {
	return append(h.AppendTo(nil, len(payload)), payload...)
}

func TestSummary(t *testing.T) {
	echo := (&wire.ICMPMessage{Type: wire.ICMPEchoRequest, ID: 7, Seq: 3}).AppendTo(nil)
	udp := wire.AppendUDP(nil, src, dst, 40000, 33434, make([]byte, 32))
	frag := wire.IPv4Header{TTL: 61, Protocol: wire.ProtoUDP, Src: src, Dst: dst, FragOffset: 1480, MoreFragments: true}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"echo", datagram(wire.IPv4Header{TTL: 64, Protocol: wire.ProtoICMP, Src: src, Dst: dst}, echo), "ICMP 192.168.1.100 > 203.0.113.10 echo request id 7 seq 3 ttl 64"},
		{"udp", datagram(wire.IPv4Header{TTL: 1, Protocol: wire.ProtoUDP, Src: src, Dst: dst}, udp), "UDP 192.168.1.100:40000 > 203.0.113.10:33434 ttl 1"},
		{"fragment", datagram(frag, make([]byte, 16)), "UDP 192.168.1.100 > 203.0.113.10 frag off 1480+ ttl 61"},
		{"garbage", []byte{1, 2, 3}, "malformed IPv4"},
	}
	for _, tt := range tests {
		if got := Summary(tt.in); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestJSONL(t *testing.T) {
	var buf bytes.Buffer
	j := NewJSONL(&buf)
	var b Bus
	b.Subscribe(j)
	if !b.Active() {
		t.Fatal("bus with an observer is not active")
	}
	e := b.Begin(1500, Drop)
	e.Packet, e.Node, e.Iface, e.Link, e.Reason = 9, "r\"1", "eth0", "l", ReasonQueueFull
	e.Data = datagram(wire.IPv4Header{TTL: 5, Protocol: wire.ProtoUDP, Src: src, Dst: dst}, nil)
	b.Emit()
	b.Begin(2000, LinkState).Reason = "down"
	b.Emit()
	if err := j.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	var got map[string]any
	if err := json.Unmarshal(lines[0], &got); err != nil {
		t.Fatalf("%s: %v", lines[0], err)
	}
	want := map[string]any{"t_ns": 1500.0, "kind": "drop", "packet": 9.0, "node": "r\"1", "iface": "eth0", "link": "l", "reason": "queue-full", "len": 20.0, "summary": "UDP 192.168.1.100 > 203.0.113.10 ttl 5"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if string(lines[1]) != `{"t_ns":2000,"kind":"link","reason":"down"}` {
		t.Errorf("link event %s", lines[1])
	}
}

func TestZeroBusInactive(t *testing.T) {
	var b *Bus
	if b.Active() {
		t.Fatal("nil bus active")
	}
}

func TestJSONStringEscaping(t *testing.T) {
	for _, in := range []string{"plain", "quote\" back\\slash", "ctl\x01\x1f\n\t", "bad\xffutf8", "ünïcødé"} {
		var got string
		if err := json.Unmarshal(appendJSONString(nil, in), &got); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		want := strings.ToValidUTF8(in, "\uFFFD")
		if got != want {
			t.Errorf("%q came back as %q", want, got)
		}
	}
}

// FuzzSummary: describing any bytes as a packet never panics.
func FuzzSummary(f *testing.F) {
	f.Add(datagram(wire.IPv4Header{TTL: 1, Protocol: wire.ProtoUDP, Src: src, Dst: dst}, make([]byte, 8)))
	f.Add(datagram(wire.IPv4Header{TTL: 9, Protocol: wire.ProtoICMP, Src: src, Dst: dst, MoreFragments: true}, []byte{3, 4, 0, 0}))
	f.Add([]byte{0x45, 0, 0, 20})
	f.Fuzz(func(t *testing.T, b []byte) {
		if Summary(b) == "" {
			t.Fatal("empty summary")
		}
	})
}

// TCP segments are described as tcpdump would: flags, numbers, window,
// options, payload length.
func TestSummaryTCP(t *testing.T) {
	syn := wire.TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 1000, Flags: wire.SYN, Window: 64240,
		Options: wire.TCPOptions{MSS: 1460, SACKPermitted: true, HasTimestamps: true, TSVal: 7, HasWindowScale: true, WindowScale: 7}}
	seg := syn.AppendTo(nil, src, dst, nil)
	got := Summary(datagram(wire.IPv4Header{TTL: 64, Protocol: wire.ProtoTCP, Src: src, Dst: dst}, seg))
	want := "TCP " + src.String() + ":40000 > " + dst.String() + ":80 [S] seq 1000 win 64240 <mss 1460,sackOK,TS val 7 ecr 0,wscale 7> len 0 ttl 64"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	data := wire.TCPHeader{SrcPort: 80, DstPort: 40000, Seq: 5, Ack: 1001, Flags: wire.ACK | wire.PSH, Window: 501}
	seg = data.AppendTo(nil, dst, src, []byte("hello"))
	got = Summary(datagram(wire.IPv4Header{TTL: 60, Protocol: wire.ProtoTCP, Src: dst, Dst: src}, seg))
	if want := "TCP " + dst.String() + ":80 > " + src.String() + ":40000 [P.] seq 5 ack 1001 win 501 len 5 ttl 60"; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
