package scenario

import (
	"net/netip"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics and that its results keep their
// promises: errors are a positioned ErrorList, scenarios are valid.
func FuzzParse(f *testing.F) {
	f.Add([]byte(exampleYAML))
	for _, c := range errorCases {
		f.Add([]byte(c.src))
	}
	f.Add([]byte(homeYAML))
	for _, c := range homeErrorCases {
		f.Add([]byte(c.src))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			if s != nil {
				t.Fatalf("Parse returned both a scenario and an error")
			}
			checkErr(t, string(data), err)
			return
		}
		checkScenario(t, s)
	})
}

// checkScenario checks the invariants of a successfully parsed scenario.
func checkScenario(t *testing.T, s *Scenario) {
	t.Helper()
	if len(s.Nodes) == 0 {
		t.Fatalf("scenario without nodes")
	}
	nodes := map[string]bool{}
	for _, n := range s.Nodes {
		if n.Name == "" || nodes[n.Name] || !n.Role.Valid() || n.Pos.Line < 1 {
			t.Fatalf("bad node %+v", n)
		}
		nodes[n.Name] = true
	}
	links := map[string]bool{}
	ifaces := map[string]bool{}
	checkEnd := func(ep Endpoint) {
		if !nodes[ep.Node] || ep.Iface == "" || ep.DHCP == ep.Addr.IsValid() || ep.Addr.IsValid() && !ep.Addr.Addr().Is4() || ep.Pos.Line < 1 {
			t.Fatalf("bad endpoint %+v", ep)
		}
		key := ep.Node + ":" + ep.Iface
		if ifaces[key] {
			t.Fatalf("duplicate interface %s", key)
		}
		ifaces[key] = true
	}
	for _, l := range s.Links {
		if l.Name == "" || links[l.Name] {
			t.Fatalf("bad or duplicate link name %q", l.Name)
		}
		links[l.Name] = true
		checkEnd(l.A)
		checkEnd(l.B)
		static := !l.A.DHCP && !l.B.DHCP
		if l.A.Node == l.B.Node || static && (l.A.Addr.Masked() != l.B.Addr.Masked() || l.A.Addr.Addr() == l.B.Addr.Addr()) ||
			l.A.DHCP && l.B.DHCP || !static && !l.Ethernet {
			t.Fatalf("bad link %+v", l)
		}
		if l.RateBps < 0 || l.Delay < 0 || l.Jitter < 0 || l.MTU < MinMTU || l.MTU > MaxMTU ||
			l.QueuePackets < 0 || l.QueueBytes < 0 || (l.QueuePackets == 0 && l.QueueBytes == 0) || l.Cost < 0 {
			t.Fatalf("bad link parameters %+v", l)
		}
		probs := []float64{l.Loss, l.Duplicate, l.Reorder, l.Corrupt}
		if l.Burst != nil {
			probs = append(probs, l.Burst.P, l.Burst.R, l.Burst.LossBad, l.Burst.LossGood)
		}
		for _, p := range probs {
			if !(p >= 0 && p <= 1) {
				t.Fatalf("probability %v out of range in %+v", p, l)
			}
		}
		if l.Reorder > 0 && l.ReorderDelay <= 0 {
			t.Fatalf("reorder without delay in %+v", l)
		}
	}
	for _, l := range s.LANs {
		if l.Name == "" || links[l.Name] || len(l.Members) < 2 || l.MTU < MinMTU || l.MTU > MaxMTU ||
			l.RateBps < 0 || l.Delay < 0 || l.Jitter < 0 || !(l.Loss >= 0 && l.Loss <= 1) || (l.Kind != LANSwitch && l.Kind != LANWiFi) {
			t.Fatalf("bad LAN %+v", l)
		}
		links[l.Name] = true
		var subnet netip.Prefix
		members := map[string]bool{}
		for _, ep := range l.Members {
			checkEnd(ep)
			if members[ep.Node] {
				t.Fatalf("node %s twice in LAN %+v", ep.Node, l)
			}
			members[ep.Node] = true
			if ep.DHCP {
				continue
			}
			if !subnet.IsValid() {
				subnet = ep.Addr.Masked()
			}
			if ep.Addr.Masked() != subnet {
				t.Fatalf("LAN %+v spans subnets", l)
			}
		}
		if !subnet.IsValid() {
			t.Fatalf("LAN %+v without a static address", l)
		}
	}
	for _, e := range s.Events {
		if e.At < 0 || !links[e.Link] {
			t.Fatalf("bad event %+v", e)
		}
	}
	for _, n := range s.Nodes {
		for _, svc := range n.Services {
			if svc.Kind == ServiceDHCP && (svc.Iface == "" || !ifaces[n.Name+":"+svc.Iface] || !svc.PoolStart.Is4() || svc.PoolEnd.Less(svc.PoolStart) || svc.Lease < time.Second) {
				t.Fatalf("bad dhcp service %+v", svc)
			}
			if svc.Kind != ServiceDHCP && (svc.Iface != "" || svc.PoolStart.IsValid() || svc.Lease != 0) {
				t.Fatalf("dhcp keys on %+v", svc)
			}
		}
		if c := n.NAT; c != nil && (!n.Role.IsRouter() || c.Inside == c.Outside || !ifaces[n.Name+":"+c.Inside] || !ifaces[n.Name+":"+c.Outside] ||
			(c.Filtering != NATEndpointIndependent && c.Filtering != NATAddressDependent)) {
			t.Fatalf("bad nat %+v on %+v", c, n)
		}
	}
}

// FuzzUnits checks that the unit parsers never panic and only return
// values within their documented ranges.
func FuzzUnits(f *testing.F) {
	for _, s := range []string{"100Mbps", "1.5 Gbps", "1m 30s", "64KiB", "10%", "0.1", "5", "", "-1s", "1e-3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := ParseRate(s); err == nil && r < 0 {
			t.Fatalf("ParseRate(%q) = %d", s, r)
		}
		if n, err := ParseSize(s); err == nil && n < 0 {
			t.Fatalf("ParseSize(%q) = %d", s, n)
		}
		if p, err := ParseProbability(s); err == nil && !(p >= 0 && p <= 1) {
			t.Fatalf("ParseProbability(%q) = %v", s, p)
		}
		_, _ = ParseDuration(s)
	})
}
