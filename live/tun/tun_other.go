//go:build !linux

package tun

import "errors"

// Open fails: TUN devices in network namespaces are Linux's.
func Open(name string) (*Device, error) {
	return nil, errors.New("tun: TUN devices in network namespaces need Linux")
}
