package bulk_test

import (
	"testing"

	"github.com/hopsnet/hops/app/bulk"
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
