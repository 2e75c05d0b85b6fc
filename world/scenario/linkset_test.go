package scenario_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/world/scenario"
)

const twoLinks = `
nodes: [{name: a, role: host}, {name: r, role: router}, {name: b, role: host}]
links:
  - {name: up, a: a 10.0.0.1/30, b: r 10.0.0.2/30, rate: 10Mbps, delay: 5ms, queue: 50 packets}
  - {a: r 10.0.1.1/30, b: b 10.0.1.2/30, reorder: 1%, reorder-delay: 3ms}
`

func parseTwo(t *testing.T) *scenario.Scenario {
	t.Helper()
	s, err := scenario.Parse("t.yaml", []byte(twoLinks))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSetLink(t *testing.T) {
	s := parseTwo(t)
	if err := scenario.SetLink(s, "up:loss=5%, rate=1Gbps,delay=250us,jitter=1ms,duplicate=0.5%,corrupt=0.1%,mtu=1400,cost=7,reorder=2%"); err != nil {
		t.Fatal(err)
	}
	l := s.Links[0]
	if l.Loss != 0.05 || l.RateBps != 1e9 || l.Delay != 250*time.Microsecond || l.Jitter != time.Millisecond ||
		l.Duplicate != 0.005 || l.Corrupt != 0.001 || l.MTU != 1400 || l.Cost != 7 || l.Reorder != 0.02 ||
		l.ReorderDelay != scenario.DefaultReorderDelay || l.QueuePackets != 50 {
		t.Fatalf("%+v", l)
	}
	// The other link, by its default name; queue as a size replaces the
	// packet limit.
	if err := scenario.SetLink(s, "r--b:queue=64KB,reorder-delay=5ms"); err != nil {
		t.Fatal(err)
	}
	if l := s.Links[1]; l.QueueBytes != 64000 || l.QueuePackets != 0 || l.ReorderDelay != 5*time.Millisecond || l.Reorder != 0.01 {
		t.Fatalf("%+v", l)
	}
	if err := scenario.SetLink(s, "up:queue=20 packets"); err != nil {
		t.Fatal(err)
	}
	if l := s.Links[0]; l.QueuePackets != 20 || l.QueueBytes != 0 {
		t.Fatalf("%+v", l)
	}
}

func TestSetLinkErrors(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{"up", "want LINK:KEY=VALUE,... (e.g. home-uplink:loss=5%,rate=10Mbps)"},
		{"up:", "want LINK:KEY=VALUE"},
		{"upp:loss=1%", `unknown link "upp" (did you mean "up"?)`},
		{"nowhere:loss=1%", "unknown link \"nowhere\" (`hops world` lists the links)"},
		{"up:loss=1", `loss: bad probability "1": a bare number is ambiguous; write "1%" or "100%"`},
		{"up:loss=150%", "loss: "},
		{"up:dealy=5ms", `unknown field "dealy" in link (did you mean "delay"?)`},
		{"up:bandwidth=5Mbps", `unknown field "bandwidth" in link (did you mean "rate"?)`},
		{"up:colour=red", `unknown field "colour" in link (known fields: name, a, b, rate`},
		{"up:delay=-1ms", `delay must not be negative, got "-1ms"`},
		{"up:delay=5", `delay: missing unit`},
		{"up:delay=x", `delay: bad duration "x"`},
		{"up:rate=0bps", "rate must be greater than 0 (leave rate out for an unlimited link)"},
		{"up:rate=10 Mbit", `unknown unit "Mbit"`},
		{"up:mtu=40", "mtu 40 out of range (must be 68..65535)"},
		{"up:cost=0", "cost 0 out of range (must be 1..16777215"},
		{"up:cost=x", `"cost" must be an integer`},
		{"up:queue=0", "queue must hold at least 1 packet"},
		{"up:queue=1000B", "queue of 1000 bytes is smaller than the MTU (1500)"},
		{"up:reorder-delay=2ms", "reorder-delay has no effect without reorder"},
		{"up:reorder-delay=0s,reorder=1%", "reorder-delay must be greater than 0"},
		{"up:burst-loss=1%", "burst-loss takes a mapping"},
		{"up:a=x 10.0.0.1/30", `a link's "a" cannot be changed here`},
		{"up:name=x", `a link's "name" cannot be changed here`},
		{"up:loss", `"loss": want KEY=VALUE`},
		{"up:loss=1%,,rate=1Mbps", "empty setting"},
		{"up:loss=1%,loss=2%", `"loss" given twice`},
		{"up:loss=1,delay=x", `loss: bad probability "1": a bare number is ambiguous; write "1%" or "100%"`},
	} {
		s := parseTwo(t)
		before := s.Links[0]
		err := scenario.SetLink(s, c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SetLink(%q) = %v, want an error containing %q", c.spec, err, c.want)
		}
		if s.Links[0] != before {
			t.Errorf("SetLink(%q) failed but changed the link: %+v", c.spec, s.Links[0])
		}
	}
	// Every problem at once.
	err := scenario.SetLink(parseTwo(t), "up:loss=1,delay=x")
	if err == nil || !strings.Contains(err.Error(), "; ") {
		t.Errorf("want both problems, got %v", err)
	}
}

// TestSetLinkMatchesFile: a setting given by SetLink gives the link a
// file would give.
func TestSetLinkMatchesFile(t *testing.T) {
	s := parseTwo(t)
	if err := scenario.SetLink(s, "up:loss=2.5%,reorder=1%,queue=100KiB,jitter=300us"); err != nil {
		t.Fatal(err)
	}
	f, err := scenario.Parse("t.yaml", []byte(strings.Replace(twoLinks, "queue: 50 packets}",
		"queue: 100KiB, loss: 2.5%, reorder: 1%, jitter: 300us}", 1)))
	if err != nil {
		t.Fatal(err)
	}
	got, want := s.Links[0], f.Links[0]
	got.Pos, want.Pos = scenario.Pos{}, scenario.Pos{}
	if got != want {
		t.Fatalf("SetLink gave\n%+v\nthe file gives\n%+v", got, want)
	}
}

// FuzzSetLink: no spec makes SetLink panic, and a failed one leaves the
// scenario as it was.
func FuzzSetLink(f *testing.F) {
	for _, s := range []string{"up:loss=5%", "r--b:queue=64KB,reorder-delay=5ms", "up:loss=1,,=", ":", "up:queue=", "up:rate=1e400Gbps", "up:a=b=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s := parseTwo(t)
		before := s.Links[0]
		if err := scenario.SetLink(s, spec); err != nil && s.Links[0] != before {
			t.Fatalf("SetLink(%q) failed (%v) but changed the link", spec, err)
		}
	})
}
