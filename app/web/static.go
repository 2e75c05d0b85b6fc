package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/sim"
)

// Site serves the files of a directory tree: GET and HEAD, "/" as
// /index.html, Content-Type from the file's extension, a strong ETag
// (a hash of the content) and If-None-Match → 304 (RFC 9110 section
// 13.1.2), Cache-Control "no-cache" for HTML and "max-age=3600" for the
// rest. Files are read once, when the site is made.
type Site struct {
	files     map[string]file
	redirects map[string]redirect
}

type redirect struct {
	status int
	to     string
}

// Redirect answers requests for path with status (301, 302, 303, 307 or
// 308) and Location to.
func (s *Site) Redirect(path string, status int, to string) {
	if s.redirects == nil {
		s.redirects = map[string]redirect{}
	}
	s.redirects[path] = redirect{status, to}
}

type file struct {
	body  []byte
	ctype string
	etag  string
}

// NewSite loads every file of fsys.
func NewSite(fsys fs.FS) (*Site, error) {
	s := &Site{files: map[string]file{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		s.files["/"+p] = file{body: b, ctype: contentType(p), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	return s, err
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
	".js": "text/javascript; charset=utf-8", ".json": "application/json",
	".png": "image/png", ".jpg": "image/jpeg", ".svg": "image/svg+xml",
	".txt": "text/plain; charset=utf-8", ".xml": "application/xml", ".ico": "image/x-icon",
}

func contentType(p string) string {
	if t, ok := contentTypes[path.Ext(p)]; ok {
		return t
	}
	return "application/octet-stream"
}

// ServeHTTP answers one request.
func (s *Site) ServeHTTP(now sim.Time, req *h1.Request, resp *h1.Response) {
	if req.Method != "GET" && req.Method != "HEAD" {
		resp.Header.Add("Allow", "GET, HEAD")
		textError(resp, 405)
		return
	}
	p, _, _ := strings.Cut(req.Target, "?")
	if strings.HasPrefix(p, "http://") { // absolute-form
		if i := strings.IndexByte(p[len("http://"):], '/'); i >= 0 {
			p = p[len("http://")+i:]
		} else {
			p = "/"
		}
	}
	if r, ok := s.redirects[p]; ok {
		resp.Header.Add("Location", r.to)
		textError(resp, r.status)
		return
	}
	if strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	f, ok := s.files[path.Clean(p)]
	if !ok {
		textError(resp, 404)
		return
	}
	resp.Header.Add("Content-Type", f.ctype)
	resp.Header.Add("ETag", f.etag)
	// Pages are revalidated on every visit; the files they use stay
	// fresh for an hour (a browser's second visit shows both: a 304 for
	// the page, cache hits for the rest).
	if strings.HasPrefix(f.ctype, "text/html") {
		resp.Header.Add("Cache-Control", "no-cache")
	} else {
		resp.Header.Add("Cache-Control", "max-age=3600")
	}
	if etagMatch(req.Header.Get("If-None-Match"), f.etag) {
		resp.Status = 304
		return
	}
	resp.Body = f.body
}

// etagMatch implements If-None-Match's weak comparison (RFC 9110 section
// 13.1.2): "*" or any listed tag equal to etag, W/ prefixes ignored.
func etagMatch(list, etag string) bool {
	if list == "" {
		return false
	}
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// textError makes resp a short text answer with status.
func textError(resp *h1.Response, status int) {
	resp.Status = status
	resp.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp.Body = []byte(h1.StatusText(status) + "\n")
}
