package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDigReverse: -x ADDR asks for the PTR record of ADDR's name in
// in-addr.arpa. (ip6.arpa. for IPv6), as dig -x does, and the header
// line repeats -x.
func TestDigReverse(t *testing.T) {
	for _, c := range []struct {
		args []string
		name string
	}{
		{[]string{"-x", "203.0.113.10"}, "10.113.0.203.in-addr.arpa."},
		{[]string{"@a.root-servers.net", "-x", "192.0.2.53", "+norecurse"}, "53.2.0.192.in-addr.arpa."},
		{[]string{"-x", "2001:db8::1"}, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
	} {
		out, errs, code := digCmd(t, globals{json: true}, c.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errs)
		}
		var j digJSON
		if err := json.Unmarshal([]byte(out), &j); err != nil {
			t.Fatalf("%v: %v\n%s", c.args, err, out)
		}
		if len(j.Question) != 1 || j.Question[0].Name != c.name || j.Question[0].Type != "PTR" || j.Question[0].Class != "IN" {
			t.Errorf("%v: question %+v, want %s IN PTR", c.args, j.Question, c.name)
		}
	}
	out, errs, code := digCmd(t, globals{}, "-x", "203.0.113.10")
	if code != 0 || !strings.HasPrefix(out, "\n; <<>> hops dig <<>> -x 203.0.113.10\n") ||
		!strings.Contains(out, ";10.113.0.203.in-addr.arpa.\t\tIN\tPTR\n") {
		t.Errorf("exit %d, stderr %q:\n%s", code, errs, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-x", "www.example.com"}, "-x www.example.com: not an IPv4 or IPv6 address"},
		{[]string{"-x", "203.0.113.10", "www.example.com"}, `unexpected argument "www.example.com" (NAME is 10.113.0.203.in-addr.arpa. already`},
	} {
		_, errs, code := digCmd(t, globals{}, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
}
