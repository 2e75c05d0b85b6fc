package ospf

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/internal/tsharkcheck"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace/pcapng"
	"github.com/hopsnet/hops/wire"
)

// checkPacket verifies one emitted packet: it parses with the codec with
// a valid OSPF checksum, every LSA in it has a valid Fletcher checksum,
// and re-encoding the parsed packet reproduces the bytes.
func checkPacket(b []byte) error {
	h, m, err := ParsePacket(b)
	if err != nil {
		return err
	}
	if up, ok := m.(*LSUpdate); ok {
		for _, l := range up.LSAs {
			if !l.ChecksumValid() {
				return fmt.Errorf("LSA %+v: bad Fletcher checksum", l.Header())
			}
			if l.Header().Type == LSTypeRouter {
				if _, err := ParseRouterLSA(l.Body()); err != nil {
					return fmt.Errorf("router-LSA body: %v", err)
				}
			}
		}
	}
	if out := h.AppendTo(nil, m); !bytes.Equal(out, b) {
		return fmt.Errorf("re-encoded %x\n original %x", out, b)
	}
	return nil
}

// capture runs a mesh with a cut and a restore and returns every packet
// emitted, wrapped in IPv4 (protocol 89, TTL 1, to 224.0.0.5), with its
// time.
type captured struct {
	at  sim.Time
	pkt []byte
}

func captureRun(t testing.TB) []captured {
	tn := newTestNet(t, 6, mesh, Config{})
	var caps []captured
	tn.onSend = func(r int, o Output) {
		if err := checkPacket(o.Packet); err != nil {
			t.Fatalf("router %d emitted a bad %v: %v", r, Packet(o.Packet).Type(), err)
		}
		l := tn.links[tn.ifLink[[2]int{r, o.Iface}]]
		src := l.addrA.Addr()
		if l.b == [2]int{r, o.Iface} {
			src = l.addrB.Addr()
		}
		ip := wire.IPv4Header{TOS: 0xc0, TTL: 1, Protocol: IPProto, Src: src, Dst: o.Dst}
		caps = append(caps, captured{tn.now, append(ip.AppendTo(nil, len(o.Packet)), o.Packet...)})
	}
	tn.run(sim.Time(60 * time.Second))
	tn.links[3].up = false
	tn.run(tn.now.Add(60 * time.Second))
	tn.links[3].up = true
	tn.run(tn.now.Add(60 * time.Second))
	if err := tn.converged(); err != nil {
		t.Fatal(err)
	}
	return caps
}

func TestEmittedPacketsParse(t *testing.T) {
	caps := captureRun(t)
	types := map[Type]int{}
	for _, c := range caps {
		_, p, _ := wire.ParseIPv4(c.pkt)
		types[Packet(p).Type()]++
	}
	for ty := TypeHello; ty <= TypeLSAck; ty++ {
		if types[ty] == 0 {
			t.Errorf("no %v packet emitted: %v", ty, types)
		}
	}
}

// TestDeterministic: the same scenario gives the same packets.
func TestDeterministic(t *testing.T) {
	a, b := captureRun(t), captureRun(t)
	if len(a) != len(b) {
		t.Fatalf("%d packets, then %d", len(a), len(b))
	}
	for i := range a {
		if a[i].at != b[i].at || !bytes.Equal(a[i].pkt, b[i].pkt) {
			t.Fatalf("packet %d differs", i)
		}
	}
}

func TestTsharkDecodesOSPF(t *testing.T) {
	if testing.Short() {
		t.Skip("tshark in -short mode")
	}
	tsharkcheck.Require(t)
	caps := captureRun(t)
	file := filepath.Join(t.TempDir(), "ospf.pcapng")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pcapng.NewWriter(f, "hops")
	if err != nil {
		t.Fatal(err)
	}
	id, err := w.AddInterface("ospf", "", pcapng.LinkTypeRaw, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range caps {
		if err := w.WritePacket(id, int64(c.at), c.pkt, len(c.pkt), pcapng.DirOutbound, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	probs, err := tsharkcheck.Problems(file, "warning")
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) > 0 {
		t.Fatalf("%d problem packets, first: %s", len(probs), strings.Join(probs[:min(5, len(probs))], "\n"))
	}
	rows, err := tsharkcheck.Fields(file, "_ws.col.Protocol", "ospf.msg")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(caps) {
		t.Fatalf("tshark decoded %d packets, wrote %d", len(rows), len(caps))
	}
	for i, r := range rows {
		if r[0] != "OSPF" || r[1] == "" {
			t.Fatalf("packet %d decoded as %q", i, r)
		}
	}
	t.Logf("%d OSPF packets decoded cleanly", len(rows))
	badCapture(t, caps)
}

// badCapture checks what tshark says about the OSPF checksum, which it
// verifies in its detail view ("[correct]" / "[incorrect, should be …]")
// without raising an expert warning: every packet of the run must be
// "[correct]", and a corrupted Hello, the negative control, "[incorrect".
// (tshark does not verify LSA Fletcher checksums; checkPacket does, and
// TestFixtureLSUpdate checks that code against captured LSAs.)
func badCapture(t *testing.T, caps []captured) {
	dir := t.TempDir()
	write := func(name string, pkts [][]byte) string {
		file := filepath.Join(dir, name)
		f, err := os.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := pcapng.NewWriter(f, "hops")
		id, _ := w.AddInterface("ospf", "", pcapng.LinkTypeRaw, 0)
		for _, p := range pkts {
			w.WritePacket(id, 0, p, len(p), pcapng.DirOutbound, "")
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		return file
	}
	verbose := func(file string) string {
		cmd := exec.Command("tshark", "-n", "-V", "-r", file)
		cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tshark -V: %v", err)
		}
		return string(out)
	}
	var pkts [][]byte
	for _, c := range caps {
		pkts = append(pkts, c.pkt)
	}
	out := verbose(write("all.pcapng", pkts))
	re := regexp.MustCompile(`(?m)^\s+Checksum: 0x[0-9a-f]{4} \[(correct|incorrect[^\]]*)\]`)
	ms := re.FindAllStringSubmatch(out, -1)
	if len(ms) != len(pkts) {
		t.Fatalf("%d OSPF checksum verdicts for %d packets", len(ms), len(pkts))
	}
	for i, m := range ms {
		if m[1] != "correct" {
			t.Fatalf("packet %d: OSPF checksum %s", i, m[1])
		}
	}
	bad := bytes.Clone(caps[0].pkt)
	bad[20+12] ^= 0x55
	if out := verbose(write("bad.pcapng", [][]byte{bad})); !strings.Contains(out, "[incorrect, should be") {
		t.Fatal("tshark did not flag a corrupted OSPF checksum")
	}
}
