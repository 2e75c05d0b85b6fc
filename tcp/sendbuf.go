package tcp

// sendBuf holds the bytes the app has written and the peer has not yet
// acknowledged: a ring of capacity bytes followed by a mirror of its
// first mirror bytes, so that any run of at most mirror bytes starting
// anywhere in the ring is one contiguous slice. Segments alias it
// (Segment.Payload) instead of copying; nothing is allocated after
// construction.
type sendBuf struct {
	buf      []byte // len capacity+mirror; buf[capacity+i] == buf[i] for i < mirror
	capacity int    // ring size
	mirror   int    // the longest slice view returns
	head     int    // ring index of the oldest byte (sequence number c.sndBufSeq)
	n        int    // bytes held, 0..capacity
}

// newSendBuf returns a buffer of capacity bytes whose views are at most
// mirror bytes long.
func newSendBuf(capacity, mirror int) sendBuf {
	mirror = min(mirror, capacity)
	return sendBuf{buf: make([]byte, capacity+mirror), capacity: capacity, mirror: mirror}
}

// free returns how many more bytes write would accept.
func (b *sendBuf) free() int { return b.capacity - b.n }

// write copies as much of p as fits and returns the count.
func (b *sendBuf) write(p []byte) int {
	total := min(len(p), b.free())
	p = p[:total]
	for len(p) > 0 {
		at := (b.head + b.n) % b.capacity
		k := copy(b.buf[at:b.capacity], p)
		if at < b.mirror {
			copy(b.buf[b.capacity+at:], p[:min(k, b.mirror-at)])
		}
		b.n += k
		p = p[k:]
	}
	return total
}

// view returns the n bytes starting off bytes after the oldest one.
// It needs off+n <= b.n and n <= b.mirror.
func (b *sendBuf) view(off, n int) []byte {
	at := (b.head + off) % b.capacity
	return b.buf[at : at+n : at+n]
}

// consume drops the k oldest bytes (acknowledged by the peer).
func (b *sendBuf) consume(k int) {
	b.head = (b.head + k) % b.capacity
	b.n -= k
}
