package fidelity

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// The Linux side of the TCP cases is this test binary itself, run again
// inside a namespace as a small client or server: no netcat or iperf3 to
// install, and the same program everywhere. A case names it as helperCmd
// (args[0] or server[0]); runLinux replaces that with the test binary and
// sets helperEnv, which TestMain recognizes.
const (
	helperCmd = "fidelity-helper"
	helperEnv = "HOPS_FIDELITY_HELPER"
)

// helperReady is the line the server prints once it listens.
const helperReady = "listening"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		os.Exit(helperMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// helperMain runs one helper command:
//
//	tcp-sink ADDR:PORT              accept one connection, read it to
//	                                EOF, close it
//	tcp-send [-size N] [-timeout D] ADDR:PORT
//	                                connect, write N bytes, close
//
// Both use the kernel's defaults, as a C program would: Nagle on (Go
// turns it off by default), no keepalive, default buffers (autotuned).
func helperMain(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "fidelity-helper: no command")
		return 2
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	size := fs.Int("size", 10000, "bytes to send")
	timeout := fs.Duration("timeout", 10*time.Second, "connect timeout (tcp-send); accept and read timeout (tcp-sink)")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 1 {
		fmt.Fprintf(os.Stderr, "fidelity-helper: %s: usage: %s [flags] ADDR:PORT\n", args[0], args[0])
		return 2
	}
	addr := fs.Arg(0)
	var err error
	switch args[0] {
	case "tcp-sink":
		err = tcpSink(addr, *timeout)
	case "tcp-send":
		err = tcpSend(addr, *size, *timeout)
	default:
		err = fmt.Errorf("unknown command %q", args[0])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "fidelity-helper: %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func tcpSink(addr string, timeout time.Duration) error {
	l, err := net.Listen("tcp4", addr)
	if err != nil {
		return err
	}
	defer l.Close()
	fmt.Println(helperReady)
	l.(*net.TCPListener).SetDeadline(time.Now().Add(timeout))
	c, err := l.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	c.(*net.TCPConn).SetNoDelay(false)
	c.SetDeadline(time.Now().Add(timeout))
	n, err := io.Copy(io.Discard, c)
	if err != nil {
		return err
	}
	fmt.Printf("received %d bytes\n", n)
	return c.Close()
}

func tcpSend(addr string, size int, timeout time.Duration) error {
	d := net.Dialer{Timeout: timeout, KeepAlive: -1}
	c, err := d.Dial("tcp4", addr)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return errors.New("connection timed out")
		}
		return err
	}
	defer c.Close()
	tc := c.(*net.TCPConn)
	tc.SetNoDelay(false)
	// One write, as iperf3 and hops' transfer hand the socket whole
	// buffers: the kernel cuts the segments.
	b := []byte(strings.Repeat("0123456789abcdef", size/16+1))[:size]
	if _, err := c.Write(b); err != nil {
		return err
	}
	return c.Close()
}
