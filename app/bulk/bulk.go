// Package bulk is a TCP bulk transfer, after iperf3's TCP test: a sender
// on one node writes a given number of bytes to a receiver on another as
// fast as TCP lets it, both ends hash what they wrote and read, and the
// run reports goodput, completion time, retransmissions and the
// congestion window per interval, and whether the SHA-256 of what
// arrived equals the SHA-256 of what was sent.
//
// The bytes are pseudo-random, from the sender's own random stream, so a
// misplaced or repeated block changes the hash. Everything runs in
// virtual time on the simulation's thread; memory stays constant
// whatever the size.
package bulk

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
)

// DefaultPort is iperf3's port.
const DefaultPort = 5201

// Config says what to transfer.
type Config struct {
	Port     uint16        // the receiver's port; 0 means DefaultPort
	Size     int64         // bytes to send; must be positive
	Interval time.Duration // between interval reports; 0 means 1 s, negative none
	// Deadline bounds the run in virtual time after the connection is
	// opened: a transfer not done by then ends with ErrDeadline. 0 means
	// no bound (the connection's own timeouts still end it).
	Deadline time.Duration
	// TCP configures both ends' engines (buffers, congestion control...).
	TCP tcp.Config
	// Handler gets the run's events as they happen; nil keeps nothing.
	Handler Handler
	// Check is how the run proves the bytes arrived intact: SHA-256 of
	// both ends (the default) or a byte-for-byte comparison.
	Check Check
}

// Check is how a transfer proves that what arrived is what was sent.
type Check int

const (
	// CheckSHA256 hashes what the sender wrote and what the receiver
	// read and compares the digests; the result shows both.
	CheckSHA256 Check = iota
	// CheckStream compares every byte the receiver reads with the
	// sender's stream, made again at the receiver from the same random
	// block: exact (stronger than comparing digests) and several times
	// cheaper than hashing, for measuring the simulation rather than
	// SHA-256. The result has no digests; Mismatch says where the
	// streams first differed.
	CheckStream
)

// String names the check as the bench command's --check flag does.
func (c Check) String() string {
	if c == CheckStream {
		return "stream"
	}
	return "sha256"
}

// Handler receives a transfer's events on the simulation's thread.
type Handler interface {
	Start(r *Result)     // connected: addresses known
	Interval(i Interval) // an interval ended
}

// Interval is one interval report, the sender's view as iperf3 prints it.
type Interval struct {
	Start, End    time.Duration `json:"-"`
	StartNs       int64         `json:"start_ns"`
	EndNs         int64         `json:"end_ns"`
	Bytes         int64         `json:"bytes"` // acknowledged by the receiver in the interval
	BitsPerSecond float64       `json:"bits_per_second"`
	Retransmits   uint64        `json:"retransmits"`
	Cwnd          int           `json:"cwnd"`
	SRTT          time.Duration `json:"srtt_ns"`
}

// Result is a transfer's outcome.
type Result struct {
	Dest string         `json:"dest"`
	Src  netip.AddrPort `json:"src"`
	Dst  netip.AddrPort `json:"dst"`
	Size int64          `json:"size"`
	// Connect is how long the handshake took; Elapsed runs from the
	// connection's opening to the receiver's last byte.
	Connect        time.Duration `json:"connect_ns"`
	Elapsed        time.Duration `json:"elapsed_ns"`
	BytesSent      int64         `json:"bytes_sent"`                // written to the socket
	BytesReceived  int64         `json:"bytes_received"`            // read by the receiver
	Goodput        float64       `json:"goodput_bps"`               // received bits per second of Elapsed
	SentSHA256     string        `json:"sent_sha256,omitempty"`     // CheckSHA256 only
	ReceivedSHA256 string        `json:"received_sha256,omitempty"` // CheckSHA256 only
	// Mismatch says where the received bytes first differed from the
	// sender's stream (CheckStream), or is empty.
	Mismatch    string    `json:"mismatch,omitempty"`
	Match       bool      `json:"match"` // every byte arrived, in order, intact
	Sender      tcp.Stats `json:"sender"`
	Receiver    tcp.Stats `json:"receiver"`
	Err         error     `json:"-"`
	Error       string    `json:"error,omitempty"`
	Interrupted bool      `json:"interrupted,omitempty"`
}

// ErrDeadline is the end of a transfer that ran past Config.Deadline.
var ErrDeadline = errors.New("transfer did not finish in time")

// Transfer is a running transfer.
type Transfer struct {
	cfg      Config
	res      Result
	src, dst *node.Node
	l        *node.TCPListener
	snd, rcv *node.TCPConn
	start    sim.Time
	block    []byte    // chunkSize random bytes, drawn once
	chunkNo  uint64    // chunks made so far
	chunk    []byte    // the next bytes to write
	off      int       // written of chunk
	left     int64     // bytes still to write
	sentHash hash.Hash // CheckSHA256: of what was written
	rcvHash  hash.Hash // CheckSHA256: of what was read
	expect   []byte    // CheckStream: the chunk the receiver is in
	expectNo uint64    // its number
	expectAt int       // read of it so far
	bad      int64     // the first byte that differed, or -1
	buf      []byte
	timer    *node.Timer // interval reports and the deadline
	next     sim.Time    // end of the current interval
	ivStart  sim.Time
	ivAcked  uint64
	ivRetx   uint64
	finished bool
	done     func(*Result)
	up       bool     // connected: intervals run
	stopping bool     // aborting both ends: their Closed calls are ours
	wrote    bool     // everything written and the FIN queued
	rcvDone  bool     // the receiver read EOF
	eofAt    sim.Time // when
}

// chunkSize is how many fresh bytes the sender makes at a time.
const chunkSize = 64 << 10

// Start listens on dst's node, connects from src and begins the transfer;
// done is called once with the result.
func Start(src *node.Node, dest string, dst *node.Node, dstAddr netip.Addr, cfg Config, done func(*Result)) (*Transfer, error) {
	if cfg.Size <= 0 {
		return nil, fmt.Errorf("transfer size %d: must be positive", cfg.Size)
	}
	if cfg.Port == 0 {
		cfg.Port = DefaultPort
	}
	if cfg.Interval == 0 {
		cfg.Interval = time.Second
	}
	t := &Transfer{cfg: cfg, src: src, dst: dst, done: done, left: cfg.Size, buf: make([]byte, chunkSize)}
	if cfg.Check == CheckStream {
		t.expect, t.expectAt, t.bad = make([]byte, chunkSize), chunkSize, -1
	} else {
		t.sentHash, t.rcvHash = sha256.New(), sha256.New()
	}
	r := src.AppStream("bulk")
	rng := rand.New(rand.NewPCG(r.Uint64(), r.Uint64()))
	t.block = make([]byte, chunkSize)
	for i := 0; i < chunkSize; i += 8 {
		binary.LittleEndian.PutUint64(t.block[i:], rng.Uint64())
	}
	t.res = Result{Dest: dest, Size: cfg.Size, Dst: netip.AddrPortFrom(dstAddr, cfg.Port)}
	l, err := dst.ListenTCP(cfg.Port, cfg.TCP, t.accept)
	if err != nil {
		return nil, err
	}
	t.l = l
	t.start = src.Now()
	c, err := src.DialTCP(t.res.Dst, cfg.TCP, node.TCPHandler{
		Connected: t.connected, Writable: t.write, Closed: t.senderClosed,
	})
	if err != nil {
		l.Close()
		return nil, err
	}
	t.snd = c
	t.res.Src = c.LocalAddr()
	t.timer = src.NewTimer(t.tick)
	if cfg.Deadline > 0 {
		t.timer.Reset(cfg.Deadline)
	}
	return t, nil
}

// accept takes the receiver's side of the connection.
func (t *Transfer) accept(c *node.TCPConn) node.TCPHandler {
	if t.rcv != nil {
		c.Abort() // one connection per transfer
		return node.TCPHandler{}
	}
	t.rcv = c
	t.l.Close()
	return node.TCPHandler{Readable: t.read, Closed: t.receiverClosed}
}

// connected starts writing and the interval clock.
func (t *Transfer) connected(c *node.TCPConn) {
	now := t.src.Now()
	t.up = true
	t.res.Connect = now.Sub(t.start)
	t.ivStart, t.next = now, t.nextReport(now)
	t.armTimer()
	if t.cfg.Handler != nil {
		t.cfg.Handler.Start(&t.res)
	}
	t.write(c)
}

// write fills the send buffer with fresh bytes until it is full or all
// are written, then half-closes.
func (t *Transfer) write(c *node.TCPConn) {
	for t.left > 0 {
		if t.off == len(t.chunk) {
			t.refill()
		}
		p := t.chunk[t.off:]
		k := c.Write(p)
		if k == 0 {
			return
		}
		if t.sentHash != nil {
			t.sentHash.Write(p[:k])
		}
		t.off += k
		t.left -= int64(k)
		t.res.BytesSent += int64(k)
	}
	if !t.wrote {
		t.wrote = true
		c.CloseWrite()
	}
}

// refill makes the next chunk of pseudo-random bytes.
//
// Chunk k is the random block with every 64-bit word XORed with a
// word derived from k, so no two chunks are alike (a block delivered in
// the wrong place changes the hash) and making one costs a pass over
// the block rather than a random draw per word.
func (t *Transfer) refill() {
	n := int(min(t.left, chunkSize))
	if cap(t.chunk) < chunkSize {
		t.chunk = make([]byte, chunkSize)
	}
	t.chunkNo++
	c := t.chunk[:chunkSize]
	makeChunk(c, t.block, t.chunkNo)
	t.chunk = c[:n]
	t.off = 0
}

// makeChunk writes chunk number no of the stream into c (chunkSize
// bytes): the block with every word XORed with a key from no.
func makeChunk(c, block []byte, no uint64) {
	key := no * 0x9e3779b97f4a7c15
	key ^= key >> 29
	for i := 0; i < chunkSize; i += 8 {
		binary.LittleEndian.PutUint64(c[i:], binary.LittleEndian.Uint64(block[i:])^key)
	}
}

// compare checks p, the next bytes read, against the sender's stream
// (CheckStream), noting the first byte that differs.
func (t *Transfer) compare(p []byte) {
	at := t.res.BytesReceived
	for len(p) > 0 {
		if t.expectAt == chunkSize {
			t.expectNo++
			makeChunk(t.expect, t.block, t.expectNo)
			t.expectAt = 0
		}
		m := min(len(p), chunkSize-t.expectAt)
		if t.bad < 0 {
			if want := t.expect[t.expectAt : t.expectAt+m]; !bytes.Equal(p[:m], want) {
				i := 0
				for p[i] == want[i] {
					i++
				}
				t.bad = at + int64(i)
			}
		}
		t.expectAt += m
		at += int64(m)
		p = p[m:]
	}
}

// read drains the receiver, hashing what arrives.
func (t *Transfer) read(c *node.TCPConn) {
	for {
		k := c.Read(t.buf)
		if k == 0 {
			break
		}
		if t.rcvHash != nil {
			t.rcvHash.Write(t.buf[:k])
		} else {
			t.compare(t.buf[:k])
		}
		t.res.BytesReceived += int64(k)
	}
	if c.EOF() && !t.rcvDone {
		// The end of the stream: the transfer is done. The receiver
		// closes its side, and the run lasts until the sender has
		// acknowledged that FIN (as iperf3's connections close before
		// it exits), for at most closeLinger; the sender then lingers in
		// TIME-WAIT on its own.
		t.rcvDone = true
		t.eofAt = t.dst.Now()
		t.res.Elapsed = t.eofAt.Sub(t.start)
		t.timer.ResetAt(t.eofAt.Add(closeLinger))
		c.Close()
	}
}

// closeLinger bounds the wait, after the receiver read the end of the
// stream, for its FIN to be acknowledged.
const closeLinger = 5 * time.Second

func (t *Transfer) receiverClosed(c *node.TCPConn, err error) {
	switch {
	case t.rcvDone:
		t.finish() // closed (or reset) after every byte arrived
	case err != nil:
		t.fail(fmt.Errorf("receiver: %w", err))
	}
}

func (t *Transfer) senderClosed(c *node.TCPConn, err error) {
	if err != nil {
		t.fail(fmt.Errorf("sender: %w", err))
	}
}

// fail ends the run with err, unless it has ended or every byte has
// arrived (an error while closing does not undo the transfer).
func (t *Transfer) fail(err error) {
	if t.finished || t.stopping || t.rcvDone {
		return
	}
	t.res.Err = err
	t.abort()
}

// tick ends an interval, or the run at its deadline.
func (t *Transfer) tick(now sim.Time) {
	if t.finished {
		return
	}
	if t.rcvDone {
		t.finish() // the close lingered closeLinger
		return
	}
	if t.cfg.Deadline > 0 && now >= t.start.Add(t.cfg.Deadline) {
		t.res.Err = ErrDeadline
		t.abort()
		return
	}
	if t.up {
		t.report(now)
	}
	t.armTimer()
}

// nextReport is when the interval starting now ends: sim.Never without
// interval reports.
func (t *Transfer) nextReport(now sim.Time) sim.Time {
	if t.cfg.Interval < 0 {
		return sim.Never
	}
	return now.Add(t.cfg.Interval)
}

// armTimer wakes the transfer at the end of the interval or the deadline.
func (t *Transfer) armTimer() {
	at := t.next
	if t.cfg.Deadline > 0 {
		at = min(at, t.start.Add(t.cfg.Deadline))
	}
	if at == sim.Never {
		t.timer.Stop()
		return
	}
	t.timer.ResetAt(at)
}

// report emits the interval ending now.
func (t *Transfer) report(now sim.Time) {
	st := t.snd.Engine().Stats()
	iv := Interval{
		Start: t.ivStart.Sub(t.start) - t.res.Connect, End: now.Sub(t.start) - t.res.Connect,
		Bytes: int64(st.BytesAcked - t.ivAcked), Retransmits: st.Retransmits - t.ivRetx,
		Cwnd: st.Cwnd, SRTT: st.SRTT,
	}
	iv.StartNs, iv.EndNs = int64(iv.Start), int64(iv.End)
	if d := now.Sub(t.ivStart); d > 0 {
		iv.BitsPerSecond = float64(iv.Bytes) * 8 / d.Seconds()
	}
	t.ivAcked, t.ivRetx = st.BytesAcked, st.Retransmits
	t.ivStart, t.next = now, t.nextReport(now)
	if t.cfg.Handler != nil && t.cfg.Interval > 0 {
		t.cfg.Handler.Interval(iv)
	}
}

// Stop ends the transfer now, as Ctrl-C ends iperf3: the result covers
// what moved so far.
func (t *Transfer) Stop() {
	if t.finished {
		return
	}
	if t.rcvDone {
		t.finish() // done already; only the close was left
		return
	}
	t.res.Interrupted = true
	t.abort()
}

// abort resets both ends and finishes.
func (t *Transfer) abort() {
	if t.stopping {
		return
	}
	t.stopping = true
	for _, c := range []*node.TCPConn{t.snd, t.rcv} {
		if c != nil {
			c.Abort()
		}
	}
	t.finish()
}

// Result returns the result so far (final once done was called).
func (t *Transfer) Result() *Result { return &t.res }

// Progress returns the bytes the receiver has read and the size.
func (t *Transfer) Progress() (int64, int64) { return t.res.BytesReceived, t.cfg.Size }

// Sender returns the sending end of the connection, to watch its engine
// (its congestion window for a plot); nil until Start has returned.
func (t *Transfer) Sender() *node.TCPConn { return t.snd }

func (t *Transfer) finish() {
	if t.finished {
		return
	}
	t.finished = true
	now := t.src.Now()
	if t.rcvDone {
		now = t.eofAt // intervals end with the stream, not its close
	}
	if t.up && now > t.ivStart && t.res.Err == nil {
		t.report(now) // the last, partial interval
	}
	t.timer.Stop()
	t.l.Close()
	r := &t.res
	if t.snd != nil {
		r.Sender = t.snd.Engine().Stats()
	}
	if t.rcv != nil {
		r.Receiver = t.rcv.Engine().Stats()
	}
	if r.Elapsed == 0 {
		r.Elapsed = now.Sub(t.start)
	}
	if r.Elapsed > 0 {
		r.Goodput = float64(r.BytesReceived) * 8 / r.Elapsed.Seconds()
	}
	if t.sentHash != nil {
		r.SentSHA256 = fmt.Sprintf("%x", t.sentHash.Sum(nil))
		r.ReceivedSHA256 = fmt.Sprintf("%x", t.rcvHash.Sum(nil))
		r.Match = r.BytesReceived == r.Size && r.SentSHA256 == r.ReceivedSHA256
	} else {
		if t.bad >= 0 {
			r.Mismatch = fmt.Sprintf("byte %d differs from the sender's stream", t.bad)
		}
		r.Match = r.BytesReceived == r.Size && t.bad < 0
	}
	if r.Err != nil {
		r.Error = r.Err.Error()
	}
	if t.done != nil {
		t.done(r)
	}
}
