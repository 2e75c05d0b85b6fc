package seq_test

import (
	"fmt"

	"github.com/hopsnet/hops/seq"
)

// A connection whose initial sequence number sits just below the wrap:
// the SYN takes one number, 20 bytes of data take 20 more, and the
// comparisons stay right although the raw numbers fall back past zero.
func Example() {
	iss := seq.Value(4294967290) // 2^32 - 6
	sndNxt := iss
	sndNxt.UpdateForward(1)  // the SYN
	sndNxt.UpdateForward(20) // "hello, wrapped world"
	fmt.Println("SND.NXT:", sndNxt)
	fmt.Println("ISS before SND.NXT:", iss.LessThan(sndNxt))
	fmt.Println("bytes in flight:", sndNxt.Sub(iss.Add(1)))

	// The peer's receive window of 10 starts at ISS+1 and crosses zero.
	fmt.Println("0 in window:", seq.Value(0).InWindow(iss.Add(1), 10))
	fmt.Println("SND.NXT in window:", sndNxt.InWindow(iss.Add(1), 10))
	// Output:
	// SND.NXT: 15
	// ISS before SND.NXT: true
	// bytes in flight: 20
	// 0 in window: true
	// SND.NXT in window: false
}

// RFC 9293's acceptability test for an incoming segment.
func ExampleAcceptable() {
	rcvNxt, rcvWnd := seq.Value(1000), seq.Size(500)
	fmt.Println(seq.Acceptable(1000, 100, rcvNxt, rcvWnd)) // new data
	fmt.Println(seq.Acceptable(900, 150, rcvNxt, rcvWnd))  // partly old
	fmt.Println(seq.Acceptable(900, 100, rcvNxt, rcvWnd))  // a duplicate
	fmt.Println(seq.Acceptable(1000, 0, rcvNxt, 0))        // a probe on a closed window
	// Output:
	// true
	// true
	// false
	// true
}
