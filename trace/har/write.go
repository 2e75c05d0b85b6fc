package har

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// WriteTo writes the archive to w as JSON indented by two spaces, ending
// in a newline. The output depends only on h: fields are in the spec's
// order and numbers are written in their shortest form. HTML characters
// are not escaped. It implements io.WriterTo: n is the number of bytes
// written. It does not run [HAR.Check].
func (h *HAR) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(h); err != nil {
		return 0, fmt.Errorf("har: %w", err)
	}
	n, err := w.Write(b.Bytes())
	return int64(n), err
}

// MarshalJSON writes the log with its entries as [] when there are none.
func (l Log) MarshalJSON() ([]byte, error) {
	type plain Log
	p := plain(l)
	if p.Entries == nil {
		p.Entries = []Entry{}
	}
	return encode(p)
}

// MarshalJSON writes the request with its cookies, headers and query
// string as [] when they are empty.
func (r Request) MarshalJSON() ([]byte, error) {
	type plain Request
	p := plain(r)
	if p.Cookies == nil {
		p.Cookies = []Cookie{}
	}
	if p.Headers == nil {
		p.Headers = []NameValue{}
	}
	if p.QueryString == nil {
		p.QueryString = []NameValue{}
	}
	return encode(p)
}

// MarshalJSON writes the response with its cookies and headers as []
// when they are empty.
func (r Response) MarshalJSON() ([]byte, error) {
	type plain Response
	p := plain(r)
	if p.Cookies == nil {
		p.Cookies = []Cookie{}
	}
	if p.Headers == nil {
		p.Headers = []NameValue{}
	}
	return encode(p)
}

// MarshalJSON writes null for [NotCached] and the entry for [Cached]. An
// unknown state is left out by its field's omitzero; on its own it is
// written as null too.
func (s CacheState) MarshalJSON() ([]byte, error) {
	if s.entry == nil {
		return []byte("null"), nil
	}
	return encode(s.entry)
}

// UnmarshalJSON reads null as [NotCached] and an object as [Cached]. A
// field left out of the JSON stays unknown.
func (s *CacheState) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*s = NotCached()
		return nil
	}
	var e CacheEntry
	if err := json.Unmarshal(b, &e); err != nil {
		return err
	}
	*s = Cached(e)
	return nil
}

// encode is json.Marshal without HTML escaping, so that WriteTo's
// setting holds inside the values that marshal themselves.
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
