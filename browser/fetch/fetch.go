// Package fetch is the browser's only way to the outside: a small
// interface that loads a sub-resource by URL. The browser never imports a
// network package; an app (the simulated browser on a node) or the CLI (a
// folder on disk) implements Fetcher.
package fetch

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"unicode/utf8"
)

// MaxBytes bounds one resource; larger ones are refused.
const MaxBytes = 16 << 20

// A Resource is what a fetch returns.
type Resource struct {
	URL         string // as resolved by the fetcher
	ContentType string // "text/css", "image/png", ... guessed from the name when unknown
	Body        []byte
}

// A Fetcher loads the resource a document refers to by ref (an href or src
// attribute, relative to the document).
type Fetcher interface {
	Fetch(ref string) (Resource, error)
}

// ErrNotFound is returned for a reference that names nothing.
var ErrNotFound = errors.New("fetch: not found")

// FS fetches relative references from a file system (the folder of the
// document). Absolute URLs (with a scheme) and paths leaving the folder are
// not found.
type FS struct{ FS fs.FS }

// Fetch implements Fetcher.
func (f FS) Fetch(ref string) (Resource, error) {
	if i := strings.IndexAny(ref, "?#"); i >= 0 {
		ref = ref[:i]
	}
	if strings.Contains(ref, ":") || ref == "" {
		return Resource{}, fmt.Errorf("%w: %q (only relative references are served from a folder)", ErrNotFound, ref)
	}
	name := path.Clean(strings.TrimPrefix(ref, "/"))
	if !fs.ValidPath(name) {
		return Resource{}, fmt.Errorf("%w: %q", ErrNotFound, ref)
	}
	st, err := fs.Stat(f.FS, name)
	if err != nil {
		return Resource{}, fmt.Errorf("%w: %q", ErrNotFound, ref)
	}
	if st.Size() > MaxBytes {
		return Resource{}, fmt.Errorf("fetch: %q is %d bytes, over the %d-byte limit", ref, st.Size(), MaxBytes)
	}
	b, err := fs.ReadFile(f.FS, name)
	if err != nil {
		return Resource{}, fmt.Errorf("fetch: %q: %w", ref, err)
	}
	return Resource{URL: name, ContentType: TypeByName(name), Body: b}, nil
}

// Map fetches from an in-memory table of reference to body (tests).
type Map map[string]string

// Fetch implements Fetcher.
func (m Map) Fetch(ref string) (Resource, error) {
	b, ok := m[ref]
	if !ok {
		return Resource{}, fmt.Errorf("%w: %q", ErrNotFound, ref)
	}
	return Resource{URL: ref, ContentType: TypeByName(ref), Body: []byte(b)}, nil
}

// TypeByName guesses a content type from a file name's extension.
func TypeByName(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".css":
		return "text/css"
	case ".html", ".htm":
		return "text/html"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".gif":
		return "image/gif"
	case ".js", ".mjs":
		return "text/javascript"
	case ".json":
		return "application/json"
	case ".xml", ".xsd", ".rss", ".atom":
		return "application/xml"
	case ".svg":
		return "image/svg+xml"
	case ".txt", ".text", ".md":
		return "text/plain"
	}
	return "application/octet-stream"
}

// Sniff guesses a content type from the first bytes of a body of unknown
// type: the image signatures, then markup and JSON by their first
// character, then text when it is UTF-8 without NULs.
func Sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "image/gif"
	}
	t := bytes.TrimLeft(b, " \t\r\n\f\xef\xbb\xbf")
	lower := bytes.ToLower(t[:min(len(t), 16)])
	switch {
	case bytes.HasPrefix(lower, []byte("<?xml")):
		return "application/xml"
	case bytes.HasPrefix(lower, []byte("<!doctype html")), bytes.HasPrefix(lower, []byte("<html")), bytes.HasPrefix(lower, []byte("<")):
		return "text/html"
	case len(t) > 0 && (t[0] == '{' || t[0] == '['):
		return "application/json"
	}
	if utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 {
		return "text/plain"
	}
	return "application/octet-stream"
}
