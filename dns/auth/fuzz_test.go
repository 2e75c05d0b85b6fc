package auth

import (
	"encoding/binary"
	"testing"

	"github.com/miekg/dns"
)

// hostileSeeds are messages built to hurt a parser: compression loops,
// counts larger than the message, names over 255 bytes, labels over 63.
func hostileSeeds(t testing.TB) [][]byte {
	hdr := func(qd, an, ns, ar uint16) []byte {
		b := []byte{0x12, 0x34, 0x01, 0x00}
		for _, c := range []uint16{qd, an, ns, ar} {
			b = binary.BigEndian.AppendUint16(b, c)
		}
		return b
	}
	var seeds [][]byte
	// A pointer to itself, and two pointers to each other.
	seeds = append(seeds, append(hdr(1, 0, 0, 0), 0xc0, 12, 0, 1, 0, 1))
	seeds = append(seeds, append(hdr(1, 0, 0, 0), 0xc0, 14, 0xc0, 12, 0, 1, 0, 1))
	// A forward pointer past the end.
	seeds = append(seeds, append(hdr(1, 0, 0, 0), 0xc0, 0xff, 0, 1, 0, 1))
	// Counts far larger than the message.
	seeds = append(seeds, hdr(0xffff, 0xffff, 0xffff, 0xffff))
	seeds = append(seeds, append(hdr(2, 0, 0, 0), 3, 'w', 'w', 'w', 0, 0, 1, 0, 1))
	// A name of 300 bytes in 5 labels of 59, and a label of 64.
	long := hdr(1, 0, 0, 0)
	for range 5 {
		long = append(long, 59)
		for range 59 {
			long = append(long, 'a')
		}
	}
	long = append(long, 0, 0, 1, 0, 1)
	seeds = append(seeds, long)
	l64 := append(hdr(1, 0, 0, 0), 64)
	for range 64 {
		l64 = append(l64, 'b')
	}
	seeds = append(seeds, append(l64, 0, 0, 1, 0, 1))
	// An OPT with a length past the end; two OPTs.
	m := new(dns.Msg)
	m.SetQuestion("www.example.com.", dns.TypeA)
	m.SetEdns0(4096, true)
	good, _ := m.Pack()
	seeds = append(seeds, good, good[:len(good)-3])
	m.Extra = append(m.Extra, m.Extra[0])
	two, _ := m.Pack()
	seeds = append(seeds, two)
	// Normal queries for every answer path.
	for _, q := range []struct {
		name string
		t    uint16
	}{{"www.example.com.", dns.TypeA}, {"x.sub.example.com.", dns.TypeA}, {"loop1.example.com.", dns.TypeA},
		{"x.b.wild.example.com.", dns.TypeA}, {"q.cn.example.com.", dns.TypeANY}, {"big.example.com.", dns.TypeTXT}} {
		seeds = append(seeds, query(t, q.name, q.t, 0, true))
	}
	return seeds
}

// FuzzRespond: whatever arrives, the engine neither panics nor answers
// more than the transport allows, and what it sends parses, with the
// query's ID.
func FuzzRespond(f *testing.F) {
	for _, s := range hostileSeeds(f) {
		f.Add(s, false)
	}
	s := loadTestZone(f)
	f.Fuzz(func(t *testing.T, msg []byte, overTCP bool) {
		tr := UDP
		if overTCP {
			tr = TCP
		}
		resp, err := s.Respond(nil, msg, tr)
		if err != nil {
			return
		}
		if tr == UDP && len(resp) > DefaultUDPSize {
			t.Fatalf("UDP answer of %d bytes", len(resp))
		}
		var m dns.Msg
		if err := m.Unpack(resp); err != nil {
			t.Fatalf("answer does not parse: %v\n% x", err, resp)
		}
		if !m.Response || resp[0] != msg[0] || resp[1] != msg[1] {
			t.Fatalf("answer header %v", m.MsgHdr)
		}
	})
}

// TestHostileSeeds runs the seeds outside fuzzing too.
func TestHostileSeeds(t *testing.T) {
	s := loadTestZone(t)
	for i, seed := range hostileSeeds(t) {
		for _, tr := range []Transport{UDP, TCP} {
			resp, err := s.Respond(nil, seed, tr)
			if err != nil {
				continue
			}
			var m dns.Msg
			if err := m.Unpack(resp); err != nil {
				t.Errorf("seed %d over %v: answer does not parse: %v", i, tr, err)
			}
		}
	}
}

// BenchmarkRespond measures queries answered per wall-clock second and
// allocations per query, over a mix of answer paths.
func BenchmarkRespond(b *testing.B) {
	s := loadTestZone(b)
	qs := [][]byte{
		query(b, "www.example.com.", dns.TypeA, 1232, false),
		query(b, "nope.example.com.", dns.TypeA, 1232, false),
		query(b, "foo.wild.example.com.", dns.TypeA, 1232, false),
		query(b, "www.sub.example.com.", dns.TypeA, 1232, false),
		query(b, "chain1.example.com.", dns.TypeA, 1232, false),
	}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		buf, err = s.Respond(buf[:0], qs[i%len(qs)], UDP)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}
