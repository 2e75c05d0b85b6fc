package h1

import "strings"

// head finds a complete head in the buffer and parses it.
func (p *Parser) head() Event {
	if !p.response {
		// RFC 9112 section 2.2: a server SHOULD ignore at least one empty
		// line received before the request-line.
		for p.r < p.w && (p.buf[p.r] == '\n' || (p.buf[p.r] == '\r' && p.r+1 < p.w && p.buf[p.r+1] == '\n')) {
			p.r++
		}
		p.scan = max(p.scan, p.r)
	}
	if p.r == p.w {
		if p.eof {
			return Event{Kind: EvEOF}
		}
		return Event{}
	}
	end, ev, ok := p.findHeadEnd(false)
	if !ok {
		return ev
	}
	// One string holds the whole head; names and values are its
	// substrings, so a head costs one allocation and its field slice.
	text := string(p.buf[p.r:end])
	p.r, p.scan = end, end
	if len(text) > p.lim.MaxHeaderBytes {
		return p.fail(errorf(431, "field section longer than the limit"))
	}
	line, rest := cutLine(text)
	if p.response {
		return p.responseHead(line, rest)
	}
	return p.requestHead(line, rest)
}

// findHeadEnd looks for the empty line that ends a head (or a trailer
// section, after the first line), resuming where the last search stopped
// (p.scan is the start of the first line not yet seen whole, p.lines the
// lines before it). It returns the index after the empty line, or the
// event to return while it is missing.
func (p *Parser) findHeadEnd(trailer bool) (end int, ev Event, ok bool) {
	first := 1
	if trailer {
		first = 0
	}
	for {
		lf, e := p.lineEnd(p.scan)
		if lf < 0 {
			break
		}
		p.lines++
		if p.lines == 1 && !trailer && e-p.r > p.lim.MaxLineBytes {
			return 0, p.fail(p.longLine()), false
		}
		if e == p.scan && p.lines > first {
			p.lines = 0
			return lf + 1, Event{}, true
		}
		if p.lines > p.lim.MaxHeaders+first {
			return 0, p.fail(errorf(431, "more fields than the limit")), false
		}
		p.scan = lf + 1
	}
	if p.lines == 0 && !trailer && p.w-p.r > p.lim.MaxLineBytes {
		return 0, p.fail(p.longLine()), false
	}
	if p.w-p.r >= p.lim.MaxHeaderBytes {
		return 0, p.fail(errorf(431, "field section longer than the limit")), false
	}
	return 0, p.need(), false
}

func (p *Parser) longLine() *Error {
	if p.response {
		return errorf(400, "status line longer than the limit")
	}
	return errorf(414, "request line longer than the limit")
}

// cutLine splits off the first line of a head (CRLF or a bare LF ends it).
func cutLine(s string) (line, rest string) {
	line, rest, _ = strings.Cut(s, "\n")
	return strings.TrimSuffix(line, "\r"), rest
}

// requestHead parses request-line = method SP request-target SP
// HTTP-version (RFC 9112 section 3) and the fields.
func (p *Parser) requestHead(line, rest string) Event {
	method, rest1, ok1 := strings.Cut(line, " ")
	target, version, ok2 := strings.Cut(rest1, " ")
	if !ok1 || !ok2 || !validName(method) || !validTarget(target) {
		return p.fail(errorf(400, "malformed request line"))
	}
	minor, e := parseVersion(version)
	if e != nil {
		return p.fail(e)
	}
	r := &p.req
	*r = Request{Method: method, Target: target, Minor: minor, Header: r.Header[:0]}
	if r.Header, e = parseFields(rest, r.Header); e != nil {
		return p.fail(e)
	}
	// RFC 9112 section 3.2: 400 for an HTTP/1.1 request without Host and
	// for any request with more than one.
	switch n := len(r.Header.Values("Host")); {
	case n > 1:
		return p.fail(errorf(400, "more than one Host field"))
	case n == 0 && minor == 1:
		return p.fail(errorf(400, "HTTP/1.1 request without a Host field"))
	}
	r.Close = closes(r.Header, minor)
	if e := p.requestFraming(r); e != nil {
		return p.fail(e)
	}
	return Event{Kind: EvHead}
}

// requestFraming decides how long a request's body is (RFC 9112 section
// 6.3, rules 4 to 7 for requests).
func (p *Parser) requestFraming(r *Request) *Error {
	te, cl := r.Header.Values("Transfer-Encoding"), r.Header.Values("Content-Length")
	switch {
	case len(te) > 0 && len(cl) > 0:
		// Both: the classic request-smuggling vector. RFC 9112 section
		// 6.3 rule 3 allows rejecting it; hops does.
		return errorf(400, "both Transfer-Encoding and Content-Length")
	case len(te) > 0 && r.Minor == 0:
		return errorf(400, "Transfer-Encoding in an HTTP/1.0 request")
	case len(te) > 0:
		if e := chunkedOnly(te); e != nil {
			return e
		}
		r.Chunked, r.ContentLength = true, -1
		p.startBody(-1, true)
	case len(cl) > 0:
		n, ok := parseContentLength(cl)
		if !ok {
			return errorf(400, "invalid Content-Length")
		}
		if p.lim.MaxBodyBytes >= 0 && n > p.lim.MaxBodyBytes {
			return errorf(413, "Content-Length larger than the limit")
		}
		r.ContentLength = n
		p.startBody(n, false)
	default:
		p.startBody(0, false)
	}
	return nil
}

// chunkedOnly accepts the one transfer coding hops implements.
func chunkedOnly(te []string) *Error {
	var codings []string
	for _, v := range te {
		for _, c := range strings.Split(v, ",") {
			if c = strings.Trim(c, " \t"); c != "" {
				codings = append(codings, strings.ToLower(c))
			}
		}
	}
	if len(codings) == 0 || codings[len(codings)-1] != "chunked" {
		// RFC 9112 section 6.3 rule 4: a request whose final coding is
		// not chunked cannot be framed: 400.
		return errorf(400, "the final transfer coding is not chunked")
	}
	if len(codings) > 1 {
		// Section 6.1: a coding the server does not understand is 501.
		return errorf(501, "transfer coding "+codings[0]+" not implemented")
	}
	return nil
}

// startBody sets the parser up for a body of n bytes (chunked, or none).
func (p *Parser) startBody(n int64, chunked bool) {
	p.total = 0
	switch {
	case chunked:
		p.st = stChunkSize
	case n < 0:
		p.st = stClose
	case n == 0:
		p.st = stEnd
	default:
		p.st, p.remain = stLength, n
	}
}

// responseHead parses status-line = HTTP-version SP status-code SP
// [reason-phrase] (RFC 9112 section 4) and the fields.
func (p *Parser) responseHead(line, rest string) Event {
	version, rest1, _ := strings.Cut(line, " ")
	code, reason, _ := strings.Cut(rest1, " ")
	minor, e := parseVersion(version)
	if e != nil {
		return p.fail(errorf(400, "malformed status line"))
	}
	if len(code) != 3 || !isDigits(code) || code[0] == '0' || !validValue(reason) {
		return p.fail(errorf(400, "malformed status line"))
	}
	r := &p.resp
	*r = Response{Minor: minor, Status: atoi3(code), Reason: reason, Header: r.Header[:0]}
	if r.Header, e = parseFields(rest, r.Header); e != nil {
		return p.fail(e)
	}
	r.Close = closes(r.Header, minor)
	if e := p.responseFraming(r); e != nil {
		return p.fail(e)
	}
	return Event{Kind: EvHead}
}

// responseFraming decides how long a response's body is (RFC 9112
// section 6.3, in its order).
func (p *Parser) responseFraming(r *Response) *Error {
	te, cl := r.Header.Values("Transfer-Encoding"), r.Header.Values("Content-Length")
	switch {
	case bodyless(p.method, r.Status):
		r.ContentLength = 0
		if n, ok := parseContentLength(cl); ok && len(cl) > 0 {
			r.ContentLength = n // what a GET would have had
		}
		p.startBody(0, false)
	case len(te) > 0:
		r.ContentLength = -1
		if chunkedOnly(te) != nil {
			r.Close = true
			p.startBody(-1, false) // rule 4: read until the close
			break
		}
		r.Chunked = true
		r.Close = r.Close || len(cl) > 0 // rule 3: close after it
		p.startBody(-1, true)
	case len(cl) > 0:
		n, ok := parseContentLength(cl)
		if !ok {
			return errorf(400, "invalid Content-Length") // rule 5: 502 at a proxy
		}
		if p.lim.MaxBodyBytes >= 0 && n > p.lim.MaxBodyBytes {
			return errorf(413, "Content-Length larger than the limit")
		}
		r.ContentLength = n
		p.startBody(n, false)
	default:
		r.ContentLength, r.Close = -1, true
		p.startBody(-1, false)
	}
	return nil
}

// parseVersion accepts HTTP/1.0 and HTTP/1.1; another well-formed
// version is 505 (RFC 9110 section 15.6.6).
func parseVersion(v string) (int, *Error) {
	switch v {
	case "HTTP/1.1":
		return 1, nil
	case "HTTP/1.0":
		return 0, nil
	}
	if len(v) == 8 && strings.HasPrefix(v, "HTTP/") && isDigits(v[5:6]) && v[6] == '.' && isDigits(v[7:]) {
		return 0, errorf(505, "version "+v+" not supported")
	}
	return 0, errorf(400, "malformed HTTP version")
}

// parseFields parses field lines (RFC 9112 section 5) into h.
func parseFields(s string, h Header) (Header, *Error) {
	for s != "" {
		var line string
		line, s = cutLine(s)
		if line == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			// Section 5.2: obs-fold is rejected with 400.
			return h, errorf(400, "obsolete line folding")
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !validName(name) {
			// Section 5.1: no whitespace between name and colon.
			return h, errorf(400, "malformed header field")
		}
		value = strings.Trim(value, " \t")
		if !validValue(value) {
			return h, errorf(400, "invalid character in header field "+name)
		}
		h = append(h, Field{name, value})
	}
	return h, nil
}

// parseContentLength accepts one value, or a list of equal ones (RFC 9110
// section 8.6).
func parseContentLength(vs []string) (int64, bool) {
	n := int64(-1)
	for _, v := range vs {
		for _, s := range strings.Split(v, ",") {
			s = strings.Trim(s, " \t")
			if s == "" || len(s) > 18 || !isDigits(s) {
				return 0, false
			}
			var k int64
			for i := 0; i < len(s); i++ {
				k = k*10 + int64(s[i]-'0')
			}
			if n >= 0 && k != n {
				return 0, false
			}
			n = k
		}
	}
	return n, n >= 0
}

// closes reports whether the connection ends after a message with these
// fields (RFC 9112 section 9.3).
func closes(h Header, minor int) bool {
	if h.HasToken("Connection", "close") {
		return true
	}
	return minor == 0 && !h.HasToken("Connection", "keep-alive")
}

// validTarget accepts a request-target without whitespace or controls;
// the engines look at its form.
func validTarget(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func atoi3(s string) int { return int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0') }
