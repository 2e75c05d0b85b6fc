package bulk

import (
	"fmt"
	"io"
	"time"

	"github.com/hopsnet/hops/app/udpstream"
)

// Multi prints several parallel transfers the way iperf3 -P does: each
// stream's lines under its own number (5, 7, 9 …), then every stream's
// totals and a [SUM] of them. Flow returns the Handler of stream i.
type Multi struct {
	Out     io.Writer
	Flows   int
	started bool
}

// flowID is the number iperf3 prints for stream i: its socket's file
// descriptor, 5, 7, 9 … (each stream's data and control sockets).
func flowID(i int) int { return streamID + 2*i }

// Flow returns the Handler for stream i (0-based).
func (m *Multi) Flow(i int) Handler { return multiFlow{m, i} }

type multiFlow struct {
	m *Multi
	i int
}

func (f multiFlow) Start(r *Result) {
	if !f.m.started {
		f.m.started = true
		fmt.Fprintf(f.m.Out, "Connecting to host %s, port %d (%d parallel streams)\n", r.Dest, r.Dst.Port(), f.m.Flows)
	}
	fmt.Fprintf(f.m.Out, "[%3d] local %s port %d connected to %s port %d (handshake %s)\n", flowID(f.i),
		r.Src.Addr(), r.Src.Port(), r.Dst.Addr(), r.Dst.Port(), ms(r.Connect))
	if f.i == f.m.Flows-1 {
		fmt.Fprintln(f.m.Out, tcpHeader)
	}
}

func (f multiFlow) Interval(i Interval) {
	fmt.Fprintf(f.m.Out, "[%3d] %6.2f-%-6.2f sec  %ss  %ss/sec  %3d   %ss\n", flowID(f.i),
		i.Start.Seconds(), i.End.Seconds(), udpstream.Units(float64(i.Bytes), true),
		udpstream.Units(i.BitsPerSecond, false), i.Retransmits, udpstream.Units(float64(i.Cwnd), true))
}

// Summary prints every stream's sender and receiver lines, their [SUM],
// and one line per stream on its retransmissions and SHA-256 check.
func (m *Multi) Summary(rs []*Result) {
	w := m.Out
	fmt.Fprintln(w, separator)
	fmt.Fprintln(w, tcpSumHeader)
	var sent, rcvd int64
	var retr uint64
	var longest time.Duration
	for i, r := range rs {
		d := r.Elapsed - r.Connect
		longest = max(longest, d)
		sent, rcvd, retr = sent+r.BytesSent, rcvd+r.BytesReceived, retr+r.Sender.Retransmits
		fmt.Fprintf(w, "[%3d] %6.2f-%-6.2f sec  %ss  %ss/sec  %3d             sender\n", flowID(i), 0.0, d.Seconds(),
			udpstream.Units(float64(r.BytesSent), true), udpstream.Units(bps(r.BytesSent, d), false), r.Sender.Retransmits)
		fmt.Fprintf(w, "[%3d] %6.2f-%-6.2f sec  %ss  %ss/sec                  receiver\n", flowID(i), 0.0, d.Seconds(),
			udpstream.Units(float64(r.BytesReceived), true), udpstream.Units(bps(r.BytesReceived, d), false))
	}
	fmt.Fprintf(w, "[SUM] %6.2f-%-6.2f sec  %ss  %ss/sec  %3d             sender\n", 0.0, longest.Seconds(),
		udpstream.Units(float64(sent), true), udpstream.Units(bps(sent, longest), false), retr)
	fmt.Fprintf(w, "[SUM] %6.2f-%-6.2f sec  %ss  %ss/sec                  receiver\n", 0.0, longest.Seconds(),
		udpstream.Units(float64(rcvd), true), udpstream.Units(bps(rcvd, longest), false))
	ok := true
	for i, r := range rs {
		verdict := "equal"
		if !r.Match {
			verdict, ok = fmt.Sprintf("DIFFERENT (%d of %d bytes arrived)", r.BytesReceived, r.Size), false
		}
		s := &r.Sender
		fmt.Fprintf(w, "[%3d] retransmitted %d segments (%d timeouts, %d fast), sha256 %.16s… sent and received: %s\n",
			flowID(i), s.Retransmits, s.Timeouts, s.FastRetransmits, r.SentSHA256, verdict)
	}
	if ok && !anyFailed(rs) {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "iperf Done.")
	}
}

func anyFailed(rs []*Result) bool {
	for _, r := range rs {
		if r.Err != nil || r.Interrupted {
			return true
		}
	}
	return false
}
