package udpstream

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

// streamID is the number iperf3 prints in brackets: its socket's file
// descriptor, 5 for the first stream of a run.
const streamID = 5

// Printer is a Handler that prints a stream the way iperf3 -u prints it
// on the client, with the receiver's interval reports (iperf3 shows those
// on the server, or on the client with --get-server-output): the
// header, one line per interval as it ends, then the sender and receiver
// summary lines. iperf3's trailing blanks are left off.
type Printer struct {
	Out io.Writer
}

// Start prints the header.
func (p *Printer) Start(r *Result) {
	fmt.Fprintf(p.Out, "Connecting to host %s, port %d\n", r.Dest, r.Dst.Port())
	fmt.Fprintf(p.Out, "[%3d] local %s port %d connected to %s port %d\n", streamID, r.Src.Addr(), r.Src.Port(), r.Dst.Addr(), r.Dst.Port())
	fmt.Fprintln(p.Out, udpHeader)
}

// The header above iperf3's UDP lines, and its separator.
const (
	udpHeader = "[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total Datagrams"
	separator = "- - - - - - - - - - - - - - - - - - - - - - - - -"
)

// Interval prints one interval line.
func (p *Printer) Interval(i Interval) {
	fmt.Fprintln(p.Out, line(i.Start, i.End, i.Bytes, i.BitsPerSecond, i.Jitter, i.Lost, i.Total, i.LostPercent, ""))
}

// Summary prints the summary block: the sender's line (its jitter and
// loss are 0, as in iperf3), the receiver's, the out-of-order count when
// there is one, and what the integrity check found.
func (p *Printer) Summary(r *Result) {
	w := p.Out
	fmt.Fprintln(w, separator)
	fmt.Fprintln(w, udpHeader)
	s, rv := &r.Sender, &r.Receiver
	fmt.Fprintln(w, line(0, s.Elapsed, s.Bytes, s.BitsPerSecond, 0, 0, s.Datagrams, 0, "sender"))
	fmt.Fprintln(w, line(0, rv.Elapsed, rv.Bytes, rv.BitsPerSecond, rv.Jitter, rv.Lost, rv.Total, rv.LostPercent, "receiver"))
	if rv.OutOfOrder > 0 {
		fmt.Fprintf(w, "[%3d] %6.2f-%-6.2f sec  %d datagrams received out-of-order\n", streamID, 0.0, rv.Elapsed.Seconds(), rv.OutOfOrder)
	}
	fmt.Fprintf(w, "[%3d] %d datagrams delivered, every payload checked against what was sent: %d corrupt, %d duplicates\n",
		streamID, rv.Datagrams+rv.Duplicates+rv.Corrupt, rv.Corrupt, rv.Duplicates)
	if s.SendErrors > 0 {
		fmt.Fprintf(w, "[%3d] %d datagrams refused by the sender's first link (sendmsg: No buffer space available or similar)\n", streamID, s.SendErrors)
	}
	if r.ICMPErrors > 0 {
		fmt.Fprintf(w, "[%3d] %d ICMP errors about the stream's datagrams\n", streamID, r.ICMPErrors)
	}
	if r.Err == nil && !r.Interrupted {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "iperf Done.")
	}
}

// line is iperf3's report_bw_udp_format: "[  5]   0.00-1.00   sec  10.7
// MBytes  90.0 Mbits/sec  0.012 ms  0/7716 (0%)".
func line(start, end time.Duration, bytes int64, bps float64, jitter time.Duration, lost, total int64, lostPct float64, role string) string {
	s := fmt.Sprintf("[%3d] %6.2f-%-6.2f sec  %ss  %ss/sec  %5.3f ms  %d/%d (%s%%)", streamID,
		start.Seconds(), end.Seconds(), Units(float64(bytes), true), Units(bps, false),
		float64(jitter)/1e6, lost, total, percent(lostPct))
	if role != "" {
		s += "  " + role
	}
	return s
}

// percent formats a loss percentage as iperf3's %.2g does ("0", "5.1",
// "0.012"), except that it writes 100 as "100" where iperf3 writes
// "1e+02".
func percent(p float64) string {
	if p >= 99.5 {
		return strconv.FormatFloat(p, 'g', 3, 64)
	}
	return strconv.FormatFloat(p, 'g', 2, 64)
}

// Units formats a quantity the way iperf3's unit_snprintf does with its
// adaptive formats: bytes in powers of 1024 ("10.7 MByte", 'A'), bits per
// second in powers of 1000 ("90.0 Mbit", 'a'), always in four places.
func Units(v float64, bytes bool) string {
	labels := [...]string{"bit", "Kbit", "Mbit", "Gbit", "Tbit"}
	div := 1000.0
	if bytes {
		labels = [...]string{"Byte", "KByte", "MByte", "GByte", "TByte"}
		div = 1024
	}
	i := 0
	for v >= div && i < len(labels)-1 {
		v /= div
		i++
	}
	var f string
	switch {
	case v < 9.995:
		f = "%4.2f %s"
	case v < 99.95:
		f = "%4.1f %s"
	default:
		f = "%4.0f %s"
	}
	return fmt.Sprintf(f, v, labels[i])
}
