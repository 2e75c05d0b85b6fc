package main

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// shellWords splits a command line as a shell does for the README's
// examples: words separated by spaces, 'single quotes' kept whole.
func shellWords(line string) []string {
	var words []string
	var w strings.Builder
	in, quoted := false, false
	for _, r := range line {
		switch {
		case r == '\'':
			quoted, in = !quoted, true
		case r == ' ' && !quoted:
			if in {
				words = append(words, w.String())
				w.Reset()
			}
			in = false
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words
}

// TestHTTPReadmeServe runs the README's hops serve transcript: hops
// serve on loopback, then each "$ curl ..." line with the curl program;
// what curl prints must be what the README shows.
func TestHTTPReadmeServe(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start = "$ go run ./cmd/hops serve --listen 127.0.0.1:8080 &\n"
	i := strings.Index(string(readme), start)
	if i < 0 {
		t.Fatal("README shows no hops serve run")
	}
	block := string(readme[i+len(start):])
	block = block[:strings.Index(block, "```")]

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	done := make(chan struct{})
	go func() { hops(t, "serve", "--listen", addr, "--duration", "3s"); close(done) }()
	defer func() { <-done }()
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	runs := strings.Split(block, "$ ")[1:]
	if len(runs) < 3 {
		t.Fatalf("README's serve block has %d commands", len(runs))
	}
	for _, run := range runs {
		cmdLine, want, _ := strings.Cut(run, "\n")
		words := shellWords(strings.ReplaceAll(cmdLine, "127.0.0.1:8080", addr))
		if words[0] != "curl" {
			t.Fatalf("README runs %q", cmdLine)
		}
		out, err := exec.Command("curl", append([]string{"-m", "2"}, words[1:]...)...).Output()
		if err != nil {
			t.Errorf("%s: %v", cmdLine, err)
		}
		if got := strings.TrimSuffix(string(out), "\n") + "\n"; got != want {
			t.Errorf("%s:\ngot  %q\nREADME %q", cmdLine, got, want)
		}
	}
}
