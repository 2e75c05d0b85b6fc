package pcapng_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hopsnet/hops/internal/tsharkcheck"
	"github.com/hopsnet/hops/trace/pcapng"
)

// ---------------------------------------------------------------------------
// Test capture.

type testIface struct {
	name, desc string
	snapLen    uint32
}

type testPacket struct {
	iface   int
	ts      int64
	data    []byte // full packet
	capLen  int    // bytes captured (<= len(data))
	dir     pcapng.Direction
	comment string
}

var (
	laptop  = [4]byte{192, 168, 1, 23}
	routerW = [4]byte{203, 0, 113, 7}
	server  = [4]byte{198, 51, 100, 10}
)

var testIfaces = []testIface{
	{"home-router:eth1", "uplink to ISP", 65535},
	{"laptop:wlan0", "", 0},
}

// testPackets is one ping exchange seen on the laptop and, after NAT, on
// the router's uplink, plus a truncated capture. Timestamps straddle 2^32
// ns so both halves of the EPB timestamp are exercised; payload lengths are
// odd so data padding is exercised.
func testPackets() []testPacket {
	payload := []byte("hops ping payload") // 17 bytes
	req := icmpEcho(laptop, server, 64, 0x1001, icmpEchoRequest, 0x4242, 1, payload)
	reqNAT := icmpEcho(routerW, server, 63, 0x1001, icmpEchoRequest, 0x4242, 1, payload)
	repNAT := icmpEcho(server, routerW, 57, 0x7777, icmpEchoReply, 0x4242, 1, payload)
	rep := icmpEcho(server, laptop, 56, 0x7777, icmpEchoReply, 0x4242, 1, payload)
	big := icmpEcho(laptop, server, 64, 0x1002, icmpEchoRequest, 0x4242, 2, bytes.Repeat([]byte{0xa5}, 1000))
	bigNAT := icmpEcho(routerW, server, 63, 0x1002, icmpEchoRequest, 0x4242, 2, bytes.Repeat([]byte{0xa5}, 1000))
	bigRep := icmpEcho(server, laptop, 56, 0x7778, icmpEchoReply, 0x4242, 2, bytes.Repeat([]byte{0xa5}, 1000))
	return []testPacket{
		{iface: 1, ts: 4_294_967_000, data: req, capLen: len(req), dir: pcapng.DirOutbound, comment: "ping 1 leaves laptop"},
		{iface: 0, ts: 4_294_967_296 + 1_001, data: reqNAT, capLen: len(reqNAT), dir: pcapng.DirOutbound},
		{iface: 0, ts: 4_312_000_123, data: repNAT, capLen: len(repNAT), dir: pcapng.DirInbound},
		{iface: 1, ts: 4_312_050_999, data: rep, capLen: len(rep), dir: pcapng.DirInbound, comment: "ping 1 answered ✓"},
		{iface: 1, ts: 5_000_000_000, data: big, capLen: len(big)},
		{iface: 0, ts: 5_000_040_000, data: bigNAT, capLen: 101, dir: pcapng.DirOutbound, comment: "truncated"},
		{iface: 1, ts: 5_020_000_007, data: bigRep, capLen: len(bigRep), dir: pcapng.DirInbound},
	}
}

func writeTestCapture(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapng.NewWriter(&buf, "hops")
	if err != nil {
		t.Fatal(err)
	}
	for i, ifc := range testIfaces {
		id, err := w.AddInterface(ifc.name, ifc.desc, pcapng.LinkTypeRaw, ifc.snapLen)
		if err != nil {
			t.Fatal(err)
		}
		if id != i {
			t.Fatalf("AddInterface returned id %d, want %d", id, i)
		}
	}
	for _, p := range testPackets() {
		if err := w.WritePacket(p.iface, p.ts, p.data[:p.capLen], len(p.data), p.dir, p.comment); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ---------------------------------------------------------------------------
// A strict, independent pcapng parser for the tests.

type option struct {
	code uint16
	val  []byte
}

type block struct {
	typ   uint32
	fixed []byte // body after the 8-byte header, before data/options
	data  []byte // EPB packet data (unpadded)
	opts  []option
}

func (b block) opt(code uint16) ([]byte, bool) {
	for _, o := range b.opts {
		if o.code == code {
			return o.val, true
		}
	}
	return nil, false
}

// parse splits a little-endian pcapng stream into blocks, failing the test
// on any layout violation: bad lengths, mismatched trailing length, non-zero
// padding, options that overrun or lack opt_endofopt.
func parse(t testing.TB, b []byte) []block {
	t.Helper()
	le := binary.LittleEndian
	var blocks []block
	for off := 0; off < len(b); {
		if len(b)-off < 12 {
			t.Fatalf("offset %d: %d trailing bytes", off, len(b)-off)
		}
		typ := le.Uint32(b[off:])
		total := int(le.Uint32(b[off+4:]))
		if total < 12 || total%4 != 0 || off+total > len(b) {
			t.Fatalf("offset %d: block type %#x has bad total length %d", off, typ, total)
		}
		if tr := int(le.Uint32(b[off+total-4:])); tr != total {
			t.Fatalf("offset %d: trailing length %d != %d", off, tr, total)
		}
		body := b[off+8 : off+total-4]
		blk := block{typ: typ}
		var rest []byte
		switch typ {
		case 0x0A0D0D0A:
			if off != 0 {
				t.Fatalf("offset %d: unexpected second SHB", off)
			}
			blk.fixed, rest = body[:16], body[16:]
			if m := le.Uint32(blk.fixed); m != 0x1A2B3C4D {
				t.Fatalf("byte-order magic %#x", m)
			}
			if maj, mnr := le.Uint16(blk.fixed[4:]), le.Uint16(blk.fixed[6:]); maj != 1 || mnr != 0 {
				t.Fatalf("version %d.%d", maj, mnr)
			}
			if sl := int64(le.Uint64(blk.fixed[8:])); sl != -1 {
				t.Fatalf("section length %d, want -1", sl)
			}
		case 1:
			blk.fixed, rest = body[:8], body[8:]
			if r := le.Uint16(blk.fixed[2:]); r != 0 {
				t.Fatalf("IDB reserved field %#x", r)
			}
		case 6:
			blk.fixed = body[:20]
			capLen := int(le.Uint32(blk.fixed[12:]))
			padded := capLen + (4-capLen%4)%4
			if 20+padded > len(body) {
				t.Fatalf("offset %d: EPB captured length %d overruns block", off, capLen)
			}
			blk.data = body[20 : 20+capLen]
			checkZero(t, body[20+capLen:20+padded], "EPB data padding")
			rest = body[20+padded:]
		default:
			t.Fatalf("offset %d: unexpected block type %#x", off, typ)
		}
		blk.opts = parseOptions(t, rest)
		blocks = append(blocks, blk)
		off += total
	}
	if len(blocks) == 0 || blocks[0].typ != 0x0A0D0D0A {
		t.Fatal("stream does not start with an SHB")
	}
	return blocks
}

func parseOptions(t testing.TB, b []byte) []option {
	t.Helper()
	le := binary.LittleEndian
	var opts []option
	for len(b) > 0 {
		if len(b) < 4 {
			t.Fatalf("option header truncated: %x", b)
		}
		code, n := le.Uint16(b), int(le.Uint16(b[2:]))
		if code == 0 {
			if n != 0 || len(b) != 4 {
				t.Fatalf("opt_endofopt with length %d and %d bytes after it", n, len(b)-4)
			}
			return opts
		}
		padded := n + (4-n%4)%4
		if 4+padded > len(b) {
			t.Fatalf("option %d length %d overruns block", code, n)
		}
		checkZero(t, b[4+n:4+padded], fmt.Sprintf("option %d padding", code))
		opts = append(opts, option{code, b[4 : 4+n]})
		b = b[4+padded:]
	}
	if len(opts) > 0 {
		t.Fatal("options not terminated by opt_endofopt")
	}
	return nil
}

func checkZero(t testing.TB, b []byte, what string) {
	t.Helper()
	for _, c := range b {
		if c != 0 {
			t.Fatalf("%s not zero: %x", what, b)
		}
	}
}

// ---------------------------------------------------------------------------
// Tests.

// TestLayout pins the exact bytes of each block type against a hand-written
// encoding of the pcapng spec.
func TestLayout(t *testing.T) {
	var buf bytes.Buffer
	w, err := pcapng.NewWriter(&buf, "hops")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddInterface("eth0", "", pcapng.LinkTypeRaw, 65535); err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(0, 0x1_0000_0002, []byte{1, 2, 3, 4, 5}, 9, pcapng.DirUnknown, ""); err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(0, 7, []byte{0xaa, 0xbb, 0xcc, 0xdd}, 4, pcapng.DirOutbound, "hi"); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		// SHB: type, len 40, BOM, v1.0, section length -1,
		// shb_userappl(4) "hops", opt_endofopt, len.
		"0a0d0d0a 28000000 4d3c2b1a 0100 0000 ffffffffffffffff",
		"0400 0400 686f7073 0000 0000 28000000",
		// IDB: type 1, len 40, linktype 101, reserved, snaplen 65535,
		// if_name(2) "eth0", if_tsresol(9)=9 + 3 pad, opt_endofopt, len.
		"01000000 28000000 6500 0000 ffff0000",
		"0200 0400 65746830 0900 0100 09000000 0000 0000 28000000",
		// EPB: type 6, len 40, iface 0, ts high 1, ts low 2, caplen 5,
		// origlen 9, data + 3 pad, no options, len.
		"06000000 28000000 00000000 01000000 02000000 05000000 09000000",
		"0102030405 000000 28000000",
		// EPB: len 56, ts 7, caplen 4, origlen 4, data,
		// epb_flags(2)=outbound, opt_comment(1) "hi" + 2 pad, opt_endofopt, len.
		"06000000 38000000 00000000 00000000 07000000 04000000 04000000",
		"aabbccdd 0200 0400 02000000 0100 0200 6869 0000 0000 0000 38000000",
	}, "")
	wantBytes, err := hex.DecodeString(strings.ReplaceAll(want, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), wantBytes) {
		t.Fatalf("layout mismatch\n got %x\nwant %x", buf.Bytes(), wantBytes)
	}
	parse(t, buf.Bytes())
}

// TestRoundTrip reads the test capture back with the strict parser.
func TestRoundTrip(t *testing.T) {
	le := binary.LittleEndian
	blocks := parse(t, writeTestCapture(t))
	pkts := testPackets()
	if got, want := len(blocks), 1+len(testIfaces)+len(pkts); got != want {
		t.Fatalf("%d blocks, want %d", got, want)
	}
	if v, _ := blocks[0].opt(4); string(v) != "hops" {
		t.Errorf("shb_userappl = %q", v)
	}
	for i, ifc := range testIfaces {
		b := blocks[1+i]
		if b.typ != 1 {
			t.Fatalf("block %d type %#x, want IDB", 1+i, b.typ)
		}
		if lt := le.Uint16(b.fixed); lt != pcapng.LinkTypeRaw {
			t.Errorf("iface %d link type %d", i, lt)
		}
		if sl := le.Uint32(b.fixed[4:]); sl != ifc.snapLen {
			t.Errorf("iface %d snaplen %d, want %d", i, sl, ifc.snapLen)
		}
		if v, _ := b.opt(2); string(v) != ifc.name {
			t.Errorf("iface %d if_name %q, want %q", i, v, ifc.name)
		}
		v, ok := b.opt(3)
		if ifc.desc == "" && ok || string(v) != ifc.desc {
			t.Errorf("iface %d if_description %q (present %v), want %q", i, v, ok, ifc.desc)
		}
		if v, _ := b.opt(9); !bytes.Equal(v, []byte{9}) {
			t.Errorf("iface %d if_tsresol %x, want 09", i, v)
		}
	}
	for i, p := range pkts {
		b := blocks[1+len(testIfaces)+i]
		if b.typ != 6 {
			t.Fatalf("packet %d: block type %#x, want EPB", i, b.typ)
		}
		iface := int(le.Uint32(b.fixed))
		ts := int64(le.Uint32(b.fixed[4:]))<<32 | int64(le.Uint32(b.fixed[8:]))
		capLen, origLen := int(le.Uint32(b.fixed[12:])), int(le.Uint32(b.fixed[16:]))
		if iface != p.iface || ts != p.ts || capLen != p.capLen || origLen != len(p.data) {
			t.Errorf("packet %d: iface %d ts %d caplen %d origlen %d; want %d %d %d %d",
				i, iface, ts, capLen, origLen, p.iface, p.ts, p.capLen, len(p.data))
		}
		if !bytes.Equal(b.data, p.data[:p.capLen]) {
			t.Errorf("packet %d: data mismatch", i)
		}
		flags, ok := b.opt(2)
		switch {
		case p.dir == pcapng.DirUnknown && ok:
			t.Errorf("packet %d: unexpected epb_flags %x", i, flags)
		case p.dir != pcapng.DirUnknown && (len(flags) != 4 || le.Uint32(flags) != uint32(p.dir)):
			t.Errorf("packet %d: epb_flags %x, want direction %v", i, flags, p.dir)
		}
		if c, _ := b.opt(1); string(c) != p.comment {
			t.Errorf("packet %d: comment %q, want %q", i, c, p.comment)
		}
	}
}

// TestDeterministic checks that two identical runs produce identical bytes.
func TestDeterministic(t *testing.T) {
	a, b := writeTestCapture(t), writeTestCapture(t)
	if !bytes.Equal(a, b) {
		t.Fatal("two writes of the same capture differ")
	}
}

func TestNoAppName(t *testing.T) {
	var buf bytes.Buffer
	w, err := pcapng.NewWriter(&buf, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	bl := parse(t, buf.Bytes())
	if len(bl) != 1 || len(bl[0].opts) != 0 || buf.Len() != 28 {
		t.Fatalf("SHB without options: %x", buf.Bytes())
	}
}

func TestErrors(t *testing.T) {
	if _, err := pcapng.NewWriter(io.Discard, "\xff"); err == nil {
		t.Error("NewWriter accepted invalid UTF-8 application name")
	}
	w, err := pcapng.NewWriter(io.Discard, "hops")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddInterface("", "", pcapng.LinkTypeRaw, 0); err == nil {
		t.Error("AddInterface accepted empty name")
	}
	if _, err := w.AddInterface("x", strings.Repeat("d", 70000), pcapng.LinkTypeRaw, 0); err == nil {
		t.Error("AddInterface accepted over-long description")
	}
	if _, err := w.AddInterface("r:eth0", "", pcapng.LinkTypeRaw, 100); err != nil {
		t.Fatal(err)
	}
	pkt := make([]byte, 60)
	for _, c := range []struct {
		name    string
		iface   int
		ts      int64
		data    []byte
		orig    int
		dir     pcapng.Direction
		comment string
	}{
		{"unknown iface", 1, 0, pkt, 60, 0, ""},
		{"negative iface", -1, 0, pkt, 60, 0, ""},
		{"negative ts", 0, -1, pkt, 60, 0, ""},
		{"orig < cap", 0, 0, pkt, 59, 0, ""},
		{"orig too big", 0, 0, pkt, math.MaxUint32 + 1, 0, ""},
		{"exceeds snaplen", 0, 0, make([]byte, 101), 101, 0, ""},
		{"bad direction", 0, 0, pkt, 60, 3, ""},
		{"long comment", 0, 0, pkt, 60, 0, strings.Repeat("c", 65536)},
		{"bad comment", 0, 0, pkt, 60, 0, "\xc0"},
	} {
		if err := w.WritePacket(c.iface, c.ts, c.data, c.orig, c.dir, c.comment); err == nil {
			t.Errorf("%s: WritePacket succeeded", c.name)
		}
	}
	if err := w.WritePacket(0, 0, make([]byte, 100), 100, pcapng.DirInbound, ""); err != nil {
		t.Errorf("packet at snaplen: %v", err)
	}
}

type failWriter struct{ n int }

var errFail = errors.New("disk full")

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errFail
	}
	return len(p), nil
}

// TestStickyError checks that a failed write is reported and sticks.
func TestStickyError(t *testing.T) {
	w, err := pcapng.NewWriter(&failWriter{n: 100}, "hops")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddInterface("a", "", pcapng.LinkTypeRaw, 0); err != nil {
		t.Fatal(err)
	}
	pkt := make([]byte, 1500)
	var got error
	for i := 0; i < 100 && got == nil; i++ {
		got = w.WritePacket(0, int64(i), pkt, len(pkt), 0, "")
	}
	if got == nil {
		got = w.Flush()
	}
	if !errors.Is(got, errFail) {
		t.Fatalf("got %v, want %v", got, errFail)
	}
	if err := w.Flush(); !errors.Is(err, errFail) {
		t.Fatalf("Flush after failure: %v", err)
	}
	if err := w.WritePacket(0, 0, pkt, len(pkt), 0, ""); !errors.Is(err, errFail) {
		t.Fatalf("WritePacket after failure: %v", err)
	}
}

func TestWritePacketNoAllocs(t *testing.T) {
	w, err := pcapng.NewWriter(io.Discard, "hops")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddInterface("a", "", pcapng.LinkTypeRaw, 0); err != nil {
		t.Fatal(err)
	}
	pkt := icmpEcho(laptop, server, 64, 1, icmpEchoRequest, 1, 1, make([]byte, 1001))
	var ts int64
	allocs := testing.AllocsPerRun(1000, func() {
		ts += 1000
		if err := w.WritePacket(0, ts, pkt, len(pkt), pcapng.DirOutbound, "with a comment"); err != nil {
			t.Fatal(err)
		}
		if err := w.WritePacket(0, ts, pkt[:77], len(pkt), pcapng.DirUnknown, ""); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("WritePacket allocates %.1f times per call pair", allocs)
	}
}

func BenchmarkWritePacket(b *testing.B) {
	w, err := pcapng.NewWriter(io.Discard, "hops")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := w.AddInterface("home-router:eth1", "", pcapng.LinkTypeRaw, 0); err != nil {
		b.Fatal(err)
	}
	pkt := icmpEcho(laptop, server, 64, 1, icmpEchoRequest, 1, 1, make([]byte, 56))
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for i := 0; b.Loop(); i++ {
		if err := w.WritePacket(0, int64(i)*1000, pkt, len(pkt), pcapng.DirOutbound, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTshark checks the capture with tshark: it must open cleanly with no
// warnings, bad checksums or malformed packets, and tshark must see the
// interface names, nanosecond timestamps, lengths, directions and comments
// that were written.
func TestTshark(t *testing.T) {
	tsharkcheck.Require(t)
	file := filepath.Join(t.TempDir(), "test.pcapng")
	if err := os.WriteFile(file, writeTestCapture(t), 0o644); err != nil {
		t.Fatal(err)
	}
	probs, err := tsharkcheck.Problems(file, "warning")
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 0 {
		t.Errorf("tshark reports problems:\n%s", strings.Join(probs, "\n"))
	}

	rows, err := tsharkcheck.Fields(file,
		"frame.interface_id", "frame.interface_name", "frame.interface_description",
		"frame.time_epoch", "frame.len", "frame.cap_len",
		"frame.packet_flags_direction", "frame.comment",
		"ip.src", "ip.dst", "icmp.type", "icmp.seq")
	if err != nil {
		t.Fatal(err)
	}
	pkts := testPackets()
	if len(rows) != len(pkts) {
		t.Fatalf("tshark decoded %d packets, want %d", len(rows), len(pkts))
	}
	ip := func(a [4]byte) string { return fmt.Sprintf("%d.%d.%d.%d", a[0], a[1], a[2], a[3]) }
	for i, p := range pkts {
		ifc := testIfaces[p.iface]
		dir := ""
		if p.dir != pcapng.DirUnknown {
			dir = fmt.Sprintf("0x%08x", uint32(p.dir)) // tshark prints it in hex
		}
		src, dst := [4]byte(p.data[12:16]), [4]byte(p.data[16:20])
		want := []string{
			strconv.Itoa(p.iface), ifc.name, ifc.desc,
			fmt.Sprintf("%d.%09d", p.ts/1e9, p.ts%1e9),
			strconv.Itoa(len(p.data)), strconv.Itoa(p.capLen),
			dir, p.comment,
			ip(src), ip(dst), strconv.Itoa(int(p.data[20])), strconv.Itoa(int(p.data[27])),
		}
		if strings.Join(rows[i], "|") != strings.Join(want, "|") {
			t.Errorf("packet %d:\n got %q\nwant %q", i, rows[i], want)
		}
	}
}
