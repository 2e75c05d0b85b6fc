package dnsjudge

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/dns/auth"
	"github.com/miekg/dns"
)

// A serverSet is one name server's zones, served by hops and by knotd.
type serverSet struct {
	Name  string
	Zones []zoneSrc
}

// serverSets are the default world's three name servers, with the zones
// embedded in app/dnsserver exactly as dnsserver.DefaultServers assigns
// them, and a fourth serving dns/auth's test zone and this package's
// example.org zone.
func serverSets(t testing.TB) []serverSet {
	t.Helper()
	var sets []serverSet
	for _, d := range dnsserver.DefaultServers {
		s := serverSet{Name: d.Node}
		for _, zf := range d.Zones {
			text, err := dnsserver.ZoneText(zf.File)
			if err != nil {
				t.Fatal(err)
			}
			s.Zones = append(s.Zones, zoneSrc{Origin: zf.Origin, Text: string(text)})
		}
		sets = append(sets, s)
	}
	test := serverSet{Name: "test"}
	for _, f := range []struct{ origin, path string }{
		{"example.com.", "../../dns/auth/testdata/example.com.zone"},
		{"example.org.", "testdata/example.org.zone"},
	} {
		text, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		test.Zones = append(test.Zones, zoneSrc{Origin: f.origin, Text: string(text)})
	}
	return append(sets, test)
}

// hopsServer builds dns/auth's engine for a set from the same texts.
func hopsServer(t testing.TB, s serverSet) *auth.Server {
	t.Helper()
	var zones []*auth.Zone
	for i, z := range s.Zones {
		zone, err := auth.ParseZoneString(z.Text, z.Origin, fmt.Sprintf("%s-%d.zone", s.Name, i))
		if err != nil {
			t.Fatal(err)
		}
		zones = append(zones, zone)
	}
	srv, err := auth.NewServer(zones...)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestJudge runs the query table against hops and Knot and compares.
func TestJudge(t *testing.T) {
	knotd := requireKnotd(t)
	start := time.Now()
	t.Logf("judge: %s", knotdVersion(knotd))
	sets := serverSets(t)
	hops := map[string]*auth.Server{}
	judges := map[string]*knot{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, s := range sets {
		hops[s.Name] = hopsServer(t, s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := startKnot(t, knotd, s.Zones, 60*time.Second)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("%s: %v", s.Name, err)
				return
			}
			judges[s.Name] = k
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d knotd servers ready in %v", len(judges), time.Since(start).Round(time.Millisecond))

	seen := map[string]bool{}
	var equal, named int
	byDiff := map[string]int{}
	for i, c := range table {
		if seen[c.Name] {
			t.Fatalf("case %q twice", c.Name)
		}
		seen[c.Name] = true
		if hops[c.Server] == nil {
			t.Fatalf("case %q: no server set %q", c.Name, c.Server)
		}
		t.Run(c.Name, func(t *testing.T) {
			q := c.query(uint16(1000 + i))
			silent := c.Diff != nil && c.Diff.KnotSilent
			hm, km := ask(t, hops[c.Server], judges[c.Server], c.TCP, q, silent)
			if c.WantTC && (!hm.Truncated || km == nil || !km.Truncated) {
				t.Errorf("%s: the answer does not fit, so both should set TC", c.describe())
			}
			if silent {
				if km != nil {
					t.Errorf("%s: named difference %q: Knot was to send nothing, and answered:\n%v", c.describe(), c.Diff.Name, km)
				} else if err := c.Diff.Mask(hm, nil); err != nil {
					t.Errorf("%s: named difference %q: %v\nhops:\n%v", c.describe(), c.Diff.Name, err, hm)
				}
			} else if c.Diff == nil {
				if diffs := compare(hm, km); len(diffs) > 0 {
					t.Errorf("%s over %s: hops and Knot differ:\n  %s\nhops:\n%v\nknot:\n%v",
						c.describe(), c.net(), strings.Join(diffs, "\n  "), hm, km)
				}
				mu.Lock()
				equal++
				mu.Unlock()
				return
			} else {
				// A named difference: it must be there, exactly as named,
				// and the rest of the two answers equal.
				if err := c.Diff.Mask(hm, km); err != nil {
					t.Errorf("%s over %s: named difference %q is not what it says: %v\nhops:\n%v\nknot:\n%v",
						c.describe(), c.net(), c.Diff.Name, err, hm, km)
				} else if rest := compare(hm, km); len(rest) > 0 {
					t.Errorf("%s over %s: beyond the named difference %q, hops and Knot differ:\n  %s\nhops:\n%v\nknot:\n%v",
						c.describe(), c.net(), c.Diff.Name, strings.Join(rest, "\n  "), hm, km)
				}
			}
			t.Logf("named difference %q: %s", c.Diff.Name, c.Diff.Why)
			mu.Lock()
			named++
			byDiff[c.Diff.Name]++
			mu.Unlock()
		})
	}
	if len(table) < 50 {
		t.Errorf("the table has %d queries; the issue asks for at least 50", len(table))
	}
	var names []string
	for n, k := range byDiff {
		names = append(names, fmt.Sprintf("%s (%d)", n, k))
	}
	slices.Sort(names)
	t.Logf("%d queries: %d equal, %d with a named difference [%s]; %v",
		len(table), equal, named, strings.Join(names, ", "), time.Since(start).Round(time.Millisecond))
}

// ask sends the query to both servers and returns both responses.
// With silent, Knot is expected to send nothing: it is given 300 ms and
// km is nil when it stays silent.
func ask(t *testing.T, h *auth.Server, k *knot, tcp bool, q []byte, silent bool) (hm, km *dns.Msg) {
	t.Helper()
	tr, network := auth.UDP, "udp"
	if tcp {
		tr, network = auth.TCP, "tcp"
	}
	hraw, err := h.Respond(nil, q, tr)
	if err != nil {
		t.Fatalf("hops: %v", err)
	}
	wait := 2 * time.Second
	if silent {
		wait = 300 * time.Millisecond
	}
	kraw, err := exchange(k.Addr, network, q, wait)
	var nerr net.Error
	if silent && errors.As(err, &nerr) && nerr.Timeout() {
		hm = new(dns.Msg)
		if err := hm.Unpack(hraw); err != nil {
			t.Fatalf("hops' answer does not parse: %v", err)
		}
		return hm, nil
	}
	if err != nil {
		t.Fatalf("knot: %v\n%s", err, k.log.String())
	}
	hm, km = new(dns.Msg), new(dns.Msg)
	if err := hm.Unpack(hraw); err != nil {
		t.Fatalf("hops' answer does not parse: %v", err)
	}
	if err := km.Unpack(kraw); err != nil {
		t.Fatalf("knot's answer does not parse: %v", err)
	}
	if !tcp {
		// Both must respect the UDP limit the query allows.
		limit := 512
		var qm dns.Msg
		if qm.Unpack(q) == nil && qm.IsEdns0() != nil {
			limit = int(min(max(qm.IsEdns0().UDPSize(), 512), auth.DefaultUDPSize))
		}
		if len(hraw) > limit {
			t.Errorf("hops' UDP answer is %d bytes, over the %d allowed", len(hraw), limit)
		}
		if len(kraw) > limit {
			t.Errorf("knot's UDP answer is %d bytes, over the %d allowed", len(kraw), limit)
		}
	}
	return hm, km
}

// compare lists how two responses differ: header, question, OPT, and the
// answer, authority and additional sections as sets of records (TTLs
// included; names compared without regard to case, RFC 4343).
func compare(h, k *dns.Msg) []string {
	var d []string
	diff := func(what string, hv, kv any) {
		if fmt.Sprint(hv) != fmt.Sprint(kv) {
			d = append(d, fmt.Sprintf("%s: hops %v, knot %v", what, hv, kv))
		}
	}
	diff("id", h.Id, k.Id)
	diff("QR", h.Response, k.Response)
	diff("opcode", dns.OpcodeToString[h.Opcode], dns.OpcodeToString[k.Opcode])
	diff("rcode", dns.RcodeToString[h.Rcode], dns.RcodeToString[k.Rcode])
	diff("AA", h.Authoritative, k.Authoritative)
	diff("TC", h.Truncated, k.Truncated)
	diff("RD", h.RecursionDesired, k.RecursionDesired)
	diff("RA", h.RecursionAvailable, k.RecursionAvailable)
	diff("Z", h.Zero, k.Zero)
	diff("AD", h.AuthenticatedData, k.AuthenticatedData)
	diff("CD", h.CheckingDisabled, k.CheckingDisabled)
	diff("question", h.Question, k.Question)
	diff("OPT", optText(h), optText(k))
	for _, s := range []struct {
		name string
		h, k []dns.RR
	}{{"answer", h.Answer, k.Answer}, {"authority", h.Ns, k.Ns}, {"additional", h.Extra, k.Extra}} {
		hs, ks := rrSet(s.h), rrSet(s.k)
		if !slices.Equal(hs, ks) {
			d = append(d, fmt.Sprintf("%s: only hops %q, only knot %q", s.name, minus(hs, ks), minus(ks, hs)))
		}
	}
	return d
}

// optText describes a message's OPT record: payload size, version, DO
// and the option codes; "none" without one.
func optText(m *dns.Msg) string {
	o := m.IsEdns0()
	if o == nil {
		return "none"
	}
	var codes []uint16
	for _, op := range o.Option {
		codes = append(codes, op.Option())
	}
	return fmt.Sprintf("size=%d version=%d do=%v options=%v", o.UDPSize(), o.Version(), o.Do(), codes)
}

// rrSet is a section as a sorted list of record texts, OPT left out.
// Names are lower-cased (RFC 4343); TXT data keeps its case.
func rrSet(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeOPT {
			continue
		}
		rr = dns.Copy(rr)
		rr.Header().Name = strings.ToLower(rr.Header().Name)
		s := rr.String()
		if rr.Header().Rrtype != dns.TypeTXT {
			s = strings.ToLower(s)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// minus is a without the members of b.
func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}
