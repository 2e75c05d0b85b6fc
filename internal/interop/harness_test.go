package interop

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash"
	mrand "math/rand" // only for the rand.Source type gVisor's stack.Options takes
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/faketime"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	gtcp "gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/waiter"

	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
	"github.com/hopsnet/hops/wire"
)

// The two hosts, on one /24 of TEST-NET-1 (RFC 5737). Nothing leaves the
// process: gVisor's NIC is a channel the test reads.
var (
	hopsAddr = netip.AddrFrom4([4]byte{192, 0, 2, 1})
	gvAddr   = netip.AddrFrom4([4]byte{192, 0, 2, 2})
)

const (
	nicID   = 1
	linkMTU = 1500
)

// epoch is sim.Time 0 on gVisor's clock (faketime.ManualClock starts at
// the Unix epoch).
var epoch = time.Unix(0, 0)

// ---------------------------------------------------------------------
// The shared virtual clock.

// vclock is gVisor's faketime.ManualClock with its timers tracked, so that
// the test can ask when the next one fires: ManualClock keeps its timer
// heap to itself. The timers still run inside ManualClock.Advance, on the
// test's goroutine.
type vclock struct {
	*faketime.ManualClock
	mu     sync.Mutex
	timers map[*vtimer]struct{}
}

type vtimer struct {
	c  *vclock
	t  tcpip.Timer
	at time.Time // when it fires; meaningful while armed
}

func newVClock() *vclock {
	return &vclock{ManualClock: faketime.NewManualClock(), timers: map[*vtimer]struct{}{}}
}

// AfterFunc implements tcpip.Clock.
func (c *vclock) AfterFunc(d time.Duration, f func()) tcpip.Timer {
	vt := &vtimer{c: c}
	c.arm(vt, d)
	vt.t = c.ManualClock.AfterFunc(d, func() {
		c.mu.Lock()
		// A timer re-armed while it was firing has a later time: keep it.
		if !vt.at.After(c.ManualClock.Now()) {
			delete(c.timers, vt)
		}
		c.mu.Unlock()
		f()
	})
	return vt
}

func (c *vclock) arm(vt *vtimer, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d <= 0 {
		// ManualClock runs it at once on a goroutine of its own;
		// Advance(0) waits for it.
		delete(c.timers, vt)
		return
	}
	vt.at = c.ManualClock.Now().Add(d)
	c.timers[vt] = struct{}{}
}

// Stop implements tcpip.Timer.
func (vt *vtimer) Stop() bool {
	vt.c.mu.Lock()
	delete(vt.c.timers, vt)
	vt.c.mu.Unlock()
	return vt.t.Stop()
}

// Reset implements tcpip.Timer.
func (vt *vtimer) Reset(d time.Duration) {
	vt.c.arm(vt, d)
	vt.t.Reset(d)
}

// next returns when the earliest armed timer fires.
func (c *vclock) next() (sim.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := sim.Never, false
	for vt := range c.timers {
		if at := sim.Time(vt.at.Sub(epoch)); at < t {
			t, ok = at, true
		}
	}
	return t, ok
}

// lockedSource adapts a PCG to the thread-safe math/rand.Source that
// gVisor's stack.Options.RandSource wants (port picking, hash seeds).
type lockedSource struct {
	mu  sync.Mutex
	pcg *rand.PCG
}

func (s *lockedSource) Int63() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(s.pcg.Uint64() >> 1)
}

func (s *lockedSource) Seed(int64) {}

var _ mrand.Source = (*lockedSource)(nil)

// lockedReader is gVisor's "secure" RNG (ISN secrets, timestamp
// offsets): a seeded ChaCha8, so that runs repeat.
type lockedReader struct {
	mu sync.Mutex
	c  *rand.ChaCha8
}

func (r *lockedReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.c.Read(p)
}

// ---------------------------------------------------------------------
// The path between the hosts.

// path is what the packets go through, the same each way: a link of
// some rate (packets queue behind each other, without bound), a one-way
// delay, loss, and reordering (a reordered packet is held back by up to
// jitter more, so later ones pass it).
type path struct {
	rate    int64 // bits per second
	delay   time.Duration
	loss    float64
	reorder float64
	jitter  time.Duration
}

var (
	cleanPath = path{rate: 100e6, delay: 5 * time.Millisecond}
	lossyPath = path{rate: 100e6, delay: 5 * time.Millisecond, loss: 0.02, reorder: 0.03, jitter: 3 * time.Millisecond}
)

type inflight struct {
	at   sim.Time
	toGV bool
	data []byte
}

// counters for one direction of the path.
type dirStats struct {
	packets, dropped, reordered int
	syns, rsts, fins            int
	maxPayload                  int    // the largest segment payload
	maxPacket                   int    // the largest IP packet
	overMTU                     int    // packets larger than the link's MTU
	withTS                      int    // segments other than SYNs with a timestamp option
	withSACK                    int    // segments with SACK blocks
	maxWindow                   uint16 // the largest window field outside SYNs
	zeroWindows                 int    // segments other than RSTs advertising a zero window
	dupData                     int    // data segments the receiver had already acknowledged
	probes                      int    // window probes of one acknowledged byte
	tsEchoMismatch              int    // ACKs whose TSecr is no TSval the other side sent
}

// ---------------------------------------------------------------------
// The hops host: a few tcp.Conns keyed by ports, a listener set, RSTs
// for closed ports.

type hopsConn struct {
	c            *tcp.Conn
	lport, rport uint16
	sentSYN      wire.TCPOptions // options of our SYN or SYN-ACK
	peerSYN      wire.TCPOptions // options of gVisor's SYN or SYN-ACK
	peerSYNWin   uint16
	haveSYN      bool
}

// ---------------------------------------------------------------------
// The world.

type world struct {
	t     testing.TB
	seed  uint64
	rng   *rand.Rand // the path's impairments, and hops' ISS
	now   sim.Time
	clk   *vclock
	s     *stack.Stack
	link  *channel.Endpoint
	path  path
	limit sim.Time // virtual time bound for run

	flight []inflight
	busy   [2]sim.Time // when each direction's link is free: [0] to gVisor, [1] to hops
	toGV   dirStats
	toHops dirStats

	hopsCfg  func(*tcp.Config)
	appNext  func() (sim.Time, bool) // when the apps want to run again
	listen   map[uint16]bool
	conns    []*hopsConn
	rstQueue []wire.TCPHeader // RSTs from the hops host for closed ports
	out      []tcp.Segment
	ipID     uint16

	probeMu sync.Mutex
	probes  map[stack.TransportEndpointID]gvInfo

	trace  []string           // the last packets, for failure messages
	tsSent [2]map[uint32]bool // TSvals sent: [0] by hops, [1] by gVisor
	// The highest ACK each side has sent ([0] hops, [1] gVisor).
	lastAck  [2]seq.Value
	ackValid [2]bool
	digest   hash.Hash // of every TCP segment sent and when
}

// gvSetRecovery sets gVisor's loss detection (tcpip.TCPRecovery: RACK,
// gVisor's default, or 0 for classic duplicate-ACK counting).
func (w *world) gvSetRecovery(r tcpip.TCPRecovery) {
	if err := w.s.SetTransportProtocolOption(gtcp.ProtocolNumber, &r); err != nil {
		w.t.Fatalf("gVisor: recovery option: %v", err)
	}
}

// newWorld builds a gVisor stack on a channel NIC with the shared clock.
func newWorld(t testing.TB, seed uint64, p path) *world {
	w := &world{
		t:      t,
		seed:   seed,
		rng:    rand.New(rand.NewPCG(seed, 0x1a7e)),
		clk:    newVClock(),
		path:   p,
		limit:  sim.Time(10 * time.Minute),
		listen: map[uint16]bool{},
		probes: map[stack.TransportEndpointID]gvInfo{},
		digest: sha256.New(),
	}
	var chachaSeed [32]byte
	for i := range chachaSeed {
		chachaSeed[i] = byte(seed >> (8 * (i % 8)))
	}
	probe := func(st *gtcp.TCPEndpointState) {
		w.probeMu.Lock()
		w.probes[stack.TransportEndpointID(st.ID)] = gvInfo{
			SACKPermitted:  st.SACKPermitted,
			SendTSOk:       st.SendTSOk,
			SndWndScale:    st.Sender.SndWndScale,
			RcvWndScale:    st.Receiver.RcvWndScale,
			MaxPayloadSize: st.Sender.MaxPayloadSize,
		}
		w.probeMu.Unlock()
	}
	w.s = stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{gtcp.NewProtocolProbe(probe)},
		Clock:              w.clk,
		RandSource:         &lockedSource{pcg: rand.NewPCG(seed, 0x9715)},
		SecureRNG:          &lockedReader{c: rand.NewChaCha8(chachaSeed)},
	})
	sack := tcpip.TCPSACKEnabled(true) // Linux's default; gVisor's is off
	if err := w.s.SetTransportProtocolOption(gtcp.ProtocolNumber, &sack); err != nil {
		t.Fatalf("gVisor: SACK option: %v", err)
	}
	w.link = channel.New(4096, linkMTU, "")
	if err := w.s.CreateNIC(nicID, w.link); err != nil {
		t.Fatalf("gVisor: CreateNIC: %v", err)
	}
	pa := tcpip.ProtocolAddress{
		Protocol:          ipv4.ProtocolNumber,
		AddressWithPrefix: tcpip.AddressWithPrefix{Address: tcpip.AddrFrom4(gvAddr.As4()), PrefixLen: 24},
	}
	if err := w.s.AddProtocolAddress(nicID, pa, stack.AddressProperties{}); err != nil {
		t.Fatalf("gVisor: AddProtocolAddress: %v", err)
	}
	w.s.SetRouteTable([]tcpip.Route{{Destination: header.IPv4EmptySubnet, NIC: nicID}})
	t.Cleanup(func() {
		w.s.Close()
		w.s.Wait()
	})
	return w
}

// ---------------------------------------------------------------------
// gVisor's side.

// settle waits until gVisor has done everything the last injected packet,
// app call or timer asked of it: timers that ManualClock started on
// goroutines of their own (Advance(0) waits for them), then the TCP
// processor goroutines (Pause returns once each has an empty queue).
func (w *world) settle() {
	for range 2 {
		w.clk.Advance(0)
		w.s.Pause()
		w.s.Resume()
	}
}

// gvOutput moves the packets gVisor sent onto the path, checking them with
// hops' own codecs on the way.
func (w *world) gvOutput() {
	for range 100_000 {
		pkt := w.link.Read()
		if pkt == nil {
			return
		}
		v := pkt.ToView()
		b := bytes.Clone(v.AsSlice())
		v.Release()
		pkt.DecRef()
		ip, seg, err := wire.ParseIPv4(b)
		if err != nil {
			w.t.Fatalf("gVisor sent a packet wire.ParseIPv4 rejects: %v", err)
		}
		if ip.Protocol != wire.ProtoTCP {
			continue // nothing else is expected, and hops would ignore it
		}
		if ip.Src != gvAddr || ip.Dst != hopsAddr {
			w.t.Fatalf("gVisor sent %v -> %v", ip.Src, ip.Dst)
		}
		if !wire.VerifyTCPChecksum(ip.Src, ip.Dst, seg) {
			w.t.Fatalf("gVisor sent a TCP segment with a bad checksum")
		}
		w.send(false, b)
	}
	w.t.Fatalf("gVisor output does not end")
}

// inject hands one packet to gVisor's NIC and waits for it to be handled.
func (w *world) inject(b []byte) {
	pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithData(b)})
	w.link.InjectInbound(ipv4.ProtocolNumber, pkt)
	pkt.DecRef()
	w.settle()
}

// gvInfo is what gVisor's TCP probe says a connection negotiated.
type gvInfo struct {
	SACKPermitted  bool  // both SYNs had SACK-permitted
	SendTSOk       bool  // both SYNs had timestamps
	SndWndScale    uint8 // the shift gVisor applies to our window
	RcvWndScale    uint8 // the shift gVisor applies to its own
	MaxPayloadSize int   // gVisor's segment payload limit (MSS less options)
}

// probe returns gVisor's TCP state for the connection between the ports,
// as its TCP probe last saw it (after the last segment it processed).
func (w *world) probe(gvPort, hopsPort uint16) (gvInfo, bool) {
	w.probeMu.Lock()
	defer w.probeMu.Unlock()
	st, ok := w.probes[stack.TransportEndpointID{
		LocalPort: gvPort, LocalAddress: tcpip.AddrFrom4(gvAddr.As4()),
		RemotePort: hopsPort, RemoteAddress: tcpip.AddrFrom4(hopsAddr.As4()),
	}]
	return st, ok
}

// ---------------------------------------------------------------------
// hops' side.

func (w *world) hopsConfig() tcp.Config {
	// A TSOffset, as Linux randomizes it, so that our first TSval is not
	// 0 and the peer's echo of it can be told from no echo.
	cfg := tcp.Config{ISS: seq.Value(w.rng.Uint32()), TSOffset: w.rng.Uint32()}
	if w.hopsCfg != nil {
		w.hopsCfg(&cfg)
	}
	return cfg
}

// hopsDial opens a hops connection to gVisor.
func (w *world) hopsDial(lport, rport uint16) *hopsConn {
	hc := &hopsConn{c: tcp.Dial(w.hopsConfig(), w.now), lport: lport, rport: rport}
	w.conns = append(w.conns, hc)
	return hc
}

// hopsConnFor returns the connection a listener accepted on lport.
func (w *world) hopsConnFor(lport uint16) *hopsConn {
	for _, hc := range w.conns {
		if hc.lport == lport {
			return hc
		}
	}
	return nil
}

// hopsInput is the hops host receiving a packet: verify, demultiplex,
// hand to the Conn, accept a SYN on a listening port, or answer with an
// RST (RFC 9293 section 3.10.7.1).
func (w *world) hopsInput(b []byte) {
	ip, segBytes, err := wire.ParseIPv4(b)
	if err != nil {
		w.t.Fatalf("hops: packet does not parse: %v", err)
	}
	if !wire.VerifyTCPChecksum(ip.Src, ip.Dst, segBytes) {
		w.t.Fatalf("hops: bad TCP checksum")
	}
	h, payload, err := wire.ParseTCP(segBytes)
	if err != nil {
		w.t.Fatalf("hops: TCP header does not parse: %v", err)
	}
	seg := tcp.FromWire(&h, payload)
	for _, hc := range w.conns {
		if hc.lport != h.DstPort || hc.rport != h.SrcPort {
			continue
		}
		if hc.c.State() == tcp.Closed {
			break // the TCB is gone: answer as for a closed port
		}
		if seg.Flags&wire.SYN != 0 && !hc.haveSYN {
			hc.peerSYN, hc.peerSYNWin, hc.haveSYN = h.Options, h.Window, true
		}
		hc.c.Handle(w.now, &seg)
		return
	}
	if w.listen[h.DstPort] && seg.Flags&(wire.SYN|wire.ACK|wire.RST) == wire.SYN {
		hc := &hopsConn{c: tcp.Accept(w.hopsConfig(), w.now, &seg), lport: h.DstPort, rport: h.SrcPort}
		hc.peerSYN, hc.peerSYNWin, hc.haveSYN = h.Options, h.Window, true
		w.conns = append(w.conns, hc)
		return
	}
	if rst, ok := tcp.RSTFor(&seg); ok {
		w.rstQueue = append(w.rstQueue, rst.Header(h.DstPort, h.SrcPort))
	}
}

// hopsOutput encodes what every hops connection sends now, each segment
// in a real IPv4 header, onto the path.
func (w *world) hopsOutput() {
	for _, hc := range w.conns {
		w.out = hc.c.AppendOutput(w.out[:0], w.now)
		for i := range w.out {
			s := &w.out[i]
			if s.Flags&wire.SYN != 0 {
				hc.sentSYN = s.Options
			}
			h := s.Header(hc.lport, hc.rport)
			w.send(true, w.encode(&h, s.Payload))
		}
	}
	for i := range w.rstQueue {
		w.send(true, w.encode(&w.rstQueue[i], nil))
	}
	w.rstQueue = w.rstQueue[:0]
}

func (w *world) encode(h *wire.TCPHeader, payload []byte) []byte {
	w.ipID++
	ip := wire.IPv4Header{ID: w.ipID, DontFragment: true, TTL: 64, Protocol: wire.ProtoTCP, Src: hopsAddr, Dst: gvAddr}
	b := ip.AppendTo(nil, h.Len()+len(payload))
	return h.AppendTo(b, hopsAddr, gvAddr, payload)
}

// ---------------------------------------------------------------------
// The path and the loop.

// send puts a packet on the path: maybe lost, maybe held back.
func (w *world) send(toGV bool, b []byte) {
	st, dir := &w.toHops, 1
	if toGV {
		st, dir = &w.toGV, 0
	}
	st.packets++
	w.note(toGV, b)
	if w.path.loss > 0 && w.rng.Float64() < w.path.loss {
		st.dropped++
		return
	}
	// Serialization: the packet leaves when the link is free.
	w.busy[dir] = max(w.busy[dir], w.now).Add(time.Duration(int64(len(b)) * 8 * int64(time.Second) / w.path.rate))
	at := w.busy[dir].Add(w.path.delay)
	if w.path.reorder > 0 && w.rng.Float64() < w.path.reorder {
		st.reordered++
		at = at.Add(time.Duration(1 + w.rng.Int64N(int64(w.path.jitter))))
	}
	i := len(w.flight)
	for i > 0 && w.flight[i-1].at > at {
		i--
	}
	w.flight = append(w.flight, inflight{})
	copy(w.flight[i+1:], w.flight[i:])
	w.flight[i] = inflight{at: at, toGV: toGV, data: b}
}

// note keeps a tcpdump-like line per packet (the last 64) and counts
// flags.
func (w *world) note(toGV bool, b []byte) {
	_, segBytes, _ := wire.ParseIPv4(b)
	h, payload, err := wire.ParseTCP(segBytes)
	if err != nil {
		return
	}
	st, dir := &w.toHops, "gvisor > hops"
	if toGV {
		st, dir = &w.toGV, "hops > gvisor"
	}
	if h.Flags&wire.SYN != 0 {
		st.syns++
	}
	if h.Flags&wire.RST != 0 {
		st.rsts++
	}
	if h.Flags&wire.FIN != 0 {
		st.fins++
	}
	st.maxPayload = max(st.maxPayload, len(payload))
	st.maxPacket = max(st.maxPacket, len(b))
	if len(b) > linkMTU {
		st.overMTU++
	}
	if h.Flags&wire.SYN == 0 {
		st.maxWindow = max(st.maxWindow, h.Window)
		if h.Window == 0 && h.Flags&wire.RST == 0 {
			st.zeroWindows++
		}
		if h.Options.HasTimestamps {
			st.withTS++
		}
	}
	if h.Options.NumSACK > 0 {
		st.withSACK++
	}
	// Data the receiver has acknowledged already: a retransmission it did
	// not need (on a path that loses no ACK, a spurious one).
	from, to := 1, 0 // from gVisor, to hops
	if toGV {
		from, to = 0, 1
	}
	if h.Flags&wire.ACK != 0 && (!w.ackValid[from] || w.lastAck[from].LessThan(seq.Value(h.Ack))) {
		w.lastAck[from], w.ackValid[from] = seq.Value(h.Ack), true
	}
	if end := seq.Value(h.Seq).Add(seq.Size(len(payload))); len(payload) > 0 && w.ackValid[to] && end.LessThanEq(w.lastAck[to]) {
		if len(payload) == 1 && end == w.lastAck[to] {
			st.probes++ // one old byte: a window probe (gVisor's form)
		} else {
			st.dupData++
		}
	}
	// RFC 7323 section 3.2: an ACK echoes a TSval the peer sent (TSecr
	// of a SYN without ACK is 0).
	mine, peers := &w.tsSent[0], &w.tsSent[1]
	if !toGV {
		mine, peers = peers, mine
	}
	if h.Options.HasTimestamps {
		if *mine == nil {
			*mine = map[uint32]bool{}
		}
		(*mine)[h.Options.TSVal] = true
		if h.Flags&wire.ACK != 0 && !(*peers)[h.Options.TSEcr] {
			st.tsEchoMismatch++
		}
	}
	fmt.Fprintf(w.digest, "%d %v ", w.now, toGV)
	w.digest.Write(segBytes) // the TCP segment; the IP header's ID is gVisor's own random
	seg := tcp.FromWire(&h, payload)
	line := fmt.Sprintf("%v %s %d>%d %v", time.Duration(w.now), dir, h.SrcPort, h.DstPort, seg)
	if len(w.trace) >= traceLen {
		w.trace = w.trace[1:]
	}
	w.trace = append(w.trace, line)
}

// flush sends what both sides have to send now.
func (w *world) flush() {
	w.hopsOutput()
	w.settle()
	w.gvOutput()
}

// next is the earliest of: a packet arriving, a hops deadline, a gVisor
// timer.
func (w *world) next() (sim.Time, bool) {
	t := sim.Never
	if len(w.flight) > 0 {
		t = w.flight[0].at
	}
	for _, hc := range w.conns {
		if d, ok := hc.c.NextDeadline(); ok {
			t = min(t, d)
		}
	}
	if d, ok := w.clk.next(); ok {
		t = min(t, d)
	}
	if w.appNext != nil {
		if d, ok := w.appNext(); ok {
			t = min(t, d)
		}
	}
	return t, t != sim.Never
}

// advance moves both clocks to t, fires gVisor's timers and hops'
// deadlines due by then, and delivers the packets due.
func (w *world) advance(t sim.Time) {
	if t < w.now {
		t = w.now
	}
	// gVisor's timers due by t fire inside Advance, in time order.
	w.clk.Advance(t.Sub(w.now))
	w.settle()
	w.now = t
	for len(w.flight) > 0 && w.flight[0].at <= w.now {
		p := w.flight[0]
		w.flight = w.flight[1:]
		if p.toGV {
			w.inject(p.data)
		} else {
			w.hopsInput(p.data)
		}
	}
	for _, hc := range w.conns {
		if d, ok := hc.c.NextDeadline(); ok && d <= w.now {
			hc.c.Advance(w.now)
		}
	}
}

// run steps the world until done says so: app moves data on both sides
// (non-blocking calls only), then both sides send, then time moves to the
// next event. Bounded in steps, virtual time and wall time.
func (w *world) run(app func(), done func() bool) error {
	const maxSteps = 2_000_000
	wallLimit := time.Now().Add(60 * time.Second)
	for step := range maxSteps {
		app()
		w.flush()
		if done() {
			return nil
		}
		t, ok := w.next()
		if !ok {
			return fmt.Errorf("stuck at %v after %d steps: nothing in flight, no timer\n%s", time.Duration(w.now), step, w.dump())
		}
		if t > w.limit {
			return fmt.Errorf("not done by %v of virtual time\n%s", time.Duration(w.limit), w.dump())
		}
		if step%256 == 0 && time.Now().After(wallLimit) {
			return fmt.Errorf("wall-clock bound reached at %v\n%s", time.Duration(w.now), w.dump())
		}
		w.advance(t)
	}
	return fmt.Errorf("step bound reached\n%s", w.dump())
}

func (w *world) dump() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hops > gvisor: %+v\ngvisor > hops: %+v\n", w.toGV, w.toHops)
	for _, hc := range w.conns {
		fmt.Fprintf(&b, "hops conn %d>%d: %v err=%v %+v\n", hc.lport, hc.rport, hc.c.State(), hc.c.Err(), hc.c.Stats())
	}
	b.WriteString("last packets:\n")
	for _, l := range w.trace {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// ---------------------------------------------------------------------
// Endpoints for the apps: one interface over a hops Conn and a gVisor
// endpoint, with non-blocking calls only.

type endpoint interface {
	name() string
	ready() bool               // the handshake is done
	write(p []byte) int        // what the send buffer took
	closeWrite()               // half-close: FIN after the data
	read(p []byte) (int, bool) // bytes read, and whether EOF was seen
	closed() bool              // both FINs exchanged and acknowledged (or CLOSED)
	failed() error             // the connection ended with an error
	state() string             // the state as RFC 9293 names it
}

type hopsEnd struct{ hc *hopsConn }

func (e hopsEnd) name() string { return "hops" }
func (e hopsEnd) ready() bool {
	switch e.hc.c.State() {
	case tcp.SynSent, tcp.SynReceived, tcp.Closed:
		return false
	}
	return true
}
func (e hopsEnd) write(p []byte) int { return e.hc.c.Write(p) }
func (e hopsEnd) closeWrite()        { e.hc.c.CloseWrite() }
func (e hopsEnd) read(p []byte) (int, bool) {
	n := e.hc.c.Read(p)
	return n, n == 0 && e.hc.c.EOF()
}
func (e hopsEnd) closed() bool {
	s := e.hc.c.State()
	return s == tcp.TimeWait || (s == tcp.Closed && e.hc.c.Err() == nil)
}
func (e hopsEnd) failed() error { return e.hc.c.Err() }
func (e hopsEnd) state() string { return e.hc.c.State().String() }

type gvEnd struct {
	w  *world
	ep tcpip.Endpoint
}

func (e gvEnd) name() string { return "gvisor" }
func (e gvEnd) gstate() gtcp.EndpointState {
	return gtcp.EndpointState(e.ep.State())
}

// gvStateNames spells gVisor's states as RFC 9293 does.
var gvStateNames = map[gtcp.EndpointState]string{
	gtcp.StateEstablished: "ESTABLISHED", gtcp.StateSynSent: "SYN-SENT", gtcp.StateSynRecv: "SYN-RECEIVED",
	gtcp.StateFinWait1: "FIN-WAIT-1", gtcp.StateFinWait2: "FIN-WAIT-2", gtcp.StateTimeWait: "TIME-WAIT",
	gtcp.StateClose: "CLOSED", gtcp.StateCloseWait: "CLOSE-WAIT", gtcp.StateLastAck: "LAST-ACK",
	gtcp.StateListen: "LISTEN", gtcp.StateClosing: "CLOSING",
}

func (e gvEnd) state() string {
	if n, ok := gvStateNames[e.gstate()]; ok {
		return n
	}
	return "gvisor:" + e.gstate().String()
}
func (e gvEnd) ready() bool {
	switch e.gstate() {
	case gtcp.StateEstablished, gtcp.StateCloseWait, gtcp.StateFinWait1, gtcp.StateFinWait2,
		gtcp.StateClosing, gtcp.StateLastAck, gtcp.StateTimeWait:
		return true
	}
	return false
}
func (e gvEnd) write(p []byte) int {
	n, err := e.ep.Write(bytes.NewReader(p), tcpip.WriteOptions{})
	switch err.(type) {
	case nil, *tcpip.ErrWouldBlock:
	default:
		e.w.t.Fatalf("gVisor Write: %v", err)
	}
	return int(n)
}
func (e gvEnd) closeWrite() {
	if err := e.ep.Shutdown(tcpip.ShutdownWrite); err != nil {
		e.w.t.Fatalf("gVisor Shutdown(write): %v", err)
	}
}
func (e gvEnd) read(p []byte) (int, bool) {
	var b bytes.Buffer
	res, err := e.ep.Read(&tcpip.LimitedWriter{W: &b, N: int64(len(p))}, tcpip.ReadOptions{})
	switch err.(type) {
	case nil:
	case *tcpip.ErrWouldBlock:
		return 0, false
	case *tcpip.ErrClosedForReceive:
		return 0, true
	default:
		e.w.t.Fatalf("gVisor Read: %v", err)
	}
	return copy(p, b.Bytes()[:res.Count]), false
}
func (e gvEnd) closed() bool {
	s := e.gstate()
	return s == gtcp.StateTimeWait || s == gtcp.StateClose
}
func (e gvEnd) failed() error {
	if e.gstate() == gtcp.StateError {
		return fmt.Errorf("gVisor endpoint in error state")
	}
	return nil
}

// gvSendBuf is gVisor's send buffer: smaller than its 1 MiB default, so
// that an app writing 1 MiB cannot hand it all over (and close) at once.
const gvSendBuf = 256 << 10

func (w *world) gvEndpoint() tcpip.Endpoint {
	var wq waiter.Queue
	ep, err := w.s.NewEndpoint(gtcp.ProtocolNumber, ipv4.ProtocolNumber, &wq)
	if err != nil {
		w.t.Fatalf("gVisor NewEndpoint: %v", err)
	}
	ep.SocketOptions().SetSendBufferSize(gvSendBuf, true)
	return ep
}

// gvListen opens a listening gVisor endpoint.
func (w *world) gvListen(port uint16) tcpip.Endpoint {
	ep := w.gvEndpoint()
	if err := ep.Bind(tcpip.FullAddress{Port: port}); err != nil {
		w.t.Fatalf("gVisor Bind: %v", err)
	}
	if err := ep.Listen(8); err != nil {
		w.t.Fatalf("gVisor Listen: %v", err)
	}
	return ep
}

// gvDial starts a gVisor connect to hops; the handshake goes on in run.
func (w *world) gvDial(port uint16) tcpip.Endpoint {
	ep := w.gvEndpoint()
	err := ep.Connect(tcpip.FullAddress{NIC: nicID, Addr: tcpip.AddrFrom4(hopsAddr.As4()), Port: port})
	if _, ok := err.(*tcpip.ErrConnectStarted); !ok {
		w.t.Fatalf("gVisor Connect: %v, want ErrConnectStarted", err)
	}
	return ep
}

// gvLocalPort is the port gVisor bound ep to.
func gvLocalPort(t testing.TB, ep tcpip.Endpoint) uint16 {
	a, err := ep.GetLocalAddress()
	if err != nil {
		t.Fatalf("gVisor GetLocalAddress: %v", err)
	}
	return a.Port
}

// traceLen is how many packets dump shows.
var traceLen = 64
