//go:build linux

package netns

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Linux capabilities Check looks for (linux/capability.h).
const (
	capNetAdmin = 12 // interfaces, addresses, routes, TUN devices
	capSysAdmin = 21 // setns, and the mounts of ip netns add and exec
)

// Check reports what is missing for hops to make namespaces and TUN
// devices, as an error a person can act on: the privileges (root, or
// CAP_NET_ADMIN and CAP_SYS_ADMIN), the TUN clone device, ip(8).
func Check() error {
	caps, err := effectiveCaps()
	if err != nil {
		return fmt.Errorf("reading this process's capabilities: %v", err)
	}
	return check(caps, "/dev/net/tun", ipPath())
}

// check is Check on given capabilities, TUN clone device and ip(8).
func check(caps uint64, tunPath, ip string) error {
	var missing []string
	var lack []string
	if caps&(1<<capNetAdmin) == 0 {
		lack = append(lack, "CAP_NET_ADMIN")
	}
	if caps&(1<<capSysAdmin) == 0 {
		lack = append(lack, "CAP_SYS_ADMIN")
	}
	if len(lack) > 0 {
		missing = append(missing, fmt.Sprintf("privileges: it needs root (or %s, which this process lacks); run it with sudo", strings.Join(lack, " and ")))
	}
	if _, err := os.Stat(tunPath); err != nil {
		missing = append(missing, tunPath+": load the tun module (modprobe tun) or, in a container, pass the device (docker run --device /dev/net/tun --cap-add NET_ADMIN --cap-add SYS_ADMIN)")
	}
	if _, err := exec.LookPath(ip); err != nil {
		missing = append(missing, "ip (iproute2): install it (apt-get install iproute2)")
	}
	if len(missing) == 0 {
		return nil
	}
	return &MissingError{What: missing}
}

// effectiveCaps returns the process's effective capability set.
func effectiveCaps() (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	return 0, errors.New("no CapEff line in /proc/self/status")
}

// Do runs f on an OS thread that has joined the namespace: what f
// creates (a TUN device, say) is created there, and what it reads of
// /proc/sys/net is the namespace's. The thread is never used again:
// it ends with f, so no other goroutine can run in the namespace by
// mistake. Do checks that the thread did join before running f.
func (ns *Namespace) Do(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		// Locked and never unlocked: the runtime ends the thread when
		// this goroutine returns.
		runtime.LockOSThread()
		errc <- ns.enter(f)
	}()
	return <-errc
}

func (ns *Namespace) enter(f func() error) error {
	fd, err := unix.Open(ns.Path(), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening namespace %s: %v", ns.Name, err)
	}
	defer unix.Close(fd)
	if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("entering namespace %s: %v", ns.Name, err)
	}
	var want, got unix.Stat_t
	if err := unix.Fstat(fd, &want); err != nil {
		return err
	}
	if err := unix.Stat("/proc/thread-self/ns/net", &got); err != nil {
		return err
	}
	if want.Ino != got.Ino || want.Dev != got.Dev {
		return fmt.Errorf("entering namespace %s: the thread is not in it after setns", ns.Name)
	}
	return f()
}

// setDeathSignal has the kernel kill cmd when hops dies.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// killAll sends SIGKILL to every process in namespace name (ip netns
// pids), by PID.
func killAll(name string) {
	out, err := ip("netns", "pids", name)
	if err != nil {
		return
	}
	for _, f := range strings.Fields(out) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 1 && pid != os.Getpid() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
