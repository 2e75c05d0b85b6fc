package dnsjudge

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// RequireEnv set to "1" makes a missing knotd fatal instead of a skip; so
// does running as root, where scripts/test-deps.sh installs it.
const RequireEnv = "HOPS_REQUIRE_DNSJUDGE"

// knotdPath finds knotd: on PATH, or in the sbin directories Debian
// installs it to (not on a normal user's PATH).
func knotdPath() string {
	if p, err := exec.LookPath("knotd"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/knotd", "/usr/local/sbin/knotd"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// requireKnotd returns knotd's path, or skips (fails when required).
func requireKnotd(t testing.TB) string {
	t.Helper()
	if p := knotdPath(); p != "" {
		return p
	}
	if os.Getenv(RequireEnv) == "1" || os.Geteuid() == 0 {
		t.Fatalf("knotd not found (apt-get install knot, or run scripts/test-deps.sh as root); required since %s=1 or running as root", RequireEnv)
	}
	t.Skipf("knotd not found; skipping (apt-get install knot; set %s=1 to make this fatal)", RequireEnv)
	return ""
}

// knotdVersion returns knotd's one-line version.
func knotdVersion(path string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return "unknown version"
	}
	return strings.TrimSpace(string(out))
}

// A zoneSrc is one zone to serve: origin and zone-file text.
type zoneSrc struct {
	Origin string
	Text   string
}

// A knot is one running knotd on 127.0.0.1.
type knot struct {
	Addr string // 127.0.0.1:port, UDP and TCP
	cmd  *exec.Cmd
	log  *syncBuffer
}

// syncBuffer collects knotd's log.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freePort returns a port free for both UDP and TCP on 127.0.0.1.
func freePort() (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if err != nil {
			continue
		}
		u.Close()
		return port, nil
	}
	return 0, errors.New("no free port for UDP and TCP on 127.0.0.1")
}

// knotConf is a minimal knotd configuration: one address on loopback,
// zones loaded whole from their files and never written back, no
// journal, nothing but mandatory semantic checks (as hops' parser).
const knotConf = `server:
    rundir: "%[1]s"
    listen: 127.0.0.1@%[2]d
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "%[1]s/db"
log:
  - target: stderr
    any: info
template:
  - id: default
    storage: "%[1]s/zones"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
%[3]s`

// startKnot runs knotd serving zones on a free port of 127.0.0.1, with its
// configuration, zone files and database in a temporary directory. It is
// killed by PID when the test ends, and in any case after limit. It may
// run on any goroutine: it reports errors instead of failing t.
func startKnot(t testing.TB, knotd string, zones []zoneSrc, limit time.Duration) (*knot, error) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "zones"), 0o755); err != nil {
		return nil, err
	}
	var zconf strings.Builder
	for i, z := range zones {
		file := fmt.Sprintf("z%d.zone", i)
		if err := os.WriteFile(filepath.Join(dir, "zones", file), []byte(z.Text), 0o644); err != nil {
			return nil, err
		}
		fmt.Fprintf(&zconf, "  - domain: %q\n    file: %q\n", z.Origin, file)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "knot.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(knotConf, dir, port, zconf.String())), 0o644); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	k := &knot{Addr: fmt.Sprintf("127.0.0.1:%d", port), log: &syncBuffer{}}
	k.cmd = exec.CommandContext(ctx, knotd, "-c", conf)
	k.cmd.Stdout, k.cmd.Stderr = k.log, k.log
	k.cmd.WaitDelay = 2 * time.Second
	if err := k.cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("start knotd: %v", err)
	}
	done := make(chan struct{})
	go func() { k.cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		// Killed by its own PID, never by name.
		if k.cmd.Process != nil {
			k.cmd.Process.Kill()
		}
		<-done
		cancel()
	})
	// Ready when every zone answers its SOA with AA over TCP.
	deadline := time.Now().Add(10 * time.Second)
	for _, z := range zones {
		for {
			select {
			case <-done:
				return nil, fmt.Errorf("knotd exited before serving %s:\n%s", z.Origin, k.log.String())
			default:
			}
			q := new(dns.Msg)
			q.SetQuestion(z.Origin, dns.TypeSOA)
			b, _ := q.Pack()
			if raw, err := exchange(k.Addr, "tcp", b, time.Second); err == nil {
				var m dns.Msg
				if m.Unpack(raw) == nil && m.Rcode == dns.RcodeSuccess && m.Authoritative {
					break
				}
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("knotd did not serve %s within 10s:\n%s", z.Origin, k.log.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return k, nil
}

// exchange sends the query msg to addr over network ("udp" or "tcp", with
// RFC 1035 section 4.2.2 length framing) and returns the raw response.
// UDP reads up to 64 KiB, so that the server alone decides the size.
// The whole exchange has wait to finish.
func exchange(addr, network string, msg []byte, wait time.Duration) ([]byte, error) {
	c, err := net.DialTimeout(network, addr, wait)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(wait))
	if network == "udp" {
		if _, err := c.Write(msg); err != nil {
			return nil, err
		}
		buf := make([]byte, 65535)
		n, err := c.Read(buf)
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
	framed := binary.BigEndian.AppendUint16(nil, uint16(len(msg)))
	if _, err := c.Write(append(framed, msg...)); err != nil {
		return nil, err
	}
	var l [2]byte
	if _, err := io.ReadFull(c, l[:]); err != nil {
		return nil, err
	}
	buf := make([]byte, binary.BigEndian.Uint16(l[:]))
	if _, err := io.ReadFull(c, buf); err != nil {
		return nil, errors.Join(err, fmt.Errorf("short TCP answer"))
	}
	return buf, nil
}
