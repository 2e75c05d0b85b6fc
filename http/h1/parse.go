package h1

import "bytes"

// Limits bound what a Parser accepts. Zero fields take the defaults.
type Limits struct {
	// MaxLineBytes bounds the request line or status line: longer is 414
	// URI Too Long in a request. Default 8 KiB.
	MaxLineBytes int
	// MaxHeaderBytes bounds a head (start line and fields) and a trailer
	// section: longer is 431. It also sizes the parser's buffer. Default
	// 16 KiB.
	MaxHeaderBytes int
	// MaxHeaders bounds the fields of a head or trailer section: more is
	// 431. Default 100.
	MaxHeaders int
	// MaxBodyBytes bounds a body: longer is 413 Content Too Large.
	// Default 8 MiB; negative means no bound (the parser's memory stays
	// bounded anyway: bodies stream through its buffer).
	MaxBodyBytes int64
}

// DefaultLimits are the limits zero fields of Limits take.
var DefaultLimits = Limits{MaxLineBytes: 8 << 10, MaxHeaderBytes: 16 << 10, MaxHeaders: 100, MaxBodyBytes: 8 << 20}

func (l Limits) withDefaults() Limits {
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = DefaultLimits.MaxLineBytes
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultLimits.MaxHeaderBytes
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = DefaultLimits.MaxHeaders
	}
	if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = DefaultLimits.MaxBodyBytes
	}
	return l
}

// chunkLineMax bounds a chunk-size line with its extensions.
const chunkLineMax = 1024

// minBufBytes is the least buffer a parser has, so that bodies stream in
// pieces of a useful size even with small head limits.
const minBufBytes = 16 << 10

// EventKind says what Parser.Next found.
type EventKind uint8

const (
	// EvNone: more input is needed.
	EvNone EventKind = iota
	// EvHead: a message head is complete (Parser.Request or
	// Parser.Response). A 1xx response head is followed at once by EvEnd.
	EvHead
	// EvData: body bytes in Event.Data.
	EvData
	// EvEnd: the message is complete; its trailers are in the head's
	// Trailer. The parser is ready for the next message.
	EvEnd
	// EvEOF: the input closed between messages.
	EvEOF
	// EvError: the input is not HTTP/1.1 this parser accepts; Event.Err
	// is an *Error. The parser stays in this state.
	EvError
)

var kindNames = [...]string{"none", "head", "data", "end", "eof", "error"}

func (k EventKind) String() string { return kindNames[k] }

// Event is one step of parsing. Data points into the parser's buffer and
// is valid until the next call of Write.
type Event struct {
	Kind EventKind
	Data []byte
	Err  *Error
}

type state uint8

const (
	stHead      state = iota // waiting for a start line and fields
	stLength                 // a Content-Length body: remain bytes to go
	stChunkSize              // waiting for a chunk-size line
	stChunkData              // inside a chunk: remain bytes to go
	stChunkCRLF              // waiting for the CRLF after a chunk's data
	stTrailer                // waiting for the trailer section
	stClose                  // a body that runs until the input closes
	stEnd                    // the body is complete: EvEnd is due
	stError                  // dead: err says why
)

// Parser parses a stream of requests (NewRequestParser) or responses
// (NewResponseParser). Its memory is one buffer of
// max(MaxHeaderBytes, 16 KiB) allocated once, plus the heads it returns.
type Parser struct {
	response bool
	lim      Limits
	buf      []byte // input: buf[r:w] is unread; len(buf) is fixed
	r, w     int
	scan     int // start of the first head line not yet seen whole
	lines    int // head lines before scan
	eof      bool
	st       state
	remain   int64 // bytes left in a Content-Length body or a chunk
	total    int64 // body bytes so far
	err      *Error
	method   string // of the request a response answers
	req      Request
	resp     Response
}

// NewRequestParser returns a parser for the requests a server reads.
func NewRequestParser(l Limits) *Parser { return newParser(false, l) }

// NewResponseParser returns a parser for the responses a client reads;
// tell it each request's method with SetMethod.
func NewResponseParser(l Limits) *Parser { return newParser(true, l) }

func newParser(response bool, l Limits) *Parser {
	l = l.withDefaults()
	return &Parser{response: response, lim: l, buf: make([]byte, max(l.MaxHeaderBytes, minBufBytes))}
}

// SetMethod tells a response parser the method of the request whose
// response comes next: the response to HEAD has no body.
func (p *Parser) SetMethod(m string) { p.method = m }

// Room returns how many bytes Write accepts now.
func (p *Parser) Room() int { return len(p.buf) - (p.w - p.r) }

// Buffered returns how many bytes wait unparsed.
func (p *Parser) Buffered() int { return p.w - p.r }

// Write copies as much of b as fits into the parser and returns how many
// bytes it took; the caller keeps the rest for later (back-pressure).
func (p *Parser) Write(b []byte) int {
	if p.r > 0 && p.w+len(b) > len(p.buf) {
		copy(p.buf, p.buf[p.r:p.w])
		p.w -= p.r
		p.scan = max(p.scan-p.r, 0)
		p.r = 0
	}
	n := copy(p.buf[p.w:], b)
	p.w += n
	return n
}

// TakeBuffered returns the bytes written and not parsed, and forgets
// them: what follows a request on a connection that changes protocol.
func (p *Parser) TakeBuffered() []byte {
	b := append([]byte(nil), p.buf[p.r:p.w]...)
	p.r = p.w
	return b
}

// CloseInput says the input has ended (the peer closed its side).
func (p *Parser) CloseInput() { p.eof = true }

// Request returns the request whose head EvHead announced. It stays
// valid until the next EvHead.
func (p *Parser) Request() *Request { return &p.req }

// Response returns the response whose head EvHead announced.
func (p *Parser) Response() *Response { return &p.resp }

// Err returns the error that stopped the parser, or nil.
func (p *Parser) Err() *Error { return p.err }

// Next parses what it can and returns the next event.
func (p *Parser) Next() Event {
	switch p.st {
	case stHead:
		return p.head()
	case stLength:
		return p.lengthData()
	case stChunkSize:
		return p.chunkSize()
	case stChunkData:
		return p.chunkData()
	case stChunkCRLF:
		return p.chunkCRLF()
	case stTrailer:
		return p.trailer()
	case stClose:
		return p.closeData()
	case stEnd:
		p.st, p.scan, p.lines = stHead, p.r, 0
		return Event{Kind: EvEnd}
	}
	return Event{Kind: EvError, Err: p.err}
}

func (p *Parser) fail(e *Error) Event {
	p.st, p.err = stError, e
	return Event{Kind: EvError, Err: e}
}

// need reports the event for input that is not complete yet: none, or
// an error if the input has ended.
func (p *Parser) need() Event {
	if p.eof {
		return p.fail(ErrTruncated)
	}
	return Event{}
}

// lineEnd finds the end of the line starting at from in buf[:w]: the
// index of its LF and the index after the line's content (before a CR),
// or -1 if no LF has arrived.
func (p *Parser) lineEnd(from int) (lf, end int) {
	i := bytes.IndexByte(p.buf[from:p.w], '\n')
	if i < 0 {
		return -1, -1
	}
	lf = from + i
	end = lf
	if end > from && p.buf[end-1] == '\r' {
		end--
	}
	return lf, end
}

func (p *Parser) lengthData() Event {
	n := min(int64(p.w-p.r), p.remain)
	if n == 0 {
		return p.need()
	}
	d := p.buf[p.r : p.r+int(n)]
	p.r += int(n)
	p.remain -= n
	if p.remain == 0 {
		p.st = stEnd
	}
	return Event{Kind: EvData, Data: d}
}

func (p *Parser) closeData() Event {
	n := p.w - p.r
	if n == 0 {
		if p.eof {
			p.st = stEnd
			return p.Next()
		}
		return Event{}
	}
	if p.lim.MaxBodyBytes >= 0 && p.total+int64(n) > p.lim.MaxBodyBytes {
		return p.fail(errorf(413, "body longer than the limit"))
	}
	p.total += int64(n)
	d := p.buf[p.r:p.w]
	p.r = p.w
	return Event{Kind: EvData, Data: d}
}
