//go:build linux

package netns

import (
	"errors"
	"strings"
	"testing"
)

// Each missing piece is named with what to do about it.
func TestCheckNamesWhatIsMissing(t *testing.T) {
	all := uint64(1<<capNetAdmin | 1<<capSysAdmin)
	for _, c := range []struct {
		name      string
		caps      uint64
		tun, ip   string
		want      []string
		wantNoErr bool
	}{
		{"all there", all, "/dev/null", "/bin/sh", nil, true},
		{"no privileges", 0, "/dev/null", "/bin/sh", []string{"needs root", "CAP_NET_ADMIN and CAP_SYS_ADMIN", "sudo"}, false},
		{"no CAP_SYS_ADMIN", 1 << capNetAdmin, "/dev/null", "/bin/sh", []string{"needs root (or CAP_SYS_ADMIN"}, false},
		{"no tun", all, "/nonexistent/tun", "/bin/sh", []string{"/nonexistent/tun", "modprobe tun", "--device /dev/net/tun"}, false},
		{"no ip", all, "/dev/null", "/nonexistent/ip", []string{"ip (iproute2)", "apt-get install iproute2"}, false},
		{"nothing", 0, "/nonexistent/tun", "/nonexistent/ip", []string{"needs root", "modprobe tun", "iproute2"}, false},
	} {
		err := check(c.caps, c.tun, c.ip)
		if c.wantNoErr {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var me *MissingError
		if !errors.As(err, &me) {
			t.Errorf("%s: %v, want a *MissingError", c.name, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", c.name, err, w)
			}
		}
	}
}

func TestOwner(t *testing.T) {
	for _, c := range []struct {
		name string
		pid  int
		ok   bool
	}{
		{"hops-live-4242", 4242, true},
		{"hops-live-4242-2", 4242, true},
		{"hops-live-", 0, false},
		{"hops-live-x", 0, false},
		{"hopsfid-4242-1-h1", 0, false},
		{"other", 0, false},
	} {
		pid, ok := Owner(c.name)
		if pid != c.pid || ok != c.ok {
			t.Errorf("Owner(%q) = %d, %v; want %d, %v", c.name, pid, ok, c.pid, c.ok)
		}
	}
}
