package bulk_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/bulk"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/world"
)

const chain = `
nodes: [{name: a, role: host}, {name: r1, role: router}, {name: r2, role: router}, {name: b, role: host}]
links:
  - {a: a 10.0.0.1/30, b: r1 10.0.0.2/30, rate: 100Mbps, delay: 5ms, queue: 100 packets%s}
  - {a: r1 10.0.1.1/30, b: r2 10.0.1.2/30, rate: 100Mbps, delay: 5ms, queue: 100 packets%s}
  - {a: r2 10.0.2.1/30, b: b 10.0.2.2/30, rate: 100Mbps, delay: 5ms, queue: 100 packets}
`

func run(t *testing.T, first, middle string, seed uint64, cfg bulk.Config) (*bulk.Result, *world.World) {
	t.Helper()
	src := strings.Replace(strings.Replace(chain, "%s", first, 1), "%s", middle, 1)
	w, err := world.FromYAML("t.yaml", []byte(src), seed, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var res *bulk.Result
	if _, err := bulk.Start(w.Node("a"), "b", w.Node("b"), w.Node("b").Addr(), cfg, func(r *bulk.Result) { res = r }); err != nil {
		t.Fatal(err)
	}
	w.Kernel.RunUntil(w.Kernel.Now().Add(time.Hour))
	if res == nil {
		t.Fatal("the transfer never finished")
	}
	return res, w
}

// The chaos matrix: whatever the network does, a transfer either delivers
// exactly the bytes sent (SHA-256 equal) or ends with a clear error, in
// bounded virtual time, and leaves nothing behind.
func TestChaosMatrix(t *testing.T) {
	tests := []struct {
		name          string
		first, middle string
	}{
		{"clean", "", ""},
		{"loss 1%", ", loss: 1%", ""},
		{"loss 5%", ", loss: 5%", ""},
		{"loss 20%", "", ", loss: 20%"},
		{"bursty loss", "", ", burst-loss: {p: 1%, r: 30%}"},
		{"reordering", ", reorder: 5%, reorder-delay: 3ms", ""},
		{"duplication", ", duplicate: 5%", ""},
		{"corruption", "", ", corrupt: 2%"},
		{"small MTU mid-path", "", ", mtu: 700"},
		{"everything", ", loss: 2%, duplicate: 2%, reorder: 2%", ", corrupt: 1%, mtu: 1000"},
	}
	for _, tt := range tests {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(tt.name, func(t *testing.T) {
				res, w := run(t, tt.first, tt.middle, seed, bulk.Config{Size: 1 << 20, Deadline: 30 * time.Minute})
				if res.Err != nil {
					t.Fatalf("seed %d: %v (sent %d, received %d)", seed, res.Err, res.BytesSent, res.BytesReceived)
				}
				if !res.Match {
					t.Fatalf("seed %d: received %d of %d bytes, SHA-256 %s want %s", seed, res.BytesReceived, res.Size, res.ReceivedSHA256, res.SentSHA256)
				}
				w.Kernel.Run() // TIME-WAIT ends
				for _, n := range []*node.Node{w.Node("a"), w.Node("b")} {
					if h := n.Open(); h != (node.Handles{}) {
						t.Fatalf("seed %d: %s still holds %+v", seed, n.Name, h)
					}
				}
				if w.Pool.Live() != 0 {
					t.Fatalf("seed %d: %d packets leaked", seed, w.Pool.Live())
				}
			})
		}
	}
}

// A link down for 2 s in the middle of the transfer: TCP retransmits
// through the outage and finishes.
func TestLinkDownAndBack(t *testing.T) {
	src := strings.Replace(strings.Replace(chain, "%s", "", 1), "%s", "", 1) + "events:\n  - {at: 300ms, down: r1--r2}\n  - {at: 2300ms, up: r1--r2}\n"
	w, err := world.FromYAML("t.yaml", []byte(src), 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var res *bulk.Result
	bulk.Start(w.Node("a"), "b", w.Node("b"), w.Node("b").Addr(), bulk.Config{Size: 4 << 20}, func(r *bulk.Result) { res = r })
	w.Kernel.Run()
	if res == nil || res.Err != nil || !res.Match {
		t.Fatalf("%+v", res)
	}
	if res.Sender.Timeouts == 0 || res.Elapsed < 2*time.Second {
		t.Fatalf("elapsed %v, %d timeouts: the outage did not show", res.Elapsed, res.Sender.Timeouts)
	}
}

// Nobody listening and nobody answering: clear errors in bounded time.
func TestTransferErrors(t *testing.T) {
	res, _ := run(t, "", ", loss: 100%", 1, bulk.Config{Size: 1 << 20})
	if !errors.Is(res.Err, bulk.ErrDeadline) && !strings.Contains(res.Error, "timed out") {
		t.Fatalf("a dead path: %v", res.Err)
	}
}
