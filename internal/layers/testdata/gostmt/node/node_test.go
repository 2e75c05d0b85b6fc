package node

import (
	"sync"
	"testing"
)

// Tests may start goroutines.
func TestParallelKernels(t *testing.T) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done() }()
	wg.Wait()
}
