//go:build !linux || 386

package fidelity

import "errors"

// Captures need Linux's AF_PACKET sockets (not done on 386); the test
// fails with this error there.
type linuxCapture struct{ name string }

func startCapture(ns, iface, name string) (*linuxCapture, error) {
	return nil, errors.New("captures need Linux")
}

func (c *linuxCapture) stop(file string) ([]packet, error) {
	return nil, errors.New("captures need Linux")
}

func (c *linuxCapture) close() {}

func disableOffloads(ns, iface string) error {
	return errors.New("offloads are Linux's")
}
