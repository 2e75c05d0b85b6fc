package tcp

import "github.com/hopsnet/hops/seq"

// maxOOORanges bounds the out-of-order store: at most this many separate
// runs of bytes above a hole are held (Linux bounds its out-of-order
// queue by memory; hops by count as well as by the buffer). A segment
// that would make one more run is dropped; the sender retransmits it.
const maxOOORanges = 32

// oooRange is a run [start, end) of bytes received above a hole. stamp
// orders runs by how recently a segment landed in them, for SACK (RFC
// 2018 section 4: the first block names the most recent segment).
type oooRange struct {
	start, end seq.Value
	stamp      uint64
}

// recvBuf holds received bytes the app has not read yet: a ring whose
// first n bytes from head are in order (they start at sequence number
// nxt-n), followed by space in which out-of-order bytes sit at their
// offset from nxt, described by ooo. The ring holds capacity bytes (the
// window advertised is what is free of that) but is allocated as it
// fills: it starts empty and doubles, from minAlloc, up to capacity, so a
// connection that carries little costs little memory (many BGP sessions,
// a browser's idle connections). Once grown it stays.
type recvBuf struct {
	buf      []byte
	capacity int
	// slack is what the ring may hold beyond capacity: a window rounded
	// up to the window scale (so that its right edge never moves left)
	// may offer up to 2^scale-1 bytes more than the buffer has free.
	slack int
	head  int       // ring index of the first unread byte
	n     int       // in-order bytes not yet read
	nxt   seq.Value // sequence number of the next in-order byte
	ooo   [maxOOORanges]oooRange
	nooo  int    // ooo[:nooo] are in use, sorted by start, disjoint, not adjacent
	stamp uint64 // last stamp handed out
}

func newRecvBuf(capacity int) recvBuf { return recvBuf{capacity: capacity} }

// minAlloc is the first allocation of a buffer that grows.
const minAlloc = 4 << 10

// free returns the room left for in-order data: the receive window.
func (b *recvBuf) free() int { return max(b.capacity-b.n, 0) }

// ensure makes the first span bytes from head addressable, growing the
// ring (and laying its contents out from index 0) if it is smaller.
func (b *recvBuf) ensure(span int) {
	if span <= len(b.buf) {
		return
	}
	size := max(len(b.buf)*2, minAlloc)
	for size < span {
		size *= 2
	}
	size = min(size, b.capacity+b.slack)
	nb := make([]byte, size)
	if len(b.buf) > 0 {
		// Everything held lies within len(b.buf) bytes of head.
		k := copy(nb, b.buf[b.head:])
		copy(nb[k:], b.buf[:b.head])
	}
	b.buf, b.head = nb, 0
}

// write stores data that starts at sequence number at, which must lie in
// [nxt, nxt+window) with at+len(data) within the window (the caller trims to
// RCV.WND, which may reach into the slack). It
// reports how many bytes the in-order run grew by, and false when the
// bytes were out of order and the store was full (they are dropped).
func (b *recvBuf) write(at seq.Value, data []byte) (advanced int, stored bool) {
	if len(data) == 0 {
		return 0, true
	}
	end := at.Add(seq.Size(len(data)))
	if at != b.nxt && !b.addRange(at, end) {
		return 0, false
	}
	b.copyIn(int(at.Sub(b.nxt)), data)
	if at != b.nxt {
		return 0, true
	}
	b.nxt, b.n = end, b.n+len(data)
	// Pull in the runs that the new bytes reach.
	for b.nooo > 0 && b.ooo[0].start.LessThanEq(b.nxt) {
		if b.nxt.LessThan(b.ooo[0].end) {
			b.n += int(b.ooo[0].end.Sub(b.nxt))
			b.nxt = b.ooo[0].end
		}
		b.removeRange(0)
	}
	return int(b.nxt.Sub(at)), true
}

// copyIn copies data to the ring at off bytes past the in-order run.
func (b *recvBuf) copyIn(off int, data []byte) {
	b.ensure(b.n + off + len(data))
	at := (b.head + b.n + off) % len(b.buf)
	k := copy(b.buf[at:], data)
	copy(b.buf, data[k:])
}

// addRange records [start, end) as received out of order, merging it
// with the runs it overlaps or touches. It reports false when it would
// need a new run and the store is full.
func (b *recvBuf) addRange(start, end seq.Value) bool {
	b.stamp++
	i := 0
	for i < b.nooo && b.ooo[i].end.LessThan(start) {
		i++
	}
	j := i // ooo[i:j] overlap or touch [start, end)
	for j < b.nooo && b.ooo[j].start.LessThanEq(end) {
		j++
	}
	if i == j {
		if b.nooo == maxOOORanges {
			return false
		}
		copy(b.ooo[i+1:b.nooo+1], b.ooo[i:b.nooo])
		b.nooo++
		b.ooo[i] = oooRange{start, end, b.stamp}
		return true
	}
	merged := oooRange{seq.Min(start, b.ooo[i].start), seq.Max(end, b.ooo[j-1].end), b.stamp}
	b.ooo[i] = merged
	copy(b.ooo[i+1:], b.ooo[j:b.nooo])
	b.nooo -= j - i - 1
	return true
}

func (b *recvBuf) removeRange(i int) {
	copy(b.ooo[i:], b.ooo[i+1:b.nooo])
	b.nooo--
}

// read copies up to len(p) in-order bytes to p and returns the count.
func (b *recvBuf) read(p []byte) int {
	total := min(len(p), b.n)
	if total == 0 {
		return 0
	}
	k := copy(p[:total], b.buf[b.head:min(b.head+total, len(b.buf))])
	copy(p[k:total], b.buf)
	b.head = (b.head + total) % len(b.buf)
	b.n -= total
	return total
}

// sackBlocks fills blocks with up to four runs, the most recently
// updated run first (RFC 2018 section 4), and returns how many.
func (b *recvBuf) sackBlocks(blocks *[4]sackBlock) int {
	n := 0
	var last uint64 = ^uint64(0) // stamps are handed out increasing; pick by descending stamp
	for n < len(blocks) {
		best := -1
		for i := range b.nooo {
			s := b.ooo[i].stamp
			if s < last && (best < 0 || s > b.ooo[best].stamp) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		blocks[n] = sackBlock{b.ooo[best].start, b.ooo[best].end}
		last = b.ooo[best].stamp
		n++
	}
	return n
}

// sackBlock is a received run reported in a SACK option.
type sackBlock struct{ left, right seq.Value }
