package h2

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/hopsnet/hops/http/h1"
	"golang.org/x/net/http2/hpack"
)

func dehex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

type hstep struct {
	wire   string
	fields h1.Header
	table  h1.Header // newest first
	size   int
}

func hf(kv ...string) h1.Header {
	var h h1.Header
	for i := 0; i < len(kv); i += 2 {
		h = append(h, h1.Field{Name: kv[i], Value: kv[i+1]})
	}
	return h
}

var (
	req1 = hf(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com")
	req2 = hf(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com", "cache-control", "no-cache")
	req3 = hf(":method", "GET", ":scheme", "https", ":path", "/index.html", ":authority", "www.example.com", "custom-key", "custom-value")
	tab1 = hf(":authority", "www.example.com")
	tab2 = hf("cache-control", "no-cache", ":authority", "www.example.com")
	tab3 = hf("custom-key", "custom-value", "cache-control", "no-cache", ":authority", "www.example.com")

	resp1  = hf(":status", "302", "cache-control", "private", "date", "Mon, 21 Oct 2013 20:13:21 GMT", "location", "https://www.example.com")
	resp2  = hf(":status", "307", "cache-control", "private", "date", "Mon, 21 Oct 2013 20:13:21 GMT", "location", "https://www.example.com")
	resp3  = hf(":status", "200", "cache-control", "private", "date", "Mon, 21 Oct 2013 20:13:22 GMT", "location", "https://www.example.com", "content-encoding", "gzip", "set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1")
	rtab1  = hf("location", "https://www.example.com", "date", "Mon, 21 Oct 2013 20:13:21 GMT", "cache-control", "private", ":status", "302")
	rtab2  = hf(":status", "307", "location", "https://www.example.com", "date", "Mon, 21 Oct 2013 20:13:21 GMT", "cache-control", "private")
	rtab3  = hf("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1", "content-encoding", "gzip", "date", "Mon, 21 Oct 2013 20:13:22 GMT")
	appxC3 = []hstep{
		{"8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d", req1, tab1, 57},
		{"8286 84be 5808 6e6f 2d63 6163 6865", req2, tab2, 110},
		{"8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65", req3, tab3, 164},
	}
	appxC4 = []hstep{
		{"8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff", req1, tab1, 57},
		{"8286 84be 5886 a8eb 1064 9cbf", req2, tab2, 110},
		{"8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf", req3, tab3, 164},
	}
	appxC5 = []hstep{
		{`4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
		  2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`, resp1, rtab1, 222},
		{"4803 3330 37c1 c0bf", resp2, rtab2, 222},
		{`88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
		  54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
		  5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31`, resp3, rtab3, 215},
	}
	appxC6 = []hstep{
		{`4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
		  2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`, resp1, rtab1, 222},
		{"4883 640e ffc1 c0bf", resp2, rtab2, 222},
		{`88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
		  77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
		  9587 3160 65c0 03ed 4ee5 b106 3d50 07`, resp3, rtab3, 215},
	}
)

// TestAppendixC decodes and encodes RFC 7541 Appendix C.3-C.6 byte for
// byte, checking the dynamic table after each block.
func TestAppendixC(t *testing.T) {
	for _, tc := range []struct {
		name  string
		size  int
		huff  bool
		steps []hstep
	}{{"C.3", 4096, false, appxC3}, {"C.4", 4096, true, appxC4}, {"C.5", 256, false, appxC5}, {"C.6", 256, true, appxC6}} {
		d := NewDecoder(tc.size)
		e := NewEncoder(tc.size)
		e.NoHuffman = !tc.huff
		for i, st := range tc.steps {
			wire := dehex(st.wire)
			got, err := d.Decode(nil, wire)
			if err != nil {
				t.Fatalf("%s step %d: decode: %v", tc.name, i, err)
			}
			if !equalHeader(got, st.fields) {
				t.Fatalf("%s step %d: decoded %v, want %v", tc.name, i, got, st.fields)
			}
			var tab h1.Header
			for j := 1; j <= d.TableLen(); j++ {
				tab = append(tab, d.TableEntry(j))
			}
			if !equalHeader(tab, st.table) || d.TableSize() != st.size {
				t.Fatalf("%s step %d: table %v (%d), want %v (%d)", tc.name, i, tab, d.TableSize(), st.table, st.size)
			}
			if enc := e.Encode(nil, st.fields); !bytes.Equal(enc, wire) {
				t.Fatalf("%s step %d: encoded\n%x, want\n%x", tc.name, i, enc, wire)
			}
			if e.TableSize() != st.size {
				t.Fatalf("%s step %d: encoder table size %d, want %d", tc.name, i, e.TableSize(), st.size)
			}
		}
	}
}

func equalHeader(a, b h1.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func TestIntegers(t *testing.T) {
	// RFC 7541 C.1
	for _, tc := range []struct {
		v    uint64
		n    uint
		wire string
	}{{10, 5, "0a"}, {1337, 5, "1f9a0a"}, {42, 8, "2a"}, {31, 5, "1f00"}, {1<<32 - 1, 7, "7f80ffffff0f"}} {
		b := appendInt(nil, 0, tc.n, tc.v)
		if hex.EncodeToString(b) != tc.wire {
			t.Errorf("appendInt(%d, %d) = %x, want %s", tc.v, tc.n, b, tc.wire)
		}
		v, rest, err := readInt(b, tc.n)
		if err != nil || v != tc.v || len(rest) != 0 {
			t.Errorf("readInt(%s) = %d, %v", tc.wire, v, err)
		}
	}
	if _, _, err := readInt(dehex("1fffffffffffffff7f"), 5); err != ErrIntOverflow {
		t.Errorf("overflow: %v", err)
	}
	if _, _, err := readInt(dehex("1fff"), 5); err != ErrTruncatedBlock {
		t.Errorf("truncated: %v", err)
	}
}

func TestHuffman(t *testing.T) {
	for _, s := range []string{"", "www.example.com", "no-cache", "\x00\xff\x7f binary", strings.Repeat("z", 1000)} {
		var all []byte
		for c := 0; c < 256; c++ {
			all = append(all, byte(c))
		}
		for _, in := range []string{s, string(all)} {
			enc := AppendHuffman(nil, in)
			if len(enc) != HuffmanEncodedLen(in) {
				t.Fatalf("length %d != %d", len(enc), HuffmanEncodedLen(in))
			}
			if want := hpack.AppendHuffmanString(nil, in); !bytes.Equal(enc, want) {
				t.Fatalf("%q: %x, x/net %x", in, enc, want)
			}
			dec, err := AppendHuffmanDecode(nil, enc)
			if err != nil || string(dec) != in {
				t.Fatalf("%q: round trip %q %v", in, dec, err)
			}
		}
	}
	// invalid: EOS inside (30 ones), padding of 8 bits, padding not ones
	for _, bad := range []string{"ffffffff", "1fff", "fe"} {
		if _, err := AppendHuffmanDecode(nil, dehex(bad)); err != ErrHuffman {
			t.Errorf("%s: %v, want ErrHuffman", bad, err)
		}
	}
	// "a" is 00011: padded with 111 is valid, with 000 is not
	if _, err := AppendHuffmanDecode(nil, []byte{0x1f}); err != nil {
		t.Error(err)
	}
	if _, err := AppendHuffmanDecode(nil, []byte{0x18}); err != ErrHuffman {
		t.Error("zero padding accepted")
	}
}

func TestDecoderErrorsAndLimits(t *testing.T) {
	d := NewDecoder(4096)
	for _, tc := range []struct {
		wire string
		err  error
	}{
		{"80", ErrBadIndex},                  // index 0
		{"be", ErrBadIndex},                  // dynamic entry 1 of an empty table
		{"8240", ErrTruncatedBlock},          // literal without a name
		{"82 3fe11f", ErrTableSizeUpdate},    // size update after a field
		{"3fe21f", ErrTableSizeUpdate},       // size update above the setting (4097)
		{"0003616263", ErrTruncatedBlock},    // name shorter than its length
		{"00 81ff 00", ErrHuffman},           // name Huffman with padding of 8 bits
		{"7f80808080808001", ErrIntOverflow}, // index too large
	} {
		if _, err := d.Decode(nil, dehex(tc.wire)); err != tc.err {
			t.Errorf("%s: %v, want %v", tc.wire, err, tc.err)
		}
	}
	// size update then eviction
	d = NewDecoder(4096)
	if _, err := d.Decode(nil, dehex(appxC3[0].wire)); err != nil || d.TableLen() != 1 {
		t.Fatal(err)
	}
	if _, err := d.Decode(nil, dehex("20")); err != nil || d.TableLen() != 0 { // size 0 evicts all
		t.Fatalf("size update to 0: %v len %d", err, d.TableLen())
	}
	// header list limit: the block is still decoded in full (table in step)
	d = NewDecoder(4096)
	d.MaxHeaderListSize = 100
	e := NewEncoder(4096)
	big := hf("x-a", strings.Repeat("a", 50), "x-b", strings.Repeat("b", 50))
	if _, err := d.Decode(nil, e.Encode(nil, big)); err != ErrHeaderListTooLarge {
		t.Fatalf("list limit: %v", err)
	}
	if d.TableLen() != 2 {
		t.Fatalf("table out of step: %d", d.TableLen())
	}
	// HPACK bomb: one big entry indexed many times is bounded by the list size
	e2 := NewEncoder(4096)
	blk := e2.Encode(nil, hf("x-bomb", strings.Repeat("b", 1500)))
	for i := 0; i < 1000; i++ {
		blk = append(blk, 0xbe)
	}
	d = NewDecoder(4096)
	d.MaxHeaderListSize = 16 << 10
	got, err := d.Decode(nil, blk)
	if err != ErrHeaderListTooLarge || len(got) > 11 {
		t.Fatalf("bomb: %v, %d fields", err, len(got))
	}
}

// TestJudgeHpack: x/net's hpack and ours decode each other's blocks of
// the same header lists, over a run of blocks sharing dynamic tables,
// with table size changes.
func TestJudgeHpack(t *testing.T) {
	lists := []h1.Header{req1, req2, req3, resp1, resp2, resp3,
		hf(":method", "POST", ":path", "/items", "content-type", "application/json", "authorization", "Bearer x", "cookie", "a=b"),
		hf("x-long", strings.Repeat("0123456789", 300), "x-bin", "\x01\x02\xfe\xff"),
		hf(":status", "200", "content-length", "12345", "etag", `"abc"`, "x-empty", ""),
	}
	var xbuf bytes.Buffer
	xenc := hpack.NewEncoder(&xbuf)
	xdec := hpack.NewDecoder(4096, nil)
	ours := NewEncoder(4096)
	dec := NewDecoder(4096)
	for round := 0; round < 4; round++ {
		if round == 2 { // both ends shrink their tables
			xenc.SetMaxDynamicTableSize(512)
			dec.SetMaxTableSize(4096)
			ours.SetPeerMaxTableSize(512)
			xdec.SetMaxDynamicTableSize(512)
		}
		for i, l := range lists {
			// ours -> x/net
			blk := ours.Encode(nil, l)
			got, err := xdec.DecodeFull(blk)
			if err != nil {
				t.Fatalf("round %d list %d: x/net decode: %v", round, i, err)
			}
			if len(got) != len(l) {
				t.Fatalf("x/net got %v", got)
			}
			for j := range got {
				if got[j].Name != l[j].Name || got[j].Value != l[j].Value {
					t.Fatalf("round %d list %d field %d: x/net got %v want %v", round, i, j, got[j], l[j])
				}
			}
			// x/net -> ours
			xbuf.Reset()
			for _, f := range l {
				xenc.WriteField(hpack.HeaderField{Name: f.Name, Value: f.Value, Sensitive: f.Name == "authorization"})
			}
			mine, err := dec.Decode(nil, xbuf.Bytes())
			if err != nil || !equalHeader(mine, l) {
				t.Fatalf("round %d list %d: ours decoded %v %v", round, i, mine, err)
			}
		}
	}
}
