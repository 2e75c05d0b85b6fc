package fidelity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// buildHops builds the hops CLI from this checkout into a temporary
// directory: the test drives hops as a black box, like a user.
// HOPS_FIDELITY_HOPS=FILE uses that hops binary instead (another build,
// an older commit).
func buildHops(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("HOPS_FIDELITY_HOPS"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("hops: %s (HOPS_FIDELITY_HOPS)", abs)
		return abs
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	goTool := "go"
	if _, err := exec.LookPath(goTool); err != nil {
		// sudo may drop go from PATH; use the toolchain that built this test.
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "hops")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, "./cmd/hops")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/hops: %v\n%s", err, out)
	}
	return bin
}

// moduleRoot finds the directory holding go.mod, upwards from here.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// runHops runs c in hops: `hops --world W --seed 1 --pcap P --capture NODES
// CMD --from h1 ARGS...`.
func runHops(t *testing.T, hops, world string, c fidelityCase, dir string) run {
	t.Helper()
	a := c.args
	if c.hopsArgs != nil {
		a = c.hopsArgs
	}
	pcap := filepath.Join(dir, "hops.pcapng")
	os.Remove(pcap) // a kept one from an earlier run
	args := []string{"--world", world, "--seed", "1", "--pcap", pcap,
		"--capture", strings.Join(c.captureNodes(), ","), a[0], "--from", from}
	args = append(args, a[1:]...)

	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, hops, args...)
	cmd.WaitDelay = time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	r := run{captures: map[string][]packet{}}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.exit = -1
		r.problems = append(r.problems, fmt.Sprintf("timed out after %v", commandTimeout))
	case errors.As(err, &ee):
		r.exit = ee.ExitCode()
	case err != nil:
		t.Fatalf("running hops %s: %v", strings.Join(args, " "), err)
	}
	r.stdout, r.stderr = stdout.String(), stderr.String()
	writeOutputs(t, dir, "hops", r)

	if _, err := os.Stat(pcap); err != nil {
		r.problems = append(r.problems, "wrote no capture")
		return r
	}
	byIface, err := readCapture(pcap)
	if err != nil {
		t.Fatalf("hops capture: %v", err)
	}
	for _, p := range c.capturePoints() {
		for _, pk := range byIface[p] {
			pk.point = p
			r.captures[p] = append(r.captures[p], pk)
		}
	}
	return r
}
