//go:build linux && !386

package fidelity

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"
)

// Legacy ethtool commands (linux/ethtool.h), as `ethtool -K IFACE tso off
// gso off gro off` sends them.
const (
	siocEthtool  = 0x8946
	ethtoolSTSO  = 0x1f // NETIF_F_ALL_TSO
	ethtoolSGSO  = 0x24 // NETIF_F_GSO
	ethtoolSGRO  = 0x2c // NETIF_F_GRO
	ifNameLength = 16
)

// disableOffloads turns off TSO, GSO and GRO on iface in namespace ns, so
// that TCP leaves and arrives as wire-sized segments: veth offers TSO, so
// by default a sender's segments (up to 64 KB) pass through the veth
// pairs, the routers and the captures whole, and a router answers a whole
// super-segment with one ICMP fragmentation-needed. (No ethtool binary is
// needed: the ioctl is made here, on a thread that enters ns and is then
// thrown away, like the captures'.)
func disableOffloads(ns, iface string) error {
	ch := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // not unlocked: the thread ends with the goroutine
		ch <- setOffloads(ns, iface)
	}()
	return <-ch
}

func setOffloads(ns, iface string) error {
	f, err := os.Open("/run/netns/" + ns)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, _, e := syscall.Syscall(sysSetns, f.Fd(), syscall.CLONE_NEWNET, 0); e != 0 {
		return fmt.Errorf("setns %s: %w", ns, e)
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	for _, cmd := range []uint32{ethtoolSTSO, ethtoolSGSO, ethtoolSGRO} {
		// struct ethtool_value { __u32 cmd, data; }, pointed to by an
		// ifreq's ifr_data.
		val := &[2]uint32{cmd, 0} // on the heap, which does not move

		var ifr struct {
			name [ifNameLength]byte
			data uintptr
			_    [16]byte // the rest of the ifreq union
		}
		copy(ifr.name[:ifNameLength-1], iface)
		ifr.data = uintptr(unsafe.Pointer(val))
		_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), siocEthtool, uintptr(unsafe.Pointer(&ifr)))
		runtime.KeepAlive(val)
		if e != 0 {
			return fmt.Errorf("%s in %s: ethtool command %#x: %w", iface, ns, cmd, e)
		}
	}
	return nil
}
