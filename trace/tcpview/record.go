package tcpview

import (
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
)

// Recording is what a time-sequence graph (tcptrace's, Wireshark's
// "Stevens" graph) draws of the client's data, as seen at the client's
// interface. Sequence numbers are relative to the client's initial
// sequence number, as Wireshark shows them: the first data byte is 1.
type Recording struct {
	Client, Server string
	ISN            uint32 // the client's initial sequence number
	Start          sim.Time
	Segments       []Segment // data segments the client sent, in order
	Acks           []Ack     // segments from the server that reached the client
	Cwnd           []Sample  // the sender's congestion state, when sampled
}

// Segment is one data segment sent: bytes [Seq, End).
type Segment struct {
	At         sim.Time
	Seq, End   int64
	Retransmit bool // it (or part of it) had been sent before
}

// Ack is one acknowledgment received: Ack is the next byte the receiver
// expects, Window the edge of its receive window (Ack + its advertised
// window, scaled), SACK the blocks it holds beyond Ack.
type Ack struct {
	At     sim.Time
	Ack    int64
	Window int64
	SACK   []Block
}

// Block is a range of bytes [Left, Right).
type Block struct{ Left, Right int64 }

// Sample is the sender's congestion window and slow-start threshold at a
// moment, in bytes, from its engine (packets do not carry them).
type Sample struct {
	At             sim.Time
	Cwnd, Ssthresh int
}

// Recorder is an observer that records the watched connection's
// time-sequence data. Call SampleCwnd to add the sender's congestion
// state.
type Recorder struct {
	f        flow
	r        Recording
	synSeen  bool
	srvScale uint8 // the server's window scale, once both offered it
	cliScale bool  // the client offered window scaling
	sndMax   int64 // highest byte sent + 1
	lastAck  int64
}

// NewRecorder returns a Recorder for c.
func NewRecorder(c Conn) *Recorder {
	return &Recorder{f: flow{c: c}, r: Recording{Client: c.Client, Server: c.Server}}
}

// Recording returns what was recorded so far.
func (r *Recorder) Recording() *Recording { return &r.r }

// SampleCwnd records the sender's congestion window and slow-start
// threshold at now, if they changed since the last sample.
func (r *Recorder) SampleCwnd(now sim.Time, cwnd, ssthresh int) {
	if !r.synSeen || cwnd <= 0 {
		return // before the handshake the engine has no window yet
	}
	if n := len(r.r.Cwnd); n > 0 && r.r.Cwnd[n-1].Cwnd == cwnd && r.r.Cwnd[n-1].Ssthresh == ssthresh {
		return
	}
	r.r.Cwnd = append(r.r.Cwnd, Sample{At: now, Cwnd: cwnd, Ssthresh: ssthresh})
}

// Observe takes one event.
func (r *Recorder) Observe(e *trace.Event) {
	w, s, ok := r.f.decode(e)
	if !ok {
		return
	}
	switch w {
	case clientOut:
		if s.has(wire.SYN) {
			if !r.synSeen {
				r.synSeen = true
				r.r.ISN, r.r.Start = s.h.Seq, s.at
				r.sndMax, r.lastAck = 1, 1
				r.cliScale = s.h.Options.HasWindowScale
			}
			return
		}
		if !r.synSeen || s.n == 0 {
			return
		}
		seq := unwrap(s.h.Seq, r.r.ISN, r.sndMax)
		end := seq + int64(s.n)
		r.r.Segments = append(r.r.Segments, Segment{At: s.at, Seq: seq, End: end, Retransmit: seq < r.sndMax})
		r.sndMax = max(r.sndMax, end)
	case clientIn:
		if !r.synSeen || !s.has(wire.ACK) {
			return
		}
		if s.has(wire.SYN) {
			if r.cliScale && s.h.Options.HasWindowScale {
				r.srvScale = s.h.Options.WindowScale
			}
			return
		}
		ack := unwrap(s.h.Ack, r.r.ISN, r.lastAck)
		r.lastAck = max(r.lastAck, ack)
		a := Ack{At: s.at, Ack: ack, Window: ack + int64(s.h.Window)<<r.srvScale}
		for i := range min(s.h.Options.NumSACK, len(s.h.Options.SACK)) {
			b := s.h.Options.SACK[i]
			a.SACK = append(a.SACK, Block{unwrap(b.Left, r.r.ISN, ack), unwrap(b.Right, r.r.ISN, ack)})
		}
		r.r.Acks = append(r.r.Acks, a)
	}
}
