package scenario

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestNodeKeysAreSchemaDriven guards the promise that adding a key to a
// node is one change: a tagged field of Node. No key of a node may need
// hand-written decoding.
func TestNodeKeysAreSchemaDriven(t *testing.T) {
	sp := specFor(reflect.TypeFor[Node]())
	var keys []string
	for _, fs := range sp.fields {
		keys = append(keys, fs.key)
		if fs.custom {
			t.Errorf("node key %q is decoded by hand; per-node keys must be decoded from their tags", fs.key)
		}
	}
	if got := strings.Join(keys, ","); got != "name,role,services,resolver,icmp-ratelimit,nat,ecmp,static-routes,as,route-server" {
		t.Errorf("node keys %s", got)
	}
}

func TestServices(t *testing.T) {
	const head = "nodes:\n  - {name: a, role: host"
	ok := []struct {
		name, src string
		want      []Service
	}{
		{"absent", head + "}\n", nil},
		{"empty list", head + ", services: []}\n", nil},
		{"empty value", "nodes:\n  - name: a\n    role: host\n    services:\n", nil},
		{"dns with zones", head + ", services: [{kind: dns, zones: [com., net.]}]}\n", []Service{{Kind: ServiceDNS, Zones: []string{"com.", "net."}}}},
		{"one zone alone", head + ", services: [{kind: dns, zones: example.com.}]}\n", []Service{{Kind: ServiceDNS, Zones: []string{"example.com."}}}},
		{"resolver and web", head + ", services: [{kind: resolver}, {kind: web, sites: [www.example.com]}]}\n",
			[]Service{{Kind: ServiceResolver}, {Kind: ServiceWeb, Sites: []string{"www.example.com"}}}},
	}
	for _, tt := range ok {
		s, err := Parse("s.yaml", []byte(tt.src))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got := WithoutPositions(s).Nodes[0].Services
		if len(got) != len(tt.want) {
			t.Errorf("%s: services %+v, want %+v", tt.name, got, tt.want)
			continue
		}
		for i := range got {
			if got[i].Kind != tt.want[i].Kind || strings.Join(got[i].Zones, ",") != strings.Join(tt.want[i].Zones, ",") || strings.Join(got[i].Sites, ",") != strings.Join(tt.want[i].Sites, ",") {
				t.Errorf("%s: service %d %+v, want %+v", tt.name, i, got[i], tt.want[i])
			}
		}
	}
	bad := []struct{ name, src, want string }{
		{"unknown kind", head + ", services: [{kind: dnss}]}\n",
			`s.yaml:2:45: unknown service kind "dnss" (did you mean "dns"?)`},
		{"misspelt zones", head + ", services: [{kind: dns, zone: example.com}]}\n",
			`s.yaml:2:50: unknown field "zone" in service (did you mean "zones"?)`},
		{"no kind", head + ", services: [{zones: [example.com.]}]}\n",
			`s.yaml:2:38: service is missing required field "kind" (one of: dns, resolver, web, dhcp)`},
		{"not a list", head + ", services: dns}\n",
			`s.yaml:2:37: "services" must be a list, got the string "dns"`},
		{"not a mapping", head + ", services: [dns]}\n",
			`s.yaml:2:38: service must be a mapping (e.g. {kind: dns, zones: [example.com.]}), got the string "dns"`},
		{"misspelt key", head + ", servics: []}\n",
			`s.yaml:2:27: unknown field "servics" in node (did you mean "services"?)`},
	}
	for _, tt := range bad {
		_, err := Parse("s.yaml", []byte(tt.src))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: error\n %v\nwant\n %s", tt.name, err, tt.want)
		}
	}
}

// TestJSONShape checks the designed JSON of a scenario: snake_case keys
// from the json tags, no Go field names, positions only when present.
func TestJSONShape(t *testing.T) {
	s, err := Parse("tiny.yaml", []byte(exampleYAML))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(WithoutPositions(s))
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, want := range []string{`"name":"tiny"`, `"rate_bps":1000000000`, `"delay_ns":10000000`, `"loss":0.1`,
		`"burst_loss":{"p":0.01,"r":0.25,"loss_bad":1,"loss_good":0}`, `"a":{"node":"r1","iface":"wan0","addr":"198.18.0.1/30"}`,
		`"at_ns":2000000000,"link":"core","up":false`, `"queue_packets":100`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %s:\n%s", want, out)
		}
	}
	for _, bad := range []string{`"pos"`, `"RateBps"`, `"Name"`, `"services"`} {
		if strings.Contains(out, bad) {
			t.Errorf("JSON holds %s:\n%s", bad, out)
		}
	}
	if s.Nodes[0].Pos.Line == 0 || s.Links[1].A.Pos.Line == 0 {
		t.Errorf("WithoutPositions changed the original")
	}
	b, _ = json.Marshal(s)
	if !strings.Contains(string(b), `"pos":{"line":3,"col":5}`) {
		t.Errorf("positions missing: %s", b)
	}
}

// icmp-ratelimit was added as one tagged field (Node.ICMPLimit) and a
// tagged struct: decoding, defaults, range checks and messages come from
// the schema.
func TestICMPRateLimitKey(t *testing.T) {
	const head = "nodes:\n  - {name: r, role: router"
	s, err := Parse("s.yaml", []byte(head+", icmp-ratelimit: {per-destination: 100ms, per-second: 0}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := s.Nodes[0].ICMPLimit
	want := ICMPRateLimit{PerDest: 100e6, Burst: 6, PerSecond: 0, GlobalBurst: 50}
	if got == nil || *got != want {
		t.Fatalf("icmp-ratelimit %+v, want %+v (defaults filled in)", got, want)
	}
	if s, _ := Parse("s.yaml", []byte(head+"}\n")); s.Nodes[0].ICMPLimit != nil {
		t.Fatal("no key must mean Linux's defaults (nil)")
	}
	for _, tt := range []struct{ src, want string }{
		{head + ", icmp-ratelimit: {burst: 0}}\n", "s.yaml:2:53: burst 0 out of range (must be 1..1000000)"},
		{head + ", icmp-ratelimit: {per-destination: -1s}}\n", `s.yaml:2:63: per-destination must not be negative, got "-1s"`},
		{head + ", icmp-ratelimit: {brust: 3}}\n", `did you mean "burst"?`},
	} {
		if _, err := Parse("s.yaml", []byte(tt.src)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want it to contain %q", tt.src, err, tt.want)
		}
	}
}
