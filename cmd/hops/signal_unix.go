//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"
	"time"
)

// dieBy ends the process by sig with its default action, as the real tool
// dies of an uncaught SIGINT or SIGTERM (a shell running a loop then
// stops the loop too). Outputs must be flushed and closed before.
func dieBy(sig syscall.Signal) {
	signal.Reset(sig)
	syscall.Kill(os.Getpid(), sig)
	time.Sleep(time.Second) // the signal is delivered asynchronously
	os.Exit(128 + int(sig))
}
