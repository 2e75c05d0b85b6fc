package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// A cut scheduled after 0s used to be ignored: routes printed the tables
// from before it. Now they are shown after the last scheduled link event.
func TestRoutesAfterScheduledCut(t *testing.T) {
	out, errs, code := hops(t, "--link-down", "isp-a-core--ixp@5s", "routes", "isp-a-core")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"routes at 5s (after the last scheduled link event; --at TIME for another instant)\n",
		"198.18.100.0/30 dev eth2 proto kernel scope link src 198.18.100.1 linkdown",
		"203.0.113.8/30 via 198.18.2.2 dev eth3", // www.example.com's subnet, around through carrier-1
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}

	// --at chooses the instant: before the cut, the IXP path.
	out, errs, code = hops(t, "--link-down", "isp-a-core--ixp@5s", "routes", "--at", "4.999s", "isp-a-core")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(out, "routes at 4.999s (--at; 1 later link event not applied)\n") ||
		!strings.Contains(out, "203.0.113.8/30 via 198.18.100.2 dev eth2") || strings.Contains(out, "linkdown") {
		t.Errorf("--at before the cut:\n%s", out)
	}
}

// Scenario events count too, and the link coming back up restores the
// IXP path.
func TestRoutesAfterScenarioEvents(t *testing.T) {
	cut := strings.Replace(defaultWorldYAML(t), "links:", "events:\n  - {at: 2s, down: isp-a-core--ixp}\n  - {at: 3s, up: isp-a-core--ixp}\nlinks:", 1)
	path := writeFile(t, "cut.yaml", cut)
	out, errs, code := hops(t, "--world", path, "routes", "isp-a-core")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(out, "routes at 3s ") || !strings.Contains(out, "203.0.113.8/30 via 198.18.100.2 dev eth2") {
		t.Errorf("after down and up:\n%s", out)
	}
	out, _, _ = hops(t, "--world", path, "routes", "--at", "2500ms", "isp-a-core")
	if !strings.Contains(out, "203.0.113.8/30 via 198.18.2.2 dev eth3") || !strings.Contains(out, " linkdown") {
		t.Errorf("between down and up:\n%s", out)
	}
}

// --json used to be ignored by routes.
func TestRoutesJSON(t *testing.T) {
	out, errs, code := hops(t, "--json", "--link-down", "isp-a-core--ixp@1.5s", "routes", "isp-a-core", "laptop")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r routesOutput
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if r.AtNs != 1_500_000_000 || r.At != "1.5s" || len(r.Tables) != 2 || r.Tables[0].Node != "isp-a-core" || r.Tables[1].Node != "laptop" {
		t.Fatalf("output %+v", r)
	}
	def := r.Tables[1].Routes[0]
	if def.Dst != "default" || def.Gateway != "192.168.1.1" || def.Dev != "wlan0" || def.Protocol != "" {
		t.Errorf("laptop's default route %+v", def)
	}
	var down int
	for _, x := range r.Tables[0].Routes {
		if len(x.Flags) == 1 && x.Flags[0] == "linkdown" {
			down++
			if x.Protocol != "kernel" || x.Scope != "link" || x.PrefSrc != "198.18.100.1" {
				t.Errorf("connected route %+v", x)
			}
		}
	}
	if down != 1 {
		t.Errorf("%d linkdown routes, want 1:\n%s", down, out)
	}
	if strings.Contains(out, `"Prefix"`) || strings.Contains(out, `"NextHop"`) {
		t.Errorf("Go field names in JSON:\n%s", out)
	}
}

func TestRoutesBadAt(t *testing.T) {
	for _, at := range []string{"soon", "-1s", "5"} {
		if _, errs, code := hops(t, "routes", "--at", at); code != 2 || !strings.Contains(errs, "--at") {
			t.Errorf("--at %s: exit %d, %q", at, code, errs)
		}
	}
}
