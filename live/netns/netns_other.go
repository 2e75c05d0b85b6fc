//go:build !linux

package netns

import (
	"errors"
	"os/exec"
)

// Check fails: network namespaces and TUN devices are Linux's.
func Check() error {
	return &MissingError{What: []string{"Linux: network namespaces and TUN devices exist only there"}}
}

// Do fails: network namespaces are Linux's.
func (ns *Namespace) Do(f func() error) error {
	return errors.New("netns: network namespaces need Linux")
}

func setDeathSignal(*exec.Cmd) {}

func killAll(string) {}
