// Package tsharkcheck runs tshark (Wireshark's command-line dissector) over
// capture files so tests across hops can assert that the packets they
// produce are well-formed and carry correct checksums.
//
// tshark is run with a throw-away, empty configuration directory (HOME,
// XDG_CONFIG_HOME and WIRESHARK_CONFIG_DIR point at a fresh temporary
// directory and other WIRESHARK_* variables are dropped), so the user's
// personal preferences, profiles and colouring rules cannot change the
// results. Name resolution is always disabled (-n).
package tsharkcheck

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// RequireEnv is the environment variable that, when set to "1", makes
// Require fail tests instead of skipping them when tshark is missing. CI
// sets it.
const RequireEnv = "HOPS_REQUIRE_TSHARK"

// Available reports whether tshark is on PATH.
func Available() bool {
	_, err := exec.LookPath("tshark")
	return err == nil
}

// Require is for tests: if tshark is missing, it calls t.Fatal when the
// environment variable HOPS_REQUIRE_TSHARK=1 is set (CI sets it), else
// t.Skip with a message. It returns normally when tshark is available.
func Require(t testing.TB) {
	t.Helper()
	if Available() {
		return
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("tshark not found on PATH and %s=1", RequireEnv)
	}
	t.Skipf("tshark not found on PATH; skipping (set %s=1 to make this fatal)", RequireEnv)
}

// checkPrefs turns on the checksum validation that tshark leaves off by
// default. ICMP checksums are always validated and have no preference.
var checkPrefs = []string{
	"-o", "ip.check_checksum:TRUE",
	"-o", "tcp.check_checksum:TRUE",
	"-o", "udp.check_checksum:TRUE",
}

// badChecksums matches any packet whose IP, ICMP, UDP or TCP checksum
// tshark found to be wrong.
const badChecksums = `ip.checksum.status == "Bad" || udp.checksum.status == "Bad" || ` +
	`tcp.checksum.status == "Bad" || icmp.checksum.status == "Bad"`

// Problems runs tshark on file with IP/TCP/UDP checksum validation on and
// returns the one-line summaries tshark prints for packets that are
// malformed, have expert info of severity >= minSeverity ("error" or
// "warning"), or have a Bad IP, ICMP, UDP or TCP checksum status. An empty
// slice means the capture is clean.
//
// It returns an error if minSeverity is not recognised, tshark is missing,
// exits with a non-zero status, or writes anything to stderr other than
// its harmless "running as root" notice; the error includes tshark's
// stderr.
func Problems(file string, minSeverity string) ([]string, error) {
	switch minSeverity {
	case "error", "warning":
	default:
		return nil, fmt.Errorf("tsharkcheck: minSeverity %q: want \"error\" or \"warning\"", minSeverity)
	}
	filter := "_ws.malformed || _ws.expert.severity >= " + minSeverity + " || " + badChecksums
	args := []string{"-n", "-r", file}
	args = append(args, checkPrefs...)
	args = append(args, "-Y", filter)
	out, err := run(args...)
	if err != nil {
		return nil, err
	}
	return lines(out), nil
}

// Decode returns tshark's one-line summary of each packet in file
// (`tshark -n -r file`), for tests that assert on what was captured.
func Decode(file string) ([]string, error) {
	out, err := run("-n", "-r", file)
	if err != nil {
		return nil, err
	}
	return lines(out), nil
}

// Fields runs `tshark -n -r file -T fields -e f1 -e f2 ...` and returns one
// row per packet with one string per requested field, in order. A field
// absent from a packet is "". A field occurring several times in a packet
// has its values joined with "," (tshark's default).
func Fields(file string, fields ...string) ([][]string, error) {
	if len(fields) == 0 {
		return nil, errors.New("tsharkcheck: Fields needs at least one field")
	}
	args := []string{"-n", "-r", file, "-T", "fields"}
	for _, f := range fields {
		if f == "" || strings.ContainsAny(f, " \t\n") {
			return nil, fmt.Errorf("tsharkcheck: invalid field name %q", f)
		}
		args = append(args, "-e", f)
	}
	out, err := run(args...)
	if err != nil {
		return nil, err
	}
	var rows [][]string
	for _, l := range lines(out) {
		row := strings.Split(l, "\t")
		if len(row) != len(fields) {
			return nil, fmt.Errorf("tsharkcheck: tshark printed %d fields, want %d, in line %q", len(row), len(fields), l)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// run executes tshark with args in a clean configuration environment and
// returns its stdout.
func run(args ...string) ([]byte, error) {
	path, err := exec.LookPath("tshark")
	if err != nil {
		return nil, fmt.Errorf("tsharkcheck: %w", err)
	}
	conf, err := os.MkdirTemp("", "tsharkcheck-")
	if err != nil {
		return nil, fmt.Errorf("tsharkcheck: %w", err)
	}
	defer os.RemoveAll(conf)

	cmd := exec.Command(path, args...)
	cmd.Env = cleanEnv(conf)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	runErr := cmd.Run()
	unexpected := unexpectedStderr(stderr.String())
	if runErr != nil || unexpected != "" {
		cause := runErr
		if cause == nil {
			cause = errors.New("unexpected output on stderr")
		}
		return nil, fmt.Errorf("tsharkcheck: tshark %s: %v; stderr:\n%s",
			strings.Join(args, " "), cause, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// cleanEnv returns the current environment with every variable that could
// point tshark at user configuration replaced or removed.
func cleanEnv(conf string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "HOME", k == "XDG_CONFIG_HOME", k == "XDG_DATA_HOME",
			k == "XDG_CACHE_HOME", strings.HasPrefix(k, "WIRESHARK_"):
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+conf,
		"XDG_CONFIG_HOME="+conf,
		"XDG_DATA_HOME="+conf,
		"XDG_CACHE_HOME="+conf,
		"WIRESHARK_CONFIG_DIR="+conf,
	)
}

// unexpectedStderr returns stderr with harmless notices removed: the
// warning tshark prints when it runs as root.
func unexpectedStderr(stderr string) string {
	var keep []string
	for _, l := range strings.Split(stderr, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || isHarmless(l) {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

func isHarmless(line string) bool {
	// e.g. `Running as user "root" and group "root". This could be dangerous.`
	return strings.HasPrefix(line, "Running as user ") &&
		strings.HasSuffix(line, "This could be dangerous.")
}

// lines splits tshark's stdout into lines, dropping the final newline and
// any carriage returns. Empty lines are kept: with -T fields a packet
// lacking every requested field prints one.
func lines(out []byte) []string {
	if len(out) == 0 {
		return []string{}
	}
	s := strings.TrimSuffix(string(out), "\n")
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimSuffix(l, "\r")
	}
	return ls
}

// ProblemsPerInterface is Problems for captures that hold several
// interfaces, such as a hops capture of every node: there the same packet
// appears once per interface it crosses, and tshark's transaction analyses
// (DNS retransmissions, TCP sequence analysis), which run over the whole
// file, would flag the copies. ProblemsPerInterface therefore splits file
// into one capture per interface and runs Problems on each, prefixing each
// reported line with the interface's name and ": ". Interfaces are checked
// in the order of their ids. A capture with a single interface gives the
// same lines as Problems, prefixed.
func ProblemsPerInterface(file string, minSeverity string) ([]string, error) {
	switch minSeverity {
	case "error", "warning":
	default:
		return nil, fmt.Errorf("tsharkcheck: minSeverity %q: want \"error\" or \"warning\"", minSeverity)
	}
	ifaces, err := interfaces(file)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tsharkcheck-split-")
	if err != nil {
		return nil, fmt.Errorf("tsharkcheck: %w", err)
	}
	defer os.RemoveAll(dir)
	// One tshark at a time per CPU: its start-up dominates.
	results := make([][]string, len(ifaces))
	errs := make([]error, len(ifaces))
	sem := make(chan struct{}, runtime.NumCPU())
	var wg sync.WaitGroup
	for i, ifc := range ifaces {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			part := filepath.Join(dir, ifc.id+".pcapng")
			if _, errs[i] = run("-n", "-r", file, "-Y", "frame.interface_id == "+ifc.id, "-F", "pcapng", "-w", part); errs[i] != nil {
				return
			}
			results[i], errs[i] = Problems(part, minSeverity)
		}()
	}
	wg.Wait()
	problems := []string{}
	for i, ifc := range ifaces {
		if errs[i] != nil {
			return nil, errs[i]
		}
		for _, p := range results[i] {
			problems = append(problems, ifc.name+": "+p)
		}
	}
	return problems, nil
}

type iface struct{ id, name string }

// interfaces lists the interfaces that packets of file were captured on,
// by id, with their names (the id where the capture names none).
func interfaces(file string) ([]iface, error) {
	rows, err := Fields(file, "frame.interface_id", "frame.interface_name")
	if err != nil {
		return nil, err
	}
	names := map[int]string{}
	for _, r := range rows {
		id, err := strconv.Atoi(r[0])
		if err != nil {
			return nil, fmt.Errorf("tsharkcheck: frame.interface_id %q: %v", r[0], err)
		}
		if _, ok := names[id]; !ok {
			names[id] = r[1]
		}
	}
	ids := make([]int, 0, len(names))
	for id := range names {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	out := make([]iface, len(ids))
	for i, id := range ids {
		name := names[id]
		if name == "" {
			name = "interface " + strconv.Itoa(id)
		}
		out[i] = iface{strconv.Itoa(id), name}
	}
	return out, nil
}
