package tcpplot

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace/tcpview"
)

func recording() *tcpview.Recording {
	ms := func(k int) sim.Time { return sim.Time(time.Duration(k) * time.Millisecond) }
	r := &tcpview.Recording{Client: "a", Server: "b", Start: 0}
	for i := range 20 {
		seq := int64(1 + 1000*i)
		r.Segments = append(r.Segments, tcpview.Segment{At: ms(20 + i), Seq: seq, End: seq + 1000})
		r.Acks = append(r.Acks, tcpview.Ack{At: ms(40 + i), Ack: seq, Window: seq + 65535})
	}
	r.Segments = append(r.Segments, tcpview.Segment{At: ms(70), Seq: 5001, End: 6001, Retransmit: true})
	r.Acks[10].SACK = []tcpview.Block{{Left: 7001, Right: 9001}}
	r.Cwnd = []tcpview.Sample{{At: ms(20), Cwnd: 10000, Ssthresh: 1 << 30}, {At: ms(70), Cwnd: 5000, Ssthresh: 5000}}
	return r
}

func TestGraph(t *testing.T) {
	g := New(recording())
	if len(g.Sent) != 20 || len(g.Resent) != 1 || len(g.SACK) != 1 {
		t.Errorf("%d sent, %d resent, %d SACK blocks", len(g.Sent), len(g.Resent), len(g.SACK))
	}
	if len(g.Ssthresh) != 1 {
		t.Errorf("ssthresh drawn at %d points, want 1 (the initial, unbounded one is not drawn)", len(g.Ssthresh))
	}
	var a, b bytes.Buffer
	if err := g.WritePNG(&a, 800, 600); err != nil {
		t.Fatal(err)
	}
	if err := New(recording()).WritePNG(&b, 800, 600); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same recording drew different PNGs")
	}
	img, err := png.Decode(&a)
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != 800 || r.Dy() != 600 {
		t.Errorf("%v, want 800×600", r)
	}
	if err := g.WritePNG(&a, 10, 10); err == nil {
		t.Error("a 10×10 graph was drawn")
	}
}

func TestEmptyGraph(t *testing.T) {
	var b bytes.Buffer
	if err := New(&tcpview.Recording{}).WritePNG(&b, 400, 300); err != nil {
		t.Fatal(err)
	}
}

func TestTicks(t *testing.T) {
	for _, tk := range (plainTicks{}).Ticks(0, 4_200_000) {
		if strings.ContainsAny(tk.Label, "e+") {
			t.Errorf("tick label %q", tk.Label)
		}
	}
	labels := 0
	for _, tk := range (plainTicks{}).Ticks(0, 0.85) {
		if tk.Label != "" {
			labels++
		}
	}
	if labels < 5 || labels > 12 {
		t.Errorf("%d labelled ticks on 0-0.85", labels)
	}
}
