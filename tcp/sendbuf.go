package tcp

// sendBuf holds the bytes the app has written and the peer has not yet
// acknowledged: a ring of ring bytes followed by a mirror of its first
// mirror bytes, so that any run of at most mirror bytes starting
// anywhere in the ring is one contiguous slice. Segments alias it
// (Segment.Payload) instead of copying. The ring accepts capacity bytes
// but is allocated as the app fills it: it starts empty and doubles, from
// minAlloc, up to capacity, and then stays (no allocation in a steady
// transfer).
type sendBuf struct {
	buf      []byte // len ring+mirror; buf[ring+i] == buf[i] for i < mirror
	capacity int    // the most bytes it holds
	ring     int    // ring size allocated, <= capacity
	wantMir  int    // the longest view asked for
	mirror   int    // the longest slice view returns: min(wantMir, ring)
	head     int    // ring index of the oldest byte (sequence number c.sndBufSeq)
	n        int    // bytes held, 0..ring
}

// newSendBuf returns a buffer of capacity bytes whose views are at most
// mirror bytes long.
func newSendBuf(capacity, mirror int) sendBuf {
	return sendBuf{capacity: capacity, wantMir: min(mirror, capacity)}
}

// free returns how many more bytes write would accept.
func (b *sendBuf) free() int { return b.capacity - b.n }

// grow makes the ring hold at least need bytes, its contents laid out
// from index 0 and the mirror rebuilt.
func (b *sendBuf) grow(need int) {
	size := max(b.ring*2, minAlloc)
	for size < need {
		size *= 2
	}
	size = min(size, b.capacity)
	mirror := min(b.wantMir, size)
	nb := make([]byte, size+mirror)
	for i := 0; i < b.n; {
		at := (b.head + i) % b.ring
		i += copy(nb[i:b.n], b.buf[at:b.ring])
	}
	copy(nb[size:], nb[:mirror])
	b.buf, b.ring, b.mirror, b.head = nb, size, mirror, 0
}

// write copies as much of p as fits and returns the count.
func (b *sendBuf) write(p []byte) int {
	total := min(len(p), b.free())
	if total == 0 {
		return 0
	}
	if b.n+total > b.ring {
		b.grow(b.n + total)
	}
	p = p[:total]
	for len(p) > 0 {
		at := (b.head + b.n) % b.ring
		k := copy(b.buf[at:b.ring], p)
		if at < b.mirror {
			copy(b.buf[b.ring+at:], p[:min(k, b.mirror-at)])
		}
		b.n += k
		p = p[k:]
	}
	return total
}

// view returns the n bytes starting off bytes after the oldest one.
// It needs off+n <= b.n and n <= b.mirror.
func (b *sendBuf) view(off, n int) []byte {
	if n == 0 {
		return nil
	}
	at := (b.head + off) % b.ring
	return b.buf[at : at+n : at+n]
}

// consume drops the k oldest bytes (acknowledged by the peer).
func (b *sendBuf) consume(k int) {
	if k == 0 {
		return
	}
	b.head = (b.head + k) % b.ring
	b.n -= k
}
