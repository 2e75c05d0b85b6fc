//go:build linux

package tun

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Open creates the TUN interface name (IFF_TUN|IFF_NO_PI) in the network
// namespace of the calling thread and returns it open. The interface is
// down and has no address: configure it with ip(8) or netlink. The file
// is non-blocking underneath and served by Go's poller, so Close ends a
// Read in progress.
func Open(name string) (*Device, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	fd, err := unix.Open(Path, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		switch {
		case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENXIO), errors.Is(err, unix.ENODEV):
			return nil, ErrNoDevice
		case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
			return nil, fmt.Errorf("tun: opening %s: %w (it needs root or CAP_NET_ADMIN)", Path, err)
		}
		return nil, fmt.Errorf("tun: opening %s: %w", Path, err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("tun: %w", err)
	}
	ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.EPERM) {
			return nil, fmt.Errorf("tun: creating %s: %w (it needs root or CAP_NET_ADMIN)", name, err)
		}
		if errors.Is(err, unix.EBUSY) || errors.Is(err, unix.EEXIST) || errors.Is(err, unix.EINVAL) {
			return nil, fmt.Errorf("tun: creating %s: %w (an interface of that name exists?)", name, err)
		}
		return nil, fmt.Errorf("tun: creating %s: %w", name, err)
	}
	return &Device{f: os.NewFile(uintptr(fd), Path), name: ifr.Name()}, nil
}
