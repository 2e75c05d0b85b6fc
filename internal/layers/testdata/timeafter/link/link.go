package link

import "time"

// Durations and their constants are fine.
const Delay = 5 * time.Millisecond

func Wait(d time.Duration) {
	<-time.After(d)
}
