// Package tun opens Linux TUN devices: virtual network interfaces whose
// packets a program reads and writes, one IP datagram per Read and per
// Write (IFF_TUN with IFF_NO_PI: no packet-information header, no
// offloads, so every datagram is whole and carries full checksums).
//
// A device lives in the network namespace of the thread that opens it;
// package netns runs Open inside a namespace of hops' own, so nothing
// ever appears among the host's interfaces. The device is not
// persistent: it disappears when the Device is closed or the process
// ends, however it ends.
package tun

import (
	"errors"
	"fmt"
	"os"
)

// Path is the TUN clone device.
const Path = "/dev/net/tun"

// MaxNameLen is the longest interface name Linux accepts (IFNAMSIZ-1).
const MaxNameLen = 15

// ErrNoDevice says that the TUN clone device is missing: the tun module
// is not loaded, or a container was started without it.
var ErrNoDevice = errors.New(Path + " is missing: load the tun module (modprobe tun) or, in a container, pass the device (docker run --device /dev/net/tun --cap-add NET_ADMIN)")

// A Device is an open TUN device. Read and Write move one IPv4 or IPv6
// datagram each; Close (from any goroutine) ends a Read waiting for one.
type Device struct {
	f    *os.File
	name string
}

// Name returns the interface's name.
func (d *Device) Name() string { return d.name }

// Read reads one datagram into b and returns its length; a datagram
// longer than b is truncated.
func (d *Device) Read(b []byte) (int, error) { return d.f.Read(b) }

// Write sends one datagram to the interface: to the kernel of its
// namespace, as if it had arrived from a network.
func (d *Device) Write(b []byte) (int, error) { return d.f.Write(b) }

// Close closes the device; the interface disappears with it.
func (d *Device) Close() error { return d.f.Close() }

// checkName rejects names Linux would refuse, with a clear message.
func checkName(name string) error {
	if name == "" || len(name) > MaxNameLen {
		return fmt.Errorf("tun: interface name %q: want 1 to %d characters", name, MaxNameLen)
	}
	for _, r := range name {
		if r == '/' || r == ':' || r == ' ' || r == '%' || r < 0x21 || r > 0x7e {
			return fmt.Errorf("tun: interface name %q: %q is not allowed", name, r)
		}
	}
	return nil
}
