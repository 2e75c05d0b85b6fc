package resolver

import (
	"testing"

	"github.com/miekg/dns"
)

// After answering ". NS" (cached without the root servers' addresses),
// a root server's own address is still found: from the root hints, not
// by a lookup that would start at the root itself. dig +trace asks
// exactly this (". NS", then the NS names' addresses).
func TestRootServerAfterRootNS(t *testing.T) {
	n := newTestNet(t, Config{}, defaultZones()...)
	if res := n.resolve(".", dns.TypeNS); res.Msg.Rcode != dns.RcodeSuccess {
		t.Fatalf(". NS: rcode %d\n%s", res.Msg.Rcode, res.Trace)
	}
	res := n.resolve("a.root-servers.net", dns.TypeA)
	if got := answer(res); res.Msg.Rcode != dns.RcodeSuccess || got != "a.root-servers.net. 172800 IN A 192.0.2.1" {
		t.Fatalf("a.root-servers.net A: rcode %d %q\n%s", res.Msg.Rcode, got, res.Trace)
	}
}
