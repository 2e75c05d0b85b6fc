package bulk

import (
	"fmt"
	"testing"
)

// The stream comparison finds the first byte that differs, whatever the
// read sizes and wherever chunks begin, and a stream read intact passes.
func TestCompareFindsFirstDifference(t *testing.T) {
	block := make([]byte, chunkSize)
	for i := range block {
		block[i] = byte(i*7 + 3)
	}
	stream := make([]byte, 3*chunkSize+100)
	for k := 0; k*chunkSize < len(stream); k++ {
		c := make([]byte, chunkSize)
		makeChunk(c, block, uint64(k+1))
		copy(stream[k*chunkSize:], c)
	}
	for _, tc := range []struct {
		flip int // -1: none
		read int
	}{
		{-1, 1000}, {-1, chunkSize}, {-1, 7}, {0, 1000}, {chunkSize - 1, 4096},
		{chunkSize, 333}, {2*chunkSize + 50, chunkSize + 1}, {len(stream) - 1, 65000},
	} {
		t.Run(fmt.Sprintf("flip%d/read%d", tc.flip, tc.read), func(t *testing.T) {
			got := append([]byte(nil), stream...)
			if tc.flip >= 0 {
				got[tc.flip] ^= 0x40
			}
			tr := &Transfer{block: block, expect: make([]byte, chunkSize), expectAt: chunkSize, bad: -1}
			for p := got; len(p) > 0; {
				n := min(tc.read, len(p))
				tr.compare(p[:n])
				tr.res.BytesReceived += int64(n)
				p = p[n:]
			}
			if want := int64(tc.flip); tr.bad != want {
				t.Fatalf("first difference at %d, want %d", tr.bad, want)
			}
		})
	}
}
