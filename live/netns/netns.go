// Package netns makes the network namespaces that hops live runs Linux
// programs in, and makes sure none outlives hops.
//
// Each namespace is hops' own: created empty (ip netns add), configured
// only from inside (its loopback, a TUN device, its routes, its sysctls)
// and given its own resolv.conf in /etc/netns/NAME/, which `ip netns exec`
// bind-mounts over /etc/resolv.conf for the programs it starts. The
// host's interfaces, routes and firewall are never touched.
//
// Names are Prefix, the PID of the hops process and, for a second
// namespace of one process, a counter: hops-live-4242, hops-live-4242-2.
// Remove deletes a namespace and its /etc/netns directory; RemoveStale
// finds those of processes that no longer run (a crash, SIGKILL) and
// deletes them, so a leftover lasts at most until the next run.
//
// The ip(8) commands of iproute2 do the work, each bounded by
// CommandTimeout.
package netns

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Prefix starts the name of every namespace this package makes.
const Prefix = "hops-live-"

// RunDir holds the namespaces' bind mounts (ip netns add); ConfDir their
// configuration files, bind-mounted over /etc by ip netns exec.
const (
	RunDir  = "/run/netns"
	ConfDir = "/etc/netns"
)

// CommandTimeout bounds each ip(8) command.
const CommandTimeout = 10 * time.Second

// A Namespace is a network namespace made by Create.
type Namespace struct {
	// Name is the namespace's name, e.g. hops-live-4242.
	Name    string
	removed atomic.Bool
	madeDir bool // WriteResolvConf created /etc/netns itself
}

// Path returns the file that holds the namespace (for setns).
func (ns *Namespace) Path() string { return filepath.Join(RunDir, ns.Name) }

// ConfDir returns the namespace's /etc/netns directory.
func (ns *Namespace) ConfDir() string { return filepath.Join(ConfDir, ns.Name) }

var created atomic.Int32 // namespaces this process has made

// nextName returns the name of this process's next namespace.
func nextName() string {
	n := created.Add(1)
	if n == 1 {
		return Prefix + strconv.Itoa(os.Getpid())
	}
	return fmt.Sprintf("%s%d-%d", Prefix, os.Getpid(), n)
}

// Owner returns the PID in a name this package makes, and whether name is
// one.
func Owner(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, Prefix)
	if !ok {
		return 0, false
	}
	pid, _, _ := strings.Cut(rest, "-")
	n, err := strconv.Atoi(pid)
	return n, err == nil && n > 0
}

// Create makes a new, empty namespace with its loopback up and IPv6
// off (no router solicitations or other IPv6 chatter on its interfaces).
// If anything fails, what was made is removed again.
func Create() (*Namespace, error) {
	ns := &Namespace{Name: nextName()}
	if out, err := ip("netns", "add", ns.Name); err != nil {
		return nil, fmt.Errorf("ip netns add %s: %v: %s", ns.Name, err, out)
	}
	setup := func() error {
		if out, err := ip("-n", ns.Name, "link", "set", "lo", "up"); err != nil {
			return fmt.Errorf("ip -n %s link set lo up: %v: %s", ns.Name, err, out)
		}
		return ns.Do(func() error {
			for _, k := range []string{"net/ipv6/conf/all/disable_ipv6", "net/ipv6/conf/default/disable_ipv6"} {
				// Without IPv6 in the kernel the files are missing: nothing to turn off.
				if err := os.WriteFile("/proc/sys/"+k, []byte("1\n"), 0); err != nil && !errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("sysctl %s=1 in %s: %v", strings.ReplaceAll(k, "/", "."), ns.Name, err)
				}
			}
			return nil
		})
	}
	if err := setup(); err != nil {
		ns.Remove()
		return nil, err
	}
	return ns, nil
}

// Run runs ip(8) with args in the namespace (ip -n NAME ARGS...).
func (ns *Namespace) Run(args ...string) error {
	if out, err := ip(append([]string{"-n", ns.Name}, args...)...); err != nil {
		return fmt.Errorf("ip -n %s %s: %v: %s", ns.Name, strings.Join(args, " "), err, out)
	}
	return nil
}

// WriteResolvConf gives the namespace's programs a resolv.conf naming
// nameserver (with comment lines first, each prefixed by "# ").
func (ns *Namespace) WriteResolvConf(nameserver string, comment ...string) error {
	if _, err := os.Stat(ConfDir); errors.Is(err, os.ErrNotExist) {
		ns.madeDir = true
	}
	if err := os.MkdirAll(ns.ConfDir(), 0o755); err != nil {
		return fmt.Errorf("resolv.conf for %s: %v", ns.Name, err)
	}
	var b bytes.Buffer
	for _, c := range comment {
		fmt.Fprintf(&b, "# %s\n", c)
	}
	fmt.Fprintf(&b, "nameserver %s\n", nameserver)
	return os.WriteFile(filepath.Join(ns.ConfDir(), "resolv.conf"), b.Bytes(), 0o644)
}

// Command returns a command that runs name with args inside the
// namespace through ip netns exec (with its /etc/netns files mounted
// over /etc). It is killed if hops dies (Linux's parent-death signal).
func (ns *Namespace) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, ipPath(), append([]string{"netns", "exec", ns.Name, name}, args...)...)
	setDeathSignal(cmd)
	return cmd
}

// Remove ends the processes still running in the namespace (a
// command's children that outlived it: every process in a namespace of
// ours was started there by us), deletes the namespace and its
// /etc/netns directory, and /etc/netns itself if it made it and it is
// empty. Removing twice is harmless.
func (ns *Namespace) Remove() error {
	if ns.removed.Swap(true) {
		return nil
	}
	killAll(ns.Name)
	err := remove(ns.Name)
	if ns.madeDir {
		os.Remove(ConfDir) // only if empty: no other namespace has files there
	}
	return err
}

// remove deletes namespace name and its configuration directory; a part
// already gone is no error.
func remove(name string) error {
	var errs []error
	if _, err := os.Stat(filepath.Join(RunDir, name)); err == nil {
		if out, err := ip("netns", "del", name); err != nil {
			errs = append(errs, fmt.Errorf("ip netns del %s: %v: %s", name, err, out))
		}
	}
	if err := os.RemoveAll(filepath.Join(ConfDir, name)); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// RemoveStale deletes the namespaces (and /etc/netns directories) of
// hops processes that no longer run, and returns their names.
func RemoveStale() ([]string, error) {
	seen := map[string]bool{}
	var names []string
	for _, dir := range []string{RunDir, ConfDir} {
		ents, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("looking for leftovers: %v", err)
		}
		for _, e := range ents {
			pid, ok := Owner(e.Name())
			if !ok || seen[e.Name()] || pid == os.Getpid() || Alive(pid) {
				continue
			}
			seen[e.Name()] = true
			names = append(names, e.Name())
		}
	}
	var errs []error
	for _, n := range names {
		if err := remove(n); err != nil {
			errs = append(errs, err)
		}
	}
	return names, errors.Join(errs...)
}

// Alive reports whether process pid runs (a zombie, dead but not yet
// reaped, does not).
func Alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// "PID (COMM) STATE …"; COMM may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] != 'Z' && b[i+2] != 'X'
}

// ip runs ip(8) with args, bounded by CommandTimeout.
func ip(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), CommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ipPath(), args...)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (timed out after %v)", err, CommandTimeout)
	}
	return strings.TrimSpace(string(out)), err
}

// ipPath finds ip(8), also where a user's PATH lacks /sbin.
func ipPath() string {
	if p, err := exec.LookPath("ip"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "ip"
}
