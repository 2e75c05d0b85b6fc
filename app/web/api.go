package web

import (
	"bytes"
	"encoding/json"
	"mime"
	"slices"
	"strconv"
	"strings"

	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/sim"
)

// API is api.example.com's REST collection of JSON objects at /items:
//
//	GET    /items       200, every item as a JSON array, by id
//	POST   /items       201 with Location /items/{id} and the item
//	GET    /items/{id}  200, or 404
//	PUT    /items/{id}  200 with the replaced item, or 404
//	DELETE /items/{id}  204, or 404
//
// Another method is 405 with Allow; a body that is not a JSON object, 400;
// one that is not application/json, 415. Each item is the object it was
// given with "id" set by the server.
type API struct {
	items map[int]map[string]any
	next  int
}

// NewAPI returns the collection with its two first items.
func NewAPI() *API {
	a := &API{items: map[int]map[string]any{}, next: 1}
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
	p, _, _ := strings.Cut(req.Target, "?")
	switch {
	case p == "/":
		writeJSON(resp, 200, map[string]string{"items": "/items"})
	case p == "/items":
		a.collection(req, resp)
	case strings.HasPrefix(p, "/items/"):
		id, err := strconv.Atoi(p[len("/items/"):])
		if err != nil || a.items[id] == nil {
			writeJSON(resp, 404, map[string]string{"error": "no such item"})
			return
		}
		a.item(id, req, resp)
	default:
		writeJSON(resp, 404, map[string]string{"error": "not found"})
	}
}

func (a *API) collection(req *h1.Request, resp *h1.Response) {
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
		writeJSON(resp, 200, list)
	case "POST":
		it, ok := readObject(req, resp)
		if !ok {
			return
		}
		it = a.add(it)
		resp.Header.Add("Location", "/items/"+strconv.Itoa(it["id"].(int)))
		writeJSON(resp, 201, it)
	default:
		resp.Header.Add("Allow", "GET, HEAD, POST")
		writeJSON(resp, 405, map[string]string{"error": "method not allowed"})
	}
}

func (a *API) item(id int, req *h1.Request, resp *h1.Response) {
	switch req.Method {
	case "GET", "HEAD":
		writeJSON(resp, 200, a.items[id])
	case "PUT":
		it, ok := readObject(req, resp)
		if !ok {
			return
		}
		it["id"] = id
		a.items[id] = it
		writeJSON(resp, 200, it)
	case "DELETE":
		delete(a.items, id)
		resp.Status = 204
	default:
		resp.Header.Add("Allow", "GET, HEAD, PUT, DELETE")
		writeJSON(resp, 405, map[string]string{"error": "method not allowed"})
	}
}

// readObject decodes a JSON object body, or answers 415 or 400.
func readObject(req *h1.Request, resp *h1.Response) (map[string]any, bool) {
	mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if mt != "application/json" {
		writeJSON(resp, 415, map[string]string{"error": "send application/json"})
		return nil, false
	}
	var it map[string]any
	d := json.NewDecoder(bytes.NewReader(req.Body))
	d.UseNumber()
	if err := d.Decode(&it); err != nil || it == nil || d.More() {
		writeJSON(resp, 400, map[string]string{"error": "the body must be one JSON object"})
		return nil, false
	}
	return it, true
}

func writeJSON(resp *h1.Response, status int, v any) {
	b, _ := json.Marshal(v)
	resp.Status = status
	resp.Header.Set("Content-Type", "application/json")
	resp.Body = append(b, '\n')
}
