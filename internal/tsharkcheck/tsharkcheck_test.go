package tsharkcheck_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/hopsnet/hops/internal/tsharkcheck"
	"github.com/hopsnet/hops/trace/pcapng"
)

// writeCapture writes pkts, one every microsecond, to a fresh pcapng file
// with a single LINKTYPE_RAW interface and returns its path.
func writeCapture(t *testing.T, pkts ...[]byte) string {
	t.Helper()
	return writeMultiCapture(t, pkts)
}

// cleanPackets is a small, entirely valid conversation: a ping exchange, a
// UDP datagram and a TCP three-way handshake.
func cleanPackets() [][]byte {
	return [][]byte{
		icmpEcho(hostA, hostB, 8, 0x1234, 1, []byte("ping")),
		icmpEcho(hostB, hostA, 0, 0x1234, 1, []byte("ping")),
		udp(hostA, hostB, 40000, 40001, []byte("hello")),
		tcp(hostA, hostB, 40002, 8080, 1000, 0, tcpSYN, 65535),
		tcp(hostB, hostA, 8080, 40002, 5000, 1001, tcpSYN|tcpACK, 65535),
		tcp(hostA, hostB, 40002, 8080, 1001, 5001, tcpACK, 65535),
	}
}

// frameNumber returns the frame number that starts a tshark summary line.
func frameNumber(line string) string {
	f := strings.Fields(line)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func TestAvailable(t *testing.T) {
	tsharkcheck.Require(t)
	if !tsharkcheck.Available() {
		t.Fatal("Require returned but Available reports false")
	}
}

func TestProblemsClean(t *testing.T) {
	tsharkcheck.Require(t)
	file := writeCapture(t, cleanPackets()...)
	for _, sev := range []string{"error", "warning"} {
		probs, err := tsharkcheck.Problems(file, sev)
		if err != nil {
			t.Fatal(err)
		}
		if probs == nil || len(probs) != 0 {
			t.Errorf("%s: clean capture reported %#v", sev, probs)
		}
	}
}

func TestProblemsReported(t *testing.T) {
	tsharkcheck.Require(t)
	good := icmpEcho(hostA, hostB, 8, 1, 1, []byte("ok"))

	badIPHeaderLen := icmpEcho(hostA, hostB, 8, 1, 2, nil)
	badIPHeaderLen[0] = 0x44 // IHL 4: 16-byte header
	binary.BigEndian.PutUint16(badIPHeaderLen[ipChecksumOff:], 0)
	binary.BigEndian.PutUint16(badIPHeaderLen[ipChecksumOff:], inetChecksum(badIPHeaderLen[:16]))

	badUDPLen := udp(hostA, hostB, 40000, 40001, []byte("abcd"))
	binary.BigEndian.PutUint16(badUDPLen[20+4:], 100)

	zeroWindow := tcp(hostA, hostB, 40002, 8080, 1, 1, tcpACK, 0)

	cases := []struct {
		name    string
		bad     []byte
		sev     string
		flagged bool
	}{
		{"bad IP checksum", corrupt(good, ipChecksumOff), "error", true},
		// tshark rates a bad ICMP checksum only a warning; the checksum
		// status clause catches it at "error" too.
		{"bad ICMP checksum", corrupt(good, icmpChecksumOff), "error", true},
		{"bad UDP checksum", corrupt(udp(hostA, hostB, 40000, 40001, []byte("x")), udpChecksumOff), "error", true},
		{"bad TCP checksum", corrupt(tcp(hostA, hostB, 40002, 8080, 1, 0, tcpSYN, 100), tcpChecksumOff), "error", true},
		{"bogus IP header length", badIPHeaderLen, "error", true},
		{"UDP length beyond packet", badUDPLen, "error", true},
		{"TCP zero window at error", zeroWindow, "error", false},
		{"TCP zero window at warning", zeroWindow, "warning", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := writeCapture(t, good, c.bad, good)
			probs, err := tsharkcheck.Problems(file, c.sev)
			if err != nil {
				t.Fatal(err)
			}
			if !c.flagged {
				if len(probs) != 0 {
					t.Fatalf("unexpected problems: %q", probs)
				}
				return
			}
			if len(probs) != 1 || frameNumber(probs[0]) != "2" {
				t.Fatalf("want exactly frame 2 reported, got %q", probs)
			}
		})
	}
}

func TestProblemsErrors(t *testing.T) {
	tsharkcheck.Require(t)
	file := writeCapture(t, cleanPackets()...)
	if _, err := tsharkcheck.Problems(file, "note"); err == nil {
		t.Error("Problems accepted severity \"note\"")
	}

	missing := filepath.Join(t.TempDir(), "missing.pcapng")
	_, err := tsharkcheck.Problems(missing, "error")
	if err == nil || !strings.Contains(err.Error(), "missing.pcapng") {
		t.Errorf("missing file: err = %v, want error quoting tshark's stderr", err)
	}

	// A capture cut off in the middle of a packet.
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcapng")
	if err := os.WriteFile(cut, data[:len(data)-10], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := tsharkcheck.Problems(cut, "error"); err == nil {
		t.Error("truncated capture: no error")
	} else {
		t.Logf("truncated capture: %v", err)
	}

	notCapture := filepath.Join(t.TempDir(), "junk.pcapng")
	if err := os.WriteFile(notCapture, []byte("this is not a capture file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := tsharkcheck.Decode(notCapture); err == nil {
		t.Error("junk file: no error")
	}
}

func TestDecode(t *testing.T) {
	tsharkcheck.Require(t)
	file := writeCapture(t, cleanPackets()...)
	lines, err := tsharkcheck.Decode(file)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Echo (ping) request", "Echo (ping) reply", "UDP", "[SYN]", "[SYN, ACK]", "[ACK]"}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) || !strings.Contains(lines[i], "10.0.0.") {
			t.Errorf("line %d = %q, want it to mention %q", i, lines[i], w)
		}
	}
}

func TestFields(t *testing.T) {
	tsharkcheck.Require(t)
	file := writeCapture(t, cleanPackets()...)
	rows, err := tsharkcheck.Fields(file, "frame.number", "ip.src", "ip.dst", "ip.proto", "udp.dstport", "tcp.flags.syn")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"1", "10.0.0.1", "10.0.0.2", "1", "", ""},
		{"2", "10.0.0.2", "10.0.0.1", "1", "", ""},
		{"3", "10.0.0.1", "10.0.0.2", "17", "40001", ""},
		{"4", "10.0.0.1", "10.0.0.2", "6", "", "1"},
		{"5", "10.0.0.2", "10.0.0.1", "6", "", "1"},
		{"6", "10.0.0.1", "10.0.0.2", "6", "", "0"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("got  %q\nwant %q", rows, want)
	}

	// A single field absent from every packet still yields one row each.
	rows, err = tsharkcheck.Fields(file, "dns.qry.name")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 || rows[5][0] != "" {
		t.Errorf("absent field: got %q", rows)
	}

	if _, err := tsharkcheck.Fields(file); err == nil {
		t.Error("Fields with no fields: no error")
	}
	if _, err := tsharkcheck.Fields(file, "no.such.field"); err == nil {
		t.Error("unknown field: no error")
	}
}

// TestIgnoresUserConfig checks that personal Wireshark configuration, which
// here disables the ICMP dissector and replaces the summary columns, does
// not leak into the results.
func TestIgnoresUserConfig(t *testing.T) {
	tsharkcheck.Require(t)
	file := writeCapture(t, cleanPackets()...)

	dirty := t.TempDir()
	for _, dir := range []string{dirty, filepath.Join(dirty, ".config", "wireshark"), filepath.Join(dirty, "wireshark")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "disabled_protos"), []byte("icmp\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		prefs := "gui.column.format: \"No.\", \"%m\", \"Proto\", \"%p\"\n"
		if err := os.WriteFile(filepath.Join(dir, "preferences"), []byte(prefs), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", dirty)
	t.Setenv("XDG_CONFIG_HOME", dirty)
	t.Setenv("WIRESHARK_CONFIG_DIR", dirty)

	lines, err := tsharkcheck.Decode(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) == 0 || !strings.Contains(lines[0], "Echo (ping) request") {
		t.Fatalf("user configuration leaked into tshark: %q", lines)
	}
	// ICMP checksum problems must still be found.
	bad := writeCapture(t, corrupt(cleanPackets()[0], icmpChecksumOff))
	probs, err := tsharkcheck.Problems(bad, "error")
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 {
		t.Fatalf("bad ICMP checksum not reported with user configuration present: %q", probs)
	}
}

func TestRequireSkipsOrFails(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no tshark here
	if tsharkcheck.Available() {
		t.Fatal("Available with empty PATH")
	}
	for _, c := range []struct {
		env        string
		wantFailed bool
	}{{"", false}, {"0", false}, {"1", true}} {
		t.Setenv(tsharkcheck.RequireEnv, c.env)
		rec := &recorder{TB: t}
		done := make(chan struct{})
		go func() { // Skip and Fatal end the goroutine with runtime.Goexit.
			defer close(done)
			tsharkcheck.Require(rec)
		}()
		<-done
		if rec.failed != c.wantFailed || rec.skipped == c.wantFailed {
			t.Errorf("%s=%q: failed=%v skipped=%v", tsharkcheck.RequireEnv, c.env, rec.failed, rec.skipped)
		}
	}
}

// recorder is a testing.TB that records Fatal and Skip instead of acting
// on the real test.
type recorder struct {
	testing.TB
	failed, skipped bool
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = true
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = true
	runtime.Goexit()
}

// writeMultiCapture writes a pcapng file with one LINKTYPE_RAW interface
// per element of ifaces (named "test:eth0", "test:eth1", ...), each
// holding its packets, one every microsecond, the interfaces interleaved
// packet by packet as a hops capture of every node interleaves them.
func writeMultiCapture(t *testing.T, ifaces ...[][]byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "multi.pcapng")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := pcapng.NewWriter(f, "hops")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int, len(ifaces))
	for i := range ifaces {
		if ids[i], err = w.AddInterface("test:eth"+string(rune('0'+i)), "", pcapng.LinkTypeRaw, 0); err != nil {
			t.Fatal(err)
		}
	}
	ts := int64(0)
	for n := 0; ; n++ {
		wrote := false
		for i, pkts := range ifaces {
			if n < len(pkts) {
				ts += 1000
				if err := w.WritePacket(ids[i], ts, pkts[n], len(pkts[n]), pcapng.DirOutbound, ""); err != nil {
					t.Fatal(err)
				}
				wrote = true
			}
		}
		if !wrote {
			break
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return file
}

// dnsQuery is a DNS query for example.com. A, in UDP, with the given id.
func dnsQuery(id uint16) []byte {
	m := make([]byte, 12)
	binary.BigEndian.PutUint16(m[0:], id)
	binary.BigEndian.PutUint16(m[2:], 0x0100) // RD
	binary.BigEndian.PutUint16(m[4:], 1)      // QDCOUNT
	m = append(m, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1)
	return udp(hostA, hostB, 40053, 53, m)
}

// TestProblemsPerInterface: the same DNS query and TCP handshake seen on
// two interfaces, as a capture of every node sees them once per hop. Over
// the whole file tshark calls the copies retransmissions; split per
// interface the capture is clean. A bad checksum on one interface is
// reported once, under that interface's name.
func TestProblemsPerInterface(t *testing.T) {
	tsharkcheck.Require(t)
	pkts := append([][]byte{dnsQuery(0x4242)}, cleanPackets()...)
	file := writeMultiCapture(t, pkts, pkts)

	whole, err := tsharkcheck.Problems(file, "warning")
	if err != nil {
		t.Fatal(err)
	}
	if len(whole) == 0 {
		t.Fatal("Problems finds nothing in the duplicated packets: the test no longer shows why ProblemsPerInterface exists")
	}
	t.Logf("Problems over the whole file:\n%s", strings.Join(whole, "\n"))
	for _, sev := range []string{"error", "warning"} {
		probs, err := tsharkcheck.ProblemsPerInterface(file, sev)
		if err != nil {
			t.Fatal(err)
		}
		if probs == nil || len(probs) != 0 {
			t.Errorf("ProblemsPerInterface(%s) = %#v, want an empty slice", sev, probs)
		}
	}

	bad := append([][]byte(nil), pkts...)
	bad[2] = corrupt(bad[2], icmpChecksumOff) // the echo reply
	file = writeMultiCapture(t, pkts, bad, pkts)
	for _, sev := range []string{"error", "warning"} {
		probs, err := tsharkcheck.ProblemsPerInterface(file, sev)
		if err != nil {
			t.Fatal(err)
		}
		if len(probs) != 1 || !strings.HasPrefix(probs[0], "test:eth1: ") || frameNumber(strings.TrimPrefix(probs[0], "test:eth1: ")) != "3" {
			t.Errorf("ProblemsPerInterface(%s) = %q, want frame 3 of test:eth1 alone", sev, probs)
		}
	}
}

func TestProblemsPerInterfaceErrors(t *testing.T) {
	tsharkcheck.Require(t)
	file := writeCapture(t, cleanPackets()...)
	if _, err := tsharkcheck.ProblemsPerInterface(file, "note"); err == nil {
		t.Error("minSeverity \"note\": no error")
	}
	if _, err := tsharkcheck.ProblemsPerInterface(filepath.Join(t.TempDir(), "missing.pcapng"), "warning"); err == nil {
		t.Error("missing file: no error")
	}
	probs, err := tsharkcheck.ProblemsPerInterface(writeCapture(t), "warning")
	if err != nil || probs == nil || len(probs) != 0 {
		t.Errorf("empty capture: %#v, %v; want an empty slice", probs, err)
	}
}
