//go:build linux && !amd64 && !386

package fidelity

import "syscall"

// sysSetns is setns(2)'s number; the syscall package lacks it on x86.
const sysSetns = syscall.SYS_SETNS
