// Package udpstream is a constant-rate UDP stream from one node to another,
// measured the way iperf3 -u measures it: datagrams sent, lost and out of
// order, the bitrate each way, and the interarrival jitter of RFC 3550
// (section 6.4.1), smoothed as iperf3 smooths it.
//
// The sender paces its datagrams with one re-armed node.Timer, exactly
// (datagram k leaves at k × length × 8 / rate seconds, in whole virtual
// nanoseconds, with no drift), and sends them from one reused buffer: no
// allocation per datagram. Each payload starts with an iperf3-like header
// (big-endian, as iperf3 writes it with --udp-counters-64bit):
//
//	0  seconds of the virtual send time      (uint32)
//	4  microseconds within that second       (uint32)
//	8  sequence number, from 1               (uint64)
//	16 nanoseconds within that microsecond   (uint32; hops' own, for exact jitter)
//	20 bytes drawn from the sequence number and a per-run key
//
// The receiver, a UDP socket on the destination node, checks every
// datagram it is given against what was sent for its sequence number
// (length, send time and every byte) and counts those that differ as
// corrupt: the UDP checksum drops damaged datagrams, so the count stays 0
// unless damage the checksum cannot see gets through. It keeps counters
// and a 65536-bit window of the sequence numbers seen, so its memory is
// constant however long the stream runs.
package udpstream

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"net/netip"
	"time"

	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/sim"
)

// Defaults, as iperf3 -u has them.
const (
	DefaultPort     = 5201      // iperf3's port
	DefaultRate     = 1_000_000 // bits of UDP payload per second (iperf3 -u: 1 Mbit/s)
	DefaultLength   = 1460      // UDP payload bytes per datagram (iperf3's DEFAULT_UDP_BLKSIZE)
	DefaultDuration = 10 * time.Second
	DefaultInterval = time.Second
	DefaultWait     = 2 * time.Second
	HeaderLen       = 20    // the header every payload starts with
	MaxLength       = 65507 // the most UDP payload an IPv4 datagram holds
)

// ErrRefused is the error of a stream whose datagrams were answered with
// ICMP port unreachable: nothing listens on the receiver's port.
var ErrRefused = node.ErrConnRefused

// Config says what to send. Zero values take the defaults.
type Config struct {
	Port     uint16        // the receiver's port (default 5201)
	Rate     int64         // bits of UDP payload per second (default 1 Mbit/s)
	Length   int           // UDP payload bytes per datagram, HeaderLen to MaxLength (default 1460)
	Duration time.Duration // how long to send (default 10s); ignored when Bytes is set
	Bytes    int64         // send this many bytes (rounded up to whole datagrams) instead, as iperf3 -n
	// Interval is the receiver's reporting interval (default 1s); a
	// negative Interval reports none.
	Interval time.Duration
	// Wait is how long the receiver waits after the last datagram was
	// sent when nothing has arrived yet (default 2s); once datagrams
	// arrive it waits twice the longest transit time seen, or not at all
	// when every datagram is in.
	Wait time.Duration
	// Handler gets the start and every interval report as they happen.
	Handler Handler
}

// Handler receives a stream's reports on the simulation's thread.
type Handler interface {
	Start(r *Result)     // before the first datagram; the endpoints and the plan are set
	Interval(i Interval) // at the end of each reporting interval, and the last partial one
}

// Interval is what the receiver saw in one reporting interval. Start and
// End count from the stream's start (the first datagram's send time).
// Lost and Total are iperf3's: Total is how far the highest sequence
// number moved, Lost the new gaps in it less the late datagrams that
// filled earlier ones.
type Interval struct {
	Start         time.Duration `json:"start_ns"`
	End           time.Duration `json:"end_ns"`
	Bytes         int64         `json:"bytes"`
	BitsPerSecond float64       `json:"bits_per_second"`
	Jitter        time.Duration `json:"jitter_ns"`
	Lost          int64         `json:"lost"`
	Total         int64         `json:"total"`
	LostPercent   float64       `json:"lost_percent"`
	Datagrams     int64         `json:"datagrams"` // delivered intact in the interval
	OutOfOrder    int64         `json:"out_of_order"`
}

// SenderStats is the sender's side of a stream.
type SenderStats struct {
	Elapsed       time.Duration `json:"elapsed_ns"` // the sending time: the duration, or up to the slot after the last datagram
	Bytes         int64         `json:"bytes"`      // payload bytes handed to the network
	Datagrams     int64         `json:"datagrams"`  // sequence numbers used
	SendErrors    int64         `json:"send_errors"`
	BitsPerSecond float64       `json:"bits_per_second"`
}

// ReceiverStats is the receiver's side of a stream.
type ReceiverStats struct {
	Elapsed       time.Duration `json:"elapsed_ns"` // from the stream's start to the last arrival
	Bytes         int64         `json:"bytes"`      // payload bytes of the datagrams delivered intact, duplicates aside
	Datagrams     int64         `json:"datagrams"`  // delivered intact, each sequence number once
	Lost          int64         `json:"lost"`       // sent but never delivered intact
	Total         int64         `json:"total"`      // sent (the sender's sequence numbers)
	LostPercent   float64       `json:"lost_percent"`
	OutOfOrder    int64         `json:"out_of_order"` // arrived after a higher sequence number
	Duplicates    int64         `json:"duplicates"`   // a sequence number delivered again
	Corrupt       int64         `json:"corrupt"`      // delivered, but not what was sent
	Jitter        time.Duration `json:"jitter_ns"`
	BitsPerSecond float64       `json:"bits_per_second"`
}

// Result is a stream's plan and, once it is done, its statistics.
type Result struct {
	Dest        string         `json:"dest"`
	Src         netip.AddrPort `json:"src"`
	Dst         netip.AddrPort `json:"dst"`
	Protocol    string         `json:"protocol"`
	Rate        int64          `json:"rate_bps"`
	Length      int            `json:"length"`
	Duration    time.Duration  `json:"duration_ns,omitempty"` // the planned sending time (time mode)
	Bytes       int64          `json:"bytes,omitempty"`       // the planned bytes (size mode)
	Planned     int64          `json:"planned_datagrams"`
	Sender      SenderStats    `json:"sender"`
	Receiver    ReceiverStats  `json:"receiver"`
	ICMPErrors  int64          `json:"icmp_errors"` // ICMP errors about the stream's datagrams (other than refusals)
	Error       string         `json:"error,omitempty"`
	Interrupted bool           `json:"interrupted,omitempty"`
	// Err is the error that ended the stream early (ErrRefused), or nil;
	// ErrFrom is who answered.
	Err     error      `json:"-"`
	ErrFrom netip.Addr `json:"-"`
}

// window is how many sequence numbers the receiver remembers, for
// duplicates: 8 KiB of bits.
const window = 1 << 16

// Stream is a running UDP stream.
type Stream struct {
	cfg  Config
	h    Handler
	src  *node.Node
	conn *node.UDPConn // the sender's socket
	lis  *node.UDPConn // the receiver's socket, or nil
	send *node.Timer   // the next datagram, then the end of the wait
	tick *node.Timer   // the receiver's next interval boundary
	done func(*Result)
	buf  []byte
	key  uint64 // mixed into every payload

	start    sim.Time
	planned  uint64 // datagrams to send
	bitsPer  uint64 // Length × 8 × 1e9: a slot is k × bitsPer / Rate ns
	seq      uint64 // the last sequence number sent
	sending  bool
	finished bool
	res      Result

	// The receiver's state.
	seen        [window / 64]uint64 // bit s % window: sequence number s delivered (for s within window of highest)
	highest     uint64              // highest sequence number delivered
	cntError    int64               // iperf3's running loss count
	received    int64               // delivered intact, distinct
	lastArrive  sim.Time
	maxTransit  time.Duration
	prevTransit time.Duration
	jitter      float64 // ns, RFC 3550's J
	// The current interval.
	ivStart                     sim.Time
	ivBytes, ivDatagrams, ivOOO int64
	ivHighest                   uint64
	ivCntError                  int64
}

// Start begins a stream from src to dst:port at the node's current time.
// rcv is the node that receives it (the one with dst), or nil when nothing
// is to listen there; the receiver's socket is bound at once. done is
// called once with the result when the stream ends: every datagram in,
// the wait after the last one over, a refusal, or Stop. The stream's
// random key comes from src.AppStream("udpstream").
func Start(src *node.Node, dest string, dst netip.Addr, rcv *node.Node, cfg Config, done func(*Result)) (*Stream, error) {
	if cfg.Port == 0 {
		cfg.Port = DefaultPort
	}
	if cfg.Rate <= 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.Length == 0 {
		cfg.Length = DefaultLength
	}
	if cfg.Length < HeaderLen || cfg.Length > MaxLength {
		return nil, fmt.Errorf("udpstream: length %d: want %d to %d bytes", cfg.Length, HeaderLen, MaxLength)
	}
	if cfg.Bytes < 0 {
		return nil, fmt.Errorf("udpstream: bytes %d: must not be negative", cfg.Bytes)
	}
	if cfg.Duration <= 0 && cfg.Bytes == 0 {
		cfg.Duration = DefaultDuration
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Wait <= 0 {
		cfg.Wait = DefaultWait
	}
	s := &Stream{cfg: cfg, h: cfg.Handler, src: src, done: done}
	s.bitsPer = uint64(cfg.Length) * 8 * 1e9
	if cfg.Bytes > 0 {
		s.planned = uint64((cfg.Bytes + int64(cfg.Length) - 1) / int64(cfg.Length))
	} else {
		s.planned = Planned(cfg.Duration, cfg.Rate, cfg.Length)
	}
	if s.planned == 0 {
		s.planned = 1
	}
	if rcv != nil {
		lis, err := rcv.ListenUDP(cfg.Port, s.receive)
		if err != nil {
			return nil, err
		}
		s.lis = lis
		s.tick = rcv.NewTimer(s.boundary)
	}
	conn, err := src.DialUDP(netip.AddrPortFrom(dst, cfg.Port), nil)
	if err != nil {
		if s.lis != nil {
			s.lis.Close()
		}
		return nil, err
	}
	s.conn = conn
	conn.OnError(s.icmpError)
	s.key = src.AppStream("udpstream").Uint64()
	s.buf = make([]byte, cfg.Length)
	s.send = src.NewTimer(s.fire)
	s.start = src.Now()
	local, _ := src.SourceFor(dst)
	s.res = Result{
		Dest: dest, Src: netip.AddrPortFrom(local, conn.LocalPort()), Dst: netip.AddrPortFrom(dst, cfg.Port),
		Protocol: "udp", Rate: cfg.Rate, Length: cfg.Length, Planned: int64(s.planned),
	}
	if cfg.Bytes > 0 {
		s.res.Bytes = cfg.Bytes
	} else {
		s.res.Duration = cfg.Duration
	}
	if s.h != nil {
		s.h.Start(&s.res)
	}
	s.sending = true
	s.ivStart = s.start
	if s.tick != nil && cfg.Interval > 0 {
		s.tick.ResetAt(s.start.Add(cfg.Interval))
	}
	s.fire(s.start)
	return s, nil
}

// Planned is how many datagrams a stream of rate bits per second in
// datagrams of length bytes sends in d: those whose slot starts before d.
func Planned(d time.Duration, rate int64, length int) uint64 {
	if d <= 0 || rate <= 0 || length <= 0 {
		return 0
	}
	// ceil(d × rate / (length × 8e9)), in 128 bits.
	hi, lo := bits.Mul64(uint64(d), uint64(rate))
	den := uint64(length) * 8 * 1e9
	if hi >= den {
		return math.MaxUint64
	}
	q, r := bits.Div64(hi, lo, den)
	if r != 0 {
		q++
	}
	return q
}

// slot is when the datagram after k others leaves, from the start.
func (s *Stream) slot(k uint64) time.Duration {
	hi, lo := bits.Mul64(k, s.bitsPer)
	if hi >= uint64(s.cfg.Rate) {
		return time.Duration(math.MaxInt64)
	}
	q, _ := bits.Div64(hi, lo, uint64(s.cfg.Rate))
	if q > math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(q)
}

// fire sends the next datagram, or ends the wait after the last one.
func (s *Stream) fire(now sim.Time) {
	if s.finished {
		return
	}
	if !s.sending {
		s.finish()
		return
	}
	s.seq++
	s.fill(s.buf, s.seq, now)
	s.res.Sender.Datagrams++
	if _, err := s.conn.Send(s.buf); err != nil {
		// The first link refused it at once (its queue is full, it is
		// down) or there is no route: the sequence number is spent and
		// the receiver will count it lost, as with iperf3.
		s.res.Sender.SendErrors++
	} else {
		s.res.Sender.Bytes += int64(s.cfg.Length)
	}
	if s.seq < s.planned {
		s.send.ResetAt(s.start.Add(s.slot(s.seq)))
		return
	}
	s.sending = false
	if s.cfg.Bytes > 0 {
		s.res.Sender.Elapsed = s.slot(s.seq)
	} else {
		s.res.Sender.Elapsed = s.cfg.Duration
	}
	if s.allIn() {
		s.finish()
		return
	}
	s.send.Reset(s.linger())
}

// linger is how long to wait for stragglers after the last datagram.
func (s *Stream) linger() time.Duration {
	if s.received == 0 {
		return s.cfg.Wait
	}
	return max(2*s.maxTransit, time.Millisecond)
}

// allIn reports whether the sender is done and every datagram that left
// has been delivered.
func (s *Stream) allIn() bool {
	return !s.sending && s.lis != nil && uint64(s.received+s.res.Sender.SendErrors) >= s.seq
}

// fill writes datagram seq's payload into b.
func (s *Stream) fill(b []byte, seq uint64, at sim.Time) {
	t := uint64(at)
	binary.BigEndian.PutUint32(b[0:], uint32(t/1e9))
	binary.BigEndian.PutUint32(b[4:], uint32(t%1e9/1e3))
	binary.BigEndian.PutUint64(b[8:], seq)
	binary.BigEndian.PutUint32(b[16:], uint32(t%1e3))
	x := s.key ^ seq*0x9e3779b97f4a7c15
	b = b[HeaderLen:]
	for len(b) >= 8 {
		x += 0x9e3779b97f4a7c15
		binary.BigEndian.PutUint64(b, mix(x))
		b = b[8:]
	}
	if len(b) > 0 {
		x += 0x9e3779b97f4a7c15
		v := mix(x)
		for i := range b {
			b[i] = byte(v >> (56 - 8*i))
		}
	}
}

// verify reports whether p is exactly the payload of datagram seq, sent
// at its slot.
func (s *Stream) verify(p []byte, seq uint64) bool {
	if len(p) != s.cfg.Length {
		return false
	}
	t := uint64(s.start.Add(s.slot(seq - 1)))
	if binary.BigEndian.Uint32(p[0:]) != uint32(t/1e9) || binary.BigEndian.Uint32(p[4:]) != uint32(t%1e9/1e3) ||
		binary.BigEndian.Uint32(p[16:]) != uint32(t%1e3) {
		return false
	}
	x := s.key ^ seq*0x9e3779b97f4a7c15
	b := p[HeaderLen:]
	for len(b) >= 8 {
		x += 0x9e3779b97f4a7c15
		if binary.BigEndian.Uint64(b) != mix(x) {
			return false
		}
		b = b[8:]
	}
	if len(b) > 0 {
		x += 0x9e3779b97f4a7c15
		v := mix(x)
		for i := range b {
			if b[i] != byte(v>>(56-8*i)) {
				return false
			}
		}
	}
	return true
}

// mix is splitmix64's output function.
func mix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// sentAt reads a payload's send time.
func sentAt(p []byte) sim.Time {
	return sim.Time(int64(binary.BigEndian.Uint32(p[0:]))*1e9 + int64(binary.BigEndian.Uint32(p[4:]))*1e3 +
		int64(binary.BigEndian.Uint32(p[16:])))
}

// receive is the receiver's socket handler.
func (s *Stream) receive(now sim.Time, d *node.Datagram) {
	if s.finished {
		return
	}
	p := d.Payload
	if len(p) < HeaderLen {
		s.res.Receiver.Corrupt++
		return
	}
	seq := binary.BigEndian.Uint64(p[8:])
	if seq == 0 || seq > s.seq || !s.verify(p, seq) {
		s.res.Receiver.Corrupt++
		return
	}
	bit := uint64(1) << (seq % 64)
	word := &s.seen[seq%window/64]
	switch {
	case seq > s.highest:
		// iperf3: a gap ahead of the highest sequence number counts as
		// lost until a late datagram fills it.
		if seq > s.highest+1 {
			s.cntError += int64(seq - 1 - s.highest)
		}
		from := s.highest + 1
		if seq-from >= window {
			from = seq - window + 1
		}
		for x := from; x < seq; x++ {
			s.seen[x%window/64] &^= 1 << (x % 64)
		}
		s.highest = seq
		*word |= bit
	case s.highest-seq < window && *word&bit != 0:
		s.res.Receiver.Duplicates++
		return
	default:
		if s.highest-seq < window {
			*word |= bit
		}
		s.res.Receiver.OutOfOrder++
		s.ivOOO++
		if s.cntError > 0 {
			s.cntError--
		}
	}
	s.received++
	s.res.Receiver.Bytes += int64(len(p))
	s.ivBytes += int64(len(p))
	s.ivDatagrams++
	s.lastArrive = now
	// RFC 3550 6.4.1: J += (|D(i-1,i)| - J) / 16, D the difference of
	// transit times; the first datagram only sets the transit time.
	transit := now.Sub(sentAt(p))
	if s.received > 1 {
		dd := float64(transit - s.prevTransit)
		if dd < 0 {
			dd = -dd
		}
		s.jitter += (dd - s.jitter) / 16
	}
	s.prevTransit = transit
	s.maxTransit = max(s.maxTransit, transit)
	if s.allIn() {
		s.finish()
	}
}

// boundary ends a reporting interval.
func (s *Stream) boundary(now sim.Time) {
	if s.finished {
		return
	}
	s.report(now)
	s.tick.ResetAt(now.Add(s.cfg.Interval))
}

// report hands the interval from ivStart to end to the handler and starts
// the next one.
func (s *Stream) report(end sim.Time) {
	iv := Interval{
		Start:      s.ivStart.Sub(s.start),
		End:        end.Sub(s.start),
		Bytes:      s.ivBytes,
		Jitter:     time.Duration(math.Round(s.jitter)),
		Lost:       s.cntError - s.ivCntError,
		Total:      int64(s.highest - s.ivHighest),
		Datagrams:  s.ivDatagrams,
		OutOfOrder: s.ivOOO,
	}
	if d := end.Sub(s.ivStart); d > 0 {
		iv.BitsPerSecond = bitrate(iv.Bytes, d)
	}
	if iv.Total > 0 {
		iv.LostPercent = 100 * float64(iv.Lost) / float64(iv.Total)
	}
	s.ivStart, s.ivBytes, s.ivDatagrams, s.ivOOO = end, 0, 0, 0
	s.ivHighest, s.ivCntError = s.highest, s.cntError
	if s.h != nil {
		s.h.Interval(iv)
	}
}

// icmpError handles an ICMP error about one of the stream's datagrams:
// port unreachable ends the stream (Linux reports it on a connected UDP
// socket as ECONNREFUSED); the others Linux does not report without
// IP_RECVERR, so they are only counted.
func (s *Stream) icmpError(now sim.Time, e *node.ICMPError) {
	if s.finished {
		return
	}
	if errors.Is(e.Err, node.ErrConnRefused) {
		s.res.Err, s.res.ErrFrom = ErrRefused, e.From
		s.res.Error = "connection refused"
		s.finish()
		return
	}
	s.res.ICMPErrors++
}

// Stop ends the stream now, as Ctrl-C ends iperf3: the statistics cover
// what was sent and delivered so far, and done is called. It does
// nothing once the stream has ended.
func (s *Stream) Stop() {
	if s.finished {
		return
	}
	s.res.Interrupted = true
	s.finish()
}

// Result returns the statistics so far (final once done was called).
func (s *Stream) Result() *Result { return &s.res }

// Sent returns how many datagrams have been sent, and how many are planned.
func (s *Stream) Sent() (sent, planned uint64) { return s.seq, s.planned }

func (s *Stream) finish() {
	if s.finished {
		return
	}
	now := s.src.Now()
	s.finished = true
	s.send.Stop()
	if s.tick != nil {
		s.tick.Stop()
	}
	s.conn.Close()
	if s.lis != nil {
		s.lis.Close()
	}
	r := &s.res
	if s.sending { // cut short: a refusal or Stop
		r.Sender.Elapsed = now.Sub(s.start)
	}
	if d := r.Sender.Elapsed; d > 0 {
		r.Sender.BitsPerSecond = bitrate(r.Sender.Bytes, d)
	}
	rv := &r.Receiver
	rv.Datagrams = s.received
	rv.Total = r.Sender.Datagrams
	rv.Lost = rv.Total - rv.Datagrams
	if rv.Total > 0 {
		rv.LostPercent = 100 * float64(rv.Lost) / float64(rv.Total)
	}
	rv.Jitter = time.Duration(math.Round(s.jitter))
	// The receiver's time runs to its last arrival; with none, it
	// listened as long as the sender sent.
	end := s.start.Add(r.Sender.Elapsed)
	if s.received > 0 {
		end = s.lastArrive
	}
	rv.Elapsed = end.Sub(s.start)
	if rv.Elapsed > 0 {
		rv.BitsPerSecond = bitrate(rv.Bytes, rv.Elapsed)
	}
	// The last, partial interval, as iperf3 prints it: when it carried
	// data or lasted a tenth of an interval.
	if s.received == 0 {
		end = now
	}
	if s.tick != nil && s.cfg.Interval > 0 && end > s.ivStart &&
		(s.ivBytes > 0 || end.Sub(s.ivStart) >= s.cfg.Interval/10) {
		s.report(end)
	}
	if s.done != nil {
		s.done(r)
	}
}

// bitrate is bytes in d, in bits per second (exact when it is whole).
func bitrate(bytes int64, d time.Duration) float64 {
	return float64(bytes) * 8e9 / float64(d)
}
