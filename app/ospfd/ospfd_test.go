package ospfd_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hopsnet/hops/app/ospfd"
	"github.com/hopsnet/hops/world"
)

const line = `routing: ospf
nodes:
  - {name: h1, role: host}
  - {name: r1, role: router}
  - {name: r2, role: router}
  - {name: r3, role: router}
  - {name: h2, role: host}
links:
  - {a: h1 10.0.1.2/24, b: r1 10.0.1.1/24, delay: 1ms}
  - {a: r1 10.9.0.1/30, b: r2 10.9.0.2/30, delay: 1ms}
  - {a: r2 10.9.0.5/30, b: r3 10.9.0.6/30, delay: 1ms}
  - {a: r3 10.0.2.1/24, b: h2 10.0.2.2/24, delay: 1ms}
`

// Example: three routers in a line learn each other's subnets by OSPF;
// r1's route to h2's subnet goes to r2 with the cost of three links.
func Example() {
	w, err := world.FromYAML("line.yaml", []byte(line), 1, world.Options{})
	if err != nil {
		panic(err)
	}
	if err := w.Settle(); err != nil {
		panic(err)
	}
	r, _ := w.Node("r1").Routes.Lookup(w.Node("h2").Addr())
	fmt.Println(r.Prefix, "via", r.NextHop, "proto", r.Proto, "metric", r.Metric)
	for _, nb := range w.OSPFDaemon("r1").Engine().Neighbors() {
		fmt.Println("r1's neighbour", nb.ID, nb.State)
	}
	// Output:
	// 10.0.2.0/24 via 10.9.0.2 proto ospf metric 303
	// r1's neighbour 10.9.0.5 Full
}

// TestStartErrors: a daemon needs an interface and an address.
func TestStartErrors(t *testing.T) {
	w, err := world.FromYAML("line.yaml", []byte(strings.Replace(line, "routing: ospf\n", "", 1)), 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ospfd.Start(w.Node("r1"), ospfd.Config{}); err == nil || !strings.Contains(err.Error(), "r1: ospf: no interface") {
		t.Fatalf("no interfaces: %v", err)
	}
	d, err := ospfd.Start(w.Node("r1"), ospfd.Config{Ifaces: []ospfd.Iface{{Iface: w.Node("r1").Ifaces()[0]}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ospfd.Start(w.Node("r1"), ospfd.Config{Ifaces: []ospfd.Iface{{Iface: w.Node("r1").Ifaces()[1]}}}); err == nil {
		t.Fatal("a second daemon on one node started")
	}
	d.Close()
	if _, err := ospfd.Start(w.Node("r1"), ospfd.Config{Ifaces: []ospfd.Iface{{Iface: w.Node("r1").Ifaces()[1]}}}); err != nil {
		t.Fatalf("after Close: %v", err)
	}
}
