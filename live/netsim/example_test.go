package netsim_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/hopsnet/hops/live/netsim"
	"github.com/hopsnet/hops/live/realtime"
	"github.com/hopsnet/hops/world"
)

// A net/http server on one node of a small world and a client on
// another, the driver following the wall clock. In a test, wrap the
// same code in synctest.Test to run it in virtual time, as fast as the
// machine allows.
func Example() {
	w, err := world.FromYAML("example.yaml", []byte(`
nodes:
  - {name: client, role: host}
  - {name: router, role: router}
  - {name: server, role: host}
links:
  - {a: client 10.0.1.2/24, b: router 10.0.1.1/24, rate: 100Mbps, delay: 2ms, loss: 1%}
  - {a: router 10.0.2.1/24, b: server 10.0.2.2/24, rate: 100Mbps, delay: 2ms}
`), 1, world.Options{})
	if err != nil {
		panic(err)
	}
	d := realtime.New(w.Kernel)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go d.Run(ctx)
	defer d.Stop()

	n := netsim.New(w, d)
	server, _ := n.Host("server")
	client, _ := n.Host("client")

	l, err := server.Listen("tcp", ":80")
	if err != nil {
		panic(err)
	}
	go http.Serve(l, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		ip, _, _ := net.SplitHostPort(r.RemoteAddr)
		fmt.Fprintf(rw, "hello %s, from %s", ip, r.Host)
	}))
	defer l.Close()

	c := &http.Client{Transport: &http.Transport{DialContext: client.DialContext}, Timeout: 30 * time.Second}
	resp, err := c.Get("http://server/")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status)
	fmt.Println(string(b))
	// Output:
	// 200 OK
	// hello 10.0.1.2, from server
}
