package bulk

import (
	"fmt"
	"io"
	"time"

	"github.com/hopsnet/hops/app/udpstream"
)

// streamID is the number iperf3 prints in brackets.
const streamID = 5

// The header above iperf3's TCP lines, and its separator.
const (
	tcpHeader    = "[ ID] Interval           Transfer     Bitrate         Retr  Cwnd"
	tcpSumHeader = "[ ID] Interval           Transfer     Bitrate         Retr"
	separator    = "- - - - - - - - - - - - - - - - - - - - - - - - -"
)

// Printer is a Handler that prints a transfer the way iperf3 prints a TCP
// test on the client: the header, one line per interval (the bytes the
// receiver acknowledged, the retransmissions and the congestion window),
// then the sender and receiver summaries, and what iperf3 cannot show:
// the SHA-256 of both ends and how the losses were repaired.
type Printer struct {
	Out io.Writer
}

// Start prints the header.
func (p *Printer) Start(r *Result) {
	fmt.Fprintf(p.Out, "Connecting to host %s, port %d\n", r.Dest, r.Dst.Port())
	fmt.Fprintf(p.Out, "[%3d] local %s port %d connected to %s port %d (handshake %s)\n", streamID,
		r.Src.Addr(), r.Src.Port(), r.Dst.Addr(), r.Dst.Port(), ms(r.Connect))
	fmt.Fprintln(p.Out, tcpHeader)
}

// Interval prints one interval line, as iperf3's report_bw_retrans_cwnd
// format does.
func (p *Printer) Interval(i Interval) {
	fmt.Fprintf(p.Out, "[%3d] %6.2f-%-6.2f sec  %ss  %ss/sec  %3d   %ss\n", streamID,
		i.Start.Seconds(), i.End.Seconds(), udpstream.Units(float64(i.Bytes), true),
		udpstream.Units(i.BitsPerSecond, false), i.Retransmits, udpstream.Units(float64(i.Cwnd), true))
}

// Summary prints the summary block.
func (p *Printer) Summary(r *Result) {
	w := p.Out
	fmt.Fprintln(w, separator)
	fmt.Fprintln(w, tcpSumHeader)
	send := r.Elapsed - r.Connect
	fmt.Fprintf(w, "[%3d] %6.2f-%-6.2f sec  %ss  %ss/sec  %3d             sender\n", streamID, 0.0, send.Seconds(),
		udpstream.Units(float64(r.BytesSent), true), udpstream.Units(bps(r.BytesSent, send), false), r.Sender.Retransmits)
	fmt.Fprintf(w, "[%3d] %6.2f-%-6.2f sec  %ss  %ss/sec                  receiver\n", streamID, 0.0, send.Seconds(),
		udpstream.Units(float64(r.BytesReceived), true), udpstream.Units(bps(r.BytesReceived, send), false))
	s := &r.Sender
	fmt.Fprintf(w, "[%3d] retransmitted %d segments (%d timeouts, %d fast retransmits), srtt %s, mss %d, %s\n",
		streamID, s.Retransmits, s.Timeouts, s.FastRetransmits, ms(s.SRTT), s.MSS, s.Congestion)
	fmt.Fprintf(w, "[%3d] sha256 sent     %s\n", streamID, r.SentSHA256)
	fmt.Fprintf(w, "[%3d] sha256 received %s", streamID, r.ReceivedSHA256)
	switch {
	case r.Match:
		fmt.Fprintln(w, " (equal: every byte arrived, in order)")
	default:
		fmt.Fprintf(w, " (%d of %d bytes arrived)\n", r.BytesReceived, r.Size)
	}
	if r.Err == nil && !r.Interrupted {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "iperf Done.")
	}
}

func bps(bytes int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(bytes) * 8 / d.Seconds()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/1e6) }
