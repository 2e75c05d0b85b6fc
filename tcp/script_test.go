package tcp

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
)

// The script harness drives one Conn the way packetdrill drives a
// kernel: each line injects a segment at an exact time, expects a
// segment out at an exact time, or makes an app call or an assertion.
//
//	<time> < <segment>    the peer sends this segment
//	<time> > <segment>    the Conn must send exactly this segment, then
//	<time> dial           Dial (the first line of an active open)
//	<time> write <n> [accepted]  Write n bytes (and check how many it took)
//	<time> read <n>       read exactly n bytes
//	<time> readable <n>   Readable must be n
//	<time> closewrite | close | abort
//	<time> mtu <n>        SetPathMTU(n)
//	<time> state <STATE>  State() must be this
//	<time> err <name>     Err() must be this (nil, ErrReset, ...)
//	<time> eof            EOF() must be true
//	<time> cwnd <n> | ssthresh <n> | rto <duration>
//	<time> pipe <n>       the bytes cwnd limits (RFC 6675's pipe in SACK recovery)
//	<time> idle           nothing may have been sent up to this time
//
// Times are seconds, absolute ("1.5") or after the previous line
// ("+0.040"). Timers fire at their deadlines between lines, and what
// they send must be expected by a ">" line at exactly that time. A
// passive open starts with a "<" SYN, which goes to Accept.
//
// Segments are written as tcpdump prints them: flags (S, F, R, P, "."
// for ACK), start:end(len), "ack N", "win N", options in angle brackets
// (mss, sackOK, TS val V ecr E, nop, wscale, sack L:R ...). Sequence
// numbers are relative: a segment's seq to its sender's ISN, its ack and
// SACK blocks to the receiver's. Both ISNs sit just below 2^32, so every
// script crosses the wrap.
const (
	scriptLocalISS seq.Value = 0xFFFFF000 // our ISS: data wraps after 4095 bytes
	scriptPeerISS  seq.Value = 0xFFFFFF00 // the peer's ISS
)

type scriptOut struct {
	at  sim.Time
	seg Segment
}

type script struct {
	t       *testing.T
	name    string
	cfg     Config
	c       *Conn
	now     sim.Time
	lineNo  int
	pending []scriptOut
	outBuf  []Segment
}

// runScript runs text against a Conn made with cfg (ISS filled in).
func runScript(t *testing.T, cfg Config, text string) *Conn {
	t.Helper()
	cfg.ISS = scriptLocalISS
	s := &script{t: t, cfg: cfg}
	for i, line := range strings.Split(text, "\n") {
		s.lineNo = i + 1
		if j := strings.Index(line, "//"); j >= 0 {
			line = line[:j]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !s.step(line) {
			return s.c
		}
	}
	s.expectQuiet("end of script")
	return s.c
}

func (s *script) fail(format string, args ...any) bool {
	s.t.Helper()
	s.t.Errorf("line %d (t=%v): %s", s.lineNo, time.Duration(s.now), fmt.Sprintf(format, args...))
	return false
}

// step runs one line; false stops the script.
func (s *script) step(line string) bool {
	s.t.Helper()
	timeText, rest, _ := strings.Cut(line, " ")
	at, err := s.parseTime(timeText)
	if err != nil {
		return s.fail("%v", err)
	}
	if at < s.now {
		return s.fail("time goes backwards")
	}
	s.runTo(at)
	rest = strings.TrimSpace(rest)
	if text, ok := strings.CutPrefix(rest, "> "); ok {
		return s.expectOut(text)
	}
	if !s.expectQuiet("before: " + rest) {
		return false
	}
	if text, ok := strings.CutPrefix(rest, "< "); ok {
		return s.inject(text)
	}
	return s.action(rest)
}

func (s *script) parseTime(text string) (sim.Time, error) {
	rel := strings.HasPrefix(text, "+")
	f, err := strconv.ParseFloat(strings.TrimPrefix(text, "+"), 64)
	if err != nil {
		return 0, fmt.Errorf("bad time %q", text)
	}
	t := sim.Time(f*1e9 + 0.5)
	if rel {
		t += s.now
	}
	return t, nil
}

// runTo fires the Conn's timers up to t, collecting what they send.
func (s *script) runTo(t sim.Time) {
	for range 10000 {
		if s.c == nil {
			break
		}
		d, ok := s.c.NextDeadline()
		if !ok || d > t {
			break
		}
		s.now = max(d, s.now)
		s.c.Advance(s.now)
		s.collect()
	}
	s.now = t
}

func (s *script) collect() {
	s.outBuf = s.c.AppendOutput(s.outBuf[:0], s.now)
	for _, seg := range s.outBuf {
		seg.Payload = append([]byte(nil), seg.Payload...)
		s.pending = append(s.pending, scriptOut{s.now, seg})
	}
	if err := s.c.checkInvariants(); err != nil {
		s.fail("invariant: %v", err)
	}
}

func (s *script) expectQuiet(when string) bool {
	s.t.Helper()
	if len(s.pending) == 0 {
		return true
	}
	p := s.pending[0]
	return s.fail("unexpected segment at t=%v (%s): > %s", time.Duration(p.at), when, s.formatOut(&p.seg))
}

func (s *script) formatOut(seg *Segment) string {
	return string(appendSegment(nil, seg, scriptLocalISS, scriptPeerISS))
}

func (s *script) expectOut(text string) bool {
	s.t.Helper()
	want, err := parseSegment(text, scriptLocalISS, scriptPeerISS)
	if err != nil {
		return s.fail("%v", err)
	}
	wantText := s.formatOut(&want)
	if len(s.pending) == 0 {
		next := "no timer"
		if s.c != nil {
			if d, ok := s.c.NextDeadline(); ok {
				next = "next deadline " + time.Duration(d).String()
			}
		}
		return s.fail("want > %s, nothing was sent (%s)", wantText, next)
	}
	got := s.pending[0]
	s.pending = s.pending[1:]
	gotText := s.formatOut(&got.seg)
	if gotText != wantText || got.at != s.now {
		return s.fail("\n got  t=%v > %s\n want t=%v > %s", time.Duration(got.at), gotText, time.Duration(s.now), wantText)
	}
	return true
}

func (s *script) inject(text string) bool {
	s.t.Helper()
	seg, err := parseSegment(text, scriptPeerISS, scriptLocalISS)
	if err != nil {
		return s.fail("%v", err)
	}
	if s.c == nil {
		s.c = Accept(s.cfg, s.now, &seg)
	} else {
		s.c.Handle(s.now, &seg)
	}
	s.collect()
	return true
}

func (s *script) action(text string) bool {
	s.t.Helper()
	verb, arg, _ := strings.Cut(text, " ")
	if verb == "dial" {
		s.c = Dial(s.cfg, s.now)
		s.collect()
		return true
	}
	if s.c == nil {
		return s.fail("%q before the connection exists", verb)
	}
	ok := s.assertOrCall(verb, strings.Fields(arg))
	s.collect()
	return ok
}

func (s *script) assertOrCall(verb string, args []string) bool {
	s.t.Helper()
	num := func(i int) int {
		if i >= len(args) {
			s.fail("%s: missing argument", verb)
			return -1
		}
		n, err := strconv.Atoi(args[i])
		if err != nil {
			s.fail("%s: bad number %q", verb, args[i])
		}
		return n
	}
	switch verb {
	case "write":
		n := num(0)
		got := s.c.Write(make([]byte, n))
		if len(args) > 1 && got != num(1) {
			return s.fail("write %d took %d, want %s", n, got, args[1])
		}
	case "readable":
		if n := num(0); s.c.Readable() != n {
			return s.fail("readable %d, want %d", s.c.Readable(), n)
		}
	case "read":
		if n := num(0); s.c.Read(make([]byte, max(n, 0))) != n {
			return s.fail("read fewer than %d bytes", n)
		}
	case "closewrite":
		s.c.CloseWrite()
	case "close":
		s.c.Close()
	case "abort":
		s.c.Abort()
	case "mtu":
		s.c.SetPathMTU(num(0))
	case "eof":
		if !s.c.EOF() {
			return s.fail("EOF() false")
		}
	case "cwnd", "ssthresh", "pipe":
		st := s.c.Stats()
		got := map[string]int{"cwnd": st.Cwnd, "ssthresh": st.Ssthresh, "pipe": s.c.inFlight()}[verb]
		if want := num(0); got != want {
			return s.fail("%s %d, want %d", verb, got, want)
		}
	case "rto":
		want, err := time.ParseDuration(strings.Join(args, ""))
		if got := s.c.Stats().RTO; err != nil || got != want {
			return s.fail("rto %v, want %v", got, args)
		}
	case "idle":
	case "state":
		if got := s.c.State().String(); len(args) != 1 || got != args[0] {
			return s.fail("state %s, want %v", got, args)
		}
	case "err":
		return s.checkErr(args)
	default:
		return s.fail("unknown step %q", verb)
	}
	return true
}

var scriptErrs = map[string]error{
	"nil": nil, "ErrReset": ErrReset, "ErrConnRefused": ErrConnRefused,
	"ErrTimeout": ErrTimeout, "ErrAborted": ErrAborted, "ErrNotSYN": ErrNotSYN,
}

func (s *script) checkErr(args []string) bool {
	s.t.Helper()
	want, ok := scriptErrs[strings.Join(args, " ")]
	if !ok {
		return s.fail("unknown error %v", args)
	}
	if got := s.c.Err(); !errors.Is(got, want) || (want == nil && got != nil) {
		return s.fail("Err() = %v, want %v", got, want)
	}
	return true
}

// parseSegment reads a segment in tcpdump's notation, its sequence
// number relative to seqBase and its ack and SACK blocks to ackBase.
func parseSegment(text string, seqBase, ackBase seq.Value) (Segment, error) {
	var s Segment
	body, opts, hasOpts := strings.Cut(text, "<")
	f := strings.Fields(body)
	if len(f) < 2 {
		return s, fmt.Errorf("segment %q: want flags and start:end(len)", text)
	}
	flags, err := parseFlags(f[0])
	if err != nil {
		return s, err
	}
	s.Flags = flags
	var start, end, n uint32
	if _, err := fmt.Sscanf(f[1], "%d:%d(%d)", &start, &end, &n); err != nil || end-start != n {
		return s, fmt.Errorf("segment %q: bad range %q", text, f[1])
	}
	s.Seq = seqBase.Add(seq.Size(start))
	s.Payload = make([]byte, n)
	for i := range s.Payload {
		s.Payload[i] = byte(start + uint32(i))
	}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseUint(f[i+1], 10, 32)
		if err != nil {
			return s, fmt.Errorf("segment %q: bad %s %q", text, f[i], f[i+1])
		}
		switch f[i] {
		case "ack":
			s.Ack = ackBase.Add(seq.Size(v))
		case "win":
			s.Window = uint16(v)
		default:
			return s, fmt.Errorf("segment %q: unknown field %q", text, f[i])
		}
	}
	if hasOpts {
		s.Options, err = parseOptions(strings.TrimSuffix(strings.TrimSpace(opts), ">"), ackBase)
	}
	return s, err
}

func parseFlags(text string) (wire.TCPFlags, error) {
	var f wire.TCPFlags
	for _, r := range text {
		switch r {
		case 'S':
			f |= wire.SYN
		case 'F':
			f |= wire.FIN
		case 'R':
			f |= wire.RST
		case 'P':
			f |= wire.PSH
		case '.':
			f |= wire.ACK
		case '-':
		default:
			return 0, fmt.Errorf("bad flags %q", text)
		}
	}
	return f, nil
}

func parseOptions(text string, sackBase seq.Value) (wire.TCPOptions, error) {
	var o wire.TCPOptions
	for _, item := range strings.Split(text, ",") {
		f := strings.Fields(item)
		if len(f) == 0 {
			continue
		}
		var err error
		switch {
		case f[0] == "nop" || f[0] == "eol":
		case f[0] == "sackOK":
			o.SACKPermitted = true
		case f[0] == "mss" && len(f) == 2:
			_, err = fmt.Sscanf(f[1], "%d", &o.MSS)
		case f[0] == "wscale" && len(f) == 2:
			o.HasWindowScale = true
			_, err = fmt.Sscanf(f[1], "%d", &o.WindowScale)
		case f[0] == "TS" && len(f) == 5:
			o.HasTimestamps = true
			_, err = fmt.Sscanf(strings.Join(f, " "), "TS val %d ecr %d", &o.TSVal, &o.TSEcr)
		case f[0] == "sack" && len(f) >= 2 && len(f) <= 5:
			for _, blk := range f[1:] {
				var l, r uint32
				if _, err = fmt.Sscanf(blk, "%d:%d", &l, &r); err != nil {
					break
				}
				o.SACK[o.NumSACK] = wire.SACKBlock{Left: uint32(sackBase.Add(seq.Size(l))), Right: uint32(sackBase.Add(seq.Size(r)))}
				o.NumSACK++
			}
		default:
			err = fmt.Errorf("unknown option %q", item)
		}
		if err != nil {
			return o, fmt.Errorf("option %q: %v", item, err)
		}
	}
	return o, nil
}
