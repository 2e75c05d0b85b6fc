package dnsserver_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/dnsserver"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
	"github.com/hopsnet/hops/world"
)

// stubLookup runs one lookup of the laptop's stub to its end.
func stubLookup(t *testing.T, w *world.World, s *dnsserver.Stub, name string) dnsserver.StubAnswer {
	t.Helper()
	var got *dnsserver.StubAnswer
	s.LookupA(name, func(a dnsserver.StubAnswer) { got = &a })
	w.Kernel.RunUntil(w.Kernel.Now().Add(20 * time.Second))
	if got == nil {
		t.Fatalf("%s: the lookup never ended", name)
	}
	return *got
}

// The stub follows a CNAME to the address, caches the answer for its TTL
// (3600 s in example.com) and a negative answer for the SOA's negative
// TTL (300 s), and asks again once they expire.
func TestStubCachesForTheTTL(t *testing.T) {
	w, _ := resolverWorld(t)
	s := dnsserver.NewStub(w.Node("laptop"), w.Node(dnsserver.DefaultResolverNode).Addr())
	www := netip.MustParseAddr("203.0.113.10")
	if a := stubLookup(t, w, s, "web.example.com"); a.Err != nil || a.Addr != www || a.Cached {
		t.Fatalf("web.example.com (a CNAME to www): %+v", a)
	}
	if a := stubLookup(t, w, s, "WEB.example.com."); a.Err != nil || a.Addr != www || !a.Cached {
		t.Fatalf("again: %+v, want it from the cache", a)
	}
	if a := stubLookup(t, w, s, "nosuch.example.com"); !errors.Is(a.Err, dnsserver.ErrNotFound) || a.Cached {
		t.Fatalf("nosuch.example.com: %+v", a)
	}
	if a := stubLookup(t, w, s, "nosuch.example.com"); !errors.Is(a.Err, dnsserver.ErrNotFound) || !a.Cached {
		t.Fatalf("nosuch.example.com again: %+v, want it from the cache", a)
	}
	w.Kernel.RunUntil(w.Kernel.Now().Add(300 * time.Second))
	if a := stubLookup(t, w, s, "nosuch.example.com"); !errors.Is(a.Err, dnsserver.ErrNotFound) || a.Cached {
		t.Fatalf("nosuch.example.com after 300s: %+v, want it asked again", a)
	}
	if a := stubLookup(t, w, s, "web.example.com"); !a.Cached {
		t.Fatalf("web.example.com within its TTL: %+v", a)
	}
	w.Kernel.RunUntil(w.Kernel.Now().Add(3600 * time.Second))
	if a := stubLookup(t, w, s, "web.example.com"); a.Err != nil || a.Addr != www || a.Cached {
		t.Fatalf("web.example.com after its TTL: %+v, want it asked again", a)
	}
}

// Without an answer (the resolver cut off) the stub fails temporarily.
func TestStubNoAnswer(t *testing.T) {
	w, _ := resolverWorld(t, "isp-a-core--resolver.isp-a.net")
	s := dnsserver.NewStub(w.Node("laptop"), w.Node(dnsserver.DefaultResolverNode).Addr())
	if a := stubLookup(t, w, s, "www.example.com"); !errors.Is(a.Err, dnsserver.ErrTemporary) {
		t.Fatalf("%+v, want a temporary failure", a)
	}
}

// A query answered with an error (here ICMP port unreachable: nothing
// serves DNS there) is asked once more, as glibc's attempts:2 does, then
// fails as a temporary failure.
func TestStubAsksTwiceAfterAnError(t *testing.T) {
	w, err := world.FromYAML("default.yaml", world.DefaultYAML(), 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Settle(); err != nil {
		t.Fatal(err)
	}
	queries := 0
	w.Bus.Subscribe(trace.ObserverFunc(func(e *trace.Event) {
		ip := wire.IPv4(e.Data)
		if e.Kind == trace.Send && e.Node == "laptop" && ip.Protocol() == wire.ProtoUDP && wire.UDP(ip.Payload()).DstPort() == 53 {
			queries++
		}
	}))
	st := dnsserver.NewStub(w.Node("laptop"), w.Node("www.example.com").Addr())
	var got dnsserver.StubAnswer
	done := false
	st.LookupA("www.example.com", func(a dnsserver.StubAnswer) { got, done = a, true })
	for !done && w.Kernel.Step() {
	}
	if !done || !errors.Is(got.Err, dnsserver.ErrTemporary) || queries != 2 {
		t.Fatalf("done %v, err %v, %d queries; want a temporary failure after 2 queries", done, got.Err, queries)
	}
}
