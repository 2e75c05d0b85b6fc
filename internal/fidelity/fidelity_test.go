package fidelity

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The topology, built in both worlds:
//
//	h1 eth0 ── eth0 r1 eth1 ══ eth0 r2 eth1 ── eth0 h2     (══ : MTU 1400)
//
// Interface names are the same in Linux (inside each node's namespace) and
// in hops, so a capture point "NODE:IFACE" names the same interface in
// both: hops' pcapng interface "h1:eth0", Linux's eth0 in h1's namespace.
// Addresses are the same too, so no address mapping is needed.
var topo = topology{
	nodes: []topoNode{
		{name: "h1", role: "host"},
		{name: "r1", role: "router"},
		{name: "r2", role: "router"},
		{name: "h2", role: "host"},
	},
	links: []topoLink{
		{a: "h1:eth0 198.18.1.2/30", b: "r1:eth0 198.18.1.1/30", mtu: 1500},
		{a: "r1:eth1 198.18.2.1/30", b: "r2:eth0 198.18.2.2/30", mtu: 1400},
		{a: "r2:eth1 198.18.3.1/30", b: "h2:eth0 198.18.3.2/30", mtu: 1500},
	},
	// Static routes for Linux; hops computes its own (shortest paths).
	routes: map[string][]string{
		"h1": {"default via 198.18.1.1"},
		"r1": {"198.18.3.0/30 via 198.18.2.2"},
		"r2": {"198.18.1.0/30 via 198.18.2.1"},
		"h2": {"default via 198.18.3.1"},
	},
	// hops links get a delay so that times are not all zero; Linux's veth
	// pairs have none. Times are masked (see allowedDifferences).
	hopsDelay: "1ms",
}

const (
	h1Addr = "198.18.1.2"
	h2Addr = "198.18.3.2"
	// from is the node every command runs on.
	from = "h1"
)

// A fidelityCase is one command run in both worlds and compared.
//
// To add a case, append to cases: a name, the command line (args), and,
// if needed, the capture points and a normalizer. The command runs as is
// on h1 in Linux (`ip netns exec <h1's namespace> ARGS...`) and as
// `hops --world W --pcap P --capture NODES ARGS[0] --from h1 ARGS[1:]...`.
// Give the destination as an address (hops also takes node names, Linux
// has no names for them). Bound the run (-c, -W, -w): Linux runs in real
// time. Run the test; if it finds differences, either fix hops, or, for a
// behaviour being fixed elsewhere, set pending to the list of known
// differences (the case then runs, logs its differences and skips). When
// the case passes, the test fails until its pending is removed: a fixed
// case must drop its pending. A difference that is legitimate for good
// (not a bug) goes into allowedDifferences, with its reason, and into the
// comparison (decode_test.go) or a normalizer. For example:
//
//	{
//		name:    "ping-record-route",
//		args:    []string{"ping", "-c", "1", "-W", "1", "-R", h2Addr},
//		pending: "hops has no IP options yet: no -R, no option in the requests",
//	},
//
// Cases that need a server on h2 (TCP, UDP, DNS) will add a field with
// the server's command line for each side, started before the command and
// stopped after it; the packet comparison already knows UDP and TCP
// headers (describeTransport).
type fidelityCase struct {
	name string
	// args is the command line, the same in both worlds.
	args []string
	// hopsArgs, when set, is hops' spelling of the same command (for a
	// flag hops names differently); nil means args.
	hopsArgs []string
	// capture lists the capture points (NODE:IFACE) to compare; nil means
	// h1:eth0 and h2:eth0, the two ends of the path.
	capture []string
	// normalize, when set, rewrites each capture of both worlds before the
	// comparison, for an allowed difference in the order or the number of
	// packets (see allowedDifferences).
	normalize func([]packet) []packet
	// pending, when set, lists the differences from Linux known today and
	// being fixed: the case runs and logs its differences, then skips
	// instead of failing. Remove it when the case passes.
	pending string

	// server, when set, is a command run in Linux on serverNode before
	// the command and awaited after it (hops' commands bring their own
	// receiver). When it is the helper (helperCmd) it says when it
	// listens; any other server gets serverGrace to start.
	server []string
	// linuxSetup lists commands run in Linux before the captures start,
	// each "NODE COMMAND ARGS..." run in NODE's namespace: the Linux side
	// of a hops --link-set in hopsArgs, say.
	linuxSetup [][]string
	// outputs, when set, says why the commands' outputs are not compared
	// (another program on the Linux side): only the exit status is.
	outputs string
	// check, when set, compares the captures of one point further, for
	// what fields cannot say (times, with a tolerance).
	check func(point string, lin, hp []packet) []string
	// requires, when set, is a file (a sysctl under /proc/sys) without
	// which the case is skipped: a behaviour of newer kernels.
	requires string
}

var cases = []fidelityCase{
	{
		// Echo requests with DF (path-MTU discovery "want", the default)
		// and their replies, TTLs 64 → 62 across two routers.
		name: "ping",
		args: []string{"ping", "-c", "3", "-i", "0.2", "-W", "1", h2Addr},
	},
	{
		// 3028-byte datagrams without DF: h1 fragments them for its 1500
		// link, r1 fragments the 1500-byte fragments again for the 1400
		// link (r2 does the same to the replies), h2 reassembles.
		name: "ping-fragments",
		args: []string{"ping", "-c", "3", "-i", "0.2", "-W", "1", "-s", "3000", "-M", "dont", h2Addr},
	},
	{
		// 1478-byte datagrams with DF across the 1400 link: r1 answers
		// fragmentation needed (mtu 1400), h1 caches the path MTU and
		// refuses the next requests locally ("message too long").
		name: "ping-pmtu",
		args: []string{"ping", "-c", "3", "-i", "0.2", "-W", "1", "-s", "1450", "-M", "do", h2Addr},
	},
	{
		// r1 answers time exceeded (TOS 0xc0, the request quoted).
		name: "ping-ttl1",
		args: []string{"ping", "-c", "3", "-i", "0.2", "-W", "1", "-t", "1", h2Addr},
	},
	{
		// UDP probes to ports 33434 and up without DF, payload 0x40 0x41
		// …; time exceeded from r1 and r2, port unreachable from h2.
		// Captured on h1 only: tracerouteProbes orders probes by the
		// ports and TTLs they were sent with.
		name:      "traceroute",
		args:      []string{"traceroute", "-n", "-w", "1", h2Addr},
		capture:   []string{"h1:eth0"},
		normalize: tracerouteProbes,
	},
	{
		// ICMP rate limiting: h2 answers 10 probes that arrive together;
		// Linux's per-destination token bucket (net.ipv4.icmp_ratelimit
		// 1000 ms, burst 6) lets 6 answers through, then stars.
		name:      "traceroute-ratelimit",
		args:      []string{"traceroute", "-n", "-w", "1", "-f", "3", "-q", "10", h2Addr},
		capture:   []string{"h1:eth0"},
		normalize: tracerouteProbes,
	},
	{
		// A TCP connection h1 → h2 port 5201 carrying 10000 bytes: SYN
		// and SYN-ACK (flags, windows 64240 and 65160, options MSS 1460,
		// SACK_PERM, TS, NOP, WS 7 in that order), the handshake's ACK
		// (relative seq 1, ack 1), the first data segment (1448 bytes:
		// MSS less 12 for timestamps), r1's fragmentation needed (mtu
		// 1400) and the first segment after it (1348 bytes), with the
		// TTLs, DF and lengths of each. tcpOpenSegments says which
		// segments. Linux's side is this test binary (helper_test.go): a
		// server on h2 reading to EOF, a client on h1 writing once and
		// closing.
		name:      "tcp-handshake",
		args:      []string{helperCmd, "tcp-send", "-size", fmt.Sprint(tcpSize), h2Addr + ":5201"},
		hopsArgs:  []string{"transfer", "--to", h2Addr, "--size", fmt.Sprint(tcpSize)},
		server:    []string{helperCmd, "tcp-sink", "0.0.0.0:5201"},
		outputs:   "the Linux side is the test's own client and server, hops' is transfer's iperf3-style report",
		normalize: tcpOpenSegments,
	},
	{
		// The same connection's close (tcpCloseSegments): the client's
		// FIN, the server's FIN and the client's ACK of it.
		name:      "tcp-close",
		args:      []string{helperCmd, "tcp-send", "-size", fmt.Sprint(tcpSize), h2Addr + ":5201"},
		hopsArgs:  []string{"transfer", "--to", h2Addr, "--size", fmt.Sprint(tcpSize)},
		server:    []string{helperCmd, "tcp-sink", "0.0.0.0:5201"},
		outputs:   "the Linux side is the test's own client and server, hops' is transfer's iperf3-style report",
		normalize: tcpCloseSegments,
		pending: "when the client closes: hops' transfer closes the instant it has written (as a program calling " +
			"close() right after write() does), so its FIN leaves in the first flight, ahead of r1's " +
			"fragmentation needed, and rides on the last resent segment; h2 gets it out of order and ACKs it " +
			"before its own FIN. Linux's client (real time, links of no delay) calls close() some 75 µs after " +
			"write(), when the whole PMTU exchange (45 µs on veth) is over, so its FIN is a segment of its " +
			"own and h2 answers FIN+ACK. The bed cannot give Linux's links hops' 1 ms delays: this kernel " +
			"has no sch_netem",
	},
	{
		// A SYN that nothing answers: r2 drops everything for h2 without
		// a word (Linux: a blackhole route; hops: a link that loses every
		// packet). h1 retransmits the SYN after 1, 2 and 4 s (initial RTO
		// 1 s, doubled: RFC 6298, tcp_syn_retries 6): SYNs at 0, 1, 3
		// and 7 s within Linux's client's 7.5 s connect timeout. The
		// SYNs' fields and the intervals between them are compared.
		name: "tcp-syn-rto",
		args: []string{helperCmd, "tcp-send", "-timeout", synWindow.String(), h2Addr + ":5201"},
		hopsArgs: []string{"transfer", "--to", h2Addr, "--size", fmt.Sprint(tcpSize),
			"--link-set", "r2--h2:loss=100%"},
		linuxSetup: [][]string{{"r2", "ip", "route", "add", "blackhole", h2Addr + "/32"}},
		capture:    []string{"h1:eth0"},
		outputs:    "the Linux side is the test's own client, hops' is transfer's iperf3-style report",
		normalize:  synRetries,
		check:      synTimes,
	},
	{
		// The same with Linux's newer default (6.5 and later):
		// tcp_syn_linear_timeouts 4, SYNs at 0, 1, 2, 3, 4, 5 and 7 s;
		// hops transfer --syn-linear-timeouts 4 does the same.
		name: "tcp-syn-rto-linear",
		args: []string{helperCmd, "tcp-send", "-timeout", synWindow.String(), h2Addr + ":5201"},
		hopsArgs: []string{"transfer", "--to", h2Addr, "--size", fmt.Sprint(tcpSize),
			"--link-set", "r2--h2:loss=100%", "--syn-linear-timeouts", "4"},
		linuxSetup: [][]string{
			{"r2", "ip", "route", "add", "blackhole", h2Addr + "/32"},
			{"h1", "sysctl", "-q", "-w", "net.ipv4.tcp_syn_linear_timeouts=4"},
		},
		requires:  "/proc/sys/net/ipv4/tcp_syn_linear_timeouts",
		capture:   []string{"h1:eth0"},
		outputs:   "the Linux side is the test's own client, hops' is transfer's iperf3-style report",
		normalize: synRetries,
		check:     synTimes,
	},
}

// An allowance is a difference between hops and Linux that the comparison
// accepts, with its reason. Each is applied in one place, named in where.
type allowance struct{ what, why, where string }

var allowedDifferences = []allowance{
	{"IPv4 identification", "Linux takes IDs from hashed per-destination counters with boot-time secrets, and " +
		"writes ID 0 on DF datagrams of unconnected sockets (ping); hops' per-destination counters start from " +
		"its seed, so the values never match. RFC 6864 lets an atomic datagram carry any ID. Compared instead: " +
		"which fragments share an ID (a fragment's ID is replaced by the order in which its datagram first appears)", "ipHdr.fields, canon"},
	{"header checksums (IP, ICMP, UDP, TCP)", "they cover the fields that legitimately differ (IDs, echo " +
		"identifiers, timestamps, ports), and Linux captures its own outbound UDP with offloaded (partial) " +
		"checksums on veth; other tests validate every hops checksum with tshark", "ipHdr.fields, describeTransport"},
	{"ICMP echo identifier", "ping picks it per process (Linux: the socket's port or the PID); hops from its seed",
		"describeTransport"},
	{"the first 16 bytes of ping's data", "iputils ping writes the send time (a struct timeval) there; hops " +
		"writes virtual time. The rest of the data (the 0x10, 0x11 … pattern) is compared", "describeTransport"},
	{"UDP and TCP source ports, TCP sequence numbers and timestamps", "ephemeral ports and initial sequence " +
		"numbers are random in Linux and seeded in hops, and so are the timestamp clocks' offsets; Linux " +
		"traceroute also opens one socket, so one port, per probe. TCP cases compare sequence and " +
		"acknowledgment numbers relative to each side's initial sequence number, SACK options by their number " +
		"of blocks, and name the ports client and server", "describeTransport, describeTCP, tcpKeySegments"},
	{"times", "hops runs in virtual time with 1 ms links, Linux in real time over veth: packet timestamps " +
		"are not compared, and times in the tools' output (time=… ms, … ms, time …ms, rtt …) are masked", "maskTimes"},
	{"traceroute's probes in flight", "Linux traceroute sends up to 16 probes at once (-N 16), hops 3, one " +
		"hop at a time: the order of probes and answers on the wire differs, and Linux sends probes past the " +
		"destination's hop. Compared instead: each probe, in port order, followed by its answer, up to the " +
		"hop where the destination answered", "tracerouteProbes"},
	{"link layer", "Linux captures Ethernet frames (and ARP); hops links carry bare IPv4: only IPv4 is compared",
		"frameIPv4"},
	{"program name", "hops prefixes its own messages on stderr with \"hops: \"; that prefix is removed", "compareRuns"},
	{"TCP cases' outputs", "Linux's side of a TCP case is this test binary (a client writing once and closing, a " +
		"server reading to EOF: helper_test.go), not iperf3, whose control connection would add its own segments; " +
		"hops transfer prints an iperf3-style report. Only the exit statuses are compared", "compareRuns (outputs)"},
	{"TCP payload bytes", "hops transfer sends pseudo-random bytes from its seed (both ends hash them), the Linux " +
		"client a fixed pattern: a segment's payload is compared by its length", "tcpSeg, tcpKeySegments"},
	{"TCP after the handshake", "on veth Linux's segments and ACKs interleave in real time, and the receive window " +
		"after the SYN-ACK follows Linux's buffer autotuning (tcp_rmem, starting at 502 << 7) where hops' buffers " +
		"are fixed (transfer -w, 4 MiB: 32768 << 7); the pattern of ACKs follows delayed-ACK and quick-ACK timers. " +
		"Compared instead: the segments that both must send alike (tcpKeySegments), with relative sequence " +
		"numbers, windows on SYN and SYN-ACK only, and the client's and server's ports named", "tcpKeySegments"},
	{"the end of an unanswered connect", "Linux's client gives up after 7.5 s (the case's bound) instead of " +
		"tcp_syn_retries' 127 s; hops runs on in virtual time: SYNs after 7.5 s are not compared", "synRetries"},
	{"retransmission timer granularity", "Linux arms its retransmission timer on the timer wheel, which rounds " +
		"a timeout up by up to an eighth of it (its levels' granularity) plus a jiffy: Linux's intervals between " +
		"SYNs may be that much longer than hops' (observed: 1.007 to 1.028 s, 2.014 s, 4.032 s for 1, 2 and 4 s), or 2 ms shorter", "synTimes"},
}

// TestLinuxFidelity runs every case in Linux namespaces and in hops and
// compares them. See the package documentation for what it needs.
func TestLinuxFidelity(t *testing.T) {
	requireNetns(t)
	t.Log("allowed differences:")
	for _, a := range allowedDifferences {
		t.Logf("  %s: %s", a.what, a.why)
	}
	hops := buildHops(t)
	world := filepath.Join(t.TempDir(), "world.yaml")
	if err := os.WriteFile(world, []byte(topo.hopsYAML()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := os.Getenv("HOPS_FIDELITY_OUT")
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.requires != "" {
				if _, err := os.Stat(c.requires); err != nil {
					t.Skipf("this kernel lacks %s", c.requires)
				}
			}
			dir := t.TempDir()
			if out != "" {
				dir = filepath.Join(out, c.name)
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			lin := runLinux(t, i, c, dir)
			hp := runHops(t, hops, world, c, dir)
			diffs := compareRuns(c, lin, hp)
			report(t, c, lin, hp, diffs)
		})
	}
}

// report fails, skips (pending) or passes a case.
func report(t *testing.T, c fidelityCase, lin, hp run, diffs []string) {
	t.Helper()
	if len(diffs) == 0 {
		if c.pending != "" {
			t.Errorf("no differences from Linux any more: remove the case's pending (%q) from the table in fidelity_test.go", c.pending)
		}
		return
	}
	t.Logf("Linux (exit %d):\n%s%s", lin.exit, lin.stdout, lin.stderr)
	t.Logf("hops (exit %d):\n%s%s", hp.exit, hp.stdout, hp.stderr)
	t.Logf("%d differences from Linux:", len(diffs))
	for _, d := range diffs {
		t.Log("  " + d)
	}
	if c.pending != "" {
		t.Skipf("pending: %s (%d differences from Linux, logged above)", c.pending, len(diffs))
	}
	t.Errorf("%d differences from Linux (logged above): fix hops, or, if a difference is legitimate, "+
		"add it to allowedDifferences with its reason", len(diffs))
}

// capturePoints returns c's capture points.
func (c fidelityCase) capturePoints() []string {
	if c.capture != nil {
		return c.capture
	}
	return []string{"h1:eth0", "h2:eth0"}
}

// captureNodes returns the nodes of c's capture points, for hops' --capture.
func (c fidelityCase) captureNodes() []string {
	var nodes []string
	for _, p := range c.capturePoints() {
		n, _, _ := strings.Cut(p, ":")
		if !contains(nodes, n) {
			nodes = append(nodes, n)
		}
	}
	return nodes
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// A run is what one world did for one case.
type run struct {
	stdout, stderr string
	exit           int                 // exit status; -1 when killed
	captures       map[string][]packet // by capture point
	problems       []string            // what went wrong around the command (no capture …)
}

// compareRuns lists the differences between Linux's run and hops'.
func compareRuns(c fidelityCase, lin, hp run) []string {
	var d []string
	for _, p := range lin.problems {
		d = append(d, "Linux: "+p)
	}
	for _, p := range hp.problems {
		d = append(d, "hops: "+p)
	}
	if lin.exit != hp.exit {
		d = append(d, fmt.Sprintf("exit status: Linux %d, hops %d", lin.exit, hp.exit))
	}
	if c.outputs == "" {
		d = append(d, diffLines("stdout", maskTimes(lin.stdout), maskTimes(hp.stdout))...)
		d = append(d, diffLines("stderr", maskTimes(lin.stderr), maskTimes(stripProgramName(hp.stderr)))...)
	}
	for _, p := range c.capturePoints() {
		l, h := lin.captures[p], hp.captures[p]
		if c.normalize != nil {
			l, h = c.normalize(l), c.normalize(h)
		}
		d = append(d, diffPackets(p, l, h)...)
		if c.check != nil {
			d = append(d, c.check(p, l, h)...)
		}
	}
	return d
}

// stripProgramName removes hops' "hops: " prefix from its messages.
func stripProgramName(s string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "hops: ")
	}
	return strings.Join(lines, "")
}

// TestWorldFile keeps testdata/world.yaml, the hops scenario people can
// run by hand, equal to the topology the test builds.
func TestWorldFile(t *testing.T) {
	got, err := os.ReadFile(filepath.Join("testdata", "world.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := topo.hopsYAML(); string(got) != want {
		t.Errorf("testdata/world.yaml is out of date with the topology in fidelity_test.go; want:\n%s", want)
	}
}
