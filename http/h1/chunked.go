package h1

import "strings"

// The chunked transfer coding (RFC 9112 section 7.1):
//
//	chunked-body = *chunk last-chunk trailer-section CRLF
//	chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	last-chunk   = 1*("0") [ chunk-ext ] CRLF

func (p *Parser) chunkSize() Event {
	lf, end := p.lineEnd(p.r)
	if lf < 0 {
		if p.w-p.r > chunkLineMax {
			return p.fail(errorf(400, "chunk-size line longer than the limit"))
		}
		return p.need()
	}
	if end-p.r > chunkLineMax {
		return p.fail(errorf(400, "chunk-size line longer than the limit"))
	}
	line := p.buf[p.r:end]
	var n int64
	i := 0
	for ; i < len(line) && hexVal(line[i]) >= 0; i++ {
		if i == 15 {
			return p.fail(errorf(400, "chunk size too large"))
		}
		n = n<<4 | int64(hexVal(line[i]))
	}
	if i == 0 || !validExt(line[i:]) {
		return p.fail(errorf(400, "malformed chunk-size line"))
	}
	p.r = lf + 1
	if n == 0 {
		p.st, p.scan, p.lines = stTrailer, p.r, 0
		return p.trailer()
	}
	if p.lim.MaxBodyBytes >= 0 && p.total+n > p.lim.MaxBodyBytes {
		return p.fail(errorf(413, "chunked body longer than the limit"))
	}
	p.total += n
	p.st, p.remain = stChunkData, n
	return p.chunkData()
}

// validExt accepts chunk extensions (";name=value" pairs) loosely: any
// visible characters, spaces and tabs after a ";", as most servers do;
// they carry no meaning to hops.
func validExt(b []byte) bool {
	s := strings.TrimLeft(string(b), " \t")
	if s == "" {
		return true
	}
	return s[0] == ';' && validValue(s)
}

func (p *Parser) chunkData() Event {
	n := min(int64(p.w-p.r), p.remain)
	if n == 0 {
		return p.need()
	}
	d := p.buf[p.r : p.r+int(n)]
	p.r += int(n)
	p.remain -= n
	if p.remain == 0 {
		p.st = stChunkCRLF
	}
	return Event{Kind: EvData, Data: d}
}

func (p *Parser) chunkCRLF() Event {
	switch {
	case p.w-p.r >= 1 && p.buf[p.r] == '\n':
		p.r++
	case p.w-p.r >= 2 && p.buf[p.r] == '\r' && p.buf[p.r+1] == '\n':
		p.r += 2
	case p.w-p.r >= 2 || (p.w-p.r == 1 && p.buf[p.r] != '\r'):
		return p.fail(errorf(400, "chunk data not followed by CRLF"))
	default:
		return p.need()
	}
	p.st = stChunkSize
	return p.chunkSize()
}

// trailer reads the trailer section after the last chunk.
func (p *Parser) trailer() Event {
	end, ev, ok := p.findHeadEnd(true)
	if !ok {
		return ev
	}
	text := string(p.buf[p.r:end])
	p.r = end
	tr, e := parseFields(text, nil)
	if e != nil {
		return p.fail(e)
	}
	if p.response {
		p.resp.Trailer = tr
	} else {
		p.req.Trailer = tr
	}
	p.st, p.scan, p.lines = stHead, p.r, 0
	return Event{Kind: EvEnd}
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
