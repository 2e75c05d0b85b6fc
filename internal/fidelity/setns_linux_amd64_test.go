//go:build linux && amd64

package fidelity

// sysSetns is setns(2)'s number, which the syscall package lacks on amd64.
const sysSetns = 308
