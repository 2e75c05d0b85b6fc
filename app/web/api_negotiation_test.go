package web

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/hopsnet/hops/http/h1"
)

func apiDo(a *API, method, target string, header map[string]string, body string) *h1.Response {
	req := &h1.Request{Method: method, Target: target, Minor: 1, Body: []byte(body)}
	for k, v := range header {
		req.Header.Add(k, v)
	}
	resp := &h1.Response{Minor: 1}
	a.ServeHTTP(0, req, resp)
	return resp
}

// TestAPINegotiation: the API answers JSON by default and XML when Accept
// prefers it (by q-value), takes XML bodies, and answers 406 to an Accept
// it cannot meet; the XML parses with encoding/xml.
func TestAPINegotiation(t *testing.T) {
	a := NewAPI()
	for _, c := range []struct {
		accept, ctype string
		status        int
	}{
		{"", "application/json", 200},
		{"application/json", "application/json", 200},
		{"application/xml", "application/xml", 200},
		{"text/xml", "application/xml", 200},
		{"application/json;q=0.5, application/xml", "application/xml", 200},
		{"application/xml;q=0.1, application/json", "application/json", 200},
		{"*/*", "application/json", 200},
		{"text/html", "application/json", 406},
	} {
		r := apiDo(a, "GET", "/items", map[string]string{"Accept": c.accept}, "")
		if r.Status != c.status || r.Header.Get("Content-Type") != c.ctype {
			t.Errorf("Accept %q: %d %s, want %d %s", c.accept, r.Status, r.Header.Get("Content-Type"), c.status, c.ctype)
		}
	}
	r := apiDo(a, "GET", "/items", map[string]string{"Accept": "application/xml"}, "")
	var items struct {
		Items []struct {
			ID   int    `xml:"id"`
			Name string `xml:"name"`
		} `xml:"item"`
	}
	if err := xml.Unmarshal(r.Body, &items); err != nil || len(items.Items) != 2 || items.Items[1].Name != "pear" || items.Items[1].ID != 2 {
		t.Fatalf("XML %s: %+v %v", r.Body, items, err)
	}
	r = apiDo(a, "POST", "/items", map[string]string{"Content-Type": "application/xml"}, "<item><name>kiwi &amp; co</name></item>")
	if r.Status != 201 || !strings.Contains(string(r.Body), `"name":"kiwi & co"`) || r.Header.Get("Location") != "/items/3" {
		t.Fatalf("POST XML: %d %s", r.Status, r.Body)
	}
	if r := apiDo(a, "POST", "/items", map[string]string{"Content-Type": "application/xml"}, "<item><name>x</name>"); r.Status != 400 {
		t.Fatalf("a broken XML body: %d %s", r.Status, r.Body)
	}
	if r := apiDo(a, "POST", "/items", map[string]string{"Content-Type": "text/plain"}, "x"); r.Status != 415 {
		t.Fatalf("text/plain: %d", r.Status)
	}
}

// TestAPISession: the first request gets a session cookie; requests that
// send it back share the session, which lists the items created in it;
// an unknown session gets a new one.
func TestAPISession(t *testing.T) {
	a := NewAPI()
	r := apiDo(a, "POST", "/items", map[string]string{"Content-Type": "application/json"}, `{"name":"fig"}`)
	sc := r.Header.Get("Set-Cookie")
	if !strings.HasPrefix(sc, "session=s1; Path=/; HttpOnly") {
		t.Fatalf("Set-Cookie %q", sc)
	}
	cookie := map[string]string{"Cookie": "other=1; session=s1", "Content-Type": "application/json"}
	if r := apiDo(a, "POST", "/items", cookie, `{"name":"plum"}`); r.Header.Get("Set-Cookie") != "" {
		t.Fatalf("a known session got a new cookie: %q", r.Header.Get("Set-Cookie"))
	}
	r = apiDo(a, "GET", "/session", cookie, "")
	if string(r.Body) != "{\"created\":[3,4],\"session\":\"s1\"}\n" {
		t.Fatalf("GET /session: %s", r.Body)
	}
	r = apiDo(a, "GET", "/session", map[string]string{"Cookie": "session=s99"}, "")
	if !strings.HasPrefix(r.Header.Get("Set-Cookie"), "session=s2;") || string(r.Body) != "{\"created\":[],\"session\":\"s2\"}\n" {
		t.Fatalf("an unknown session: %q %s", r.Header.Get("Set-Cookie"), r.Body)
	}
}
