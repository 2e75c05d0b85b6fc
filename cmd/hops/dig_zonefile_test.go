package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestZoneFileOfTheScenario: a dns service may serve a zone file of the
// scenario's own ("ORIGIN FILE", relative to the scenario); dig gets its
// records. A mistake in the file is an error with the zone file's
// file:line:col, and exit 2.
func TestZoneFileOfTheScenario(t *testing.T) {
	dir := t.TempDir()
	world := "nodes:\n  - {name: a, role: host}\n  - {name: ns, role: dns, services: [{kind: dns, zones: [\"test. ZONE\"]}]}\nlinks:\n  - {a: a 10.0.0.1/30, b: ns 10.0.0.2/30}\n"
	zone := "$TTL 300\n@    IN SOA ns.test. admin.test. 1 3600 600 86400 300\n@    IN NS  ns.test.\nns   IN A   10.0.0.2\nwww  IN A   10.0.0.7\n"
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("test.zone", zone)
	good := write("good.yaml", strings.Replace(world, "ZONE", "test.zone", 1))
	out, errs, code := hops(t, "--world", good, "dig", "@10.0.0.2", "www.test", "+short")
	if code != 0 || out != "10.0.0.7\n" {
		t.Fatalf("exit %d, %q %s", code, out, errs)
	}
	write("bad.zone", strings.Replace(zone, "10.0.0.7", "300.1.1.1", 1))
	bad := write("bad.yaml", strings.Replace(world, "ZONE", "bad.zone", 1))
	_, errs, code = hops(t, "--world", bad, "dig", "@10.0.0.2", "www.test")
	want := bad + `:3:38: ns: ` + filepath.Join(dir, "bad.zone") + `:5:13: bad A A (at "300.1.1.1")`
	if code != 2 || !strings.Contains(errs, want) {
		t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errs, want)
	}
	missing := write("missing.yaml", strings.Replace(world, "ZONE", "nosuch.zone", 1))
	if _, errs, code = hops(t, "--world", missing, "dig", "@10.0.0.2", "www.test"); code != 2 || !strings.Contains(errs, "nosuch.zone: no such file or directory") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}
