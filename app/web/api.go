package web

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"slices"
	"strconv"
	"strings"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/sim"
)

// API is api.example.com's REST collection of objects at /items:
//
//	GET    /items       200, every item, by id
//	POST   /items       201 with Location /items/{id} and the item
//	GET    /items/{id}  200, or 404
//	PUT    /items/{id}  200 with the replaced item, or 404
//	DELETE /items/{id}  204, or 404
//	GET    /session     200: the client's session and the items it created
//
// Another method is 405 with Allow; a body that is not one object, 400;
// one that is neither application/json nor application/xml, 415. Each
// item is the object it was given with "id" set by the server.
//
// Content negotiation (RFC 9110 section 12.5.1): answers are JSON, or XML
// when the request's Accept prefers application/xml (or text/xml); an
// Accept that allows neither is 406. XML items are <item> elements with
// one child element per field; a body may be XML too.
//
// Sessions: a request without a valid "session" cookie gets one
// (Set-Cookie: session=…; Path=/; HttpOnly; SameSite=Lax); the session
// remembers the items created in it.
type API struct {
	items    map[int]map[string]any
	next     int
	sessions map[string][]int // session id → ids of the items it created
	nextSess int
}

// NewAPI returns the collection with its two first items.
func NewAPI() *API {
	a := &API{items: map[int]map[string]any{}, next: 1, sessions: map[string][]int{}}
	for _, name := range []string{"apple", "pear"} {
		a.add(map[string]any{"name": name})
	}
	return a
}

func (a *API) add(it map[string]any) map[string]any {
	it["id"] = a.next
	a.items[a.next] = it
	a.next++
	return it
}

// ServeHTTP answers one request.
func (a *API) ServeHTTP(now sim.Time, req *h1.Request, resp *h1.Response) {
	xml, ok := wantsXML(req.Header.Get("Accept"))
	if !ok {
		writeJSON(resp, 406, map[string]string{"error": "this API speaks application/json and application/xml"})
		return
	}
	sess := a.session(req, resp)
	r := &apiResponse{resp: resp, xml: xml}
	p, _, _ := strings.Cut(req.Target, "?")
	switch {
	case p == "/":
		r.write(200, "api", map[string]any{"items": "/items", "session": "/session"})
	case p == "/session":
		r.write(200, "session", map[string]any{"session": sess, "created": append([]int{}, a.sessions[sess]...)})
	case p == "/items":
		a.collection(req, r, sess)
	case strings.HasPrefix(p, "/items/"):
		id, err := strconv.Atoi(p[len("/items/"):])
		if err != nil || a.items[id] == nil {
			r.write(404, "error", map[string]any{"error": "no such item"})
			return
		}
		a.item(id, req, r)
	default:
		r.write(404, "error", map[string]any{"error": "not found"})
	}
}

// session returns the request's session, starting one (and setting its
// cookie) when it has none the API knows.
func (a *API) session(req *h1.Request, resp *h1.Response) string {
	for _, h := range req.Header.Values("Cookie") {
		for _, kv := range strings.Split(h, ";") {
			name, value, _ := strings.Cut(strings.TrimSpace(kv), "=")
			if _, ok := a.sessions[value]; name == "session" && ok {
				return value
			}
		}
	}
	a.nextSess++
	id := "s" + strconv.Itoa(a.nextSess)
	a.sessions[id] = nil
	resp.Header.Add("Set-Cookie", "session="+id+"; Path=/; HttpOnly; SameSite=Lax")
	return id
}

// wantsXML reads an Accept header: whether XML is preferred, and whether
// JSON or XML is acceptable at all. No Accept means anything.
func wantsXML(accept string) (xml, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return false, true
	}
	q := map[string]float64{}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		v := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				v = f
			}
		}
		q[mt] = max(q[mt], v)
	}
	quality := func(types ...string) float64 {
		best := 0.0
		for _, t := range types {
			best = max(best, q[t])
		}
		return best
	}
	any := max(q["*/*"], q["application/*"])
	j := max(quality("application/json"), any)
	x := max(quality("application/xml", "text/xml"), any)
	if j == 0 && x == 0 {
		return false, false
	}
	return x > j, true
}

func (a *API) collection(req *h1.Request, r *apiResponse, sess string) {
	switch req.Method {
	case "GET", "HEAD":
		ids := make([]int, 0, len(a.items))
		for id := range a.items {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		list := make([]map[string]any, len(ids))
		for i, id := range ids {
			list[i] = a.items[id]
		}
		r.write(200, "items", list)
	case "POST":
		it, ok := readObject(req, r)
		if !ok {
			return
		}
		it = a.add(it)
		a.sessions[sess] = append(a.sessions[sess], it["id"].(int))
		r.resp.Header.Add("Location", "/items/"+strconv.Itoa(it["id"].(int)))
		r.write(201, "item", it)
	default:
		r.resp.Header.Add("Allow", "GET, HEAD, POST")
		r.write(405, "error", map[string]any{"error": "method not allowed"})
	}
}

func (a *API) item(id int, req *h1.Request, r *apiResponse) {
	switch req.Method {
	case "GET", "HEAD":
		r.write(200, "item", a.items[id])
	case "PUT":
		it, ok := readObject(req, r)
		if !ok {
			return
		}
		it["id"] = id
		a.items[id] = it
		r.write(200, "item", it)
	case "DELETE":
		delete(a.items, id)
		r.resp.Status = 204
	default:
		r.resp.Header.Add("Allow", "GET, HEAD, PUT, DELETE")
		r.write(405, "error", map[string]any{"error": "method not allowed"})
	}
}

// readObject decodes a JSON object or an XML element body, or answers
// 415 or 400.
func readObject(req *h1.Request, r *apiResponse) (map[string]any, bool) {
	mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		var it map[string]any
		d := json.NewDecoder(bytes.NewReader(req.Body))
		d.UseNumber()
		if err := d.Decode(&it); err != nil || it == nil || d.More() {
			r.write(400, "error", map[string]any{"error": "the body must be one JSON object"})
			return nil, false
		}
		return it, true
	case "application/xml", "text/xml":
		it, err := parseXMLObject(req.Body)
		if err != nil {
			r.write(400, "error", map[string]any{"error": "the body must be one XML element of fields: " + err.Error()})
			return nil, false
		}
		return it, true
	}
	r.write(415, "error", map[string]any{"error": "send application/json or application/xml"})
	return nil, false
}

// apiResponse writes answers in the negotiated format.
type apiResponse struct {
	resp *h1.Response
	xml  bool
}

// write answers v with status, as JSON or as an XML element called name.
func (r *apiResponse) write(status int, name string, v any) {
	if !r.xml {
		writeJSON(r.resp, status, v)
		return
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	writeXML(&b, name, v)
	b.WriteByte('\n')
	r.resp.Status = status
	r.resp.Header.Set("Content-Type", "application/xml")
	r.resp.Header.Add("Vary", "Accept")
	r.resp.Body = b.Bytes()
}

// writeXML writes v as an element: an object's fields as child elements
// in name order, a list's members as <item> (or <id> for numbers).
func writeXML(b *bytes.Buffer, name string, v any) {
	b.WriteString("<" + name + ">")
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !validXMLName(k) {
				continue
			}
			writeXML(b, k, v[k])
		}
	case []map[string]any:
		for _, it := range v {
			writeXML(b, "item", it)
		}
	case []int:
		for _, id := range v {
			writeXML(b, "id", id)
		}
	case []any:
		for _, it := range v {
			writeXML(b, "item", it)
		}
	default:
		xml.EscapeText(b, []byte(fmt.Sprint(v)))
	}
	b.WriteString("</" + name + ">")
}

// validXMLName reports whether k can be an element's name (letters,
// digits, '-', '_', '.', not starting with a digit or "xml").
func validXMLName(k string) bool {
	if k == "" || strings.HasPrefix(strings.ToLower(k), "xml") {
		return false
	}
	for i, c := range k {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if !(letter || i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// parseXMLObject reads <anything><field>text</field>…</anything> into
// an object of strings.
func parseXMLObject(body []byte) (map[string]any, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	it := map[string]any{}
	depth := 0
	var field string
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > 2 {
				return nil, errors.New("nested fields")
			}
			if depth == 2 {
				field = t.Name.Local
				text.Reset()
			}
		case xml.EndElement:
			if depth == 2 {
				it[field] = text.String()
			}
			depth--
		case xml.CharData:
			if depth == 2 {
				text.Write(t)
			}
		}
	}
	if depth != 0 {
		return nil, errors.New("unclosed element")
	}
	delete(it, "id")
	return it, nil
}

func writeJSON(resp *h1.Response, status int, v any) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false) // "&" stays "&": this is no HTML page
	e.Encode(v)
	resp.Status = status
	resp.Header.Set("Content-Type", "application/json")
	resp.Body = b.Bytes()
}
