package h2

import "github.com/hopsnet/hops/http/h1"

// The server's DATA scheduler (RFC 9218 section 10): the most urgent
// streams first; within an urgency, the non-incremental ones one at a
// time in stream-ID order, then the incremental ones round robin, a
// frame each. A stream its flow-control window blocks yields to the
// next. DATA is written only while little output waits (dataAhead), so
// that a more urgent response arriving later overtakes what is queued.

// dataAhead is how much unsent output the scheduler lets build up before
// it writes more DATA: two frames, enough to keep a transport busy
// between Consume calls without deciding the order far ahead.
func (s *ServerConn) dataAhead() int {
	return min(2*(FrameHeaderLen+s.peerMaxFrame), s.cfg.MaxOutputBytes)
}

// flush writes DATA for the streams with output, most urgent first,
// within the windows and the output bound.
func (s *ServerConn) flush() {
	for s.sendWin > 0 && s.backlog() < s.dataAhead() {
		x := s.next()
		if x == nil {
			return
		}
		n := min(int64(len(x.out)-x.outOff), x.sendWin, s.sendWin, int64(s.peerMaxFrame))
		last := x.outOff+int(n) == len(x.out)
		fl := Flags(0)
		if last {
			fl = FlagEndStream
		}
		start := len(s.out)
		s.out = append(s.out, make([]byte, FrameHeaderLen)...)
		putFrameHeader(s.out[start:], int(n), FrameData, fl, x.id)
		s.out = append(s.out, x.out[x.outOff:x.outOff+int(n)]...)
		x.outOff += int(n)
		x.sendWin -= n
		s.sendWin -= n
		if x.prio.Incremental {
			s.rr[x.prio.Urgency] = x.id
		}
		if last {
			x.ended = true
			s.closeStream(x.id)
		}
	}
}

// next picks the stream whose DATA goes next, or nil when none can send.
func (s *ServerConn) next() *stream {
	var best *stream
	for _, id := range s.order {
		x := s.streams[id]
		if x.outOff == len(x.out) || x.sendWin <= 0 {
			continue
		}
		if best == nil || s.before(x, best) {
			best = x
		}
	}
	return best
}

// before reports whether x goes before y.
func (s *ServerConn) before(x, y *stream) bool {
	if x.prio.Urgency != y.prio.Urgency {
		return x.prio.Urgency < y.prio.Urgency
	}
	if x.prio.Incremental != y.prio.Incremental {
		return !x.prio.Incremental
	}
	if !x.prio.Incremental {
		return x.id < y.id
	}
	// round robin: the first id after the one served last, wrapping
	last := s.rr[x.prio.Urgency]
	if (x.id > last) != (y.id > last) {
		return x.id > last
	}
	return x.id < y.id
}

// priorityUpdate applies a PRIORITY_UPDATE (RFC 9218 section 7.1): to
// an open stream at once, to an idle one when its HEADERS come; for a
// closed stream it is dropped.
func (s *ServerConn) priorityUpdate(f *Frame) *ConnError {
	id := f.PrioritizedID
	p := ParsePriority(string(f.Data))
	if x := s.streams[id]; x != nil {
		x.prio = p
		return nil
	}
	if id%2 == 0 || id <= s.lastClient {
		return nil // a push that is over or never was, or a closed stream
	}
	if s.pending == nil {
		s.pending = map[uint32]PriorityParams{}
	}
	if _, ok := s.pending[id]; !ok && len(s.pending)+len(s.streams)-s.pushOpen >= s.cfg.MaxConcurrentStreams {
		// "the number of streams that have been prioritized but remain
		// in the idle state plus the number of active streams" beyond
		// SETTINGS_MAX_CONCURRENT_STREAMS
		return connErr(ProtocolError, "PRIORITY_UPDATE for too many idle streams")
	}
	s.pending[id] = p
	return nil
}

// takePriority returns the priority of the stream id, opened now with
// the request fields hdr: a PRIORITY_UPDATE that came first wins over the
// Priority field. Updates for lower ids, now closed, are dropped.
func (s *ServerConn) takePriority(id uint32, hdr h1.Header) PriorityParams {
	p, ok := s.pending[id]
	for k := range s.pending {
		if k <= id {
			delete(s.pending, k)
		}
	}
	if ok {
		return p
	}
	return requestPriority(hdr.Values("priority"))
}
