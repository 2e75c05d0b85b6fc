//go:build !unix

package main

import (
	"os"
	"syscall"
)

// dieBy exits with the status a shell gives a process killed by sig.
func dieBy(sig syscall.Signal) { os.Exit(128 + int(sig)) }
