package bulk_test

import (
	"testing"

	"github.com/hopsnet/hops/app/bulk"
	"github.com/hopsnet/hops/tcp"
)

// Both checks agree on lossy, reordering runs: the stream comparison
// passes where the digests match, for the same bytes and the same
// packets (the check changes no simulated event).
func TestCheckStreamAgreesWithSHA256(t *testing.T) {
	for _, link := range []string{"", ", loss: 5%", ", reorder: 10%"} {
		for seed := uint64(1); seed <= 2; seed++ {
			cfg := bulk.Config{Size: 1<<20 + 12345}
			sha, w1 := run(t, "", link, seed, cfg)
			cfg.Check = bulk.CheckStream
			str, w2 := run(t, "", link, seed, cfg)
			if !sha.Match || sha.SentSHA256 == "" {
				t.Fatalf("%q seed %d: sha256 check: %+v", link, seed, sha)
			}
			if !str.Match || str.SentSHA256 != "" || str.Mismatch != "" {
				t.Fatalf("%q seed %d: stream check: %+v", link, seed, str)
			}
			if sha.Elapsed != str.Elapsed || sha.Sender.SegmentsOut != str.Sender.SegmentsOut || w1.Kernel.Now() != w2.Kernel.Now() {
				t.Fatalf("%q seed %d: the check changed the run: %v/%d vs %v/%d", link, seed,
					sha.Elapsed, sha.Sender.SegmentsOut, str.Elapsed, str.Sender.SegmentsOut)
			}
		}
	}
}

// Receive-buffer autotuning (tcp.Config.RecvBufMax): from a 64 KiB start
// the receiver's buffer grows towards the path's bandwidth-delay product
// (100 Mbit/s × 30 ms ≈ 375 KB), never past its maximum, and the transfer
// finishes twice as soon as with the fixed 64 KiB window, about as soon
// as with a fixed 6 MiB one.
func TestRecvBufAutotuning(t *testing.T) {
	size := int64(8 << 20)
	fixed, _ := run(t, "", "", 1, bulk.Config{Size: size, TCP: tcp.Config{RecvBufSize: 64 << 10, SendBufSize: 4 << 20}})
	tuned, _ := run(t, "", "", 1, bulk.Config{Size: size, TCP: tcp.Config{RecvBufSize: 64 << 10, RecvBufMax: 6 << 20, SendBufSize: 4 << 20}})
	big, _ := run(t, "", "", 1, bulk.Config{Size: size, TCP: tcp.Config{RecvBufSize: 6 << 20, SendBufSize: 4 << 20}})
	if !fixed.Match || !tuned.Match || !big.Match {
		t.Fatalf("fixed %+v, tuned %+v", fixed, tuned)
	}
	r := tuned.Receiver
	if r.RecvBufGrowths == 0 || r.RecvBuf <= 375_000 || r.RecvBuf > 6<<20 || fixed.Receiver.RecvBuf != 64<<10 {
		t.Errorf("receive buffer %d after %d growths (fixed: %d)", r.RecvBuf, r.RecvBufGrowths, fixed.Receiver.RecvBuf)
	}
	if tuned.Elapsed*2 > fixed.Elapsed || tuned.Elapsed > big.Elapsed*5/4 {
		t.Errorf("autotuned %v, fixed 64 KiB %v, fixed 6 MiB %v: want twice as soon as 64 KiB, within a quarter of 6 MiB", tuned.Elapsed, fixed.Elapsed, big.Elapsed)
	}
	t.Logf("8 MiB: fixed 64 KiB window %v (%.1f Mbit/s), autotuned %v (%.1f Mbit/s, buffer grew %d times to %d bytes), fixed 6 MiB %v (%.1f Mbit/s)",
		fixed.Elapsed, fixed.Goodput/1e6, tuned.Elapsed, tuned.Goodput/1e6, r.RecvBufGrowths, r.RecvBuf, big.Elapsed, big.Goodput/1e6)
}
