package h1

import (
	"strings"
	"testing"
)

// parsed is what a parser made of an input: one line per event, so that
// tables can say exactly what is expected.
func parseEvents(p *Parser, in string, step int, eof bool) []string {
	var out []string
	var body strings.Builder
	feed := func() bool {
		for {
			ev := p.Next()
			switch ev.Kind {
			case EvNone:
				return true
			case EvHead:
				out = append(out, headSummary(p))
			case EvData:
				body.Write(ev.Data)
			case EvEnd:
				tr := ""
				if p.response {
					tr = fieldsString(p.resp.Trailer)
				} else {
					tr = fieldsString(p.req.Trailer)
				}
				out = append(out, "body "+body.String()+tr)
				body.Reset()
			case EvEOF:
				out = append(out, "eof")
				return false
			case EvError:
				out = append(out, "error "+itoa(ev.Err.Status))
				return false
			}
		}
	}
	b := []byte(in)
	for len(b) > 0 {
		n := min(step, len(b))
		k := p.Write(b[:n])
		b = b[k:]
		if !feed() {
			return out
		}
	}
	if eof {
		p.CloseInput()
		feed()
	}
	return out
}

func itoa(n int) string {
	return strings.TrimSpace(strings.Repeat(" ", 0) + string(rune('0'+n/100)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10)))
}

func fieldsString(h Header) string {
	var b strings.Builder
	for _, f := range h {
		b.WriteString(" [" + f.Name + "=" + f.Value + "]")
	}
	return b.String()
}

func headSummary(p *Parser) string {
	if p.response {
		r := &p.resp
		return "resp " + itoa(r.Status) + " cl=" + i64(r.ContentLength) + flag(r.Chunked, " chunked") + flag(r.Close, " close") + fieldsString(r.Header)
	}
	r := &p.req
	return r.Method + " " + r.Target + " 1." + string(rune('0'+r.Minor)) + " cl=" + i64(r.ContentLength) + flag(r.Chunked, " chunked") + flag(r.Close, " close") + fieldsString(r.Header)
}

func i64(n int64) string {
	if n < 0 {
		return "-1"
	}
	s := ""
	for {
		s = string(rune('0'+n%10)) + s
		n /= 10
		if n == 0 {
			return s
		}
	}
}

func flag(b bool, s string) string {
	if b {
		return s
	}
	return ""
}

var smallLimits = Limits{MaxLineBytes: 64, MaxHeaderBytes: 256, MaxHeaders: 4, MaxBodyBytes: 32}

var requestCases = []struct {
	name string
	in   string
	want []string
	lim  Limits
}{
	{"get", "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		[]string{"GET / 1.1 cl=0 [Host=a]", "body "}, Limits{}},
	{"case-insensitive names and OWS", "GET /x HTTP/1.1\r\nhOsT:   a  \r\nX-A:\t1\r\n\r\n",
		[]string{"GET /x 1.1 cl=0 [hOsT=a] [X-A=1]", "body "}, Limits{}},
	{"content-length", "POST /items HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
		[]string{"POST /items 1.1 cl=5 [Host=a] [Content-Length=5]", "body hello"}, Limits{}},
	{"content-length list of equal values", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\n\r\nhi",
		[]string{"POST / 1.1 cl=2 [Host=a] [Content-Length=2, 2]", "body hi"}, Limits{}},
	{"chunked with extension and trailers", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Sum: 9\r\n\r\n",
		[]string{"POST / 1.1 cl=-1 chunked [Host=a] [Transfer-Encoding=chunked]", "body hello, world!!! [X-Sum=9]"}, Limits{}},
	{"pipelined", "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
		[]string{"GET /1 1.1 cl=0 [Host=a]", "body ", "GET /2 1.1 cl=0 close [Host=a] [Connection=close]", "body "}, Limits{}},
	{"leading empty lines and bare LF", "\r\n\nGET / HTTP/1.1\nHost: a\n\n",
		[]string{"GET / 1.1 cl=0 [Host=a]", "body "}, Limits{}},
	{"HTTP/1.0 closes by default", "GET / HTTP/1.0\r\n\r\n",
		[]string{"GET / 1.0 cl=0 close", "body "}, Limits{}},
	{"HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
		[]string{"GET / 1.0 cl=0 [Connection=Keep-Alive]", "body "}, Limits{}},
	{"obs-text in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: caf\xe9\r\n\r\n",
		[]string{"GET / 1.1 cl=0 [Host=a] [X=caf\xe9]", "body "}, Limits{}},
	{"options asterisk", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
		[]string{"OPTIONS * 1.1 cl=0 [Host=a]", "body "}, Limits{}},
	{"eof between messages", "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		[]string{"GET / 1.1 cl=0 [Host=a]", "body ", "eof"}, Limits{}},

	{"no host", "GET / HTTP/1.1\r\n\r\n", []string{"error 400"}, Limits{}},
	{"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", []string{"error 400"}, Limits{}},
	{"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", []string{"error 400"}, Limits{}},
	{"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", []string{"error 400"}, Limits{}},
	{"no colon", "GET / HTTP/1.1\r\nHost a\r\n\r\n", []string{"error 400"}, Limits{}},
	{"bare CR in value", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", []string{"error 400"}, Limits{}},
	{"NUL in value", "GET / HTTP/1.1\r\nHost: a\x00\r\n\r\n", []string{"error 400"}, Limits{}},
	{"CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", []string{"error 400"}, Limits{}},
	{"negative CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", []string{"error 400"}, Limits{}},
	{"CL with sign", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", []string{"error 400"}, Limits{}},
	{"different CLs", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", []string{"error 400"}, Limits{}},
	{"unknown coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", []string{"error 501"}, Limits{}},
	{"final coding not chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", []string{"error 400"}, Limits{}},
	{"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", []string{"error 400"}, Limits{}},
	{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", []string{"error 505"}, Limits{}},
	{"bad version", "GET / HTTP/1.x\r\nHost: a\r\n\r\n", []string{"error 400"}, Limits{}},
	{"two spaces", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", []string{"error 400"}, Limits{}},
	{"bad method", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", []string{"error 400"}, Limits{}},
	{"bad chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", []string{"POST / 1.1 cl=-1 chunked [Host=a] [Transfer-Encoding=chunked]", "error 400"}, Limits{}},
	{"chunk without CRLF", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", []string{"POST / 1.1 cl=-1 chunked [Host=a] [Transfer-Encoding=chunked]", "error 400"}, Limits{}},
	{"chunk size overflow", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", []string{"POST / 1.1 cl=-1 chunked [Host=a] [Transfer-Encoding=chunked]", "error 400"}, Limits{}},
	{"truncated body", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nabc", []string{"POST / 1.1 cl=9 [Host=a] [Content-Length=9]", "error 400"}, Limits{}},
	{"truncated head", "GET / HTTP/1.1\r\nHo", []string{"error 400"}, Limits{}},

	{"request line too long: 414", "GET /" + strings.Repeat("a", 100) + " HTTP/1.1\r\nHost: a\r\n\r\n", []string{"error 414"}, smallLimits},
	{"unterminated long line: 414", "GET /" + strings.Repeat("a", 100), []string{"error 414"}, smallLimits},
	{"too many fields: 431", "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n", []string{"error 431"}, smallLimits},
	{"head too large: 431", "GET / HTTP/1.1\r\nHost: a\r\nA: " + strings.Repeat("x", 300) + "\r\n\r\n", []string{"error 431"}, smallLimits},
	{"content-length too large: 413", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 33\r\n\r\n", []string{"error 413"}, smallLimits},
	{"chunked too large: 413", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n11\r\n", []string{"POST / 1.1 cl=-1 chunked [Host=a] [Transfer-Encoding=chunked]", "error 413"}, smallLimits},
	{"trailers too many: 431", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\n\r\n", []string{"POST / 1.1 cl=-1 chunked [Host=a] [Transfer-Encoding=chunked]", "error 431"}, smallLimits},
}

// TestRequestParser runs every case whole, byte by byte and in 7-byte
// pieces: the events must not depend on how the input was cut.
func TestRequestParser(t *testing.T) {
	for _, c := range requestCases {
		for _, step := range []int{1 << 20, 1, 7} {
			got := parseEvents(NewRequestParser(c.lim), c.in, step, true)
			if strings.Join(got, "\n") != strings.Join(withEOF(c.want), "\n") {
				t.Errorf("%s (pieces of %d):\n got %q\nwant %q", c.name, step, got, c.want)
			}
		}
	}
}

var responseCases = []struct {
	name, method, in string
	want             []string
}{
	{"content-length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
		[]string{"resp 200 cl=2 [Content-Length=2]", "body hi"}},
	{"chunked with trailer", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nEtag: x\r\n\r\n",
		[]string{"resp 200 cl=-1 chunked [Transfer-Encoding=chunked]", "body hi [Etag=x]"}},
	{"TE wins over CL and closes", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
		[]string{"resp 200 cl=-1 chunked close [Content-Length=9] [Transfer-Encoding=chunked]", "body hi"}},
	{"until close", "GET", "HTTP/1.1 200 OK\r\n\r\nall of it",
		[]string{"resp 200 cl=-1 close", "body all of it", "eof"}},
	{"HEAD has no body", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 441\r\n\r\n",
		[]string{"resp 200 cl=441 [Content-Length=441]", "body ", "eof"}},
	{"204 has no body", "DELETE", "HTTP/1.1 204 No Content\r\n\r\n",
		[]string{"resp 204 cl=0", "body ", "eof"}},
	{"304 has no body", "GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
		[]string{"resp 304 cl=5 [Content-Length=5]", "body ", "eof"}},
	{"100 then 200", "POST", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
		[]string{"resp 100 cl=0", "body ", "resp 201 cl=0 [Content-Length=0]", "body ", "eof"}},
	{"no reason phrase", "GET", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
		[]string{"resp 200 cl=0 [Content-Length=0]", "body ", "eof"}},
	{"HTTP/1.0 closes", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
		[]string{"resp 200 cl=0 close [Content-Length=0]", "body ", "eof"}},
	{"bad status", "GET", "HTTP/1.1 2x0 OK\r\n\r\n", []string{"error 400"}},
	{"not http", "GET", "SSH-2.0-OpenSSH\r\n\r\n", []string{"error 400"}},
	{"obs-fold", "GET", "HTTP/1.1 200 OK\r\nX: a\r\n\tb\r\n\r\n", []string{"error 400"}},
	{"truncated", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", []string{"resp 200 cl=5 [Content-Length=5]", "error 400"}},
}

// withEOF adds the "eof" that ends every input parsed without error
// (the tables feed CloseInput last).
func withEOF(want []string) []string {
	last := want[len(want)-1]
	if strings.HasPrefix(last, "error") || last == "eof" {
		return want
	}
	return append(want[:len(want):len(want)], "eof")
}

func TestResponseParser(t *testing.T) {
	for _, c := range responseCases {
		for _, step := range []int{1 << 20, 1, 5} {
			p := NewResponseParser(Limits{})
			p.SetMethod(c.method)
			got := parseEvents(p, c.in, step, true)
			if strings.Join(got, "\n") != strings.Join(withEOF(c.want), "\n") {
				t.Errorf("%s (pieces of %d):\n got %q\nwant %q", c.name, step, got, c.want)
			}
		}
	}
}

// TestParserMemoryBounded: a body far larger than the buffer streams
// through it, and an endless head fails once the buffer is full.
func TestParserMemoryBounded(t *testing.T) {
	p := NewRequestParser(Limits{MaxBodyBytes: -1})
	size := len(p.buf)
	in := "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000\r\n\r\n"
	p.Write([]byte(in))
	if ev := p.Next(); ev.Kind != EvHead {
		t.Fatalf("got %v", ev.Kind)
	}
	chunk := make([]byte, 4096)
	var got int
	for got < 10000000 {
		p.Write(chunk[:min(len(chunk), 10000000-got)])
		for ev := p.Next(); ev.Kind == EvData; ev = p.Next() {
			got += len(ev.Data)
		}
	}
	if len(p.buf) != size {
		t.Fatalf("buffer grew from %d to %d", size, len(p.buf))
	}
	for _, c := range []struct {
		start, line string
		want        int
	}{
		{"GET / HTTP/1.1\r\n", "X-Long: " + strings.Repeat("a", 50) + "\r\n", 431}, // too many lines
		{"GET /", strings.Repeat("a", 1000), 414},                                  // an endless request line
		{"GET / HTTP/1.1\r\n", strings.Repeat("a", 1000), 431},                     // an endless field line
		{"GET / HTTP/1.1\r\n", "X-Long: " + strings.Repeat("a", 1000) + "\r\n", 431},
	} {
		p = NewRequestParser(Limits{})
		p.Write([]byte(c.start))
		var ev Event
		for i := 0; i < 1000 && ev.Kind == EvNone; i++ {
			p.Write([]byte(c.line))
			ev = p.Next()
		}
		if ev.Kind != EvError || ev.Err.Status != c.want || len(p.buf) != size {
			t.Errorf("endless head of %.20q...: %v %v, want %d", c.line, ev.Kind, ev.Err, c.want)
		}
	}
}
