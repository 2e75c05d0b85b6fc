package h2

import (
	"errors"

	"github.com/hopsnet/hops/http/h1"
)

// HPACK, RFC 7541: header compression for HTTP/2.

// HPACK decoding errors. The HTTP/2 engines answer any of them but
// ErrHeaderListTooLarge with a COMPRESSION_ERROR connection error.
var (
	ErrIntOverflow        = errors.New("hpack: integer overflow")
	ErrTruncatedBlock     = errors.New("hpack: truncated header block")
	ErrBadIndex           = errors.New("hpack: index out of the tables")
	ErrStringTooLong      = errors.New("hpack: string longer than the limit")
	ErrTableSizeUpdate    = errors.New("hpack: dynamic table size update not allowed")
	ErrHeaderListTooLarge = errors.New("hpack: header list larger than the limit")
)

// entryOverhead is the per-entry size overhead (RFC 7541 section 4.1).
const entryOverhead = 32

// DefaultTableSize is SETTINGS_HEADER_TABLE_SIZE's initial value.
const DefaultTableSize = 4096

var staticTable = [...]h1.Field{
	{Name: ":authority"}, {Name: ":method", Value: "GET"}, {Name: ":method", Value: "POST"},
	{Name: ":path", Value: "/"}, {Name: ":path", Value: "/index.html"},
	{Name: ":scheme", Value: "http"}, {Name: ":scheme", Value: "https"},
	{Name: ":status", Value: "200"}, {Name: ":status", Value: "204"}, {Name: ":status", Value: "206"},
	{Name: ":status", Value: "304"}, {Name: ":status", Value: "400"}, {Name: ":status", Value: "404"},
	{Name: ":status", Value: "500"}, {Name: "accept-charset"}, {Name: "accept-encoding", Value: "gzip, deflate"},
	{Name: "accept-language"}, {Name: "accept-ranges"}, {Name: "accept"},
	{Name: "access-control-allow-origin"}, {Name: "age"}, {Name: "allow"}, {Name: "authorization"},
	{Name: "cache-control"}, {Name: "content-disposition"}, {Name: "content-encoding"},
	{Name: "content-language"}, {Name: "content-length"}, {Name: "content-location"},
	{Name: "content-range"}, {Name: "content-type"}, {Name: "cookie"}, {Name: "date"}, {Name: "etag"},
	{Name: "expect"}, {Name: "expires"}, {Name: "from"}, {Name: "host"}, {Name: "if-match"},
	{Name: "if-modified-since"}, {Name: "if-none-match"}, {Name: "if-range"},
	{Name: "if-unmodified-since"}, {Name: "last-modified"}, {Name: "link"}, {Name: "location"},
	{Name: "max-forwards"}, {Name: "proxy-authenticate"}, {Name: "proxy-authorization"},
	{Name: "range"}, {Name: "referer"}, {Name: "refresh"}, {Name: "retry-after"}, {Name: "server"},
	{Name: "set-cookie"}, {Name: "strict-transport-security"}, {Name: "transfer-encoding"},
	{Name: "user-agent"}, {Name: "vary"}, {Name: "via"}, {Name: "www-authenticate"},
}

// staticIndex maps a name to its first static index and a name+value
// to its index.
var staticName, staticPair = func() (map[string]int, map[h1.Field]int) {
	n, p := map[string]int{}, map[h1.Field]int{}
	for i, f := range staticTable {
		if _, ok := n[f.Name]; !ok {
			n[f.Name] = i + 1
		}
		if f.Value != "" {
			p[f] = i + 1
		}
	}
	return n, p
}()

// dynTable is the dynamic table: a ring of entries, newest at the
// highest position, evicted oldest first (RFC 7541 section 4).
type dynTable struct {
	ents    []h1.Field // ring buffer
	head, n int        // index of the oldest entry; entries held
	size    int        // RFC 7541 size of the entries held
	max     int        // current maximum size
}

func entrySize(f h1.Field) int { return len(f.Name) + len(f.Value) + entryOverhead }

// get returns the i'th entry, 1 being the newest.
func (t *dynTable) get(i int) h1.Field {
	return t.ents[(t.head+t.n-i)%len(t.ents)]
}

func (t *dynTable) evictTo(max int) {
	for t.size > max && t.n > 0 {
		t.size -= entrySize(t.ents[t.head])
		t.ents[t.head] = h1.Field{}
		t.head = (t.head + 1) % len(t.ents)
		t.n--
	}
}

func (t *dynTable) setMax(max int) {
	t.max = max
	t.evictTo(max)
}

func (t *dynTable) add(f h1.Field) {
	sz := entrySize(f)
	if sz > t.max {
		t.evictTo(0)
		return
	}
	t.evictTo(t.max - sz)
	if t.n == len(t.ents) {
		grown := make([]h1.Field, max(8, 2*len(t.ents)))
		for i := 0; i < t.n; i++ {
			grown[i] = t.ents[(t.head+i)%len(t.ents)]
		}
		t.ents, t.head = grown, 0
	}
	t.ents[(t.head+t.n)%len(t.ents)] = f
	t.n++
	t.size += sz
}

// Len returns the number of entries; Size their RFC 7541 size.
func (t *dynTable) Len() int  { return t.n }
func (t *dynTable) Size() int { return t.size }

// appendInt appends v with an n-bit prefix; first holds the bits above
// the prefix (RFC 7541 section 5.1).
func appendInt(dst []byte, first byte, n uint, v uint64) []byte {
	lim := uint64(1)<<n - 1
	if v < lim {
		return append(dst, first|byte(v))
	}
	dst = append(dst, first|byte(lim))
	v -= lim
	for v >= 128 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// readInt reads an integer with an n-bit prefix from b.
func readInt(b []byte, n uint) (v uint64, rest []byte, err error) {
	if len(b) == 0 {
		return 0, b, ErrTruncatedBlock
	}
	lim := uint64(1)<<n - 1
	v = uint64(b[0]) & lim
	b = b[1:]
	if v < lim {
		return v, b, nil
	}
	for shift := uint(0); ; shift += 7 {
		if len(b) == 0 {
			return 0, b, ErrTruncatedBlock
		}
		if shift > 28 { // more than 2^35: nothing in HTTP/2 is that large
			return 0, b, ErrIntOverflow
		}
		c := b[0]
		b = b[1:]
		v += uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, b, nil
		}
	}
}

// appendString appends a string literal, Huffman-coded when shorter.
func appendString(dst []byte, s string, huffman bool) []byte {
	if huffman {
		if n := HuffmanEncodedLen(s); n <= len(s) {
			dst = appendInt(dst, 0x80, 7, uint64(n))
			return AppendHuffman(dst, s)
		}
	}
	dst = appendInt(dst, 0, 7, uint64(len(s)))
	return append(dst, s...)
}

// Decoder decodes header blocks of one connection's direction.
type Decoder struct {
	t dynTable
	// maxTable is the largest size a table size update may set:
	// our SETTINGS_HEADER_TABLE_SIZE.
	maxTable int
	// MaxHeaderListSize bounds a block's decoded header list (RFC 7541
	// sizes: name + value + 32 each); 0 means no limit. Past it, decoding
	// goes on (the table must stay in step) but fields are dropped and
	// Decode returns ErrHeaderListTooLarge.
	MaxHeaderListSize int
	// MaxStringLen bounds one string literal; default 64 KiB.
	MaxStringLen int
	scratch      []byte
}

// NewDecoder returns a decoder whose table may grow to maxTable bytes.
func NewDecoder(maxTable int) *Decoder {
	d := &Decoder{maxTable: maxTable, MaxStringLen: 64 << 10}
	d.t.max = maxTable
	return d
}

// SetMaxTableSize changes the limit a table size update may reach (after
// our SETTINGS_HEADER_TABLE_SIZE changed and was acknowledged).
func (d *Decoder) SetMaxTableSize(n int) {
	d.maxTable = n
	if d.t.max > n {
		d.t.setMax(n)
	}
}

// TableLen returns the number of entries in the dynamic table.
func (d *Decoder) TableLen() int { return d.t.Len() }

// TableSize returns the dynamic table's size as RFC 7541 section 4.1
// counts it (each entry's name and value plus 32).
func (d *Decoder) TableSize() int { return d.t.Size() }

// TableEntry returns dynamic entry i, 1 being the newest.
func (d *Decoder) TableEntry(i int) h1.Field { return d.t.get(i) }

func (d *Decoder) field(i uint64) (h1.Field, error) {
	switch {
	case i == 0:
		return h1.Field{}, ErrBadIndex
	case i <= uint64(len(staticTable)):
		return staticTable[i-1], nil
	case i-uint64(len(staticTable)) <= uint64(d.t.n):
		return d.t.get(int(i) - len(staticTable)), nil
	}
	return h1.Field{}, ErrBadIndex
}

func (d *Decoder) readString(b []byte) (string, []byte, error) {
	if len(b) == 0 {
		return "", b, ErrTruncatedBlock
	}
	huff := b[0]&0x80 != 0
	n, b, err := readInt(b, 7)
	if err != nil {
		return "", b, err
	}
	if n > uint64(len(b)) {
		return "", b, ErrTruncatedBlock
	}
	raw := b[:n]
	b = b[n:]
	if !huff {
		if n > uint64(d.MaxStringLen) {
			return "", b, ErrStringTooLong
		}
		return string(raw), b, nil
	}
	if n > uint64(d.MaxStringLen) { // decoded is at least as long as n*8/30
		return "", b, ErrStringTooLong
	}
	d.scratch, err = AppendHuffmanDecode(d.scratch[:0], raw)
	if err != nil {
		return "", b, err
	}
	if len(d.scratch) > d.MaxStringLen {
		return "", b, ErrStringTooLong
	}
	return string(d.scratch), b, nil
}

// Decode decodes a whole header block and appends its fields to dst.
func (d *Decoder) Decode(dst h1.Header, block []byte) (h1.Header, error) {
	b := block
	listSize, tooLarge, first := 0, false, true
	for len(b) > 0 {
		c := b[0]
		var f h1.Field
		var err error
		switch {
		case c&0x80 != 0: // indexed
			var i uint64
			if i, b, err = readInt(b, 7); err != nil {
				return dst, err
			}
			if f, err = d.field(i); err != nil {
				return dst, err
			}
		case c&0xe0 == 0x20: // dynamic table size update
			if !first {
				return dst, ErrTableSizeUpdate
			}
			var n uint64
			if n, b, err = readInt(b, 5); err != nil {
				return dst, err
			}
			if n > uint64(d.maxTable) {
				return dst, ErrTableSizeUpdate
			}
			d.t.setMax(int(n))
			continue
		default: // literals: with incremental indexing (6-bit), without or never (4-bit)
			prefix, index := uint(4), false
			if c&0xc0 == 0x40 {
				prefix, index = 6, true
			}
			var i uint64
			if i, b, err = readInt(b, prefix); err != nil {
				return dst, err
			}
			if i == 0 {
				if f.Name, b, err = d.readString(b); err != nil {
					return dst, err
				}
			} else {
				var nf h1.Field
				if nf, err = d.field(i); err != nil {
					return dst, err
				}
				f.Name = nf.Name
			}
			if f.Value, b, err = d.readString(b); err != nil {
				return dst, err
			}
			if index {
				d.t.add(f)
			}
		}
		first = false
		listSize += entrySize(f)
		if d.MaxHeaderListSize > 0 && listSize > d.MaxHeaderListSize {
			tooLarge = true
		}
		if !tooLarge {
			dst = append(dst, f)
		}
	}
	if tooLarge {
		return dst, ErrHeaderListTooLarge
	}
	return dst, nil
}

// Encoder encodes header blocks of one connection's direction.
type Encoder struct {
	t         dynTable
	maxTable  int  // the peer's SETTINGS_HEADER_TABLE_SIZE, capped by our limit
	limit     int  // the most table we are willing to keep
	pending   bool // a size update must start the next block
	minSeen   int  // the smallest size set since the last block
	NoHuffman bool // send every string literally
}

// NewEncoder returns an encoder keeping at most limit bytes of table
// (and never more than the peer allows, DefaultTableSize until told).
func NewEncoder(limit int) *Encoder {
	e := &Encoder{limit: limit}
	e.maxTable = min(limit, DefaultTableSize)
	e.t.max = e.maxTable
	e.minSeen = e.t.max
	return e
}

// SetPeerMaxTableSize applies the peer's SETTINGS_HEADER_TABLE_SIZE: the
// next block starts with a table size update (RFC 7541 section 4.2).
func (e *Encoder) SetPeerMaxTableSize(n int) {
	n = min(n, e.limit)
	if n == e.t.max && !e.pending {
		return
	}
	e.pending = true
	e.minSeen = min(e.minSeen, n)
	e.t.setMax(n)
	e.maxTable = n
}

// TableLen returns the number of entries in the dynamic table.
func (e *Encoder) TableLen() int { return e.t.Len() }

// TableSize returns the dynamic table's size as RFC 7541 section 4.1
// counts it (each entry's name and value plus 32).
func (e *Encoder) TableSize() int { return e.t.Size() }

// sensitive fields are sent never-indexed (RFC 7541 section 7.1.3).
func sensitive(name string) bool {
	return name == "authorization" || name == "proxy-authorization"
}

// Encode appends the block for fields to dst. Names must be lowercase
// already (HTTP/2 requires it); Encode does not change them.
func (e *Encoder) Encode(dst []byte, fields h1.Header) []byte {
	if e.pending {
		if e.minSeen < e.t.max {
			dst = appendInt(dst, 0x20, 5, uint64(e.minSeen))
		}
		dst = appendInt(dst, 0x20, 5, uint64(e.t.max))
		e.pending = false
		e.minSeen = e.t.max
	}
	for _, f := range fields {
		dst = e.encodeField(dst, f)
	}
	return dst
}

func (e *Encoder) encodeField(dst []byte, f h1.Field) []byte {
	if i, ok := staticPair[f]; ok {
		return appendInt(dst, 0x80, 7, uint64(i))
	}
	nameIdx := staticName[f.Name]
	for i := 1; i <= e.t.n; i++ {
		g := e.t.get(i)
		if g.Name != f.Name {
			continue
		}
		if g.Value == f.Value {
			return appendInt(dst, 0x80, 7, uint64(len(staticTable)+i))
		}
		if nameIdx == 0 {
			nameIdx = len(staticTable) + i
		}
	}
	switch {
	case sensitive(f.Name):
		dst = appendInt(dst, 0x10, 4, uint64(nameIdx))
	case entrySize(f) > e.t.max/2 || f.Name == ":path" && len(f.Value) > 64:
		dst = appendInt(dst, 0x00, 4, uint64(nameIdx))
	default:
		dst = appendInt(dst, 0x40, 6, uint64(nameIdx))
		e.t.add(f)
	}
	if nameIdx == 0 {
		dst = appendString(dst, f.Name, !e.NoHuffman)
	}
	return appendString(dst, f.Value, !e.NoHuffman)
}
